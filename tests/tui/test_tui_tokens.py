"""API Access Tokens in the real app against a real local instance, over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from rich.style import Style
from rich.text import Text
from textual import events
from textual.widgets import DataTable, Input, Select, Static

from rime_tui.api import RimeClient
from rime_tui.api.errors import ApiError
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.base import RimeScreen
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from tests.support.helpers import sign_in_admin
from tests.support.local import Local
from tests.support.tui import (
    error_text,
    keys_settled,
    like,
    painted,
    reach_tokens,
    screen,
    screen_lines,
    screen_work_done,
    server_tokens,
    sign_in_with_api_token,
    table_text,
    text_of,
    until,
)


async def select_row(pilot: Any, tokens: TokensScreen, name: str) -> None:
    """Move the table cursor to the token called *name* with the arrow keys."""
    table = tokens.query_one(DataTable)
    table.focus()
    wanted = next(i for i, t in enumerate(tokens.tokens) if t.name == name)
    await pilot.press("home", *["down"] * wanted)
    assert tokens.selected() is not None and tokens.selected().name == name  # type: ignore[union-attr]


async def create_failure_message(client: RimeClient, name: str, workspace_id: str) -> str:
    """What the server itself says when *client* creates *name*: the words to show."""
    with pytest.raises(ApiError) as refused:
        await client.create_api_token(name, workspace_id)
    return refused.value.message


# -- delete ------------------------------------------------------------------------------


async def test_delete_asks_naming_the_token_and_n_cancels_y_deletes(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    doomed = await admin.create_api_token("doomed token", local.workspace_id)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot, rows=2)
        table = tokens.query_one(DataTable)
        await select_row(pilot, tokens, "doomed token")

        # d asks, naming the token; n cancels and nothing is deleted.
        await pilot.press("d")
        confirm = await screen(pilot, ConfirmScreen)
        question = text_of(confirm.query_one("#confirm-message", Static))
        assert "doomed token" in question
        assert f"…{doomed.full_api_token[-4:]}" in question
        assert "signed out" not in question  # not the token this session uses
        await pilot.press("n")
        await screen(pilot, TokensScreen)
        assert doomed.id.uuid in {t.id.uuid for t in await server_tokens(admin, local.workspace_id)}
        assert table.row_count == 2

        # d, y deletes it on the server and from the table.
        await pilot.press("d")
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await screen(pilot, TokensScreen)
        await until(pilot, lambda: table.row_count == 1, "the deleted token to leave the table")
        remaining = await server_tokens(admin, local.workspace_id)
        assert doomed.id.uuid not in {t.id.uuid for t in remaining}
        assert [t.name for t in remaining] == ["Default token"]
        assert "doomed token" not in table_text(table)
        assert "Default token" in table_text(table)


async def test_delete_key_also_asks(local: Local, admin: RimeClient, make_app: Any) -> None:
    await admin.create_api_token("via delete key", local.workspace_id)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot, rows=2)
        await select_row(pilot, tokens, "via delete key")
        await pilot.press("delete")
        confirm = await screen(pilot, ConfirmScreen)
        assert "via delete key" in text_of(confirm.query_one("#confirm-message", Static))
        await pilot.press("escape")
        await screen(pilot, TokensScreen)
    assert len(await server_tokens(admin, local.workspace_id)) == 2


async def test_a_long_session_token_name_is_cut_in_the_status_line(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    # A cluster's name may be longer still; the status line stays one line at 80 columns.
    long = await admin.create_api_token("n" * 100, local.workspace_id)
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await sign_in_with_api_token(pilot, long.full_api_token)
        status = tokens.query_one("#status", Static)
        await until(pilot, lambda: "this session's token" in text_of(status), "the status")
        assert f"“{'n' * 39}…” (…{long.full_api_token[-4:]})" in text_of(status)
        await pilot.pause()
        assert status.size.height <= 2


async def test_deleting_the_token_of_this_session_warns_and_signs_out(
    local: Local, make_app: Any
) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await sign_in_with_api_token(pilot, local.api_token)
        assert app.session is not None and app.session.method == "token"
        table = tokens.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 1, "the token list")
        # At 80 columns the Name column has no room for "(this session)": the status says it.
        status = text_of(tokens.query_one("#status", Static))
        assert "“Default token” (…" in status and "is this session's token" in status

        await pilot.press("d")
        confirm = await screen(pilot, ConfirmScreen)
        question = text_of(confirm.query_one("#confirm-message", Static))
        assert "Default token" in question
        assert "this session signed in with this token" in question
        assert "signed out" in question
        await pilot.press("y")

        await screen(pilot, SignInScreen)
        await until(pilot, lambda: app.session is None, "the session to end")
        # Nothing of the session is left behind the sign-in screen.
        assert not any(isinstance(s, RimeScreen) for s in app.screen_stack[:-1])

    # The token is gone on the server: it no longer authenticates, and the admin
    # (signed in with the password now) sees no token left.
    async with local.client() as old:
        with pytest.raises(ApiError) as refused:
            await old.rime_info()
    assert refused.value.status_code == 401
    async with await sign_in_admin(local) as admin:
        assert await server_tokens(admin, local.workspace_id) == []


# -- create: refusals ----------------------------------------------------------------------


def record_creates(app: RimeApp) -> list[str]:
    """The names of the create requests the app sends from now on (the real call still runs)."""
    assert app.session is not None
    client = app.session.client
    sent: list[str] = []
    create = client.create_api_token

    async def counting_create(*args: Any, **kwargs: Any) -> Any:
        sent.append(args[0])
        return await create(*args, **kwargs)

    client.create_api_token = counting_create  # type: ignore[method-assign]
    return sent


async def test_empty_name_is_refused_inline_without_a_request(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot)
        sent = record_creates(app)

        await pilot.press("n", "enter")  # nothing typed
        await until(pilot, lambda: "token name" in error_text(app), "the inline error")
        assert error_text(app) == "Enter a token name first."
        assert tokens.query_one("#token-name", Input).has_focus
        await pilot.press(*"   ", "enter")  # blanks only are no name either
        await tokens.workers.wait_for_complete()
        assert error_text(app) == "Enter a token name first."
        assert isinstance(app.screen, TokensScreen)
        assert sent == []
        # Typing clears the error.
        await pilot.press("x")
        await until(pilot, lambda: error_text(app) == "", "the error to clear")
    assert len(await server_tokens(admin, local.workspace_id)) == 1


async def test_an_invisible_character_in_the_name_is_refused_inline_without_a_request(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    """Issue J, finding 7: "ci" and a tag character looks like "ci"; the TUI refuses it
    by the rule the local instance applies (rime_tui.wire.text), before sending."""
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot)
        sent = record_creates(app)

        await pilot.press("n")
        tokens.query_one("#token-name", Input).insert_text_at_cursor("ci\U000e0078")
        await pilot.press("enter")
        await until(pilot, lambda: "invisible" in error_text(app), "the inline error")
        assert "U+E0078 at position 3" in error_text(app)
        await tokens.workers.wait_for_complete()
        assert isinstance(app.screen, TokensScreen)
        assert sent == []
    assert len(await server_tokens(admin, local.workspace_id)) == 1


async def test_the_200_token_limit_is_shown_in_the_servers_words(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    for i in range(199):  # with the bootstrap token: 200, the most an instance allows
        await admin.create_api_token(f"filler {i:03d}", local.workspace_id)
    refusal = await create_failure_message(admin, "one too many", local.workspace_id)
    assert "200" in refusal

    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot, rows=200)
        await pilot.press("n", *"one too many", "enter")
        await until(pilot, lambda: error_text(app) != "", "the refusal")
        assert error_text(app) == refusal
        assert isinstance(app.screen, TokensScreen)
        # What was typed stays, so the user can retry after deleting one.
        assert tokens.query_one("#token-name", Input).value == "one too many"
    assert len(await server_tokens(admin, local.workspace_id)) == 200


async def test_a_duplicate_name_is_refused_in_the_servers_words(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    refusal = await create_failure_message(admin, "Default token", local.workspace_id)
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_tokens(pilot)
        await pilot.press("n", *"Default token", "enter")
        await until(pilot, lambda: error_text(app) != "", "the refusal")
        assert error_text(app) == refusal
        assert "Default token" in refusal and "already" in refusal
        assert isinstance(app.screen, TokensScreen)
    assert len(await server_tokens(admin, local.workspace_id)) == 1


# -- create: expiry ------------------------------------------------------------------------


async def test_the_chosen_expiry_is_what_the_server_records(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    app: RimeApp = make_app(clock=local.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot)
        expiry = tokens.query_one("#expiry", Select)
        assert expiry.value == 270  # the default, as in the product
        await pilot.press("n", *"thirty days", "tab")
        assert expiry.has_focus
        await pilot.press("enter")  # open the choices
        await until(pilot, lambda: expiry.expanded, "the expiry choices")
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert "7 days" in shown
        assert re.search(r"\b1 day\b", shown)  # not "1 days"
        await pilot.press("down", "down", "down", "enter")  # 270, 180, 90, 30
        await until(pilot, lambda: expiry.value == 30, "30 days chosen")
        await pilot.press("shift+tab", "enter")  # back to the name; Enter creates
        await screen(pilot, TokenCreatedScreen)
        await pilot.press("escape", "y")
        await screen(pilot, TokensScreen)
        await until(pilot, lambda: "thirty days" in table_text(tokens.query_one(DataTable)), "row")
        assert "in 30 days" in table_text(tokens.query_one(DataTable))

    created = next(
        t for t in await server_tokens(admin, local.workspace_id) if t.name == "thirty days"
    )
    assert created.creation_time is not None and created.expiration_time is not None
    assert created.expiration_time - created.creation_time == timedelta(days=30)


def paints(table: DataTable[Any], text: str, colour: str) -> Callable[[], bool]:
    return lambda: like(painted(table, text), colour)


def expires_cell(tokens: TokensScreen, name: str) -> Text:
    table = tokens.query_one(DataTable)
    index = next(i for i, t in enumerate(tokens.tokens) if t.name == name)
    cell = table.get_row_at(index)[-1]
    assert isinstance(cell, Text)
    return cell


async def test_tokens_expiring_soon_or_expired_are_highlighted(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    for name, days in [("gone", 1), ("soon", 7), ("edge", 31), ("later", 40)]:
        await admin.create_api_token(name, local.workspace_id, expiry_days=days)
    local.clock.advance(days=2)  # "gone" has expired; the server still lists it for admins

    app: RimeApp = make_app(clock=local.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot, rows=5)

        table = tokens.query_one(DataTable)
        themes = [app.available_themes[name] for name in (app.theme, "nord")]
        assert themes[0].error != themes[1].error and themes[0].warning != themes[1].warning
        for theme in themes:  # the theme's colours, then another theme's
            app.theme = theme.name
            assert theme.error and theme.warning
            error, warning = theme.error, theme.warning
            await until(pilot, paints(table, "expired", error), "the theme's error colour")

            gone = expires_cell(tokens, "gone")
            assert gone.plain.endswith("expired")
            assert isinstance(gone.style, Style) and gone.style.bold

            soon = expires_cell(tokens, "soon")
            assert soon.plain.endswith("in 5 days")
            assert like(painted(table, "in 5 days"), warning)

            edge = expires_cell(tokens, "edge")  # 29 days left: under 30
            assert edge.plain.endswith("in 29 days")
            assert like(painted(table, "in 29 days"), warning)

            for name, left in [("later", 38), ("Default token", 268)]:
                cell = expires_cell(tokens, name)
                assert cell.plain.endswith(f"in {left} days")
                assert str(cell.style) == ""


async def test_a_second_enter_while_creating_loses_nothing(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    """Two Enters queued together send one create, and its token is the one shown.

    (An exclusive worker would let the second Enter cancel the first, possibly after
    the server made its token: a token nobody ever sees.)"""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot)
        await pilot.press("n", *"twice")
        assert tokens.query_one("#token-name", Input).has_focus
        sent = record_creates(app)
        # Both keys are queued at once, as from a fast double press or a key repeat.
        app.post_message(events.Key("enter", None))
        app.post_message(events.Key("enter", None))
        modal = await screen(pilot, TokenCreatedScreen)
        shown = text_of(modal.query_one("#token"))
        await keys_settled(pilot)  # both Enters handled, no create on its way
        await screen_work_done(pilot)
        assert isinstance(app.screen, TokenCreatedScreen)
        assert sent == ["twice"]  # the second Enter sent nothing
    made = [t for t in await server_tokens(admin, local.workspace_id) if t.name == "twice"]
    assert len(made) == 1
    assert made[0].suffix == shown[-4:]
