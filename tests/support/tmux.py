"""The real ``rime-tui`` command in a real tmux server of its own (its own socket), as a
user runs it over SSH: one launcher, and the screen read back as tmux shows it.

A tmux is a ``list[str]``: the tmux command line that reaches its server (see
:func:`tmux_server`); the session is always ``t``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tests.support.require import require

WAIT = 30.0
"""Seconds to wait for a screen or a process (a failure, not a timing)."""
KEEP_PANE = "; echo rime-tui exited $?; sleep 600"
"""A command tail that keeps the pane (and its history) after rime-tui exits."""


def tmux_server(tmp_path: Path, name: str = "") -> Iterator[list[str]]:
    """A tmux server of its own (the last test's may still be shutting down); killed
    afterwards, and then no local instance may be left on ``tmp_path/data``. Without
    tmux: a skip, or a failure with RIME_TUI_REQUIRE_TMUX=1 (.ci/run installs it)."""
    if shutil.which("tmux") is None:
        require("RIME_TUI_REQUIRE_TMUX", "tmux is not installed")
    base = ["tmux", "-L", f"rime-test-{os.getpid()}-{tmp_path.name}{name}", "-f", "/dev/null"]
    try:
        yield base
    finally:
        # Closing the terminal hangs up on rime-tui, which then stops its local instance
        # (the last TUI on it): nothing is left running.
        subprocess.run([*base, "kill-server"], capture_output=True, check=False)
        assert_no_instance_left(tmp_path / "data")


def launch(
    tmux: list[str],
    config_dir: Path,
    target: str,
    *,
    size: tuple[int, int] = (100, 30),
    env: str = "",
    keep_pane: bool = False,
) -> None:
    """``rime-tui TARGET`` in a new session ``t`` of *size*, without X (DISPLAY unset,
    as over SSH), its settings in *config_dir*; *env* are more ``NAME=value`` words.
    With *keep_pane* the pane stays after it exits, showing ``rime-tui exited CODE``."""
    command = (
        f"env -u DISPLAY RIME_TUI_CONFIG_DIR={config_dir} {env} "
        f"{sys.executable} -m rime_tui {target}{KEEP_PANE if keep_pane else ''}"
    )
    width, height = size
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), command],
        check=True,
    )


def local_target(data_dir: Path, port: int) -> str:
    """The arguments of a TUI that starts its own local instance on *data_dir*."""
    return f"--local --data-dir {data_dir} --port {port}"


def set_clipboard(tmux: list[str], setting: str) -> None:
    """tmux's ``set-clipboard`` (on: an application's OSC 52 fills tmux's buffer)."""
    subprocess.run([*tmux, "set", "-g", "set-clipboard", setting], check=True)


def screen(tmux: list[str]) -> str:
    """The pane as it shows now."""
    return subprocess.run(
        [*tmux, "capture-pane", "-p", "-t", "t"], capture_output=True, text=True, check=True
    ).stdout


def history(tmux: list[str]) -> str:
    """The pane, with what scrolled off it."""
    return subprocess.run(
        [*tmux, "capture-pane", "-p", "-J", "-S", "-200", "-t", "t"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def wait_for(tmux: list[str], *needles: str) -> str:
    """The first screen that shows every one of *needles* (a frame tmux is still drawing
    can show one and not yet another)."""
    deadline = time.monotonic() + WAIT
    while True:
        shown = screen(tmux)
        if all(needle in shown for needle in needles):
            return shown
        if time.monotonic() > deadline:
            raise AssertionError(f"{needles!r} never all appeared; screen:\n{shown}")
        time.sleep(0.05)


def keys(tmux: list[str], *typed: str, literal: bool = False) -> None:
    """``tmux send-keys``: key names, or with *literal* the text as it is."""
    flag = ["-l"] if literal else []
    subprocess.run([*tmux, "send-keys", "-t", "t", *flag, *typed], check=True)


def to_tokens(tmux: list[str], *, workspaces: str = "1 workspace.", rows: str = "") -> str:
    """From the sign-in's first paint, key by key (each once its screen shows): Enter,
    Enter, s, t, to API Access Tokens (showing *rows*, if given); answers the screen."""
    for key, then in [
        ("Enter", workspaces),
        ("Enter", "Your API tokens"),
        ("s", "General"),
        ("t", rows or "in this workspace"),
    ]:
        keys(tmux, key)
        shown = wait_for(tmux, then)
    return shown


def processes_on(data_dir: Path, *, serve: bool) -> list[int]:
    """Pids of the rime-tui processes on *data_dir*: its `serve` instances, or its TUIs."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"rime_tui" in argv and (b"serve" in argv) == serve and os.fsencode(data_dir) in argv:
            found.append(int(proc.name))
    return found


def assert_gone(data_dir: Path, *, serve: bool, what: str, survived: str) -> None:
    """Wait until no rime-tui process of the kind on *data_dir* runs (killed if one still
    does after WAIT, and then the test fails)."""
    deadline = time.monotonic() + WAIT
    while processes_on(data_dir, serve=serve):
        if time.monotonic() > deadline:
            for pid in processes_on(data_dir, serve=serve):
                os.kill(pid, signal.SIGKILL)  # do not leave it behind even so
            raise AssertionError(f"{what} on {data_dir} outlived {survived}")
        time.sleep(0.1)


def assert_no_instance_left(data_dir: Path) -> None:
    assert_gone(data_dir, serve=True, what="a local instance", survived="its TUI")
