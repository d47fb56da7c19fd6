"""Opening a data dir and serving it: ``rime-tui serve`` and the test harness."""

from __future__ import annotations

import contextlib
import errno
import gc
import ipaddress
import json
import logging
import os
import signal
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from rime_tui.paths import (
    BOOTSTRAP_FILE,
    DATABASE_FILE,
    SOCKET_FILE,
    UnsafeDataDirError,
    secure_data_dir,
    write_private,
)
from rime_tui.proof import ensure_key
from rime_tui.server import security
from rime_tui.server.app import create_app
from rime_tui.server.compat import (
    MAX_CONNECTIONS,
    GuardedH11Protocol,
    UvicornChangedError,
    check_uvicorn,
)
from rime_tui.server.integrity import open_store
from rime_tui.server.store import (
    DEFAULT_ADMIN_EMAIL,
    Bootstrap,
    Clock,
    Store,
    system_clock,
)
from rime_tui.server.throttle import Monotonic

log = logging.getLogger("rime_tui.server")

KEEP_ALIVE_SECONDS = 5  # an idle connection between requests is closed after this
MAX_SOCKET_PATH = 107  # bytes in a Unix socket's path (sun_path, less its NUL)


@dataclass
class Instance:
    """An opened data dir: its store, its key, and what its first start created."""

    data_dir: Path
    store: Store
    key: bytes
    created: Bootstrap | None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ipaddress_is_unspecified(host: str) -> bool:
    """0.0.0.0 or ::, which name no host a request could address."""
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def host_name(host: str) -> str:
    """*host* as a URL or a Host header names it (IPv6 addresses in brackets)."""
    return f"[{host}]" if ":" in host else host


def url_for(host: str, port: int) -> str:
    return f"http://{host_name(host)}:{port}"


def open_instance(data_dir: Path, cluster_url: str, *, clock: Clock = system_clock) -> Instance:
    """Open (and on first use, bootstrap) the instance in *data_dir*.

    A data dir other users can write to is refused (UnsafeDataDirError); one
    they can read is made private, with a warning on stderr.
    """
    _secure(data_dir)
    key = ensure_key(data_dir)
    store = open_store(data_dir, clock=clock)  # refuses an empty or damaged database
    created = store.bootstrap(cluster_url)
    if created is not None:
        write_private(data_dir / BOOTSTRAP_FILE, json.dumps(asdict(created), indent=2) + "\n")
    else:
        _update_bootstrap(data_dir / BOOTSTRAP_FILE, cluster_url=cluster_url)
    # The token bootstrap.json names can only become null: only its deletion is watched
    # (reading the file at every delete cost a tenth of the delete).
    bootstrap_token = _bootstrap_token_digest(data_dir / BOOTSTRAP_FILE)

    def deleted(digest: str) -> None:
        if bootstrap_token is not None and security.same_digest(digest, bootstrap_token):
            _forget_bootstrap_token(data_dir / BOOTSTRAP_FILE, digest)

    store.on_token_deleted = deleted
    store.checkpoint_in_background()  # no request waits for a checkpoint's fsync
    return Instance(data_dir, store, key, created)


def _bootstrap_token_digest(path: Path) -> str | None:
    """The digest of the token bootstrap.json names, if it names one."""
    try:
        token = json.loads(path.read_text(encoding="utf-8")).get("api_token")
    except (OSError, ValueError, AttributeError):
        return None
    return security.digest(token) if isinstance(token, str) else None


def _forget_bootstrap_token(path: Path, digest: str) -> None:
    """The bootstrap token was deleted: bootstrap.json no longer names it (api_token
    becomes null). The admin's email and password there keep working."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    token = data.get("api_token") if isinstance(data, dict) else None
    if isinstance(token, str) and security.same_digest(security.digest(token), digest):
        data["api_token"] = None
        try:
            write_private(path, json.dumps(data, indent=2) + "\n")
        except OSError as exc:  # a convenience copy: never a reason to fail the delete
            print(f"warning: could not update {path}: {exc}", file=sys.stderr)


def _secure(data_dir: Path) -> None:
    warning = secure_data_dir(data_dir)
    if warning:
        print(warning, file=sys.stderr)


def _update_bootstrap(path: Path, **changes: str) -> None:
    """Keep bootstrap.json true (its cluster_url when the port changes, a new password)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict):
        if "admin_password" not in changes:
            return
        data = {"admin_email": DEFAULT_ADMIN_EMAIL}
    if any(data.get(k) != v for k, v in changes.items()):
        data.update(changes)
        write_private(path, json.dumps(data, indent=2) + "\n")


def reset_admin_password(data_dir: Path) -> int:
    """``serve --reset-admin-password``: a new password for the default admin.

    Prints it once, writes it to bootstrap.json (0600) and ends all of that
    admin's sessions, also on an instance that is running on this data dir.
    """
    if not (data_dir / DATABASE_FILE).is_file():
        print(f"error: there is no local instance in {data_dir}.", file=sys.stderr)
        return 1
    password = security.new_password()
    try:
        _secure(data_dir)
        store = Store(data_dir / DATABASE_FILE)
        try:
            changed = store.change_password(DEFAULT_ADMIN_EMAIL, security.hash_password(password))
            admins = store.org_admins()
        finally:
            store.close()
    except (OSError, UnsafeDataDirError, RuntimeError, sqlite3.Error) as exc:
        print(f"error: cannot open the data dir {data_dir}: {exc}", file=sys.stderr)
        return 1
    if not changed:
        print(f"error: No user with email {DEFAULT_ADMIN_EMAIL}.", file=sys.stderr)
        return 1
    _update_bootstrap(data_dir / BOOTSTRAP_FILE, admin_password=password)
    print(f"New password for {DEFAULT_ADMIN_EMAIL} (shown once; all its sessions ended):")
    print(f"  admin_password: {password}")
    print(f"(also in {data_dir / BOOTSTRAP_FILE}, mode 0600)")
    print_org_admins(admins)
    return 0


def print_org_admins(admins: Sequence[sqlite3.Row]) -> None:
    """The organization admins, so that one nobody knows is seen (and can be deleted)."""
    print(f"Organization admins ({len(admins)}); delete any you do not know with")
    print("DELETE /v1/users/{id}, signed in as " + DEFAULT_ADMIN_EMAIL + ":")
    for row in admins:
        print(f"  {row['email']}  id {row['id']}  created {row['created_at'][:19]}Z")


def uvicorn_config(app: FastAPI, **options: Any) -> uvicorn.Config:
    """The server settings of every local instance: connection limits and timeouts,
    and no trust in X-Forwarded-* headers (the client address is the socket's)."""
    return uvicorn.Config(
        app,
        http=GuardedH11Protocol,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        limit_concurrency=MAX_CONNECTIONS,
        proxy_headers=False,
        lifespan="off",
        **options,
    )


class BindError(Exception):
    """A socket the instance needs cannot be had; the message says why and what to do."""


def bind_tcp(host: str, port: int) -> socket.socket:
    """A TCP socket bound to *host*:*port* (port 0: an ephemeral one)."""
    try:
        family, *_, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted connections only when
        # the socket says it is TCP; with proto 0 every answer waited ~40 ms (Nagle).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    except OSError as exc:
        raise BindError(f"cannot serve on {host}: {exc.strerror or exc}.") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise BindError(
                f"Something else answers on port {port} of {host} (another program, another "
                "data dir's instance or another user's server): start with --port and "
                f"another port number, or stop what runs on port {port}."
            ) from None
        raise BindError(f"cannot serve on {host}:{port}: {exc.strerror or exc}.") from None
    return sock


@dataclass
class PrivateLine:
    """The owner's private line: a Unix socket ``DIR/instance.sock`` (mode 0600) in
    the data dir, which must be private (0700) already.

    Only the data dir's owner can connect to it, and nobody else can put a socket
    there: the owner's own tools (the TUI, the ``token`` commands) talk to the
    instance through it.
    """

    sock: socket.socket
    path: Path
    inode: int

    @classmethod
    def bind(cls, data_dir: Path) -> PrivateLine:
        """Bind it. A stale socket file (its instance died) is replaced; one that
        answers means this data dir's instance already runs (BindError)."""
        path = data_dir / SOCKET_FILE
        if len(os.fsencode(path)) > MAX_SOCKET_PATH:
            raise BindError(
                f"the data dir path {data_dir} is too long for its socket (at most "
                f"{MAX_SOCKET_PATH - len(SOCKET_FILE) - 1} bytes); use a shorter --data-dir."
            )
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(os.fspath(path))
            except (FileNotFoundError, ConnectionRefusedError):
                path.unlink(missing_ok=True)  # nothing answers: a stale socket, or none
            else:
                raise BindError(
                    f"the local instance of {data_dir} is already running (it answers on "
                    f"{path}); stop it first, or use it."
                )
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(os.fspath(path))
            os.chmod(path, 0o600)
            return cls(sock, path, os.lstat(path).st_ino)
        except OSError as exc:
            sock.close()
            raise BindError(f"cannot create {path}: {exc.strerror or exc}.") from None

    def close(self) -> None:
        """Close it and remove its file (unless a later instance's replaced it)."""
        self.sock.close()
        with contextlib.suppress(OSError):
            if os.lstat(self.path).st_ino == self.inode:
                self.path.unlink()


def serve(
    host: str,
    port: int,
    data_dir: Path,
    *,
    banner: bool = True,
    allowed_hosts: Sequence[str] = (),
    access_log: bool = False,
) -> int:
    """Run the local instance in the foreground until Ctrl-C or SIGTERM.

    It serves on *host*:*port* (TCP) and, for the owner's own tools, on the Unix
    socket ``DIR/instance.sock`` (:class:`PrivateLine`). Requests over TCP must
    address it by a loopback name, by *host* or by one of *allowed_hosts* (with the
    port). With *access_log*, each request is logged.
    """
    try:
        check_uvicorn()
    except UvicornChangedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not is_loopback(host):
        print(
            f"warning: serving on {host}, which is not a loopback address. The local "
            "instance has no TLS: tokens and passwords cross the network in clear text.",
            file=sys.stderr,
        )
    url = url_for(host, port)
    tcp: socket.socket | None = None
    line: PrivateLine | None = None
    try:
        tcp = bind_tcp(host, port)
        _secure(data_dir)
        line = PrivateLine.bind(data_dir)
        instance = open_instance(data_dir, url)
    except Exception as exc:  # a port taken or a broken data dir is reported, not dumped
        if tcp is not None:
            tcp.close()
        if line is not None:
            line.close()
        what = "" if isinstance(exc, BindError) else f"cannot open the data dir {data_dir}: "
        print(f"error: {what}{exc}", file=sys.stderr)
        return 1
    if banner and instance.created is not None:
        created = instance.created
        print("Created a new local RI instance. Keep these; they are shown once:")
        print(f"  cluster_url:    {created.cluster_url}")
        print(f"  admin_email:    {created.admin_email}")
        print(f"  admin_password: {created.admin_password}")
        print(f"  workspace_id:   {created.workspace_id}")
        print(f"  api_token:      {created.api_token}")
        print(f"(also in {data_dir / BOOTSTRAP_FILE}, mode 0600)")
    print(f"rime-tui local instance: {url} (data dir {data_dir})", flush=True)
    names = [*allowed_hosts]
    if not ipaddress_is_unspecified(host):
        names.append(host_name(host))
    app = create_app(instance.store, instance_key=instance.key, allowed_hosts=names)
    config = uvicorn_config(app, log_level="info", access_log=access_log)
    server = uvicorn.Server(config)
    freeze_start_up()
    try:
        with _stop_signals_end_quietly(server):
            server.run(sockets=[tcp, line.sock])
    finally:
        tcp.close()
        line.close()
        instance.store.close()
    return 0 if server.started else 1


def freeze_start_up() -> None:
    """Put what start-up made (the modules, the app, its routes and models: ~60,000
    objects) out of the cyclic collector's reach, as the TUI does with its own. A full
    collection then walks only what requests made since: it took 80-115 ms with them, a
    pause every request in flight waited for (a burst of 50 creates is meant to finish
    within 50 ms); nothing start-up made is ever freed anyway."""
    gc.collect()
    gc.freeze()


@contextlib.contextmanager
def _stop_signals_end_quietly(server: uvicorn.Server) -> Iterator[None]:
    """Make Ctrl-C and SIGTERM end ``serve`` cleanly, with exit status 0.

    uvicorn shuts down on SIGINT/SIGTERM and then re-raises the signal to the
    handler that was installed before it started. With Python's defaults, Ctrl-C
    then ended in a KeyboardInterrupt traceback and SIGTERM killed the process
    before the store was closed. This handler only asks the server to stop.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(_signum: int, _frame: object) -> None:
        server.should_exit = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class ServerThread:
    """A local instance served from a thread of this process, on an ephemeral port.

    Used by tests, benchmarks and the screenshot command.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        clock: Clock = system_clock,
        monotonic: Monotonic = time.monotonic,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.host = host
        self.data_dir = data_dir
        self.sock = bind_tcp(host, port)
        self.port = self.sock.getsockname()[1]
        self.url = url_for(host, self.port)
        _secure(data_dir)
        self.private = PrivateLine.bind(data_dir)
        self.instance = open_instance(data_dir, self.url, clock=clock)
        app = create_app(self.instance.store, instance_key=self.instance.key, monotonic=monotonic)
        config = uvicorn_config(app, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name="rime-local", daemon=True)

    def _run(self) -> None:
        self.server.run(sockets=[self.sock, self.private.sock])

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the local instance did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
        self.private.close()
        self.instance.store.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
