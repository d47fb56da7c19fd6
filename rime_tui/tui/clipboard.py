"""Copying a secret: the desktop clipboard when there is one, else OSC 52.

pyperclip needs a desktop clipboard (X11, Wayland, macOS, Windows); on a server
reached over SSH it has no mechanism and raises.  Then the text goes to the
terminal's clipboard with the OSC 52 escape sequence (``App.copy_to_clipboard``),
which the terminal on the user's own machine honours; inside tmux that needs
``set -g set-clipboard on``.
"""

from __future__ import annotations

import asyncio
from enum import Enum

from textual.app import App

PYPERCLIP_TIMEOUT = 3.0


class Via(Enum):
    SYSTEM = "system clipboard"
    OSC52 = "terminal clipboard (OSC 52)"


def _pyperclip_copy(text: str) -> None:
    import pyperclip  # deferred: only a copy needs it

    pyperclip.copy(text)
    # Some mechanisms fail without raising: with xclip and a $DISPLAY that does not
    # answer (ssh -X without an X server), copy() returns as if it had worked.
    if _lines(pyperclip.paste()) != _lines(text):
        raise pyperclip.PyperclipException("the clipboard did not take the text")


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").rstrip("\n")


async def copy(app: App[object], text: str) -> Via:
    """Copy *text* and say which clipboard received it."""
    try:
        await asyncio.wait_for(asyncio.to_thread(_pyperclip_copy, text), PYPERCLIP_TIMEOUT)
    except Exception:  # PyperclipException, missing tools, a hung helper: all mean "no"
        app.copy_to_clipboard(text)
        return Via.OSC52
    return Via.SYSTEM


def copied_message(what: str, via: Via) -> str:
    if via is Via.SYSTEM:
        return f"Copied {what} to the system clipboard."
    return (
        f"Copied {what} to your terminal's clipboard with OSC 52. "
        "In tmux this needs `set -g set-clipboard on`."
    )
