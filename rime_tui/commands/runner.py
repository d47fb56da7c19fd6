"""A command that reaches a cluster (or the local instance), run on an event loop,
stopped by SIGINT or SIGTERM, its errors turned into exit codes (see
:class:`rime_tui.commands.exits.Exit`)."""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Coroutine
from typing import Any

from rime_tui.api.delivery import Interrupted
from rime_tui.commands.exits import Exit, say
from rime_tui.commands.failures import FAILURES, exit_for
from rime_tui.signals import stop_quietly

STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""SIGHUP: the terminal is gone (an SSH link dropped); its default, death, lost a secret
being made."""


async def _interruptible(work: Coroutine[Any, Any, Exit], received: list[int]) -> Exit:
    """*work*, cancelled by SIGINT, SIGTERM or SIGHUP (each one received is added to
    *received*): a secret being made is then printed, or its token deleted (see
    :mod:`rime_tui.api.delivery`)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None

    def stop(signum: int) -> None:
        received.append(signum)
        task.cancel()
        if len(received) == 1:
            say(
                f"{signal.Signals(signum).name}: stopping (a token being made is waited "
                "for first: its secret must not be lost)"
            )

    # A signal ignored from the start stays ignored (nohup: SIGHUP).
    watched = [s for s in STOPPING_SIGNALS if signal.getsignal(s) is not signal.SIG_IGN]
    for signum in watched:
        loop.add_signal_handler(signum, stop, signum)
    try:
        return await work
    finally:
        for signum in watched:
            loop.remove_signal_handler(signum)
        # asyncio puts back the defaults (SIGTERM, SIGHUP: death with no word; SIGINT: a
        # KeyboardInterrupt traceback once ``run`` has returned): the start-up handlers
        # again, so that a signal while the command winds down ends it quietly.
        stop_quietly()


def _new_loop() -> asyncio.AbstractEventLoop:
    """An event loop made with SIGINT, SIGTERM and SIGHUP held back. The start-up handler
    (:mod:`rime_tui.signals`) raised inside its making left a half-made loop, which printed
    a traceback as it was collected; a signal that came meanwhile is raised once it is
    whole (then closed)."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING_SIGNALS)
    try:
        loop = asyncio.new_event_loop()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # (a signal held back comes here)
    except BaseException:
        loop.close()
        raise
    return loop


def run(args: argparse.Namespace) -> int:
    """Run ``rime-tui token ACTION``, ``rime-tui status`` or ``rime-tui auth ACTION``
    on an event loop; the exit code (128 + the signal's number after SIGINT, SIGTERM or
    SIGHUP: 130, 143, 129)."""
    from rime_tui.commands import auth, status, token

    actions = auth.ACTIONS if args.command == "auth" else token.ACTIONS
    command = status.status if args.command == "status" else actions[args.action]
    received: list[int] = []
    try:
        with asyncio.Runner(loop_factory=_new_loop) as runner:
            runner.get_loop()  # first: a signal while it is made ends it before any coroutine
            code = int(runner.run(_interruptible(command(args), received)))
        return 128 + received[0] if received else code
    except Interrupted as exc:
        say(f"interrupted: {exc.what}.")
        return 128 + (received[0] if received else signal.SIGINT)
    except (asyncio.CancelledError, KeyboardInterrupt) as exc:  # (Stopped: at start-up)
        say("interrupted")
        return 128 + (received[0] if received else getattr(exc, "signum", signal.SIGINT))
    except FAILURES as exc:
        return exit_for(exc)
