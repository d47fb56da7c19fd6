"""The instance meter ("N of 200 tokens on this instance") on Overview and API Access
Tokens (issue I, findings 10 and 11): only for an org admin signed in with the password,
and a token made on the page counted once, whatever order the answers come in."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from rime_tui.api import RimeClient
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.overview import OverviewScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.tokens import TokensScreen
from tests.support.local import Local
from tests.support.tui import MakeApp, screen, text_of, until


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
