"""TUI benchmarks: first paint, Enter-to-modal, memory, 5,000 workspaces.

Run: ``.venv/bin/python -m tests.benchmarks.bench_tui`` (or ``-m tests.benchmarks``
for everything). Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.pty_app import PtyApp

HERE = Path(__file__).resolve().parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def tui_argv(data_dir: Path, port: int) -> list[str]:
    return [PY, "-m", "rime_tui", "--local", "--data-dir", str(data_dir), "--port", str(port)]


def first_paint(runs: int, tmp: Path) -> None:
    data_dir, port = tmp / "paint", free_port()
    env = {"RIME_TUI_CONFIG_DIR": str(tmp / "config")}
    tui: list[float] = []
    bare: list[float] = []
    for i in range(runs + 1):  # the first pair warms the OS caches and is dropped
        app = PtyApp([PY, str(HERE / "bare_app.py")], env=env)
        t_bare = app.wait_for("Hello from a bare Textual app") - app.started
        app.close()
        app = PtyApp(tui_argv(data_dir, port), env=env)
        t_tui = app.wait_for("Sign in to the RI Platform") - app.started
        app.wait_for("Local instance ready", timeout=60)
        app.close()
        if i:
            bare.append(t_bare)
            tui.append(t_tui)
    b, t = statistics.median(bare), statistics.median(tui)
    print(f"first paint, real pty 100x30, {runs} runs each (process start → text on screen):")
    print(f"  bare Textual app (one line): median {b * 1000:6.0f} ms")
    print(f"  rime-tui sign-in screen:     median {t * 1000:6.0f} ms")
    print(f"  ratio rime-tui / bare:       {t / b:.2f}   (target <= 1.25)")


def create_latency(runs: int, tmp: Path) -> None:
    data_dir, port = tmp / "create", free_port()
    env = {"RIME_TUI_CONFIG_DIR": str(tmp / "config")}
    app = PtyApp(tui_argv(data_dir, port), env=env)
    try:
        app.wait_for("Local instance ready", timeout=60)
        app.send("\r")
        app.wait_for("Workspace 1")
        app.wait_for("workspace(s)")
        app.send("\r")
        app.wait_for("Your API tokens")
        app.send("s")
        app.wait_for("API Access Tokens")
        app.send("t")
        app.wait_for("token in this workspace")
        times: list[float] = []
        rss_first = 0.0
        for i in range(runs):
            app.send("n")
            app.send(f"bench {i:03d}")
            time.sleep(0.05)  # let the typing land before the clock starts
            app.mark()
            start = time.perf_counter()
            app.send("\r")
            times.append(app.wait_for("API access token created") - start)
            if i == 0:
                time.sleep(0.2)
                rss_first = app.rss_mb()
            app.send("\x1b")
            app.wait_for("tokens in this workspace")
        rss_after = app.rss_mb()
    finally:
        app.close()
    print(f"Create Token, real pty, Enter in Token Name → dialog painted, {runs} runs:")
    print(
        f"  p50 {pct(times, 50) * 1000:5.1f} ms   p95 {pct(times, 95) * 1000:5.1f} ms   "
        f"max {max(times) * 1000:5.1f} ms   (target p50 <= 50 ms)"
    )
    print(
        f"memory: TUI RSS after the full flow {rss_first:.1f} MB; after {runs} tokens "
        f"{rss_after:.1f} MB   (target <= 80 MB)"
    )


async def scale(n: int, tmp: Path) -> None:
    from textual.widgets import DataTable, Static

    from rime_tui.local import LocalInstance
    from rime_tui.server.runner import ServerThread, open_instance
    from rime_tui.tui.app import RimeApp
    from rime_tui.tui.screens.signin import SignInScreen
    from rime_tui.tui.screens.workspaces import WorkspacesScreen

    data_dir = tmp / "scale"
    instance = open_instance(data_dir, "http://127.0.0.1")
    with instance.store._write():  # one transaction for the benchmark's fixture data
        for i in range(1, n):
            instance.store._insert_workspace(f"Team {i:05d}", f"Workspace number {i}", None)
    instance.store.close()
    server = ServerThread(data_dir).start()
    try:
        app = RimeApp(local=LocalInstance(data_dir, server.port), remember=False)
        async with app.run_test(size=(100, 30)) as pilot:
            while not (
                isinstance(app.screen, SignInScreen)
                and "ready" in str(app.screen.query_one("#status", Static).render())
            ):
                await pilot.pause(0.01)
            start = time.perf_counter()
            await pilot.press("enter")
            while not isinstance(app.screen, WorkspacesScreen):
                await pilot.pause(0.001)
            table = app.screen.query_one(DataTable)
            while table.row_count == 0:
                await pilot.pause(0.001)
            first_rows = time.perf_counter() - start
            keys: list[float] = []
            while len(app.screen.workspaces) < n:  # keys answered while pages still load
                t = time.perf_counter()
                await pilot.press("down")
                keys.append(time.perf_counter() - t)
            all_rows = time.perf_counter() - start
            filter_keys: list[float] = []
            for key in ["slash", *"04999"]:
                t = time.perf_counter()
                await pilot.press(key)
                filter_keys.append(time.perf_counter() - t)
            shown = table.row_count
    finally:
        server.stop()
    print(f"scale: {n} workspaces, pages of 200:")
    print(
        f"  first rows shown {first_rows * 1000:.0f} ms after Enter; all {n} loaded in "
        f"{all_rows * 1000:.0f} ms"
    )
    if keys:
        median = statistics.median(keys) * 1000
        print(
            f"  {len(keys)} cursor moves during loading: median {median:.1f} ms,"
            f" max {max(keys) * 1000:.1f} ms per key"
        )
    print(
        f"  filter '/04999' over {n} rows: median {statistics.median(filter_keys) * 1000:.1f} ms,"
        f" max {max(filter_keys) * 1000:.1f} ms per key; {shown} row(s) match"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--paint-runs", type=int, default=10)
    parser.add_argument("--create-runs", type=int, default=50)
    parser.add_argument("--workspaces", type=int, default=5000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rime-bench-") as tmp:
        first_paint(args.paint_runs, Path(tmp))
        create_latency(args.create_runs, Path(tmp))
        asyncio.run(scale(args.workspaces, Path(tmp)))


if __name__ == "__main__":
    main()
