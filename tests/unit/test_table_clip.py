"""How a table cell is cut to its column (rime_tui/tui/table.py: clip)."""

from __future__ import annotations

from rich.text import Text

from rime_tui.tui.table import Tagged, clip


def test_a_cell_that_fits_is_left_as_it_is() -> None:
    assert clip("Workspace 1", 11).plain == "Workspace 1"
    assert clip("[b]markup[/b]", 20).plain == "[b]markup[/b]"  # plain text, never markup
    text = Text("bold", "bold")
    assert clip(text, 10) is text


def test_a_cut_cell_ends_in_an_ellipsis() -> None:
    assert str(clip("Workspace 1", 10)) == "Workspace…"
    assert str(clip(Text("日本語のテキスト"), 7)) == "日本語…"  # by cells, not characters


def test_a_tag_stays_in_view_while_the_text_before_it_can_be_read() -> None:
    cell = Tagged(Text("Default token"), Text(" (this session)"))
    assert str(clip(cell, 40)) == "Default token (this session)"
    assert str(clip(cell, 22)) == "Defaul… (this session)"
    assert str(clip(cell, 23)) == "Default… (this session)"
    assert str(clip(cell, 16)) == "Default token (…"  # no room: cut as one text
