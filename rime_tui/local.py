"""Starting (or finding) the embedded local instance for the TUI and the commands.

The TUI paints first and calls :meth:`LocalInstance.ensure_running` from a
worker: an instance already serving the data dir is reused; otherwise ``rime-tui
serve`` is started, logging to ``DIR/server.log``.

The owner's tools reach the instance over its *private line* only: the Unix
socket ``DIR/instance.sock`` (see :func:`rime_tui.server.runner.bind_private`),
never its TCP port, which every local user shares. Only this user can create a
socket in the data dir (0700), or connect to one there; before it is used, the
socket must be ours and held by a process of ours (:func:`peer_is_ours`). So no
restart, crash or flood on the TCP port can put a stranger between the owner's
tools and their instance.

TUIs on one data dir share its instance, and the last one to exit stops it: each
TUI holds a lease, a file ``DIR/leases/PID-N``, from its first ``ensure_running``
until :meth:`LocalInstance.stop`. Leases of processes that no longer run (a TUI
killed with SIGKILL) do not count. A TUI stops only an instance that a TUI started
(its pid is in ``DIR/tui-server.pid``), never one started by hand with ``serve``.
Taking and giving up leases happen under a lock (``DIR/leases.lock``), so a TUI
that is starting is never left without the instance it just found.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import signal
import socket
import stat
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rime_tui.address import reaches
from rime_tui.paths import BOOTSTRAP_FILE, LOG_FILE, SOCKET_FILE, write_private

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


def peer_is_ours(data_dir: Path, path: Path) -> bool:
    """Whether a process of this user listens on the Unix socket *path* in *data_dir*
    (False: nothing does). LocalInstanceError when *data_dir* or the socket file is
    not private to this user: then it proves nothing."""
    uid = os.getuid()
    try:
        folder = os.lstat(data_dir)
    except FileNotFoundError:
        return False
    if folder.st_uid != uid or not stat.S_ISDIR(folder.st_mode) or folder.st_mode & 0o022:
        raise LocalInstanceError(
            f"The data dir {data_dir} is not private to you (it must be your directory, "
            "mode 0700): its instance cannot be trusted with your password."
        )
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    if info.st_uid != uid or not stat.S_ISSOCK(info.st_mode):
        raise LocalInstanceError(f"{path} is not a socket of yours: remove it.")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(2.0)
        try:
            sock.connect(os.fspath(path))
        except OSError:
            return False  # a stale socket: its instance is gone
        if hasattr(socket, "SO_PEERCRED"):  # Linux: the listener's pid, uid and gid
            creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            _pid, peer_uid, _gid = struct.unpack("3i", creds)
            if peer_uid != uid:
                raise LocalInstanceError(f"{path} is held by another user (uid {peer_uid}).")
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

    @classmethod
    def at(cls, url: str, data_dir: Path, port: int) -> LocalInstance | None:
        """The local instance of *data_dir* when *url* (a cluster URL, normalised)
        reaches its port on this machine (*port*, or the one its bootstrap.json
        records from its last start), else None. Its owner's tools reach it over the
        private line only: any process of any user may hold that TCP port."""
        instance = cls(data_dir, port)
        recorded = instance.recorded_port()
        for candidate in dict.fromkeys(p for p in (port, recorded) if p is not None):
            if reaches(url, candidate):
                return cls(data_dir, candidate)
        return None

    def recorded_port(self) -> int | None:
        """The port in bootstrap.json's cluster_url (kept true by each start), if any."""
        url = (self.bootstrap() or {}).get("cluster_url")
        try:
            return urlsplit(url).port if isinstance(url, str) else None
        except ValueError:
            return None

    def bootstrap(self) -> dict[str, Any] | None:
        """The credentials the instance created on its first start, if readable."""
        try:
            data = json.loads((self.data_dir / BOOTSTRAP_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    @property
    def socket_path(self) -> Path:
        """The instance's private line: a Unix socket in the data dir (0700)."""
        return self.data_dir / SOCKET_FILE

    def transport(self, **options: Any) -> httpx.AsyncHTTPTransport:
        """An httpx transport that reaches the instance over its private line only.

        Whatever URL a client with it is given, its requests go to the socket in
        the data dir, where only this user's processes can listen.
        """
        import ssl

        import httpx

        # No TLS on a Unix socket: a context that trusts nothing and costs nothing (by
        # default httpx would load certifi's, ~40 ms, for every client).
        options.setdefault("verify", ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
        return httpx.AsyncHTTPTransport(uds=os.fspath(self.socket_path), **options)

    async def _probe(self) -> bool:
        """Whether this data dir's instance answers on its private line.

        The proof is where it answers: a socket in a data dir that only we can write
        to, held by a process of ours (the peer's uid, SO_PEERCRED). Raises
        LocalInstanceError when the data dir or the socket is not private.
        """
        import asyncio  # (on the event loop, loaded already: LocalInstance.at needs none)

        import httpx

        if not await asyncio.to_thread(peer_is_ours, self.data_dir, self.socket_path):
            return False
        async with httpx.AsyncClient(transport=self.transport(), timeout=2.0) as http:
            try:
                response = await http.get(self.url + "/healthz")
            except httpx.HTTPError:
                return False
        return response.status_code == 200

    async def ensure_running(self, within: float = 30.0) -> bool:
        """Make sure this data dir's instance answers; True when this call started it.

        Raises LocalInstanceError when the instance cannot be started (its port is
        taken, its data dir is not private, ...); no lease or pid file is left then.
        """
        self._take_lease()
        try:
            return await self._ensure_running(within)
        except BaseException:
            self._failed()
            raise

    async def _ensure_running(self, within: float) -> bool:
        import asyncio

        if await self._probe():
            return False
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
            if await self._probe():
                return True
            await asyncio.sleep(0.05)
        raise LocalInstanceError(f"The local instance did not answer within {within:.0f} s.")

    def _failed(self) -> None:
        """A start failed: stop what it started, and leave no lease or pid file of it."""
        process = self.process
        self._stop_child()
        with self._locked():
            if process is not None and self._pid_in_file() == process.pid:
                (self.data_dir / SERVER_PID_FILE).unlink(missing_ok=True)
            if self.lease is not None:
                self.lease.unlink(missing_ok=True)
                self.lease = None

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
            write_private(self.data_dir / SERVER_PID_FILE, f"{self.process.pid}\n")

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

    def _pid_in_file(self) -> int | None:
        try:
            fd = os.open(self.data_dir / SERVER_PID_FILE, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None
        with os.fdopen(fd) as handle:
            text = handle.read(32).strip()
        return int(text) if text.isdigit() else None

    def _server_pid(self) -> int | None:
        """The pid of the instance a TUI started for this data dir, if it still runs."""
        pid = self._pid_in_file()
        if pid is None or pid == os.getpid() or not _running(pid):
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
