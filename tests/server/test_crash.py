"""Crash safety: SIGKILL the instance in the middle of a storm of token creates and deletes.

``rime-tui serve`` runs as a separate process on 127.0.0.1.  Sixteen clients
create and delete API tokens over HTTP while the token count presses against
the 200 cap; once enough answers have arrived the process gets SIGKILL with
requests still in flight.  After a restart on the same data dir:

- every create that was answered 200 still authenticates, unless its delete
  was answered 200;
- every delete that was answered 200 stays deleted (401 for its secret);
- ``PRAGMA integrity_check`` is ``ok``;
- the 200-token cap still holds: never exceeded, and filling up to it then
  creating one more answers 429.

Requests in flight at the kill have no answer, so either outcome is allowed for
them; everything answered is binding.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.support.serve_process import ServeProcess, serving, start_serve

MAX_TOKENS = 200
PRELOAD = 150  # tokens created before the storm, so that the storm reaches the cap
WORKERS = 16
OPS_PER_WORKER = 40  # bound on each client's loop


@dataclass
class Ledger:
    """What the clients were told; only answered requests bind the instance."""

    created: dict[str, str] = field(default_factory=dict)  # token id -> secret, answered 200
    delete_sent: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)  # answered 200
    statuses: Counter[int] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    answers: int = 0
    in_flight: int = 0
    in_flight_at_kill: int = -1


def _headers(secret: str) -> dict[str, str]:
    return {"rime-api-key": secret}


async def _create(
    http: httpx.AsyncClient, admin_token: str, workspace: str, name: str
) -> httpx.Response:
    return await http.post(
        "/v1/users/api-tokens",
        json={"name": name, "workspaceId": {"uuid": workspace}, "tokenType": "TOKEN_TYPE_USER"},
        headers=_headers(admin_token),
    )


def _db_count(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "rime.db") as db:
        return int(db.execute("SELECT COUNT(*) FROM api_tokens").fetchone()[0])


def _integrity(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "rime.db") as db:
        return [str(row[0]) for row in db.execute("PRAGMA integrity_check")]


async def _preload(served: ServeProcess, ledger: Ledger) -> None:
    boot = served.bootstrap()
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as http:
        for i in range(PRELOAD):
            answer = await _create(http, boot["api_token"], boot["workspace_id"], f"pre-{i}")
            assert answer.status_code == 200, answer.text
            body = answer.json()
            ledger.created[body["id"]["uuid"]] = body["fullApiToken"]


async def _storm(served: ServeProcess, ledger: Ledger, kill_after: int) -> None:
    boot = served.bootstrap()
    admin_token, workspace = boot["api_token"], boot["workspace_id"]
    limits = httpx.Limits(max_connections=WORKERS, max_keepalive_connections=WORKERS)

    def answered(answer: httpx.Response, allowed: tuple[int, ...]) -> None:
        ledger.answers += 1
        ledger.statuses[answer.status_code] += 1
        if answer.status_code not in allowed:
            ledger.unexpected.append(f"{answer.request.method} {answer.status_code} {answer.text}")
        if ledger.answers >= kill_after and ledger.in_flight_at_kill < 0:
            ledger.in_flight_at_kill = ledger.in_flight - 1  # besides this one
            served.process.kill()  # SIGKILL, while the other clients' requests are in flight

    async def client(n: int, http: httpx.AsyncClient) -> None:
        mine: list[str] = []
        for i in range(OPS_PER_WORKER):
            try:
                ledger.in_flight += 1
                if i % 3 == 2 and mine:  # every third operation deletes one of this client's tokens
                    token_id = mine.pop(0)
                    ledger.delete_sent.add(token_id)
                    answer = await http.delete(
                        f"/v1/users/api-tokens/{token_id}", headers=_headers(admin_token)
                    )
                    answered(answer, (200,))
                    if answer.status_code == 200:
                        ledger.deleted.add(token_id)
                else:
                    answer = await _create(http, admin_token, workspace, f"storm-{n}-{i}")
                    answered(answer, (200, 429))
                    if answer.status_code == 200:
                        body = answer.json()
                        ledger.created[body["id"]["uuid"]] = body["fullApiToken"]
                        mine.append(body["id"]["uuid"])
            except httpx.TransportError:
                return  # the instance is gone; this request has no answer
            finally:
                ledger.in_flight -= 1

    async with httpx.AsyncClient(base_url=served.url, timeout=30, limits=limits) as http:
        await asyncio.gather(*(client(n, http) for n in range(WORKERS)))


async def _status(http: httpx.AsyncClient, secret: str) -> int:
    return (await http.get("/v1/rime-info", headers=_headers(secret))).status_code


# The storm answers this many requests, then the process dies: early (below the cap)
# and late (while creates are being refused at the cap).
@pytest.mark.parametrize("kill_after", [40, 160])
async def test_sigkill_mid_storm_loses_no_answered_write(tmp_path: Path, kill_after: int) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "serve.log"
    ledger = Ledger()
    first = start_serve(data_dir, log)
    try:
        await _preload(first, ledger)
        await _storm(first, ledger, kill_after)
    finally:
        first.kill()
    assert first.process.returncode == -9, "the storm ended before the kill"
    assert ledger.unexpected == [], ledger.unexpected[:5]
    assert ledger.in_flight_at_kill > 0, "nothing was in flight when the instance died"
    print(
        f"\nkilled after {ledger.answers} storm answers with {ledger.in_flight_at_kill} in flight;"
        f" statuses {dict(ledger.statuses)}; {len(ledger.created)} creates and"
        f" {len(ledger.deleted)} deletes answered 200"
    )

    # The data dir as the crash left it, before anything else opens it.
    assert _integrity(data_dir) == ["ok"]
    assert _db_count(data_dir) <= MAX_TOKENS

    with serving(data_dir, log) as second:
        boot = second.bootstrap()
        admin = boot["api_token"]
        async with httpx.AsyncClient(base_url=second.url, timeout=30) as http:
            assert await _status(http, admin) == 200
            lost, resurrected, undecided = [], [], Counter[int]()
            for token_id, secret in ledger.created.items():
                status = await _status(http, secret)
                if token_id in ledger.deleted:
                    if status != 401:
                        resurrected.append((token_id, status))
                elif token_id in ledger.delete_sent:
                    undecided[status] += 1  # its delete was in flight at the kill: either is right
                    assert status in (200, 401)
                elif status != 200:
                    lost.append((token_id, status))
            assert lost == [], f"answered creates that no longer authenticate: {lost}"
            assert resurrected == [], f"answered deletes that authenticate again: {resurrected}"

            listed = await http.get(
                "/v1/users/api-tokens",
                params={"workspaceId.uuid": boot["workspace_id"], "pageSize": 500},
                headers=_headers(admin),
            )
            assert listed.status_code == 200, listed.text
            ids = {t["id"]["uuid"] for t in listed.json()["apiTokenInfos"]}
            assert ids.isdisjoint(ledger.deleted)
            assert {i for i in ledger.created if i not in ledger.delete_sent} <= ids
            total = _db_count(data_dir)
            assert len(ids) == total <= MAX_TOKENS

            # The cap still holds after the crash: fill up to it, then one more is refused.
            for i in range(MAX_TOKENS - total):
                answer = await _create(http, admin, boot["workspace_id"], f"fill-{i}")
                assert answer.status_code == 200, answer.text
            refused = await _create(http, admin, boot["workspace_id"], "one-too-many")
            assert refused.status_code == 429, refused.text
            assert refused.json()["code"] == 8
            assert set(refused.json()) == {"code", "message", "details"}
    assert _db_count(data_dir) == MAX_TOKENS
    assert _integrity(data_dir) == ["ok"]
