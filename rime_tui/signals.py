"""SIGINT, SIGTERM and SIGHUP that come while a command starts (imports, set-up), before
it installs its own handlers (``rime_tui.commands``), or while a one-shot read runs
(:mod:`rime_tui.commands.quick`, which keeps these): the command ends quietly, with the
status a shell expects (130, 143, 129), instead of a KeyboardInterrupt traceback or a
death by signal with no word. Nothing has been changed on a cluster by then."""

from __future__ import annotations

import signal
from types import FrameType

STOPPING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP (:attr:`signum`) arrived."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


def stop_quietly() -> None:
    """From now until the command's own handlers replace these: SIGINT, SIGTERM and
    SIGHUP raise :class:`Stopped`. One ignored from the start stays ignored, as Python
    leaves it: a hang-up under nohup, SIGINT in a job a script started with ``&``."""
    for signum in STOPPING:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _stop)
