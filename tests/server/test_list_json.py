"""The token list's fast path answers exactly what the wire models would.

``GET /v1/users/api-tokens`` is served from per-token JSON serialised once; these
tests hold it byte for byte to the pydantic rendering of the workspace's tokens
as read from the database with SQL, across pages, filters and deletions.
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import datetime

import httpx

from rime_tui.paths import DATABASE_FILE
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
    token lists all of them), with the page token of *answer*."""
    sql = "SELECT * FROM api_tokens WHERE workspace_id = ?"
    args: tuple[str, ...] = (local.workspace_id,)
    if token_type:
        sql, args = sql + " AND token_type = ?", (*args, token_type)
    with contextlib.closing(sqlite3.connect(local.data_dir / DATABASE_FILE)) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(sql + " ORDER BY seq", args).fetchall()
    has_more = len(rows) > offset + size
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
        next_page_token=answer.json()["nextPageToken"] if has_more else "",
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
