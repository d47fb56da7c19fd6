"""Screens skip Textual's full restyle when they come to the top (BaseScreen.post_message):
on a first show each node got its styles as it was mounted, and the reused token dialog
shown again keeps its styles unless the theme changed while it was hidden. Here every
screen of the flow must look exactly as a full restyle would make it."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen

from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.overview import OverviewScreen
from rime_tui.tui.screens.settings import SettingsScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from tests.support.tui import MakeApp, SignIn, reach_tokens, screen


async def styled(pilot: Pilot[Any], kind: type[Screen[Any]]) -> list[str]:
    """The styles of every node of the *kind* screen once it is on top, after asserting
    that a full restyle would change none of them."""
    shown = await screen(pilot, kind)
    await pilot.pause()
    nodes = list(shown.walk_children(with_self=True))
    painted = [node.styles.css for node in nodes]
    shown.update_node_styles(animate=False)
    assert [node.styles.css for node in nodes] == painted, kind.__name__
    return painted


async def test_the_first_screen_is_styled_as_a_full_restyle_would() -> None:
    app = RimeApp(cluster_url="https://rime.example.io", local=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await styled(pilot, SignInScreen)


async def test_every_page_and_dialog_is_styled_as_a_full_restyle_would(
    make_app: MakeApp, signed_in: SignIn
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await signed_in(pilot)
        await styled(pilot, WorkspacesScreen)
        for key, kind in (("enter", OverviewScreen), ("s", SettingsScreen), ("t", TokensScreen)):
            await pilot.press(key)
            await styled(pilot, kind)
        first_look: list[str] = []
        for n in range(2):  # built on the first create, shown again on the second
            await pilot.press("n", *f"styled {n}", "enter")
            look = await styled(pilot, TokenCreatedScreen)
            assert look == (first_look or look)
            first_look = look
            await pilot.press("escape")
            await styled(pilot, ConfirmScreen)
            await pilot.press("y")
            await styled(pilot, TokensScreen)


async def test_the_dialog_shown_again_takes_a_theme_changed_while_it_was_hidden(
    make_app: MakeApp, signed_in: SignIn
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await reach_tokens(pilot, signed_in=signed_in)
        await pilot.press("n", *"dark", "enter")
        dark = await styled(pilot, TokenCreatedScreen)
        await pilot.press("escape", "y")
        await screen(pilot, TokensScreen)
        app.theme = "textual-light"
        await pilot.pause()
        await pilot.press("n", *"light", "enter")
        light = await styled(pilot, TokenCreatedScreen)
        assert light != dark


async def test_the_dialog_keeps_up_with_a_theme_changed_while_it_was_open(
    desktop_clipboard: list[str], make_app: MakeApp, signed_in: SignIn
) -> None:
    # On the stack the dialog follows the theme; it must not be taken for a dialog
    # still in the theme it was first shown in when it comes back.
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await reach_tokens(pilot, signed_in=signed_in)
        await pilot.press("n", *"one", "enter")
        dark = await styled(pilot, TokenCreatedScreen)
        app.theme = "textual-light"
        await pilot.pause()
        await pilot.press("c", "escape")  # copied: closes at once, in the light theme
        await screen(pilot, TokensScreen)
        app.theme = "textual-dark"
        await pilot.pause()
        await pilot.press("n", *"two", "enter")
        assert await styled(pilot, TokenCreatedScreen) == dark


async def test_no_screen_is_restyled_whole_as_it_opens_at_any_breakpoint(
    make_app: MakeApp, signed_in: SignIn
) -> None:
    # Screens with breakpoints (sign-in: -short under 20 rows; Tokens and the dialog:
    # -narrow under 56 columns) get their classes when made, not on their first resize,
    # which restyled every node of the screen before it could paint.
    app = make_app()
    whole: list[str] = []
    update_nodes = app.stylesheet.update_nodes

    def spy(nodes: Any, animate: bool = False) -> None:
        nodes = list(nodes)
        whole.extend(type(node).__name__ for node in nodes if isinstance(node, Screen))
        update_nodes(nodes, animate)

    app.stylesheet.update_nodes = spy  # type: ignore[method-assign]
    async with app.run_test(size=(50, 16)) as pilot:
        signin = await screen(pilot, SignInScreen)
        assert signin.has_class("-short")
        await pilot.pause()
        opened = list(whole)  # before styled(), which restyles on purpose
        await styled(pilot, SignInScreen)
        whole.clear()
        await signed_in(pilot)
        for key in ("enter", "s", "t"):
            await pilot.press(key)
        tokens = await screen(pilot, TokensScreen)
        assert tokens.has_class("-narrow")
        await pilot.press("n", *"narrow", "enter")
        dialog = await screen(pilot, TokenCreatedScreen)
        assert dialog.has_class("-narrow")
        await pilot.pause()
        opened += whole
        await styled(pilot, TokenCreatedScreen)
    assert opened == [], opened
