"""A new token's secret reaches the user however slow the cluster and whatever is pressed
while it is on its way (issue 15: findings 1, 2 and 8), and the user sees what the app
waits for (rime_tui/tui/delivery.py, rime_tui/tui/progress.py).

The cluster is the test's local instance behind the latency proxy
(tests/support/latency_proxy.py): a real server over real HTTP, slowed or stalled per
request. Stalls make the tests independent of timing; the few ``slow`` answers play
"3 s a request" where a key must wait longer than type-ahead used to (2 s).
"""

from __future__ import annotations

import asyncio
import math
import signal
from collections.abc import Iterator
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from rime_tui.tui.widgets import KeyBar
from tests.support.helpers import sign_in_admin
from tests.support.latency_proxy import LatencyProxy
from tests.support.local import Local
from tests.support.tui import (
    WAIT,
    MakeApp,
    burst,
    far_app,
    keys_settled,
    notifications,
    open_tokens,
    reach_tokens,
    screen,
    signed_in_through,
    table_text,
    text_of,
    until,
)
from tests.support.tui_health import WorkerFailures, assert_healthy

TOKENS = "/v1/users/api-tokens"  # POST: create; DELETE …/ID: delete; GET: list
SLOW = 3.0  # seconds a slow answer takes: longer than type-ahead used to wait (2 s)


@pytest.fixture
def proxy(local: Local) -> Iterator[LatencyProxy]:
    with LatencyProxy(local.server.port) as running:
        yield running


async def create_stalled(pilot: Pilot[Any], proxy: LatencyProxy, name: str) -> None:
    """On the Tokens page: `n NAME Enter`, until the create is held at the proxy (it goes
    on at proxy.release())."""
    proxy.stall("POST", TOKENS)
    await pilot.press("n", *name, "enter")
    await until(pilot, lambda: proxy.stalled == 1, "the create to reach the cluster")


def key_bar(app: RimeApp) -> str:
    return app.screen.query_one(KeyBar).render().plain


async def secret_works(local: Local, secret: str) -> None:
    async with local.client(api_token=secret) as client:
        await client.rime_info()


async def names_listed(local: Local) -> list[str]:
    """Every token's name on the instance (as the admin, signed in with the password:
    a test may rotate the admin's API token)."""
    async with await sign_in_admin(local) as client:
        workspaces = [w async for w in client.iter_workspaces()]
        return [
            t.name
            for w in workspaces
            async for t in client.iter_api_tokens(w.workspace_id.uuid, page_size=500)
        ]


@pytest.mark.parametrize("width", [72, 60, 40])
async def test_a_narrow_key_bar_keeps_quit_while_a_create_works(
    local: Local, proxy: LatencyProxy, width: int
) -> None:
    # The progress line ("⠹ Creating “narrow”… Keys you type now go to the token's
    # dialog", 64 columns) took the whole bar at 72 columns and less: ^q was gone.
    # (Help is not shown here: the Token Name field has the focus, and `?` types.)
    app = far_app(proxy)
    async with app.run_test(size=(width, 24)) as pilot:
        await reach_tokens(pilot, signed_in=signed_in_through(local, proxy))
        proxy.stall("POST", TOKENS)
        await pilot.press("n", *"narrow", "enter")
        await until(pilot, lambda: "Creating “narrow”…" in key_bar(app), "the progress")
        line = key_bar(app)
        assert len(line) == width
        assert line.endswith(" ^q Quit "), line
        assert "dialog" not in line and line.rstrip().count("…") == 2, line  # cut short
        proxy.release()
        await screen(pilot, TokenCreatedScreen)
        assert "Creating" not in key_bar(app)


@pytest.mark.parametrize("width", [60, 48])
async def test_a_narrow_key_bar_keeps_quit_and_help_while_a_delete_works(
    local: Local, proxy: LatencyProxy, width: int
) -> None:
    app = far_app(proxy)
    async with app.run_test(size=(width, 24)) as pilot:
        tokens = await reach_tokens(pilot, signed_in=signed_in_through(local, proxy))
        tokens.query_one(DataTable).focus()  # the bootstrap token's row
        proxy.stall("DELETE", TOKENS)
        await pilot.press("d")
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: "Deleting “" in key_bar(app), "the delete's progress")
        line = key_bar(app)
        assert len(line) == width
        assert line.endswith(" ^q Quit  ? Help "), line
        assert line[3:].startswith("Deleting “Default token”… "), line  # (after the spinner)
        proxy.release()
        await until(pilot, lambda: "Deleting" not in key_bar(app), "the delete done")


async def test_esc_y_typed_while_a_create_works_does_not_close_its_secret_unseen(
    local: Local, proxy: LatencyProxy, failures: WorkerFailures
) -> None:
    # Esc and y in one burst over a slow link, while the create works: the Esc reaches
    # the dialog, which asks; the y was typed before the question was asked, so it does
    # not answer it (it used to close the dialog: a secret nobody ever saw).
    app = far_app(proxy)
    async with app.run_test(size=(100, 30)) as pilot:
        await reach_tokens(pilot, signed_in=signed_in_through(local, proxy))
        await create_stalled(pilot, proxy, "unseen")
        burst(pilot, "escape", "y")
        await pilot.pause()
        proxy.release()
        await screen(pilot, ConfirmScreen)
        notice = "typed before this question was asked"
        await until(pilot, lambda: any(notice in n for n in notifications(app)), "the notice")
        await keys_settled(pilot)
        assert isinstance(app.screen, ConfirmScreen)  # still asking
        dialog = app.screen_stack[-2]
        assert isinstance(dialog, TokenCreatedScreen) and dialog.token_name == "unseen"
        await secret_works(local, dialog.token)
        await pilot.press("n")  # back to the dialog: its secret is on screen
        await screen(pilot, TokenCreatedScreen)
        assert dialog.token in text_of(dialog.query_one("#token", Static))
        assert not [n for n in notifications(app) if notice in n]  # answered: it went
        assert_healthy(app, failures)


async def test_a_stalled_create_shows_progress_and_esc_waits_for_its_dialog(
    local: Local, proxy: LatencyProxy, failures: WorkerFailures
) -> None:
    # Finding 1: `n slow6 Enter`, then Esc while it works: Esc was for the dialog.
    app = far_app(proxy)
    async with app.run_test(size=(100, 30)) as pilot:
        tokens = await reach_tokens(pilot, signed_in=signed_in_through(local, proxy))
        await create_stalled(pilot, proxy, "slow6")
        # Finding 8: the key bar says what the app waits for, and where keys go.
        await until(pilot, lambda: "Creating “slow6”…" in key_bar(app), "the progress")
        assert "Keys you type now go to the token's dialog" in key_bar(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is tokens  # the Esc waits: the page stays
        proxy.release()
        # The Esc reached the dialog, which asks: the token was not kept yet.
        await screen(pilot, ConfirmScreen)
        assert isinstance(app.screen_stack[-2], TokenCreatedScreen)
        dialog = app.screen_stack[-2]
        assert dialog.token_name == "slow6"
        await secret_works(local, dialog.token)
        assert "Creating" not in key_bar(app)
        await pilot.press("n")  # keep it open
        await screen(pilot, TokenCreatedScreen)
        assert_healthy(app, failures)


async def test_a_create_whose_answer_never_comes_says_the_token_may_exist_and_lists_it(
    local: Local, proxy: LatencyProxy, failures: WorkerFailures
) -> None:
    # The cluster made the token; its answer did not come within the client's read
    # timeout (1 s here, 15 s by default). The secret cannot be shown: the page says
    # the token may exist and lists it, rather than "try again" (a 409 for that name).
    app = far_app(proxy, timeout=1.0)
    async with app.run_test(size=(100, 30)) as pilot:
        tokens = await reach_tokens(pilot, signed_in=signed_in_through(local, proxy))
        proxy.hold("POST", TOKENS)
        await pilot.press("n", *"lost1", "enter")
        error = tokens.query_one("#error")
        await until(pilot, lambda: "may have made the token 'lost1'" in str(error.render()), "it")
        assert "delete it and create it again" in str(error.render())
        table = tokens.query_one(DataTable)
        await until(pilot, lambda: "lost1" in table_text(table), "the token listed")
        assert app.screen is tokens and "lost1" in await names_listed(local)
        proxy.release_answers()
        assert_healthy(app, failures)


async def test_the_page_under_a_new_secret_catches_up_after_the_dialog_is_on_screen(
    local: Local, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, failures: WorkerFailures
) -> None:
    # Issue K, Create Token: the page moved its focus to its list and listed the new
    # token right after the dialog's push, so the dialog's first frame waited for the
    # page's restyle and layout (Enter → secret on screen: 2.0 to 2.2 times a bare modal push).
    # Now the page catches up once the dialog is painted (or covered, or closed).
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        tokens = await reach_tokens(pilot)
        table = tokens.query_one(DataTable)
        on_top: list[tuple[bool, bool]] = []  # (focus on the list, token listed)
        resume = TokenCreatedScreen.__dict__.get("on_screen_resume")

        def resumed(dialog: TokenCreatedScreen) -> None:
            # The dialog has come to the top; its first frame is still to come.
            on_top.append((tokens.focused is table, "quick" in table_text(table)))
            if resume is not None:
                resume(dialog)

        monkeypatch.setattr(TokenCreatedScreen, "on_screen_resume", resumed, raising=False)
        await pilot.press("n", *"quick", "enter")
        await screen(pilot, TokenCreatedScreen)
        await until(pilot, lambda: "quick" in table_text(table), "the new token listed")
        assert on_top == [(False, False)]
        assert tokens.focused is table  # for when the dialog closes
        await pilot.press("escape")
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await screen(pilot, TokensScreen)
        assert app.focused is table
        assert_healthy(app, failures)


async def test_burst_during_a_slow_create_goes_to_its_dialog(
    local: Local, proxy: LatencyProxy, failures: WorkerFailures
) -> None:
    # Finding 1, type-ahead alone: `n slow4 Enter c Escape` at 3 s a request. The keys
    # after Enter waited at most 2 s, then `c` and Esc went to the page (Esc: Back).
    app = far_app(proxy)
    async with app.run_test(size=(100, 30)) as pilot:
        tokens = await reach_tokens(pilot, signed_in=signed_in_through(local, proxy))
        proxy.slow(SLOW, "POST", TOKENS)
        burst(pilot, "n", "slow4", "enter", "c", "escape")
        await until(pilot, lambda: proxy.count("POST", TOKENS) == 1, "the create")
        await keys_settled(pilot)
        # `c` and Esc were the dialog's: the page is still there, under the dialog (Esc
        # asked) or alone again (the copy counted and Esc closed the dialog).
        assert tokens in app.screen_stack
        assert [type(s) for s in app.screen_stack[app.screen_stack.index(tokens) + 1 :]] in (
            [],
            [TokenCreatedScreen, ConfirmScreen],
        )
        assert "slow4" in await names_listed(local)
        table = tokens.query_one(DataTable)
        await until(pilot, lambda: "slow4" in table_text(table), "the new token listed")
        assert_healthy(app, failures)


async def test_rotate_then_esc_esc_while_it_works_shows_the_new_secret(
    local: Local, proxy: LatencyProxy, failures: WorkerFailures
) -> None:
    # Finding 2 (TUI): `R y`, then Esc Esc while the rotate works (the old token is
    # deleted, the new one takes 3 s). The Escs left the page and the rotate with it:
    # neither token was left. Now they wait for the new secret's dialog.
    app = far_app(proxy)
    async with app.run_test(size=(100, 30)) as pilot:
        tokens = await reach_tokens(pilot, signed_in=signed_in_through(local, proxy))
        name = tokens.tokens[0].name
        proxy.slow(0.0, "POST", TOKENS)  # the stand-in: at once
        proxy.slow(SLOW, "POST", TOKENS)  # the new token: slowly
        await pilot.press("R")
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: proxy.count("DELETE", TOKENS) == 1, "the old token deleted")
        await until(pilot, lambda: "Rotating" in key_bar(app), "the progress")
        await pilot.press("escape", "escape")
        await keys_settled(pilot)
        # The first Esc asked on the dialog; the second said no: the secret is shown.
        dialog = await screen(pilot, TokenCreatedScreen)
        assert dialog.token_name == name
        await secret_works(local, dialog.token)
        listed = await names_listed(local)
        assert listed.count(name) == 1
        assert not [n for n in listed if "(rotating)" in n]

        # The next rotate of that name succeeds.
        await pilot.press("escape")
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await screen(pilot, TokensScreen)
        table = tokens.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 1, "the list after the rotate")
        await pilot.press("R")
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        again = await screen(pilot, TokenCreatedScreen)
        assert again.token_name == name
        await secret_works(local, again.token)
        assert (await names_listed(local)).count(name) == 1
        assert_healthy(app, failures)


async def test_signing_out_while_a_create_is_in_flight_shows_its_secret_first(
    local: Local, proxy: LatencyProxy, failures: WorkerFailures
) -> None:
    # The page the create was asked on goes with the sign-out; the secret does not.
    # (Keys wait for the dialog, so the sign-out here is the palette's command run as
    # a click on it would run it.)
    app = far_app(proxy)
    async with app.run_test(size=(100, 30)) as pilot:
        await reach_tokens(pilot, signed_in=signed_in_through(local, proxy))
        await create_stalled(pilot, proxy, "late")
        app.run_worker(app.sign_out(), exit_on_error=False)
        await until(pilot, lambda: "Signing out once" in key_bar(app), "the sign-out waiting")
        assert app.session is not None
        proxy.release()
        # The dialog shows the secret, and asks before it goes.
        await screen(pilot, ConfirmScreen)
        dialog = app.screen_stack[-2]
        assert isinstance(dialog, TokenCreatedScreen)
        assert dialog.token_name == "late"
        await secret_works(local, dialog.token)
        await pilot.press("y")
        await screen(pilot, SignInScreen)
        await until(pilot, lambda: app.session is None, "the sign-out")
        assert "late" in await names_listed(local)
        assert_healthy(app, failures)


async def test_progress_shows_for_stalled_requests_and_not_for_quick_answers(
    local: Local, proxy: LatencyProxy, failures: WorkerFailures
) -> None:
    # Finding 8 for sign-in, lists and delete; a create answered before the progress's
    # delay shows none (no flash).
    app = far_app(proxy, email=local.admin_email)
    async with app.run_test(size=(100, 30)) as pilot:
        await screen(pilot, SignInScreen)
        proxy.stall("*", "/v1/")  # the sign-in's first request
        await pilot.press("ctrl+t", *local.admin_password, "enter")  # email and password
        await until(pilot, lambda: proxy.stalled == 1, "the sign-in to reach the cluster")
        await until(pilot, lambda: "Signing in…" in key_bar(app), "the sign-in's progress")
        # Keys typed now wait for the next screen with no time limit (a 2 s bound once
        # let them land on the wrong screen while a far cluster answered; any bound
        # longer than a test waits, 8 s say, is only caught here).
        assert app._holds and all(h.until == math.inf for h in app._holds.values())
        proxy.release()
        workspaces = await screen(pilot, WorkspacesScreen)
        await until(pilot, lambda: workspaces.query_one(DataTable).row_count == 1, "the rows")
        tokens = await open_tokens(pilot, lambda n: n == 1)
        assert "Signing in…" not in key_bar(app)

        # r lists the page's tokens and, for the meter, the instance's again: both
        # are the same request, in either order. Hold both.
        proxy.stall("GET", TOKENS, count=2)
        await pilot.press("r")
        await until(pilot, lambda: proxy.stalled >= 1, "the list to reach the cluster")
        await until(pilot, lambda: "Loading API Access Tokens…" in key_bar(app), "progress")
        assert "Back" in key_bar(app)  # the page's keys work meanwhile: they are shown
        proxy.forget()
        proxy.release()
        await until(pilot, lambda: "Loading" not in key_bar(app), "the list")

        app.progress.show_after = WAIT  # every answer comes before the progress would
        await pilot.press("n", *"quick", "enter")
        await screen(pilot, TokenCreatedScreen)
        await pilot.press("c", "escape")
        await keys_settled(pilot)
        if isinstance(app.screen, ConfirmScreen):  # (the copy could not be confirmed)
            await pilot.press("y")
        await screen(pilot, TokensScreen)
        assert not [label for label in app.progress.shown_labels if "Creating" in label]
        app.progress.show_after = 0.15

        table = tokens.query_one(DataTable)
        await until(pilot, lambda: "quick" in table_text(table), "the new token")
        table.move_cursor(row=[t.name for t in tokens.tokens].index("quick"))
        proxy.stall("DELETE", TOKENS)
        await pilot.press("d")
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: proxy.stalled == 1, "the delete to reach the cluster")
        await until(pilot, lambda: "Deleting “quick”…" in key_bar(app), "the delete's progress")
        proxy.release()
        await until(pilot, lambda: "quick" not in table_text(table), "the token gone")
        assert "Deleting" not in key_bar(app)
        assert_healthy(app, failures)


async def test_quitting_while_a_slow_create_works_shows_its_secret_first(
    local: Local, proxy: LatencyProxy, failures: WorkerFailures
) -> None:
    # ctrl+q typed while the create takes 3 s: it used to quit after 2 s, the token
    # made and its secret never shown. Now it waits for the dialog, which asks first.
    app = far_app(proxy)
    async with app.run_test(size=(100, 30)) as pilot:
        await reach_tokens(pilot, signed_in=signed_in_through(local, proxy))
        proxy.slow(SLOW, "POST", TOKENS)
        burst(pilot, "n", "bye", "enter")
        await until(pilot, lambda: "Creating “bye”…" in key_bar(app), "the progress")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: proxy.count("POST", TOKENS) == 1, "the create")
        await keys_settled(pilot)
        await screen(pilot, ConfirmScreen)  # "Close without keeping the token?"
        dialog = app.screen_stack[-2]
        assert isinstance(dialog, TokenCreatedScreen)
        assert dialog.token_name == "bye"
        await secret_works(local, dialog.token)
        assert app.is_running
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running or app._exit, "the quit")
    assert "bye" in await names_listed(local)


async def test_a_create_in_flight_when_the_app_closes_is_kept_for_printing(
    local: Local, proxy: LatencyProxy
) -> None:
    # The app closes (a signal, a hang-up: RimeApp.exit) while a create is in flight:
    # the request is not abandoned, and its secret is kept for run_tui to print once
    # the terminal is restored.
    app = far_app(proxy)
    async with app.run_test(size=(100, 30)) as pilot:
        await reach_tokens(pilot, signed_in=signed_in_through(local, proxy))
        await create_stalled(pilot, proxy, "closing")
        app.exit()
        proxy.release()
    await asyncio.wait_for(app.delivery.settled(), WAIT)
    [(name, secret, cluster_url, _)] = app.delivery.undelivered
    assert (name, cluster_url) == ("closing", proxy.url)
    await secret_works(local, secret)


async def test_a_stand_in_left_by_an_interrupted_rotate_does_not_block_the_next(
    local: Local, proxy: LatencyProxy, failures: WorkerFailures
) -> None:
    # An earlier rotate, cut short, left "NAME (rotating)" beside NAME: `R y` on NAME
    # used to fail ("You already have a token named …"); now it clears the stand-in.
    app = far_app(proxy)
    async with app.run_test(size=(100, 30)) as pilot:
        await reach_tokens(pilot, signed_in=signed_in_through(local, proxy))
        async with await sign_in_admin(local) as client:
            [ws] = [w async for w in client.iter_workspaces()]
            await client.create_api_token("ci", ws.workspace_id.uuid)
            await client.create_api_token("ci (rotating)", ws.workspace_id.uuid)
        tokens = app.screen
        assert isinstance(tokens, TokensScreen)
        await pilot.press("r")
        table = tokens.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 3, "the three tokens")
        table.move_cursor(row=[t.name for t in tokens.tokens].index("ci"))
        await pilot.press("R")
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        dialog = await screen(pilot, TokenCreatedScreen)
        assert dialog.token_name == "ci"
        await secret_works(local, dialog.token)
        listed = await names_listed(local)
        assert listed.count("ci") == 1
        assert "ci (rotating)" not in listed
        assert_healthy(app, failures)


async def test_prune_shows_progress_while_it_deletes(
    local: Local, proxy: LatencyProxy, failures: WorkerFailures
) -> None:
    async with await sign_in_admin(local) as client:
        await client.create_api_token("old", local.workspace_id, expiry_days=1)
    local.clock.advance(days=2)
    app = far_app(proxy, clock=local.clock)
    async with app.run_test(size=(100, 30)) as pilot:
        tokens = await reach_tokens(pilot, rows=2, signed_in=signed_in_through(local, proxy))
        proxy.stall("DELETE", TOKENS)
        await pilot.press("P")
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: proxy.stalled == 1, "the delete to reach the cluster")
        await until(pilot, lambda: "Deleting 1 expired token…" in key_bar(app), "progress")
        assert "Back" in key_bar(app)  # the page's keys work meanwhile
        proxy.release()
        table = tokens.query_one(DataTable)
        await until(pilot, lambda: "old" not in table_text(table), "the pruned list")
        assert "Deleting" not in key_bar(app)
        assert_healthy(app, failures)


async def test_rotating_a_stand_in_whose_token_is_gone_makes_the_token_again(
    local: Local, proxy: LatencyProxy, failures: WorkerFailures
) -> None:
    # A rotate cut short after the old token was deleted leaves only "NAME (rotating)":
    # `R y` on it makes NAME again and deletes the stand-in.
    async with await sign_in_admin(local) as client:
        await client.create_api_token("solo (rotating)", local.workspace_id)
    app = far_app(proxy)
    async with app.run_test(size=(100, 30)) as pilot:
        tokens = await reach_tokens(pilot, rows=2, signed_in=signed_in_through(local, proxy))
        table = tokens.query_one(DataTable)
        table.move_cursor(row=[t.name for t in tokens.tokens].index("solo (rotating)"))
        await pilot.press("R")
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        dialog = await screen(pilot, TokenCreatedScreen)
        assert dialog.token_name == "solo"
        await secret_works(local, dialog.token)
        listed = await names_listed(local)
        assert listed.count("solo") == 1
        assert "solo (rotating)" not in listed
        assert_healthy(app, failures)


async def test_a_create_in_flight_when_sigterm_ends_the_app_is_kept_for_printing(
    local: Local, proxy: LatencyProxy
) -> None:
    # SIGTERM (RimeApp._stop) while a create is in flight: app.run() returned at once
    # and its event loop ended with the request, so the token was made with a secret
    # nobody saw (exit 143, nothing printed; seen in tmux). app.run(), as run_tui calls
    # it (its own event loop, in a thread here: headless, driven by its auto-pilot).
    app = far_app(proxy)

    async def drive(pilot: Pilot[Any]) -> None:
        await reach_tokens(pilot, signed_in=signed_in_through(local, proxy))
        proxy.slow(SLOW, "POST", TOKENS)  # answered after the app has shut down
        await pilot.press("n", *"sigterm-inflight", "enter")
        await until(pilot, lambda: "Creating “sigterm-inflight”…" in key_bar(app), "progress")
        app._stop(signal.SIGTERM)

    await asyncio.to_thread(app.run, headless=True, size=(100, 30), auto_pilot=drive)
    assert app.return_code == 128 + signal.SIGTERM
    [(name, secret, cluster_url, _)] = app.delivery.undelivered  # printed by run_tui
    assert (name, cluster_url) == ("sigterm-inflight", proxy.url)
    await secret_works(local, secret)
