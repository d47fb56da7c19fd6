"""Starting (or finding) the embedded local instance for the TUI.

The TUI paints first and calls :meth:`LocalInstance.ensure_running` from a
worker: an instance already answering on the port for the same data dir is
reused; otherwise ``rime-tui serve`` is started, logging to ``DIR/server.log``.
Whatever answers on the port must prove that it holds the data dir's key
(:mod:`rime_tui.proof`) before it is trusted with the admin's password.

TUIs on one data dir share its instance, and the last one to exit stops it: each
TUI holds a lease, a file ``DIR/leases/PID-N``, from its first ``ensure_running``
until :meth:`LocalInstance.stop`. Leases of processes that no longer run (a TUI
killed with SIGKILL) do not count. A TUI stops only an instance that a TUI started
(its pid is in ``DIR/tui-server.pid``), never one started by hand with ``serve``.
Taking and giving up leases happen under a lock (``DIR/leases.lock``), so a TUI
that is starting is never left without the instance it just found.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rime_tui.paths import BOOTSTRAP_FILE, LOG_FILE
from rime_tui.wire.constants import CHALLENGE_HEADER, PROOF_HEADER

if TYPE_CHECKING:
    import httpx

HOST = "127.0.0.1"
LEASES = "leases"
LEASES_LOCK = "leases.lock"
SERVER_PID_FILE = "tui-server.pid"
_lease_numbers = itertools.count(1)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: running
    return True


def _lease_pid(path: Path) -> int | None:
    head = path.name.partition("-")[0]
    return int(head) if head.isdigit() else None


class LocalInstanceError(Exception):
    """The local instance could not be started or found."""


@dataclass
class LocalInstance:
    data_dir: Path
    port: int
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    lease: Path | None = field(default=None, repr=False)

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

        # (Loaded here, after the first paint: hmac and secrets are not needed before.)
        from rime_tui.proof import InstanceKeyError, new_challenge, proof, read_key, same_proof

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

        self._take_lease()
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
            # Its own session: it outlives this TUI while other TUIs use it, and a
            # hang-up of this terminal does not reach it.
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
                start_new_session=True,
            )
        finally:
            log.close()
        with self._locked():
            (self.data_dir / SERVER_PID_FILE).write_text(f"{self.process.pid}\n")

    def _log_tail(self) -> str:
        try:
            lines = (self.data_dir / LOG_FILE).read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return lines[-1] if lines else "no log"

    # -- sharing the instance between TUIs ------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW
        fd = os.open(self.data_dir / LEASES_LOCK, flags, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # and with it the lock

    def _take_lease(self) -> None:
        if self.lease is not None:
            return
        with self._locked():
            leases = self.data_dir / LEASES
            leases.mkdir(exist_ok=True, mode=0o700)
            self.lease = leases / f"{os.getpid()}-{next(_lease_numbers)}"
            self.lease.touch(mode=0o600)

    def holders(self) -> int:
        """How many running TUIs hold a lease on this instance (this one included)."""
        try:
            leases = list((self.data_dir / LEASES).iterdir())
        except OSError:
            return 0
        alive = 0
        for lease in leases:
            pid = _lease_pid(lease)
            if pid is not None and _running(pid):
                alive += 1
            else:  # its TUI was killed: the lease is stale
                lease.unlink(missing_ok=True)
        return alive

    def _server_pid(self) -> int | None:
        """The pid of the instance a TUI started for this data dir, if it still runs."""
        try:
            pid = int((self.data_dir / SERVER_PID_FILE).read_text().strip())
        except (OSError, ValueError):
            return None
        if pid == os.getpid() or not _running(pid):
            return None
        try:  # the pid may have been reused since: it must be that serve
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return pid  # no /proc here: trust the pid file
        wanted = [b"rime_tui", b"serve", os.fsencode(self.data_dir)]
        return pid if all(part in command for part in wanted) else None

    def stop(self) -> None:
        """Give up this TUI's lease; the last TUI to go stops the instance a TUI started."""
        if self.lease is None:
            self._stop_child()
            return
        with self._locked():
            self.lease.unlink(missing_ok=True)
            self.lease = None
            if self.holders():
                self.process = None  # it keeps running for the other TUIs
                return
            pid = self._server_pid()
            (self.data_dir / SERVER_PID_FILE).unlink(missing_ok=True)
            if self.process is not None:
                self._stop_child()
            elif pid is not None:
                self._stop_pid(pid)

    def _stop_pid(self, pid: int) -> None:
        """Stop the instance another TUI started, and wait (up to 5 s) until it is gone."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            with contextlib.suppress(ChildProcessError):  # reap it if it is our child
                os.waitpid(pid, os.WNOHANG)
            if not _running(pid):
                return
            time.sleep(0.05)

    def _stop_child(self) -> None:
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
