"""Round trips at a distance (issue K, items 1 and 2): behind the latency proxy, signed
in with an API token, the path sign-in → Workspaces → Overview → Settings → Tokens →
create costs one sequential round trip per screen that needs data, and the instance's
tokens are listed once per session."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from rime_tui.api import RimeClient
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.overview import OverviewScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.session import SignInForm, sign_in
from rime_tui.tui.widgets import TextInput
from tests.support.latency_proxy import LatencyProxy
from tests.support.local import Local
from tests.support.tui import MakeApp, screen, text_of, tokens_from_overview, until

TOKENS = "/v1/users/api-tokens"


async def test_the_path_to_the_dialog_costs_one_round_trip_per_screen_with_data(
    local: Local, make_app: MakeApp
) -> None:
    with LatencyProxy(local.server.port, 0.05) as proxy:
        app: RimeApp = make_app(cluster_url=proxy.url, api_token=local.api_token, local=None)
        async with app.run_test(size=(100, 30)) as pilot:
            await screen(pilot, SignInScreen)
            await pilot.press("enter")  # the form holds the cluster and the token
            await until(pilot, lambda: app.screen.query(DataTable), "Workspaces")
            await until(pilot, lambda: app.screen.query_one(DataTable).row_count == 1, "rows")
            await pilot.press("enter")
            overview = await screen(pilot, OverviewScreen)
            await until(pilot, lambda: overview._fetched, "the overview's figures")
            tokens = await tokens_from_overview(pilot, lambda n: n == 1)
            tokens.query_one("#token-name", TextInput).value = "ci"
            await pilot.click("#create")
            await screen(pilot, TokenCreatedScreen)
            # Everything the app started has finished (the expiry notice's listing too).
            await app.workers.wait_for_complete()
            for page in app.screen_stack:
                await page.workers.wait_for_complete()
            await pilot.pause()
            requests = list(proxy.requests)
            assert proxy.rounds == 4, requests
            # The token's one workspace listed by Overview, by Tokens, and once by the
            # instance listing (the expiry notice's), which went out with Overview's.
            assert proxy.count("GET", TOKENS) == 3, requests
            assert proxy.count("GET", "/v1/workspace") == 1 + 2, requests  # + members x2
            assert "Your API tokens" in text_of(overview.query_one("#details", Static))


async def test_the_instance_is_listed_once_for_the_notice_and_both_meters(
    local: Local, root: RimeClient, make_app: MakeApp
) -> None:
    spaces = 6
    for i in range(1, spaces):
        await root.create_workspace(f"Team {i}")
    with LatencyProxy(local.server.port) as proxy:
        app: RimeApp = make_app(cluster_url=proxy.url, local=None)
        async with app.run_test(size=(100, 30)) as pilot:
            await screen(pilot, SignInScreen)
            form = SignInForm(proxy.url, "password", local.admin_email, local.admin_password)
            app.signed_in(await sign_in(form, form.cluster_url(), app.new_client))
            await until(pilot, lambda: app.screen.query(DataTable), "Workspaces")
            await until(pilot, lambda: app.screen.query_one(DataTable).row_count == spaces, "rows")
            await pilot.press("enter")
            overview = await screen(pilot, OverviewScreen)
            meter = overview.query_one("#meter", Static)
            await until(pilot, lambda: "1 of 200" in text_of(meter), "Overview's meter")
            tokens = await tokens_from_overview(pilot, lambda n: n == 1)
            await pilot.press("a")  # every workspace's tokens: the listing, at once
            await until(pilot, lambda: tokens.all_workspaces and len(tokens.rows) == 1, "all")
            await app.workers.wait_for_complete()
            for page in app.screen_stack:
                await page.workers.wait_for_complete()
            await pilot.pause()
            assert "1 of 200" in text_of(tokens.query_one("#meter", Static))
            # Each workspace listed once (the notice, both meters and `a` share it), plus
            # Overview's and Tokens' own lists of their workspace.
            assert proxy.count("GET", TOKENS) == spaces + 2, proxy.requests
            # r counts again: every workspace once more, and the page's list.
            proxy.reset_counts()
            await pilot.press("r")
            await until(pilot, lambda: proxy.count("GET", TOKENS) >= spaces, "the recount")
            await app.workers.wait_for_complete()
            await tokens.workers.wait_for_complete()
            assert proxy.count("GET", TOKENS) == spaces, proxy.requests
