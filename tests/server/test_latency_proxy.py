"""The latency proxy of the test support (tests/support/latency_proxy.py) does what the
tests through it rely on: it delays each request, counts round trips, stalls and fails."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.support.latency_proxy import LatencyProxy
from tests.support.local import Local


def test_each_request_on_a_kept_alive_connection_waits(local: Local) -> None:
    with (
        LatencyProxy(local.server.port, delay=0.2) as proxy,
        httpx.Client(base_url=proxy.url, headers={"rime-api-key": local.api_token}) as client,
    ):
        started = time.monotonic()
        for _ in range(3):
            assert client.get("/v1/rime-info").status_code == 200
        took = time.monotonic() - started
    assert took >= 0.6
    assert proxy.requests == [("GET", "/v1/rime-info")] * 3
    assert proxy.rounds == 3


def test_a_stalled_request_waits_for_release_and_a_failed_one_gets_no_answer(
    local: Local,
) -> None:
    with (
        LatencyProxy(local.server.port) as proxy,
        httpx.Client(
            base_url=proxy.url, headers={"rime-api-key": local.api_token}, timeout=5
        ) as client,
    ):
        proxy.stall("GET", "/v1/rime-info")
        answers: list[int] = []

        thread = threading.Thread(
            target=lambda: answers.append(client.get("/v1/rime-info").status_code)
        )
        thread.start()
        deadline = time.monotonic() + 5
        while proxy.stalled == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proxy.stalled == 1 and answers == []
        proxy.release()
        thread.join(5)
        assert answers == [200]
        proxy.fail("GET", "/healthz")
        with pytest.raises(httpx.TransportError):
            client.get("/healthz")
        assert client.get("/healthz").status_code == 200


def test_a_held_answer_comes_after_the_server_acted_and_exact_paths_match_whole(
    local: Local,
) -> None:
    with (
        LatencyProxy(local.server.port) as proxy,
        httpx.Client(
            base_url=proxy.url, headers={"rime-api-key": local.api_token}, timeout=5
        ) as client,
    ):
        # exact: /v1/workspace/{id}/users is not /v1/workspace, so it is not held
        proxy.hold("GET", "/v1/workspace", exact=True)
        users = client.get(f"/v1/workspace/{local.workspace_id}/users")
        assert users.status_code == 200 and proxy.held == 0
        body = {"name": "held", "workspaceId": {"uuid": local.workspace_id}}
        proxy.hold("POST", "/v1/users/api-tokens")
        answers: list[int] = []
        thread = threading.Thread(
            target=lambda: answers.append(
                client.post("/v1/users/api-tokens", json=body).status_code
            )
        )
        thread.start()
        try:
            deadline = time.monotonic() + 5
            while proxy.held == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert proxy.held == 1 and answers == []
            # The server has made the token; its answer has not reached the client yet.
            with httpx.Client(
                base_url=local.url, headers={"rime-api-key": local.api_token}
            ) as direct:
                listed = direct.get(
                    "/v1/users/api-tokens", params={"workspaceId": local.workspace_id}
                )
            assert "held" in [t["name"] for t in listed.json()["apiTokenInfos"]]
            assert answers == []
        finally:
            proxy.release_answers()
            thread.join(5)
        assert answers == [200]


def test_the_proxy_as_a_process_of_its_own_proxies_and_stops_cleanly(local: Local) -> None:
    """``python -m tests.support.latency_proxy PORT DELAY`` (the benchmarks' proxy):
    it prints its port, proxies, and ends without a traceback when its stdin closes."""
    proxy = subprocess.Popen(
        [sys.executable, "-m", "tests.support.latency_proxy", str(local.server.port), "0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proxy.stdout is not None and proxy.stdin is not None
    port = int(proxy.stdout.readline())
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        assert client.get("/healthz").status_code == 200
    proxy.stdin.close()
    assert proxy.wait(10) == 0
    assert proxy.stderr is not None and proxy.stderr.read() == ""
