"""The bases the screens stand on.

BaseScreen        every screen: the app, keys that focus a field, the one error path
├── SignInScreen      before sign-in (signin.py)
├── RimeScreen        after sign-in: the session, the breadcrumb, Esc, load and refresh
│   ├── WorkspacesScreen
│   └── WorkspaceScreen   one workspace: Overview, Settings, API Access Tokens
└── Dialog            a modal over the others, with the dialog chrome
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from rime_tui.api.errors import AuthenticationError, ConnectionFailedError
from rime_tui.tui.errors import describe
from rime_tui.tui.widgets import KeyBar

if TYPE_CHECKING:
    from rime_tui.tui.app import RimeApp
    from rime_tui.tui.session import Session
    from rime_tui.wire.models import Workspace

R = TypeVar("R")
S = TypeVar("S", bound="BaseScreen[Any]")


def unless_quitting(on_mount: Callable[[S], None]) -> Callable[[S], None]:
    """A screen's on_mount that does nothing once the app is quitting: a screen pushed
    in the very call that quits (ctrl+q or a signal handled as a sign-in succeeds)
    mounts with nothing composed, and its queries failed (NoMatches, a traceback on
    the terminal at exit)."""

    @functools.wraps(on_mount)
    def guarded(self: S) -> None:
        if not self.rime.closing:
            on_mount(self)

    return guarded


REFRESH = Binding("r", "refresh", "Refresh")
# Esc on a page with its filter open closes the filter (RimeScreen.check_action).
CLOSE_FILTER = Binding("escape", "close_filter", "Close filter")

# A muted line of advice under a page's or a dialog's contents. (Not in app.tcss: the
# sign-in screen's first paint does without it. Textual scopes a DEFAULT_CSS rule to its
# class: this one is "RimeScreen .hint" in one, "Dialog .hint" in the other.)
HINT_CSS = """
.hint {
    color: $text-muted;
    height: auto;
    padding: 0 1;
}
"""


class BaseScreen(Screen[R]):
    """What every screen shares. Workers it starts report failures to :meth:`handle_error`."""

    # Actions bound to printable keys with priority (so that what is typed right after
    # them lands in the field they focus); while a field has focus they are off and
    # the key is just a character being typed.
    FIELD_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    _styled_theme: str | None = None  # the theme this screen was last shown in

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The breakpoint classes for the terminal's size, from the start: Textual sets
        # them on the first resize, and a class that changes then restyles every node
        # of the screen (a whole restyle before the first paint, or before a dialog).
        try:
            width, height = self.app.size
        except RuntimeError:  # no app running (NoActiveAppError): Textual sets them
            return
        app = self.app
        sides = [
            (width, self.HORIZONTAL_BREAKPOINTS, app.HORIZONTAL_BREAKPOINTS),
            (height, self.VERTICAL_BREAKPOINTS, app.VERTICAL_BREAKPOINTS),
        ]
        breakpoints = [
            (size, own if own is not None else default or []) for size, own, default in sides
        ]
        classes = {name: False for _, reached in breakpoints for _, name in reached}
        for dimension, reached in breakpoints:
            # As Textual chooses: the class of the largest breakpoint the size reaches.
            if fits := [(at, name) for at, name in reached if dimension >= at]:
                classes[max(fits)[1]] = True
        self.update_classes(classes, update=False)

    @property
    def rime(self) -> RimeApp:
        return cast("RimeApp", self.app)

    def post_message(self, message: Message) -> bool:
        if isinstance(message, events.Mount) and self._styled_theme is None:
            self._styled_theme = self.app.theme  # each node is styled as it is mounted
        elif isinstance(message, events.ScreenResume):
            # Textual restyles every node of a screen each time it comes to the top.
            # Mounted, each node got its styles (the first resume may come before or
            # after the mount); shown again (the reused token dialog), they are still
            # current unless the theme changed while it was off the stack.
            # (tests/tui/test_restyle.py checks.)
            theme, self._styled_theme = self._styled_theme, self.app.theme
            message.refresh_styles = theme is not None and theme != self.app.theme
        return super().post_message(message)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in self.FIELD_ACTIONS and isinstance(self.focused, Input))

    def ready(self) -> None:
        """This screen can take keys: those typed ahead while it opened now come in."""
        self.rime.release_keys(self)

    def on_screen_resume(self) -> None:
        self.ready()  # shown (again): an installed dialog is not mounted twice

    def on_screen_suspend(self) -> None:
        # On the stack a screen follows theme changes; off it (a hidden dialog) it keeps
        # the styles of the theme it left in (see post_message).
        self._styled_theme = self.app.theme

    def on_unmount(self) -> None:
        # Gone (perhaps before it was ready): keys it held go on to the next screen.
        self.rime.release_holds_of(self)

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        event.stop()
        self.handle_error(event.worker.error)

    def handle_error(self, error: BaseException) -> None:
        """Every failure of this screen's workers lands here: a 401 mid-session is the
        app's to handle (it asks to sign in again); the rest is shown in words."""
        message = describe(error)
        if isinstance(error, AuthenticationError) and self.rime.session_expired(self, message):
            return
        if isinstance(error, ConnectionFailedError) and self.rime.local_instance_gone():
            return
        self.show_error(message)

    def show_error(self, message: str) -> None:
        """Where this screen shows a failure; by default a notification."""
        self.rime.notify_error(message)


class RimeScreen(BaseScreen[None]):
    """A page of the flow after sign-in: it exists only with a session."""

    DEFAULT_CSS = (
        HINT_CSS
        + """
    /* The status line under a page's list. */
    .status {
        color: $text-muted;
        height: auto;
        padding: 1 1 0 1;
    }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [CLOSE_FILTER, Binding("escape", "back", "Back")]
    PAGE: ClassVar[str] = ""
    # Keys typed before the page's rows arrive wait for them (an End or an Enter acts on
    # a row: never on the rows of an empty list, or of the list before a refresh).
    KEYS_WAIT_FOR_ROWS: ClassVar[bool] = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("back", "close_filter"):  # one Esc at a time, and the bar says which
            return (action == "close_filter") == self.filter_open
        return super().check_action(action, parameters)

    @property
    def filter_open(self) -> bool:
        return any(field.display for field in self.query("#filter"))

    @property
    def session(self) -> Session:
        session = self.rime.session
        if session is None:  # screens after sign-in exist only with a session
            raise RuntimeError("not signed in")
        return session

    def crumbs(self) -> list[str]:
        return [self.PAGE]

    @unless_quitting
    def on_mount(self) -> None:
        # Textual calls the on_mount of every class in the MRO, subclass first: a page's
        # own on_mount must not call super().on_mount() (the page loaded twice, and on
        # Python 3.12+ the first load, started and cancelled, emptied the list under
        # keys typed ahead).
        self.sub_title = self.rime.breadcrumb(*self.crumbs())
        self.load()

    def load(self) -> None:
        """Fetch what the page shows, in a worker: on mount, and again on refresh (r).
        The page's keys work meanwhile; the key bar says it is loading. With
        KEYS_WAIT_FOR_ROWS, keys typed meanwhile wait for the rows."""
        if self.rime.session is None:  # shown again on the way out of a sign-out
            return
        if self.KEYS_WAIT_FOR_ROWS:  # (but Esc alone: leaving never waits for rows)
            self.rime.hold_keys(self.fetch, lets_through={"escape"})
        self._load()

    @work(exclusive=True, group="load", exit_on_error=False)
    async def _load(self) -> None:
        try:
            with self.rime.progress.working(f"Loading {self.PAGE or 'the page'}…"):
                await self.fetch()
        except asyncio.CancelledError:
            raise  # a newer load ends the wait (or the page closed: it held nothing then)
        except Exception:
            if self.KEYS_WAIT_FOR_ROWS:
                self.rime.release_keys(self.fetch, failed="the list did not load")
            raise
        self.rime.release_keys(self.fetch)

    async def fetch(self) -> None:
        """What :meth:`load` fetches and shows; by default nothing."""

    def action_refresh(self) -> None:
        self.load()

    def action_filter(self) -> None:
        """Show the page's ``#filter`` field and focus it at once: bound to `/` with
        priority, so that what is typed right after `/` in the same burst lands in it."""
        field = self.query_one("#filter", Input)
        field.display = True
        self.set_focus(field)

    def action_close_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.value = ""
        field.display = False
        self.set_focus(self.query("DataTable").first())  # (by name: DataTable's module
        # is not loaded before the first paint)
        self.refresh_bindings()  # Esc goes back again (focus may not have moved)

    def action_back(self) -> None:
        self.rime.back()


class WorkspaceScreen(RimeScreen):
    """A page of one workspace."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace

    def crumbs(self) -> list[str]:
        return [self.workspace.name, self.PAGE]


class Dialog(ModalScreen[R], BaseScreen[R]):
    """A modal: a framed box in the middle of the dimmed screen, and the keys below.

    Subclasses give :attr:`heading` and compose the box's contents in :meth:`body`.
    (ModalScreen comes first: Textual takes a class's CSS type names from its first base.
    Textual's CSS for ModalScreen dims the page behind.)
    """

    DEFAULT_CSS = (
        HINT_CSS
        + """
    Dialog {
        align: center middle;

        & > .dialog {
            width: 78;
            max-width: 100%;
            height: auto;
            max-height: 100%;
            border: thick $primary;
            background: $panel;
            padding: 0 1;
        }
        .dialog-title {
            text-style: bold;
            color: $accent;
            width: 100%;
            content-align: center middle;
        }
        .buttons {
            height: auto;
            margin-top: 1;
        }
        .buttons Button {
            margin-right: 1;
        }
    }
    """
    )

    # Textual passes a dialog's keys to none of the app's but priority ones: `?` opens
    # the help over a dialog too (a text field in it takes `?` as a character).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "app.help", "Help", key_display="?")
    ]
    FRAME: ClassVar[str] = ""  # the id of the box
    heading = ""  # the box's title

    def compose(self) -> ComposeResult:
        with Vertical(id=self.FRAME or None, classes="dialog"):
            yield Static(self.heading, classes="dialog-title", markup=False)
            yield from self.body()
        yield KeyBar()  # the keys, under the box

    def body(self) -> ComposeResult:
        """The box's contents, under the title."""
        yield from ()

    def before_closing(self, then: Callable[[], object]) -> None:
        """Call *then* once closing this dialog (or quitting over it) is fine; a dialog
        holding something that closing would lose asks first."""
        then()

    def unkept(self) -> str | None:
        """What closing this dialog now would lose, in words (None: nothing)."""
        return None
