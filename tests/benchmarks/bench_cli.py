"""``rime-tui token list`` over 200 tokens in 50 workspaces (issue 10, part 5, CLI half).

    .venv/bin/python tests/benchmarks/bench_cli.py [--runs 10]

Starts ``python -m rime_tui serve`` on 127.0.0.1 with a fresh data dir, fills
it to the cap (50 workspaces, 4 tokens each, the bootstrap token included),
then times whole processes, as a script would run them, in turn:

(a) ``rime-tui token list --all-workspaces --json``: 50 workspace lists;
(b) ``rime-tui token list --workspace "Workspace 1" --json``: one.

Both sign in as the local admin (the instance is already running, as the
command finds it). Prints the median wall time of each and the median of the
pairwise ratios (a)/(b), against its target (<= 1.5). Figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rime_tui.api import RimeClient
from tests.support.serve_process import ServeProcess, serving

WORKSPACES = 50
TOKENS = 200
TARGET_RATIO = 1.5


async def fill(served: ServeProcess) -> None:
    """50 workspaces, 4 tokens in each: 200 with the bootstrap token."""
    boot = served.bootstrap()
    async with RimeClient(served.url) as root:
        await root.login(boot["admin_email"], boot["admin_password"])
        spaces = [boot["workspace_id"]]
        spaces += [await root.create_workspace(f"Team {n:02}") for n in range(1, WORKSPACES)]
        for n in range(1, TOKENS):
            await root.create_api_token(f"token {n:03}", spaces[n % WORKSPACES])


def timed(command: list[str]) -> tuple[float, int]:
    """Wall seconds of *command* as a whole process, and how many tokens it listed."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)
    seconds = time.perf_counter() - start
    return seconds, len(json.loads(done.stdout))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        with serving(data_dir, Path(tmp) / "serve.log") as served:
            asyncio.run(fill(served))
            base = [sys.executable, "-m", "rime_tui", "token", "list", "--json"]
            target = ["--data-dir", str(data_dir), "--port", str(served.port)]
            every = [*base, "--all-workspaces", *target]
            one = [*base, "--workspace", "Workspace 1", *target]
            timed(every), timed(one)  # warm-up: files cached, first sign-in done
            pairs = []
            for _ in range(args.runs):
                (all_s, all_n), (one_s, one_n) = timed(every), timed(one)
                pairs.append((all_s, one_s))
    all_p50 = statistics.median(a for a, _ in pairs)
    one_p50 = statistics.median(b for _, b in pairs)
    ratio = statistics.median(a / b for a, b in pairs)
    mark = "✓" if ratio <= TARGET_RATIO else "✗"
    print(f"token list, whole process, medians of {args.runs} runs in turn:")
    print(f"  --all-workspaces --json ({all_n} tokens in {WORKSPACES}): {all_p50 * 1000:.0f} ms")
    print(f"  --workspace 'Workspace 1' --json ({one_n} tokens): {one_p50 * 1000:.0f} ms")
    print(f"  ratio all / one: {ratio:.2f} (target <= {TARGET_RATIO}) {mark}")


if __name__ == "__main__":
    main(sys.argv[1:])
