"""Memory of the local instance under a sign-in spray.

    .venv/bin/python tests/benchmarks/bench_login_spray.py [--concurrent 100] [--rounds 5]

Starts ``python -m rime_tui serve`` on 127.0.0.1 with a fresh data dir, then
sends rounds of *concurrent* sign-ins at once, each for another random email
(so no per-email limit applies), spread over four loopback addresses. Each
password check runs scrypt (16 MiB); before issue 8 every one ran at once in a
40-thread pool, and 100 concurrent sign-ins pinned 650-900 MB. Prints the
server's resident memory before, its peak (VmHWM) and after, and how the
sign-ins were answered. The goal is a peak under 200 MB. Figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.serve_process import ServeProcess, serving

ADDRESSES = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")
GOAL_MB = 200


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of *pid*, in MB."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            figures[name] = int(value.split()[0]) / 1024
    return figures


async def spray(served: ServeProcess, concurrent: int) -> Counter[int]:
    clients = [
        httpx.AsyncClient(
            base_url=served.url,
            transport=httpx.AsyncHTTPTransport(local_address=address),
            limits=httpx.Limits(max_connections=concurrent),
            timeout=120,
        )
        for address in ADDRESSES
    ]
    try:
        answers = await asyncio.gather(
            *(
                clients[i % len(clients)].post(
                    "/v1/auth/login",
                    json={
                        "email": f"{secrets.token_hex(6)}@spray.example",
                        "password": secrets.token_urlsafe(12),
                    },
                )
                for i in range(concurrent)
            ),
            return_exceptions=True,
        )
    finally:
        for client in clients:
            await client.aclose()
    return Counter(a.status_code if isinstance(a, httpx.Response) else 0 for a in answers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrent", type=int, default=100, help="sign-ins at once")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of them")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rime-bench-") as tmp:
        data_dir, log = Path(tmp) / "data", Path(tmp) / "serve.log"
        with serving(data_dir, log) as served:
            before = memory_mb(served.pid)
            statuses: Counter[int] = Counter()
            for _ in range(args.rounds):
                statuses += asyncio.run(spray(served, args.concurrent))
            after = memory_mb(served.pid)
    answered = ", ".join(f"{n}× {s or 'no answer'}" for s, n in sorted(statuses.items()))
    peak = after["VmHWM"]
    print(f"{args.rounds} rounds of {args.concurrent} concurrent sign-ins: {answered}")
    print(
        f"server RSS: {before['VmRSS']:.1f} MB before, peak {peak:.1f} MB, "
        f"{after['VmRSS']:.1f} MB after (goal: peak < {GOAL_MB} MB "
        f"{'✓' if peak < GOAL_MB else '✗'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
