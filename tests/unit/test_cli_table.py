"""The commands' tables (rime_tui/commands/table.py): widths in terminal cells, as the
terminal (and rich, the TUI's measure) counts them, without loading rich."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from rime_tui.commands.table import cell_width, print_rows

SAMPLES = [
    "plain",
    "部署トークン",  # CJK: two cells each
    "🔑 deploy",  # an emoji: two cells
    "한국어 토큰",
    "ｆｕｌｌ",  # full-width Latin
    "café",  # a precomposed é
    "cafe\u0301",  # e and a combining acute accent: one cell
    "zero\u200bwidth",  # a zero-width space
]


@pytest.mark.parametrize("text", SAMPLES)
def test_cell_width_counts_as_rich_does(text: str) -> None:
    assert cell_width(text) == cell_len(text)


def test_rows_on_a_terminal_are_padded_by_cells(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    print_rows(["NAME", "OWNER"], [["部署トークン", "a"], ["🔑 deploy", "b"], ["x\ty", "c"]])
    lines = capsys.readouterr().out.splitlines()
    starts = [
        cell_width(line[: line.index(owner)]) for line, owner in zip(lines, "Oabc", strict=True)
    ]
    assert starts == [14] * 4
    assert lines[3].startswith("x?y ")  # a tab in a cell cannot break a column


def test_rows_for_a_program_are_tab_separated_without_a_header(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_rows(["NAME", "OWNER"], [["部署トークン", "a"], ["x\ty", "b\x1b"]])
    assert capsys.readouterr().out == "部署トークン\ta\nx?y\tb?\n"
