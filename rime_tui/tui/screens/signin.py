"""Sign in: cluster URL, then email & password (local instance) or an API token."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, RadioButton, RadioSet, Static

from rime_tui.tui.errors import describe
from rime_tui.tui.screens.base import RimeScreen
from rime_tui.tui.text import one_line
from rime_tui.tui.widgets import TextInput

LOCAL_START_TIMEOUT = 30.0


class SignInScreen(RimeScreen):
    """The first screen; also shown on top of the others when a session expires."""

    AUTO_FOCUS = None
    PAGE = "Sign in"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "toggle_method", "Password/Token"),
    ]

    def __init__(self, reauth_message: str | None = None) -> None:
        super().__init__()
        self.reauth_message = reauth_message
        self._local_ready = asyncio.Event()
        self._local_error: str | None = None

    def compose(self) -> ComposeResult:
        app = self.rime
        previous = app.session
        email = app.initial_email
        cluster = app.initial_cluster_url
        token = app.initial_api_token
        if previous is not None:  # re-authenticating: keep what was there
            cluster = previous.client.cluster_url
            email = previous.user.email if previous.user else email
        yield Header()
        with VerticalScroll(id="signin"), Vertical(id="signin-form"):
            yield Static("Sign in to the RI Platform", id="signin-title")
            yield Static(self._target_text(cluster), id="target", markup=False)
            with Grid(id="signin-grid"):
                yield Label("Cluster URL")
                yield TextInput(cluster, placeholder="rime.example.io", id="cluster")
                yield Label("Sign in with")
                with RadioSet(id="method"):
                    yield RadioButton("Email & password", id="method-password", value=not token)
                    yield RadioButton("API token", id="method-token", value=bool(token))
                yield Label("Email", classes="password-field")
                yield TextInput(
                    email, placeholder="you@example.com", id="email", classes="password-field"
                )
                yield Label("Password", classes="password-field")
                yield TextInput(password=True, id="password", classes="password-field")
                yield Label("API token", classes="token-field")
                yield TextInput(
                    token,
                    password=True,
                    placeholder="rime_…",
                    id="api-token",
                    classes="token-field",
                )
                yield Label("")
                with Horizontal(id="submit-row"):
                    yield Button("Sign in", id="submit", variant="primary")
                    yield Static("", id="status", markup=False)
            yield Static(self.reauth_message or "", id="error", classes="error", markup=False)
        yield Footer()

    def _target_text(self, cluster: str) -> str:
        local = self.rime.local
        if local is not None and cluster.rstrip("/") == local.url:
            return f"Target: the local instance at {local.url}"
        return f"Target: {one_line(cluster) or 'enter a cluster URL'}"

    def on_mount(self) -> None:
        super().on_mount()
        self._show_method()
        app = self.rime
        if app.local is not None and self.reauth_message is None:
            self._prefill_local()
            self.call_after_refresh(self.start_local)  # paint first, then start
        else:
            self._local_ready.set()
        self._focus_first_empty()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "back"  # the first screen has nowhere to go back to

    # -- the local instance ---------------------------------------------------------

    def _prefill_local(self) -> list[Input]:
        """Fill what is still empty from bootstrap.json; answers the fields filled."""
        local = self.rime.local
        boot = local.bootstrap() if local else None
        if not boot:
            return []
        email, password = self.query_one("#email", Input), self.query_one("#password", Input)
        filled: list[Input] = []
        if not email.value:
            email.value = str(boot.get("admin_email", ""))
            filled.append(email)
        if not password.value and email.value == boot.get("admin_email"):
            password.value = str(boot.get("admin_password", ""))
            filled.append(password)
        return filled

    @work(group="local", exit_on_error=False)
    async def start_local(self) -> None:
        local = self.rime.local
        assert local is not None
        self._set_status("Starting the local instance…")
        try:
            started = await self._ensure_local()
        finally:
            self._local_ready.set()
        if not started:
            self._set_status("")
            return
        filled = self._prefill_local()
        self._set_status("Local instance ready.")
        if self.focused is None or self.focused in filled:  # never pull focus from typing
            self._focus_first_empty()

    async def _ensure_local(self) -> bool:
        """Start or find the local instance, which proves it holds the data dir's key;
        False, with the reason shown, when something else answers or it cannot start."""
        local = self.rime.local
        assert local is not None
        try:
            await local.ensure_running(LOCAL_START_TIMEOUT)
        except Exception as exc:
            self._local_error = str(exc)
            self.show_error(self._local_error)
            return False
        return True

    # -- the form ---------------------------------------------------------------------

    def _method(self) -> str:
        return "token" if self.query_one("#method-token", RadioButton).value else "password"

    def _show_method(self) -> None:
        token = self._method() == "token"
        for widget in self.query(".token-field"):
            widget.display = token
        for widget in self.query(".password-field"):
            widget.display = not token

    def _focus_first_empty(self) -> None:
        ids = (
            ["#cluster", "#api-token"]
            if self._method() == "token"
            else [
                "#cluster",
                "#email",
                "#password",
            ]
        )
        for selector in ids:
            field = self.query_one(selector, Input)
            if not field.value:
                field.focus()
                return
        self.query_one("#submit", Button).focus()

    @on(RadioSet.Changed, "#method")
    def _method_changed(self) -> None:
        self._show_method()
        self._focus_first_empty()

    def action_toggle_method(self) -> None:
        other = "#method-password" if self._method() == "token" else "#method-token"
        self.query_one(other, RadioButton).value = True

    @on(Input.Changed, "#cluster")
    def _cluster_changed(self, event: Input.Changed) -> None:
        self.query_one("#target", Static).update(self._target_text(event.value.strip()))

    @on(Input.Submitted)
    @on(Button.Pressed, "#submit")
    def _submit(self) -> None:
        self.sign_in()

    def _set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    def show_error(self, message: str) -> None:
        self.query_one("#error", Static).update(message)

    async def handle_error(self, error: BaseException) -> None:
        self.show_error(describe(error))

    def _busy(self, busy: bool, text: str = "") -> None:
        self.query_one("#submit", Button).disabled = busy
        self.query_one("#signin-form").set_class(busy, "busy")
        self._set_status(text)
        if not busy and self.focused is None:  # disabling the button took the focus
            self._focus_first_empty()

    @work(exclusive=True, group="signin", exit_on_error=False)
    async def sign_in(self) -> None:
        from rime_tui.api import normalize_cluster_url
        from rime_tui.api.errors import NotFoundError, ProtocolError
        from rime_tui.tui.app import Session

        self.show_error("")
        try:
            url = normalize_cluster_url(self.query_one("#cluster", Input).value)
        except ValueError as exc:
            self.show_error(f"{exc} Enter the cluster URL, e.g. rime.example.io.")
            self.query_one("#cluster", Input).focus()
            return
        local = self.rime.local
        is_local = local is not None and url == local.url
        if is_local and self._local_error:  # the form cannot help: say why
            self.show_error(self._local_error)
            return
        method = self._method()
        email = self.query_one("#email", Input).value.strip()
        password = self.query_one("#password", Input).value
        token = self.query_one("#api-token", Input).value.strip()
        if method == "password" and not (email and password):
            self.show_error("Enter your email and password.")
            self._focus_first_empty()
            return
        if method == "token" and not token:
            self.show_error("Paste your API token.")
            self._focus_first_empty()
            return
        if method == "token" and not (token.isascii() and token.isprintable() and " " not in token):
            self.show_error(
                "That is not an API token: a token is one word of ASCII letters, digits and "
                "symbols. Paste it again."
            )
            self.query_one("#api-token", Input).focus()
            return
        self._busy(True, "Signing in…")
        try:
            if is_local and not self._local_ready.is_set():
                self._set_status("Waiting for the local instance…")
                await asyncio.wait_for(self._local_ready.wait(), LOCAL_START_TIMEOUT)
            if is_local and self._local_error:  # it failed while we waited
                self.show_error(self._local_error)
                return
            # Proved again just before a secret goes there: the instance may have
            # stopped since, and anyone could have bound its port.
            if is_local and not await self._ensure_local():
                return
            client = self.rime.new_client(url)
            try:
                if method == "password":
                    try:
                        answer = await client.login(email, password)
                    except (NotFoundError, ProtocolError) as exc:
                        if is_local:
                            raise
                        raise ProtocolError(
                            f"{client.host} does not offer email & password sign-in (only the "
                            "local instance does). Sign in with an API token instead."
                        ) from exc
                    session = Session(client, answer.user, answer.user.is_org_admin, "password")
                else:
                    client.api_token = token
                    await client.rime_info()
                    roles = await client.my_roles()
                    admin = any(
                        r.subject_type == "SUBJECT_TYPE_ORGANIZATION"
                        and r.role == "ACTOR_ROLE_ADMIN"
                        for r in roles
                    )
                    session = Session(client, None, admin, "token", token_suffix=token[-4:])
            except BaseException:
                await client.aclose()
                raise
        finally:
            self._busy(False)
        self._remember(url, email if method == "password" else None, is_local)
        self.query_one("#password", Input).value = ""
        previous = self.rime.session
        if (
            self.reauth_message is not None
            and previous is not None
            and previous.client.cluster_url == url
            and previous.user_id == session.user_id
        ):
            self.rime.resume_after_reauth(session)
        else:
            self.rime.signed_in(session)

    def _remember(self, url: str, email: str | None, is_local: bool) -> None:
        if not self.rime.remember:
            return
        from rime_tui.config import load_settings, save_settings

        settings = load_settings()
        settings.cluster_url = None if is_local else url
        if email:
            settings.email = email
        try:
            save_settings(settings)
        except OSError as exc:
            self.notify(f"Could not save settings: {exc}", severity="warning", markup=False)
