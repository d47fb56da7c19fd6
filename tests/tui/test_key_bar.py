"""The key bar (rime_tui/tui/widgets.py: KeyBar), which stands where Textual's Footer
did: the keys that work now, kept current as focus moves and dialogs come and go, and
a click on one presses it."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.screen import Screen

from rime_tui.tui.progress import Work
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.help import HelpScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from rime_tui.tui.widgets import MIN_WORKING, KeyBar
from tests.support.tui import MakeApp, SignIn, reach_tokens, screen, screen_lines, until


def bottom_line(pilot: Pilot[Any]) -> str:
    """The terminal's last line; empty before the screen's first layout (a wait for
    a key to show could look then, and found no line at all)."""
    lines = screen_lines(pilot.app)
    return lines[-1] if lines else ""


async def click_key(pilot: Pilot[Any], label: str) -> None:
    """Click the middle of *label* as the current screen's key bar shows it."""
    x = bottom_line(pilot).index(label) + len(label) // 2
    await pilot.click(KeyBar, offset=(x, 0))


async def test_the_bar_shows_the_keys_that_work_now(
    desktop_clipboard: list[str], make_app: MakeApp, signed_in: SignIn
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await reach_tokens(pilot, signed_in=signed_in)
        await pilot.pause()
        line = bottom_line(pilot)
        for key in ("esc Back", "n New token", "d Delete", "R Rotate", "^q Quit", "^p palette"):
            assert key in line
        assert line.rstrip().endswith("^q Quit  ? Help │ ^p palette")

        await pilot.press("n")  # into Token Name: the letter keys type, so they are not shown
        await until(pilot, lambda: "New token" not in bottom_line(pilot), "the field's keys")
        assert "esc Back" in bottom_line(pilot)
        assert "d Delete" not in bottom_line(pilot)

        await pilot.press(*"bar", "enter")
        await screen(pilot, TokenCreatedScreen)
        await until(pilot, lambda: "c Copy" in bottom_line(pilot), "the dialog's keys")
        assert "u Use it" in bottom_line(pilot)
        assert "esc Done" in bottom_line(pilot)
        # Over a dialog ctrl+q still works (it asks first) and ? opens the help: shown
        # as on the pages (the palette does not work over a dialog).
        assert bottom_line(pilot).rstrip().endswith("^q Quit  ? Help")

        await pilot.press("escape")  # not copied: it asks
        await screen(pilot, ConfirmScreen)
        await until(pilot, lambda: "y Confirm" in bottom_line(pilot), "the question's keys")
        assert "n Cancel" in bottom_line(pilot)
        await pilot.press("n")
        await screen(pilot, TokenCreatedScreen)
        await pilot.press("c")  # copied: Esc closes at once
        await pilot.press("escape")
        await screen(pilot, TokensScreen)  # back on the list: its keys are back
        await until(pilot, lambda: "d Delete" in bottom_line(pilot), "the list's keys")


async def test_esc_says_what_it_does_while_a_filter_is_open(
    make_app: MakeApp, signed_in: SignIn
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await signed_in(pilot)
        await screen(pilot, WorkspacesScreen)
        await until(pilot, lambda: "esc Sign out" in bottom_line(pilot), "the page's keys")
        await pilot.press("slash", "w", "o")
        await until(pilot, lambda: "esc Close filter" in bottom_line(pilot), "the filter's Esc")
        assert "Sign out" not in bottom_line(pilot)
        await pilot.press("tab")  # into the filtered list, the filter still open
        await until(pilot, lambda: app.focused is not None and app.focused.id != "filter", "")
        assert "esc Close filter" in bottom_line(pilot)
        await pilot.press("escape")
        await until(pilot, lambda: "esc Sign out" in bottom_line(pilot), "Esc signs out again")
        assert isinstance(app.screen, WorkspacesScreen)  # that Esc only closed the filter


async def test_a_click_on_a_key_presses_it(make_app: MakeApp, signed_in: SignIn) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await signed_in(pilot)
        await screen(pilot, WorkspacesScreen)
        await pilot.pause()
        await click_key(pilot, "? Help")
        await screen(pilot, HelpScreen)
        await pilot.press("escape")
        await screen(pilot, WorkspacesScreen)
        await pilot.pause()
        await click_key(pilot, "^p palette")
        await screen(pilot, CommandPalette)


async def test_a_narrow_bar_keeps_quit_and_help_and_shows_whole_keys(
    make_app: MakeApp, signed_in: SignIn
) -> None:
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await reach_tokens(pilot, signed_in=signed_in)
        await pilot.pause()
        line = bottom_line(pilot)
        assert len(line) == 60
        # The page's keys that fit, whole, then Quit and Help; the palette's key (in
        # Help, like every key) only when there is room left.
        assert line.startswith(" esc Back  n New token  d Delete  R Rotate  ")
        assert line.endswith(" ^q Quit  ? Help ")
        assert "palette" not in line
        await pilot.resize_terminal(40, 20)
        await pilot.pause()
        line = bottom_line(pilot)
        assert line.startswith(" esc Back  n New token  ")
        assert line.endswith(" ^q Quit  ? Help ")
        await pilot.resize_terminal(20, 20)
        await pilot.pause()
        assert bottom_line(pilot).rstrip().endswith("^q Quit  ? Help")
        await click_key(pilot, "? Help")
        await screen(pilot, HelpScreen)


async def test_no_command_palette_over_a_dialog(make_app: MakeApp, signed_in: SignIn) -> None:
    # Its commands leave the page under the dialog: a token never copied would be lost
    # without the question the dialog asks. ctrl+q (which asks) is the app key shown.
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await reach_tokens(pilot, signed_in=signed_in)
        await pilot.press("n", *"kept", "enter")
        dialog = await screen(pilot, TokenCreatedScreen)
        await until(pilot, lambda: "c Copy" in bottom_line(pilot), "the dialog's keys")
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.screen is dialog
        assert "palette" not in bottom_line(pilot)


class Dimmed(Screen[None]):
    """A screen with one key that is shown but off (check_action answers None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "off", "Off key"),
        Binding("z", "on", "On key"),
    ]

    def compose(self) -> ComposeResult:
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "off" else True

    def action_on(self) -> None:
        self.app.notify("pressed")


class DimmedApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.bells = 0

    def get_default_screen(self) -> Screen[None]:
        return Dimmed()

    def bell(self) -> None:
        self.bells += 1


async def test_a_key_that_is_off_is_dim_and_a_click_on_it_rings_the_bell() -> None:
    app = DimmedApp()
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        line = bottom_line(pilot)
        styles = {str(span.style) for span in bar.render().spans}
        assert any("dim" in style for style in styles)
        await pilot.click(KeyBar, offset=(line.index("Off key"), 0))
        assert app.bells == 1
        await pilot.hover(KeyBar, offset=(line.index("On key"), 0))
        await pilot.pause()
        assert any("hover" in str(span.style) for span in bar.render().spans)
        await pilot.click(KeyBar, offset=(line.index("On key"), 0))
        await until(pilot, lambda: any(n.message == "pressed" for n in app._notifications), "")


async def test_a_narrow_dialog_still_shows_its_esc(make_app: MakeApp, signed_in: SignIn) -> None:
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await reach_tokens(pilot, signed_in=signed_in)
        await pilot.press("n", *"narrow", "enter")
        await screen(pilot, TokenCreatedScreen)
        await until(pilot, lambda: "c Copy" in bottom_line(pilot), "the dialog's keys")
        assert bottom_line(pilot).startswith(" esc Done  c Copy ")
        assert bottom_line(pilot).rstrip().endswith("^q Quit  ? Help")


class Waiting:
    """The app's progress as the key bar reads it (rime_tui/tui/progress.py), showing
    one request waited for."""

    def __init__(self, label: str, meanwhile: str | None) -> None:
        self.current = ("⠋", Work(label, meanwhile, shown=True))


class BusyPage(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "page_key", "Page key")]

    def compose(self) -> ComposeResult:
        yield KeyBar()

    def action_page_key(self) -> None:
        pass


class BusyApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(self, label: str, meanwhile: str | None) -> None:
        super().__init__()
        self.progress = Waiting(label, meanwhile)

    def get_default_screen(self) -> Screen[None]:
        return BusyPage()

    def action_help(self) -> None:
        pass


@pytest.mark.parametrize(
    ("label", "meanwhile"),
    [
        ("Creating “narrow”…", "Keys you type now go to the token's dialog"),
        ("Deleting “a token with a long name, as names can be”…", "Keys you type wait for it"),
        ("Loading API Access Tokens…", None),  # the page's keys work meanwhile
    ],
)
async def test_the_progress_line_gives_way_to_quit_and_help_down_to_its_label(
    label: str, meanwhile: str | None
) -> None:
    shown = f" ⠋ {label} "
    app = BusyApp(label, meanwhile)
    async with app.run_test(size=(120, 5)) as pilot:
        bar = app.screen.query_one(KeyBar)
        for width in (*range(1, 41), 45, 50, 55, 60, 64, 65, 72, 80, 100, 120):
            await pilot.resize_terminal(width, 5)
            await until(pilot, lambda: bar.size.width == width, "the bar's new width")  # noqa: B023
            line = bar.render().plain
            assert len(line) <= width, (width, line)
            # Quit, then Help, stay while the label has MIN_WORKING of its columns.
            least = min(len(shown), MIN_WORKING)
            assert (" ^q Quit " in line) == (width >= 9 + least), (width, line)
            assert (" ? Help " in line) == (width >= 9 + 8 + least), (width, line)
            assert "……" not in line and "… …" not in line, (width, line)
            if width >= 4:
                assert line.startswith(" ⠋ "), (width, line)
            if meanwhile and meanwhile in line:
                assert line.startswith(shown + meanwhile), (width, line)
            elif meanwhile and meanwhile[:2] in line:  # cut short, never a stub
                assert line.count("…") == 2 and len(line.split("…")[1].strip()) >= 6
            for start, end, key in bar._spans:  # a click lands on the key it shows
                assert line[start:end].strip(" │").startswith(key.display), (width, line)
            if meanwhile is None and width >= len(shown) + 17 + 12:
                assert "x Page key" in line, (width, line)  # the page's keys still work
