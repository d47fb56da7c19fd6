"""Opening a data dir and serving it: ``rime-tui serve`` and the test harness."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import uvicorn

from rime_tui.paths import BOOTSTRAP_FILE, DATABASE_FILE, INSTANCE_ID_FILE, write_private
from rime_tui.server.app import create_app
from rime_tui.server.store import Bootstrap, Clock, Store, system_clock

log = logging.getLogger("rime_tui.server")


@dataclass
class Instance:
    """An opened data dir: its store, and what its first start created."""

    data_dir: Path
    store: Store
    instance_id: str
    created: Bootstrap | None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_for(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def open_instance(data_dir: Path, cluster_url: str, *, clock: Clock = system_clock) -> Instance:
    """Open (and on first use, bootstrap) the instance in *data_dir*."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    store = Store(data_dir / DATABASE_FILE, clock=clock)
    created = store.bootstrap(cluster_url)
    if created is not None:
        write_private(data_dir / BOOTSTRAP_FILE, json.dumps(asdict(created), indent=2) + "\n")
    else:
        _update_bootstrap_url(data_dir / BOOTSTRAP_FILE, cluster_url)
    instance_id = store.instance_id()
    id_file = data_dir / INSTANCE_ID_FILE
    if not id_file.exists():
        write_private(id_file, instance_id + "\n")
    return Instance(data_dir, store, instance_id, created)


def _update_bootstrap_url(path: Path, cluster_url: str) -> None:
    """Keep bootstrap.json's cluster_url true when the port changes."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(data, dict) and data.get("cluster_url") != cluster_url:
        data["cluster_url"] = cluster_url
        write_private(path, json.dumps(data, indent=2) + "\n")


def serve(host: str, port: int, data_dir: Path, *, banner: bool = True) -> int:
    """Run the local instance in the foreground until Ctrl-C or SIGTERM."""
    if not is_loopback(host):
        print(
            f"warning: serving on {host}, which is not a loopback address. The local "
            "instance has no TLS: tokens and passwords cross the network in clear text.",
            file=sys.stderr,
        )
    url = url_for(host, port)
    try:
        instance = open_instance(data_dir, url)
    except Exception as exc:  # a broken data dir is reported, not dumped
        print(f"error: cannot open the data dir {data_dir}: {exc}", file=sys.stderr)
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
    app = create_app(instance.store, instance_id=instance.instance_id)
    config = uvicorn.Config(
        app, host=host, port=port, log_level="info", access_log=True, lifespan="off"
    )
    server = uvicorn.Server(config)
    try:
        with _stop_signals_end_quietly(server):
            server.run()
    finally:
        instance.store.close()
    return 0 if server.started else 1


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
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.host = host
        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted connections only when
        # the socket says it is TCP; with proto 0 every answer waited ~40 ms (Nagle).
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.port = self.sock.getsockname()[1]
        self.url = url_for(host, self.port)
        self.instance = open_instance(data_dir, self.url, clock=clock)
        app = create_app(self.instance.store, instance_id=self.instance.instance_id)
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name="rime-local", daemon=True)

    def _run(self) -> None:
        self.server.run(sockets=[self.sock])

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
        with contextlib.suppress(OSError):
            self.sock.close()
        self.instance.store.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
