"""The sign-in screen: failures in words, the target cluster, the remembered settings."""

from __future__ import annotations

import gc
import json
import threading
import tomllib
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from rime_tui.config import load_settings
from rime_tui.local import LocalInstance
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from tests.support.local import GatedLocalInstance, Local
from tests.support.net import closed_port
from tests.support.tui import error_text, ready_sign_in, screen, text_of, until, widgets_holding


async def submit_and_wait_for_error(pilot: Any, app: RimeApp, previous: str = "") -> str:
    """Enter, then the words under the form (which differ from *previous*)."""
    await pilot.press("enter")
    signin = app.screen
    assert isinstance(signin, SignInScreen)
    await until(pilot, lambda: error_text(app) not in ("", previous), "a message under the form")
    await signin.workers.wait_for_complete()
    return error_text(app)


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config"
    monkeypatch.setenv("RIME_TUI_CONFIG_DIR", str(path))
    return path


# -- failures, in words under the form ------------------------------------------------------


async def test_wrong_password_is_said_under_the_form(local: Local, make_app: Any) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await ready_sign_in(pilot)
        signin.query_one("#password", Input).value = "not the password"
        message = await submit_and_wait_for_error(pilot, app)
        assert message == "Wrong email or password."
        assert app.screen is signin
        assert app.session is None
        # The form is usable again: not busy, the email kept.
        assert not signin.query_one("#submit").disabled
        assert signin.query_one("#email", Input).value == local.admin_email


async def test_unreachable_cluster_says_host_unreachable(config_dir: Path) -> None:
    port = closed_port()
    app = RimeApp(cluster_url=f"http://127.0.0.1:{port}", api_token="rime_whatever", local=None)
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await screen(pilot, SignInScreen)
        assert signin.query_one("#api-token", Input).display  # the API token method
        message = await submit_and_wait_for_error(pilot, app)
        assert message.startswith("Host unreachable.")
        assert f"127.0.0.1:{port}" in message
        assert app.screen is signin and app.session is None
    assert not (config_dir / "config.toml").exists()  # nothing remembered from a failure


async def test_throttled_sign_in_says_when_to_retry(local: Local, make_app: Any) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await ready_sign_in(pilot)
        password = signin.query_one("#password", Input)
        message = ""
        for attempt in range(5):
            password.value = f"wrong {attempt}"
            await pilot.press("enter")
            await until(pilot, lambda: error_text(app) != "", "the refusal")
            await signin.workers.wait_for_complete()
            message = error_text(app)
            assert message == "Wrong email or password.", attempt
            signin.query_one("#error", Static).update("")

        # The sixth try, even with the right password, is refused with the time to wait.
        password.value = local.admin_password
        message = await submit_and_wait_for_error(pilot, app)
        assert "Too many failed sign-ins" in message
        assert "try again in 900 seconds" in message  # 15 minutes; the server's clock is fake
        assert app.screen is signin and app.session is None


class HtmlHandler(BaseHTTPRequestHandler):
    """A web server that is not an RI cluster: HTML for everything."""

    status = 200

    def _answer(self) -> None:
        body = b"<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>"
        self.send_response(self.status)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


class NotFoundHandler(HtmlHandler):
    status = 404


@pytest.fixture(params=[HtmlHandler, NotFoundHandler], ids=["html-200", "html-404"])
def web_server(request: pytest.FixtureRequest) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), request.param)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize("method", ["token", "password"])
async def test_a_web_server_that_is_not_an_ri_cluster_is_said_so(
    web_server: str, method: str, config_dir: Path
) -> None:
    app = RimeApp(
        cluster_url=web_server,
        api_token="rime_whatever" if method == "token" else None,
        email="me@example.com",
        local=None,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await screen(pilot, SignInScreen)
        if method == "password":  # a cluster's form starts at API token
            await pilot.press("ctrl+t")
            signin.query_one("#password", Input).value = "secret"
        message = await submit_and_wait_for_error(pilot, app)
        assert message.startswith("Not an RI cluster?"), message
        assert web_server.removeprefix("http://") in message
        assert app.screen is signin and app.session is None


@pytest.fixture
def stranger() -> Iterator[int]:
    """The port of a web server that is not the local instance."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), HtmlHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def test_each_enter_on_sign_in_submits_even_right_after_the_last(
    local: Local, stranger: int, config_dir: Path
) -> None:
    # Another program holds the port of a local instance that is not running: every
    # sign-in says so, and the focus stays on the Sign in button, which must take
    # Enter after Enter.
    local.server.stop()
    app = RimeApp(local=LocalInstance(local.data_dir, stranger))
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await screen(pilot, SignInScreen)
        await until(pilot, lambda: error_text(app), "the local instance's failure")
        assert signin.query_one("#submit").has_focus
        for attempt in range(1, 4):
            signin.query_one("#error", Static).update("")
            await pilot.press("enter")
            await until(pilot, lambda: error_text(app), f"the answer to Enter {attempt}")
            assert f"port {stranger}" in error_text(app)


# -- what it targets and what it remembers ---------------------------------------------------


async def test_the_sign_in_screen_says_which_cluster_it_targets(
    local: Local, make_app: Any, config_dir: Path
) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await ready_sign_in(pilot)
        target = signin.query_one("#target", Static)
        assert text_of(target) == f"Target: the local instance at {local.url}"

        # Editing the URL retargets, in words, as it is typed.
        cluster = signin.query_one("#cluster", Input)
        cluster.value = ""
        await pilot.click(cluster)
        await pilot.press(*"rime.example.io")
        await until(pilot, lambda: "rime.example.io" in text_of(target), "the new target")
        assert text_of(target) == "Target: rime.example.io"

    remote = RimeApp(cluster_url="https://rime.example.io", local=None)
    async with remote.run_test(size=(80, 24)) as pilot:
        signin = await screen(pilot, SignInScreen)
        assert text_of(signin.query_one("#target", Static)) == "Target: https://rime.example.io"


async def test_config_remembers_cluster_and_email_and_no_secret(
    local: Local, config_dir: Path
) -> None:
    # The instance reached by URL, as any remote cluster is (not as the local instance).
    app = RimeApp(cluster_url=local.url + "/", email=local.admin_email, local=None)
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await screen(pilot, SignInScreen)
        await pilot.press("ctrl+t")  # a cluster's form starts at API token
        password = signin.query_one("#password", Input)
        assert password.has_focus  # the first empty field
        password.value = local.admin_password
        await pilot.press("enter")
        await screen(pilot, WorkspacesScreen)
        assert app.session is not None
        session_token = app.session.client.session_token
        assert session_token

    path = config_dir / "config.toml"
    text = path.read_text(encoding="utf-8")
    assert tomllib.loads(text) == {"cluster_url": local.url, "email": local.admin_email}
    assert path.stat().st_mode & 0o777 == 0o600
    for secret in (local.admin_password, session_token, local.api_token):
        assert secret not in text

    # Signing in with an API token keeps the email and still writes no secret.
    app = RimeApp(cluster_url=local.url, api_token=local.api_token, local=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await screen(pilot, SignInScreen)
        await pilot.press("enter")
        await screen(pilot, WorkspacesScreen)
    text = path.read_text(encoding="utf-8")
    assert tomllib.loads(text) == {"cluster_url": local.url, "email": local.admin_email}
    assert local.api_token not in text and local.api_token[-12:] not in text


async def test_typing_while_the_local_instance_starts_keeps_the_focus(
    local: Local, config_dir: Path
) -> None:
    instance = GatedLocalInstance(local.data_dir, local.server.port)
    app = RimeApp(local=instance)
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await screen(pilot, SignInScreen)
        await until(pilot, lambda: "Starting" in text_of(signin.query_one("#status")), "start")
        cluster = signin.query_one("#cluster", Input)
        await pilot.click(cluster)
        await pilot.press("end", *"/x")
        instance.gate.set()
        await until(pilot, lambda: "ready" in text_of(signin.query_one("#status")), "ready")
        assert cluster.has_focus
        await pilot.press("backspace", "backspace")
        assert cluster.value == local.url


# -- the form's defaults and its errors ------------------------------------------------------


async def test_a_cluster_defaults_to_api_token_sign_in(config_dir: Path) -> None:
    app = RimeApp(cluster_url="https://rime.example.io", email="me@example.com", local=None)
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await screen(pilot, SignInScreen)
        assert signin.query_one("#api-token", Input).display
        assert not signin.query_one("#password", Input).display
        assert signin.query_one("#api-token", Input).has_focus


async def test_an_error_clears_when_a_field_or_the_method_changes(
    local: Local, make_app: Any
) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await ready_sign_in(pilot)
        password = signin.query_one("#password", Input)
        password.value = "not the password"
        assert await submit_and_wait_for_error(pilot, app) == "Wrong email or password."
        password.focus()
        await pilot.press("x")  # typing: the error was about what was there before
        await until(pilot, lambda: error_text(app) == "", "the error to clear")

        password.value = ""
        assert await submit_and_wait_for_error(pilot, app) == "Enter your email and password."
        await pilot.press("ctrl+t")  # the other method: the error was about this one
        await until(pilot, lambda: error_text(app) == "", "the error to clear")


async def test_any_loopback_spelling_of_the_local_instance_is_proved_first(
    local: Local, make_app: Any
) -> None:
    # localhost may resolve to ::1, where another user could listen: the address typed is
    # taken as the local instance's own, proved, and signed in to at 127.0.0.1.
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await ready_sign_in(pilot)
        signin.query_one("#cluster", Input).value = f"http://localhost:{local.server.port}"
        await pilot.press("enter")
        await screen(pilot, WorkspacesScreen)
        assert app.session is not None
        assert app.session.client.cluster_url == local.url
    assert load_settings().cluster_url is None  # the local instance, not a cluster


async def test_no_api_token_stays_in_the_sign_in_form(local: Local) -> None:
    app = RimeApp(cluster_url=local.url, api_token=local.api_token, local=None, remember=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await screen(pilot, SignInScreen)
        await pilot.press("enter")
        await screen(pilot, WorkspacesScreen)
        assert widgets_holding(app, local.api_token) == []


async def test_after_reset_admin_password_signing_in_again_holds_the_new_one(
    local: Local, make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # `rime-tui serve --reset-admin-password` while the TUI runs: the admin's sessions
    # end, and the form that asks to sign in again holds the password bootstrap.json now
    # holds, as the first sign-in held the first one.
    from rime_tui.server.runner import reset_admin_password

    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await ready_sign_in(pilot)
        assert text_of(signin.query_one("#password", Input)) == local.admin_password
        await pilot.press("enter")
        workspaces = await screen(pilot, WorkspacesScreen)
        assert reset_admin_password(local.data_dir) == 0
        capsys.readouterr()  # the new password, printed once
        new = json.loads((local.data_dir / "bootstrap.json").read_text())["admin_password"]
        assert new != local.admin_password
        await pilot.press("r")  # the session has ended: sign in again
        again = await screen(pilot, SignInScreen)
        assert again is not signin and again.reauth_message
        password = again.query_one("#password", Input)
        await until(pilot, lambda: password.value == new, "the new password in the form")
        assert error_text(app) == again.reauth_message  # the reason stays in view
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is workspaces, "back where the user was")


async def test_a_sign_in_whose_app_closes_before_its_next_refresh_leaves_nothing_unawaited(
    local: Local, make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The expiry notice starts after the refresh that shows Workspaces. An app that
    # closed before that refresh dropped what it was to call then, and the notice's
    # coroutine, made when the sign-in succeeded, was never awaited: a RuntimeWarning
    # printed as the process exits (found by a collection in CI). Here what the sign-in
    # asks to be called after the refresh is dropped, as by an app closing then.
    app: RimeApp = make_app()
    signed_in = RimeApp.signed_in

    def dropping_what_comes_after_the_refresh(self: RimeApp, session: Any) -> None:
        with monkeypatch.context() as patch:
            patch.setattr(self, "call_after_refresh", lambda *args, **kwargs: True)
            signed_in(self, session)

    monkeypatch.setattr(RimeApp, "signed_in", dropping_what_comes_after_the_refresh)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with app.run_test(size=(80, 24)) as pilot:
            await ready_sign_in(pilot)
            await pilot.press("enter")
            await screen(pilot, WorkspacesScreen)
        gc.collect()
    assert [str(w.message) for w in caught if "never awaited" in str(w.message)] == []


async def test_quitting_in_the_very_call_that_signs_in_exits_cleanly(
    local: Local, make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ctrl+q (or a signal) handled as the sign-in succeeds: Workspaces was pushed and the
    # app quit before Textual composed it; its on_mount found no table (NoMatches, a
    # traceback on the terminal at exit).
    app: RimeApp = make_app()
    signed_in = RimeApp.signed_in

    def then_quit(self: RimeApp, session: Any) -> None:
        signed_in(self, session)
        self.exit()

    monkeypatch.setattr(RimeApp, "signed_in", then_quit)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready_sign_in(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: not app.is_running, "the app to end")
    assert app.return_code == 0
