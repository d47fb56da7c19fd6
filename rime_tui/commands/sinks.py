"""Where ``token create`` and ``token rotate`` put a new secret other than stdout.

- ``--copy``: the terminal's clipboard, with the OSC 52 escape sequence written to
  ``/dev/tty``, so it never reaches stdout, a pipe, a log or the scrollback (a terminal
  does not display OSC 52). Whether the terminal took it cannot be asked.
- ``--write FILE``: FILE replaced atomically by a 0600 file holding the secret and a
  newline: written to a temporary file in the same directory, flushed to disk, then
  renamed over FILE, so that a service reading FILE sees the old secret or the new one,
  never a partial or empty file.

Both are opened before any request (:func:`open_sink`): with no terminal, or a
directory that cannot take the file, the command refuses (exit 2) and makes nothing.
"""

from __future__ import annotations

import base64
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from rime_tui.commands.exits import CommandError, Exit
from rime_tui.wire import models as m

TTY = "/dev/tty"


class Sink(Protocol):
    """A place for a secret, opened before the token is made."""

    where: str
    """In words, for messages."""
    delivered: str
    """What became of the secret, as a sentence for the person."""

    def put(self, secret: str) -> None:
        """Deliver *secret* (once)."""

    def close(self) -> None:
        """Release what was opened; a secret never put leaves nothing behind."""


def _write_all(fd: int, data: bytes) -> None:
    """All of *data* to *fd* (os.write may take part of it)."""
    while data:
        data = data[os.write(fd, data) :]


class TerminalClipboard:
    """The terminal's clipboard, over OSC 52 on the controlling terminal."""

    where = "your terminal's clipboard (OSC 52)"
    delivered = (
        "Its secret was sent to your terminal's clipboard with OSC 52, which cannot be "
        "confirmed: paste it somewhere now (inside tmux, OSC 52 needs "
        "`set-clipboard on`); if it is not there, rotate the token."
    )

    def __init__(self) -> None:
        try:
            self._fd = os.open(TTY, os.O_WRONLY | os.O_NOCTTY)
        except OSError as exc:
            raise CommandError(
                Exit.USAGE,
                f"--copy needs a terminal to send the secret to, and {TTY} cannot be "
                f"opened ({exc.strerror or exc}): nothing was made. Use --write FILE, or "
                "no --copy to get the secret on stdout.",
            ) from None

    def put(self, secret: str) -> None:
        encoded = base64.b64encode(secret.encode()).decode("ascii")
        _write_all(self._fd, f"\x1b]52;c;{encoded}\x07".encode("ascii"))

    def close(self) -> None:
        os.close(self._fd)


class SecretFile:
    """*path*, replaced atomically by a 0600 file (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        self.delivered = f"Its secret is in {path} (mode 0600)."
        if path.is_dir():
            raise CommandError(Exit.USAGE, f"--write {path}: that is a directory.")
        try:
            fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise CommandError(
                Exit.USAGE,
                f"--write {path}: cannot write in {path.parent} ({exc.strerror or exc}): "
                "nothing was made.",
            ) from None
        self._fd: int | None = fd  # mkstemp: mode 0600, owned by us
        self._temp: Path | None = Path(temp)

    def put(self, secret: str) -> None:
        assert self._fd is not None and self._temp is not None
        _write_all(self._fd, (secret + "\n").encode())
        os.fsync(self._fd)
        os.close(self._fd)
        self._fd = None
        os.replace(self._temp, self.path)
        self._temp = None
        # The secret is in FILE now: nothing after this may count as a failure (a new
        # token would be deleted, its secret left in FILE). A filesystem that cannot
        # fsync a directory (EINVAL) loses only the rename's survival of a power cut.
        with contextlib.suppress(OSError):
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)  # the rename itself survives a power cut
            finally:
                os.close(directory)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._temp is not None:
            with contextlib.suppress(FileNotFoundError):
                self._temp.unlink()
            self._temp = None


class SinkFailed(Exception):
    """A secret made could not be put *where* it goes (*error*): a sink, or stdout."""

    def __init__(self, made: m.CreateApiTokenResponse, where: str, error: OSError) -> None:
        self.made = made
        self.why = f"the secret could not be put in {where} ({error.strerror or error})"
        super().__init__(self.why)


def open_sink(copy: bool, write: Path | None) -> Sink | None:
    """The sink ``--copy`` or ``--write FILE`` asks for, opened; None for stdout."""
    if copy:
        return TerminalClipboard()
    if write is not None:
        return SecretFile(write)
    return None
