"""Rows for a person or for a program: an aligned table when stdout is a terminal,
tab-separated lines without a header when it is not (``cut -f``, ``while read``).

Columns are aligned by terminal cells, not characters: a CJK character or an emoji
takes two cells ("部署トークン", "🔑 deploy"). :func:`cell_width` is a small stand-in
for ``wcwidth`` (``rich.cells`` would cost the command ~5 ms of imports).
"""

from __future__ import annotations

import sys
import unicodedata

from rime_tui.commands.exits import printable


def char_width(char: str) -> int:
    """The terminal cells *char* takes: 2 for wide and full-width characters (East Asian
    Width W or F, which covers emoji), 0 for combining marks, variation selectors and
    format characters (a zero-width space), else 1."""
    if unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cell_width(text: str) -> int:
    """The terminal cells *text* takes (see :func:`char_width`)."""
    return sum(char_width(c) for c in text)


def pad(text: str, width: int) -> str:
    """*text* padded with spaces to *width* cells."""
    return text + " " * max(0, width - cell_width(text))


def clean(cell: str) -> str:
    """A cell that cannot break a line or a column: no control characters, no tab."""
    return printable(cell).replace("\n", " ")  # (a tab, as every control: ?)


def print_rows(header: list[str], rows: list[list[str]]) -> None:
    """*rows* under *header*, as a table on a terminal, else tab-separated without it."""
    cells = [[clean(cell) for cell in row] for row in rows]
    if not sys.stdout.isatty():
        for row in cells:
            print("\t".join(row))
        return
    table = [header, *cells]
    widths = [max(cell_width(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        print("  ".join(pad(c, w) for c, w in zip(line, widths, strict=True)).rstrip())
