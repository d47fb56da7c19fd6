"""``rime-tui token list`` as whole processes, against its floors (issue 10 part 5, issue 17
item 3).

    .venv/bin/python tests/benchmarks/bench_cli.py [--runs 10]

Starts ``python -m rime_tui serve`` on 127.0.0.1 with a fresh data dir, fills it to the
cap (50 workspaces, 4 tokens each, the bootstrap token included), then:

1. **The CLI against the httpx one-liner.** ``rime-tui token list --json`` with the
   bootstrap API token (a cluster, as a script reaches one), against
   ``python -c "import httpx; httpx.get(…)"`` fetching the same token list: each pair
   run in turn (A B A B …), the median of the pairwise wall-time ratios (target ≤ 1.3),
   and, when valgrind is installed, the instructions of one run of each
   (``valgrind --tool=callgrind``: repeatable where wall time is not). Bytecode caching
   is on (``PYTHONDONTWRITEBYTECODE`` is removed from the children's environment, as
   users have it), after a warm-up run of each.
2. **Round trips** (latency proxy): ``status --json`` (target 2), ``token list --json``
   and ``token create`` (target 1 each) with the API token.
3. **All workspaces against one** (issue 10): ``token list --all-workspaces --json``
   (50 workspace lists) against ``--workspace "Workspace 1"`` as the local admin, the
   median pairwise ratio (target ≤ 1.5).

Figures only: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rime_tui.api import RimeClient
from tests.support.latency_proxy import LatencyProxy
from tests.support.serve_process import ServeProcess, serving

WORKSPACES = 50
TOKENS = 200
TARGET_ALL_ONE = 1.5
TARGET_VS_HTTPX = 1.3
ROUND_TRIP_DELAY = 0.05

ONE_LINER = (
    "import httpx; httpx.get({url!r}, params={{'workspaceId.uuid': {workspace!r}, "
    "'pageSize': 500}}, headers={{'rime-api-key': {token!r}}}).raise_for_status()"
)


async def fill(served: ServeProcess) -> None:
    """50 workspaces, 4 tokens in each: 200 with the bootstrap token."""
    boot = served.bootstrap()
    async with RimeClient(served.url) as root:
        await root.login(boot["admin_email"], boot["admin_password"])
        spaces = [boot["workspace_id"]]
        spaces += [await root.create_workspace(f"Team {n:02}") for n in range(1, WORKSPACES)]
        for n in range(1, TOKENS):
            await root.create_api_token(f"token {n:03}", spaces[n % WORKSPACES])


def _env(token: str | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONDONTWRITEBYTECODE", "RIME_CLUSTER_URL", "RIME_API_TOKEN")
    }
    if token is not None:
        env["RIME_API_TOKEN"] = token
    return env


def timed(command: list[str], env: dict[str, str]) -> float:
    """Wall seconds of *command* as a whole process."""
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True, timeout=120, env=env)
    return time.perf_counter() - start


def pairs(a: list[str], b: list[str], env: dict[str, str], runs: int) -> list[tuple[float, float]]:
    """*runs* pairs of wall times, A then B, after one warm-up of each."""
    timed(a, env), timed(b, env)
    return [(timed(a, env), timed(b, env)) for _ in range(runs)]


def instructions(command: list[str], env: dict[str, str]) -> int | None:
    """Instructions of one run under callgrind; None without valgrind."""
    if shutil.which("valgrind") is None:
        return None
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        env=env,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    return int(found.group(1)) if found else None


def report(title: str, runs: list[tuple[float, float]], target: float) -> None:
    a = statistics.median(x for x, _ in runs)
    b = statistics.median(y for _, y in runs)
    ratio = statistics.median(x / y for x, y in runs)
    mark = "✓" if ratio <= target else "✗"
    print(f"{title}, medians of {len(runs)} pairs in turn:")
    print(f"  {a * 1000:.0f} ms against {b * 1000:.0f} ms: ratio {ratio:.2f}", end="")
    print(f" (target <= {target}) {mark}")


def vs_httpx(served: ServeProcess, runs: int) -> None:
    boot = served.bootstrap()
    env = _env(boot["api_token"])
    cli = [sys.executable, "-m", "rime_tui", "token", "list", "--json", "--cluster", served.url]
    code = ONE_LINER.format(
        url=f"{served.url}/v1/users/api-tokens",
        workspace=boot["workspace_id"],
        token=boot["api_token"],
    )
    floor = [sys.executable, "-c", code]
    report(
        "token list --json (API token) vs the httpx one-liner, wall",
        pairs(cli, floor, env, runs),
        TARGET_VS_HTTPX,
    )
    a, b = instructions(cli, env), instructions(floor, env)
    if a is None or b is None:
        print("  instructions: valgrind is not installed")
    else:
        print(f"  instructions: {a / 1e6:.0f} M against {b / 1e6:.0f} M: ratio {a / b:.2f}")


def round_trips(served: ServeProcess) -> None:
    boot = served.bootstrap()
    env = _env(boot["api_token"])
    with LatencyProxy(served.port, delay=ROUND_TRIP_DELAY) as proxy:
        for args, target in (
            (["status", "--json"], 2),
            (["token", "list", "--json"], 1),
            (["token", "create", "bench round trips", "--quiet"], 1),
        ):
            proxy.reset_counts()
            command = [sys.executable, "-m", "rime_tui", *args, "--cluster", proxy.url]
            subprocess.run(command, capture_output=True, check=True, timeout=120, env=env)
            mark = "✓" if proxy.rounds <= target else "✗"
            print(
                f"  {' '.join(args[:2])}: {proxy.rounds} sequential round trips, "
                f"{len(proxy.requests)} requests (target {target}) {mark}"
            )
    gone = ["token", "delete", "bench round trips", "--yes", "--cluster", served.url]
    subprocess.run([sys.executable, "-m", "rime_tui", *gone], check=True, timeout=120, env=env)


def all_against_one(served: ServeProcess, data_dir: Path, runs: int) -> None:
    base = [sys.executable, "-m", "rime_tui", "token", "list", "--json"]
    target = ["--data-dir", str(data_dir), "--port", str(served.port)]
    every = [*base, "--all-workspaces", *target]
    one = [*base, "--workspace", "Workspace 1", *target]
    report(
        "token list --all-workspaces vs --workspace 'Workspace 1' (local admin)",
        pairs(every, one, _env(), runs),
        TARGET_ALL_ONE,
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        with serving(data_dir, Path(tmp) / "serve.log") as served:
            print("round trips with an API token, through a proxy:")
            round_trips(served)
            asyncio.run(fill(served))
            vs_httpx(served, args.runs)
            all_against_one(served, data_dir, args.runs)


if __name__ == "__main__":
    main(sys.argv[1:])
