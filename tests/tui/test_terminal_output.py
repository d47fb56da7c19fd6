"""Only the cells that changed are written (issue K, item 4), and the terminal shows the
same as if every frame were written whole.

The real app against a real local instance. Textual's headless driver writes nothing, so
each update its compositor makes is rendered here twice: Textual's own way (whole
screens, pieces of lines) and rime-tui's (``compat.changed_cells``, what the app's
``_display`` runs on a terminal), each fed to its own screen of pyte, a VT emulator we did
not write; after every frame the two screens must hold the same characters in the same
colours and attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyte
import pytest
from pyte.screens import Char
from rich.cells import cell_len
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from rime_tui.api.client import RimeClient
from rime_tui.tui import compat
from rime_tui.tui.app import RimeApp
from rime_tui.tui.output import TerminalMirror
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from tests.support.tui import MakeApp, reach_workspaces, screen, screen_lines, tokens_from_overview

WIDE_NAME = "工作区 二 🚀 ok"  # CJK and an emoji: two cells a character


class Terminal:
    """A pyte screen fed what is written to it."""

    def __init__(self, width: int, height: int) -> None:
        self.screen = pyte.Screen(width, height)
        self.stream = pyte.Stream(self.screen)
        self.written = 0

    def write(self, data: str) -> None:
        self.written += len(data.encode())
        self.stream.feed(data)

    def resize(self, width: int, height: int) -> None:
        if (self.screen.columns, self.screen.lines) != (width, height):
            self.screen.resize(height, width)

    def cells(self) -> list[list[Char]]:
        buffer = self.screen.buffer
        return [
            [buffer[y][x] for x in range(self.screen.columns)] for y in range(self.screen.lines)
        ]

    def text(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]


class TwoTerminals:
    """Every update of *app*'s compositor, written whole to one terminal and as changed
    cells to the other."""

    def __init__(self, app: RimeApp) -> None:
        self.app = app
        self.whole = Terminal(80, 24)
        self.changes = Terminal(80, 24)
        self.mirror = app.mirror  # headless, the app itself writes nothing with it
        self.frames = 0
        self.outputs: list[str] = []  # what each frame wrote, rime-tui's way
        self.differences: list[str] = []
        display: Callable[..., None] = app._display

        def both(screen: Any, update: Any) -> None:
            if update is not None and hasattr(update, "render_segments"):
                self.frame(update)
            display(screen, update)

        app._display = both  # type: ignore[method-assign, assignment]

    def frame(self, update: Any) -> None:
        size = self.app.size
        for terminal in (self.whole, self.changes):
            terminal.resize(size.width, size.height)
        console = self.app.console
        self.whole.write(update.render_segments(console))
        written = compat.changed_cells(self.app, self.mirror, update, console)
        self.outputs.append(written)
        self.changes.write(written)
        self.frames += 1
        whole, changes = self.whole.cells(), self.changes.cells()
        if whole != changes and not self.differences:
            self.differences = [
                f"frame {self.frames}, line {y}: {''.join(c.data for c in a)!r} "
                f"!= {''.join(c.data for c in b)!r}"
                for y, (a, b) in enumerate(zip(whole, changes, strict=True))
                if a != b
            ]


async def test_the_readme_flow_shows_the_same_through_the_changed_cells_alone(
    make_app: MakeApp, root: RimeClient
) -> None:
    await root.create_workspace(WIDE_NAME)
    app = make_app()
    terminals = TwoTerminals(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_workspaces(pilot, 2)
        await pilot.press("down", "up", "down")
        await pilot.press("enter")
        await tokens_from_overview(pilot)
        before = len(terminals.outputs)
        await pilot.press("n", *"tidy 部署", "enter")
        await screen(pilot, TokenCreatedScreen)
        await pilot.pause()
        # The secret's first frame writes every line whole, whatever came before.
        assert any(
            all(f"\x1b[{y};1H" in out for y in range(1, 25)) for out in terminals.outputs[before:]
        )
        for width, height in ((60, 20), (33, 12), (100, 30)):
            await pilot.resize_terminal(width, height)
            await pilot.pause()
        await pilot.press("escape")
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        # Something else writes over the terminal; ctrl+l puts every cell back.
        terminals.changes.write("\x1b[2J\x1b[5;5Hwall: system going down")
        frames = terminals.frames
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert terminals.frames > frames
        shown = [line.rstrip() for line in screen_lines(app)]

    assert terminals.differences == []
    assert terminals.frames > 20, terminals.frames
    assert terminals.whole.text() == shown  # the harness sees what the app painted
    assert terminals.changes.text() == shown  # and ctrl+l repainted over the "wall"
    assert any("部署" in line for line in shown)  # the wide characters were on screen
    # Fewer bytes for the same picture: whole pushed screens and repainted rows skipped.
    assert terminals.changes.written * 2 < terminals.whole.written


def segments(*parts: tuple[str, Style | None]) -> Strip:
    return Strip([Segment(text, style) for text, style in parts])


RED, BLUE = Style(color="red"), Style(bgcolor="blue", bold=True)
TRUE = ColorSystem.TRUECOLOR


def styled(style: Style, text: str) -> str:
    return Strip.render_style(style, text, TRUE)


def test_a_line_that_reads_the_same_is_not_written_and_a_change_writes_its_span() -> None:
    mirror, size = TerminalMirror(), (10, 2)
    first = mirror.update([(0, 0, segments(("abcdefghij", RED)))], size, TRUE)
    assert first == "\x1b[1;1H" + styled(RED, "abcdefghij")  # one style sequence, not ten
    # The same line again, in other segments and with other meta: nothing to write.
    again = segments(("abcde", RED), ("fghij", RED + Style(meta={"offset": (5, 0)})))
    assert mirror.update([(0, 0, again)], size, TRUE) == ""
    # One cell changed in the middle: a cursor move to it and that cell alone.
    changed = mirror.update([(0, 0, segments(("abcdXfghij", RED)))], size, TRUE)
    assert changed == "\x1b[1;5H" + styled(RED, "X")
    # A piece placed at column 7: only what differs of it, on its line only.
    piece = mirror.update([(7, 0, segments(("hiJ", RED)))], size, TRUE)
    assert piece == "\x1b[1;10H" + styled(RED, "J")
    # Cells before and after a change in another style are left alone.
    both = mirror.update([(0, 0, segments(("abcd", RED), ("XY", BLUE), ("ghiJ", RED)))], size, TRUE)
    assert both == "\x1b[1;5H" + styled(BLUE, "XY")


def test_a_wide_character_is_written_whole_and_forget_writes_everything() -> None:
    mirror, size = TerminalMirror(), (6, 1)
    mirror.update([(0, 0, segments(("a部bcd", None)))], size, TRUE)
    restyled = segments(("a", None), ("部", BLUE), ("bcd", None))
    assert mirror.update([(0, 0, restyled)], size, TRUE) == "\x1b[1;2H" + styled(BLUE, "部")
    # A piece that starts on the wide character's right half takes it whole.
    assert mirror.update([(2, 0, segments(("x", None)))], size, TRUE) == "\x1b[1;3Hx"
    mirror.forget()
    assert mirror.update([(0, 0, restyled)], size, TRUE).startswith("\x1b[1;1Ha")


def test_the_mirror_keeps_no_more_than_4096_styles_or_texts() -> None:
    # Textual makes a new Style for each offset it tags (mouse support): a long session
    # must not grow the mirror's lookups without bound.
    mirror, size = TerminalMirror(), (8, 1)
    for n in range(5000):
        style = RED + Style(meta={"offset": (n, 0)})
        mirror.update([(0, 0, segments((f"é{n:07d}"[:8], style)))], size, TRUE)
    assert len(mirror._ids) <= 4097
    assert len(mirror._split) <= 4096


def test_a_grapheme_takes_the_cells_textual_gives_it() -> None:
    # The mirror's columns must be Textual's (rich's cell_len): an emoji joined with
    # ZWJs, a letter with its combining accent, an emoji with a skin tone are one
    # grapheme each, whatever rich version counts them.
    mirror, size = TerminalMirror(), (12, 1)
    for text in ("👨\u200d👩\u200d👧 ab", "e\u0301t\u00e9", "👍🏽 ok", "❤\ufe0f x"):
        strip = segments((text, None), ("|", BLUE))
        mirror.forget()
        out = mirror.update([(0, 0, strip)], size, TRUE)
        bar = cell_len(text)  # where Textual puts the "|" after the text
        assert mirror.lines[0].chars[bar] == "|", (text, mirror.lines[0].chars)
        assert out.startswith("\x1b[1;1H" + text), out


def test_pieces_from_column_0_that_stop_short_or_jump_keep_the_rest_of_the_line() -> None:
    mirror, size = TerminalMirror(), (10, 1)
    mirror.update([(0, 0, segments(("abcdefghij", None)))], size, TRUE)
    assert mirror.update([(0, 0, segments(("XY", None)))], size, TRUE) == "\x1b[1;1HXY"
    assert "".join(mirror.lines[0].chars) == "XYcdefghij"
    # From column 0, then a piece further on: both placed, the cells between kept.
    out = mirror.update([(0, 0, segments(("Q", None))), (5, 0, segments(("Z", None)))], size, TRUE)
    assert "".join(mirror.lines[0].chars) == "QYcdeZghij"
    # One run from the first change to the last, the cursor placed again where the
    # second piece starts (as Textual would): a character drawn wider than rich counts
    # it shifts its own piece only.
    assert out == "\x1b[1;1HQYcde\x1b[1;6HZ"
    # Pieces that run past the terminal's edge are cut at it.
    mirror.update([(0, 0, segments(("0123456789AB", None)))], size, TRUE)
    assert "".join(mirror.lines[0].chars) == "0123456789"


def test_a_combining_mark_in_a_segment_of_its_own_joins_the_cell_before_it() -> None:
    # An Input's cursor on a decomposed "é" styles the accent apart from its "e".
    mirror, size = TerminalMirror(), (8, 1)
    mirror.update([(0, 0, segments(("Cafe", None), ("\u0301", BLUE), ("  ", None)))], size, TRUE)
    assert mirror.lines[0].chars[:5] == ["C", "a", "f", "e\u0301", " "]
    # Nothing before it in its piece: Textual's own output is used instead.
    with pytest.raises(ValueError):
        mirror.update([(3, 0, segments(("\u0301x", None)))], size, TRUE)


def test_a_new_style_after_4096_numbers_them_again() -> None:
    mirror, size = TerminalMirror(), (4, 1)
    for n in range(5000):
        style = Style(color=f"#{n:06x}")
        mirror.update([(0, 0, segments(("abcd", style)))], size, TRUE)
    assert len(mirror._wraps) <= 4097
    assert mirror.lines[0].chars == ["a", "b", "c", "d"]
