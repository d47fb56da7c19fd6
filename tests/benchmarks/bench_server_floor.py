"""The local instance against its floor: a bare FastAPI app returning the same bytes.

    .venv/bin/python -m tests.benchmarks.bench_server_floor [--rounds 5] [--seconds 3]
        [--clients 16] [--create-clients 50] [--callgrind] [--access-log]

Starts ``rime-tui serve`` (fresh data dir, 100 tokens) and
:mod:`tests.benchmarks.bare_server` (the instance's own token list answer, fixed
bytes, same uvicorn settings), each as a process of its own on 127.0.0.1.

(1) ``GET /v1/users/api-tokens?pageSize=100`` (31.7 KB), *clients* keep-alive
    connections, in rounds that alternate instance, floor, instance, ...: requests/s,
    p50 and p99 latency, and the server process's CPU time per request (from
    /proc/PID/stat); medians over the rounds and the ratio instance / floor.
    Every answer is checked byte for byte.
(2) Create under *create_clients* clients: in rounds, each client creates
    CREATES_PER_CLIENT tokens one after the other, all clients at once; then each
    deletes its tokens the same way: p50 and p99 of the creates and of the deletes,
    in rounds alternating the instance and the bare app (which answers a create's
    bytes and a delete's ``{}``).
(3) With ``--callgrind``: instructions per request (valgrind's callgrind) in each
    server, for a fixed number of requests over one connection after a warm-up.
    Instruction counts do not depend on what else the machine runs; wall clock
    and CPU time do.

The load comes from a raw HTTP/1.1 client on asyncio streams (one request in
flight per connection), much cheaper per request than httpx, so that the client
is not what limits the floor. Figures only: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.net import free_port
from tests.support.serve_process import serving

HOST = "127.0.0.1"
TOKENS = 100
LIST_PATH = f"/v1/users/api-tokens?pageSize={TOKENS}"
TARGET_RATIO = 0.6
TARGET_CREATE_P99_MS = 50.0
CREATES_PER_CLIENT = 3  # 50 clients x 3 + the bootstrap token: under the 200-token cap
CALLGRIND_WARMUP = 30
CALLGRIND_REQUESTS = 200
START_SECONDS = 300  # under valgrind, Python and FastAPI take a while to import


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process *pid* so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Connection:
    """One keep-alive HTTP/1.1 connection; one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection(HOST, port))

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    def close(self) -> None:
        self.writer.close()


def request_bytes(method: str, port: int, path: str, key: str, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", f"rime-api-key: {key}"]
    if body or method == "POST":
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class Round:
    requests: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / max(self.requests, 1)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


async def list_round(
    port: int, pid: int, raw: bytes, expected: bytes, clients: int, seconds: float
) -> Round:
    """*clients* connections ask *raw* in a loop for *seconds*; each answer must be *expected*."""
    result = Round()
    connections = [await Connection.open(port) for _ in range(clients)]
    for connection in connections:  # warm: every connection has served once
        await connection.request(raw)
    deadline = time.perf_counter() + seconds

    async def one(connection: Connection) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status, body = await connection.request(raw)
            if status == 200 and body == expected:
                result.latencies.append(time.perf_counter() - started)
            else:
                result.errors += 1

    cpu_before, started = cpu_seconds(pid), time.perf_counter()
    await asyncio.gather(*(one(c) for c in connections))
    result.seconds, result.cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu_before
    result.requests = len(result.latencies)
    for connection in connections:
        connection.close()
    return result


async def create_rounds(
    port: int, pid: int, key: str, workspace: str, clients: int, seconds: float
) -> tuple[Round, Round]:
    """Rounds of *clients* clients creating CREATES_PER_CLIENT tokens each, one after
    the other, all at once; then deleting them all the same way. (creates, deletes)."""
    creates, deletes = Round(), Round()
    connections = [await Connection.open(port) for _ in range(clients)]
    made: list[list[str]] = [[] for _ in connections]

    async def create(n: int, connection: Connection, round_no: int) -> None:
        for i in range(CREATES_PER_CLIENT):
            body = json.dumps(
                {"name": f"bench-{round_no}-{n}-{i}", "workspaceId": {"uuid": workspace}}
            )
            started = time.perf_counter()
            status, answer = await connection.request(
                request_bytes("POST", port, "/v1/users/api-tokens", key, body.encode())
            )
            if status != 200:
                creates.errors += 1
                continue
            creates.latencies.append(time.perf_counter() - started)
            made[n].append(json.loads(answer)["id"]["uuid"])

    async def delete(n: int, connection: Connection) -> None:
        while made[n]:
            path = f"/v1/users/api-tokens/{made[n].pop()}"
            started = time.perf_counter()
            status, _ = await connection.request(request_bytes("DELETE", port, path, key))
            if status != 200:
                deletes.errors += 1
                continue
            deletes.latencies.append(time.perf_counter() - started)

    async def timed(result: Round, *runs: Coroutine[Any, Any, None]) -> None:
        cpu_before, started = cpu_seconds(pid), time.perf_counter()
        await asyncio.gather(*runs)
        result.seconds += time.perf_counter() - started
        result.cpu += cpu_seconds(pid) - cpu_before

    deadline = time.perf_counter() + seconds
    round_no = 0
    while time.perf_counter() < deadline:
        round_no += 1
        await timed(creates, *(create(n, c, round_no) for n, c in enumerate(connections)))
        await timed(deletes, *(delete(n, c) for n, c in enumerate(connections)))
    for result in (creates, deletes):
        result.requests = len(result.latencies)
    for connection in connections:
        connection.close()
    return creates, deletes


async def fill(port: int, key: str, workspace: str, count: int) -> None:
    """Create tokens until the instance has *count*."""
    connection = await Connection.open(port)
    status, body = await connection.request(request_bytes("GET", port, LIST_PATH, key))
    have = len(json.loads(body)["apiTokenInfos"])
    for i in range(count - have):
        body = json.dumps({"name": f"fill-{i}", "workspaceId": {"uuid": workspace}}).encode()
        status, _ = await connection.request(
            request_bytes("POST", port, "/v1/users/api-tokens", key, body)
        )
        assert status == 200, status
    connection.close()


@contextmanager
def process(command: Sequence[str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """*command* running until the block ends, once it answers /healthz on *port*."""
    with log.open("ab") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{command[:3]} exited: {log.read_text()[-2000:]}")
            try:
                asyncio.run(_probe(port))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def _probe(port: int) -> None:
    connection = await Connection.open(port)
    await connection.request(f"GET /healthz HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode())
    connection.close()


def callgrind_per_request(
    command: Sequence[str], port: int, raw: bytes, expected: bytes, tmp: Path, name: str
) -> float:
    """Instructions per request of *raw* in the server *command* run under callgrind."""
    out = tmp / f"callgrind.{name}"
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    with process([*valgrind, *command], port, tmp / f"{name}.callgrind.log") as proc:

        async def drive(count: int) -> None:
            connection = await Connection.open(port)
            for _ in range(count):
                status, body = await connection.request(raw)
                assert status == 200 and body == expected, status
            connection.close()

        control = ["callgrind_control"]
        subprocess.run([*control, "-i", "on", str(proc.pid)], check=True, capture_output=True)
        asyncio.run(drive(CALLGRIND_WARMUP))
        subprocess.run([*control, "-z", str(proc.pid)], check=True, capture_output=True)
        asyncio.run(drive(CALLGRIND_REQUESTS))
        subprocess.run([*control, "-d", str(proc.pid)], check=True, capture_output=True)
    dumps = sorted(tmp.glob(f"callgrind.{name}.*"), key=lambda p: p.stat().st_mtime)
    for line in dumps[0].read_text().splitlines():  # the first dump: the counted requests
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1]) / CALLGRIND_REQUESTS
    raise RuntimeError(f"no totals in {dumps[0]}")


def create_part(args: argparse.Namespace, tmp: Path, extra: list[str]) -> None:
    """(2), on a fresh instance of its own, in rounds alternating with the floor."""
    (tmp / "empty.json").write_bytes(b"{}")
    floor_port = free_port()
    floor_command = [
        *(sys.executable, "-m", "tests.benchmarks.bare_server"),
        *("--port", str(floor_port), "--body", str(tmp / "empty.json")),
        *(["--access-log"] if args.access_log else []),
    ]
    with (
        serving(tmp / "data-create", tmp / "serve-create.log", extra_args=extra) as served,
        process(floor_command, floor_port, tmp / "floor-create.log") as floor,
    ):
        boot = served.bootstrap()
        key, workspace = boot["api_token"], boot["workspace_id"]
        print(
            f"\ncreate under {args.create_clients} clients: rounds of each creating"
            f" {CREATES_PER_CLIENT} tokens at once, then each deleting them; {args.rounds}"
            f" rounds of {args.seconds:g} s each, instance and floor (a bare FastAPI app"
            " answering a create's bytes) in turn"
        )
        ours: list[tuple[Round, Round]] = []
        bare: list[tuple[Round, Round]] = []
        for _ in range(args.rounds):
            for rounds, port, pid in (
                (ours, served.port, served.pid),
                (bare, floor_port, floor.pid),
            ):
                rounds.append(
                    asyncio.run(
                        create_rounds(port, pid, key, workspace, args.create_clients, args.seconds)
                    )
                )
    results = {
        name: (merged(r[0] for r in rs), merged(r[1] for r in rs))
        for name, rs in (("instance", ours), ("floor", bare))
    }
    for server, (creates, deletes) in results.items():
        for name, result in (("create", creates), ("delete", deletes)):
            p99 = result.percentile(99) * 1000
            goal = ""
            if name == "create" and server == "instance":
                verdict = "meets" if p99 <= TARGET_CREATE_P99_MS else "misses"
                goal = f" ({verdict} the target <= {TARGET_CREATE_P99_MS:g} ms)"
            print(
                f"{server:<9}{name}: {result.requests} ({result.rate:.0f}/s), p50"
                f" {result.percentile(50) * 1000:.1f} ms, p99 {p99:.1f} ms{goal};"
                f" errors {result.errors}; CPU {result.cpu_ms:.2f} ms each"
            )
    ours_p99, bare_p99 = (results[k][0].percentile(99) for k in ("instance", "floor"))
    creates = results["instance"][0]
    print(
        f"create p99 instance / floor: {ours_p99 / bare_p99:.2f};"
        f" {args.create_clients} x CPU per create = {args.create_clients * creates.cpu_ms:.0f}"
        " ms: about the wait of the last create of a burst with a core to itself"
        " (on a busy machine the wall clock is longer)"
    )


def merged(rounds: Iterable[Round]) -> Round:
    """The rounds as one (their requests, time, CPU, errors and latencies together)."""
    total = Round()
    for r in rounds:
        total.requests += r.requests
        total.seconds += r.seconds
        total.cpu += r.cpu
        total.errors += r.errors
        total.latencies += r.latencies
    return total


def list_part(args: argparse.Namespace, tmp: Path, extra: list[str]) -> None:
    """(1), and (3) with --callgrind."""
    with serving(tmp / "data", tmp / "serve.log", extra_args=extra) as served:
        boot = served.bootstrap()
        key, workspace = boot["api_token"], boot["workspace_id"]
        asyncio.run(fill(served.port, key, workspace, TOKENS))
        raw = request_bytes("GET", served.port, LIST_PATH, key)

        async def first() -> bytes:
            connection = await Connection.open(served.port)
            status, body = await connection.request(raw)
            connection.close()
            assert status == 200
            return body

        expected = asyncio.run(first())
        assert len(json.loads(expected)["apiTokenInfos"]) == TOKENS
        (tmp / "body.json").write_bytes(expected)
        floor_port = free_port()
        floor_command = [
            sys.executable,
            "-m",
            "tests.benchmarks.bare_server",
            "--port",
            str(floor_port),
            "--body",
            str(tmp / "body.json"),
            *(["--access-log"] if args.access_log else []),
        ]
        floor_raw = request_bytes("GET", floor_port, LIST_PATH, key)
        print(
            f"token list: {TOKENS} tokens, {len(expected)} bytes; {args.clients} clients;"
            f" {args.rounds} rounds of {args.seconds:g} s each, instance and floor in turn;"
            f" access log {'on' if args.access_log else 'as serve defaults'}"
        )
        ours: list[Round] = []
        bare: list[Round] = []
        with process(floor_command, floor_port, tmp / "floor.log") as floor:
            for _ in range(args.rounds):
                for rounds, port, pid, request in (
                    (ours, served.port, served.pid, raw),
                    (bare, floor_port, floor.pid, floor_raw),
                ):
                    rounds.append(
                        asyncio.run(
                            list_round(port, pid, request, expected, args.clients, args.seconds)
                        )
                    )
        header = f"{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>12}{'errors':>8}"
        print(f"{'server':<22}{header}")
        for name, rounds in (("local instance", ours), ("bare FastAPI (floor)", bare)):
            print(
                f"{name:<22}{statistics.median(r.rate for r in rounds):>8.0f}"
                f"{statistics.median(r.percentile(50) for r in rounds) * 1000:>9.2f}"
                f"{statistics.median(r.percentile(99) for r in rounds) * 1000:>9.2f}"
                f"{statistics.median(r.cpu_ms for r in rounds):>12.3f}"
                f"{sum(r.errors for r in rounds):>8}"
            )
        ratios = [a.rate / b.rate for a, b in zip(ours, bare, strict=True)]
        cpu_ratio = statistics.median(b.cpu_ms for b in bare) / statistics.median(
            a.cpu_ms for a in ours
        )
        ratio = statistics.median(ratios)
        verdict = "meets" if ratio >= TARGET_RATIO else "misses"
        print(
            f"requests/s instance / floor: {ratio:.2f} (rounds {min(ratios):.2f}-"
            f"{max(ratios):.2f}; {verdict} the target >= {TARGET_RATIO}); by CPU per request"
            f" {cpu_ratio:.2f}"
        )

    if args.callgrind:
        print(
            "\ninstructions per token list request (callgrind, "
            f"{CALLGRIND_REQUESTS} requests after {CALLGRIND_WARMUP})"
        )
        data_dir = tmp / "data"  # the same 100 tokens
        port = free_port()
        serve = [
            sys.executable,
            "-m",
            "rime_tui",
            "serve",
            "--no-banner",
            "--host",
            HOST,
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            *extra,
        ]
        ours_i = callgrind_per_request(
            serve, port, request_bytes("GET", port, LIST_PATH, key), expected, tmp, "instance"
        )
        floor_port = free_port()
        floor_command[floor_command.index("--port") + 1] = str(floor_port)
        bare_i = callgrind_per_request(
            floor_command,
            floor_port,
            request_bytes("GET", floor_port, LIST_PATH, key),
            expected,
            tmp,
            "floor",
        )
        print(
            f"local instance {ours_i / 1e6:.3f} M, floor {bare_i / 1e6:.3f} M:"
            f" floor / instance {bare_i / ours_i:.2f}"
        )


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="rime-floor-") as tmp_name:
        tmp = Path(tmp_name)
        extra = ["--access-log"] if args.access_log else []
        if "list" in args.parts:
            list_part(args, tmp, extra)
        if "create" in args.parts:
            create_part(args, tmp, extra)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each (default 5)")
    parser.add_argument("--seconds", type=float, default=3.0, help="per round (default 3)")
    parser.add_argument("--clients", type=int, default=16, help="token list clients (default 16)")
    parser.add_argument("--create-clients", type=int, default=50, help="(default 50)")
    parser.add_argument("--callgrind", action="store_true", help="count instructions too")
    parser.add_argument(
        "--parts", nargs="+", choices=("list", "create"), default=["list", "create"]
    )
    parser.add_argument("--access-log", action="store_true", help="both servers log each request")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
