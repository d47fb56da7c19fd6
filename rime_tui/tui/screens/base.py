"""What every screen after sign-in shares: header, footer, Esc, errors in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from rime_tui.api.errors import AuthenticationError
from rime_tui.tui.errors import describe

if TYPE_CHECKING:
    from rime_tui.tui.app import RimeApp, Session


class RimeScreen(Screen[None]):
    """A page of the flow.  Workers it starts report failures to :meth:`show_error`."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]
    PAGE: ClassVar[str] = ""
    # Actions bound to printable keys with priority (so that what is typed right after
    # them lands in the field they focus); while a field has focus they are off and
    # the key is just a character being typed.
    FIELD_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    @property
    def rime(self) -> RimeApp:
        return cast("RimeApp", self.app)

    @property
    def session(self) -> Session:
        session = self.rime.session
        if session is None:  # screens after sign-in exist only with a session
            raise RuntimeError("not signed in")
        return session

    def crumbs(self) -> list[str]:
        return [self.PAGE]

    def on_mount(self) -> None:
        self.sub_title = self.rime.breadcrumb(*self.crumbs())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in self.FIELD_ACTIONS and isinstance(self.focused, Input))

    def action_back(self) -> None:
        self.dismiss()

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        event.stop()
        await self.handle_error(event.worker.error)

    async def handle_error(self, error: BaseException) -> None:
        """Every failure of this screen's workers lands here."""
        if isinstance(error, AuthenticationError) and self.rime.session is not None:
            await self.rime.session_expired(describe(error))
            return
        self.show_error(describe(error))

    def show_error(self, message: str) -> None:
        """Where this screen shows a failure; by default a notification."""
        self.notify(message, title="Error", severity="error", timeout=8, markup=False)
