"""A second Unix user on this machine, for tests whose threat is another local user.

Running as root, the tests create the user ``rime-other`` (``useradd``) and run the
impostor, the flood and the spray as that user, with the system's Python and the
standard library only (it cannot read root's virtualenv). Not running as root they
are skipped, with the reason, unless ``RIME_TUI_REQUIRE_USERS=1`` (set in CI), which
makes them fail instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.require import require

NAME = "rime-other"
PYTHON = "/usr/bin/python3"  # readable by any user (root's pyenv is not)

LISTENER = r"""
import http.server, json, os, sys, threading
LIFETIME = 600
port, log = int(sys.argv[1]), sys.argv[2]
class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args): pass
    def answer(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        seen = [self.command, self.path, dict(self.headers), body.decode()]
        with open(log, "a") as out:
            out.write(json.dumps(seen) + "\n")
        reply = json.dumps({"customerName": "impostor", "clusterInfoVersion": "1"}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
    do_GET = do_POST = do_PUT = do_DELETE = answer
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
print("listening", flush=True)
threading.Timer(LIFETIME, os._exit, [0]).start()  # never outlives a killed test run
server.serve_forever()
"""

FLOOD = r"""
import socket, sys, time, selectors
port, count = int(sys.argv[1]), int(sys.argv[2])
sel = selectors.DefaultSelector()
def opened():
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\n")
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
for _ in range(count):
    opened()
print("flooding", flush=True)
end = time.monotonic() + 600  # never outlives a killed test run
while time.monotonic() < end:  # every connection closed by the server is opened again at once
    for key, _ in sel.select(1):
        sel.unregister(key.fileobj)
        key.fileobj.close()
        try:
            opened()
        except OSError:
            time.sleep(0.1)
"""

SPRAY = r"""
import collections, http.client, json, sys
port, count, email = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
seen = collections.Counter()
for i in range(count):
    who = email if i % 2 == 0 or email != "mixed" else f"{i}@spray.example"
    who = "admin@rime.local" if who == "mixed" else who
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("POST", "/v1/auth/login", json.dumps({"email": who, "password": f"guess{i}"}),
                  {"content-type": "application/json"})
        seen[c.getresponse().status] += 1
        c.close()
    except OSError:
        seen[0] += 1
print(json.dumps(seen), flush=True)
"""


@dataclass(frozen=True)
class OtherUser:
    uid: int
    gid: int
    home: Path  # a directory this user can write to (removed at the end)

    def start(self, script: str, *args: object) -> subprocess.Popen[str]:
        """*script* (stdlib Python) with *args*, as this user; its stdout a pipe. (The
        *script*s: LISTENER logs every request; FLOOD holds slow connections; SPRAY
        fails sign-ins, for one email or, with "mixed", every other one random.)"""
        return subprocess.Popen(
            [PYTHON, "-c", script, *map(str, args)],
            user=self.uid,
            group=self.gid,
            extra_groups=[],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=self.home,
        )

    def run(self, script: str, *args: object, timeout: float = 600) -> str:
        process = self.start(script, *args)
        out, _ = process.communicate(timeout=timeout)
        return out


def requests_logged(log: Path) -> list[list[object]]:
    """What the listener (LISTENER, run as the other user) recorded, one request a line."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def other_user() -> Iterator[OtherUser]:
    """The second user (created if missing), or a skip (a failure in CI) without root."""
    if os.geteuid() != 0:
        why = "needs root to create and run as a second Unix user"
        require("RIME_TUI_REQUIRE_USERS", f"this test {why}")
    try:
        entry = pwd.getpwnam(NAME)
    except KeyError:
        subprocess.run(
            ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", NAME],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(NAME)
    home = Path(tempfile.mkdtemp(prefix="rime-other-"))
    os.chown(home, entry.pw_uid, entry.pw_gid)
    try:
        yield OtherUser(entry.pw_uid, entry.pw_gid, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextlib.contextmanager
def running(process: subprocess.Popen[str], ready: str) -> Iterator[subprocess.Popen[str]]:
    """*process* once it printed *ready*; killed (by its pid) however the block ends."""
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if ready not in line:
            raise RuntimeError(f"the other user's process did not start: {line!r}")
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)
