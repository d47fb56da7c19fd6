"""The latency proxy of the test support (tests/support/latency_proxy.py) does what the
tests through it rely on: it delays each request, counts round trips, stalls and fails."""

from __future__ import annotations

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
