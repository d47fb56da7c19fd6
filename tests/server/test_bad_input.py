"""Bad requests, sent raw with httpx: each gets the RI error body, never a 500.

Every answer checked here must be exactly ``{"code", "message", "details"}``
with the gRPC code of the API doc (INVALID_ARGUMENT 3 → 400, NOT_FOUND 5 → 404,
RESOURCE_EXHAUSTED 8, UNIMPLEMENTED 12 for a 405 as the gRPC gateway answers,
UNAUTHENTICATED 16 → 401).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from rime_tui.server.app import MAX_BODY_BYTES
from tests.support.helpers import error_body
from tests.support.local import Local

TOKENS = "/v1/users/api-tokens"
NIL = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def raw(module_local: Local) -> Iterator[httpx.Client]:
    """Plain httpx with the bootstrap admin's token."""
    with httpx.Client(
        base_url=module_local.url, headers={"rime-api-key": module_local.api_token}
    ) as client:
        yield client


def _token_body(module_local: Local, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "bad input",
        "workspaceId": {"uuid": module_local.workspace_id},
        "tokenType": "TOKEN_TYPE_USER",
    }
    body.update(changes)
    return body


def _post_json(raw: httpx.Client, path: str, content: bytes) -> httpx.Response:
    return raw.post(path, content=content, headers={"content-type": "application/json"})


# -- malformed bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{"pageSize": "-1"}, {"pageSize": "x"}, {"pageSize": ""}, {"pageToken": "a" * 300}],
    ids=["negative", "not-a-number", "empty", "long-token"],
)
def test_the_token_list_reads_its_query_as_fastapi_reads_the_others(
    raw: httpx.Client, params: dict[str, str]
) -> None:
    """The token list checks its query itself (without Depends); its 400s are word for
    word those FastAPI gives on the other lists (GET /v1/projects)."""
    ours = error_body(raw.get(TOKENS, params=params), 400, 3)
    theirs = error_body(raw.get("/v1/projects", params=params), 400, 3)
    assert ours["message"] == theirs["message"]


@pytest.mark.parametrize(
    "content",
    [b"", b"null", b"[]", b"5", b'"x"', b"{", b"\xff\xfe", b"[" * 30000, b"{}", b'{"name": 5}'],
    ids=["empty", "null", "list", "number", "string", "cut", "not-utf8", "deep", "{}", "name"],
)
def test_the_token_create_reads_its_body_as_fastapi_reads_the_others(
    raw: httpx.Client, content: bytes
) -> None:
    """Create Token checks its body itself (after the caller, without Depends); its 400s
    are word for word those FastAPI gives on the other routes (POST /v1/projects)."""
    ours = error_body(_post_json(raw, TOKENS, content), 400, 3)
    theirs = error_body(_post_json(raw, "/v1/projects", content), 400, 3)
    assert ours["message"] == theirs["message"]


@pytest.mark.parametrize(
    "content",
    [
        b'{"name": "x", ',
        b"{name: 'x'}",
        b"not json at all",
        b'{"name": "\xff\xfe"}',
        b"\x00\x01\x02",
    ],
    ids=["truncated", "single-quotes", "text", "bad-utf8", "binary"],
)
def test_malformed_json_is_invalid_argument(raw: httpx.Client, content: bytes) -> None:
    body = error_body(_post_json(raw, TOKENS, content), 400, 3)
    assert "JSON" in body["message"]


@pytest.mark.parametrize(
    "content",
    [b"", b"null", b"[]", b'"a string"', b"42"],
    ids=["empty", "null", "list", "str", "int"],
)
def test_a_body_that_is_not_an_object_is_invalid_argument(
    raw: httpx.Client, content: bytes
) -> None:
    error_body(_post_json(raw, TOKENS, content), 400, 3)


def test_deeply_nested_json_is_invalid_argument(raw: httpx.Client) -> None:
    # Deeper than any Python's json parses (3.13's parses 5,000 levels, not 10,000),
    # within the 64 KiB a body may have: a clear 400, not a crash or a 500.
    depth = 30_000
    content = b'{"name": ' + b"[" * depth + b"]" * depth + b"}"
    assert len(content) < MAX_BODY_BYTES
    assert "JSON" in error_body(_post_json(raw, TOKENS, content), 400, 3)["message"]


@pytest.mark.parametrize(
    "changes",
    [
        {"name": 5},
        {"name": None},
        {"name": ["a"]},
        {"workspaceId": "not an object"},
        {"workspaceId": {"uuid": 7}},
        {"expiryDays": "ten"},
        {"expiryDays": 1.5},
        {"expiryDays": {"days": 1}},
        {"tokenType": 1},
    ],
    ids=lambda c: json.dumps(c),
)
def test_wrong_types_are_invalid_argument(
    module_local: Local, raw: httpx.Client, changes: dict[str, Any]
) -> None:
    body = error_body(raw.post(TOKENS, json=_token_body(module_local, **changes)), 400, 3)
    field = next(iter(changes))
    assert field in body["message"]


def test_a_missing_required_field_is_invalid_argument(
    module_local: Local, raw: httpx.Client
) -> None:
    body = _token_body(module_local)
    del body["name"]
    assert "name" in error_body(raw.post(TOKENS, json=body), 400, 3)["message"]


@pytest.mark.filterwarnings("error")  # wire models build lazily, but not FastAPI's (#17)
def test_wrong_types_elsewhere(module_local: Local, raw: httpx.Client) -> None:
    error_body(raw.post("/v1/workspace", json={"name": "w", "resultsRetentionInDays": "x"}), 400, 3)
    error_body(raw.post("/v1/users", json={"email": 1, "password": "long enough"}), 400, 3)
    error_body(raw.post("/v1/projects", json={"name": "p", "tags": "not-a-list"}), 400, 3)
    error_body(
        raw.post(f"/v1/workspace/{module_local.workspace_id}/users", json={"users": {}}), 400, 3
    )
    error_body(raw.post("/v1/auth/login", json={"email": ["a"], "password": "x"}), 400, 3)


def test_a_huge_integer_is_invalid_argument(module_local: Local, raw: httpx.Client) -> None:
    content = (
        json.dumps(_token_body(module_local)).encode()[:-1]
        + b', "expiryDays": '
        + b"9" * 400
        + b"}"
    )
    error_body(_post_json(raw, TOKENS, content), 400, 3)


def test_a_lone_surrogate_in_a_name_is_refused(module_local: Local, raw: httpx.Client) -> None:
    content = json.dumps(_token_body(module_local, name="x\\ud800y")).replace("\\\\", "\\").encode()
    assert b"\\ud800" in content
    answer = _post_json(raw, TOKENS, content)
    error_body(answer, 400, 3)


# -- size -------------------------------------------------------------------------------------


def test_a_body_over_64_kib_is_413(module_local: Local, raw: httpx.Client) -> None:
    big = _token_body(module_local, description="x" * (64 * 1024))
    body = error_body(raw.post(TOKENS, json=big), 413, 8)
    assert "64 KiB" in body["message"]


def test_a_chunked_body_over_64_kib_is_413(raw: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    answer = raw.post(
        "/v1/projects", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in answer.request.headers
    error_body(answer, 413, 8)


def test_a_body_just_under_the_limit_is_read(module_local: Local, raw: httpx.Client) -> None:
    # Big but allowed: it reaches validation, which refuses the long name as a person would.
    body = _token_body(module_local, name="n" * 60_000)
    assert len(json.dumps(body)) < 64 * 1024
    message = error_body(raw.post(TOKENS, json=body), 400, 3)["message"]
    assert "100" in message


# -- bad ids in paths, queries and bodies ---------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/users/not-a-uuid"),
        ("GET", "/v1/workspace/not-a-uuid"),
        ("GET", "/v1/workspace/1234/users"),
        ("POST", "/v1/workspace/xyz/users"),
        ("DELETE", f"{TOKENS}/not-a-uuid"),
        ("DELETE", f"{TOKENS}/{NIL}0"),
        ("GET", "/v1/projects/%00"),
    ],
)
def test_a_bad_uuid_in_the_path_is_invalid_argument(
    raw: httpx.Client, method: str, path: str
) -> None:
    content = b'{"users": [{"userId": {"uuid": "' + NIL.encode() + b'"}}]}'
    answer = _post_json(raw, path, content) if method == "POST" else raw.request(method, path)
    assert "not a valid UUID" in error_body(answer, 400, 3)["message"]


def test_a_bad_uuid_in_a_query_or_body_is_invalid_argument(
    module_local: Local, raw: httpx.Client
) -> None:
    error_body(raw.get(TOKENS, params={"workspaceId.uuid": "nope"}), 400, 3)
    error_body(raw.get("/v1/projects", params={"workspaceId.uuid": "nope"}), 400, 3)
    error_body(
        raw.post(TOKENS, json=_token_body(module_local, workspaceId={"uuid": "nope"})), 400, 3
    )
    members = {"users": [{"userId": {"uuid": "nope"}, "userRole": "ACTOR_ROLE_USER"}]}
    error_body(raw.post(f"/v1/workspace/{module_local.workspace_id}/users", json=members), 400, 3)


def test_an_unknown_but_valid_uuid_is_not_found(raw: httpx.Client) -> None:
    error_body(raw.get(f"/v1/users/{NIL}"), 404, 5)
    error_body(raw.delete(f"{TOKENS}/{NIL}"), 404, 5)
    error_body(raw.get(f"/v1/projects/{NIL}"), 404, 5)


# -- paging parameters -----------------------------------------------------------------------------


def _forged(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "page_token",
    [
        "garbage!!",
        "%%%",
        "AAAA",
        _forged("v1:users:1"),  # a token of another list
        _forged("v2:tokens-:1"),
        _forged("v1:tokens-:one"),
        "x" * 201,
    ],
)
def test_a_bad_page_token_is_invalid_argument(
    module_local: Local, raw: httpx.Client, page_token: str
) -> None:
    params = {"workspaceId.uuid": module_local.workspace_id, "pageToken": page_token}
    body = error_body(raw.get(TOKENS, params=params), 400, 3)
    assert "pageToken" in body["message"]


def test_a_page_token_only_works_for_its_own_list(module_local: Local, raw: httpx.Client) -> None:
    for i in range(3):
        assert raw.post("/v1/projects", json={"name": f"page {i}"}).status_code == 200
    first = raw.get("/v1/projects", params={"pageSize": 1}).json()
    assert first["hasMore"] is True and first["nextPageToken"]
    token = first["nextPageToken"]
    assert raw.get("/v1/projects", params={"pageToken": token}).status_code == 200
    error_body(raw.get("/v1/users", params={"pageToken": token}), 400, 3)
    error_body(raw.get("/v1/workspace", params={"pageToken": token}), 400, 3)
    error_body(raw.get(TOKENS, params={"pageToken": token}), 400, 3)


@pytest.mark.parametrize("page_size", ["-1", "abc", "1.5", "1e3"])
def test_a_bad_page_size_is_invalid_argument(raw: httpx.Client, page_size: str) -> None:
    body = error_body(raw.get("/v1/users", params={"pageSize": page_size}), 400, 3)
    assert "pageSize" in body["message"]


def test_a_bad_token_type_filter_is_invalid_argument(raw: httpx.Client) -> None:
    error_body(raw.get(TOKENS, params={"firstPageQuery.tokenType": "TOKEN_TYPE_X"}), 400, 3)


# -- routing and credentials -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/nope"), ("GET", "/v2/rime-info"), ("POST", "/v1/users/roles/x"), ("GET", "/")],
)
def test_an_unknown_path_is_not_found(raw: httpx.Client, method: str, path: str) -> None:
    body = error_body(raw.request(method, path), 404, 5)
    assert path in body["message"]


def test_an_encoded_slash_does_not_escape_the_path(raw: httpx.Client) -> None:
    # ..%2F is decoded before routing; no route matches, and nothing is deleted.
    error_body(raw.delete("/v1/projects/..%2F..%2Fv1%2Fworkspace"), 404, 5)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", TOKENS),
        ("PATCH", "/v1/workspace"),
        ("DELETE", "/v1/rime-info"),
        ("GET", "/v1/auth/login"),
        ("POST", "/healthz"),
    ],
)
def test_a_wrong_method_is_405(raw: httpx.Client, method: str, path: str) -> None:
    answer = raw.request(method, path)
    body = error_body(answer, 405, 12)
    assert method in body["message"]
    assert answer.headers["allow"]


def test_missing_or_bad_credentials_are_401(module_local: Local) -> None:
    with httpx.Client(base_url=module_local.url) as anonymous:
        body = error_body(anonymous.get(TOKENS), 401, 16)
        assert "rime-api-key" in body["message"]
        for headers in (
            httpx.Headers({"rime-api-key": "rime_not-a-real-token"}),
            httpx.Headers([(b"rime-api-key", "\u00e9".encode() * 10)]),  # not ASCII
            httpx.Headers({"authorization": "Bearer not-a-session"}),
            httpx.Headers({"authorization": "Basic YWRtaW46YWRtaW4="}),
        ):
            error_body(anonymous.get(TOKENS, headers=headers), 401, 16)


def test_bad_sign_in_requests(module_local: Local) -> None:
    with httpx.Client(base_url=module_local.url) as anonymous:
        error_body(anonymous.post("/v1/auth/login", json={"email": "", "password": "x"}), 400, 3)
        error_body(anonymous.post("/v1/auth/login", json={"email": "a@b"}), 400, 3)
        error_body(_post_json(anonymous, "/v1/auth/login", b"{"), 400, 3)
        error_body(anonymous.post("/v1/auth/logout"), 401, 16)


def test_the_instance_still_works_after_all_that(module_local: Local, raw: httpx.Client) -> None:
    assert raw.get("/v1/rime-info").status_code == 200
    created = raw.post(TOKENS, json=_token_body(module_local, name="after the storm"))
    assert created.status_code == 200, created.text
