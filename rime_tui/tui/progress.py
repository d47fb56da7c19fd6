"""Progress you can see: what the user waits for, in the key bar of whatever screen shows.

Every request the user waits on (a create, a rotate, a delete, a prune, the sign-in,
a page's list) runs inside :meth:`Progress.working`. If it is still running after
SHOW_AFTER seconds, the key bar (``KeyBar`` in widgets.py) shows a spinner and its
label ("⠹ Creating “deploy”…"), and with it what keys do meanwhile: the page's keys
when they still work, or a line saying where typed keys go when they wait (see
``RimeApp.hold_keys``). An answer quicker than SHOW_AFTER shows nothing: no flash.

One mechanism for every screen: the app owns one :class:`Progress`; screens only
wrap their requests in ``self.rime.progress.working(...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

SHOW_AFTER = 0.15  # seconds: an answer quicker than this shows no progress at all
SPIN_EVERY = 0.1  # seconds between two frames of the spinner
FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


@dataclass(eq=False)
class Work:
    """One request the user waits on."""

    label: str  # "Creating “deploy”…"
    # What keys do meanwhile, when the page's own keys do not (they wait for what the
    # request opens): said instead of them. None: the page's keys work; they are shown.
    meanwhile: str | None = None
    shown: bool = False
    # What the page itself shows while it waits (a busy form, a loading table), called
    # when the progress shows, so that a quick answer shows nothing there either.
    on_show: Callable[[], object] | None = None


class Progress:
    """The requests the user waits on, and which of them the key bar shows."""

    def __init__(self, app: App[Any], show_after: float = SHOW_AFTER) -> None:
        self._app = app
        self.show_after = show_after
        self._works: list[Work] = []
        self._spinner: Timer | None = None
        self._frame = 0
        self.shown_labels: list[str] = []  # every label shown so far, in order

    @contextmanager
    def working(
        self,
        label: str,
        meanwhile: str | None = None,
        on_show: Callable[[], object] | None = None,
    ) -> Iterator[Work]:
        """Shown after SHOW_AFTER while the body runs (then *on_show* is called too);
        gone when it ends."""
        work = Work(label, meanwhile, on_show=on_show)
        self._works.append(work)
        timer = self._app.set_timer(self.show_after, lambda: self._show(work), name="progress")
        try:
            yield work
        finally:
            timer.stop()
            self._works.remove(work)
            if work.shown:
                self._changed()

    @property
    def current(self) -> tuple[str, Work] | None:
        """The spinner's frame and the newest work shown, or None."""
        shown = [work for work in self._works if work.shown]
        return (FRAMES[self._frame % len(FRAMES)], shown[-1]) if shown else None

    def _show(self, work: Work) -> None:
        if work not in self._works:  # (ended as the timer fired)
            return
        work.shown = True
        self.shown_labels.append(work.label)
        if work.on_show is not None:
            work.on_show()
        if self._spinner is None:
            self._spinner = self._app.set_interval(SPIN_EVERY, self._spin, name="spinner")
        self._changed()

    def _spin(self) -> None:
        self._frame += 1
        self._changed()

    def _changed(self) -> None:
        """Repaint the key bar of the screen that shows; stop spinning when idle."""
        if self.current is None and self._spinner is not None:
            self._spinner.stop()
            self._spinner = None
        if self._app.screen_stack:
            for bar in self._app.screen.query("KeyBar"):  # (by name: no import cycle)
                bar.refresh()
