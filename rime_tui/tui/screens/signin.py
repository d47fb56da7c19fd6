"""Sign in: cluster URL, then email & password (local instance) or an API token."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, RadioButton, RadioSet, Static

from rime_tui.tui.screens.base import BaseScreen
from rime_tui.tui.session import (
    LOCAL_START_TIMEOUT,
    FormError,
    LocalStart,
    Method,
    SignInForm,
    remember,
    sign_in,
)
from rime_tui.tui.text import one_line
from rime_tui.tui.widgets import TextInput


class SignInScreen(BaseScreen[None]):
    """The first screen; also shown on top of the others when a session expires."""

    AUTO_FOCUS = None
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "toggle_method", "Password/Token"),
    ]

    def __init__(self, reauth_message: str | None = None) -> None:
        super().__init__()
        self.reauth_message = reauth_message
        self.local_start = LocalStart(self.rime.local) if self.rime.local else None

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
                    submit = Button("Sign in", id="submit", variant="primary")
                    # A pressed button ignores Enter for 200 ms (its "active" effect): an
                    # Enter typed right after the last one must still sign in.
                    submit.active_effect_duration = 0
                    yield submit
                    yield Static("", id="status", markup=False)
            yield Static(self.reauth_message or "", id="error", classes="error", markup=False)
        yield Footer()

    def _target_text(self, cluster: str) -> str:
        local = self.rime.local
        if local is not None and cluster.rstrip("/") == local.url:
            return f"Target: the local instance at {local.url}"
        return f"Target: {one_line(cluster) or 'enter a cluster URL'}"

    def on_mount(self) -> None:
        self.sub_title = self.rime.breadcrumb("Sign in")
        self._show_method()
        if self.local_start is not None and self.reauth_message is None:
            self._prefill_local()
            self.call_after_refresh(self.start_local)  # paint first, then start
        elif self.local_start is not None:
            self.local_start.skip()  # re-authenticating: it is running
        self._focus_first_empty()

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
        assert self.local_start is not None
        self._set_status("Starting the local instance…")
        await self.local_start.run()
        if self.local_start.error:
            self.show_error(self.local_start.error)
            self._set_status("")
            return
        filled = self._prefill_local()
        self._set_status("Local instance ready.")
        if self.focused is None or self.focused in filled:  # never pull focus from typing
            self._focus_first_empty()

    # -- the form ---------------------------------------------------------------------

    def _method(self) -> Method:
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
        self.rime.hold_keys(self.sign_in)  # keys typed after Enter are for the next screen
        self.sign_in()

    def _set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    def show_error(self, message: str) -> None:
        self.query_one("#error", Static).update(message)

    def _busy(self, busy: bool, text: str = "") -> None:
        self.query_one("#submit", Button).disabled = busy
        self.query_one("#signin-form").set_class(busy, "busy")
        self._set_status(text)
        if not busy and self.focused is None:  # disabling the button took the focus
            self._focus_first_empty()

    def _form(self) -> SignInForm:
        return SignInForm(
            cluster=self.query_one("#cluster", Input).value,
            method=self._method(),
            email=self.query_one("#email", Input).value,
            password=self.query_one("#password", Input).value,
            api_token=self.query_one("#api-token", Input).value,
        )

    @work(exclusive=True, group="signin", exit_on_error=False)
    async def sign_in(self) -> None:
        try:
            await self._sign_in()
        finally:
            self.rime.release_keys(self.sign_in)

    async def _sign_in(self) -> None:
        self.show_error("")
        form = self._form()
        try:
            url = form.cluster_url()
            local = self.local_start if self.local_start and url == self.local_start.url else None
            if local is not None and not local.done:  # Enter during start-up: wait for it
                self._set_status("Signing in when the local instance is ready…")
                self.rime.hold_keys(self.sign_in, at_most=LOCAL_START_TIMEOUT)
                await local.ready()
                self.rime.hold_keys(self.sign_in)  # from now on, for the sign-in itself
                form = self._form()  # filled in from bootstrap.json meanwhile
            if local is not None and local.error:  # the form cannot help: say why
                self.show_error(local.error)
                return
            form.check_credentials()
        except FormError as problem:
            self.show_error(problem.message)
            if problem.field:
                self.query_one(f"#{problem.field}", Input).focus()
            else:
                self._focus_first_empty()
            return
        self._busy(True, "Signing in…")
        try:
            # Proved again just before a secret goes there: the instance may have
            # stopped since, and anyone could have bound its port.
            if local is not None and not await local.prove():
                self.show_error(local.error or "")
                return
            session = await sign_in(form, url, self.rime.new_client, local=local is not None)
        finally:
            self._busy(False)
        if self.rime.remember:
            try:
                remember(
                    url,
                    form.email.strip() if form.method == "password" else None,
                    local=local is not None,
                )
            except OSError as exc:
                self.notify(f"Could not save settings: {exc}", severity="warning", markup=False)
        self.query_one("#password", Input).value = ""
        self.rime.signed_in(session)
