"""Type-ahead: keys typed in one burst (a fast typist, a lagging SSH link) are each
handled once, in order, by the screen they were typed for (issue 9, What to build 1).

A burst is posted to the app all at once, as a terminal delivers it; nothing waits
between the keys.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual import events
from textual._xterm_parser import XTermParser
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from rime_tui.api import RimeClient
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.overview import OverviewScreen
from rime_tui.tui.screens.settings import SettingsScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from tests.support.latency_proxy import LatencyProxy
from tests.support.local import GatedLocalInstance, Local
from tests.support.tui import (
    MakeApp,
    SignIn,
    burst,
    busy_on,
    error_text,
    far_app,
    keys_settled,
    notices,
    notifications,
    reach_tokens,
    reach_workspaces,
    ready_sign_in,
    screen,
    signed_in_through,
    table_text,
    text_of,
    until,
    while_busy,
)
from tests.support.tui_health import WorkerFailures, assert_healthy


async def dialog_for(pilot: Pilot[Any], name: str) -> TokenCreatedScreen:
    """The token dialog, for a token named *name* whose secret is on screen."""
    dialog = await screen(pilot, TokenCreatedScreen)
    assert dialog.token_name == name
    assert dialog.token.startswith("rime_")
    return dialog


def kinds(app: RimeApp) -> list[str]:
    return [type(s).__name__ for s in app.screen_stack]


async def test_create_then_esc_in_one_burst_closes_the_dialog_not_the_page(
    local: Local, make_app: MakeApp, failures: WorkerFailures
) -> None:
    # Esc right behind Enter was typed for what Enter opens: the dialog (it used to
    # leave the page first, open the dialog over Settings, and crash on closing it).
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        tokens = await reach_tokens(pilot)
        burst(pilot, "n", "ab", "enter", "escape")
        # Esc reached the dialog, which asks before closing on a token never copied.
        await screen(pilot, ConfirmScreen)
        assert kinds(app)[-3:] == ["TokensScreen", "TokenCreatedScreen", "ConfirmScreen"]
        await pilot.press("y")
        table = tokens.query_one(DataTable)
        await until(pilot, lambda: "ab" in table_text(table), "the new token in the list")
        assert app.screen is tokens
        assert_healthy(app, failures)


def burst_read(pilot: Pilot[Any], data: str) -> None:
    """The keys Textual's terminal parser (with rime-tui's Esc split) makes of *data*
    read at once, as a terminal sends them, posted in one burst."""
    parser = XTermParser()
    for event in [*parser.feed(data), *parser.feed("")]:
        pilot.app.post_message(event)


async def test_esc_and_the_keys_after_it_read_at_once_are_each_handled(
    desktop_clipboard: list[str], make_app: MakeApp, signed_in: SignIn, failures: WorkerFailures
) -> None:
    # ESC y in one read: the Esc closes (asks, as the token was not copied), and the y
    # reaches the question, but does not answer it: it was typed before it was asked.
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        tokens = await reach_tokens(pilot, signed_in=signed_in)
        burst(pilot, "n", "first", "enter")
        await dialog_for(pilot, "first")
        burst_read(pilot, "\x1by")
        await screen(pilot, ConfirmScreen)
        await until(pilot, lambda: any("before this question" in n for n in notifications(app)), "")
        await keys_settled(pilot)
        assert kinds(app)[-2:] == ["TokenCreatedScreen", "ConfirmScreen"]  # still asking
        await pilot.press("y")  # asked now: y answers
        await screen(pilot, TokensScreen)
        table = tokens.query_one(DataTable)
        await until(pilot, lambda: "first" in table_text(table), "the new token in the list")
        # Copied, then Esc, n and a 40-character name and Enter in one read.
        burst(pilot, "n", "second", "enter")
        await dialog_for(pilot, "second")
        name = "a-name-of-forty-characters-typed-at-once"
        burst_read(pilot, f"c\x1bn{name}\r")

        def third_shown() -> bool:
            return isinstance(app.screen, TokenCreatedScreen) and app.screen.token_name == name

        await until(pilot, third_shown, "the third token's dialog")
        assert kinds(app)[-2:] == ["TokensScreen", "TokenCreatedScreen"]
        assert_healthy(app, failures)


async def test_keys_typed_for_a_sign_in_that_fails_are_not_typed_into_the_form(
    local: Local, make_app: MakeApp, failures: WorkerFailures
) -> None:
    # They were typed for Workspaces and the pages after it; landing in the Password
    # field they would make a second wrong sign-in (one more towards the lockout).
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        signin = await ready_sign_in(pilot)
        password = signin.query_one("#password", Input)
        password.value = "not the password"
        burst(pilot, "enter", "s", "t", "n", "x", "enter")
        await until(pilot, lambda: "Wrong email or password" in error_text(app), "the error")
        await pilot.pause()
        assert password.value == "not the password"
        assert app.screen is signin
        assert "5 keys typed ahead ignored: the sign-in did not go through." in notifications(app)
        assert_healthy(app, failures)


async def test_keys_typed_for_a_dialog_that_does_not_come_are_dropped(
    make_app: MakeApp, signed_in: SignIn, failures: WorkerFailures
) -> None:
    # Enter on an empty Token Name creates nothing: the Esc typed for the dialog must
    # not leave the page.
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        tokens = await reach_tokens(pilot, signed_in=signed_in)
        burst(pilot, "n", "enter", "escape")
        await until(pilot, lambda: "Enter a token name first." in error_text(app), "the error")
        await pilot.pause()
        assert app.screen is tokens
        dropped = "1 key typed ahead ignored: no token was created."
        assert ("warning", "Typed ahead", dropped) in notices(app)
        assert_healthy(app, failures)


async def test_a_burst_on_workspaces_reaches_the_token_dialog(
    local: Local, make_app: MakeApp, failures: WorkerFailures
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await reach_workspaces(pilot)
        burst(pilot, "enter", "s", "t", "n", "fast1", "enter")
        await dialog_for(pilot, "fast1")
        assert kinds(app) == [
            "SignInScreen",
            "WorkspacesScreen",
            "OverviewScreen",
            "SettingsScreen",
            "TokensScreen",
            "TokenCreatedScreen",
        ]
        assert_healthy(app, failures)


async def test_a_burst_on_overview_creates_the_token_typed(
    local: Local, make_app: MakeApp, failures: WorkerFailures
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await reach_workspaces(pilot)
        await pilot.press("enter")
        await screen(pilot, OverviewScreen)
        burst(pilot, "s", "t", "n", "fast2", "enter")
        await dialog_for(pilot, "fast2")
        tokens = app.screen_stack[-2]
        assert isinstance(tokens, TokensScreen)
        assert tokens.query_one("#token-name", Input).value == ""  # sent, not left typed
        assert_healthy(app, failures)


async def test_the_readme_sequence_in_one_burst_at_first_paint(
    local: Local, make_app: MakeApp, failures: WorkerFailures
) -> None:
    # Enter, Enter, s, t, n, a name, Enter, typed before the local instance is even found:
    # its start waits at the gate until every key is typed (a precondition, checked).
    instance = GatedLocalInstance(local.data_dir, local.server.port)
    app = make_app(local=instance)
    async with app.run_test(size=(100, 30)) as pilot:
        signin = await screen(pilot, SignInScreen)
        await until(pilot, instance.waiting.is_set, "the start to reach the gate")
        burst(pilot, "enter", "enter", "s", "t", "n", "burst1", "enter")
        status = signin.query_one("#status", Static)
        await until(pilot, lambda: "when the local instance is ready" in text_of(status), "Enter")
        assert isinstance(app.screen, SignInScreen)  # still starting: the rest wait
        instance.gate.set()
        await dialog_for(pilot, "burst1")
        assert signin.query_one("#email", Input).value == local.admin_email
        assert kinds(app)[1:] == [
            "WorkspacesScreen",
            "OverviewScreen",
            "SettingsScreen",
            "TokensScreen",
            "TokenCreatedScreen",
        ]
        assert_healthy(app, failures)


async def test_enter_during_start_up_signs_in_once_the_instance_is_ready(
    local: Local, failures: WorkerFailures
) -> None:
    instance = GatedLocalInstance(local.data_dir, local.server.port)
    app = RimeApp(local=instance, remember=False)
    async with app.run_test(size=(100, 30)) as pilot:
        signin = await screen(pilot, SignInScreen)
        status = signin.query_one("#status", Static)
        await until(pilot, lambda: "Starting" in text_of(status), "the start")
        burst(pilot, "ctrl+j")  # Enter, typed before the terminal was made raw
        await until(pilot, lambda: "when the local instance is ready" in text_of(status), "wait")
        assert text_of(signin.query_one("#error", Static)) == ""  # no "Enter your email…"
        instance.gate.set()
        workspaces = await screen(pilot, WorkspacesScreen)
        table = workspaces.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 1, "the workspace")
        assert_healthy(app, failures)


async def test_enter_in_the_filter_opens_the_filtered_row(
    local: Local, root: RimeClient, make_app: MakeApp, signed_in: SignIn
) -> None:
    # `/ Sandbox Enter` in one burst: one Enter opens Sandbox (it needed a second one),
    # not the row that was highlighted before the filter applied (it waits for a pause
    # in typing); `s` right behind it is for Sandbox's Overview.
    await root.create_workspace("Alpha")
    await root.create_workspace("Sandbox")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await reach_workspaces(pilot, rows=3, signed_in=signed_in)
        burst(pilot, "slash", "Sandbox", "enter", "s")
        settings = await screen(pilot, SettingsScreen)
        assert settings.workspace.name == "Sandbox"
        assert kinds(app)[1:] == ["WorkspacesScreen", "OverviewScreen", "SettingsScreen"]


async def test_enter_in_a_filter_that_matches_nothing_stays_in_the_filter(
    local: Local, root: RimeClient, make_app: MakeApp, signed_in: SignIn
) -> None:
    await root.create_workspace("Sandbox")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        workspaces = await reach_workspaces(pilot, rows=2, signed_in=signed_in)
        burst(pilot, "slash", "nothing", "enter")
        status = workspaces.query_one("#status", Static)
        await until(pilot, lambda: "0 of 2 workspaces" in text_of(status), "no match")
        await pilot.pause()
        assert app.screen is workspaces
        assert app.focused is workspaces.query_one("#filter", Input)  # to be corrected


# -- a slow cluster: keys wait for what they were typed for, however long ------------

SLOW_SIGN_IN = 2.5  # seconds: longer than the 2 s that keys used to wait at most


def cluster_app(local: Local, proxy: LatencyProxy) -> RimeApp:
    """The app aimed at the local instance as a remote cluster, behind *proxy*."""
    return RimeApp(cluster_url=proxy.url, email=local.admin_email, remember=False)


async def fill_password(pilot: Pilot[Any], local: Local) -> None:
    """The admin's password in the form (a remote cluster's form asks for a token)."""
    signin = await screen(pilot, SignInScreen)
    if signin.method == "token":
        signin.action_toggle_method()
    signin.query_one("#password", Input).value = local.admin_password


async def test_a_burst_typed_during_a_slow_sign_in_lands(
    local: Local, failures: WorkerFailures
) -> None:
    # Finding I.7: with a sign-in of about 2.2 s, `Enter Enter s t …` ended on
    # Workspaces and the rest vanished (keys waited at most 2 s, then went to the
    # sign-in screen).
    with LatencyProxy(local.server.port) as proxy:
        proxy.slow(SLOW_SIGN_IN, "POST", "/v1/auth/login")
        app = cluster_app(local, proxy)
        async with app.run_test(size=(100, 30)) as pilot:
            await fill_password(pilot, local)
            burst(pilot, "enter", "enter", "s", "t", "n", "slow1", "enter")
            await dialog_for(pilot, "slow1")
            assert kinds(app)[1:] == [
                "WorkspacesScreen",
                "OverviewScreen",
                "SettingsScreen",
                "TokensScreen",
                "TokenCreatedScreen",
            ]
            assert proxy.count("POST", "/v1/auth/login") == 1
            assert_healthy(app, failures)


async def test_end_typed_before_the_rows_arrive_opens_the_last_workspace(
    local: Local, root: RimeClient, failures: WorkerFailures
) -> None:
    # Finding I.7: `Enter End Enter s t` at first paint opened Workspace 1 instead of 2
    # when End came before the rows (the list is held back here until every key is in).
    await root.create_workspace("Workspace 2")
    with LatencyProxy(local.server.port) as proxy:
        proxy.stall("GET", "/v1/workspace", exact=True)
        app = cluster_app(local, proxy)
        async with app.run_test(size=(100, 30)) as pilot:
            await fill_password(pilot, local)
            burst(pilot, "enter", "end", "enter", "s", "t")
            workspaces = await screen(pilot, WorkspacesScreen)
            await until(pilot, lambda: proxy.stalled == 1, "the list on its way")
            await pilot.pause()
            assert app.screen is workspaces  # every key waits for the rows
            proxy.release()
            tokens = await screen(pilot, TokensScreen)
            assert tokens.workspace.name == "Workspace 2"
            assert_healthy(app, failures)


async def test_keys_typed_for_rows_that_do_not_come_are_dropped_with_a_notice(
    local: Local, failures: WorkerFailures
) -> None:
    with LatencyProxy(local.server.port) as proxy:
        proxy.fail("GET", "/v1/workspace")
        app = cluster_app(local, proxy)
        async with app.run_test(size=(100, 30)) as pilot:
            await fill_password(pilot, local)
            burst(pilot, "enter", "end", "enter", "s")
            workspaces = await screen(pilot, WorkspacesScreen)
            message = "3 keys typed ahead ignored: the list did not load."
            await until(pilot, lambda: message in notifications(app), "the notice")
            await pilot.pause()
            assert app.screen is workspaces


async def test_esc_typed_behind_a_slow_create_is_for_the_dialog(
    local: Local, failures: WorkerFailures
) -> None:
    # Finding I.1: `n slow4 Enter Esc` at 3 s a request: keys waited at most 2 s, so
    # the Esc meant for the dialog left the tokens page.
    with LatencyProxy(local.server.port) as proxy:
        app = cluster_app(local, proxy)
        async with app.run_test(size=(100, 30)) as pilot:
            await fill_password(pilot, local)
            burst(pilot, "enter", "enter", "s", "t")
            tokens = await screen(pilot, TokensScreen)
            table = tokens.query_one(DataTable)
            await until(pilot, lambda: table.row_count == 1, "the token row")
            proxy.slow(SLOW_SIGN_IN, "POST", "/v1/users/api-tokens")
            burst(pilot, "n", "slow4", "enter", "escape")
            # Esc reached the dialog, which asks before closing on a token never copied.
            await screen(pilot, ConfirmScreen)
            assert kinds(app)[-3:] == ["TokensScreen", "TokenCreatedScreen", "ConfirmScreen"]
            assert_healthy(app, failures)


async def test_ctrl_q_quits_at_once_while_keys_wait(local: Local) -> None:
    # Keys wait for a sign-in that does not answer; ctrl+q does not wait behind them.
    with LatencyProxy(local.server.port) as proxy:
        proxy.stall("POST", "/v1/auth/login")
        app = cluster_app(local, proxy)
        async with app.run_test(size=(100, 30)) as pilot:
            await fill_password(pilot, local)
            burst(pilot, "enter", "enter", "s")
            await until(pilot, lambda: proxy.stalled == 1, "the sign-in on its way")
            app.post_message(events.Key("ctrl+q", None))
            await until(pilot, lambda: app.return_code is not None, "the app quitting")
            assert proxy.stalled == 1  # the sign-in has still not answered
            proxy.release()


async def test_esc_leaves_a_page_whose_rows_do_not_come_and_the_dialog_takes_the_next_key(
    local: Local, failures: WorkerFailures
) -> None:
    # Keys wait for the rows, but Esc (with no key before it) leaves the page, and
    # the keys behind it are for the dialog it opens, not held for rows that may
    # never come: a screen's holds count only while it is on top.
    with LatencyProxy(local.server.port) as proxy:
        proxy.stall("GET", "/v1/workspace", exact=True)
        app = cluster_app(local, proxy)
        async with app.run_test(size=(100, 30)) as pilot:
            await fill_password(pilot, local)
            burst(pilot, "enter")
            await screen(pilot, WorkspacesScreen)
            await until(pilot, lambda: proxy.stalled == 1, "the list on its way")
            burst(pilot, "escape", "y")  # Sign out? y
            await until(pilot, lambda: "Signed out." in notifications(app), "the sign-out")
            assert kinds(app) == ["SignInScreen"]
            assert proxy.count("GET", "/v1/workspace") == 0  # the rows never came
            assert_healthy(app, failures)


async def test_esc_passes_the_rows_hold_at_once_while_the_page_is_busy(
    local: Local, failures: WorkerFailures
) -> None:
    # Esc, the one key a page's rows let through, with no key before it: it goes at
    # once, not behind the type-ahead queue's wait for every busy node (here another
    # widget of the page, still handling its messages).
    with LatencyProxy(local.server.port) as proxy:
        proxy.stall("GET", "/v1/workspace", exact=True)
        app = far_app(proxy)
        async with app.run_test(size=(100, 30)) as pilot:
            await signed_in_through(local, proxy)(pilot)
            workspaces = await screen(pilot, WorkspacesScreen)
            await until(pilot, lambda: proxy.stalled == 1, "the list on its way")
            busy = await busy_on(pilot, workspaces)
            try:
                burst(pilot, "escape")
                await while_busy(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the dialog")
                assert busy.busy
            finally:
                busy.done()
            assert_healthy(app, failures)


async def test_keys_typed_during_a_sign_out_wait_for_the_sign_in_form(
    local: Local, failures: WorkerFailures
) -> None:
    # `Esc y` and a password typed on: the sign-out's hold is not the dialog's, so
    # the dialog closing does not end it; the keys land in the form once it is reset
    # (not on Workspaces, which stays up until the cluster answers the sign-out).
    with LatencyProxy(local.server.port) as proxy:
        app = far_app(proxy)
        async with app.run_test(size=(100, 30)) as pilot:
            await reach_workspaces(pilot, signed_in=signed_in_through(local, proxy))
            proxy.stall("POST", "/v1/auth/logout")
            burst(pilot, "escape", "y", "pw")
            await until(pilot, lambda: proxy.stalled == 1, "the sign-out on its way")
            await pilot.pause()  # the dialog gone
            assert kinds(app) == ["SignInScreen", "WorkspacesScreen"]
            proxy.release()
            signin = await screen(pilot, SignInScreen)
            await keys_settled(pilot)
            assert "Signed out." in notifications(app)
            field = app.focused  # the form's first empty field (a token, for a cluster)
            assert isinstance(field, Input) and field.screen is signin
            assert field.value == "pw"
            assert_healthy(app, failures)


async def test_a_hold_with_a_limit_lets_the_keys_through_once_it_is_over(
    make_app: MakeApp, failures: WorkerFailures
) -> None:
    # hold_keys(at_most=...): the bound of the holds whose end is not certain (a copy
    # to the clipboard, a secret on its way): nothing releases this one.
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        signin = await ready_sign_in(pilot)
        field = signin.query_one("#password", Input)
        field.focus()
        await pilot.pause()
        loop = asyncio.get_running_loop()
        typed: list[float] = []  # when the first key landed (loop time)
        signin.watch(field, "value", lambda _: typed.append(loop.time()), init=False)
        held = loop.time()
        app.hold_keys("a copy that never answers", at_most=0.5)
        burst(pilot, "pw")
        await until(pilot, lambda: field.value == "pw", "the keys, once the hold is over")
        assert typed[0] >= held + 0.5  # not before (a lower bound: no machine is early)
        assert_healthy(app, failures)


async def _empty_password_focused(pilot: Pilot[Any]) -> tuple[SignInScreen, Input]:
    """The ready sign-in form, its password field emptied and focused."""
    signin = await ready_sign_in(pilot)
    field = signin.query_one("#password", Input)
    field.value = ""
    field.focus()
    return signin, field


async def test_letters_typed_into_a_ready_field_go_at_once_while_the_screen_is_busy(
    make_app: MakeApp, failures: WorkerFailures
) -> None:
    # With nothing held and no key before it, a key is handled at once: it does not
    # take the type-ahead queue, which waits for every node to handle what it has
    # queued (over SSH each echo would wait for the whole screen). Letters for the
    # same field go on at once behind it.
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        signin, field = await _empty_password_focused(pilot)
        busy = await busy_on(pilot, signin)
        try:
            burst(pilot, "pw")
            await while_busy(pilot, lambda: field.value == "pw", "the letters, at once")
            assert busy.busy  # still: the letters did not wait for it
        finally:
            busy.done()
        assert_healthy(app, failures)


async def test_keys_do_not_wait_for_a_widget_on_its_way_out(
    make_app: MakeApp, failures: WorkerFailures
) -> None:
    # A widget being removed (a notice timing out) may still have messages queued
    # that it will never take a callback behind: the keys do not wait for it (nor
    # does the app spin, asking it again and again).
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        signin, field = await _empty_password_focused(pilot)
        busy = await busy_on(pilot, signin, pruned=True)
        try:
            burst(pilot, "pwx", "backspace")  # no letter: it goes once the letters settle
            await while_busy(pilot, lambda: field.value == "pw", "the keys")
        finally:
            busy.done()
        assert_healthy(app, failures)


async def test_why_keys_were_dropped_is_shown_as_written(
    make_app: MakeApp, failures: WorkerFailures
) -> None:
    # The notice says the reason in words, brackets and all: never read as markup.
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await ready_sign_in(pilot)
        app.hold_keys("rows on their way")
        burst(pilot, "x")
        await pilot.pause()
        app.release_keys("rows on their way", failed="[b]the rows[/b] did not come")
        said = "1 key typed ahead ignored: [b]the rows[/b] did not come."

        def shown() -> list[str]:  # the notices on screen, title and message
            return [text_of(toast) for toast in app.screen.query("Toast")]

        await until(pilot, lambda: f"Typed ahead\n{said}" in shown(), said)
        assert_healthy(app, failures)
