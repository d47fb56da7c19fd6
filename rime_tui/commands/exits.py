"""Exit codes and messages: what every command shares, the ones that need no cluster
(:mod:`rime_tui.commands.stored`) included, so this module imports nothing heavy."""

from __future__ import annotations

import sys
from enum import IntEnum


class Exit(IntEnum):
    """The exit codes, as ``rime-tui --help`` and the README list them."""

    OK = 0
    FAILED = 1
    USAGE = 2
    EXPIRING = 3
    AUTH = 4
    NOT_FOUND = 5
    TAKEN = 6
    """The name is taken: a token of that name exists (yours, in that workspace)."""
    CAP = 7
    """The instance holds its 200 tokens: delete one to make room."""


class CommandError(Exception):
    """A command cannot go on; *message* says why, *exit_code* tells the script."""

    def __init__(self, exit_code: Exit, message: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.message = message


def printable(text: str) -> str:
    """*text* without control characters, which could drive the terminal."""
    return "".join(c if c.isprintable() or c == "\n" else "?" for c in text)


_quiet = False


def set_quiet(quiet: bool) -> None:
    """``--quiet``: :func:`note` says nothing; errors and warnings (:func:`say`) still go."""
    global _quiet
    _quiet = quiet


def say(message: str) -> None:
    """A message for the person: stderr, so that stdout stays for data and secrets.

    A terminal that is gone (SIGHUP: an SSH link dropped; writing to it fails with
    EIO) is not told: the command still ends with its own exit code. A reader of a
    pipe that went away is (:func:`rime_tui.cli._closed_pipe_is_quiet`: 141)."""
    try:
        print(printable(message), file=sys.stderr, flush=True)
    except BrokenPipeError:
        raise
    except OSError:
        pass


def note(message: str) -> None:
    """What went well, for the person (stderr); nothing with ``--quiet``."""
    if not _quiet:
        say(message)
