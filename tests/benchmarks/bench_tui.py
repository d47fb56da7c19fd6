"""TUI benchmarks: first paint, Enter-to-modal, memory, 5,000 workspaces.

Run: ``.venv/bin/python -m tests.benchmarks.bench_tui`` (or ``-m tests.benchmarks``
for everything). Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.benchmarks.bare_app import GREETING
from tests.benchmarks.cell_minimum import Terminal, minimum_bytes
from tests.benchmarks.pty_app import PtyApp
from tests.support.net import free_port

HERE = Path(__file__).resolve().parent
PY = sys.executable


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def tui_argv(data_dir: Path, port: int) -> list[str]:
    return [PY, "-m", "rime_tui", "--local", "--data-dir", str(data_dir), "--port", str(port)]


def bare_argv(*flags: str) -> list[str]:
    return [PY, str(HERE / "bare_app.py"), *flags]


def first_paint(runs: int, tmp: Path) -> None:
    """Process start → first screen on a real pty, rime-tui and a bare app in turn."""
    data_dir, port = tmp / "paint", free_port()
    env = {"RIME_TUI_CONFIG_DIR": str(tmp / "config")}
    tui: list[float] = []
    bare: list[float] = []
    for i in range(runs + 1):  # the first pair warms the OS caches and the .pyc files
        app = PtyApp(bare_argv(), env=env)
        t_bare = app.wait_for(GREETING) - app.started
        app.close()
        app = PtyApp(tui_argv(data_dir, port), env=env)
        t_tui = app.wait_for("Sign in to the RI Platform") - app.started
        app.wait_for("Local instance ready", timeout=60)
        app.close()
        if i:
            bare.append(t_bare)
            tui.append(t_tui)
    b, t = statistics.median(bare), statistics.median(tui)
    print(f"first paint, real pty 100x30, {runs} interleaved runs each (start → text on screen):")
    print(f"  bare Textual app (Header + Static + Footer): median {b * 1000:6.0f} ms")
    print(f"  rime-tui sign-in screen:                     median {t * 1000:6.0f} ms")
    print(f"  ratio rime-tui / bare:                       {t / b:.2f}   (target <= 1.15)")


def instructions(argv: list[str], tmp: Path) -> int:
    """Instructions a program executes (callgrind), run in a pty until it exits."""
    out = tmp / "callgrind.out"
    app = PtyApp(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            "--log-file=/dev/null",
            *argv,
        ],
        env={"PYTHONHASHSEED": "0", "RIME_TUI_CONFIG_DIR": str(tmp / "config")},
    )
    code = app.wait_exit(600)
    if code != 0:
        raise RuntimeError(f"{argv} exited with {code}: …{app.text[-400:]!r}")
    for line in out.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no total in {out}")


def first_paint_instructions(runs: int, tmp: Path) -> None:
    """Instructions from process start to the first screen painted, then exit."""
    if shutil.which("valgrind") is None:
        print("first paint, instructions: valgrind is not installed; skipped")
        return
    bare: list[int] = []
    tui: list[int] = []
    bare_run = bare_argv("--exit-after-paint")
    tui_run = [PY, "-m", "tests.benchmarks.paint_probe", str(tmp / "p")]
    for argv in (bare_run, tui_run):  # once outside valgrind: writes any stale .pyc first
        warm = PtyApp(argv, env={"RIME_TUI_CONFIG_DIR": str(tmp / "config")})
        warm.wait_exit(120)
    for _ in range(runs):
        bare.append(instructions(bare_run, tmp))
        tui.append(instructions(tui_run, tmp))
    spread = max(max(v) / min(v) - 1 for v in (bare, tui)) * 100
    b, t = statistics.median(bare), statistics.median(tui)
    print(f"first paint, instructions (callgrind, start → painted → exit), {runs} runs each:")
    print(f"  bare Textual app: {b / 1e6:8.1f} M   rime-tui sign-in: {t / 1e6:8.1f} M")
    print(f"  ratio rime-tui / bare: {t / b:.3f}   (largest spread between runs {spread:.3f} %)")


def create_latency(runs: int, tmp: Path) -> None:
    """Enter in Token Name → dialog painted, against a bare app pushing a trivial
    ModalScreen, in turn, both on real ptys."""
    data_dir, port = tmp / "create", free_port()
    env = {"RIME_TUI_CONFIG_DIR": str(tmp / "config")}
    app = PtyApp(tui_argv(data_dir, port), env=env)
    bare = PtyApp(bare_argv("--modal"), env=env)
    try:
        bare.wait_for(GREETING)
        app.wait_for("Local instance ready", timeout=60)
        app.send("\r")
        app.wait_for("Workspace 1")
        app.wait_for("workspace")
        app.send("\r")
        app.wait_for("Your API tokens")
        app.send("s")
        app.wait_for("API Access Tokens")
        app.send("t")
        app.wait_for("token in this workspace")
        times: list[float] = []
        bare_times: list[float] = []
        rss_first = 0.0
        for i in range(runs):
            bare.send("x")
            time.sleep(0.05)
            bare.mark()
            start = time.perf_counter()
            bare.send("\r")
            bare_times.append(bare.wait_for(f"bare modal shown {i + 1}") - start)
            bare.send("\x1b")

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
            app.mark()
            app.send("\x1b")  # not copied: the dialog asks first
            app.wait_for("Close anyway?")
            app.send("y")
            # The list reloaded with the new token: the dialog is gone, keys reach the list.
            app.wait_for(f"{i + 2} tokens in this workspace")
        rss_after = app.rss_mb()
    finally:
        app.close()
        bare.close()
    print(f"Create Token, real pty, Enter → dialog painted, {runs} runs, in turn with a bare app:")
    if runs >= 20:
        early, late = statistics.median(times[:10]), statistics.median(times[-10:])
        print(
            f"  rime-tui median of the first 10 runs {early * 1000:.1f} ms, "
            f"of the last 10 {late * 1000:.1f} ms"
        )
    b50, t50 = pct(bare_times, 50), pct(times, 50)
    for label, values in (("bare ModalScreen push", bare_times), ("rime-tui Create Token", times)):
        p50, p95 = pct(values, 50) * 1000, pct(values, 95) * 1000
        print(f"  {label}: p50 {p50:5.1f} ms   p95 {p95:5.1f} ms")
    print(f"  ratio of the p50s: {t50 / b50:.2f}   (target <= 2)")
    print(
        f"memory: TUI RSS after the full flow {rss_first:.1f} MB; after {runs} tokens "
        f"{rss_after:.1f} MB   (target <= 80 MB)"
    )


def gc_pauses(tmp: Path) -> None:
    """Garbage-collector pauses in the app during the README flow (Pilot, in-process)."""
    import gc

    from tests.support.local import start_local
    from tests.support.tui import gc_flow

    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started: list[float] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            pauses[info["generation"]].append(time.perf_counter() - started.pop())

    local = start_local(tmp / "gc")
    gc.callbacks.append(callback)
    try:
        asyncio.run(gc_flow(local))
    finally:
        gc.callbacks.remove(callback)
        local.server.stop()
    worst = max(pauses[2], default=0.0)
    print("GC during the README flow (sign in → Create Token → dialog), in-process:")
    print(
        "  collections: "
        + ", ".join(f"gen {g}: {len(v)}" for g, v in pauses.items())
        + f"; longest gen-2 pause {worst * 1000:.1f} ms   (target <= 20 ms)"
    )


def scale(n: int, tmp: Path) -> None:

    data_dir, port = tmp / "scale", free_port()
    instance_with(data_dir, n, port)
    app = PtyApp(tui_argv(data_dir, port), env={"RIME_TUI_CONFIG_DIR": str(tmp / "config")})
    try:
        app.wait_for("Local instance ready", timeout=60)
        app.mark()
        start = time.perf_counter()
        app.send("\r")
        first_rows = app.wait_for("Team 00001") - start
        app.mark()
        typed = time.perf_counter()
        app.send("/zq")  # typed while the rest still loads
        echo = app.wait_for("zq") - typed
        all_rows = app.wait_for(f"0 of {n} workspaces match") - start  # 'zq' matches none
        app.send("\x1b")
        app.wait_for(f"{n} workspaces.")
        time.sleep(0.3)
        app.send("/")
        wanted = f"{n - 1:05d}"
        for char in wanted:  # a fast typist: 30 ms a key
            time.sleep(0.03)
            app.send(char)
        typed = time.perf_counter()
        applied = app.wait_for(f"1 of {n} workspaces match") - typed
        app.mark()
        cleared = time.perf_counter()
        app.send("\x1b")  # leave the filter: every row again
        first_back = app.wait_for("Team 00001") - cleared
        back = app.wait_for(f"{n} workspaces.") - cleared
    finally:
        app.close()
    print(f"scale: {n} workspaces (pages of 200), real pty:")
    print(f"  first rows painted {first_rows * 1000:.0f} ms after Enter on sign-in")
    print(f"  keys typed while loading ('/zq' in the filter) echoed after {echo * 1000:.0f} ms")
    print(f"  all {n} listed {all_rows * 1000:.0f} ms after Enter")
    print(
        f"  filter '{wanted}' typed at 30 ms/key: result painted {applied * 1000:.0f} ms after the"
    )
    print(
        f"  last key; Esc back to all: first rows {first_back * 1000:.0f} ms, "
        f"all {n} {back * 1000:.0f} ms"
    )


def instance_with(data_dir: Path, spaces: int, port: int = 0) -> None:
    """A fresh local instance's data in *data_dir*, with *spaces* workspaces ("Workspace
    1" and "Team 00001" on), written in one transaction (the benchmark's fixture data)."""
    from rime_tui.server.runner import open_instance

    instance = open_instance(data_dir, f"http://127.0.0.1:{port or free_port()}")
    with instance.store.transaction():
        for i in range(1, spaces):
            instance.store.insert_workspace(f"Team {i:05d}", f"Workspace number {i}", None)
    instance.store.close()


async def _seed_tokens(data_dir: Path, port: int, spaces: int, per_space: int) -> None:
    """*spaces* workspaces of *per_space* tokens each, the bootstrap token included."""
    from rime_tui.api import RimeClient
    from tests.support.local import start_local

    local = start_local(data_dir, port=port)
    try:
        async with RimeClient(local.url) as root:
            await root.login(local.admin_email, local.admin_password)
            ids = [local.workspace_id]
            ids += [await root.create_workspace(f"Team {i:02d}") for i in range(1, spaces)]
            for n, ws in enumerate(ids):
                for i in range(per_space - (1 if n == 0 else 0)):
                    await root.create_api_token(f"token {n:02d}-{i}", ws)
    finally:
        local.server.stop()


def token_scale(runs: int, tmp: Path, spaces: int = 50, per_space: int = 4) -> None:
    """API Access Tokens with 200 tokens across 50 workspaces: `a` to the all-workspaces
    view and `a` back to one workspace, in turn; each until its rows are painted."""
    data_dir, port = tmp / "tokens", free_port()
    total = spaces * per_space
    asyncio.run(_seed_tokens(data_dir, port, spaces, per_space))
    app = PtyApp(tui_argv(data_dir, port), env={"RIME_TUI_CONFIG_DIR": str(tmp / "config")})
    one: list[float] = []
    every: list[float] = []
    try:
        app.wait_for("Local instance ready", timeout=60)
        app.send("\r")
        app.wait_for(f"{spaces} workspace")
        app.send("\r")
        app.wait_for("Your API tokens")
        app.send("s")
        app.wait_for("API Access Tokens")
        app.send("t")
        # (The meter can paint first: Overview counted the instance already.)
        app.wait_for_each(
            f"{per_space} tokens in this workspace", f"{total} of 200 tokens on this instance"
        )
        for _ in range(runs):
            time.sleep(0.2)
            app.mark()
            start = time.perf_counter()
            app.send("a")
            every.append(app.wait_for(f"{total} tokens in all workspaces") - start)
            time.sleep(0.2)
            app.mark()
            start = time.perf_counter()
            app.send("a")
            one.append(app.wait_for(f"{per_space} tokens in this workspace") - start)
    finally:
        app.close()
    o, e = statistics.median(one), statistics.median(every)
    print(f"tokens: {total} tokens across {spaces} workspaces, real pty, {runs} runs each:")
    print(f"  `a` to one workspace ({per_space} rows) painted:  median {o * 1000:6.0f} ms")
    print(f"  `a` to all workspaces ({total} rows) painted:  median {e * 1000:6.0f} ms")
    print(f"  ratio all / one:                            {e / o:.2f}   (target <= 1.5)")


async def _count_meter(url: str, email: str, password: str, wide: int) -> tuple[float, float, int]:
    """(seconds, client CPU seconds) of the instance meter's count (every workspace's
    tokens, the workspace list known as the app knows it) with *wide* workspaces
    listed at once, and the workspaces counted."""
    from rime_tui.api import RimeClient
    from rime_tui.api import tokens as listing_module

    async with RimeClient(url) as client:
        await client.login(email, password)
        spaces = await listing_module.workspaces(client)
        saved, listing_module.CONCURRENT_LISTS = listing_module.CONCURRENT_LISTS, wide
        try:
            listing = listing_module.InstanceListing(client)
            listing.workspaces = spaces
            start, cpu = time.perf_counter(), time.process_time()
            await listing.get()
            return time.perf_counter() - start, time.process_time() - cpu, len(spaces)
        finally:
            listing_module.CONCURRENT_LISTS = saved


@contextlib.contextmanager
def proxy_process(upstream_port: int, delay: float) -> Iterator[str]:
    """The latency proxy in a process of its own (its URL): the client's CPU is then
    the client's alone, as behind a real network."""
    command = [sys.executable, "-m", "tests.support.latency_proxy", str(upstream_port), str(delay)]
    proxy = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert proxy.stdout is not None
        yield f"http://127.0.0.1:{int(proxy.stdout.readline())}"
    finally:
        assert proxy.stdin is not None
        proxy.stdin.close()
        proxy.wait(10)


def path_at_a_distance(tmp: Path, latency: float, runs: int = 3) -> None:
    """The README's path with an API token (sign-in → Workspaces → Overview → Settings →
    Tokens → Create Token, the dialog shown), the real app in-process against a local
    instance behind the latency proxy, at 0 ms and at *latency*: sequential round trips
    per screen (the proxy counts them), the connections each step opened, and the time
    from Enter on the form to the dialog,
    against its goal: time at 0 ms + 4 round trips x *latency*, x 1.15. Then the requests
    of the whole path (the sign-in included), signed in as the org admin at 0 ms, on
    instances of PATH_WORKSPACES workspaces: goal, workspaces + a constant."""
    from tests.support.latency_proxy import LatencyProxy
    from tests.support.local import start_local

    local = start_local(tmp / "path")
    try:
        times: dict[float, list[float]] = {0.0: [], latency: []}
        steps: list[tuple[str, int, int]] = []
        with LatencyProxy(local.server.port) as proxy:
            for _ in range(runs):
                for delay in (0.0, latency):  # in turn
                    proxy.set_delay(delay)
                    took, steps = asyncio.run(_walk_the_path(proxy, local.api_token))
                    times[delay].append(took)
    finally:
        local.server.stop()
    at_0, far = statistics.median(times[0.0]), statistics.median(times[latency])
    floor = at_0 + 4 * latency
    print(f"the path to the dialog with an API token, {runs} runs each in turn (medians):")
    print("  sequential round trips: " + ", ".join(f"{name} {n}" for name, n, _ in steps), end="")
    print(f"; in all {sum(n for _, n, _ in steps)} (goal 4)")
    opened = ", ".join(f"{name} {n}" for name, _, n in steps)
    print(f"  connections opened (each a TCP, and over TLS a handshake's, round trip): {opened}")
    print(f"  at 0 ms {at_0:.2f} s; at {latency * 1000:.0f} ms {far:.2f} s", end="")
    print(f" = {far / floor:.2f}x", end="")
    print(f" (0 ms + 4 x {latency * 1000:.0f} ms = {floor:.2f} s; goal <= 1.15)")
    print("  requests on the path, signed in as the org admin (the meters count every workspace):")
    beyond = set()
    for spaces in PATH_WORKSPACES:
        total, lists = _requests_as_the_admin(tmp / f"path{spaces}", spaces)
        beyond.add(total - spaces)
        print(
            f"    {spaces:3d} workspace{'s' if spaces > 1 else ' '}: {total:3d} requests"
            f" = workspaces + {total - spaces} ({lists} token lists)"
        )
    verdict = "✓" if len(beyond) == 1 else "✗"
    print(f"    (goal: workspaces + a constant) {verdict}")


PATH_WORKSPACES = (1, 50, 200)


def _requests_of(requests: list[tuple[str, str]]) -> tuple[int, int]:
    """(the path's requests, its token lists), from the proxy's log of a walk."""
    lists = sum(1 for method, path in requests if (method, path) == ("GET", "/v1/users/api-tokens"))
    return len(requests), lists


def _requests_as_the_admin(data_dir: Path, spaces: int) -> tuple[int, int]:
    """One walk of the path at 0 ms, signed in as the org admin (their session sees every
    workspace), on an instance of *spaces* workspaces."""
    from tests.support.latency_proxy import LatencyProxy
    from tests.support.local import start_local
    from tests.support.tui import signed_in_through

    instance_with(data_dir, spaces)
    local = start_local(data_dir)
    try:
        with LatencyProxy(local.server.port) as proxy:
            asyncio.run(_walk_the_path(proxy, None, signed_in_through(local, proxy)))
            return _requests_of(proxy.requests)
    finally:
        local.server.stop()


async def _walk_the_path(
    proxy: Any, api_token: str | None, signed_in: Any = None
) -> tuple[float, list[tuple[str, int, int]]]:
    """One walk of the path, signed in with *api_token* through the form, or by
    *signed_in* (tests.support.tui.signed_in_through: the admin's session); the seconds
    from Enter to the dialog, and each step's sequential round trips and connections."""
    from textual.widgets import DataTable

    from rime_tui.tui.screens.overview import OverviewScreen
    from rime_tui.tui.screens.settings import SettingsScreen
    from rime_tui.tui.screens.signin import SignInScreen
    from rime_tui.tui.screens.token_created import TokenCreatedScreen
    from rime_tui.tui.screens.tokens import TokensScreen
    from rime_tui.tui.widgets import TextInput
    from tests.support.tui import far_app, screen, until

    app = far_app(proxy, api_token=api_token)
    steps: list[tuple[str, int, int]] = []  # (step, sequential round trips, connections)
    async with app.run_test(size=(100, 30)) as pilot:
        await screen(pilot, SignInScreen)
        await pilot.pause()
        proxy.reset_counts()
        start, rounds, connections = time.perf_counter(), 0, 0

        def step(name: str) -> None:
            nonlocal rounds, connections
            steps.append((name, proxy.rounds - rounds, proxy.connections - connections))
            rounds, connections = proxy.rounds, proxy.connections

        if signed_in is None:
            await pilot.press("enter")  # the form holds the cluster and the token
        else:
            await signed_in(pilot)
        await until(pilot, lambda: app.screen.query(DataTable), "Workspaces")
        await until(pilot, lambda: app.screen.query_one(DataTable).row_count > 0, "its rows")
        step("sign-in + Workspaces")
        await pilot.press("enter")
        overview = await screen(pilot, OverviewScreen)
        await until(pilot, lambda: overview._fetched, "the overview's figures")
        step("Overview")
        await pilot.press("s")
        await screen(pilot, SettingsScreen)
        step("Settings")
        await pilot.press("t")
        tokens = await screen(pilot, TokensScreen)
        table = tokens.query_one(DataTable)
        await until(pilot, lambda: table.row_count > 0, "the token rows")
        step("Tokens")
        typing = time.perf_counter()  # the typing is the user's time, not the app's
        name = f"p{time.monotonic_ns() % 10**6}"  # a name not taken yet
        await pilot.press("n", *name)
        field = tokens.query_one("#token-name", TextInput)
        await until(pilot, lambda: field.value == name, "the typed name")
        start += time.perf_counter() - typing
        await pilot.press("enter")
        await screen(pilot, TokenCreatedScreen)
        step("create")
        took = time.perf_counter() - start
        await app.workers.wait_for_complete()
    return took, steps


def meter_scale(tmp: Path, latency: float, sizes: tuple[int, ...] = (20, 200, 1000)) -> None:
    """The instance meter's count at 20 / 200 / 1,000 workspaces behind the latency proxy
    (the instance and the proxy each in a process of its own, as a cluster and a network
    are): 8 at once (before issue K) against CONCURRENT_LISTS at once; the floor is one
    round trip per wave. CPU: the client's and the instance's, during the count at
    CONCURRENT_LISTS through the proxy."""
    import math

    from rime_tui.api.tokens import CONCURRENT_LISTS
    from tests.benchmarks.bench_server_floor import cpu_seconds
    from tests.support.serve_process import start_serve

    print(f"meter: the instance count behind a {latency * 1000:.0f} ms proxy:")
    points: list[tuple[int, float]] = []
    for n in sizes:
        data_dir = tmp / f"meter{n}"
        instance_with(data_dir, n)
        served = start_serve(data_dir, tmp / f"meter{n}.log")
        try:
            boot = served.bootstrap()
            creds = (boot["admin_email"], boot["admin_password"])
            at_zero, _, _ = asyncio.run(_count_meter(served.url, *creds, CONCURRENT_LISTS))
            with proxy_process(served.port, latency) as url:
                old, _, _ = asyncio.run(_count_meter(url, *creds, 8))
                served_cpu = cpu_seconds(served.pid)
                new, client_cpu, seen = asyncio.run(_count_meter(url, *creds, CONCURRENT_LISTS))
                served_cpu = cpu_seconds(served.pid) - served_cpu
        finally:
            served.stop()
        points.append((seen, new))
        waves = math.ceil(seen / CONCURRENT_LISTS) * latency
        print(
            f"  {seen:5d} workspaces: 8 at once {old:6.2f} s, {CONCURRENT_LISTS} at once "
            f"{new:6.2f} s; floor: {waves:4.1f} s of round trips, {at_zero:5.2f} s at 0 ms; "
            f"CPU client {client_cpu:4.2f} s, instance {served_cpu:4.2f} s"
        )
    (n0, t0), (n1, t1) = points[0], points[-1]
    print(
        f"  slope {(t1 - t0) / (n1 - n0) * 1000:.2f} ms per workspace at {CONCURRENT_LISTS} at once"
        f" (goal at 1,000 and {latency * 1000:.0f} ms: <= 2 s)"
    )


def terminal_bytes(tmp: Path, idle: float = 20.0) -> None:
    """Bytes written to an 80x24 pty: per step of the flow to Create Token, and per idle
    minute with the Token Name field focused, against a bare Textual app whose Input is
    focused (Textual's cursor blinks)."""
    data_dir, port = tmp / "bytes", free_port()
    env = {"RIME_TUI_CONFIG_DIR": str(tmp / "config")}
    bare = PtyApp(bare_argv("--modal"), cols=80, rows=24, env=env)
    try:
        bare.wait_for(GREETING)
        bare.drain(1.0)
        bare_idle = bare.drain(idle) * 60 / idle
    finally:
        bare.close()
    app = PtyApp(tui_argv(data_dir, port), cols=80, rows=24, env=env)
    steps: list[tuple[str, int]] = []
    bounds = [0]  # where each step starts and ends in app.raw
    try:
        app.wait_for("Local instance ready", timeout=60)
        app.drain(0.5)
        steps.append(("first paint (sign-in)", app.bytes_read))
        bounds.append(app.bytes_read)
        for key, label, needle in (
            ("\r", "Enter: Workspaces", "workspace"),
            ("\r", "Enter: Overview", "Your API tokens"),
            ("s", "s: Settings", "Settings"),
            ("t", "t: API Access Tokens", "in this workspace"),
            ("n", "n: the Token Name field", "Token Name"),
        ):
            before = app.bytes_read
            app.mark()
            app.send(key)
            app.wait_for(needle)
            app.drain(1.0)  # whatever the step still paints
            steps.append((label, app.bytes_read - before))
            bounds.append(app.bytes_read)
        tui_idle = app.drain(idle) * 60 / idle
    finally:
        app.close()
    floors = changed_cell_floors(bytes(app.raw), bounds)
    print("terminal bytes, real pty 80x24 (against the changed cells' minimum):")
    for (label, n), floor in zip(steps, floors or [0] * len(steps), strict=True):
        print(f"  {label:28s} {n / 1000:7.1f} KB", end="")
        print(f" against {floor / 1000:5.1f} KB: {n / floor:4.1f}x" if floor else "")
    if floors:
        wrote, needed = sum(n for _, n in steps), sum(floors)
        print(f"  the flow: {wrote / 1000:.1f} KB against {needed / 1000:.1f} KB: ", end="")
        print(f"{wrote / needed:.2f}x (goal <= 2.5)")
    else:
        print("  (the changed cells' minimum needs pyte: pip install -e '.[test]')")
    print(f"  idle, Token Name focused:    {tui_idle / 1000:7.1f} KB a minute (goal 0)")
    print(f"  bare Textual app, Input focused, idle: {bare_idle / 1000:7.1f} KB a minute")


def changed_cell_floors(raw: bytes, bounds: list[int]) -> list[int] | None:
    """For each step (``raw[bounds[i]:bounds[i + 1]]``), the bytes that would update only
    the cells it changed (:mod:`tests.benchmarks.cell_minimum`); None without pyte."""
    try:
        terminal = Terminal(80, 24)
    except ImportError:
        return None
    floors, screen = [], terminal.grid()
    for start, end in itertools.pairwise(bounds):
        terminal.feed(raw[start:end])
        after = terminal.grid()
        floors.append(minimum_bytes(screen, after))
        screen = after
    return floors


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--paint-runs", type=int, default=20)
    parser.add_argument("--instruction-runs", type=int, default=2)
    parser.add_argument("--create-runs", type=int, default=50)
    parser.add_argument("--workspaces", type=int, default=5000)
    parser.add_argument("--token-runs", type=int, default=10)
    parser.add_argument("--latency", type=float, default=100.0, help="ms, for meter and path")
    parser.add_argument(
        "--only",
        choices=[
            "paint",
            "instructions",
            "create",
            "gc",
            "scale",
            "tokens",
            "meter",
            "path",
            "bytes",
        ],
        help="one part",
    )
    args = parser.parse_args(argv)
    parts: dict[str, Callable[[Path], None]] = {
        "paint": lambda tmp: first_paint(args.paint_runs, tmp),
        "instructions": lambda tmp: first_paint_instructions(args.instruction_runs, tmp),
        "create": lambda tmp: create_latency(args.create_runs, tmp),
        "gc": gc_pauses,
        "scale": lambda tmp: scale(args.workspaces, tmp),
        "tokens": lambda tmp: token_scale(args.token_runs, tmp),
        "meter": lambda tmp: meter_scale(tmp, args.latency / 1000),
        "path": lambda tmp: path_at_a_distance(tmp, args.latency / 1000),
        "bytes": terminal_bytes,
    }
    with tempfile.TemporaryDirectory(prefix="rime-bench-") as tmp:
        for name, part in parts.items():
            if args.only in (None, name):
                part(Path(tmp))


if __name__ == "__main__":
    main()
