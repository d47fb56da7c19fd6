"""The fewest bytes that take a terminal from one screen to the next, writing only the
cells that changed (issue 17 item 4): the floor for ``bench_tui --only bytes``.

The screens come from replaying what the app wrote through ``pyte``, a VT emulator
(``pip install -e '.[test]'`` brings it). The encoding counted for each
run of changed cells on a row: a cursor move (``ESC[row;colH``), an SGR when the style
differs from the last one written (truecolour as ``38;2;r;g;b``), and the characters in
UTF-8.
"""

from __future__ import annotations

from typing import Any

Cell = tuple[str, str, str, bool, bool, bool, bool]
"""Character, foreground, background, bold, italics, underline, reverse."""
Grid = list[list[Cell]]


class Terminal:
    """A *cols* x *rows* screen fed the app's bytes."""

    def __init__(self, cols: int, rows: int) -> None:
        import pyte

        self.cols, self.rows = cols, rows
        self.screen: Any = pyte.Screen(cols, rows)
        self.stream: Any = pyte.ByteStream(self.screen)

    def feed(self, data: bytes) -> None:
        self.stream.feed(data)

    def grid(self) -> Grid:
        buffer = self.screen.buffer
        return [
            [
                (c.data, c.fg, c.bg, c.bold, c.italics, c.underscore, c.reverse)
                for c in (buffer[row][col] for col in range(self.cols))
            ]
            for row in range(self.rows)
        ]


def _colour(value: str, base: int) -> list[str]:
    if value == "default":
        return []
    if len(value) == 6 and all(c in "0123456789abcdefABCDEF" for c in value):
        r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
        return [f"{base + 8};2;{r};{g};{b}"]
    return [str(base + 7)]  # a named colour: two digits


def sgr_bytes(cell: Cell) -> int:
    _, fg, bg, bold, italics, underline, reverse = cell
    flags = [
        code
        for code, on in zip(("1", "3", "4", "7"), (bold, italics, underline, reverse), strict=True)
        if on
    ]
    params = ["0", *flags, *_colour(fg, 30), *_colour(bg, 40)]
    return len("\x1b[" + ";".join(params) + "m")


def minimum_bytes(before: Grid, after: Grid) -> int:
    """Bytes to turn *before* into *after*, changed cells only."""
    total, style = 0, None
    for row, (old, new) in enumerate(zip(before, after, strict=True)):
        col = 0
        while col < len(new):
            if old[col] == new[col]:
                col += 1
                continue
            total += len(f"\x1b[{row + 1};{col + 1}H")
            while col < len(new) and old[col] != new[col]:
                cell = new[col]
                if cell[1:] != style:
                    total += sgr_bytes(cell)
                    style = cell[1:]
                total += len(cell[0].encode())
                col += 1
    return total
