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
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from tests.support.cli import SECRET, make, names, ok, printed_secret, rime_tui, works
from tests.support.latency_proxy import LatencyProxy
from tests.support.local import Local
from tests.support.rotate import ROLLED_BACK, ROTATE_POINTS
from tests.support.tmux import history, keys, launch, processes_on, to_tokens, wait_for
from tests.support.tui import (
    far_app,
    keys_settled,
    reach_tokens,
    screen,
    signed_in_through,
    until,
)
from tests.support.tui_health import WorkerFailures, assert_healthy

DELAY = 0.05
"""Seconds a request takes through the proxy (the stall, not the delay, picks the point)."""
PATIENCE = 60.0
"""Seconds to wait for a step (a failure, not a timing)."""

TUI_POINTS = ROTATE_POINTS
"""The CLI's points but its reading back (the TUI reads the list back after the dialog)."""
PRINTED = {"old delete": "deploy (rotating)"}
"""Whose secret is printed at a point past the stand-in's: the stand-in's while the old
token's delete is held (it may or may not be done), else the new token's."""


@pytest.fixture
def proxy(local: Local) -> Iterator[LatencyProxy]:
    with LatencyProxy(local.server.port, delay=DELAY) as slow:
        yield slow


def _wait(condition: object, what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


async def _rotate(pilot: Any, tokens: TokensScreen, name: str) -> None:
    """`R y` on the row of *name*."""
    table = tokens.query_one(DataTable)
    table.move_cursor(row=[t.name for t in tokens.tokens].index(name))
    await pilot.press("R")
    await screen(pilot, ConfirmScreen)
    await pilot.press("y")


@pytest.mark.parametrize("point", list(TUI_POINTS))
async def test_esc_esc_during_a_rotate_waits_for_its_secret_and_the_next_rotate_works(
    local: Local, proxy: LatencyProxy, failures: WorkerFailures, point: str
) -> None:
    # Esc Esc while the rotate's request is held: the keys wait for the dialog (the first
    # Esc asks there, the second keeps it open), whichever request it was.
    old = await make(local, "deploy")
    app = far_app(proxy)
    async with app.run_test(size=(100, 30)) as pilot:
        tokens = await reach_tokens(pilot, rows=2, signed_in=signed_in_through(local, proxy))
        method, path, skip = TUI_POINTS[point]
        proxy.stall(method, path, skip=skip)
        await _rotate(pilot, tokens, "deploy")
        await until(pilot, lambda: proxy.stalled == 1, f"the rotate to reach {point}")
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert app.screen is tokens  # the Escs wait: the page stays
        proxy.release()
        await keys_settled(pilot)
        dialog = await screen(pilot, TokenCreatedScreen)
        assert dialog.token_name == "deploy"
        held = dialog.token  # (wiped when the dialog closes)
        assert await works(local, held)
        assert not await works(local, old)
        assert sorted(await names(local)) == ["Default token", "deploy"]

        await pilot.press("escape")  # not kept: asks
        await screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await screen(pilot, TokensScreen)

        def read_back() -> bool:
            """The page lists one deploy: the one whose secret is held."""
            deploys = [t for t in tokens.tokens if "deploy" in t.name]
            return [(t.name, held.endswith(t.suffix)) for t in deploys] == [("deploy", True)]

        await until(pilot, read_back, "the list read back")
        await _rotate(pilot, tokens, "deploy")
        again = await screen(pilot, TokenCreatedScreen)
        assert again.token_name == "deploy"
        assert await works(local, again.token)
        assert not await works(local, held)
        assert sorted(await names(local)) == ["Default token", "deploy"]
        assert_healthy(app, failures)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("point", list(TUI_POINTS))
def test_a_signal_during_a_rotate_leaves_a_working_secret_and_the_next_rotate_works(
    local: Local,
    proxy: LatencyProxy,
    tmux: list[str],
    tmp_path: Path,
    point: str,
    sig: signal.Signals,
) -> None:
    old = asyncio.run(make(local, "deploy"))
    data_dir = tmp_path / "tui-data"  # unused (a cluster): names the process
    # The pane stays after rime-tui exits: its history can be read.
    launch(
        tmux,
        tmp_path / "config",
        f"--cluster {proxy.url} --data-dir {data_dir}",
        size=(120, 30),
        env=f"RIME_API_TOKEN={local.api_token}",
        keep_pane=True,
    )
    wait_for(tmux, "Sign in")
    to_tokens(tmux, rows="2 tokens in this workspace")
    keys(tmux, "/")
    keys(tmux, "deploy", literal=True)
    keys(tmux, "Enter")
    wait_for(tmux, "1 matches the filter")
    method, path, skip = TUI_POINTS[point]
    proxy.stall(method, path, skip=skip)
    keys(tmux, "R")
    wait_for(tmux, "Rotate")
    keys(tmux, "y")
    _wait(lambda: proxy.stalled == 1, f"the rotate to reach {point}")
    [tui] = processes_on(data_dir, serve=False)

    os.kill(tui, sig)
    proxy.release()

    wait_for(tmux, "rime-tui exited")
    _wait(lambda: not proxy.in_flight, "the proxy to settle")
    screen = history(tmux)
    assert f"rime-tui exited {128 + sig}" in screen, screen
    assert "Traceback" not in screen, screen
    shown = SECRET.findall(screen)
    assert len(set(shown)) <= 1, screen
    printed = shown[0] if shown else None
    assert (printed is None) == (point in ROLLED_BACK), screen
    if printed is not None:
        whose = PRINTED.get(point, "deploy")
        assert f"The secret of {whose!r}, shown only now, once:\n{printed}" in screen, screen
    else:
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
