"""Running ``rime-tui`` commands as scripts do, against the test's local instance: as its
admin (``--data-dir``/``--port``) or as a cluster with ``RIME_API_TOKEN``; and checking
what they print (shared by the CLI's tests and the TUI's that end with a command)."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

from rime_tui.api import RimeClient
from rime_tui.api.errors import AuthenticationError
from tests.support.latency_proxy import LatencyProxy
from tests.support.local import Local

LIST_FIELDS = {  # the fields of `token list --json`
    "id",
    "name",
    "owner",
    "suffix",
    "workspaceId",
    "creationTime",
    "expirationTime",
    "expired",
}
SECRET = re.compile(r"rime_[A-Za-z0-9_-]+")
PATIENCE = 60.0
"""Seconds to wait for a command to reach a stalled request (a failure, not a timing)."""


def rime_tui(
    local: Local | None,
    *args: str,
    token: str | None = None,
    stdin: int | None = subprocess.DEVNULL,
    data_dir: Path | None = None,
    port: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """``rime-tui ARGS`` for *local*: as its admin, or with *token* as a cluster."""
    env = {k: v for k, v in os.environ.items() if k not in ("RIME_CLUSTER_URL", "RIME_API_TOKEN")}
    if token is not None:
        assert local is not None
        target = ["--cluster", local.url]
        env["RIME_API_TOKEN"] = token
    else:
        data_dir = data_dir or (local.data_dir if local else None)
        port = port or (local.server.port if local else None)
        target = ["--data-dir", str(data_dir), "--port", str(port)]
    return subprocess.run(
        [sys.executable, "-m", "rime_tui", *args, *target],
        capture_output=True,
        text=True,
        stdin=stdin,
        env=env,
        timeout=60,
    )


def ok(done: subprocess.CompletedProcess[str], code: int = 0) -> subprocess.CompletedProcess[str]:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    return done


def curl_status(local: Local, secret: str) -> int:
    """The HTTP status of ``curl -H "rime-api-key: SECRET" URL/v1/rime-info``."""
    done = subprocess.run(
        [
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            f"rime-api-key: {secret}",
            f"{local.url}/v1/rime-info",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return int(done.stdout)


def listed(local: Local, *args: str) -> list[dict[str, Any]]:
    """``rime-tui token list --json ARGS``, parsed."""
    items: list[dict[str, Any]] = json.loads(
        ok(rime_tui(local, "token", "list", "--json", *args)).stdout
    )
    return items


def start(proxy: LatencyProxy, token: str, *args: str) -> subprocess.Popen[str]:
    """``rime-tui ARGS --cluster PROXY`` with RIME_API_TOKEN=*token*, running."""
    env = {k: v for k, v in os.environ.items() if k != "RIME_CLUSTER_URL"}
    env["RIME_API_TOKEN"] = token
    return subprocess.Popen(
        [sys.executable, "-m", "rime_tui", *args, "--cluster", proxy.url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )


async def works(local: Local, secret: str) -> bool:
    """Whether *secret* is a working API token on *local*."""
    async with RimeClient(local.url, api_token=secret) as client:
        try:
            await client.rime_info()
        except AuthenticationError:
            return False
    return True


async def names(local: Local, token: str | None = None) -> list[str]:
    """The names of the tokens in *local*'s workspace."""
    async with local.client(token) as client:
        return [t.name async for t in client.iter_api_tokens(local.workspace_id)]


async def make(local: Local, name: str) -> str:
    """A new token *name* in *local*'s workspace; its secret."""
    async with local.client() as client:
        return (await client.create_api_token(name, local.workspace_id)).full_api_token


def printed_secret(out: str) -> str | None:
    """The one secret a command printed alone on stdout, or None if it printed nothing."""
    lines = out.splitlines()
    assert len(lines) <= 1, out
    if not lines:
        return None
    assert SECRET.fullmatch(lines[0]), out
    return lines[0]


def shown_on(controller: int) -> bytes:
    """Everything written to the pseudo-terminal whose controller is *controller* and
    not read yet (the command has ended: nothing more is coming)."""
    shown = b""
    while select.select([controller], [], [], 0)[0]:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal's other side is closed
            break
        shown += chunk
    return shown
