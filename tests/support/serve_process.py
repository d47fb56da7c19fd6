"""``rime-tui serve`` as a separate process on 127.0.0.1, for crash, security and load tests.

The process writes stdout and stderr to one log file (appended across restarts),
so tests can read everything the instance ever logged.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from rime_tui.proof import InstanceKeyError, new_challenge, proof, read_key, same_proof
from rime_tui.wire.constants import CHALLENGE_HEADER, PROOF_HEADER
from tests.support.net import free_port

HOST = "127.0.0.1"
START_TIMEOUT = 30.0


@dataclass
class ServeProcess:
    """One running ``python -m rime_tui serve`` process."""

    data_dir: Path
    log_path: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def bootstrap(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.data_dir / "bootstrap.json").read_text())
        return data

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a power cut of the process."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM and wait (the normal way ``serve`` ends); SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_serve(
    data_dir: Path, log_path: Path, *, banner: bool = False, extra_args: Sequence[str] = ()
) -> ServeProcess:
    """Start the instance on a free loopback port and wait until /healthz answers.

    *extra_args* go to ``rime-tui serve`` (e.g. ``--allowed-host``)."""
    last_error: Exception | None = None
    for _attempt in range(3):  # a free port can be taken between probing and binding
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "rime_tui",
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ]
        if not banner:
            command.append("--no-banner")
        command += extra_args
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
            )
        served = ServeProcess(data_dir, log_path, port, process)
        try:
            _wait_healthy(served)
        except RuntimeError as exc:
            last_error = exc
            served.kill()
            continue
        return served
    raise RuntimeError(f"rime-tui serve did not start: {last_error}")


def _wait_healthy(served: ServeProcess) -> None:
    """Until *served* answers /healthz with its data dir's proof: under load, the free
    port can be taken by another test's instance before this one binds it (this one
    then exits), and that other instance answers /healthz too."""
    deadline = time.monotonic() + START_TIMEOUT
    challenge = new_challenge()
    with httpx.Client(timeout=2.0) as http:
        while time.monotonic() < deadline:
            if served.process.poll() is not None:
                raise RuntimeError(
                    f"exited with {served.process.returncode}; log:\n{served.log_text()[-2000:]}"
                )
            with contextlib.suppress(httpx.TransportError, InstanceKeyError):
                answer = http.get(f"{served.url}/healthz", headers={CHALLENGE_HEADER: challenge})
                if answer.status_code == 200:
                    key = read_key(served.data_dir)
                    mine = proof(key, challenge, HOST, served.port)
                    if same_proof(answer.headers.get(PROOF_HEADER, ""), mine):
                        return
            time.sleep(0.05)
    raise RuntimeError(f"no answer on {served.url} within {START_TIMEOUT} s")


def serve_once(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``rime-tui serve --data-dir DATA_DIR ARGS`` run to its end (a refused start,
    ``--reset-admin-password``), its output captured."""
    command = [sys.executable, "-m", "rime_tui", "serve", "--data-dir", str(data_dir), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@contextlib.contextmanager
def serving(
    data_dir: Path, log_path: Path, *, banner: bool = False, extra_args: Sequence[str] = ()
) -> Iterator[ServeProcess]:
    """A served instance that is stopped (SIGTERM, else SIGKILL) however the block ends."""
    served = start_serve(data_dir, log_path, banner=banner, extra_args=extra_args)
    try:
        yield served
    finally:
        served.stop()
