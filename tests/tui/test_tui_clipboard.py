"""Getting a new token out of the dialog: both clipboards, and Save to file."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyperclip
import pytest
from textual import events
from textual.widgets import Input, Static

from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens import token_created
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.save_token import SaveTokenScreen
from rime_tui.tui.screens.token_created import NOT_KEPT, TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from tests.support.local import Local
from tests.support.require import require
from tests.support.tui import (
    notifications,
    reach_tokens,
    screen,
    terminal_writes,
    text_of,
    until,
)

OSC52 = re.compile(r"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07")


async def created_token_modal(pilot: Any, name: str) -> tuple[TokenCreatedScreen, str]:
    """The documented flow up to the dialog; answers it and the token it shows."""
    await reach_tokens(pilot)
    await pilot.press("n", *name, "enter")
    modal = await screen(pilot, TokenCreatedScreen)
    token = text_of(modal.query_one("#token"))
    assert token.startswith("rime_")
    return modal, token


def use_xclip(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyperclip with xclip, as on a desktop (set_clipboard rebinds its module functions:
    they are restored afterwards)."""
    monkeypatch.setattr(pyperclip, "copy", pyperclip.copy)
    monkeypatch.setattr(pyperclip, "paste", pyperclip.paste)
    pyperclip.set_clipboard("xclip")


async def x_clipboard(display: str) -> str:
    """What the X clipboard of *display* holds, read by xclip as a paste would."""
    paste = await asyncio.create_subprocess_exec(
        "xclip",
        "-o",
        "-selection",
        "clipboard",
        stdout=subprocess.PIPE,
        env={**os.environ, "DISPLAY": display},
    )
    pasted, _ = await asyncio.wait_for(paste.communicate(), 10)
    assert paste.returncode == 0
    return pasted.decode()


# -- OSC 52 ----------------------------------------------------------------------------------


async def test_copy_falls_back_to_osc52_when_pyperclip_has_no_clipboard(
    local: Local, make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stands in for a headless server reached over SSH: no X11, Wayland or macOS
    # clipboard, so pyperclip has no mechanism and raises.
    attempts: list[str] = []

    def no_clipboard(text: str) -> None:
        attempts.append(text)
        raise pyperclip.PyperclipException("could not find a copy/paste mechanism")

    monkeypatch.setattr(pyperclip, "copy", no_clipboard)
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        _, token = await created_token_modal(pilot, "over ssh")
        # What the terminal receives: the app's output stream, through the driver.
        written = terminal_writes(app, monkeypatch)

        await pilot.press("c")
        await until(pilot, lambda: any("OSC 52" in n for n in notifications(app)), "the notice")

        assert attempts == [token]  # the desktop clipboard was tried first
        sequences = OSC52.findall("".join(written))
        assert len(sequences) == 1
        assert base64.b64decode(sequences[0]).decode() == token
        notice = next(n for n in notifications(app) if "OSC 52" in n)
        # Sent, not copied: no terminal says whether it took an OSC 52 sequence.
        assert notice.startswith("Sent the token to your terminal's clipboard with OSC 52")
        assert "cannot be checked" in notice
        assert isinstance(app.screen, TokenCreatedScreen)  # copying keeps the dialog open
        await pilot.press("escape")  # so closing still asks, in words that fit
        confirm = await screen(pilot, ConfirmScreen)
        question = text_of(confirm.query_one("#confirm-message", Static))
        assert question.startswith("The token was sent to your terminal's clipboard with OSC")
        assert question.endswith(NOT_KEPT)
        assert notifications(app) == []  # said in the question: on a narrow terminal the
        await pilot.press("n")  # notice covered the question's Cancel button
        await screen(pilot, TokenCreatedScreen)


@pytest.mark.parametrize("read_back", [True, False], ids=["kept", "only-sent"])
async def test_esc_after_a_copy_slower_than_keys_wait_waits_for_its_answer(
    local: Local, make_app: Any, monkeypatch: pytest.MonkeyPatch, read_back: bool
) -> None:
    # `c Esc` where the copy answers after keys stop waiting for it (a hung xclip, a
    # tmux that is slow to answer): Esc must not ask before it is known whether the copy
    # kept the token. A stand-in desktop clipboard (no X server needed) takes 1 s to
    # answer; keys wait 0.2 s for it.
    held: list[str] = []

    def slow_clipboard(text: str) -> None:
        time.sleep(1.0)
        if not read_back:
            raise pyperclip.PyperclipException("could not find a copy/paste mechanism")
        held.append(text)

    monkeypatch.setattr(pyperclip, "copy", slow_clipboard)
    monkeypatch.setattr(pyperclip, "paste", lambda: held[-1] if held else "")
    monkeypatch.setattr(token_created, "COPY_WAIT_AT_MOST", 0.2)
    for name in ("TMUX", "SSH_CONNECTION", "SSH_TTY"):
        monkeypatch.delenv(name, raising=False)
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        modal, _ = await created_token_modal(pilot, "slow copy")
        await pilot.press("c", "escape")
        await until(pilot, lambda: "Closing once the copy answers…" in notifications(app), "wait")
        assert app.screen is modal and not held  # Esc passed; the copy has not answered
        if read_back:  # kept: the dialog closes, nothing asked
            await screen(pilot, TokensScreen)
            assert held and not any(isinstance(s, ConfirmScreen) for s in app.screen_stack)
        else:  # only sent over OSC 52: the question says so
            confirm = await screen(pilot, ConfirmScreen)
            question = text_of(confirm.query_one("#confirm-message", Static))
            assert question.startswith("The token was sent to your terminal's clipboard")
            assert question.endswith(NOT_KEPT)
            await pilot.press("y")
            await screen(pilot, TokensScreen)


# -- a real X clipboard ----------------------------------------------------------------------


def _start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """Start Xvfb on a free display; answers the process and ":N" once it accepts clients."""
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    answer = b""
    try:
        # Xvfb writes "N\n" to the fd once it accepts clients; read the whole line, as
        # closing the pipe before the newline is written makes Xvfb exit (bounded wait).
        while not answer.endswith(b"\n"):
            ready, _, _ = select.select([read_end], [], [], 30)
            chunk = os.read(read_end, 32) if ready else b""
            if not chunk:
                break
            answer += chunk
    finally:
        os.close(read_end)
    number = answer.decode().strip()
    if not number.isdigit():
        process.kill()
        process.wait()
        raise RuntimeError("Xvfb did not report a display")
    return process, f":{number}"


@pytest.fixture
def x_display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An X display with xclip: $DISPLAY, else an Xvfb started here.

    Skipped when there is none, unless RIME_TUI_REQUIRE_X=1 (as in CI): then it fails.
    """
    problem = ""
    if shutil.which("xclip") is None:
        problem = "xclip is not installed"
    elif not os.environ.get("DISPLAY") and shutil.which("Xvfb") is None:
        problem = "no $DISPLAY and no Xvfb"
    if problem:
        require("RIME_TUI_REQUIRE_X", problem)
    process = None
    display = os.environ.get("DISPLAY", "")
    if not display:
        process, display = _start_xvfb()
        monkeypatch.setenv("DISPLAY", display)
    try:
        yield display
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)


async def test_copy_puts_the_token_on_a_real_x_clipboard(
    local: Local, make_app: Any, x_display: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_xclip(monkeypatch)
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        _, token = await created_token_modal(pilot, "on x")
        written = terminal_writes(app, monkeypatch)

        await pilot.press("c")
        await until(
            pilot,
            lambda: any("system clipboard" in n for n in notifications(app)),
            "the notice",
        )
        assert "Copied the token to the system clipboard." in notifications(app)
        assert not OSC52.search("".join(written))  # no fallback when the desktop one worked
        await pilot.press("escape")  # read back: kept, so Esc closes at once
        await screen(pilot, TokensScreen)

    pasted = await x_clipboard(x_display)
    assert pasted == token


async def test_over_ssh_the_token_also_goes_to_the_users_terminal(
    local: Local, make_app: Any, x_display: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ssh into a server that has an X server (or xclip and a display): pyperclip works,
    # but that clipboard is the server's. The token must reach the user's terminal too.
    monkeypatch.setenv("SSH_CONNECTION", "192.0.2.7 50022 192.0.2.1 22")
    use_xclip(monkeypatch)
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        _, token = await created_token_modal(pilot, "over ssh with x")
        written = terminal_writes(app, monkeypatch)
        await pilot.press("c")
        await until(pilot, lambda: notifications(app), "the notice")
        notice = notifications(app)[-1]
        assert "your terminal's clipboard with OSC 52" in notice
        assert "this server's clipboard" in notice
        sequences = OSC52.findall("".join(written))
        assert [base64.b64decode(s).decode() for s in sequences] == [token]
    pasted = await x_clipboard(x_display)
    assert pasted == token  # the server's clipboard has it as well


async def test_copy_falls_back_to_osc52_when_the_x_display_is_gone(
    local: Local, make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ssh -X with no X server behind it: $DISPLAY is set and xclip is there, but the
    # display does not answer, so xclip fails (and pyperclip does not notice by itself).
    if shutil.which("xclip") is None:
        require("RIME_TUI_REQUIRE_X", "xclip is not installed")
    monkeypatch.setenv("DISPLAY", ":4095")  # no server listens there
    use_xclip(monkeypatch)
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        _, token = await created_token_modal(pilot, "stale display")
        written = terminal_writes(app, monkeypatch)
        await pilot.press("c")
        await until(pilot, lambda: notifications(app), "the notice")
        assert not any("system clipboard" in n for n in notifications(app))
        assert any("OSC 52" in n for n in notifications(app))
        sequences = OSC52.findall("".join(written))
        assert [base64.b64decode(s).decode() for s in sequences] == [token]
        await pilot.press("escape")  # sent, not read back: closing asks
        await screen(pilot, ConfirmScreen)


# -- Save to file ----------------------------------------------------------------------------


async def save_to(pilot: Any, path: Path) -> SaveTokenScreen:
    """w, then the path given as a person pastes it over the suggested one, Enter."""
    await pilot.press("w")
    dialog = await screen(pilot, SaveTokenScreen)
    field = dialog.query_one("#path", Input)
    assert field.has_focus
    assert field.value.startswith("~")  # a suggestion in the home directory
    field.select_all()
    field.post_message(events.Paste(str(path)))
    await until(pilot, lambda: field.value == str(path), "the path")
    await pilot.press("enter")
    return dialog


async def test_save_to_file_writes_the_token_0600_and_never_overwrites(
    local: Local, make_app: Any, tmp_path: Path
) -> None:
    target = tmp_path / "keys" / "token.txt"
    kept = tmp_path / "kept.txt"
    kept.write_text("someone else's file\n")
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        modal, token = await created_token_modal(pilot, "saved")

        await save_to(pilot, target)
        assert await screen(pilot, TokenCreatedScreen) is modal
        assert target.read_text() == token + "\n"
        assert target.stat().st_mode & 0o777 == 0o600
        assert any(f"Saved the token to {target}" in n for n in notifications(app))

        # The same path again: refused in words, the file untouched, the dialog stays.
        dialog = await save_to(pilot, target)
        error = dialog.query_one("#save-error", Static)
        await until(pilot, lambda: "already exists" in text_of(error), "the refusal")
        assert app.screen is dialog
        assert target.read_text() == token + "\n"
        await pilot.press("escape")
        await screen(pilot, TokenCreatedScreen)

        # Nor is anyone else's file overwritten.
        dialog = await save_to(pilot, kept)
        error = dialog.query_one("#save-error", Static)
        await until(pilot, lambda: "already exists" in text_of(error), "the refusal")
        assert "nothing was overwritten" in text_of(error)
        assert kept.read_text() == "someone else's file\n"
        await pilot.press("escape")
        await screen(pilot, TokenCreatedScreen)
