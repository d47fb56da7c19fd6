"""Moving around a session: 401 mid-session, the command palette, help, Esc, the filter."""

from __future__ import annotations

from typing import Any

from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable, Input, Static

from rime_tui.api import RimeClient
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.help import HelpScreen
from rime_tui.tui.screens.overview import OverviewScreen
from rime_tui.tui.screens.settings import SettingsScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.tokens import TokensScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from rime_tui.tui.widgets import FormButton
from tests.support.local import Local
from tests.support.tui import (
    error_text,
    notifications,
    reach_tokens,
    reach_workspaces,
    ready_sign_in,
    screen,
    table_text,
    text_of,
    until,
)

# -- 401 mid-session -------------------------------------------------------------------------


async def test_a_401_mid_session_signs_in_again_keeping_what_was_typed(
    local: Local, make_app: Any
) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot)
        await pilot.press("n", *"half typed")
        name = tokens.query_one("#token-name", Input)
        assert name.value == "half typed"
        await pilot.press("tab", "tab", "tab")  # past the expiry and the button, to the table
        table = tokens.query_one(DataTable)
        assert table.has_focus

        # The session ends on the server (it expired, or was signed out elsewhere).
        assert app.session is not None
        old_session = app.session.client.session_token
        assert old_session
        async with RimeClient(local.url, session_token=old_session) as elsewhere:
            await elsewhere.logout()

        await pilot.press("r")
        signin = await screen(pilot, SignInScreen)
        assert error_text(app) == "The session is not valid; sign in again."  # the server's words
        # Same cluster and email; the local admin's password from bootstrap.json, as at
        # the first sign-in: Enter signs in again.
        assert signin.query_one("#cluster", Input).value == local.url
        assert signin.query_one("#email", Input).value == local.admin_email
        password = signin.query_one("#password", Input)
        assert password.value == local.admin_password
        assert signin.query_one("#submit", FormButton).has_focus
        await pilot.press("enter")
        back = await screen(pilot, TokensScreen)
        assert back is tokens  # the same page, not a new one
        assert name.value == "half typed"
        assert app.session is not None and app.session.client.session_token != old_session
        # The renewed session works: a refresh shows a token created meanwhile.
        async with local.client() as admin:
            await admin.create_api_token("made meanwhile", local.workspace_id)
        table.focus()
        await pilot.press("r")
        await until(pilot, lambda: "made meanwhile" in table_text(table), "the refreshed list")
        assert isinstance(app.screen, TokensScreen)


# -- the command palette ---------------------------------------------------------------------


async def palette_run(pilot: Any, typed: str, command: str) -> None:
    """ctrl+p, type *typed*, check *command* is the best match, Enter."""
    await pilot.press("ctrl+p")
    palette = await screen(pilot, CommandPalette)
    await pilot.press(*typed)
    hits = palette.query_one(CommandList)

    def best() -> str:
        if not hits.option_count or hits.highlighted is None:
            return ""
        return str(hits.get_option_at_index(hits.highlighted).prompt)

    await until(pilot, lambda: best().startswith(command), f"{command!r} in the palette")
    await pilot.press("enter")


async def test_the_command_palette_offers_the_flows_commands(local: Local, make_app: Any) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_workspaces(pilot)
        await pilot.press("enter")
        await screen(pilot, OverviewScreen)

        await palette_run(pilot, "access tok", "API Access Tokens")
        tokens = await screen(pilot, TokensScreen)
        await until(pilot, lambda: tokens.query_one(DataTable).row_count == 1, "the tokens")

        await palette_run(pilot, "works", "Workspaces")
        await screen(pilot, WorkspacesScreen)
        assert not any(isinstance(s, OverviewScreen | TokensScreen) for s in app.screen_stack)

        await palette_run(pilot, "sign", "Sign out")
        await screen(pilot, SignInScreen)
        await until(pilot, lambda: app.session is None, "the session to end")

        await palette_run(pilot, "quit", "Quit")
        await until(pilot, lambda: app._exit, "the app to quit")


# -- help, Esc -------------------------------------------------------------------------------


async def test_question_mark_opens_help_listing_the_keys(local: Local, make_app: Any) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot)
        assert tokens.query_one(DataTable).has_focus
        await pilot.press("question_mark")
        help_screen = await screen(pilot, HelpScreen)
        text = text_of(help_screen.query_one("#help-text", Static))
        for words in [
            "ctrl+p",
            "ctrl+q",
            "Esc",
            "Password/Token",  # sign-in
            "Filter",  # workspaces
            "Settings",  # overview
            "New token",  # tokens
            "Delete",
            "Refresh",
            "Copy",  # the created-token dialog
            "Save to file",
            "Test token",
        ]:
            assert words in text, words
        assert "ctrl+t" in text and "/" in text
        await pilot.press("escape")
        assert await screen(pilot, TokensScreen) is tokens


async def test_escape_goes_back_one_screen_at_a_time(local: Local, make_app: Any) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_tokens(pilot)
        for page in (SettingsScreen, OverviewScreen, WorkspacesScreen):
            await pilot.press("escape")
            await screen(pilot, page)
            assert app.session is not None
        # Back past the workspace, the app forgets it: ctrl+p → API Access Tokens does
        # not open the workspace the user left.
        assert app.workspace is None
        await palette_run(pilot, "api access", "API Access Tokens")
        await until(pilot, lambda: "open a workspace first" in " ".join(notifications(app)), "why")
        assert isinstance(app.screen, WorkspacesScreen)
        # From Workspaces, Esc asks before signing out; n keeps the session.
        await pilot.press("escape")
        await screen(pilot, ConfirmScreen)
        await pilot.press("n")
        await screen(pilot, WorkspacesScreen)
        assert app.session is not None
        # y signs out: back to sign-in, the local admin's password filled in again.
        await pilot.press("escape")
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        signin = await screen(pilot, SignInScreen)
        await until(pilot, lambda: app.session is None, "the session to end")
        await until(
            pilot,
            lambda: signin.query_one("#password", Input).value == local.admin_password,
            "the password filled in again",
        )
        # Esc on the sign-in screen goes nowhere; Sign out there does not say "Signed out."
        await pilot.press("escape")
        assert isinstance(app.screen, SignInScreen)
        await palette_run(pilot, "sign out", "Sign out")
        await until(pilot, lambda: "You are not signed in." in notifications(app), "the notice")
        assert notifications(app).count("Signed out.") == 1  # the one sign-out before


# -- the workspace filter --------------------------------------------------------------------


async def test_slash_filters_workspaces_by_name(
    local: Local, root: RimeClient, make_app: Any
) -> None:
    for name in ("Alpha team", "Beta team", "alphabet soup"):
        await root.create_workspace(name, description=f"about {name}")
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        workspaces = await reach_workspaces(pilot, rows=4)
        table = workspaces.query_one(DataTable)
        status = workspaces.query_one("#status", Static)

        await pilot.press("slash")
        field = workspaces.query_one("#filter", Input)
        assert field.display and field.has_focus
        await pilot.press(*"ALPHA")  # any case
        await until(pilot, lambda: table.row_count == 2, "the filtered list")
        shown = table_text(table)
        assert "Alpha team" in shown and "alphabet soup" in shown
        assert "Beta" not in shown and "Workspace 1" not in shown
        assert text_of(status) == "2 of 4 workspaces match the filter."

        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace")
        await pilot.press(*"soup")
        await until(pilot, lambda: table.row_count == 1, "one match")
        assert text_of(status) == "1 of 4 workspaces matches the filter."
        # Enter opens the one shown (it used to take a second Enter).
        await pilot.press("enter")
        overview = await screen(pilot, OverviewScreen)
        assert overview.workspace.name == "alphabet soup"

        # Back on the list, Esc clears the filter before anything else.
        await pilot.press("escape")
        await screen(pilot, WorkspacesScreen)
        await pilot.press("slash", "escape")
        await until(pilot, lambda: table.row_count == 4, "the whole list again")
        assert not field.display
        assert app.session is not None


async def test_help_opens_at_the_current_screens_section(local: Local, make_app: Any) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_tokens(pilot)
        await pilot.press("question_mark")
        help_screen = await screen(pilot, HelpScreen)
        scroll = help_screen.query_one("#help-scroll")
        lines = text_of(help_screen.query_one("#help-text", Static)).splitlines()
        start = lines.index("API Access Tokens")
        await until(pilot, lambda: scroll.scroll_y == start, "the tokens section at the top")


async def test_a_failing_app_worker_says_why(local: Local, make_app: Any) -> None:
    # The app's own workers (expiry notice, local restart, sign-out) have no screen to
    # report to: a failure is still said, in words, and the app goes on.
    async def broken() -> None:
        raise OSError("the disk is full")

    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready_sign_in(pilot)
        app.run_worker(broken(), exit_on_error=False)
        await until(pilot, lambda: any("disk is full" in n for n in notifications(app)), "it")
        assert app.is_running
