"""Sign in: cluster URL, then email & password (local instance) or an API token; a
stored profile (``rime-tui auth``) fills in a cluster and its token (ctrl+o), and a
token typed can be stored as one ("Remember this token")."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from rime_tui.profiles import (
    Profile,
    ProfileError,
    load_profiles,
    name_for,
    same_cluster,
    save_profile,
)
from rime_tui.tui.screens.base import BaseScreen, unless_quitting
from rime_tui.tui.session import (
    FormError,
    LocalStart,
    Method,
    SignInForm,
    remember,
    sign_in,
)
from rime_tui.tui.text import one_line
from rime_tui.tui.widgets import FormButton, FormCheck, KeyBar, TextInput

METHOD_NAMES: dict[Method, str] = {
    "password": "Email & password  (ctrl+t: API token)",
    "token": "API token  (ctrl+t: email & password)",
}


class RememberBox(FormCheck):
    """Space ticks it; Enter signs in, as in the form's fields."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.submit", "Sign in", show=False),
    ]


class SignInScreen(BaseScreen[None]):
    """The first screen; also shown on top of the others when a session expires."""

    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]  # see app.tcss
    AUTO_FOCUS = ""  # on_mount focuses the first empty field: no focus on the way there
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "toggle_method", "Password/Token"),
        Binding("ctrl+o", "next_profile", "Profile"),  # shown when one is stored
    ]

    def __init__(self, reauth_message: str | None = None) -> None:
        super().__init__()
        self.reauth_message = reauth_message
        self.method: Method = "password"  # set in compose
        self._error_form: SignInForm | None = None  # what the form held when the error came
        self.local_start = LocalStart(self.rime.local) if self.rime.local else None
        self.profile: str | None = self.rime.initial_profile  # whose token the form holds
        self.profiles = _stored_profiles()

    def compose(self) -> ComposeResult:
        app = self.rime
        previous = app.session
        email = app.initial_email
        cluster = app.initial_cluster_url
        token = app.initial_api_token
        # A real cluster takes only API tokens: email & password is the local instance's.
        method: Method = "token" if token or app.local is None else "password"
        if previous is not None:  # re-authenticating: keep what was there
            cluster = previous.client.cluster_url
            email = previous.user.email if previous.user else email
            method = previous.method
        self.method = method
        # Lean on purpose (the first paint waits for it): no Header (a title line says
        # where you are), labels as the fields' border titles. (The key bar stays in
        # compose: mounted after the paint it cost a restyle of the whole screen.)
        yield Static(self._title(), id="signin-where", markup=False)
        with Vertical(id="signin-form", classes=f"-{method}") as form:  # the method's fields
            form.border_title = "Sign in to the RI Platform"
            yield Static(self._target_text(cluster), id="target", markup=False)
            yield self._field("Cluster URL", cluster, placeholder="rime.example.io", id="cluster")
            # One button, not a radio set: ctrl+t or Enter on it switches the method.
            yield FormButton(METHOD_NAMES[method], id="method")
            yield self._field(
                "Email", email, placeholder="you@example.com", id="email", classes="password-field"
            )
            yield self._field("Password", password=True, id="password", classes="password-field")
            yield self._field(
                "API token",
                token,
                password=True,
                placeholder="rime_…",
                id="api-token",
                classes="token-field",
            )
            yield RememberBox(
                "Remember this token (stored as a profile)",
                id="remember-token",
                classes="token-field",
            )
            with Horizontal(id="submit-row"):
                yield FormButton("Sign in", id="submit", primary=True)
                yield Static("", id="status", markup=False)
            yield Static(self.reauth_message or "", id="error", classes="error", markup=False)
        yield KeyBar()

    @staticmethod
    def _field(label: str, value: str = "", **options: Any) -> TextInput:
        field = TextInput(value, **options)
        field.border_title = label
        return field

    def _title(self) -> str:
        return f"{self.rime.title} — {self.rime.breadcrumb('Sign in')}"

    def _target_text(self, cluster: str) -> str:
        local = self.rime.local
        profile = self._profile_for(cluster)
        named = f" (profile {profile.name})" if profile else ""
        if local is not None and cluster.rstrip("/") == local.url:
            return f"Target: the local instance at {local.url}{named}"
        return f"Target: {one_line(cluster) or 'enter a cluster URL'}{named}"

    def _profile_for(self, cluster: str) -> Profile | None:
        """The profile the form was filled from, while the cluster is still its."""
        for profile in self.profiles:
            if profile.name == self.profile and same_cluster(profile.cluster_url, cluster):
                return profile
        return None

    # -- stored profiles --------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_profile":
            return bool(self.profiles)  # (hidden when there is none)
        return super().check_action(action, parameters)

    def action_next_profile(self) -> None:
        """Fill in the next stored profile's cluster and token (API-token sign-in)."""
        names = [p.name for p in self.profiles]
        at = names.index(self.profile) + 1 if self.profile in names else 0
        profile = self.profiles[at % len(self.profiles)]
        self.profile = profile.name
        self.query_one("#cluster", Input).value = profile.cluster_url
        self.query_one("#api-token", Input).value = profile.token
        self.query_one("#remember-token", FormCheck).value = False  # stored already
        self.method = "token"
        self._show_method()
        self._target_changed()
        self._focus_first_empty()

    def _target_changed(self) -> None:
        cluster = self.query_one("#cluster", Input).value.strip()
        self.query_one("#target", Static).update(self._target_text(cluster))

    def _store_token(self, url: str, token: str) -> None:
        """Keep the token signed in with as a profile (0600, see rime_tui.profiles)."""
        try:
            name = name_for(url, self.profile)
            path = save_profile(Profile(name, url, token))
        except ProfileError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.profile = name
        self.profiles = _stored_profiles()
        self.notify(f"The token is stored as profile {name!r} in {path}.", markup=False)

    @unless_quitting
    def on_mount(self) -> None:
        if self.local_start is not None and self.reauth_message is None:
            self._prefill_local()
            self.call_after_refresh(self.start_local)  # paint first, then start
        elif self.local_start is not None:
            self.local_start.skip()  # re-authenticating: it is running
            # (The session was on the local instance when its URL is exactly the
            # instance's: sign-in put that URL there, however it was typed.)
            if self.query_one("#cluster", Input).value.rstrip("/") == self.local_start.url:
                # The password in bootstrap.json may be new (serve --reset-admin-password
                # ends the admin's sessions): the form holds it, as at the first sign-in.
                self._prefill_local()
        if self.reauth_message:
            self._error_form = self._form()  # (what the form holds with the message)
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

    def _keep_local_password(self, form: SignInForm) -> None:
        """The local admin's password (filled in from bootstrap.json) goes to the local
        instance only: signing in anywhere else with it clears it and says so."""
        local = self.rime.local
        boot = local.bootstrap() if local else None
        secret = boot.get("admin_password") if boot else None
        if local is None or form.method != "password" or not secret or form.password != secret:
            return
        self.query_one("#password", Input).value = ""
        raise FormError(
            f"The password filled in is the local instance's, and goes to it only "
            f"({local.url}). Enter your password for {form.cluster.strip()}.",
            "password",
        )

    def _keep_profile_token(self, form: SignInForm, url: str) -> None:
        """A stored profile's token goes to its own cluster only, as the commands send
        it: signing in anywhere else with it (ctrl+o, then the URL edited) clears it and
        says so."""
        token = form.api_token.strip()
        if form.method != "token" or not token:
            return
        typed = form.cluster_url()
        theirs = [p for p in _stored_profiles() if p.token == token]
        if not theirs or any(
            same_cluster(p.cluster_url, there) for p in theirs for there in (url, typed)
        ):
            return
        self.query_one("#api-token", Input).value = ""
        raise FormError(
            f"That token is profile {theirs[0].name!r}'s, and goes to its cluster only "
            f"({theirs[0].cluster_url}). Paste your API token for {one_line(typed)}.",
            "api-token",
        )

    # -- the form ---------------------------------------------------------------------

    def _show_method(self) -> None:
        self.query_one("#method", FormButton).label = METHOD_NAMES[self.method]
        form = self.query_one("#signin-form")
        form.set_class(self.method == "token", "-token")
        form.set_class(self.method == "password", "-password")

    def _focus_first_empty(self) -> None:
        ids = (
            ["#cluster", "#api-token"]
            if self.method == "token"
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
        self.query_one("#submit", FormButton).focus()

    @on(FormButton.Pressed, "#method")
    def action_toggle_method(self) -> None:
        self.method = "password" if self.method == "token" else "token"
        self._form_changed()
        self._show_method()
        self._focus_first_empty()

    @on(Input.Changed)
    def _form_changed(self) -> None:
        """An error is about what the form held: it goes once the form changes."""
        if self._error_form is not None and self._form() != self._error_form:
            self.show_error("")

    def signed_out(self) -> None:
        """Back to this form after signing out: what it held at start again (the local
        admin's password, or the API token rime-tui was started with)."""
        self.show_error("")
        if self.local_start is not None:
            self._prefill_local()
        token = self.query_one("#api-token", Input)
        if not token.value:
            token.value = self.rime.initial_api_token
        self._focus_first_empty()

    @on(Input.Changed, "#cluster")
    def _cluster_changed(self) -> None:
        self._target_changed()

    @on(Input.Submitted)
    @on(FormButton.Pressed, "#submit")
    def action_submit(self) -> None:
        self.rime.hold_keys(self.sign_in)  # keys typed after Enter are for the next screen
        self.sign_in()

    def _set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    def show_error(self, message: str) -> None:
        self._error_form = self._form() if message else None
        self.query_one("#error", Static).update(message)

    def _busy(self, busy: bool, text: str = "") -> None:
        self.query_one("#submit", FormButton).disabled = busy
        self.query_one("#signin-form").set_class(busy, "busy")
        self._set_status(text)
        if not busy and self.focused is None:  # disabling the button took the focus
            self._focus_first_empty()

    def _form(self) -> SignInForm:
        return SignInForm(
            cluster=self.query_one("#cluster", Input).value,
            method=self.method,
            email=self.query_one("#email", Input).value,
            password=self.query_one("#password", Input).value,
            api_token=self.query_one("#api-token", Input).value,
        )

    @work(exclusive=True, group="signin", exit_on_error=False)
    async def sign_in(self) -> None:
        # None: cancelled by a newer sign-in, which holds the keys now.
        signed_in: bool | None = None
        try:
            signed_in = await self._sign_in()
        except Exception:
            signed_in = False
            raise
        finally:
            if signed_in is not None:
                failed = None if signed_in else "the sign-in did not go through"
                self.rime.release_keys(self.sign_in, failed=failed)

    async def _sign_in(self) -> bool:
        """Sign in with what the form holds; whether it went through."""
        self.show_error("")
        form = self._form()
        try:
            url = form.cluster_url()
            start = self.local_start
            local = start if start is not None and await start.is_for(url) else None
            if local is None:
                self._keep_local_password(form)
            self._keep_profile_token(form, url)
            if local is not None:
                url = local.url  # over the private line, however it was typed
            if local is not None and not local.done:  # Enter during start-up: wait for it
                self._set_status("Signing in when the local instance is ready…")
                await local.ready()  # (keys typed meanwhile still wait: see action_submit)
                form = self._form()  # filled in from bootstrap.json meanwhile
            if local is not None and local.error:  # the form cannot help: say why
                self.show_error(local.error)
                return False
            form.check_credentials()
        except FormError as problem:
            self.show_error(problem.message)
            if problem.field:
                self.query_one(f"#{problem.field}", Input).focus()
            else:
                self._focus_first_empty()
            return False
        # The form says it is busy only once the answer is slow (no flash when quick).
        busy = self.rime.progress.working(
            "Signing in…",
            "Keys you type wait for Workspaces",
            on_show=lambda: self._busy(True, "Signing in…"),
        )
        try:
            with busy:
                # Proved again just before a secret goes there: the instance may have
                # stopped since, and anyone could have bound its port.
                if local is not None and not await local.prove():
                    self.show_error(local.error or "")
                    return False
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
        if form.method == "token" and self.query_one("#remember-token", FormCheck).value:
            self._store_token(url, form.api_token.strip())
        # No secret stays in a field of the screen that stays under the others.
        self.query_one("#password", Input).value = ""
        self.query_one("#api-token", Input).value = ""
        self.rime.signed_in(session)
        return True


def _stored_profiles() -> list[Profile]:
    """The stored profiles by name; none when the file cannot be read (the commands say
    why; signing in needs none)."""
    try:
        return sorted(load_profiles().values(), key=lambda p: p.name)
    except ProfileError:
        return []
