"""The token list's fast path answers exactly what the wire models would.

``GET /v1/users/api-tokens`` is served from per-token JSON serialised once
(``Store.list_tokens_json``); these tests hold it to the pydantic rendering of
``Store.list_tokens`` byte for byte, across pages, filters and deletions.
"""

from __future__ import annotations

import httpx

from rime_tui.api import models as m
from tests.support.local import Local


def _model_bytes(local: Local, **query: str | int) -> bytes:
    store = local.server.instance.store
    who = store.authenticate_api_token(local.api_token)
    answer = store.list_tokens(
        who,
        workspace_id=str(query.get("workspaceId.uuid", "")) or None,
        token_type=str(query.get("firstPageQuery.tokenType", "")) or None,
        page_token=str(query.get("pageToken", "")),
        page_size=int(query["pageSize"]) if "pageSize" in query else None,
    )
    return answer.model_dump_json(exclude_none=True).encode()


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
            expected = _model_bytes(local, **query)
            answer = http.get("/v1/users/api-tokens", params=query)
            assert answer.status_code == 200
            assert answer.headers["content-type"] == "application/json"
            assert answer.content == expected
            page = m.ListApiTokensResponse.model_validate_json(answer.content)
            seen += [t.name for t in page.api_token_infos]
            if not page.has_more:
                assert page.next_page_token == ""
                break
            query["pageToken"] = page.next_page_token
        assert seen == ["Default token", *(f"t{i}" for i in range(7))]

        filtered = {"firstPageQuery.tokenType": "TOKEN_TYPE_USER"}
        assert http.get("/v1/users/api-tokens", params=filtered).content == _model_bytes(
            local, **filtered
        )
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
        assert answer.content == _model_bytes(local)
