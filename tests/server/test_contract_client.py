"""Our client against answers in a real cluster's shapes, built from the SDK's own models.

For every operation the local instance serves, a stand-in cluster on 127.0.0.1
(:class:`~tests.support.faulty_server.FaultyServer`, pinned answers) answers
with JSON built from the operation's answer model in the contract
(``tests/contract/ri_contract.json``): every optional field present, with the
values a real cluster sends (nanosecond timestamps, enum values, int64 as
strings); unset messages as ``null``; only the fields a cluster always sends;
and fields this SDK version does not know.  The real client must parse each,
return the values that were sent, fill what was absent with proto3's zero
values, and send request bodies that are the SDK's body models.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from pydantic import BaseModel

from rime_tui.api import RimeClient
from rime_tui.api import exchange as x
from rime_tui.api.oneshot import OneShotClient
from rime_tui.wire import models as m
from tests.support.contract import (
    MODELS,
    OPERATIONS,
    Shape,
    assert_valid,
    concrete_path,
    example,
    served,
)
from tests.support.faulty_server import FaultyServer

WS = "4b1e0d55-8c42-4c64-9a4e-2a1f7f0c0001"
USER = "4b1e0d55-8c42-4c64-9a4e-2a1f7f0c00aa"
TOKEN_ID = "4b1e0d55-8c42-4c64-9a4e-2a1f7f0c0100"
PROJECT = "4b1e0d55-8c42-4c64-9a4e-2a1f7f0c0200"
PATH_VALUES = {
    "id.uuid": TOKEN_ID,
    "userId.uuid": USER,
    "workspaceId.uuid": WS,
    "projectId.uuid": PROJECT,
    "customerName": "acme",
    "limit": "LICENSE_LIMIT_EXPIRATION",
}

Call = Callable[[RimeClient], Awaitable[Any]]

# Each served operation: how our client calls it, and where in the answer the value
# it returns comes from ("" the whole answer, None when it returns nothing).
CALLS: dict[str, tuple[Call, str | None]] = {
    "RIMEInfoApi.get_rime_info": (lambda c: c.rime_info(), ""),
    "FeatureFlagApi.get_limit_status": (
        lambda c: c.license_limit("acme", "LICENSE_LIMIT_EXPIRATION"),
        "limitStatus",
    ),
    "UserApi.list_current_user_roles": (lambda c: c.my_roles(), "roles"),
    "UserApi.get_user": (lambda c: c.get_user(USER), "user"),
    "UserApi.delete_user": (lambda c: c.delete_user(USER), None),
    "UserApi.list_users": (lambda c: c.list_users_page(page_size=2), ""),
    "UserApi.create_user": (
        lambda c: c.create_user("ada@example.com", "correct horse", full_name="Ada"),
        "userId.uuid",
    ),
    "UserApi.list_api_tokens": (lambda c: c.list_api_tokens_page(WS, page_size=2), ""),
    "UserApi.create_api_token": (lambda c: c.create_api_token("ci", WS), ""),
    "UserApi.delete_api_token": (lambda c: c.delete_api_token(TOKEN_ID), None),
    "WorkspaceServiceApi.list_workspaces": (lambda c: c.list_workspaces_page(page_size=2), ""),
    "WorkspaceServiceApi.get_workspace": (lambda c: c.get_workspace(WS), "workspace"),
    "WorkspaceServiceApi.create_workspace": (
        lambda c: c.create_workspace("Fraud", description="Cards", results_retention_in_days=30),
        "workspaceId.uuid",
    ),
    "WorkspaceServiceApi.list_users_of_workspace": (
        lambda c: c.list_workspace_members_page(WS, page_size=2),
        "",
    ),
    "WorkspaceServiceApi.add_users_to_workspace": (
        lambda c: c.add_workspace_members(WS, {USER: "ACTOR_ROLE_VIEWER"}),
        None,
    ),
    "ProjectServiceApi.create_project": (
        lambda c: c.create_project(
            "Fraud Demo",
            description="Onboarding",
            workspace_id=WS,
            model_task="MODEL_TASK_BINARY_CLASSIFICATION",
            tags=["demo"],
        ),
        "project",
    ),
    "ProjectServiceApi.list_projects": (lambda c: c.list_projects_page(WS, page_size=2), ""),
    "ProjectServiceApi.get_project": (lambda c: c.get_project(PROJECT), "project"),
    "ProjectServiceApi.update_project": (
        lambda c: c.update_project(
            PROJECT, m.ProjectChanges(description="Renamed", tags=["a", "b"])
        ),
        "project",
    ),
    "ProjectServiceApi.get_project_url": (lambda c: c.get_project_url(PROJECT), "url.url"),
    "ProjectServiceApi.get_workspace_roles_for_project": (
        lambda c: c.get_workspace_roles(PROJECT),
        "rolePairs",
    ),
    "ProjectServiceApi.update_workspace_roles_for_project": (
        lambda c: c.set_workspace_roles(
            PROJECT,
            [m.RolePair(parent_role="ACTOR_ROLE_USER", subject_role="ACTOR_ROLE_VIEWER")],
        ),
        "rolePairs",
    ),
    "ProjectServiceApi.delete_project": (lambda c: c.delete_project(PROJECT), None),
}

# What the client does not keep of an answer, on purpose (everything else it must):
# a project's testing and scheduling state (the TUI manages tokens, not test runs)
# and a user's private info (it shows names and emails only).
NOT_KEPT: dict[str, frozenset[str]] = {
    "ProjectProject": frozenset(
        {
            "firewallIds",
            "projectTestSuiteConfig",
            "profilingConfig",
            "runTimeInfo",
            "isPublished",
            "lastTestRunTime",
            "riskScores",
            "activeSchedule",
        }
    ),
    "UserUserDetail": frozenset({"privateInfo"}),
}

MISSING = object()
_ZERO: tuple[Any, ...] = (None, "", 0, False, [], {}, "0")


@pytest.fixture(scope="module")
def cluster() -> Iterator[FaultyServer]:
    server = FaultyServer().start()
    try:
        yield server
    finally:
        server.stop()


def test_the_client_calls_every_operation_the_local_instance_serves() -> None:
    assert sorted(CALLS) == sorted(served())


@pytest.mark.parametrize("shape", list(Shape), ids=[s.name.lower() for s in Shape])
@pytest.mark.parametrize("key", sorted(CALLS))
async def test_the_client_parses_the_answer_in_every_shape(
    cluster: FaultyServer, key: str, shape: Shape
) -> None:
    op = OPERATIONS[key]
    path = concrete_path(op["path"], PATH_VALUES)
    answer = example(op["answer"], shape)
    if shape is not Shape.UNKNOWN_FIELDS:
        assert_valid(answer, op["answer"])  # the stand-in speaks the contract
    cluster.pin(op["method"], path, answer)
    call, pick = CALLS[key]
    async with RimeClient(cluster.url, api_token="rime_contract") as client:
        result = await call(client)
    if pick is not None:
        sent, kind = _pick(answer, op["answer"], pick)
        differences = _compare(sent, _jsonable(result), kind, "$")
        assert not differences, "\n".join(differences)
    if op["body"] is not None:
        assert_valid(cluster.bodies[f"{op['method']} {path}"], op["body"], request=True)


async def test_an_update_sends_the_changed_fields_as_the_mask(faulty: FaultyServer) -> None:
    # Its own stand-in cluster and call: it reads nothing another test left behind.
    op = OPERATIONS["ProjectServiceApi.update_project"]
    path = concrete_path(op["path"], PATH_VALUES)
    faulty.pin("PUT", path, example(op["answer"]))
    async with RimeClient(faulty.url, api_token="rime_contract") as client:
        await client.update_project(
            PROJECT, m.ProjectChanges(description="Renamed", tags=["a", "b"])
        )
    assert faulty.bodies[f"PUT {path}"] == {
        "project": {"description": "Renamed", "tags": ["a", "b"]},
        "mask": "description,tags",
    }


def test_the_comparison_notices_fields_dropped_or_made_up() -> None:
    # A client that keeps only the id of what was sent does not pass, nor one that adds.
    sent = example("RimeAPITokenInfo")
    assert _compare(sent, sent, "RimeAPITokenInfo", "$") == []
    dropped = _compare(sent, {"id": sent["id"]}, "RimeAPITokenInfo", "$")
    assert dropped == [
        f"$: the cluster sent {key!r}, the client dropped it" for key in sent if key != "id"
    ]
    made_up = _compare(sent, {**sent, "madeUp": 1}, "RimeAPITokenInfo", "$")
    assert made_up == ["$: the client has 'madeUp', which RimeAPITokenInfo lacks"]


def _pick(answer: Any, kind: str, pick: str) -> tuple[Any, str]:
    """The part of *answer* at the dotted *pick*, and its contract kind."""
    value = answer
    for key in [k for k in pick.split(".") if k]:
        kind = MODELS[kind]["fields"][key]
        value = value.get(key, MISSING) if isinstance(value, dict) else MISSING
    return value, kind


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _compare(sent: Any, got: Any, kind: str, where: str) -> list[str]:
    """How what the client returned differs from what the cluster sent (proto3 semantics)."""
    if sent is MISSING or sent is None:
        zero = got in _ZERO or (isinstance(got, str) and got.endswith("_UNSPECIFIED"))
        return [] if zero else [f"{where}: nothing was sent, the client made {got!r}"]
    if list_of := re.fullmatch(r"list\[(.+)\]", kind):
        if not isinstance(got, list) or len(got) != len(sent):
            return [f"{where}: sent {len(sent)} items, the client made {got!r}"]
        return [
            d for i, (s, g) in enumerate(zip(sent, got, strict=True))
            for d in _compare(s, g, list_of[1], f"{where}[{i}]")
        ]  # fmt: skip
    if kind == "datetime":
        ok = isinstance(got, str) and _millis(got) == _millis(sent)
        return [] if ok else [f"{where}: sent {sent}, the client made {got!r}"]
    fields = MODELS.get(kind, {}).get("fields")
    if fields is None or kind == "object":
        return [] if sent == got else [f"{where}: sent {sent!r}, the client made {got!r}"]
    if not isinstance(got, dict):
        return [f"{where}: sent a {kind}, the client made {got!r}"]
    # Both ways: what the client made up, and what the cluster sent that the client lost.
    differences = [
        f"{where}: the client has {key!r}, which {kind} lacks" for key in got if key not in fields
    ]
    for key, field_kind in fields.items():
        value = sent.get(key, MISSING)
        if key in got:
            differences += _compare(value, got[key], field_kind, f"{where}.{key}")
        elif value is not MISSING and value is not None and key not in NOT_KEPT.get(kind, ()):
            differences.append(f"{where}: the cluster sent {key!r}, the client dropped it")
    return differences


def _millis(text: str) -> datetime:
    """An RFC 3339 time to millisecond precision (Python keeps microseconds, we send ms)."""
    text = re.sub(r"(\.\d{3})\d*", r"\1", text)
    return datetime.fromisoformat(text)


ONE_SHOT: dict[str, tuple[Call, Callable[[], x.Call[Any]]]] = {
    "UserApi.list_api_tokens": (
        lambda c: c.list_api_tokens_page(WS, page_size=2),
        lambda: x.api_tokens_page(WS, 2, "", None),
    ),
    "UserApi.list_users": (
        lambda c: c.list_users_page(page_size=2),
        lambda: x.users_page(2, ""),
    ),
}


@pytest.mark.parametrize("shape", list(Shape), ids=[s.name.lower() for s in Shape])
@pytest.mark.parametrize("key", sorted(ONE_SHOT))
async def test_the_one_shot_client_parses_each_shape_as_the_client_does(
    cluster: FaultyServer, key: str, shape: Shape
) -> None:
    """``token list``'s one-shot path (rime_tui/api/oneshot.py): the same request, the
    same models, the same result."""
    op = OPERATIONS[key]
    path = concrete_path(op["path"], PATH_VALUES)
    cluster.pin(op["method"], path, example(op["answer"], shape))
    on_loop, one_shot = ONE_SHOT[key]
    async with RimeClient(cluster.url, api_token="rime_contract") as client:
        expected = await on_loop(client)
    with OneShotClient(cluster.url, api_token="rime_contract") as one:
        assert one.call(one_shot()) == expected
