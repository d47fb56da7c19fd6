"""Starting (or finding) the embedded local instance for the TUI.

The TUI paints first and calls :meth:`LocalInstance.ensure_running` from a
worker: an instance already answering on the port for the same data dir is
reused; otherwise ``rime-tui serve`` is started as a child process, logging to
``DIR/server.log``, and stopped when the TUI exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rime_tui.paths import BOOTSTRAP_FILE, INSTANCE_ID_FILE, LOG_FILE

if TYPE_CHECKING:
    import httpx

INSTANCE_HEADER = "rime-instance-id"


class LocalInstanceError(Exception):
    """The local instance could not be started or found."""


@dataclass
class LocalInstance:
    data_dir: Path
    port: int
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def bootstrap(self) -> dict[str, Any] | None:
        """The credentials the instance created on its first start, if readable."""
        try:
            data = json.loads((self.data_dir / BOOTSTRAP_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _instance_id(self) -> str | None:
        try:
            return (self.data_dir / INSTANCE_ID_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            return None

    async def _probe(self, http: httpx.AsyncClient) -> str | None:
        """The instance id answering on the port; "" for a stranger; None for nobody."""
        import httpx

        try:
            response = await http.get(self.url + "/healthz")
        except httpx.HTTPError:
            return None
        try:
            healthy = response.status_code == 200 and response.json().get("status") == "ok"
        except (ValueError, AttributeError):
            healthy = False
        return response.headers.get(INSTANCE_HEADER, "") if healthy else ""

    async def ensure_running(self, within: float = 30.0) -> bool:
        """Make sure the instance answers; True when this call started it."""
        import httpx  # deferred: the sign-in screen paints before this runs

        async with httpx.AsyncClient(timeout=2.0) as http:
            found = await self._probe(http)
            if found is not None:
                if found and found == self._instance_id():
                    return False
                raise LocalInstanceError(
                    f"Port {self.port} is in use by another program or another data dir. "
                    "Start rime-tui with --port to choose a free port."
                )
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
                if await self._probe(http) is not None:
                    return True
                await asyncio.sleep(0.05)
        raise LocalInstanceError(f"The local instance did not answer within {within:.0f} s.")

    def _start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        log = open(self.data_dir / LOG_FILE, "ab")  # noqa: SIM115 - handed to the child
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [
                    sys.executable,
                    "-m",
                    "rime_tui",
                    "serve",
                    "--host",
                    "127.0.0.1",
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
