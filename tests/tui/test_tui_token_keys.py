"""API Access Tokens for the org admin (issue 10) and the layout of Tokens, Overview and
Settings (issue 9), in the real app against a real local instance over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Button, DataTable, Input, Select, Static

from rime_tui.api import RimeClient
from rime_tui.api.errors import ApiError
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.overview import OverviewScreen
from rime_tui.tui.screens.settings import SettingsScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from rime_tui.tui.table import FitTable
from rime_tui.tui.widgets import KeyBar
from tests.support.helpers import PASSWORD, new_user, sign_in
from tests.support.local import Local
from tests.support.tui import (
    error_text,
    notifications,
    open_tokens,
    reach_tokens,
    reach_workspaces,
    running_worker,
    screen,
    screen_work_done,
    server_tokens,
    sign_in_as,
    sign_in_with_api_token,
    table_text,
    text_of,
    tokens_from_overview,
    until,
)


def names(tokens: TokensScreen) -> list[str]:
    return [t.name for t in tokens.tokens]


def table(tokens: TokensScreen) -> FitTable:
    return tokens.query_one("#tokens", FitTable)


async def select(pilot: Any, tokens: TokensScreen, name: str) -> None:
    table(tokens).focus()
    await pilot.press("home", *["down"] * names(tokens).index(name))
    assert tokens.selected() is not None and tokens.selected().name == name  # type: ignore[union-attr]


# -- R rotates ---------------------------------------------------------------------------


async def test_R_asks_then_rotates_and_shows_the_new_secret(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    old = await admin.create_api_token("rotate me", local.workspace_id, expiry_days=30)
    app: RimeApp = make_app(clock=local.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot, rows=2)
        await select(pilot, tokens, "rotate me")
        await pilot.press("R")
        confirm = await screen(pilot, ConfirmScreen)
        assert "rotate me" in text_of(confirm.query_one("#confirm-message", Static))
        await pilot.press("n")  # n: nothing happens
        await screen(pilot, TokensScreen)
        assert old.id.uuid in {t.id.uuid for t in await server_tokens(admin, local.workspace_id)}

        await pilot.press("R")
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        dialog = await screen(pilot, TokenCreatedScreen)
        secret = dialog.token
        title = dialog.query_one(".dialog-title", Static)
        assert text_of(title) == "API access token rotated"
        await pilot.press("escape")  # not kept: asks
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await screen(pilot, TokensScreen)
        await pilot.press("n", *"made after", "enter")  # the same dialog, for a create
        assert await screen(pilot, TokenCreatedScreen) is dialog
        assert text_of(title) == "API access token created"

    after = {t.name: t for t in await server_tokens(admin, local.workspace_id)}
    assert old.id.uuid not in {t.id.uuid for t in after.values()}
    assert set(after) == {"Default token", "rotate me", "made after"}  # no stand-in left
    new = after["rotate me"]
    assert new.suffix == secret[-4:] != old.full_api_token[-4:]
    assert new.expiration_time is not None and new.creation_time is not None
    assert (new.expiration_time - new.creation_time).days == 30  # the old one's lifetime
    async with RimeClient(local.url, api_token=secret) as works:
        await works.rime_info()


async def test_R_on_the_token_of_this_session_keeps_the_session_on_the_new_token(
    desktop_clipboard: list[str], local: Local, make_app: Any
) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await sign_in_with_api_token(pilot, local.api_token)
        await until(pilot, lambda: table(tokens).row_count == 1, "the token list")
        table(tokens).focus()
        await pilot.press("R")
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        dialog = await screen(pilot, TokenCreatedScreen)
        secret = dialog.token
        await pilot.press("c", "escape")
        await screen(pilot, TokensScreen)
        # The session goes on with the new token: the list loads with it, and it is
        # the one marked as this session's.
        assert app.session is not None and app.session.client.api_token == secret
        await pilot.press("r")
        await until(pilot, lambda: f"…{secret[-4:]}" in table_text(table(tokens)), "new row")
        status = text_of(tokens.query_one("#status", Static))
        assert f"(…{secret[-4:]}) is this session's token" in status
    async with local.client() as old:
        with pytest.raises(ApiError):
            await old.rime_info()


async def test_R_refuses_a_token_of_someone_else(
    local: Local, root: RimeClient, make_app: Any
) -> None:
    user = await root.create_user("ann@example.com", "correct horse battery", full_name="Ann")
    await root.add_workspace_members(local.workspace_id, {user: "ACTOR_ROLE_USER"})
    async with RimeClient(local.url) as ann:
        await ann.login("ann@example.com", "correct horse battery")
        await ann.create_api_token("ann's", local.workspace_id)
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot, rows=2)
        await select(pilot, tokens, "ann's")
        await pilot.press("R")
        await until(pilot, lambda: any("not yours" in n for n in notifications(app)), "refusal")
        assert isinstance(app.screen, TokensScreen)


# -- P prunes ----------------------------------------------------------------------------


async def test_P_asks_how_many_then_deletes_every_expired_token_in_view(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    for i in range(3):
        await admin.create_api_token(f"old {i}", local.workspace_id, expiry_days=1)
    await admin.create_api_token("fresh", local.workspace_id, expiry_days=30)
    local.clock.advance(days=2)
    app: RimeApp = make_app(clock=local.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot, rows=5)
        await pilot.press("P")
        confirm = await screen(pilot, ConfirmScreen)
        assert "Delete the 3 expired tokens in view?" in text_of(
            confirm.query_one("#confirm-message", Static)
        )
        await pilot.press("y")
        await until(pilot, lambda: table(tokens).row_count == 2, "the pruned list")
    left = {t.name for t in await server_tokens(admin, local.workspace_id)}
    assert left == {"Default token", "fresh"}


# -- the instance meter, all workspaces, filter, sort ------------------------------------


def meter(app: RimeApp) -> Static:
    return app.screen.query_one("#meter", Static)


async def test_meter_counts_every_workspace_near_from_180_full_at_200(
    local: Local, root: RimeClient, admin: RimeClient, make_app: Any
) -> None:
    other = await root.create_workspace("Other")
    for i in range(9):
        await root.create_api_token(f"elsewhere {i}", other, expiry_days=1)
    for i in range(170):
        await admin.create_api_token(f"filler {i:03d}", local.workspace_id)
    local.clock.advance(days=2)  # the 9 elsewhere have expired
    app: RimeApp = make_app(clock=local.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_workspaces(pilot, rows=2)
        await pilot.press("enter")
        await screen(pilot, OverviewScreen)
        await until(pilot, lambda: meter(app).display, "the meter on Overview")
        assert text_of(meter(app)) == "180 of 200 tokens on this instance (9 expired)"
        assert meter(app).has_class("near")
        tokens = await tokens_from_overview(pilot)
        await until(pilot, lambda: "180 of 200" in text_of(meter(app)), "the meter on Tokens")
        assert meter(app).has_class("near")
        for i in range(20):
            await admin.create_api_token(f"more {i}", local.workspace_id)
        await pilot.press("r")
        await until(pilot, lambda: "200 of 200" in text_of(meter(app)), "the full meter")
        assert meter(app).has_class("full") and not meter(app).has_class("near")

        # At the cap, the refusal says how many are expired and offers P.
        await pilot.press("n", *"one too many", "enter")
        await until(pilot, lambda: error_text(app) != "", "the refusal")
        assert "9 tokens on this instance expired" in error_text(app)
        assert "P to delete them" in error_text(app)
        table(tokens).focus()
        await pilot.press("a")  # all workspaces: the expired ones are in view
        await until(pilot, lambda: table(tokens).row_count == 200, "every token")
        await pilot.press("P")
        confirm = await screen(pilot, ConfirmScreen)
        assert "9 expired tokens" in text_of(confirm.query_one("#confirm-message", Static))


async def test_meter_is_for_org_admins_only(local: Local, root: RimeClient, make_app: Any) -> None:
    user = await root.create_user("bob@example.com", "correct horse battery", full_name="Bob")
    await root.add_workspace_members(local.workspace_id, {user: "ACTOR_ROLE_USER"})
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in_as(pilot, "bob@example.com", "correct horse battery")
        notice = await running_worker(pilot, "expiring")
        tokens = await open_tokens(pilot, lambda n: n == 0)
        await notice.wait()  # the page has listed the instance (the notice's listing)
        await screen_work_done(pilot)
        assert not meter(app).display
        assert "owner" not in table(tokens).shown_keys


async def test_a_switches_between_this_workspace_and_all_with_a_workspace_column(
    local: Local, root: RimeClient, make_app: Any
) -> None:
    other = await root.create_workspace("Other workspace, long name")
    await root.create_api_token("over there", other)
    app: RimeApp = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        tokens = await reach_tokens(pilot, rows=1, workspaces=2)
        assert "workspace" not in table(tokens).shown_keys
        await pilot.press("a")
        await until(pilot, lambda: table(tokens).row_count == 2, "both workspaces' tokens")
        assert "workspace" in table(tokens).shown_keys
        assert "over there" in table_text(table(tokens))
        assert "Workspace…" in table_text(table(tokens))  # "Workspace 1", cut
        # Wider than its column: cut with an ellipsis, not silently.
        assert "Other wor…" in table_text(table(tokens))
        assert "Other workspace" not in table_text(table(tokens))
        await pilot.press("a")
        await until(pilot, lambda: table(tokens).row_count == 1, "this workspace again")
        assert "workspace" not in table(tokens).shown_keys


async def test_slash_filters_by_name_or_owner_and_escape_clears(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    for name in ["alpha ci", "beta job", "gamma ci"]:
        await admin.create_api_token(name, local.workspace_id)
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot, rows=4)
        await pilot.press("slash", *" ci")
        await until(pilot, lambda: table(tokens).row_count == 2, "the filtered rows")
        assert names(tokens) == ["alpha ci", "gamma ci"]
        status = tokens.query_one("#status", Static)
        assert text_of(status) == "4 tokens in this workspace. 2 match the filter."
        await pilot.press(*["backspace"] * 3, *"beta")
        await until(pilot, lambda: table(tokens).row_count == 1, "one match")
        assert text_of(status) == "4 tokens in this workspace. 1 matches the filter."
        await pilot.press(*["backspace"] * 4, *"you")  # the owner: every token is ours
        await until(pilot, lambda: table(tokens).row_count == 4, "the owner's rows")
        await pilot.press("escape")
        assert not tokens.query_one("#filter", Input).display
        assert isinstance(app.screen, TokensScreen)  # Esc left the filter, not the page


async def test_o_cycles_the_sort_and_a_header_click_sorts(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    for name, days in [("b", 90), ("c", 7), ("a", 180)]:
        await admin.create_api_token(name, local.workspace_id, expiry_days=days)
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot, rows=4)
        assert names(tokens) == ["Default token", "b", "c", "a"]  # the server's order
        await pilot.press("o")
        assert names(tokens) == ["a", "b", "c", "Default token"]  # Name ▲
        assert str(table(tokens).columns[table(tokens).shown_keys[0]].label) == "Name ▲"  # type: ignore[index]
        await pilot.press("o")
        assert names(tokens) == ["Default token", "c", "b", "a"]  # Name ▼
        await pilot.press("o")
        assert table(tokens).shown_keys[1] == "owner"  # next: Owner ▲
        # A click on the Expires header sorts by expiry; a second click the other way.
        await pilot.click("#tokens", offset=(70, 0))
        assert names(tokens) == ["c", "b", "a", "Default token"]
        await pilot.click("#tokens", offset=(70, 0))
        assert names(tokens) == ["Default token", "a", "b", "c"]


# -- create: no refetch, no relayout per key, the expiry resets --------------------------


async def test_a_create_adds_its_row_without_listing_again_and_resets_the_expiry(
    desktop_clipboard: list[str], local: Local, make_app: Any
) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot)
        assert app.session is not None
        listed: list[str] = []
        iterate = app.session.client.iter_api_tokens

        def counting(*args: Any, **kwargs: Any) -> Any:
            listed.append(args[0])
            return iterate(*args, **kwargs)

        app.session.client.iter_api_tokens = counting  # type: ignore[method-assign]
        tokens.query_one("#expiry", Select).value = 7
        await pilot.press("n", *"quick")
        error = tokens.query_one("#error", Static)
        updates: list[object] = []
        update = error.update

        def counting_update(*args: Any, **kwargs: Any) -> None:
            updates.append(args)
            update(*args, **kwargs)

        error.update = counting_update  # type: ignore[method-assign]
        await pilot.press(*"er")
        assert updates == []  # typing with no error on show redraws nothing
        await pilot.press("enter")
        await screen(pilot, TokenCreatedScreen)
        await pilot.press("c", "escape")  # copied, then closed
        await screen(pilot, TokensScreen)
        await until(pilot, lambda: table(tokens).row_count == 2, "the new row")
        assert "quicker" in table_text(table(tokens))
        assert "in 7 days" in table_text(table(tokens))
        assert listed == []  # added in place: no new listing
        assert tokens.query_one("#expiry", Select).value == 270


# -- layout ------------------------------------------------------------------------------


async def test_token_columns_fit_every_size_without_sideways_scrolling(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    await admin.create_api_token("today", local.workspace_id, expiry_days=1)
    local.clock.advance(hours=2)
    app: RimeApp = make_app(clock=local.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot, rows=2)
        fit = table(tokens)
        widths: dict[tuple[int, int], int] = {}

        def name_width() -> int:
            return fit.columns[fit.shown_keys[0]].width  # type: ignore[index]

        def refitted(old: int) -> Callable[[], bool]:
            return lambda: name_width() != old

        before = name_width()
        for size in [(120, 40), (60, 20), (80, 24)]:
            await pilot.resize_terminal(*size)
            await until(pilot, refitted(before), "the columns to refit")
            before = widths[size] = name_width()
            assert fit.max_scroll_x == 0, size
            expires = fit.columns[fit.shown_keys[-1]]  # type: ignore[index]
            assert expires.width >= len("2027-08-25 within a day")
        assert widths[(120, 40)] > widths[(80, 24)] >= 16
        # At 60 columns Created and Owner make room for the name.
        assert widths[(60, 20)] >= 16
        await pilot.resize_terminal(60, 20)
        await until(pilot, lambda: "owner" not in fit.shown_keys, "the narrow layout")
        assert fit.max_scroll_x == 0
        cells = [str(c) for c in fit.get_row_at(names(tokens).index("today"))]
        assert any(c.endswith("within a day") for c in cells)


async def test_home_and_end_move_the_table_cursor(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    for i in range(4):
        await admin.create_api_token(f"t{i}", local.workspace_id)
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot, rows=5)
        table(tokens).focus()
        await pilot.press("end")
        assert table(tokens).cursor_row == 4
        await pilot.press("home")
        assert table(tokens).cursor_row == 0


async def test_members_show_the_role_at_80_and_60_columns(local: Local, make_app: Any) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_workspaces(pilot)
        await pilot.press("enter")
        await screen(pilot, OverviewScreen)
        await pilot.press("s")
        settings = await screen(pilot, SettingsScreen)
        await pilot.press("down")  # Members
        members = settings.query_one("#members", FitTable)
        await until(pilot, lambda: members.row_count == 1, "the members")
        for size in [(80, 24), (60, 20)]:
            await pilot.resize_terminal(*size)
            await pilot.pause(0.1)
            assert "role" in members.shown_keys
            assert members.max_scroll_x == 0
            assert "Admin" in str(members.get_row_at(0)[-1])


async def test_the_settings_button_is_whole_above_the_key_bar(local: Local, make_app: Any) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_workspaces(pilot)
        await pilot.press("enter")
        overview = await screen(pilot, OverviewScreen)
        await pilot.pause(0.1)
        button = overview.query_one("#settings", Button).region
        footer = overview.query_one(KeyBar).region
        assert button.height == 3
        assert button.bottom <= footer.y


# -- expiry notice -----------------------------------------------------------------------


async def test_after_sign_in_one_notice_names_your_tokens_expiring_within_14_days(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    await admin.create_api_token("nightly", local.workspace_id, expiry_days=7)
    await admin.create_api_token("later", local.workspace_id, expiry_days=30)
    app: RimeApp = make_app(clock=local.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_workspaces(pilot)
        await until(pilot, lambda: any("nightly" in n for n in notifications(app)), "notice")
        notice = [n for n in notifications(app) if "nightly" in n]
        assert len(notice) == 1
        assert "later" not in notice[0] and "within 14 days" in notice[0]


async def test_no_expiry_notice_when_nothing_expires_soon(local: Local, make_app: Any) -> None:
    app: RimeApp = make_app(clock=local.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_workspaces(pilot)
        notice = await running_worker(pilot, "expiring")
        await open_tokens(pilot, lambda n: n == 1)  # a page that lists the instance
        await notice.wait()  # the notice's work is done: it found nothing to say
        assert not any("expire" in n for n in notifications(app))


# -- found in review: who sees owners and the meter; rotate and prune run whole ----------


async def test_a_workspace_admin_sees_whose_each_token_is(
    local: Local, root: RimeClient, make_app: Any
) -> None:
    ada = await new_user(root, "ada@example.com", full_name="Ada Admin")
    bob = await new_user(root, "bob@example.com", full_name="Bob Member")
    await root.add_workspace_members(
        local.workspace_id, {ada: "ACTOR_ROLE_ADMIN", bob: "ACTOR_ROLE_USER"}
    )
    async with await sign_in(local, "bob@example.com") as as_bob:
        await as_bob.create_api_token("bob's laptop", local.workspace_id)
    app: RimeApp = make_app(email="ada@example.com")
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in_as(pilot, "ada@example.com", PASSWORD)
        tokens = await open_tokens(pilot, lambda n: n >= 2)  # the admin's and bob's
        await until(pilot, lambda: "owner" in table(tokens).shown_keys, "the Owner column")
        await until(pilot, lambda: "Bob Member" in table_text(table(tokens)), "bob's name")
        assert not meter(app).display  # not an org admin: no instance meter


async def test_no_instance_meter_for_an_api_token(local: Local, make_app: Any) -> None:
    # An org admin's API token sees its own workspace only: it cannot count the instance.
    app: RimeApp = make_app(cluster_url=local.url, api_token=local.api_token, local=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await screen(pilot, SignInScreen)
        await pilot.press("enter")  # the form holds the cluster and the token
        await screen(pilot, WorkspacesScreen)
        await until(pilot, lambda: app.screen.query_one(DataTable).row_count == 1, "the rows")
        notice = await running_worker(pilot, "expiring")
        tokens = await open_tokens(pilot, lambda n: n == 1)
        await notice.wait()  # the page has listed the instance (the notice's listing)
        await screen_work_done(pilot)
        assert app.session is not None and app.session.org_admin
        assert not tokens.query_one("#meter", Static).display


async def test_a_second_rotate_while_one_runs_is_refused(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    await admin.create_api_token("rotate once", local.workspace_id)
    app: RimeApp = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        tokens = await reach_tokens(pilot, rows=2)
        await select(pilot, tokens, "rotate once")
        row = tokens.selected_row()
        assert row is not None
        tokens._rotate_once(row)
        tokens._rotate_once(row)  # R, y again before the first one ended
        await screen(pilot, TokenCreatedScreen)
        await tokens.workers.wait_for_complete()
        assert any("still running" in n for n in notifications(app))
    left = [t.name for t in await server_tokens(admin, local.workspace_id)]
    assert sorted(left) == ["Default token", "rotate once"]  # one new token, no stand-in


async def test_a_delete_does_not_cancel_a_prune(
    local: Local, admin: RimeClient, make_app: Any
) -> None:
    for i in range(3):
        await admin.create_api_token(f"old {i}", local.workspace_id, expiry_days=1)
    keep = await admin.create_api_token("delete me", local.workspace_id)
    local.clock.advance(days=2)
    app: RimeApp = make_app(clock=local.clock)
    async with app.run_test(size=(100, 30)) as pilot:
        tokens = await reach_tokens(pilot, rows=5)
        expired = [r for r in tokens.shown if r.expired(local.clock())]
        assert len(expired) == 3
        tokens.prune(expired)
        doomed = next(t for t in tokens.tokens if t.id.uuid == keep.id.uuid)
        tokens.delete(doomed, False)  # d, y while the prune runs
        await tokens.workers.wait_for_complete()
        await until(pilot, lambda: names(tokens) == ["Default token"], "the list reloaded")
    left = [t.name for t in await server_tokens(admin, local.workspace_id)]
    assert left == ["Default token"]
