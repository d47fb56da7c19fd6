"""The Textual application: the session, navigation and type-ahead in one place.

Screens never push or pop each other: they ask the app ("open workspace W", "open
the tokens", "back", "sign out") and the app decides which screen comes next. Every
change of screen goes through :meth:`RimeApp._push` and :meth:`RimeApp._pop_to`.

Type-ahead: every key is handled once, in order, by the screen it was typed for.
Keys go through one at a time: the next only once everything the last one set off
has been handled. While a screen is switching, an action is on its way to the next
screen, or a list's rows are on their way (:meth:`RimeApp.hold_keys`), keys wait, and
are then delivered to the screen that comes next, however slow the cluster: a hold
has no time limit. Each hold ends: when what it waits for comes; when it fails (the
keys waiting are dropped, with a notice); when the screen that set it closes. Every
request behind one is bounded by the client's timeouts. A screen's holds hold keys
only while it is on top (a dialog over a loading page takes its keys). Esc is a key
like the others (typed right behind Enter, it is for the dialog Enter opens), but
for a page whose rows are slow, when no key waits before it: it leaves the page.
ctrl+q never waits: it drops the keys waiting and quits at once (a token dialog
still asks first).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen, ScreenResultCallbackType
from textual.widget import Widget
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from rime_tui.tui import compat, screens
from rime_tui.tui.delivery import Delivery
from rime_tui.tui.errors import describe
from rime_tui.tui.output import TerminalMirror
from rime_tui.tui.progress import Progress
from rime_tui.tui.screens.base import RimeScreen, WorkspaceScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.text import one_line
from rime_tui.words import plural

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.theme import Theme

    from rime_tui.api import RimeClient
    from rime_tui.local import LocalInstance
    from rime_tui.tui.screens.base import Dialog
    from rime_tui.tui.session import Session
    from rime_tui.wire.models import Workspace

T = TypeVar("T")


def settle() -> None:
    """A kind of page is painted for the first time: collect the young garbage, then
    freeze what is left (mostly what lives as long as the app: the page's module, its
    styles and caches), so that no gen-2 collection has to scan it again and pause the
    UI. Once per kind of page: what is frozen is never freed, so at most one page of
    each kind is kept that way, however long the session."""
    gc.collect(1)
    gc.freeze()


WATCHER_SWEEP_SECONDS = 5.0
EXPIRING_DAYS = 14  # after sign-in, one notice names your tokens expiring this soon
NOTICE_AT_MOST = 10.0  # seconds the notice waits for a page to list the instance
SIGNING_OUT = "signing out"  # what keys wait for while the session ends
NEVER_WAITS = frozenset({"ctrl+q"})  # keys handled at once, whatever keys wait for
FRAME_SWITCH_INTERVAL = 0.0005  # seconds: see run_tui


class RimeApp(App[None]):
    """rime-tui: sign in → Workspaces → Overview → Settings → API Access Tokens."""

    CSS_PATH = "app.tcss"
    TITLE = "rime-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("ctrl+l", "redraw", "Redraw", show=False),
    ]

    def __init__(
        self,
        *,
        cluster_url: str | None = None,
        email: str | None = None,
        api_token: str | None = None,
        profile: str | None = None,
        local: LocalInstance | None = None,
        remember: bool = True,
        clock: Callable[[], datetime] | None = None,
        timeout: float | None = None,
        theme: str | None = None,
    ) -> None:
        compat.check_textual()  # fails loudly, before anything is drawn
        # No garbage collection until the first paint: start-up creates many objects
        # and frees few, and collections in between only delay the first screen.
        gc.disable()
        super().__init__()
        # What the terminal shows: each frame writes only the cells that changed.
        self.mirror = TerminalMirror()
        compat.write_only_changes(self, self.mirror)
        if theme and theme in self.available_themes:  # the one chosen last time
            self.theme = theme
        # Seconds every call may wait to connect or for an answer; None: the client's
        # defaults (5 s to connect, 15 s to read).
        self.client_timeout = timeout
        self.now: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.local = local
        self.initial_cluster_url = local.url if local else (cluster_url or "")
        self.initial_email = email or ""
        self.initial_api_token = api_token or ""
        self.initial_profile = profile  # the stored profile whose token api_token is
        self.remember = remember
        self.session: Session | None = None
        self.progress = Progress(self)  # what the user waits for, in the key bar
        self.delivery = Delivery(self)  # new tokens' secrets on their way to the dialog
        self.settled: set[type[Screen[Any]]] = set()  # kinds of page frozen (settle())
        self.asking_restart = False  # whether the local instance's restart is being offered
        # Type-ahead: keys typed and not yet let through, in order; what they wait for.
        self._typed: deque[events.Key] = deque()
        self._holds: dict[object, Hold] = {}  # what keys wait for -> until when, and which pass
        self._unsettled = False  # the last key let through may still be setting things off
        self._typing_into: Widget | None = None  # the field the last key was typed into
        self._letting_through: events.Key | None = None
        self._keys_moved = asyncio.Event()
        self._key_task: asyncio.Task[None] | None = None
        self.hung_up = False  # the terminal is gone (SIGHUP)
        self.closing = False  # exit() was called: the app is on its way out
        self.stopped_by: signal.Signals | None = None  # SIGTERM or SIGINT ended the app
        self.lost: list[str] = []  # what the dialogs open then held, unkept (said at exit)
        self._signals_before: dict[int, Any] = {}  # the handlers _watch_signals replaced

    def get_default_screen(self) -> Screen[Any]:
        # The sign-in screen is the app's first screen: one screen set up before the
        # first paint instead of a blank default screen and then this one.
        return SignInScreen()

    def on_mount(self) -> None:
        if self.remember:
            self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.set_interval(WATCHER_SWEEP_SECONDS, self.release_closed_watchers)
        self._key_task = asyncio.create_task(self._deliver_typed_keys())
        self._watch_signals()

    def _remember_theme(self, theme: Theme) -> None:
        """A theme chosen in the palette is the theme of the next run (config.toml)."""
        from rime_tui.config import load_settings, save_settings

        settings = load_settings()
        if settings.theme != theme.name:
            settings.theme = theme.name
            try:
                save_settings(settings)
            except OSError as exc:
                self.notify(f"The theme could not be remembered: {exc.strerror or exc}")

    def _watch_signals(self) -> None:
        """SIGTERM (``kill``, ``timeout``, systemd, a container's stop) and SIGINT sent to
        the process end the app as ctrl+q does: the terminal restored, the local
        instance stopped when this was the last TUI on it. A dialog that would ask
        first (a token not copied or saved) does not hold the exit up: a signal cannot
        answer; what it loses is named once the terminal is back (run_tui).

        The SSH link dropped or the terminal closed (SIGHUP): quit as well.

        The kernel sends SIGCONT right behind SIGHUP. On it Textual's driver starts
        drawing again: a second writer thread, which dies on the closed terminal, and
        whose full queue then holds the exit up for ever (the TUI stayed behind, 5 times
        in 6). After a hang-up, SIGCONT is ignored."""
        loop = asyncio.get_running_loop()
        resume = signal.getsignal(signal.SIGCONT)

        def hung_up(signum: int, frame: FrameType | None) -> None:
            self.hung_up = True
            loop.call_soon_threadsafe(self.exit)

        def continued(signum: int, frame: FrameType | None) -> None:
            if not self.hung_up and callable(resume):
                resume(signum, frame)
                # Stopped and continued (kill -STOP/-CONT too): the terminal may show
                # anything now, so the next frame writes every cell.
                loop.call_soon_threadsafe(self.action_redraw)

        def stopped(signum: int, frame: FrameType | None) -> None:
            loop.call_soon_threadsafe(self._stop, signal.Signals(signum))

        handlers = [
            (signal.SIGHUP, hung_up),
            (signal.SIGCONT, continued),
            (signal.SIGTERM, stopped),
            (signal.SIGINT, stopped),
        ]
        with contextlib.suppress(ValueError):  # not the main thread: no signals here
            for sig, handler in handlers:
                self._signals_before[sig] = signal.signal(sig, handler)

    def _stop(self, by: signal.Signals) -> None:
        """Exit at once (no dialog asks), noting what open dialogs held unkept."""
        from rime_tui.tui.screens.base import Dialog

        if self.stopped_by is None:
            self.stopped_by = by
            self.lost = [
                lost
                for screen in self.screen_stack
                if isinstance(screen, Dialog) and (lost := screen.unkept()) is not None
            ]
        self.exit(return_code=128 + by)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers (the expiry notice, a restart of the local instance,
        sign-out) fail in words too: screens handle their workers' failures themselves."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.notify_error(describe(event.worker.error))

    def exit(
        self,
        result: None = None,
        return_code: int = 0,
        message: RenderableType | None = None,
    ) -> None:
        """Quit; from now on no new screen opens (see :attr:`closing`)."""
        self.closing = True
        super().exit(result, return_code, message)

    def notify_error(self, message: str) -> None:
        """A failure, in words, where no screen has a place for it."""
        self.notify(message, title="Error", severity="error", timeout=8, markup=False)

    def notify_warning(self, message: str) -> None:
        """A warning, in words (plain text: no markup)."""
        self.notify(message, severity="warning", markup=False)

    def on_ready(self) -> None:
        """Painted: what start-up made lives as long as the app, so later collections
        need not scan it again (gen-2 pauses); then collect as usual."""
        gc.freeze()
        gc.enable()

    def dom_nodes(self) -> list[DOMNode]:
        """The app and every node of every screen on the stack."""
        nodes: list[DOMNode] = [self]
        for screen in self.screen_stack:
            nodes += screen.walk_children(with_self=True)
        return nodes

    def release_closed_watchers(self) -> int:
        """Let go of removed widgets that Textual's watchers keep (see compat.py)."""
        return compat.release_closed_watchers(self.dom_nodes())

    async def on_unmount(self) -> None:
        gc.enable()  # never left off, even by an app that did not paint
        await self.delivery.interrupt()  # before the client it uses is closed
        if not self.hung_up:  # (after a hang-up, SIGCONT stays ignored to the end)
            for sig, handler in self._signals_before.items():
                signal.signal(sig, handler)
        if self._key_task is not None:
            self._key_task.cancel()
        if self.session is not None:
            await self.session.client.aclose()
        if self.local is not None:
            self.local.stop()

    def new_client(self, cluster_url: str, *, api_token: str | None = None) -> RimeClient:
        """A client for *cluster_url* with this app's timeouts; for the local instance's
        URL, one that reaches it over its private line (the data dir's socket) only."""
        from rime_tui.api import RimeClient

        local = self.local
        transport = local.transport() if local and cluster_url == local.url else None
        if self.client_timeout is None:
            return RimeClient(cluster_url, api_token=api_token, transport=transport)
        return RimeClient(
            cluster_url, api_token=api_token, timeout=self.client_timeout, transport=transport
        )

    @property
    def workspace(self) -> Workspace | None:
        """The open workspace: the one of the topmost workspace page on the stack (None
        once the user has gone back past it)."""
        for screen in reversed(self.screen_stack):
            if isinstance(screen, WorkspaceScreen):
                return screen.workspace
        return None

    def breadcrumb(self, *parts: str) -> str:
        where = [self.session.host] if self.session else []
        return " › ".join(one_line(part) for part in [*where, *parts])

    # -- type-ahead: every key once, in order, by the screen it was typed for --------

    def hold_keys(
        self, reason: object, at_most: float | None = None, *, lets_through: Iterable[str] = ()
    ) -> None:
        """Keys wait from now until :meth:`release_keys` with the same *reason*: a screen
        is switching, an action leads to the next one, or rows are on their way. No time
        limit unless *at_most* seconds are given. A hold whose *reason* is a screen or
        one of its methods holds keys only while that screen is on top, and ends when it
        closes (:meth:`release_holds_of`). Keys named in *lets_through* (Esc, to leave a
        page whose rows are slow) pass it when no key waits before them."""
        limit = math.inf if at_most is None else at_most
        until = asyncio.get_running_loop().time() + limit
        self._holds[reason] = Hold(until, frozenset(lets_through))

    def release_keys(self, reason: object, *, failed: str | None = None) -> None:
        """The hold for *reason* is over. With *failed* (why, in words), what the keys
        were typed for did not come: the keys waiting their turn are dropped, with a
        notice, instead of landing on the screen that shows the failure (a password
        field, a page the user meant to leave)."""
        if failed is not None and self._typed:
            dropped = len(self._typed)
            self._typed.clear()
            self.notify(
                f"{plural(dropped, 'key')} typed ahead ignored: {failed}.",
                title="Typed ahead",
                severity="warning",
                markup=False,
            )
        self._holds.pop(reason, None)
        self._keys_moved.set()

    def release_holds_of(self, screen: Screen[Any]) -> None:
        """*screen* closes: what it held keys for (itself, its actions, its rows) will
        not come through it; the keys go on to the screen that comes next."""
        for reason in [r for r in self._holds if _screen_of(r) is screen]:
            self.release_keys(reason)

    def _drop_typed_ahead(self) -> None:
        """ctrl+q: the keys typed ahead and what they wait for are given up."""
        self._typed.clear()
        self._holds.clear()
        self._keys_moved.set()

    def _held_for(self, key: events.Key | None) -> float:
        """How long *key* (the next key to go) must still wait for the holds (0: it need
        not); the holds of a screen count only while it is on top."""
        now = asyncio.get_running_loop().time()
        top = self.screen_stack[-1] if self.screen_stack else None
        return max(
            (
                hold.until - now
                for reason, hold in self._holds.items()
                if _screen_of(reason) in (None, top)
                and (key is None or key.key not in hold.lets_through)
            ),
            default=0.0,
        )

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)
            return
        if event.key == "ctrl+j":
            # An Enter typed before the terminal was made raw (before the first paint):
            # the tty turned its CR into LF, which reads as ctrl+j. It is an Enter.
            event = events.Key("enter", "\r")
        if not self.screen_stack:  # quitting: no screen is left to take a key
            return
        if event is self._letting_through:
            self._letting_through = None
        elif event.key in NEVER_WAITS:
            self._drop_typed_ahead()
        elif self._must_wait(event):
            self._typed.append(event)  # its turn comes (_deliver_typed_keys)
            self._keys_moved.set()
            return
        typing = self.focused if event.is_printable and isinstance(self.focused, Input) else None
        await super().on_event(event)
        # What a priority binding does happens right here (a switch of screen holds
        # the keys); otherwise the key was passed on, and what it sets off comes later.
        self._unsettled = event.is_forwarded
        self._typing_into = typing if event.is_forwarded else None
        self._keys_moved.set()

    def _must_wait(self, key: events.Key) -> bool:
        """Whether *key* must wait its turn: keys before it wait, a hold is on, or the
        last key may still be setting things off (unless both are text for one field)."""
        if self._typed or self._held_for(key) > 0:
            return True
        if not self._unsettled:
            return False
        if key.is_printable and self._typing_into is not None:
            return self.focused is not self._typing_into
        return bool(self._busy_nodes())

    def _busy_nodes(self) -> list[DOMNode]:
        """The app and screen nodes with messages still to handle."""
        return [node for node in self.dom_nodes() if node.message_queue_size]

    async def _deliver_typed_keys(self) -> None:
        """Let typed keys through one at a time, each once the last has settled."""
        try:
            while True:
                await self._keys_moved.wait()
                self._keys_moved.clear()
                while self._unsettled or self._typed:
                    await self._settled()
                    self._unsettled = False
                    if self._typed:
                        self._letting_through = self._typed.popleft()
                        self._unsettled = True
                        self.post_message(self._letting_through)
        except Exception:  # a bug here would leave every key waiting: stop loudly
            from rich.traceback import Traceback

            self.panic(Traceback())

    async def _settled(self) -> None:
        """Until nothing holds keys and every message that was queued has been handled."""
        while True:
            if (wait := self._held_for(self._typed[0] if self._typed else None)) > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._keys_moved.wait(), _finite(wait))
                self._keys_moved.clear()
                continue
            busy = self._busy_nodes()
            if not busy or not await _handled(busy):
                return

    # -- navigation: which screen comes next is decided here, and only here ---------

    def _push(self, screen: Screen[T], callback: ScreenResultCallbackType[T] | None = None) -> None:
        self.hold_keys(screen)  # until the screen says it is ready (BaseScreen.ready)
        self.push_screen(screen, callback)
        kind = type(screen)
        if not isinstance(screen, ModalScreen) and kind not in self.settled:
            self.settled.add(kind)
            self.call_after_refresh(settle)

    def _pop_to(self, depth: int) -> None:
        """Pop screens until *depth* are left (1: the sign-in screen)."""
        while len(self.screen_stack) > max(depth, 1):
            self.pop_screen()

    def signed_in(self, session: Session) -> None:
        """A sign-in succeeded. Signed in again as the same user on the same cluster
        (after a 401 mid-session): carry on where the user was; otherwise start at
        Workspaces."""
        previous, self.session = self.session, session
        if previous is not None and previous.client is not session.client:
            previous.stop_listing()
            self.run_worker(previous.client.aclose(), exit_on_error=False)
        reauth = self._index_of(SignInScreen, start=1)  # over the page the user was on
        if reauth is not None and previous is not None and previous.same_user(session):
            self._pop_to(reauth)
            self.notify("Signed in again. Repeat your last action.", title="Session renewed")
            return
        self._pop_to(1)
        self._push(screens.WorkspacesScreen())
        # Off the sign-in's critical path: once Workspaces shows.
        self.call_after_refresh(self._notice_expiring_soon, session)

    def _notice_expiring_soon(self, session: Session) -> None:
        # (The coroutine is made here, not when the refresh is asked for: an app that
        # closed first left it never awaited, a RuntimeWarning printed at exit.)
        self.run_worker(self.notice_expiring(session), group="expiring", exit_on_error=False)

    async def notice_expiring(self, session: Session) -> None:
        """One notice naming your tokens that expire within EXPIRING_DAYS days, from the
        session's instance listing: once a page lists it (sharing that page's round trip),
        or after NOTICE_AT_MOST seconds."""
        rows = list(await session.listing.when_wanted(NOTICE_AT_MOST))
        me = session.resolve_user_id(r.token for r in rows)
        now = self.now()
        soon = [
            r
            for r in rows
            if r.token.user_id == me and r.expires_within(now, now + timedelta(EXPIRING_DAYS))
        ]
        if soon:
            names = ", ".join(
                f"“{one_line(r.token.name)}” ({one_line(r.workspace.name)})" for r in soon
            )
            self.notify(
                f"{names} expire{'s' if len(soon) == 1 else ''} within {EXPIRING_DAYS} days.",
                title=f"Your API token{'s' if len(soon) > 1 else ''} expiring soon",
                severity="warning",
                timeout=15,
                markup=False,
            )

    def session_expired(self, screen: Screen[Any], message: str) -> bool:
        """A 401 on *screen*: mid-session, ask to sign in again on top of where the user
        was. False when it is no session's expiry but a sign-in's refusal."""
        if self.session is None or isinstance(screen, SignInScreen):
            return False
        if not isinstance(self.screen, SignInScreen):
            self._push(SignInScreen(reauth_message=message))
        return True

    def local_instance_gone(self) -> bool:
        """A call could not reach the cluster. When the session is on the local instance,
        it has stopped (the TUI that ran it quit, or it was killed): say so and offer to
        start it again. False when the session is on another cluster."""
        local, session = self.local, self.session
        if local is None or session is None or session.client.cluster_url != local.url:
            return False
        if not self.asking_restart:  # asked once, not once per failed call
            self.asking_restart = True

            def decided(yes: bool | None) -> None:
                self.asking_restart = False
                if yes:
                    self.run_worker(self._restart_local(), exit_on_error=False)

            self.open_dialog(
                screens.ConfirmScreen(
                    "The local instance stopped",
                    f"The local instance at {local.url} is not running any more. Start it again?",
                    confirm="Start it",
                ),
                decided,
            )
        return True

    async def _restart_local(self) -> None:
        assert self.local is not None
        from rime_tui.local import LocalInstanceError

        try:
            await self.local.ensure_running()
        except LocalInstanceError as exc:
            self.notify_error(str(exc))
            return
        self.notify("The local instance is running again.")
        if isinstance(self.screen, RimeScreen):
            self.screen.load()

    async def sign_out(self) -> None:
        """End the session; a new token's secret on its way is shown first, and its
        dialog asks before it goes (as on quitting)."""
        if self.delivery.pending:
            with self.progress.working("Signing out once the new token is shown…"):
                await self.delivery.settled()
        if any(isinstance(s, screens.TokenCreatedScreen) for s in self.screen_stack):
            self.release_keys(SIGNING_OUT)  # the keys are for the dialog, which may ask

            def end() -> None:
                self.hold_keys(SIGNING_OUT)
                self.run_worker(self._end_session(), exit_on_error=False)

            self.when_dialogs_agree(end)
            return
        await self._end_session()

    async def _end_session(self) -> None:
        self.hold_keys(SIGNING_OUT)  # keys typed meanwhile go to the sign-in screen
        try:
            session, self.session = self.session, None
            if session is None:
                self.notify("You are not signed in.")
                return
            if session.method == "password":
                try:
                    await session.client.logout()
                except Exception as exc:  # the session is dropped locally either way
                    self.log.warning(f"logout failed: {type(exc).__name__}")
            session.stop_listing()
            await session.client.aclose()
            self._pop_to(1)
            first = self.screen_stack[0]
            if isinstance(first, SignInScreen):
                first.signed_out()
            self.notify("Signed out.")
        finally:
            self.release_keys(SIGNING_OUT)

    def back(self) -> None:
        """Esc on a page: the page before; from the first page after sign-in, sign out
        once the user says yes."""
        if len(self.screen_stack) > 2:
            self._pop_to(len(self.screen_stack) - 1)
            return
        host = self.session.host if self.session else "the cluster"

        def decided(yes: bool | None) -> None:
            if yes:
                self.hold_keys(SIGNING_OUT)
                self.run_worker(self.sign_out(), exit_on_error=False)

        self.open_dialog(
            screens.ConfirmScreen("Sign out?", f"Sign out of {host}?", confirm="Sign out"),
            decided,
        )

    def open_workspace(self, workspace: Workspace) -> None:
        self._push(screens.OverviewScreen(workspace))

    def open_settings(self) -> None:
        if self.workspace is not None:
            self._push(screens.SettingsScreen(self.workspace))

    def open_tokens(self) -> None:
        """API Access Tokens of the open workspace (from Settings, or ctrl+p anywhere)."""
        if self.session is None or self.workspace is None:
            self.notify("Sign in and open a workspace first.", severity="warning")
            return
        if not isinstance(self.screen, screens.TokensScreen):
            self._push(screens.TokensScreen(self.workspace))

    def open_workspaces(self) -> None:
        """Back to the list of workspaces, from anywhere in the session."""
        if self.session is None:
            self.notify("Sign in first.", severity="warning")
            return
        index = self._index_of(screens.WorkspacesScreen)
        if index is not None:
            self._pop_to(index + 1)

    def open_dialog(
        self, dialog: Dialog[T], callback: ScreenResultCallbackType[T] | None = None
    ) -> None:
        """A modal over the current screen; *callback* gets its answer."""
        self._push(dialog, callback)

    def open_help(self) -> None:
        if not isinstance(self.screen, screens.HelpScreen):
            self._push(screens.HelpScreen(at=type(self.screen)))

    def _index_of(self, kind: type[Screen[Any]], start: int = 0) -> int | None:
        """Where the topmost screen of *kind* is on the stack, looking from *start* up."""
        for index in range(len(self.screen_stack) - 1, start - 1, -1):
            if isinstance(self.screen_stack[index], kind):
                return index
        return None

    def action_help(self) -> None:
        self.open_help()

    def action_redraw(self) -> None:
        """ctrl+l (and SIGCONT, see _watch_signals): the terminal may show anything
        (another program wrote to it), so the next frame writes every cell."""
        self.mirror.forget()
        self.screen.refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Not over a dialog: the palette's commands leave the page under it, and a token
        # dialog must ask before it goes (ctrl+q asks; see action_quit).
        if action == "command_palette" and isinstance(self.screen, ModalScreen):
            return False
        return super().check_action(action, parameters)

    async def action_quit(self) -> None:
        """ctrl+q: quit, once every open dialog agrees (one may ask first); a new
        token's secret on its way is shown first."""
        if self.delivery.pending:
            self.run_worker(self._quit_once_delivered(), group="quit", exclusive=True)
            return
        self.when_dialogs_agree(self.exit)

    async def _quit_once_delivered(self) -> None:
        with self.progress.working("Quitting once the new token is shown…"):
            await self.delivery.settled()
        self.when_dialogs_agree(self.exit)

    def when_dialogs_agree(self, then: Callable[[], object]) -> None:
        """Call *then* once every open dialog agrees to close (one may ask first)."""
        from rime_tui.tui.screens.base import Dialog

        for dialog in [s for s in self.screen_stack if isinstance(s, Dialog)]:
            then = partial(dialog.before_closing, then)
        then()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        # Textual's own (Theme, Keys, Screenshot, Maximize, ...) beside ours; its Quit is
        # ours below, which lets an open token dialog ask first. None of them reaches a
        # secret: the palette never opens over a dialog (check_action).
        for command in super().get_system_commands(screen):
            if command.title != "Quit":
                yield command
        yield SystemCommand("Workspaces", "Go to the list of workspaces", self.open_workspaces)
        yield SystemCommand(
            "API Access Tokens",
            "Create and delete API access tokens in the open workspace",
            self.open_tokens,
        )
        yield SystemCommand("Sign out", "End this session", self.sign_out)
        yield SystemCommand("Help", "Show every key", self.open_help)
        yield SystemCommand("Quit", "Quit rime-tui", self.action_quit)


def choose_target(
    cluster: str | None, *, remembered: str | None, local: bool, data_dir: Path, port: int
) -> tuple[str | None, LocalInstance | None]:
    """Where the TUI signs in (``rime-tui [--cluster URL] [--local]``): a cluster URL
    (*cluster*, else the one *remembered* from the last run), or the data dir's local
    instance: with *local*, with no cluster, or when the cluster URL reaches that
    instance's port on this machine, however spelled (then over its private line,
    never that TCP port)."""
    from rime_tui.address import cluster_url  # (not the client's: no httpx before paint)
    from rime_tui.local import LocalInstance

    cluster = None if local else (cluster or remembered)
    if not cluster:
        return None, LocalInstance(data_dir, port)
    try:
        url = cluster_url(cluster)
    except ValueError:
        return cluster, None  # the sign-in screen says what is wrong with it
    instance = LocalInstance.at(url, data_dir, port)
    return (None, instance) if instance is not None else (cluster, None)


def run_tui(
    *,
    cluster: str | None,
    email: str | None,
    local: bool,
    data_dir: Path,
    port: int,
    api_token: str | None,
    profile: str | None = None,
) -> int:
    """Entry point of ``rime-tui`` (no subcommand); *profile*: ``--profile`` or
    ``RIME_PROFILE`` (see :func:`rime_tui.profiles.choose_for_tui`)."""
    from rime_tui.config import load_settings
    from rime_tui.profiles import ProfileError, Target, UnknownProfileError, choose_for_tui

    settings = load_settings()
    remembered = settings.cluster_url
    chosen = Target(cluster, api_token, None, token_from_profile=False)
    if not local:
        try:
            chosen = choose_for_tui(cluster, remembered, api_token, profile)
        except ProfileError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 5 if isinstance(exc, UnknownProfileError) else 1
        cluster, remembered = chosen.cluster, None
    cluster_url, instance = choose_target(
        cluster, remembered=remembered, local=local, data_dir=data_dir, port=port
    )
    app = RimeApp(
        cluster_url=cluster_url,
        email=email or (settings.email if not instance else None),
        api_token=chosen.token,
        profile=chosen.profile if chosen.token_from_profile else None,
        local=instance,
        theme=settings.theme,
    )
    # Textual paints on this thread and writes each frame to the terminal from another.
    # With Python's default switch interval (5 ms) a finished frame waits up to 5 ms for
    # the GIL whenever this thread has more work queued (the first screen, the token
    # dialog); with 0.5 ms it goes out at once. (Textual's input thread, and threads
    # for the clipboard, mostly wait; they seldom want the GIL.)
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(FRAME_SWITCH_INTERVAL)
    try:
        app.run()
    finally:
        sys.setswitchinterval(switch_interval)
        if instance is not None:
            instance.stop()
        for name, secret, cluster_url, what in app.delivery.undelivered:  # terminal is back
            print(
                f"The app closed as a token was being made ({cluster_url}): {what}."
                f" The secret of {name!r}, shown only now, once:\n{secret}",
                file=sys.stderr,
            )
    if app.stopped_by is not None:
        _say_what_was_lost(app.stopped_by, app.lost)
    return app.return_code or 0


class Hold(NamedTuple):
    """Keys wait until *until* (loop time; inf: until released); *lets_through* pass."""

    until: float
    lets_through: frozenset[str]


def _screen_of(reason: object) -> Screen[Any] | None:
    """The screen a hold is for: *reason* itself, or the screen whose method it is."""
    for candidate in (reason, getattr(reason, "__self__", None)):
        if isinstance(candidate, Screen):
            return candidate
    return None


def _finite(seconds: float) -> float | None:
    """A timeout for asyncio: None for no limit."""
    return None if math.isinf(seconds) else seconds


def _say_what_was_lost(by: signal.Signals, lost: list[str]) -> None:
    """On the restored terminal (stderr, where the app was drawn), after a signal ended
    the app: what the open dialogs held that nobody kept (a token's secret, said to be
    one: the token cannot be used without it)."""
    for what in lost:
        print(f"rime-tui: stopped by {by.name} while {what}", file=sys.stderr)


async def _handled(nodes: Iterable[DOMNode]) -> bool:
    """Wait until each of *nodes* has handled what it has queued; False if none could
    (all are closing)."""
    done = asyncio.Event()
    pending: int  # how many have not: *posted*, from before the first can have

    def one_done() -> None:
        nonlocal pending
        pending -= 1
        if not pending:
            done.set()

    posted = sum(1 for node in nodes if node.call_later(one_done))
    pending = posted  # (no callback runs before the wait below)
    if posted:
        await done.wait()
    return posted > 0
