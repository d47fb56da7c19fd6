"""The typed client on its own: URL normalisation, what it sends, how it maps failures.

Answers that the local instance never gives (HTML from a proxy, a redirect to a
sign-in page, a bare 502, extra fields and nanosecond timestamps) are quirks of
remote clusters and of what stands in front of them; those are served here with
``httpx.MockTransport``. Everything the local instance can show is tested over
real HTTP in the other test files.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from rime_tui.api import (
    AlreadyExistsError,
    ApiError,
    AuthenticationError,
    ConnectionFailedError,
    InvalidArgumentError,
    LimitExceededError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ProtocolError,
    RequestTimeoutError,
    RimeClient,
    ServerError,
    TLSError,
    normalize_cluster_url,
)
from rime_tui.api.client import DEFAULT_TIMEOUT
from tests.support.local import Local
from tests.support.net import closed_port

WS = "0b6d2c5e-9a8f-4e3b-8c1d-2f3a4b5c6d7e"

# -- cluster URLs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("rime.example.io", "https://rime.example.io"),
        ("rime.example.io/", "https://rime.example.io"),
        ("  rime.example.io  ", "https://rime.example.io"),
        ("https://rime.example.io", "https://rime.example.io"),
        ("https://rime.example.io/", "https://rime.example.io"),
        ("http://127.0.0.1:8477/", "http://127.0.0.1:8477"),
        ("127.0.0.1:8477", "https://127.0.0.1:8477"),
        ("http://[::1]:8477/", "http://[::1]:8477"),
        ("rime.stable.rbst.io", "https://rime.stable.rbst.io"),
        ("https://gateway.example.io/rime/", "https://gateway.example.io/rime"),
    ],
)
def test_normalize_cluster_url(given: str, expected: str) -> None:
    assert normalize_cluster_url(given) == expected


@pytest.mark.parametrize("given", ["", "   ", "ftp://rime.example.io", "https://", "http:///path"])
def test_normalize_cluster_url_refuses(given: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        normalize_cluster_url(given)


def test_the_client_normalises_its_url() -> None:
    client = RimeClient("rime.example.io/", api_token="rime_x")
    assert client.cluster_url == "https://rime.example.io"
    assert client.host == "rime.example.io"


def test_timeouts_are_set() -> None:
    for value in (DEFAULT_TIMEOUT.connect, DEFAULT_TIMEOUT.read, DEFAULT_TIMEOUT.write):
        assert value is not None and 0 < value <= 60
    assert DEFAULT_TIMEOUT.pool is not None


# -- a mock cluster --------------------------------------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def seen() -> list[httpx.Request]:
    return []


def _client(
    handler: Handler,
    seen: list[httpx.Request] | None = None,
    *,
    url: str = "rime.example.io",
    session_token: str | None = None,
) -> RimeClient:
    def record(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return handler(request)

    return RimeClient(
        url,
        api_token=None if session_token else "rime_secret",
        session_token=session_token,
        transport=httpx.MockTransport(record),
    )


def _json(status: int, body: object, **headers: str) -> Handler:
    return lambda _: httpx.Response(status, json=body, headers=headers)


def _ri_error(status: int, code: int, message: str = "the cluster's own words") -> Handler:
    return _json(status, {"code": code, "message": message, "details": []})


# -- what the client sends -------------------------------------------------------------------------


async def test_an_api_token_is_sent_as_rime_api_key(seen: list[httpx.Request]) -> None:
    async with _client(_json(200, {}), seen) as client:
        await client.rime_info()
    request = seen[0]
    assert request.url == "https://rime.example.io/v1/rime-info"
    assert request.headers["rime-api-key"] == "rime_secret"
    assert "authorization" not in request.headers
    assert request.headers["user-agent"].startswith("rime-tui/")


async def test_a_session_is_sent_as_a_bearer_token(seen: list[httpx.Request]) -> None:
    async with _client(_json(200, {}), seen, session_token="sess") as client:
        await client.rime_info()
    assert seen[0].headers["authorization"] == "Bearer sess"
    assert "rime-api-key" not in seen[0].headers


async def test_list_parameters_use_the_gateway_names(seen: list[httpx.Request]) -> None:
    async with _client(_json(200, {}), seen) as client:
        await client.list_api_tokens_page(
            WS, page_size=25, page_token="abc", token_type="TOKEN_TYPE_USER"
        )
        await client.list_api_tokens_page(WS)
    first, second = (dict(r.url.params) for r in seen)
    assert first == {
        "workspaceId.uuid": WS,
        "pageSize": "25",
        "pageToken": "abc",
        "firstPageQuery.tokenType": "TOKEN_TYPE_USER",
    }
    assert second == {"workspaceId.uuid": WS}  # empty values are left out


async def test_create_token_body_is_camel_case(seen: list[httpx.Request]) -> None:
    answer = {"id": {"uuid": WS}, "fullApiToken": "rime_new"}
    async with _client(_json(200, answer), seen) as client:
        created = await client.create_api_token("ci", WS, expiry_days=30)
        await client.create_api_token("ci2", WS)
    assert created.full_api_token == "rime_new"
    assert json.loads(seen[0].content) == {
        "name": "ci",
        "workspaceId": {"uuid": WS},
        "tokenType": "TOKEN_TYPE_USER",
        "expiryDays": 30,
    }
    assert "expiryDays" not in json.loads(seen[1].content)
    assert seen[0].headers["content-type"] == "application/json"


async def test_ids_cannot_change_the_path(seen: list[httpx.Request]) -> None:
    async with _client(_json(200, {}), seen) as client:
        await client.delete_api_token("../../users/x?y=1#z")
    assert seen[0].url.raw_path == b"/v1/users/api-tokens/..%2F..%2Fusers%2Fx%3Fy%3D1%23z"


async def test_a_cluster_url_with_a_path_prefix_is_kept(seen: list[httpx.Request]) -> None:
    async with _client(_json(200, {}), seen, url="https://gw.example.io/rime/") as client:
        await client.rime_info()
    assert str(seen[0].url) == "https://gw.example.io/rime/v1/rime-info"


async def test_iterators_follow_next_page_tokens(seen: list[httpx.Request]) -> None:
    pages = {
        "": {
            "workspaces": [{"workspaceId": {"uuid": "a"}}],
            "nextPageToken": "p2",
            "hasMore": True,
        },
        "p2": {
            "workspaces": [{"workspaceId": {"uuid": "b"}}],
            "nextPageToken": "",
            "hasMore": False,
        },
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("pageToken", "")])

    async with _client(handler, seen) as client:
        ids = [w.workspace_id.uuid async for w in client.iter_workspaces(page_size=1)]
    assert ids == ["a", "b"]
    assert [r.url.params.get("pageToken") for r in seen] == [None, "p2"]


# -- what the client accepts -----------------------------------------------------------------------


async def test_unknown_fields_and_nanosecond_timestamps_are_accepted() -> None:
    answer = {
        "clusterInfoVersion": "2.13.2",
        "customerName": "acme",
        "expirationTime": "2027-01-02T03:04:05.123456789Z",
        "riPlan": "RI_PLAN_ENTERPRISE",
        "somethingNew": {"nested": [1, 2]},
        "stressTestLimit": 12,
    }
    async with _client(_json(200, answer)) as client:
        info = await client.rime_info()
    assert info.customer_name == "acme"
    assert info.expiration_time == datetime(2027, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    assert info.grace_period_end_time is None


async def test_unknown_enum_values_are_kept_as_text() -> None:
    answer = {
        "apiTokenInfos": [
            {"id": {"uuid": WS}, "tokenType": "TOKEN_TYPE_FROM_THE_FUTURE", "extra": True}
        ],
        "nextPageToken": "",
        "hasMore": False,
    }
    async with _client(_json(200, answer)) as client:
        page = await client.list_api_tokens_page(WS)
    assert page.api_token_infos[0].token_type == "TOKEN_TYPE_FROM_THE_FUTURE"


# -- how failures are mapped -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (400, 3, InvalidArgumentError),
        (400, 9, InvalidArgumentError),
        (401, 16, AuthenticationError),
        (403, 7, PermissionDeniedError),
        (404, 5, NotFoundError),
        (409, 6, AlreadyExistsError),
        (413, 8, PayloadTooLargeError),
        (429, 8, LimitExceededError),
        (500, 13, ServerError),
        (503, 14, ServerError),
        (418, 2, ApiError),
    ],
)
async def test_ri_error_bodies_map_to_exceptions_with_the_message(
    status: int, code: int, error: type[ApiError]
) -> None:
    async with _client(_ri_error(status, code, "Token name is taken.")) as client:
        with pytest.raises(error) as caught:
            await client.create_api_token("x", WS)
    assert type(caught.value) is error
    assert caught.value.message == "Token name is taken."
    assert str(caught.value) == "Token name is taken."
    assert (caught.value.status_code, caught.value.code) == (status, code)


async def test_retry_after_is_carried() -> None:
    handler = _json(
        429, {"code": 8, "message": "slow down", "details": []}, **{"retry-after": "42"}
    )
    async with _client(handler) as client:
        with pytest.raises(LimitExceededError) as caught:
            await client.login("a@b.c", "pw")
    assert caught.value.retry_after == 42.0


async def test_a_bare_502_from_a_proxy_is_a_server_error() -> None:
    # A load balancer in front of a cluster answers HTML, not an RI error body.
    handler: Handler = lambda _: httpx.Response(502, text="<html>Bad Gateway</html>")  # noqa: E731
    async with _client(handler) as client:
        with pytest.raises(ServerError) as caught:
            await client.rime_info()
    assert "502" in caught.value.message and "rime.example.io" in caught.value.message


@pytest.mark.parametrize("status", [404, 405])
async def test_a_non_ri_404_or_405_means_this_is_not_a_cluster(status: int) -> None:
    handler: Handler = lambda _: httpx.Response(status, text="<html>nope</html>")  # noqa: E731
    async with _client(handler) as client:
        with pytest.raises(ProtocolError) as caught:
            await client.rime_info()
    assert "does not look like an RI Platform cluster" in caught.value.message


async def test_a_redirect_to_a_sign_in_page_is_a_protocol_error() -> None:
    handler: Handler = lambda _: httpx.Response(  # noqa: E731
        302, headers={"location": "https://sso.example.io/login"}
    )
    async with _client(handler) as client:
        with pytest.raises(ProtocolError) as caught:
            await client.rime_info()
    assert "302" in caught.value.message
    assert "does not look like an RI Platform cluster" in caught.value.message


async def test_a_redirect_with_a_json_body_is_not_taken_for_success() -> None:
    # A 307 to somewhere else with a "{}" body must not pass for a done delete.
    handler: Handler = lambda _: httpx.Response(  # noqa: E731
        307, json={}, headers={"location": "https://elsewhere.example.io/"}
    )
    async with _client(handler) as client:
        with pytest.raises(ProtocolError) as caught:
            await client.delete_api_token(WS)
    assert "307" in caught.value.message


async def test_an_html_200_is_a_protocol_error() -> None:
    handler: Handler = lambda _: httpx.Response(200, text="<html>Welcome</html>")  # noqa: E731
    async with _client(handler) as client:
        with pytest.raises(ProtocolError) as caught:
            await client.rime_info()
    assert "is not JSON" in caught.value.message


async def test_a_json_200_of_the_wrong_shape_is_a_protocol_error() -> None:
    async with _client(_json(200, {"user": "not an object"})) as client:
        with pytest.raises(ProtocolError) as caught:
            await client.get_user(WS)
    assert "does not have the expected shape" in caught.value.message


async def test_transport_timeouts_map_to_request_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    async with _client(handler) as client:
        with pytest.raises(RequestTimeoutError) as caught:
            await client.rime_info()
    assert "rime.example.io" in caught.value.message


# -- real sockets on 127.0.0.1 ---------------------------------------------------------------------


@pytest.fixture(name="closed_port")
def closed_port_fixture() -> int:
    return closed_port()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A listening socket that accepts connections and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


async def test_nothing_listening_is_connection_failed(closed_port: int) -> None:
    async with RimeClient(f"http://127.0.0.1:{closed_port}", api_token="rime_x") as client:
        with pytest.raises(ConnectionFailedError) as caught:
            await client.rime_info()
        assert not isinstance(caught.value, TLSError)
        assert f"127.0.0.1:{closed_port}" in caught.value.message
        assert await _login_or_error(client) == "ConnectionFailedError"


async def _login_or_error(client: RimeClient) -> str:
    """A call without credentials fails the same way."""
    try:
        return str(await client.login("ada@example.com", "password"))
    except Exception as exc:
        return type(exc).__name__


async def test_a_server_that_never_answers_times_out(silent_server: int) -> None:
    url = f"http://127.0.0.1:{silent_server}"
    async with RimeClient(url, api_token="rime_x", timeout=0.2) as client:
        with pytest.raises(RequestTimeoutError) as caught:
            await client.rime_info()
    assert "did not answer in time" in caught.value.message


async def test_https_to_a_plain_http_instance_is_a_tls_error(local: Local) -> None:
    https = local.url.replace("http://", "https://")
    async with RimeClient(https, api_token=local.api_token) as client:
        with pytest.raises(TLSError) as caught:
            await client.rime_info()
    assert "TLS" in caught.value.message


async def test_retry_waits_are_the_documented_ones() -> None:
    """docs/scripting.md: a GET or DELETE answered 429 or 503 is sent again up to 3
    times, after its Retry-After (none longer than 30 s is waited for), else after
    0.5 s, 1 s, 2 s (each ± 20 % jitter); a create never."""
    async with RimeClient("http://127.0.0.1:9", retries=3) as client:
        bare = httpx.Response(503)
        waits = [client._retry_wait("GET", bare, attempt) for attempt in range(4)]
        assert waits[3] is None  # 3 retries, then the answer stands
        for wait, nominal in zip(waits, (0.5, 1.0, 2.0), strict=False):
            assert wait is not None and 0.8 * nominal <= wait <= 1.2 * nominal, waits
        for after, expected in (("30", 30.0), ("31", None), ("0", 0.0)):
            answer = httpx.Response(429, headers={"Retry-After": after})
            assert client._retry_wait("DELETE", answer, 0) == expected, after
        assert client._retry_wait("POST", bare, 0) is None
        assert client._retry_wait("GET", httpx.Response(500), 0) is None


@pytest.mark.parametrize("base", ["http://127.0.0.1:8080", "https://rime.example.io/ri/"])
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/rime-info", {}),
        ("/v1/users/api-tokens", {"workspaceId.uuid": "ab-12", "pageSize": 100}),
        ("/v1/users/api-tokens/a%2Fb", {}),
        ("/v1/workspaces", {"pageToken": "a b+c/=&?#%é", "x": "ü"}),
        ("/v1/üser s", {"pageSize": 0}),
    ],
)
def test_a_request_url_is_the_one_httpx_makes_of_the_path_and_params(
    base: str, path: str, params: dict[str, str | int]
) -> None:
    # The client builds each URL itself (parsed once, not three times): it must be
    # byte for byte what httpx makes of the same base URL, path and query parameters.
    from rime_tui.api.exchange import request_url

    client = httpx.Client(base_url=base)
    made = client.build_request("GET", path, params=params).url
    assert request_url(client.base_url, path, params) == made
    assert request_url(client.base_url, path, params).raw_path == made.raw_path
