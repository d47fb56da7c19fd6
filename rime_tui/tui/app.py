"""The Textual application: screens, the signed-in session, errors in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen

from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.text import one_line

if TYPE_CHECKING:
    from rime_tui.api import RimeClient
    from rime_tui.api.models import ApiTokenInfo, UserDetail, Workspace
    from rime_tui.local import LocalInstance


@dataclass
class Session:
    """Who is signed in, where, and how."""

    client: RimeClient
    user: UserDetail | None
    org_admin: bool
    method: str  # "password" or "token"
    token_suffix: str | None = None  # the suffix of the API token signed in with

    @property
    def host(self) -> str:
        return self.client.host

    inferred_user_id: str | None = None

    @property
    def user_id(self) -> str | None:
        return self.user.id.uuid if self.user else self.inferred_user_id

    def resolve_user_id(self, tokens: Iterable[ApiTokenInfo]) -> str | None:
        """Our user id; signed in with a token, it is that token's owner."""
        if self.user_id is None and self.token_suffix:
            for token in tokens:
                if token.suffix == self.token_suffix:
                    self.inferred_user_id = token.user_id
                    break
        return self.user_id

    def is_own_token(self, token: ApiTokenInfo) -> bool:
        """Whether *token* is the one this session signed in with."""
        return (
            self.method == "token"
            and token.suffix == self.token_suffix
            and (self.user_id is None or token.user_id == self.user_id)
        )


WATCHER_SWEEP_SECONDS = 5.0


class RimeApp(App[None]):
    """rime-tui: sign in → Workspaces → Overview → Settings → API Access Tokens."""

    CSS_PATH = "app.tcss"
    TITLE = "rime-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("question_mark", "help", "Help", key_display="?"),
    ]

    def __init__(
        self,
        *,
        cluster_url: str | None = None,
        email: str | None = None,
        api_token: str | None = None,
        local: LocalInstance | None = None,
        remember: bool = True,
        clock: Callable[[], datetime] | None = None,
        timeout: float | None = None,
    ) -> None:
        super().__init__()
        # Seconds every call may wait to connect or for an answer; None: the client's
        # defaults (5 s to connect, 15 s to read).
        self.client_timeout = timeout
        self.now: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.local = local
        self.initial_cluster_url = local.url if local else (cluster_url or "")
        self.initial_email = email or ""
        self.initial_api_token = api_token or ""
        self.remember = remember
        self.session: Session | None = None
        self.workspace: Workspace | None = None

    def get_default_screen(self) -> Screen[Any]:
        # The sign-in screen is the app's first screen: one screen set up before the
        # first paint instead of a blank default screen and then this one.
        return SignInScreen()

    def on_mount(self) -> None:
        self.set_interval(WATCHER_SWEEP_SECONDS, self.release_closed_watchers)

    def release_closed_watchers(self) -> int:
        """Drop watcher registrations held for widgets that were removed.

        Textual 8.2 prunes a reactive's watcher list only when that reactive
        changes, so watchers registered on long-lived nodes (the app's theme, each
        Footer's ``compact``) keep every removed FooterKey and TextArea alive: about
        0.8 MB per token dialog. This sweep lets them go. Returns how many it dropped.
        """
        dropped = 0
        nodes: list[DOMNode] = [self]
        for screen in self.screen_stack:
            nodes += screen.walk_children(with_self=True)
        for node in nodes:
            for watchers in getattr(node, "__watchers", {}).values():
                alive = [(owner, callback) for owner, callback in watchers if not owner._closing]
                dropped += len(watchers) - len(alive)
                watchers[:] = alive
        return dropped

    async def on_unmount(self) -> None:
        if self.session is not None:
            await self.session.client.aclose()
        if self.local is not None:
            self.local.stop()

    def new_client(self, cluster_url: str, *, api_token: str | None = None) -> RimeClient:
        """A client for *cluster_url* with this app's timeouts."""
        from rime_tui.api import RimeClient

        if self.client_timeout is None:
            return RimeClient(cluster_url, api_token=api_token)
        return RimeClient(cluster_url, api_token=api_token, timeout=self.client_timeout)

    # -- navigation ---------------------------------------------------------------

    def breadcrumb(self, *parts: str) -> str:
        where = [self.session.host] if self.session else []
        return " › ".join(one_line(part) for part in [*where, *parts])

    def signed_in(self, session: Session) -> None:
        from rime_tui.tui.screens.workspaces import WorkspacesScreen

        self.session = session
        self.workspace = None
        self.pop_to_sign_in()
        self.push_screen(WorkspacesScreen())

    def pop_to_sign_in(self) -> None:
        """Back to the first screen, the sign-in screen."""
        while len(self.screen_stack) > 1:
            self.pop_screen()

    async def session_expired(self, message: str) -> None:
        """A 401 mid-session: ask to sign in again on top of where the user was."""
        if isinstance(self.screen, SignInScreen):
            return
        self.push_screen(SignInScreen(reauth_message=message))

    def resume_after_reauth(self, session: Session) -> None:
        """Signed in again as the same user on the same cluster: carry on."""
        old = self.session
        self.session = session
        if old is not None and old.client is not session.client:
            self.run_worker(old.client.aclose(), exit_on_error=False)
        self.pop_screen()
        self.notify("Signed in again. Repeat your last action.", title="Session renewed")

    async def sign_out(self) -> None:
        session, self.session = self.session, None
        self.workspace = None
        if session is not None:
            if session.method == "password":
                try:
                    await session.client.logout()
                except Exception as exc:  # the session is dropped locally either way
                    self.log.warning(f"logout failed: {type(exc).__name__}")
            await session.client.aclose()
        self.pop_to_sign_in()
        self.notify("Signed out.")

    # -- actions -------------------------------------------------------------------

    def action_help(self) -> None:
        from rime_tui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_sign_out(self) -> None:
        await self.sign_out()

    def action_workspaces(self) -> None:
        from rime_tui.tui.screens.workspaces import WorkspacesScreen

        if self.session is None:
            self.notify("Sign in first.", severity="warning")
            return
        for index, screen in enumerate(self.screen_stack):
            if isinstance(screen, WorkspacesScreen):
                while len(self.screen_stack) > index + 1:
                    self.pop_screen()
                return

    def action_tokens(self) -> None:
        from rime_tui.tui.screens.tokens import TokensScreen

        if self.session is None or self.workspace is None:
            self.notify("Sign in and open a workspace first.", severity="warning")
            return
        if not isinstance(self.screen, TokensScreen):
            self.push_screen(TokensScreen(self.workspace))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield SystemCommand("Workspaces", "Go to the list of workspaces", self.action_workspaces)
        yield SystemCommand(
            "API Access Tokens",
            "Create and delete API access tokens in the open workspace",
            self.action_tokens,
        )
        yield SystemCommand("Sign out", "End this session", self.action_sign_out)
        yield SystemCommand("Help", "Show every key", self.action_help)
        yield SystemCommand("Quit", "Quit rime-tui", self.action_quit)


def run_tui(
    *,
    cluster: str | None,
    email: str | None,
    local: bool,
    data_dir: Path,
    port: int,
    api_token: str | None,
) -> int:
    """Entry point of ``rime-tui`` (no subcommand)."""
    from rime_tui.config import load_settings
    from rime_tui.local import LocalInstance

    settings = load_settings()
    cluster_url = None if local else (cluster or settings.cluster_url)
    instance = LocalInstance(data_dir, port) if not cluster_url else None
    app = RimeApp(
        cluster_url=cluster_url,
        email=email or (settings.email if not instance else None),
        api_token=api_token,
        local=instance,
    )
    try:
        app.run()
    finally:
        if instance is not None:
            instance.stop()
    return app.return_code or 0
