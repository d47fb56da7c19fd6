"""The token list's fast path answers exactly what the wire models would.

``GET /v1/users/api-tokens`` is served from per-token JSON serialised once, and
each page is kept until anything is written; these tests hold it byte for byte
to the pydantic rendering of the workspace's tokens as read from the database
with SQL, across pages, filters, deletions and writes by other processes.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import datetime

import httpx

from rime_tui.paths import DATABASE_FILE
from rime_tui.server.paging import decode_page_token
from rime_tui.wire import models as m
from tests.support.local import Local


def _model_bytes(
    local: Local,
    answer: httpx.Response,
    *,
    offset: int = 0,
    size: int = 50,
    token_type: str | None = None,
) -> bytes:
    """The models' JSON of the page of the workspace's tokens at *offset* (the admin's
    token lists all of them). The page token is *answer*'s once it is checked to stand
    for the page's last row, as read from the database (it is opaque: its position is
    what can be known independently)."""
    sql = "SELECT * FROM api_tokens WHERE workspace_id = ?"
    args: tuple[str, ...] = (local.workspace_id,)
    if token_type:
        sql, args = sql + " AND token_type = ?", (*args, token_type)
    with contextlib.closing(sqlite3.connect(local.data_dir / DATABASE_FILE)) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(sql + " ORDER BY seq", args).fetchall()
    has_more = len(rows) > offset + size
    token = answer.json()["nextPageToken"]
    if has_more:
        kind = f"tokens-{local.workspace_id}"
        assert decode_page_token(kind, token) == rows[offset + size - 1]["seq"], token
    page = m.ListApiTokensResponse(
        api_token_infos=[
            m.ApiTokenInfo(
                id=m.RimeUUID(uuid=row["id"]),
                name=row["name"],
                suffix=row["suffix"],
                creation_time=datetime.fromisoformat(row["created_at"]),
                expiration_time=datetime.fromisoformat(row["expires_at"]),
                workspace_id=m.RimeUUID(uuid=row["workspace_id"]),
                user_id=row["user_id"],
                token_type=row["token_type"],
            )
            for row in rows[offset : offset + size]
        ],
        next_page_token=token if has_more else "",
        has_more=has_more,
    )
    return page.model_dump_json(exclude_none=True).encode()


def test_every_page_is_byte_identical_to_the_models(local: Local) -> None:
    key = {"rime-api-key": local.api_token}
    with httpx.Client(base_url=local.url, headers=key, timeout=30) as http:
        for i in range(7):
            made = http.post(
                "/v1/users/api-tokens",
                json={"name": f"t{i}", "workspaceId": {"uuid": local.workspace_id}},
            )
            assert made.status_code == 200, made.text
        seen: list[str] = []
        query: dict[str, str | int] = {"pageSize": 3, "workspaceId.uuid": local.workspace_id}
        while True:
            answer = http.get("/v1/users/api-tokens", params=query)
            assert answer.status_code == 200
            assert answer.headers["content-type"] == "application/json"
            assert answer.content == _model_bytes(local, answer, offset=len(seen), size=3)
            page = m.ListApiTokensResponse.model_validate_json(answer.content)
            seen += [t.name for t in page.api_token_infos]
            if not page.has_more:
                assert page.next_page_token == ""
                break
            query["pageToken"] = page.next_page_token
        assert seen == ["Default token", *(f"t{i}" for i in range(7))]

        filtered = {"firstPageQuery.tokenType": "TOKEN_TYPE_USER"}
        answer = http.get("/v1/users/api-tokens", params=filtered)
        assert answer.content == _model_bytes(local, answer, token_type="TOKEN_TYPE_USER")
        none = {"firstPageQuery.tokenType": "TOKEN_TYPE_FIREWALL_AGENT"}
        answer = http.get("/v1/users/api-tokens", params=none)
        assert answer.json() == {"nextPageToken": "", "hasMore": False, "apiTokenInfos": []}


def test_a_deleted_token_leaves_the_list_at_once(local: Local) -> None:
    key = {"rime-api-key": local.api_token}
    with httpx.Client(base_url=local.url, headers=key, timeout=30) as http:
        made = http.post(
            "/v1/users/api-tokens",
            json={"name": "short-lived", "workspaceId": {"uuid": local.workspace_id}},
        ).json()
        token_id = made["id"]["uuid"]
        listed = http.get("/v1/users/api-tokens").json()["apiTokenInfos"]
        assert token_id in {t["id"]["uuid"] for t in listed}  # now serialised and kept
        assert http.delete(f"/v1/users/api-tokens/{token_id}").status_code == 200
        answer = http.get("/v1/users/api-tokens")
        assert token_id not in {t["id"]["uuid"] for t in answer.json()["apiTokenInfos"]}
        assert answer.content == _model_bytes(local, answer)


TOKENS = "/v1/users/api-tokens"


@contextlib.contextmanager
def _statements(local: Local) -> Iterator[list[str]]:
    """The SQL the instance runs meanwhile (SQLite's trace of its connection)."""
    seen: list[str] = []
    db = local.server.instance.store.db
    db.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        db.set_trace_callback(None)


def _page_queries(statements: list[str]) -> int:
    return sum("FROM api_tokens t WHERE" in s for s in statements)


def _write_elsewhere(local: Local, sql: str, *args: str) -> None:
    """*sql* committed on a connection of its own, as another process would."""
    with contextlib.closing(sqlite3.connect(local.data_dir / DATABASE_FILE)) as db, db:
        db.execute(sql, args)


def test_a_page_is_built_once_until_anything_is_written(local: Local) -> None:
    key = {"rime-api-key": local.api_token}
    query = {"pageSize": 3}
    with httpx.Client(base_url=local.url, headers=key, timeout=30) as http:
        for i in range(4):
            body = {"name": f"t{i}", "workspaceId": {"uuid": local.workspace_id}}
            assert http.post(TOKENS, json=body).status_code == 200
        with _statements(local) as statements:
            first = http.get(TOKENS, params=query)
            again = http.get(TOKENS, params=query)
            assert first.status_code == again.status_code == 200
            assert again.content == first.content
            assert _page_queries(statements) == 1  # the second answer came from memory
            # A refused create writes nothing: the page is still kept.
            made = http.post(TOKENS, json={"name": "no", "workspaceId": local.workspace_id})
            assert made.status_code == 400  # (an id is {"uuid": ...})
            assert http.get(TOKENS, params=query).content == first.content
            assert _page_queries(statements) == 1
            # A write through the instance: the page is built again.
            body = {"name": "t4", "workspaceId": {"uuid": local.workspace_id}}
            assert http.post(TOKENS, json=body).status_code == 200
            answer = http.get(TOKENS, params=query)
            assert _page_queries(statements) == 2
        assert answer.content == _model_bytes(local, answer, size=3)


def test_a_write_by_another_process_shows_at_once(local: Local) -> None:
    """Processes may share a data dir: their writes show in the next answer."""
    key = {"rime-api-key": local.api_token}
    with httpx.Client(base_url=local.url, headers=key, timeout=30) as http:
        body = {"name": "elsewhere", "workspaceId": {"uuid": local.workspace_id}}
        token_id = http.post(TOKENS, json=body).json()["id"]["uuid"]
        listed = http.get(TOKENS)
        assert token_id in listed.text
        assert http.get(TOKENS).content == listed.content  # kept
        _write_elsewhere(local, "DELETE FROM api_tokens WHERE id = ?", token_id)
        answer = http.get(TOKENS)
        assert token_id not in answer.text
        assert answer.content == _model_bytes(local, answer)


def test_a_deleted_credential_is_refused_even_for_a_kept_page(local: Local) -> None:
    """A kept page is an answer, not a pass: every request is authenticated first."""
    key = {"rime-api-key": local.api_token}
    with httpx.Client(base_url=local.url, headers=key, timeout=30) as http:
        body = {"name": "caller", "workspaceId": {"uuid": local.workspace_id}}
        secret = http.post(TOKENS, json=body).json()["fullApiToken"]
        other = {"rime-api-key": secret}
        first = http.get(TOKENS, headers=other)
        assert first.status_code == 200 and http.get(TOKENS, headers=other).content == first.content
        _write_elsewhere(local, "DELETE FROM api_tokens WHERE name = ?", "caller")
        assert http.get(TOKENS, headers=other).status_code == 401
