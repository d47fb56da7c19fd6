"""All benchmarks: ``.venv/bin/python -m tests.benchmarks [--only PART ...]``. They print figures.

``--latency MS`` sets the latency proxy's delay for the parts at a distance (the TUI's
path to the dialog and its instance meter; default 100).

Parts: tui, server (the local instance under load, and against a bare FastAPI app),
cli, spray (the local instance under a sign-in spray), private (the owner's CLI
and TUI under a flood and a spray on the TCP port).
"""

import argparse
from collections.abc import Callable

from tests.benchmarks import (
    bench_cli,
    bench_login_spray,
    bench_private_line,
    bench_server,
    bench_server_floor,
    bench_tui,
)

PARTS: dict[str, tuple[tuple[str, Callable[[list[str]], object]], ...]] = {
    "tui": (("TUI", bench_tui.main),),
    "server": (
        ("local instance under load", bench_server.main),
        ("local instance against a bare FastAPI app", bench_server_floor.main),
    ),
    "cli": (("rime-tui token list", bench_cli.main),),
    "spray": (("local instance under a sign-in spray", bench_login_spray.main),),
    "private": (
        (
            "the owner's CLI and TUI under a flood and a spray on the TCP port",
            bench_private_line.main,
        ),
    ),
}

parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS), metavar="PART")
parser.add_argument("--latency", type=float, default=100.0, metavar="MS")
args = parser.parse_args()
for part in args.only:
    for title, run in PARTS[part]:
        print(f"\n== {title} ==", flush=True)
        run(["--latency", str(args.latency)] if run is bench_tui.main else [])
