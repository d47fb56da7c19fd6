"""The contract check itself (tests/support/contract.py) notices what a cluster must
send: an answer without the fields a real cluster always sends and the TUI reads
breaks the contract (the SDK's own models mark none of them required)."""

from __future__ import annotations

import uuid

import pytest

from tests.support.contract import (
    ALWAYS_SENT,
    MODELS,
    NANOSECOND_TIME,
    OPERATIONS,
    Shape,
    assert_valid,
    concrete_path,
    example,
    problems,
    served,
)

TOKEN_ID = {"uuid": "4b1e0d55-8c42-4c64-9a4e-2a1f7f0c0100"}


def test_an_empty_created_token_breaks_the_contract() -> None:
    assert problems({}, "RimeCreateAPITokenResponse") == [
        "$: RimeCreateAPITokenResponse lacks 'fullApiToken'",
        "$: RimeCreateAPITokenResponse lacks 'id'",
    ]


def test_a_created_token_without_its_secret_breaks_the_contract() -> None:
    assert problems({"id": TOKEN_ID}, "RimeCreateAPITokenResponse") == [
        "$: RimeCreateAPITokenResponse lacks 'fullApiToken'"
    ]
    assert problems({"id": TOKEN_ID, "fullApiToken": "rime_x"}, "RimeCreateAPITokenResponse") == []


def test_a_listed_token_without_its_id_breaks_the_contract() -> None:
    listed = {"apiTokenInfos": [{"id": TOKEN_ID, "name": "a"}, {"name": "no id"}]}
    assert problems(listed, "RimeListAPITokensResponse") == [
        "$.apiTokenInfos[1]: RimeAPITokenInfo lacks 'id'"
    ]
    assert problems({"id": {}}, "RimeAPITokenInfo") == ["$.id: RimeUUID lacks 'uuid'"]


def test_a_request_body_need_not_hold_what_a_cluster_always_sends() -> None:
    # An update sends only the fields it changes: no project id in the project.
    body = {"project": {"description": "Renamed"}, "mask": "description"}
    assert problems(body, "ProjectsProjectIdUuidBody", request=True) == []
    assert problems(body, "ProjectsProjectIdUuidBody") == ["$.project: ProjectProject lacks 'id'"]


@pytest.mark.parametrize("kind", sorted(ALWAYS_SENT))
def test_each_always_sent_field_is_a_field_and_minimal_answers_hold_them(kind: str) -> None:
    assert ALWAYS_SENT[kind] <= set(MODELS[kind]["fields"])
    assert problems(example(kind, Shape.MINIMAL), kind) == []
    for key in ALWAYS_SENT[kind]:
        answer = example(kind, Shape.FULL)
        del answer[key]
        assert problems(answer, kind) == [f"$: {kind} lacks {key!r}"]


# -- every way a value breaks a kind, message by message ------------------------------------

ENUM = "RimeTokenType"
TOKEN_TYPES = (
    "TOKEN_TYPE_UNSPECIFIED, TOKEN_TYPE_USER, TOKEN_TYPE_INTERNAL_AGENT, "
    "TOKEN_TYPE_EXTERNAL_AGENT, TOKEN_TYPE_FIREWALL_AGENT"
)


@pytest.mark.parametrize(
    ("value", "kind", "found"),
    [
        # null: a message, a time or any object may be unset; a scalar may not
        (None, "RimeUUID", []),
        (None, "datetime", []),
        (None, "object", []),
        (None, "str", ["$: null for str"]),
        (None, ENUM, [f"$: null for {ENUM}"]),
        # lists and maps, and where in them
        ("a", "list[str]", ['$: list[str] expected, got "a"']),
        (
            ["a", 1, True],
            "list[str]",
            ["$[1]: str expected, got 1", "$[2]: str expected, got true"],
        ),
        ([], "dict(str, str)", ["$: dict(str, str) expected, got []"]),
        ({"a": "x", "b": 2}, "dict(str, str)", ["$.b: str expected, got 2"]),
        ({"a": {}}, "dict(str, RimeUUID)", ["$.a: RimeUUID lacks 'uuid'"]),
        # anything goes in an object
        (7, "object", []),
        ({"any": [1]}, "object", []),
        # scalars: a bool is no number; int64 comes as a string
        (True, "int", ["$: int expected, got true"]),
        (False, "float", ["$: float expected, got false"]),
        (1, "float", []),
        (0.5, "float", []),
        (1.5, "int", ["$: int expected, got 1.5"]),
        ("1", "int", ['$: int expected, got "1"']),
        (1, "str", ["$: str expected, got 1"]),
        (1, "bool", ["$: bool expected, got 1"]),
        ("x" * 58, "int", ['$: int expected, got "' + "x" * 58 + '"']),  # 60 characters
        ("x" * 59, "int", ['$: int expected, got "' + "x" * 56 + "..."]),  # 61: cut
        # RFC 3339 times, as a Go gateway writes them, and real dates only
        ("2026-11-28T01:02:03.123456789Z", "datetime", []),
        ("2026-11-28T01:02:03+01:00", "datetime", []),
        ("2026-11-28 01:02:03Z", "datetime", ['$: datetime expected, got "2026-11-28 01:02:03Z"']),
        ("2026-02-30T01:02:03Z", "datetime", ['$: datetime expected, got "2026-02-30T01:02:03Z"']),
        (1, "datetime", ["$: datetime expected, got 1"]),
        # enums and models
        ("TOKEN_TYPE_USER", ENUM, []),
        ("TOKEN_TYPE_X", ENUM, [f'$: "TOKEN_TYPE_X" is not a {ENUM} ({TOKEN_TYPES})']),
        ([], "RimeUUID", ["$: RimeUUID object expected, got []"]),
        ({"x": 1}, "RimeUUID", ["$: RimeUUID has no field 'x'", "$: RimeUUID lacks 'uuid'"]),
        ({"id": {"uuid": 5}}, "RimeAPITokenInfo", ["$.id.uuid: str expected, got 5"]),
        (
            {"tokenType": "USER"},
            "RimeCreateAPITokenRequest",
            [
                "$: RimeCreateAPITokenRequest lacks 'name'",
                f'$.tokenType: "USER" is not a {ENUM} ({TOKEN_TYPES})',
            ],
        ),
    ],
)
def test_problems_names_each_break_where_it_is(value: object, kind: str, found: list[str]) -> None:
    assert problems(value, kind) == found


def test_a_request_need_not_hold_what_is_always_sent_at_any_depth() -> None:
    assert problems([{}], "list[RimeUUID]", request=True) == []
    assert problems([{}], "list[RimeUUID]") == ["$[0]: RimeUUID lacks 'uuid'"]
    assert problems({"k": {}}, "dict(str, RimeUUID)", request=True) == []


# -- the answers the contract builds ----------------------------------------------------------


def _id(where: str) -> str:
    """The id example() gives the field at *where*: stable, and unique per place."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, where))


NEWER = {"fieldFromANewerCluster": {"nested": [1, "two", None], "flag": True}}


def test_a_full_example_has_every_field() -> None:
    assert example("RimeAPITokenInfo") == {
        "id": {"uuid": _id("$.id.uuid")},
        "name": "example name",
        "suffix": "example suffix",
        "creationTime": NANOSECOND_TIME,
        "expirationTime": NANOSECOND_TIME,
        "workspaceId": {"uuid": _id("$.workspaceId.uuid")},
        "userId": _id("$.userId"),
        "tokenType": "TOKEN_TYPE_USER",  # the first value that is not *_UNSPECIFIED
    }
    assert example("RimeListAPITokensResponse")["hasMore"] is True
    assert example("list[int]") == [30]
    assert example("dict(str, float)") == {"key": 0.25}
    assert example("dict(str, RimeUUID)") == {"key": {"uuid": _id("$.key.uuid")}}
    assert example("list[RimeUUID]") == [{"uuid": _id("$[0].uuid")}]
    assert example("object") == {"anything": ["the", "cluster", 1]}
    assert example("str") == "example $"
    # an enum with nothing but *_UNSPECIFIED gives that
    assert example("SecuritydbRepoType") == "REPO_TYPE_HUGGING_FACE_UNSPECIFIED"


def test_a_recursive_model_stops_where_it_would_repeat(monkeypatch: pytest.MonkeyPatch) -> None:
    """No model of this contract refers to itself; a later one may."""
    node = {"fields": {"children": "list[TestNode]", "parent": "TestNode", "name": "str"}}
    monkeypatch.setitem(MODELS, "TestNode", node | {"required": []})
    leaf = {"name": "example name"}  # inside a TestNode, a TestNode has no TestNode fields
    assert example("TestNode") == {"children": [leaf], "parent": leaf, **leaf}


def test_a_nulls_example_has_null_for_each_message_not_always_sent() -> None:
    assert example("RimeAPITokenInfo", Shape.NULLS) == {
        "id": {"uuid": _id("$.id.uuid")},  # always sent
        "name": "example name",
        "suffix": "example suffix",
        "creationTime": None,
        "expirationTime": None,
        "workspaceId": None,
        "userId": _id("$.userId"),
        "tokenType": "TOKEN_TYPE_USER",
    }
    assert example("list[RimeAPITokenInfo]", Shape.NULLS)[0]["workspaceId"] is None
    assert example("dict(str, RimeAPITokenInfo)", Shape.NULLS)["key"]["creationTime"] is None


def test_a_minimal_example_has_only_what_is_always_sent() -> None:
    assert example("RimeAPITokenInfo", Shape.MINIMAL) == {"id": {"uuid": _id("$.id.uuid")}}
    assert example("RimeListAPITokensResponse", Shape.MINIMAL) == {}


def test_an_unknown_fields_example_has_a_new_field_in_every_object() -> None:
    assert example("RimeUUID", Shape.UNKNOWN_FIELDS) == {"uuid": _id("$.uuid"), **NEWER}
    listed = example("list[RimeAPITokenInfo]", Shape.UNKNOWN_FIELDS)[0]
    assert listed["workspaceId"] == {"uuid": _id("$[0].workspaceId.uuid"), **NEWER}
    assert example("dict(str, RimeUUID)", Shape.UNKNOWN_FIELDS) == {
        "key": {"uuid": _id("$.key.uuid"), **NEWER}
    }


def test_assert_valid_fails_with_every_difference() -> None:
    assert_valid({"id": TOKEN_ID, "fullApiToken": "rime_x"}, "RimeCreateAPITokenResponse")
    assert_valid({"name": "a"}, "RimeCreateAPITokenRequest", request=True)
    with pytest.raises(AssertionError) as failed:
        assert_valid({"x": 1}, "RimeUUID")
    assert str(failed.value).startswith(
        "2 difference(s) from RimeUUID:\n$: RimeUUID has no field 'x'\n$: RimeUUID lacks 'uuid'"
    )
    with pytest.raises(AssertionError) as failed:
        assert_valid({f"f{i:02}": 1 for i in range(21)}, "RimeUUID")
    said = str(failed.value).splitlines()
    assert said[0] == "22 difference(s) from RimeUUID:" and len(said) == 1 + 20  # the first 20
    assert said[-1] == "$: RimeUUID has no field 'f19'"
    with pytest.raises(AssertionError):
        assert_valid({}, "RimeUUID", request=False)
    assert_valid({}, "RimeUUID", request=True)


def test_concrete_paths_fill_in_each_parameter() -> None:
    template = "/v1/projects/{projectId.uuid}/role/{x}"
    assert concrete_path(template) == "/v1/projects/x-projectId.uuid/role/x-x"
    assert (
        concrete_path(template, {"x": "workspace"})
        == "/v1/projects/x-projectId.uuid/role/workspace"
    )


def test_served_names_the_operations_the_local_instance_routes() -> None:
    found = served()
    assert {"UserApi.create_api_token", "UserApi.delete_api_token"} <= set(found)
    assert "UserApi.reset_password" not in found  # a POST the local instance does not serve
    assert found == [key for key in OPERATIONS if key in found]  # in the contract's order
