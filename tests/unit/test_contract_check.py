"""The contract check itself (tests/support/contract.py) notices what a cluster must
send: an answer without the fields a real cluster always sends and the TUI reads
breaks the contract (the SDK's own models mark none of them required)."""

from __future__ import annotations

import pytest

from tests.support.contract import ALWAYS_SENT, MODELS, Shape, example, problems

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
