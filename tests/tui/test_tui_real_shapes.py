"""The TUI against a cluster that answers in a real cluster's full shapes.

The cluster is :class:`~tests.support.faulty_server.FaultyServer` with every
call the TUI makes pinned to an answer built from the SDK's own answer models
(``tests/contract/ri_contract.json``): every field the SDK knows plus fields it
does not, nanosecond timestamps, enum values; or with every unset message and
time ``null``.  Signed in with an API token, as on a real cluster, a person
goes Workspaces → Overview → Settings (General, Members) → API Access Tokens
and each screen shows the cluster's data with no error.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable, Static

from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.overview import OverviewScreen
from rime_tui.tui.screens.settings import SettingsScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.tokens import TokensScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from rime_tui.tui.widgets import FormButton
from tests.support.contract import Shape, assert_valid, example
from tests.support.faulty_server import FaultyServer
from tests.support.tui import notifications, screen, table_text, text_of, until
from tests.support.tui_health import WorkerFailures, assert_clean_screen, assert_healthy

TOKEN = "rime_realshapes000000000000000000000000r3al"
WS = "7d0c7c1e-2b1f-4d35-9e3c-5f1a2b3c4d01"
ME = "7d0c7c1e-2b1f-4d35-9e3c-5f1a2b3c4daa"


def listing(kind: str, items: str, shape: Shape, **first: Any) -> dict[str, Any]:
    """A one-page list answer of *kind* in *shape*, its first item updated with *first*."""
    answer: dict[str, Any] = example(kind, shape)
    answer[items][0].update(first)
    answer.update(hasMore=False, nextPageToken="")
    return answer


def pin_real_cluster(cluster: FaultyServer, shape: Shape) -> None:
    """Every call the TUI makes, answered in *shape*; the answers agree with each other."""
    member = example("RimeUserDetailWithRole", shape)
    member["userDetail"].update(id={"uuid": ME}, fullName="Grace Hopper", email="grace@acme.io")
    answers = {
        "/v1/rime-info": example("RimeGetRIMEInfoResponse", shape),
        "/v1/users/roles": example("RimeListCurrentUserRolesResponse", shape),
        "/v1/workspace": listing(
            "RimeListWorkspacesResponse",
            "workspaces",
            shape,
            workspaceId={"uuid": WS},
            name="Fraud Detection",
            description="Card payments",
            resultsRetentionInDays=45,
        ),
        f"/v1/workspace/{WS}/users": {
            **listing("RimeListUsersOfWorkspaceResponse", "users", shape),
            "users": [member],
        },
        "/v1/projects": listing(
            "ProjectListProjectsResponse",
            "projects",
            shape,
            project={**example("ProjectProject", shape), "name": "Chargebacks"},
        ),
        "/v1/users/api-tokens": listing(
            "RimeListAPITokensResponse",
            "apiTokenInfos",
            shape,
            name="deploy bot",
            suffix=TOKEN[-4:],
            userId=ME,
            workspaceId={"uuid": WS},
        ),
    }
    kinds = {
        "/v1/rime-info": "RimeGetRIMEInfoResponse",
        "/v1/users/roles": "RimeListCurrentUserRolesResponse",
        "/v1/workspace": "RimeListWorkspacesResponse",
        f"/v1/workspace/{WS}/users": "RimeListUsersOfWorkspaceResponse",
        "/v1/projects": "ProjectListProjectsResponse",
        "/v1/users/api-tokens": "RimeListAPITokensResponse",
    }
    for path, answer in answers.items():
        if shape is not Shape.UNKNOWN_FIELDS:
            assert_valid(answer, kinds[path])
        cluster.pin("GET", path, answer)


@pytest.mark.parametrize(
    "shape", [Shape.UNKNOWN_FIELDS, Shape.NULLS], ids=["full-and-unknown-fields", "nulls"]
)
async def test_overview_settings_and_tokens_show_a_real_clusters_data(
    faulty: FaultyServer, failures: WorkerFailures, shape: Shape
) -> None:
    pin_real_cluster(faulty, shape)
    app = RimeApp(cluster_url=faulty.url, api_token=TOKEN, local=None, remember=False)
    async with app.run_test(size=(100, 30)) as pilot:
        signin = await screen(pilot, SignInScreen)
        await until(pilot, lambda: not signin.query_one("#submit", FormButton).disabled, "Sign in")
        await pilot.click("#submit")

        workspaces = await screen(pilot, WorkspacesScreen)
        table = workspaces.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 1, "the workspace")
        assert "Fraud Detection" in table_text(table)

        await pilot.press("enter")
        overview = await screen(pilot, OverviewScreen)
        details = overview.query_one("#details", Static)
        await until(pilot, lambda: "Grace Hopper" in text_of(details), "the overview's data")
        shown = text_of(details)
        for expected in (WS, "45 days", "1: Grace Hopper", "1: Chargebacks"):
            assert expected in shown, shown
        assert "Your API tokens" in shown and "\u2026" not in shown  # nothing left loading
        assert "Card payments" in text_of(overview.query_one("#ws-description", Static))

        await pilot.press("s")
        settings = await screen(pilot, SettingsScreen)
        general = text_of(settings.query_one("#general", Static))
        assert "Fraud Detection" in general and "45 days" in general
        await pilot.press("down")  # Members
        members = settings.query_one("#members", DataTable)
        await until(pilot, lambda: members.row_count == 1, "the members")
        assert "Grace Hopper grace@acme.io" in table_text(members)

        await pilot.press("t")
        tokens = await screen(pilot, TokensScreen)
        token_table = tokens.query_one("#tokens", DataTable)
        await until(pilot, lambda: token_table.row_count == 1, "the tokens")
        row = table_text(token_table)
        assert "deploy bot (this session)" in row and f"…{TOKEN[-4:]}" in row
        if shape is Shape.UNKNOWN_FIELDS:
            assert "2026-11-28" in row  # the nanosecond creationTime
        assert "1 token" in text_of(tokens.query_one("#status", Static))

        assert notifications(app) == []
        assert_healthy(app, failures)
        assert_clean_screen(app)
