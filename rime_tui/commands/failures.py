"""What a command that failed says, and its exit code (see
:class:`rime_tui.commands.exits.Exit`): shared by the commands on the event loop
(:mod:`rime_tui.commands.runner`) and the one-shot path (:mod:`rime_tui.commands.quick`)."""

from __future__ import annotations

from rime_tui.api.errors import (
    AlreadyExistsError,
    AuthenticationError,
    InvalidArgumentError,
    LimitExceededError,
    NotFoundError,
    RimeError,
)
from rime_tui.commands.exits import CommandError, Exit, say
from rime_tui.local import LocalInstanceError

FAILURES = (CommandError, RimeError, LocalInstanceError)
"""What :func:`exit_for` takes."""

# The cluster's answers a script must tell apart, each its own exit code (an invalid
# argument is the cluster refusing what the arguments asked: a usage error).
_EXIT_FOR: dict[type[RimeError], Exit] = {
    NotFoundError: Exit.NOT_FOUND,
    InvalidArgumentError: Exit.USAGE,
    AlreadyExistsError: Exit.TAKEN,
}


def exit_for(exc: CommandError | RimeError | LocalInstanceError) -> int:
    """Say why *exc* ended the command (stderr); its exit code."""
    if isinstance(exc, CommandError):
        say(f"error: {exc.message}")
        return exc.exit_code
    if isinstance(exc, AuthenticationError):
        say(f"error: authentication failed: {exc.message}")
        return Exit.AUTH
    if isinstance(exc, NotFoundError | InvalidArgumentError | AlreadyExistsError):
        say(f"error: {exc.message}")
        return next(code for kind, code in _EXIT_FOR.items() if isinstance(exc, kind))
    if isinstance(exc, LimitExceededError):
        say(f"error: {exc.message}")
        # A limit that lifts by itself says when (Retry-After, retried already): the
        # token cap does not.
        return Exit.FAILED if exc.retry_after is not None else Exit.CAP
    say(f"error: {exc}")
    return Exit.FAILED
