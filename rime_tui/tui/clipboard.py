"""Copying a secret: the desktop clipboard when there is one, else OSC 52.

pyperclip needs a desktop clipboard (X11, Wayland, macOS, Windows); on a server
reached over SSH it has no mechanism and raises.  Then the text goes to the
terminal's clipboard with the OSC 52 escape sequence (``App.copy_to_clipboard``),
which the terminal on the user's own machine honours; inside tmux that needs
``set -g set-clipboard on``.

Over SSH (``SSH_CONNECTION`` or ``SSH_TTY`` set) a clipboard pyperclip finds is the
*server's* (an X server or xclip there), not the user's: then the text goes out over
OSC 52 as well, and the message names both clipboards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Mapping
from enum import Enum

from textual.app import App

PYPERCLIP_TIMEOUT = 3.0
PASTE_CHECKS = 4  # reads of the clipboard before a copy counts as failed


class Via(Enum):
    SYSTEM = "system clipboard"
    OSC52 = "terminal clipboard (OSC 52)"


def _pyperclip_copy(text: str) -> None:
    import pyperclip  # deferred: only a copy needs it

    pyperclip.copy(text)
    # Some mechanisms fail without raising: with xclip and a $DISPLAY that does not
    # answer (ssh -X without an X server), copy() returns as if it had worked. xclip
    # also returns before the process it leaves behind owns the selection: a paste
    # right away can still read the old text, so look again a few times.
    for attempt in range(PASTE_CHECKS):
        if _lines(pyperclip.paste()) == _lines(text):
            return
        time.sleep(0.05 * (attempt + 1))
    raise pyperclip.PyperclipException("the clipboard did not take the text")


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").rstrip("\n")


def over_ssh(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether this process runs in an SSH session (the user's terminal is elsewhere)."""
    return bool(environ.get("SSH_CONNECTION") or environ.get("SSH_TTY"))


async def copy(app: App[object], text: str) -> frozenset[Via]:
    """Copy *text*; answers which clipboards received it."""
    received: set[Via] = set()
    # PyperclipException, missing tools, a hung helper: all mean "no desktop clipboard".
    with contextlib.suppress(Exception):
        await asyncio.wait_for(asyncio.to_thread(_pyperclip_copy, text), PYPERCLIP_TIMEOUT)
        received.add(Via.SYSTEM)
    if not received or over_ssh():
        app.copy_to_clipboard(text)
        received.add(Via.OSC52)
    return frozenset(received)


TMUX_HINT = "In tmux this needs `set -g set-clipboard on`."


def copied_message(what: str, received: frozenset[Via]) -> str:
    if received == {Via.SYSTEM}:
        return f"Copied {what} to the system clipboard."
    if received == {Via.OSC52}:
        return f"Copied {what} to your terminal's clipboard with OSC 52. {TMUX_HINT}"
    return (
        f"Copied {what} to your terminal's clipboard with OSC 52 (you are on SSH) and to "
        f"this server's clipboard. {TMUX_HINT}"
    )
