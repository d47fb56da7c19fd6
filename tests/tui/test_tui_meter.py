"""The instance meter ("N of 200 tokens on this instance") on Overview and API Access
Tokens (issue I, findings 10 and 11): only for an org admin signed in with the password,
and a token made on the page counted once, whatever order the answers come in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from rime_tui.api import RimeClient
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.overview import OverviewScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from rime_tui.tui.session import SignInForm, sign_in
from tests.support.latency_proxy import LatencyProxy
from tests.support.local import Local
from tests.support.tui import (
    MakeApp,
    reach_workspaces,
    screen,
    text_of,
    tokens_from_overview,
    until,
)


def meter_of(screen: OverviewScreen | TokensScreen) -> Static:
    return screen.query_one("#meter", Static)


async def test_overview_shows_no_instance_meter_for_an_api_token_session(
    local: Local, root: RimeClient, admin: RimeClient, make_app: MakeApp
) -> None:
    # Workspace 1 holds 3 tokens, Workspace 2 holds 5: an API token of Workspace 1
    # sees only its 3, so any "N of 200 on this instance" it showed would be wrong.
    for i in range(2):
        await admin.create_api_token(f"one {i}", local.workspace_id)
    other = await root.create_workspace("Workspace 2")
    for i in range(5):
        await root.create_api_token(f"two {i}", other)
    app: RimeApp = make_app(cluster_url=local.url, api_token=local.api_token, local=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await screen(pilot, SignInScreen)
        await pilot.press("enter")  # the form holds the cluster and the token
        await until(pilot, lambda: app.screen.query(DataTable), "Workspaces")
        await until(pilot, lambda: app.screen.query_one(DataTable).row_count == 1, "the rows")
        await pilot.press("enter")
        overview = await screen(pilot, OverviewScreen)
        assert app.session is not None and app.session.org_admin
        assert app.session.method == "token"
        # The overview's work done (its figures shown, its workers finished): no meter.
        await until(pilot, lambda: overview._fetched, "the overview's figures")
        await overview.workers.wait_for_complete()
        await pilot.pause()
        assert "Your API tokens 3" in text_of(overview.query_one("#details", Static))
        assert not meter_of(overview).display
        assert "of 200" not in text_of(meter_of(overview))


# -- a token made on the page counted once (finding 11) ----------------------------------
#
# The page counts the instance in the background (every workspace's list) while the user
# may already be creating a token. The proxy orders the answers both ways round.

TOKENS = "/v1/users/api-tokens"


@asynccontextmanager
async def tokens_page_with_its_count_stalled(
    local: Local, make_app: MakeApp, *, answered: bool = False
) -> AsyncIterator[tuple[Pilot[Any], TokensScreen, LatencyProxy]]:
    """The admin (password session) on API Access Tokens through the proxy, the page's
    one token listed, and its instance count stalled at its first request (*answered*:
    the request served, its answer held)."""
    with LatencyProxy(local.server.port) as proxy:
        app: RimeApp = make_app(cluster_url=proxy.url, local=None)
        async with app.run_test(size=(100, 30)) as pilot:
            await screen(pilot, SignInScreen)
            form = SignInForm(proxy.url, "password", local.admin_email, local.admin_password)
            app.signed_in(await sign_in(form, form.cluster_url(), app.new_client))
            await reach_workspaces(pilot, signed_in=_nothing)
            await pilot.press("enter")
            overview = await screen(pilot, OverviewScreen)
            await until(pilot, lambda: "1 of 200" in text_of(meter_of(overview)), "the meter")
            await app.workers.wait_for_complete()  # the expiry notice's count too
            # The session's listing is counted once; made stale, the page counts again:
            # its own list goes through, the count's (the one workspace's list) stalls.
            assert app.session is not None
            app.session.listing.max_age = 0.0
            if answered:
                proxy.hold("GET", TOKENS, skip=1)
            else:
                proxy.stall("GET", TOKENS, skip=1)
            tokens = await tokens_from_overview(pilot, lambda n: n == 1)
            held = (lambda: proxy.held == 1) if answered else (lambda: proxy.stalled == 1)
            await until(pilot, held, "the count, stalled")
            # The page is usable at once; its meter says it is counting.
            assert text_of(meter_of(tokens)) == "Counting the tokens on this instance…"
            try:
                yield pilot, tokens, proxy
            finally:
                proxy.release()
                proxy.release_answers()


async def _nothing(pilot: Pilot[Any]) -> None:
    """Signed in already (through the proxy)."""


async def test_a_token_counted_by_the_background_count_first_is_counted_once(
    local: Local, make_app: MakeApp
) -> None:
    async with tokens_page_with_its_count_stalled(local, make_app) as (pilot, tokens, proxy):
        # The create reaches the server; its answer is held.
        proxy.hold("POST", TOKENS)
        await pilot.press("n", *"fast1", "enter")
        await until(pilot, lambda: proxy.held == 1, "the token made, its answer held")
        # The count goes on now and sees the new token: 2 on the instance.
        proxy.release()
        await until(pilot, lambda: "2 of 200" in text_of(meter_of(tokens)), "the count")
        # Then the create's answer: the dialog, and the token added to the page.
        proxy.release_answers()
        await screen(pilot, TokenCreatedScreen)
        await until(pilot, lambda: len(tokens.rows) == 2, "the new token on the page")
        await pilot.pause()
        assert text_of(meter_of(tokens)).startswith("2 of 200 tokens on this instance")


async def test_a_token_made_after_the_count_listed_is_counted_once(
    local: Local, make_app: MakeApp
) -> None:
    async with tokens_page_with_its_count_stalled(local, make_app, answered=True) as (
        pilot,
        tokens,
        proxy,
    ):
        # The count listed the workspace's tokens before the create; its answer is held.
        await pilot.press("n", *"fast1", "enter")
        await screen(pilot, TokenCreatedScreen)
        await until(pilot, lambda: len(tokens.rows) == 2, "the new token on the page")
        # Then the count's answer, which does not hold the new token.
        proxy.release_answers()
        await tokens.workers.wait_for_complete()
        await pilot.pause()
        assert text_of(meter_of(tokens)).startswith("2 of 200 tokens on this instance")
