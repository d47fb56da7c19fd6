"""Copying a secret: the desktop clipboard when there is one, else OSC 52; and whether
the copy can be confirmed.

pyperclip needs a desktop clipboard (X11, Wayland, macOS, Windows); on a server
reached over SSH it has no mechanism and raises.  Then the text goes to the
terminal's clipboard with the OSC 52 escape sequence (``App.copy_to_clipboard``),
which the terminal on the user's own machine may honour.

Over SSH (``SSH_CONNECTION`` or ``SSH_TTY`` set) a clipboard pyperclip finds is the
*server's* (an X server or xclip there), not the user's: then the text goes out over
OSC 52 as well, and the message names both clipboards.

Only a copy read back counts as confirmed: the desktop clipboard (pyperclip.paste),
or inside tmux (``$TMUX``) tmux's paste buffer (``tmux show-buffer``), which OSC 52
fills when tmux's ``set-clipboard`` is ``on`` (its default, ``external``, ignores it).
Whether a terminal took an OSC 52 sequence cannot be asked: such a copy is only *sent*.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from textual.app import App

PYPERCLIP_TIMEOUT = 3.0
TMUX_TIMEOUT = 2.0  # seconds a tmux command may take
PASTE_CHECKS = 4  # reads of the clipboard before a copy counts as failed
# The longest a copy can take: pyperclip's bound, then tmux's buffer read PASTE_CHECKS
# times (each after a pause of 0.05 s more than the last) and its setting read once.
COPY_AT_MOST = (
    PYPERCLIP_TIMEOUT
    + (PASTE_CHECKS + 1) * TMUX_TIMEOUT
    + 0.05 * PASTE_CHECKS * (PASTE_CHECKS + 1) / 2
)
TMUX_ON = "tmux set -g set-clipboard on"


class Via(Enum):
    SYSTEM = "system clipboard"  # read back: confirmed
    TMUX = "tmux's paste buffer"  # read back: confirmed
    OSC52 = "terminal clipboard (OSC 52)"  # sent: cannot be confirmed


@dataclass(frozen=True)
class Copied:
    """Where a copy went; *tmux_setting*: tmux's set-clipboard when OSC 52 did not
    reach tmux's buffer (None: not in tmux, or it did)."""

    via: frozenset[Via]
    tmux_setting: str | None = None

    @property
    def confirmed(self) -> bool:
        """Read back from a clipboard: the text is there."""
        return bool(self.via & {Via.SYSTEM, Via.TMUX})


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


def in_tmux(environ: Mapping[str, str] = os.environ) -> bool:
    return bool(environ.get("TMUX"))


async def _tmux(*args: str) -> str | None:
    """What a tmux command prints (None: it failed, or there is no tmux)."""
    try:
        process = await asyncio.create_subprocess_exec(
            "tmux",
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError:
        return None
    try:
        out, _ = await asyncio.wait_for(process.communicate(), TMUX_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        return None
    return out.decode(errors="replace") if process.returncode == 0 else None


async def _tmux_holds(text: str) -> bool:
    """Whether tmux's newest paste buffer holds *text* (the OSC 52 sequence reaches
    tmux through the app's writer thread: look again a few times)."""
    for attempt in range(PASTE_CHECKS):
        await asyncio.sleep(0.05 * (attempt + 1))
        buffer = await _tmux("show-buffer")
        if buffer is not None and _lines(buffer) == _lines(text):
            return True
    return False


async def copy(app: App[object], text: str) -> Copied:
    """Copy *text*; answers where it went, and whether that was confirmed."""
    via: set[Via] = set()
    # PyperclipException, missing tools, a hung helper: all mean "no desktop clipboard".
    with contextlib.suppress(Exception):
        await asyncio.wait_for(asyncio.to_thread(_pyperclip_copy, text), PYPERCLIP_TIMEOUT)
        via.add(Via.SYSTEM)
    if via and not over_ssh():
        return Copied(frozenset(via))
    app.copy_to_clipboard(text)
    via.add(Via.OSC52)
    if not in_tmux():
        return Copied(frozenset(via))
    if await _tmux_holds(text):
        return Copied(frozenset({*via, Via.TMUX}))
    setting = await _tmux("show-options", "-gv", "set-clipboard")
    return Copied(frozenset(via), (setting or "unknown").strip())


def copied_message(what: str, copied: Copied) -> tuple[str, str]:
    """The notice of a copy: its title and its message."""
    via = copied.via
    if Via.TMUX in via:
        return "Copied", (
            f"Copied {what} to tmux's paste buffer (prefix ] pastes it), and sent it to "
            "your terminal's clipboard with OSC 52."
        )
    if Via.SYSTEM in via and Via.OSC52 in via:
        return "Copied", (
            f"Copied {what} to this server's clipboard, and sent it to your terminal's "
            "clipboard with OSC 52 (you are on SSH)."
        )
    if Via.SYSTEM in via:
        return "Copied", f"Copied {what} to the system clipboard."
    sent = f"Sent {what} to your terminal's clipboard with OSC 52"
    if tmux_refused(copied):
        return "Not copied", f"{sent}, but {_tmux_refusal(copied)} Or save the token (w)."
    return "Sent, not confirmed", (
        f"{sent}; whether your terminal took it cannot be checked. Paste it somewhere "
        "to be sure, or save the token to a file (w)."
    )


def tmux_refused(copied: Copied) -> bool:
    """tmux ignored the OSC 52 sequence: its set-clipboard is not on."""
    return copied.tmux_setting is not None and copied.tmux_setting != "on"


def _tmux_refusal(copied: Copied) -> str:
    return (
        f"tmux did not take it (its set-clipboard is {copied.tmux_setting}). Turn it on "
        f"with `{TMUX_ON}` and copy again (c)."
    )


def not_copied_warning(copied: Copied) -> str:
    """Why closing after this (unconfirmed) copy may lose the token, in words."""
    if tmux_refused(copied):
        return f"The copy did not reach tmux's buffer: {_tmux_refusal(copied)}"
    return (
        "The token was sent to your terminal's clipboard with OSC 52, which cannot be "
        "checked: paste it somewhere first."
    )
