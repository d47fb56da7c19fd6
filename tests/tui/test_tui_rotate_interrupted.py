"""A rotate in the TUI interrupted after each of its requests, by Esc Esc, SIGTERM and
SIGINT (issue 15, build item 9): after each, the user holds a working secret (shown in
the dialog, or printed on the restored terminal) and the next rotate of the name works.

The cluster is the test's local instance behind the latency proxy; the request named
by the point is stalled, so that the interruption arrives exactly there (the CLI's
matrix, with the same points, is tests/server/test_cli_interrupted.py). Esc Esc is
pressed in the app run in-process; the signals go to a real ``rime-tui`` in tmux,
signed in with an API token, whose pane is read once it has exited.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.test_cli_interrupted import POINTS, ROLLED_BACK, make, names, printed_secret, works
from tests.server.test_cli_tokens import SECRET, ok, rime_tui
from tests.support.latency_proxy import LatencyProxy
from tests.support.local import Local
from tests.tui.test_tmux_clipboard import _keys, _processes_on, _wait_for, tmux  # noqa: F401

DELAY = 0.05
"""Seconds a request takes through the proxy (the stall, not the delay, picks the point)."""
PATIENCE = 60.0
"""Seconds to wait for a step (a failure, not a timing)."""

TUI_POINTS = {point: where for point, where in POINTS.items() if not point.startswith("reading")}
"""The CLI's points but its reading back (the TUI reads the list back after the dialog)."""


@pytest.fixture
def proxy(local: Local) -> Iterator[LatencyProxy]:
    with LatencyProxy(local.server.port, delay=DELAY) as slow:
        yield slow


def _wait(condition: object, what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


def _history(tmux: list[str]) -> str:
    """The pane, with what scrolled off it."""
    return subprocess.run(
        [*tmux, "capture-pane", "-p", "-J", "-S", "-200", "-t", "t"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("point", list(TUI_POINTS))
def test_a_signal_during_a_rotate_leaves_a_working_secret_and_the_next_rotate_works(
    local: Local,
    proxy: LatencyProxy,
    tmux: list[str],  # noqa: F811
    tmp_path: Path,
    point: str,
    sig: signal.Signals,
) -> None:
    old = asyncio.run(make(local, "deploy"))
    data_dir = tmp_path / "tui-data"  # unused (a cluster): names the process
    command = (
        f"env -u DISPLAY RIME_TUI_CONFIG_DIR={tmp_path / 'config'} RIME_API_TOKEN={local.api_token}"
        f" {sys.executable} -m rime_tui --cluster {proxy.url} --data-dir {data_dir}"
        "; echo rime-tui exited $?; sleep 600"  # the pane stays: its history can be read
    )
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "t", "-x", "120", "-y", "30", command], check=True
    )
    _wait_for(tmux, "Sign in")
    _keys(tmux, "Enter")
    _wait_for(tmux, "1 workspace.")
    _keys(tmux, "Enter")
    _wait_for(tmux, "Your API tokens")
    _keys(tmux, "s")
    _wait_for(tmux, "General")
    _keys(tmux, "t")
    _wait_for(tmux, "2 tokens in this workspace")
    _keys(tmux, "/")
    _keys(tmux, "deploy", literal=True)
    _keys(tmux, "Enter")
    _wait_for(tmux, "1 matches the filter")
    method, path, skip = TUI_POINTS[point]
    proxy.stall(method, path, skip=skip)
    _keys(tmux, "R")
    _wait_for(tmux, "Rotate")
    _keys(tmux, "y")
    _wait(lambda: proxy.stalled == 1, f"the rotate to reach {point}")
    [tui] = _processes_on(data_dir, serve=False)

    os.kill(tui, sig)
    proxy.release()

    _wait_for(tmux, "rime-tui exited")
    _wait(lambda: not proxy.in_flight, "the proxy to settle")
    screen = _history(tmux)
    assert f"rime-tui exited {128 + sig}" in screen, screen
    assert "Traceback" not in screen, screen
    shown = SECRET.findall(screen)
    assert len(set(shown)) <= 1, screen
    printed = shown[0] if shown else None
    assert (printed is None) == (point in ROLLED_BACK), screen
    if printed is None:
        assert sorted(asyncio.run(names(local))) == ["Default token", "deploy"]
    held = printed or old
    assert asyncio.run(works(local, held)), (point, screen)

    again = ok(rime_tui(local, "token", "rotate", "deploy", token=local.api_token))
    new = printed_secret(again.stdout)
    assert new is not None
    assert asyncio.run(works(local, new))
    assert not asyncio.run(works(local, held))
    assert sorted(asyncio.run(names(local))) == ["Default token", "deploy"], again.stderr
    assert not re.search(r"\(rotating\)", " ".join(asyncio.run(names(local))))
