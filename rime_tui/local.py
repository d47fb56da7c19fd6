"""Starting (or finding) the embedded local instance for the TUI.

The TUI paints first and calls :meth:`LocalInstance.ensure_running` from a
worker: an instance already answering on the port for the same data dir is
reused; otherwise ``rime-tui serve`` is started as a child process, logging to
``DIR/server.log``, and stopped when the TUI exits. Whatever answers on the port
must prove that it holds the data dir's key (:mod:`rime_tui.proof`) before it is
trusted with the admin's password.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rime_tui.paths import BOOTSTRAP_FILE, LOG_FILE
from rime_tui.proof import InstanceKeyError, new_challenge, proof, read_key, same_proof
from rime_tui.wire.constants import CHALLENGE_HEADER, PROOF_HEADER

if TYPE_CHECKING:
    import httpx

HOST = "127.0.0.1"


class LocalInstanceError(Exception):
    """The local instance could not be started or found."""


@dataclass
class LocalInstance:
    data_dir: Path
    port: int
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def bootstrap(self) -> dict[str, Any] | None:
        """The credentials the instance created on its first start, if readable."""
        try:
            data = json.loads((self.data_dir / BOOTSTRAP_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    async def _probe(self, http: httpx.AsyncClient) -> bool | None:
        """Whether what answers on the port proved it is this data dir's instance
        (None: nothing answers)."""
        import httpx

        challenge = new_challenge()
        try:
            response = await http.get(self.url + "/healthz", headers={CHALLENGE_HEADER: challenge})
        except httpx.HTTPError:
            return None
        try:
            key = read_key(self.data_dir)
        except InstanceKeyError:
            return False  # no key of ours: whatever answers cannot be ours
        expected = proof(key, challenge, HOST, self.port)
        return response.status_code == 200 and same_proof(
            response.headers.get(PROOF_HEADER, ""), expected
        )

    def _stranger(self) -> LocalInstanceError:
        return LocalInstanceError(
            f"Something else answers on port {self.port}: it cannot prove that it is the "
            f"local instance of {self.data_dir} (it may be another program, another data "
            "dir's instance or another user's server), so your password was not sent to "
            "it. Start rime-tui with --port and another port number, or stop what runs "
            f"on port {self.port}."
        )

    async def ensure_running(self, within: float = 30.0) -> bool:
        """Make sure this data dir's instance answers; True when this call started it.

        Raises LocalInstanceError when something else answers on the port (see
        :mod:`rime_tui.proof`) or the instance cannot be started.
        """
        import httpx  # deferred: the sign-in screen paints before this runs

        async with httpx.AsyncClient(timeout=2.0) as http:
            found = await self._probe(http)
            if found is not None:
                if found:
                    return False
                raise self._stranger()
            self._start()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + within
            while loop.time() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise LocalInstanceError(
                        f"The local instance exited (code {self.process.returncode}): "
                        f"{self._log_tail()}"
                    )
                found = await self._probe(http)
                if found:
                    return True
                if found is False:  # something else took the port first
                    self.stop()
                    raise self._stranger()
                await asyncio.sleep(0.05)
        raise LocalInstanceError(f"The local instance did not answer within {within:.0f} s.")

    def _start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
        log = os.fdopen(os.open(self.data_dir / LOG_FILE, flags, 0o600), "ab")
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [
                    sys.executable,
                    "-m",
                    "rime_tui",
                    "serve",
                    "--host",
                    HOST,
                    "--port",
                    str(self.port),
                    "--data-dir",
                    str(self.data_dir),
                    "--no-banner",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()

    def _log_tail(self) -> str:
        try:
            lines = (self.data_dir / LOG_FILE).read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return lines[-1] if lines else "no log"

    def stop(self) -> None:
        """Stop the instance if this process started it."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
