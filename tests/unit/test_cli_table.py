"""The commands' tables (rime_tui/commands/table.py): widths in terminal cells, as the
terminal (and rich, the TUI's measure) counts them, without loading rich."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from rich.cells import cell_len

from rime_tui.commands.sinks import SecretFile
from rime_tui.commands.table import cell_width, print_rows
from rime_tui.commands.token import _emit
from rime_tui.wire import models as m

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


def test_a_name_from_the_cluster_cannot_drive_the_terminal_after_a_sink(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """rotate --write/--copy prints the token's id and name, the name as the cluster
    lists it (a cluster other than ours may keep an escape in it): as list prints it."""
    made = m.CreateApiTokenResponse(
        id=m.RimeUUID(uuid="0b5e4c1e-5a0c-4f7e-9d3a-000000000001"), full_api_token="rime_x"
    )
    sink = SecretFile(tmp_path / "secret")
    args = argparse.Namespace(output="raw")
    _emit(args, made, "deploy\x1b]0;owned\x07\nnext", None, sink)
    sink.close()
    assert capsys.readouterr().out == f"{made.id.uuid}\tdeploy?]0;owned? next\n"
    assert (tmp_path / "secret").read_text() == "rime_x\n"
