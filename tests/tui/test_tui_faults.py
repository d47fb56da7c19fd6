"""The TUI against a misbehaving remote cluster: words on screen, still usable, no traceback.

The cluster is :class:`tests.faulty_server.FaultyServer`, a real HTTP server on
127.0.0.1 that answers with the faults a test chooses.  Each test drives the real
app with Pilot, checks the message a person reads, checks that the app is still
running with no worker failing unhandled, then clears the fault and shows that
retrying (or going back) works.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.help import HelpScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from rime_tui.tui.widgets import FormButton
from tests.support.faulty_server import Fault, FaultyServer
from tests.support.net import closed_port
from tests.support.tui import error_text, screen, table_text, text_of, until
from tests.support.tui_health import (
    WorkerFailures,
    assert_clean_screen,
    assert_healthy,
)

TOKEN = "rime_faulty0000000000000000000000000000wxyz"
# Seconds; only the hanging scenarios wait for it all. Not shorter: a loopback connect
# on a busy 2-core machine (tests run in parallel) has taken over 0.5 s.
SHORT_TIMEOUT = 2.0


def faulty_app(cluster_url: str, timeout: float | None = SHORT_TIMEOUT) -> RimeApp:
    """The real app, signing in with an API token to *cluster_url*, with short timeouts
    (``timeout=None``: the client's own, for a slow answer that must be waited for)."""
    return RimeApp(
        cluster_url=cluster_url, api_token=TOKEN, local=None, remember=False, timeout=timeout
    )


async def submit(pilot: Pilot[Any]) -> SignInScreen:
    """Press Sign in (the form is filled: cluster URL and API token)."""
    signin = await screen(pilot, SignInScreen)
    await until(pilot, lambda: not signin.query_one("#submit", FormButton).disabled, "Sign in")
    await pilot.click("#submit")
    return signin


async def sign_in_fails(pilot: Pilot[Any]) -> str:
    """Sign in, wait for the failure shown under the form, and return it."""
    app = pilot.app
    assert isinstance(app, RimeApp)
    signin = await submit(pilot)
    await until(pilot, lambda: error_text(app), "an error under the form")
    await until(pilot, lambda: not signin.query_one("#submit", FormButton).disabled, "not busy")
    return error_text(app)


async def workspace_list(pilot: Pilot[Any]) -> WorkspacesScreen:
    workspaces = await screen(pilot, WorkspacesScreen)
    table = workspaces.query_one(DataTable)
    await until(pilot, lambda: table.row_count == 1, "the remote workspace")
    assert "Remote workspace" in table_text(table)
    return workspaces


def assert_in_words(message: str, *words: str) -> None:
    for word in words:
        assert word in message, message
    for raw in ("Traceback", "<html", "<h1>", "Exception", "Unexpected error"):
        assert raw not in message, message


async def test_connection_refused_then_retry_with_the_right_url(
    faulty: FaultyServer, failures: WorkerFailures
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    app = faulty_app(dead)
    async with app.run_test(size=(80, 24)) as pilot:
        message = await sign_in_fails(pilot)
        assert_in_words(message, "Host unreachable", "Check the cluster URL")
        assert_healthy(app, failures)
        assert_clean_screen(app)

        # The user corrects the URL and presses Enter in it.
        signin = await screen(pilot, SignInScreen)
        cluster = signin.query_one("#cluster", Input)
        cluster.focus()
        cluster.value = ""
        await pilot.press(*faulty.url, "enter")
        await workspace_list(pilot)
        assert_healthy(app, failures)


SIGN_IN_FAULTS = [
    pytest.param("/v1/rime-info", Fault.HANG, ["did not answer in time", "Try again"], id="hang"),
    pytest.param("/v1/users/roles", Fault.HANG, ["did not answer in time"], id="hang-roles"),
    pytest.param(
        "/v1/users/roles",
        Fault.INTERNAL,
        ["HTTP 500", "internal error [/] in the backend", "Try again later"],  # not markup
        id="500",
    ),
    pytest.param(
        "/v1/rime-info",
        Fault.BAD_GATEWAY,
        ["HTTP 502", "Bad Gateway", "without an RI error body"],
        id="502-html",
    ),
    pytest.param("/v1/rime-info", Fault.MALFORMED_JSON, ["is not JSON"], id="malformed-json"),
    pytest.param(
        "/v1/users/roles", Fault.WRONG_SHAPE, ["does not have the expected shape"], id="wrong-shape"
    ),
    pytest.param("/v1/rime-info", Fault.UNAUTHORIZED, ["has been revoked"], id="401"),
]


@pytest.mark.parametrize(("path", "fault", "words"), SIGN_IN_FAULTS)
async def test_sign_in_fault_is_shown_in_words_and_retry_works(
    faulty: FaultyServer, failures: WorkerFailures, path: str, fault: Fault, words: list[str]
) -> None:
    faulty.fail(path, fault)
    app = faulty_app(faulty.url)
    async with app.run_test(size=(80, 24)) as pilot:
        message = await sign_in_fails(pilot)
        assert_in_words(message, *words)
        assert app.session is None
        assert_healthy(app, failures)
        assert_clean_screen(app)

        faulty.heal()
        await submit(pilot)
        await workspace_list(pilot)
        assert app.session is not None
        assert_healthy(app, failures)


WORKSPACE_FAULTS = [
    pytest.param(Fault.HANG, ["did not answer in time"], id="hang"),
    pytest.param(Fault.INTERNAL, ["HTTP 500", "internal error [/] in the backend"], id="500"),
    pytest.param(Fault.BAD_GATEWAY, ["HTTP 502", "without an RI error body"], id="502-html"),
    pytest.param(Fault.MALFORMED_JSON, ["is not JSON"], id="malformed-json"),
    pytest.param(Fault.WRONG_SHAPE, ["does not have the expected shape"], id="wrong-shape"),
]


@pytest.mark.parametrize(("fault", "words"), WORKSPACE_FAULTS)
async def test_workspace_list_fault_is_shown_and_r_retries(
    faulty: FaultyServer, failures: WorkerFailures, fault: Fault, words: list[str]
) -> None:
    faulty.fail("/v1/workspace", fault)
    app = faulty_app(faulty.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await submit(pilot)
        workspaces = await screen(pilot, WorkspacesScreen)
        status = workspaces.query_one("#status", Static)
        await until(pilot, lambda: "try again" in text_of(status), "the load to fail")
        message = text_of(status)
        assert_in_words(message, *words, "Press r to try again")
        table = workspaces.query_one(DataTable)
        assert table.row_count == 0
        assert not table.loading
        assert_healthy(app, failures)
        assert_clean_screen(app)

        faulty.heal()
        await pilot.press("r")
        await workspace_list(pilot)
        assert "1 workspace" in text_of(status)
        assert_healthy(app, failures)


async def test_401_mid_session_asks_to_sign_in_again_and_resumes(
    faulty: FaultyServer, failures: WorkerFailures
) -> None:
    app = faulty_app(faulty.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await submit(pilot)
        workspaces = await workspace_list(pilot)

        faulty.fail("/v1/workspace", Fault.UNAUTHORIZED)  # the token is revoked meanwhile
        await pilot.press("r")
        signin = await screen(pilot, SignInScreen)
        await until(pilot, lambda: error_text(app), "the reason")
        assert_in_words(error_text(app), "has been revoked")
        # What was typed is kept: the cluster and the token.
        assert signin.query_one("#cluster", Input).value == faulty.url
        assert signin.query_one("#api-token", Input).value == TOKEN
        assert_healthy(app, failures)

        faulty.heal()  # e.g. a new token pasted; here the cluster accepts it again
        await submit(pilot)
        assert await screen(pilot, WorkspacesScreen) is workspaces  # back where the user was
        await pilot.press("r")
        await workspace_list(pilot)
        assert_healthy(app, failures)


async def test_slow_sign_in_shows_busy_and_keys_typed_meanwhile_wait_for_it(
    faulty: FaultyServer, failures: WorkerFailures
) -> None:
    faulty.fail("/v1/rime-info", Fault.SLOW)
    app = faulty_app(faulty.url, timeout=None)
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await submit(pilot)
        await until(pilot, lambda: faulty.waiting("/v1/rime-info"), "the request to arrive")
        # Busy, visibly (once the answer is slow: a quick one shows nothing).
        status = signin.query_one("#status", Static)
        await until(pilot, lambda: "Signing in" in text_of(status), "the busy form")
        assert signin.query_one("#submit", FormButton).disabled
        assert signin.query_one("#signin-form").has_class("busy")
        # A key typed while the sign-in is on its way is for the page that comes, however
        # slow the cluster (no time limit): Help, over Workspaces once it answers.
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen is signin
        assert app.session is None

        faulty.heal()  # the answer finally comes
        await screen(pilot, HelpScreen)
        assert isinstance(app.screen_stack[-2], WorkspacesScreen)
        await pilot.press("escape")
        await workspace_list(pilot)
        assert_healthy(app, failures)


async def test_slow_workspace_list_shows_busy_and_keys_wait_for_the_rows(
    faulty: FaultyServer, failures: WorkerFailures
) -> None:
    faulty.fail("/v1/workspace", Fault.SLOW)
    app = faulty_app(faulty.url, timeout=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await submit(pilot)
        workspaces = await screen(pilot, WorkspacesScreen)
        await until(pilot, lambda: faulty.waiting("/v1/workspace"), "the request to arrive")
        table = workspaces.query_one(DataTable)
        await until(pilot, lambda: table.loading, "the loading indicator (the list is slow)")
        assert "Loading workspaces" in text_of(workspaces.query_one("#status", Static))

        # Typed for the rows (an Enter in the filter opens the first match): they wait.
        await pilot.press("slash", *"remote")
        field = workspaces.query_one("#filter", Input)
        await pilot.pause()
        assert not field.display

        faulty.heal()
        await until(pilot, lambda: field.display and field.value == "remote", "the filter")
        await pilot.press("escape")  # leaves the filter, stays on the page
        assert not field.display
        assert isinstance(app.screen, WorkspacesScreen)
        await workspace_list(pilot)
        assert_healthy(app, failures)


async def test_slow_workspace_list_esc_goes_back(
    faulty: FaultyServer, failures: WorkerFailures
) -> None:
    faulty.fail("/v1/workspace", Fault.SLOW)
    app = faulty_app(faulty.url, timeout=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await submit(pilot)
        await screen(pilot, WorkspacesScreen)
        await until(pilot, lambda: faulty.waiting("/v1/workspace"), "the request to arrive")
        await pilot.press("escape", "y")  # sign out while the list is still loading
        await screen(pilot, SignInScreen)
        await until(pilot, lambda: app.session is None, "signed out")
        faulty.heal()  # the late answer arrives for nobody
        await pilot.pause()
        assert_healthy(app, failures)

        await submit(pilot)  # and signing in again works
        await workspace_list(pilot)
        assert_healthy(app, failures)
