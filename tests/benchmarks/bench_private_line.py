"""The owner's CLI and TUI while another user floods and sprays the TCP port (issue J).

    .venv/bin/python -m tests.benchmarks.bench_private_line [--flood 150] [--spray 200]

Starts ``python -m rime_tui serve`` with a fresh data dir and times, first with
nothing else going on, then while a second Unix user (root only: created as in
the tests; otherwise the same user, which says less) holds *flood* slow
connections (``GET / HTTP/1.1\\r\\n`` and nothing more, reopened as soon as the
instance closes them) and sends *spray* failed sign-ins (every other one for
admin@rime.local, the rest for random emails) to the TCP port:

- ``rime-tui token list`` in local mode (a process: start, private line, sign-in,
  list, sign-out), the median of a few runs;
- the TUI (in process, Pilot): from start to the sign-in screen's "ready", and
  from Enter to the API Access Tokens table filled in;
- for comparison, a client on the TCP port: ``GET /v1/rime-info`` with the API
  token (what a ``curl`` of the seed's examples meets).

Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.other_user import FLOOD, PYTHON, SPRAY, other_user
from tests.support.serve_process import ServeProcess, serving

RUNS = 3


def cli_seconds(served: ServeProcess) -> tuple[float, str]:
    """The median wall time of ``rime-tui token list`` and how the runs ended."""
    times, ends = [], []
    for _ in range(RUNS):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "rime_tui", "token", "list", "--json"]  # noqa: RUF005
            + ["--data-dir", str(served.data_dir), "--port", str(served.port)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        times.append(time.perf_counter() - start)
        ends.append("ok" if done.returncode == 0 else f"exit {done.returncode}")
    return statistics.median(times), ", ".join(sorted(set(ends)))


async def tui_seconds(served: ServeProcess) -> tuple[float, float]:
    """(start → sign-in ready, Enter → tokens listed) for one TUI run."""
    from rime_tui.local import LocalInstance
    from rime_tui.tui.app import RimeApp
    from rime_tui.tui.screens.workspaces import WorkspacesScreen
    from tests.support.tui import open_tokens, ready_sign_in, screen

    app = RimeApp(local=LocalInstance(served.data_dir, served.port), remember=False)
    start = time.perf_counter()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready_sign_in(pilot)
        ready = time.perf_counter() - start
        entered = time.perf_counter()
        await pilot.press("enter")
        await screen(pilot, WorkspacesScreen)
        await open_tokens(pilot, lambda n: n >= 1)
        listed = time.perf_counter() - entered
    return ready, listed


def tcp_client(served: ServeProcess) -> str:
    """What a client of the TCP port meets: 10 GET /v1/rime-info, 5 s timeout each."""
    token = served.bootstrap()["api_token"]
    answers, times = [], []
    with httpx.Client(timeout=5.0) as http:
        for _ in range(10):
            start = time.perf_counter()
            try:
                status = http.get(
                    f"{served.url}/v1/rime-info", headers={"rime-api-key": token}
                ).status_code
                answers.append(str(status))
            except httpx.HTTPError as exc:
                answers.append(type(exc).__name__)
            times.append(time.perf_counter() - start)
    counts = {a: answers.count(a) for a in sorted(set(answers))}
    return f"{counts}, median {statistics.median(times) * 1000:.0f} ms"


def measure(served: ServeProcess, label: str) -> None:
    cli, ends = cli_seconds(served)
    ready, listed = asyncio.run(tui_seconds(served))
    print(f"{label}:")
    print(f"  rime-tui token list: {cli:.2f} s (median of {RUNS}; {ends})")
    print(f"  TUI: sign-in ready {ready:.2f} s; Enter → tokens listed {listed:.2f} s")
    print(f"  TCP client (GET /v1/rime-info): {tcp_client(served)}")


Start = Callable[..., subprocess.Popen[str]]


def as_myself(script: str, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [PYTHON, "-c", script, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
    )


@contextmanager
def attacker() -> Iterator[tuple[str, Start]]:
    """Who attacks, and how to start a script as them."""
    if os.geteuid() != 0:
        yield "the same user (not root: no second user)", as_myself
        return
    for other in other_user():
        yield f"a second Unix user (uid {other.uid})", other.start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flood", type=int, default=150, help="slow connections")
    parser.add_argument("--spray", type=int, default=200, help="failed sign-ins")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="rime-bench-") as tmp,
        serving(Path(tmp) / "data", Path(tmp) / "serve.log") as served,
        attacker() as (who, start),
        ExitStack() as stack,
    ):
        measure(served, "nothing else going on")
        spray = start(SPRAY, served.port, args.spray, "mixed")
        stack.callback(spray.wait, 60)
        stack.callback(spray.kill)
        measure(served, f"during a {args.spray}-sign-in spray by {who}")
        out, _ = spray.communicate(timeout=600)
        print(f"  the spray's answers: {json.loads(out or '{}')} (0: no answer)")
        measure(served, "after the spray (TCP sign-ins locked for 15 minutes)")
        flood = start(FLOOD, served.port, args.flood)
        stack.callback(flood.wait, 10)
        stack.callback(flood.kill)
        assert flood.stdout is not None
        flood.stdout.readline()  # "flooding": every connection is open
        measure(served, f"{args.flood} slow connections by {who}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
