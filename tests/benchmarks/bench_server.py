"""The local instance under load over loopback.

    .venv/bin/python tests/benchmarks/bench_server.py [--seconds 10] [--clients 16]

Starts ``python -m rime_tui serve`` as a separate process on 127.0.0.1 with a
fresh data dir, then drives it from this process with concurrent asyncio httpx
clients (one connection each) for a fixed time per scenario:

(a) ``GET /healthz`` (no auth, no database);
(b) ``GET /v1/users/api-tokens?pageSize=200``, authenticated, with 200 tokens;
(c) create a token, then delete it (one sample = the pair).

Prints requests/s, p50 and p99 latency and errors per scenario, then the ratio
(b) p50 / (a) p50 against its target (<= 1.5).  Figures only: nothing here
asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.serve_process import ServeProcess, serving

MAX_TOKENS = 200
TARGET_RATIO = 1.5
MAX_SAMPLES_PER_CLIENT = 1_000_000  # bound on each client's loop besides the clock

Request = Callable[[httpx.AsyncClient, int, int], Awaitable[bool]]


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds per sample
    errors: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")


async def drive(url: str, name: str, request: Request, clients: int, seconds: float) -> Result:
    """*clients* concurrent clients each run *request* in a loop for *seconds*."""
    result = Result(name, seconds)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    # Warm-up: open every connection before the clock starts.
    http_clients = [
        httpx.AsyncClient(base_url=url, timeout=30, limits=limits) for _ in range(clients)
    ]
    try:
        await asyncio.gather(*(c.get("/healthz") for c in http_clients))
        deadline = time.perf_counter() + seconds

        async def one(n: int, http: httpx.AsyncClient) -> None:
            for i in range(MAX_SAMPLES_PER_CLIENT):
                if time.perf_counter() >= deadline:
                    return
                started = time.perf_counter()
                try:
                    ok = await request(http, n, i)
                except httpx.HTTPError:
                    ok = False
                if ok:
                    result.latencies.append(time.perf_counter() - started)
                else:
                    result.errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(one(n, c) for n, c in enumerate(http_clients)))
        result.seconds = time.perf_counter() - started
    finally:
        await asyncio.gather(*(c.aclose() for c in http_clients))
    return result


async def fill_to(url: str, token: str, workspace: str, count: int) -> list[str]:
    """Create tokens until the instance has *count*; their ids."""
    headers = {"rime-api-key": token}
    async with httpx.AsyncClient(base_url=url, timeout=30, headers=headers) as http:
        listed = await http.get("/v1/users/api-tokens", params={"pageSize": 500})
        have = len(listed.json()["apiTokenInfos"])
        made = []
        for i in range(count - have):
            answer = await http.post(
                "/v1/users/api-tokens",
                json={"name": f"bench-fill-{i}", "workspaceId": {"uuid": workspace}},
            )
            answer.raise_for_status()
            made.append(answer.json()["id"]["uuid"])
        return made


async def delete(url: str, token: str, ids: list[str]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30, headers={"rime-api-key": token}) as http:
        for token_id in ids:
            (await http.delete(f"/v1/users/api-tokens/{token_id}")).raise_for_status()


async def run(served: ServeProcess, clients: int, seconds: float) -> list[Result]:
    boot = served.bootstrap()
    token, workspace = boot["api_token"], boot["workspace_id"]
    key = {"rime-api-key": token}

    async def healthz(http: httpx.AsyncClient, n: int, i: int) -> bool:
        return (await http.get("/healthz")).status_code == 200

    expected: list[bytes] = []  # the one answer (b) must give, checked in full once

    async def list_200(http: httpx.AsyncClient, n: int, i: int) -> bool:
        answer = await http.get("/v1/users/api-tokens", params={"pageSize": 200}, headers=key)
        if answer.status_code != 200:
            return False
        if not expected:  # parse the first answer; the rest must repeat it byte for byte
            if len(answer.json()["apiTokenInfos"]) != MAX_TOKENS:
                return False
            expected.append(answer.content)
        return answer.content == expected[0]

    async def create_delete(http: httpx.AsyncClient, n: int, i: int) -> bool:
        made = await http.post(
            "/v1/users/api-tokens",
            json={"name": f"bench-{n}-{i}", "workspaceId": {"uuid": workspace}},
            headers=key,
        )
        if made.status_code != 200:
            return False
        gone = await http.delete(f"/v1/users/api-tokens/{made.json()['id']['uuid']}", headers=key)
        return gone.status_code == 200

    results = [await drive(served.url, "(a) GET /healthz", healthz, clients, seconds)]
    filled = await fill_to(served.url, token, workspace, MAX_TOKENS)
    results.append(await drive(served.url, "(b) list 200 tokens", list_200, clients, seconds))
    await delete(served.url, token, filled[: clients + 4])  # room for every client's create
    results.append(
        await drive(served.url, "(c) create+delete token", create_delete, clients, seconds)
    )
    return results


def report(results: list[Result], clients: int) -> None:
    print(f"\nlocal instance under load: {clients} concurrent clients over loopback")
    print(f"{'scenario':<26}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'samples':>9}")
    for r in results:
        print(
            f"{r.name:<26}{r.rate:>9.0f}{r.p50 * 1000:>9.2f}{r.percentile(99) * 1000:>9.2f}"
            f"{r.errors:>8}{len(r.latencies):>9}"
        )
    ratio = results[1].p50 / results[0].p50
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    print(f"\nratio (b) p50 / (a) p50 = {ratio:.2f} ({verdict} the target <= {TARGET_RATIO})")
    errors = sum(r.errors for r in results)
    print(f"errors: {errors} ({'meets' if errors == 0 else 'misses'} the target 0)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per scenario (default 10)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rime-bench-") as tmp:
        data_dir, log = Path(tmp) / "data", Path(tmp) / "serve.log"
        with serving(data_dir, log) as served:
            print(f"serving {served.url} (pid {served.pid}), Python {sys.version.split()[0]}")
            results = asyncio.run(run(served, args.clients, args.seconds))
    report(results, args.clients)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
