"""Page sizes over HTTP: 50 rows when none is asked for, 500 at most, exactly."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import httpx
import pytest

from rime_tui.server.errors import ServiceError
from rime_tui.server.paging import check_page_size, decode_page_token, encode_page_token
from tests.support.helpers import error_body
from tests.support.local import Local

MADE = 502  # one more than a page of 500 can hold, with the one project of the first start


@pytest.fixture(scope="module")
def projects(module_local: Local) -> Iterator[httpx.Client]:
    """An API-token client of a workspace with at least MADE projects."""
    key = {"rime-api-key": module_local.api_token}
    with httpx.Client(base_url=module_local.url, headers=key, timeout=60) as http:
        for i in range(MADE):
            assert http.post("/v1/projects", json={"name": f"p{i}"}).status_code == 200
        yield http


def _page(http: httpx.Client, **params: str | int) -> dict[str, object]:
    answer = http.get("/v1/projects", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


@pytest.mark.parametrize("asked", [None, 0])
def test_a_page_holds_50_rows_when_no_size_is_asked(
    projects: httpx.Client, asked: int | None
) -> None:
    page = _page(projects) if asked is None else _page(projects, pageSize=asked)
    assert len(page["projects"]) == 50  # type: ignore[arg-type]
    assert page["hasMore"] is True


@pytest.mark.parametrize(("asked", "rows"), [(1, 1), (499, 499), (500, 500), (501, 500)])
def test_a_page_holds_the_rows_asked_for_up_to_500(
    projects: httpx.Client, asked: int, rows: int
) -> None:
    page = _page(projects, pageSize=asked)
    assert len(page["projects"]) == rows  # type: ignore[arg-type]
    assert page["hasMore"] is True


def test_the_pages_of_a_list_follow_each_other_to_its_end(projects: httpx.Client) -> None:
    """Every row once, in order: the token of the last page's last row starts the next."""
    names: list[str] = []
    query: dict[str, str | int] = {"pageSize": 200}
    while True:
        page = _page(projects, **query)
        names += [p["project"]["name"] for p in page["projects"]]  # type: ignore[attr-defined]
        if not page["hasMore"]:
            assert page["nextPageToken"] == ""
            break
        token = str(page["nextPageToken"])
        assert re.fullmatch("[A-Za-z0-9_-]+", token)  # URL-safe, unpadded
        query["pageToken"] = token
    made = [f"p{i}" for i in range(MADE)]
    assert [n for n in names if n in made] == made
    assert len(names) == len(set(names))


def test_a_negative_page_size_is_refused_even_past_the_routes() -> None:
    """The routes refuse it first (FastAPI's ge=0, a 400 of its own); the store's check
    holds for any other caller."""
    assert [check_page_size(n) for n in (None, 0, 1, 500, 501)] == [50, 50, 1, 500, 500]
    with pytest.raises(ServiceError, match=r"^pageSize must be between 1 and 500, not -1\.$"):
        check_page_size(-1)


REFUSED = (
    "pageToken is not valid here; pass the nextPageToken of a previous answer "
    "of the same list, or none for the first page."
)


def _forged(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_a_page_token_holds_any_position_sqlite_can_and_no_more(
    projects: httpx.Client, module_local: Local
) -> None:
    kind = f"projects-{module_local.workspace_id}"
    last = _page(projects, pageToken=_forged(f"v1:{kind}:{2**63 - 1}"))
    assert last["projects"] == [] and last["hasMore"] is False
    over = projects.get("/v1/projects", params={"pageToken": _forged(f"v1:{kind}:{2**63}")})
    assert error_body(over, 400, 3)["message"] == REFUSED


def test_every_page_token_reads_back_as_its_position() -> None:
    for kind in ("users", "workspaces", "tokens-", "projects-x"):
        for seq in range(0, 3000):
            assert decode_page_token(kind, encode_page_token(kind, seq)) == seq
