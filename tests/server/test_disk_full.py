"""A full disk (issue J, finding 8), for real: ``rime-tui serve`` on a small tmpfs.

Writes and sign-ins used to get a generic 500 "see its log", a 60-line traceback
in the log per request, and the first failure dropped the keep-alive connection
(the client saw a ReadError, no answer). Now each gets a 507 with the RI error
body that says the disk is full (code 8, RESOURCE_EXHAUSTED), the log gets one
line, the connection stays open, reads keep working, and once space is freed
writes work again.

Mounting a tmpfs needs root (CI runs as root); elsewhere the test is skipped,
unless ``RIME_TUI_REQUIRE_ROOT=1``: then it fails.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.require import require
from tests.support.serve_process import ServeProcess, serving

DISK = "2m"


def _cannot(reason: str) -> None:
    require("RIME_TUI_REQUIRE_ROOT", reason)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of 2 MiB, unmounted afterwards."""
    if os.geteuid() != 0:
        _cannot("mounting a small tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir(mode=0o700)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK},mode=0700", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        _cannot(f"mount -t tmpfs failed: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(path: Path) -> None:
    """Write zeros to *path* until the disk is full."""
    with path.open("wb") as filler, contextlib.suppress(OSError):
        while True:
            filler.write(bytes(64 * 1024))
            filler.flush()


class Connection:
    """One keep-alive HTTP/1.1 connection; it never reconnects behind our back."""

    def __init__(self, served: ServeProcess) -> None:
        self.http = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
        self.http.connect()
        self.local = self.http.sock.getsockname()

    def __call__(
        self, method: str, path: str, body: dict[str, Any] | None = None, **headers: str
    ) -> tuple[int, dict[str, Any]]:
        if body is not None:
            headers["content-type"] = "application/json"
        self.http.request(
            method, path, json.dumps(body) if body is not None else None, headers=headers
        )
        response = self.http.getresponse()
        answer = (response.status, json.loads(response.read()))
        assert response.getheader("connection") != "close"
        assert self.http.sock is not None and self.http.sock.getsockname() == self.local
        return answer


def test_a_full_disk_is_said_in_the_answer_and_one_log_line(
    small_disk: Path, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    with serving(small_disk / "data", log) as served:
        boot = served.bootstrap()
        key = {"rime-api-key": boot["api_token"]}
        ws = {"uuid": boot["workspace_id"]}
        sign_in = {"email": boot["admin_email"], "password": boot["admin_password"]}
        call = Connection(served)
        assert (
            call("POST", "/v1/users/api-tokens", {"name": "before", "workspaceId": ws}, **key)[0]
            == 200
        )

        _fill(small_disk / "filler")
        refused = [
            call("POST", "/v1/users/api-tokens", {"name": f"t{i}", "workspaceId": ws}, **key)
            for i in range(3)
        ]
        refused += [
            call("POST", "/v1/projects", {"name": "p", "description": "x" * 1900}, **key),
            call("POST", "/v1/auth/login", sign_in),
        ]
        for status, body in refused:
            assert status == 507, body
            assert body["code"] == 8 and body["details"] == []
            assert "disk is full" in body["message"]
        # Reads still work, on the same connection (Connection checks it is the same).
        assert call("GET", "/v1/rime-info", **key)[0] == 200
        tokens = call("GET", "/v1/users/api-tokens", **key)[1]["apiTokenInfos"]
        assert {t["name"] for t in tokens} == {"Default token", "before"}
        # Free some space: writes work again, without a restart.
        (small_disk / "filler").unlink()
        assert (
            call("POST", "/v1/users/api-tokens", {"name": "after", "workspaceId": ws}, **key)[0]
            == 200
        )
        assert call("POST", "/v1/auth/login", sign_in)[0] == 200
        text = served.log_text()
    assert text.count("disk full: ") == len(refused)
    assert "Traceback" not in text
    assert boot["admin_password"] not in text and boot["api_token"] not in text
