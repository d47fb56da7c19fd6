"""SIGINT and SIGTERM that come while a command starts (imports, set-up), before it
installs its own handlers (``rime_tui.commands``): the command ends quietly, with the
status a shell expects (130, 143), instead of a KeyboardInterrupt traceback or a death
by SIGTERM with no word. Nothing has been sent to a cluster by then."""

from __future__ import annotations

import signal
from types import FrameType

STOPPING = (signal.SIGINT, signal.SIGTERM)


class Stopped(KeyboardInterrupt):
    """SIGINT or SIGTERM (:attr:`signum`) arrived during start-up."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


def stop_quietly() -> None:
    """From now until the command's own handlers replace these: SIGINT and SIGTERM
    raise :class:`Stopped`."""
    for signum in STOPPING:
        signal.signal(signum, _stop)
