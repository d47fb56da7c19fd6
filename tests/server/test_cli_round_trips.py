"""Sequential round trips of the scripting commands (issue 17, item 3): with an API token,
``status`` takes 2, ``token create`` 1 (2 with ``--output json``, which reads the new token
back), ``token list`` 1 (its token list and the users who own them go out together).

Each command runs as a subprocess against a real local instance reached as a cluster
through the latency proxy, which counts the round trips (requests in flight together
count as one).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.support.latency_proxy import LatencyProxy
from tests.support.local import Local

DELAY = 0.1
"""Seconds each request takes through the proxy: requests sent together overlap."""
TOKENS = "/v1/users/api-tokens"


@pytest.fixture
def proxy(local: Local) -> Iterator[LatencyProxy]:
    with LatencyProxy(local.server.port, delay=DELAY) as slow:
        yield slow


def through(proxy: LatencyProxy, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``rime-tui ARGS --cluster PROXY`` with RIME_API_TOKEN=*token*, to its end."""
    env = {k: v for k, v in os.environ.items() if k != "RIME_CLUSTER_URL"}
    env["RIME_API_TOKEN"] = token
    done = subprocess.run(
        [sys.executable, "-m", "rime_tui", *args, "--cluster", proxy.url],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, (done.returncode, done.stderr)
    return done


def test_status_takes_two_round_trips(local: Local, proxy: LatencyProxy) -> None:
    report = json.loads(through(proxy, local.api_token, "status", "--json").stdout)
    assert report["user"] == local.admin_email and report["tokens"] == 1
    assert proxy.rounds == 2, proxy.requests


def test_create_takes_one_round_trip(local: Local, proxy: LatencyProxy) -> None:
    """The API token's own workspace: no workspace list, no reading back."""
    done = through(proxy, local.api_token, "token", "create", "ci", "--expires-in", "30")
    assert done.stdout.startswith("rime_")
    assert "expires in 30 days" in done.stderr, done.stderr
    assert proxy.requests == [("POST", TOKENS)] and proxy.rounds == 1


def test_create_json_reads_the_token_back(local: Local, proxy: LatencyProxy) -> None:
    made = json.loads(
        through(proxy, local.api_token, "token", "create", "ci", "--output", "json").stdout
    )
    assert made["workspaceId"] == local.workspace_id and made["expirationTime"]
    assert proxy.rounds == 2, proxy.requests


def test_list_takes_one_round_trip(local: Local, proxy: LatencyProxy) -> None:
    rows = json.loads(through(proxy, local.api_token, "token", "list", "--json").stdout)
    assert [r["owner"] for r in rows] == [local.admin_email]
    assert proxy.rounds == 1, proxy.requests
