"""Every limit on what callers send, asserted exactly over HTTP: the last value taken
and the first refused, each refusal a 400 (code 3) whose message states the limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.support.helpers import PASSWORD, error_body
from tests.support.local import Local

TOKENS = "/v1/users/api-tokens"


@pytest.fixture(scope="module")
def root(module_local: Local) -> Iterator[httpx.Client]:
    """The organization admin, signed in with the password (organization-wide)."""
    login = {"email": module_local.admin_email, "password": module_local.admin_password}
    answer = httpx.post(f"{module_local.url}/v1/auth/login", json=login, timeout=30)
    assert answer.status_code == 200, answer.text
    auth = {"authorization": f"Bearer {answer.json()['sessionToken']}"}
    with httpx.Client(base_url=module_local.url, headers=auth, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def project(root: httpx.Client, module_local: Local) -> str:
    body = {"name": "limits", "workspaceId": {"uuid": module_local.workspace_id}}
    answer = root.post("/v1/projects", json=body)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["project"]["id"]["uuid"])


def ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def refused(answer: httpx.Response, message: str) -> None:
    assert error_body(answer, 400, 3)["message"] == message


# -- users --------------------------------------------------------------------------------


def _user(email: str, password: str = PASSWORD, **more: str) -> dict[str, str]:
    return {"email": email, "password": password, "fullName": "L", **more}


def test_an_email_of_254_characters_is_taken_and_255_refused(root: httpx.Client) -> None:
    domain = "@example.com"
    longest = "a" * (254 - len(domain)) + domain
    ok(root.post("/v1/users", json=_user(longest)))
    over = "b" * (255 - len(domain)) + domain
    refused(root.post("/v1/users", json=_user(over)), f"{over[:80]!r} is not an email address.")


@pytest.mark.parametrize("email", ["no-at-sign", "two@@example.com", "a b@example.com", "@x", "x@"])
def test_what_is_not_an_email_is_refused(root: httpx.Client, email: str) -> None:
    refused(root.post("/v1/users", json=_user(email)), f"{email!r} is not an email address.")


def test_a_password_of_8_to_1024_characters_is_taken(root: httpx.Client) -> None:
    ok(root.post("/v1/users", json=_user("eight@example.com", "p" * 8)))
    ok(root.post("/v1/users", json=_user("long@example.com", "p" * 1024)))
    refused(
        root.post("/v1/users", json=_user("seven@example.com", "p" * 7)),
        "The password must be at least 8 characters long.",
    )
    refused(
        root.post("/v1/users", json=_user("over@example.com", "p" * 1025)),
        "The password must be at most 1024 characters long.",
    )


def test_a_user_needs_a_known_role_and_a_visible_name(root: httpx.Client) -> None:
    refused(
        root.post("/v1/users", json=_user("r@example.com", orgRole="ACTOR_ROLE_BOSS")),
        "orgRole 'ACTOR_ROLE_BOSS' is not an ActorRole.",
    )
    answer = root.post("/v1/users", json=_user("n@example.com", fullName="N\u202eN"))
    assert "fullName must not contain" in error_body(answer, 400, 3)["message"]
    answer = root.post("/v1/users", json=_user("\u200be@example.com"))
    assert "email must not contain" in error_body(answer, 400, 3)["message"]


# -- workspaces ---------------------------------------------------------------------------


def test_a_workspace_name_of_100_characters_is_taken_and_101_refused(root: httpx.Client) -> None:
    ok(root.post("/v1/workspace", json={"name": "w" * 100}))
    refused(
        root.post("/v1/workspace", json={"name": "w" * 101}),
        "The workspace name is 101 characters long; the limit is 100.",
    )
    refused(
        root.post("/v1/workspace", json={"name": " \t "}), "The workspace name must not be empty."
    )


def test_results_are_kept_0_to_3650_days(root: httpx.Client) -> None:
    for days in (0, 3650):
        ok(
            root.post(
                "/v1/workspace", json={"name": f"kept {days}", "resultsRetentionInDays": days}
            )
        )
    for days in (-1, 3651):
        refused(
            root.post(
                "/v1/workspace", json={"name": f"kept {days}", "resultsRetentionInDays": days}
            ),
            "resultsRetentionInDays must be between 0 and 3650.",
        )


def test_a_description_of_2000_characters_with_line_breaks_is_taken_and_2001_refused(
    root: httpx.Client,
) -> None:
    text = "line\n\tx" + "d" * 1993
    assert len(text) == 2000
    ok(root.post("/v1/workspace", json={"name": "described", "description": text}))
    refused(
        root.post("/v1/workspace", json={"name": "over", "description": text + "d"}),
        "The description must be at most 2000 characters long.",
    )
    answer = root.post("/v1/workspace", json={"name": "esc", "description": "a\x1b[2J"})
    message = error_body(answer, 400, 3)["message"]
    assert message.startswith("description must not contain control characters")
    assert message.endswith("it has U+001B at position 2.")


def test_a_member_needs_a_known_role(root: httpx.Client, module_local: Local) -> None:
    user = ok(root.post("/v1/users", json=_user("member@example.com")))["userId"]["uuid"]
    body = {"users": [{"userId": {"uuid": user}, "userRole": "ACTOR_ROLE_BOSS"}]}
    refused(
        root.post(f"/v1/workspace/{module_local.workspace_id}/users", json=body),
        "userRole 'ACTOR_ROLE_BOSS' is not an ActorRole.",
    )
    body = {"users": [{"userId": {"uuid": "nope"}, "userRole": "ACTOR_ROLE_USER"}]}
    refused(
        root.post(f"/v1/workspace/{module_local.workspace_id}/users", json=body),
        "userId 'nope' is not a valid UUID.",
    )


# -- API tokens ---------------------------------------------------------------------------


def _days(token: dict[str, Any]) -> float:
    made = datetime.fromisoformat(token["creationTime"])
    ends = datetime.fromisoformat(token["expirationTime"])
    return (ends - made).total_seconds() / 86400


def test_a_token_lives_1_to_270_days_and_270_unless_asked(
    root: httpx.Client, module_local: Local
) -> None:
    where = {"workspaceId": {"uuid": module_local.workspace_id}}
    lives = {}
    for name, days in (("one", 1), ("most", 270), ("default", None)):
        body = {"name": name, **where} | ({} if days is None else {"expiryDays": days})
        made = ok(root.post(TOKENS, json=body))["id"]["uuid"]
        listed = ok(root.get(TOKENS, params={"workspaceId.uuid": module_local.workspace_id}))
        lives[name] = next(_days(t) for t in listed["apiTokenInfos"] if t["id"]["uuid"] == made)
    assert lives == {"one": 1, "most": 270, "default": 270}
    for days in (0, 271):
        refused(
            root.post(TOKENS, json={"name": "x", "expiryDays": days, **where}),
            f"expiryDays must be between 1 and 270, not {days}.",
        )


def test_only_user_tokens_are_made(root: httpx.Client, module_local: Local) -> None:
    body = {"name": "agent", "tokenType": "TOKEN_TYPE_FIREWALL_AGENT"}
    refused(
        root.post(TOKENS, json={**body, "workspaceId": {"uuid": module_local.workspace_id}}),
        "Only TOKEN_TYPE_USER tokens can be created here, not 'TOKEN_TYPE_FIREWALL_AGENT'.",
    )
    refused(
        root.get(TOKENS, params={"firstPageQuery.tokenType": "TOKEN_TYPE_X"}),
        "firstPageQuery.tokenType 'TOKEN_TYPE_X' is not a TokenType.",
    )


# -- projects -----------------------------------------------------------------------------


def test_50_tags_of_100_characters_are_taken_and_no_more(
    root: httpx.Client, module_local: Local
) -> None:
    where = {"workspaceId": {"uuid": module_local.workspace_id}}
    most = [f"{i:03}" + "t" * 97 for i in range(50)]
    made = ok(root.post("/v1/projects", json={"name": "tagged", "tags": most, **where}))
    assert made["project"]["tags"] == most
    limit = "At most 50 tags of at most 100 characters each."
    for tags in ([*most, "one more"], ["t" * 101]):
        refused(root.post("/v1/projects", json={"name": "over", "tags": tags, **where}), limit)
    answer = root.post("/v1/projects", json={"name": "bad tag", "tags": ["a", "b\n"], **where})
    assert "tags must not contain" in error_body(answer, 400, 3)["message"]


def test_a_project_needs_a_known_model_task_and_short_texts(
    root: httpx.Client, module_local: Local
) -> None:
    where = {"workspaceId": {"uuid": module_local.workspace_id}}
    refused(
        root.post("/v1/projects", json={"name": "task", "modelTask": "MODEL_TASK_X", **where}),
        "modelTask 'MODEL_TASK_X' is not a ModelTask.",
    )
    for field, what in (("useCase", "use case"), ("ethicalConsideration", "ethical consideration")):
        refused(
            root.post("/v1/projects", json={"name": "long", field: "u" * 2001, **where}),
            f"The {what} must be at most 2000 characters long.",
        )
        ok(root.post("/v1/projects", json={"name": f"ok {field}", field: "u\n" * 1000, **where}))
    refused(
        root.post("/v1/projects", json={"name": "p" * 101, **where}),
        "The project name is 101 characters long; the limit is 100.",
    )


def test_a_project_update_changes_only_known_fields(root: httpx.Client, project: str) -> None:
    url = f"/v1/projects/{project}"
    for mask in ("", " , "):
        refused(
            root.put(url, json={"project": {}, "mask": mask}),
            'mask must name the fields to update, e.g. "name,description".',
        )
    answer = root.put(url, json={"project": {"owner": "x"}, "mask": "name,owner"})
    message = error_body(answer, 400, 3)["message"]
    assert message.startswith("The local instance cannot update 'owner'; it updates name, ")
    changed = {
        "name": " renamed ",
        "description": "d\n",
        "tags": ["a"],
        "stressTestCategories": ["TEST_CATEGORY_TYPE_ADVERSARIAL"],
    }
    got = ok(
        root.put(
            url, json={"project": changed, "mask": " name , description,tags,stressTestCategories"}
        )
    )
    assert {k: got["project"][k] for k in changed} == {**changed, "name": "renamed"}
    refused(
        root.put(
            url, json={"project": {"stressTestCategories": ["X"]}, "mask": "stressTestCategories"}
        ),
        "stressTestCategories 'X' is not a TestCategoryType.",
    )
    refused(
        root.put(url, json={"project": {"tags": ["t" * 101]}, "mask": "tags"}),
        "At most 50 tags of at most 100 characters each.",
    )
    refused(
        root.put(url, json={"project": {}, "mask": "name"}),  # no name: an empty one
        "The project name must not be empty.",
    )
    refused(
        root.put(url, json={"project": {"useCase": "u" * 2001}, "mask": "useCase"}),
        "The useCase must be at most 2000 characters long.",
    )


def test_workspace_roles_are_known_and_each_given_once(root: httpx.Client, project: str) -> None:
    url = f"/v1/projects/{project}/role/workspace"
    admin, viewer = "ACTOR_ROLE_ADMIN", "ACTOR_ROLE_VIEWER"
    twice = [
        {"parentRole": admin, "subjectRole": admin},
        {"parentRole": admin, "subjectRole": viewer},
    ]
    refused(
        root.put(url, json={"rolePairs": twice}), "rolePairs names a parentRole more than once."
    )
    for pair in (
        {"parentRole": "X", "subjectRole": admin},
        {"parentRole": admin, "subjectRole": "Y"},
    ):
        bad = pair["parentRole"] if pair["parentRole"] == "X" else "Y"
        refused(
            root.put(url, json={"rolePairs": [pair]}), f"rolePairs: {bad!r} is not an ActorRole."
        )
    ok(root.put(url, json={"rolePairs": [{"parentRole": viewer, "subjectRole": viewer}]}))


# -- what a refusal repeats of a bad value: its first 80 characters ------------------------

LONG = "Z" * 100


def test_a_refusal_repeats_80_characters_of_a_bad_value(
    root: httpx.Client, module_local: Local, project: str
) -> None:
    ws = module_local.workspace_id
    user = ok(root.post("/v1/users", json=_user("long-role@example.com")))["userId"]["uuid"]
    answers = [
        root.post(
            f"/v1/workspace/{ws}/users",
            json={"users": [{"userId": {"uuid": user}, "userRole": LONG}]},
        ),
        root.post("/v1/users", json=_user("z@example.com", orgRole=LONG)),
        root.post("/v1/users", json=_user(LONG)),
        root.get(TOKENS, params={"firstPageQuery.tokenType": LONG}),
        root.post(TOKENS, json={"name": "z", "tokenType": LONG, "workspaceId": {"uuid": ws}}),
        root.post(
            "/v1/projects", json={"name": "z", "modelTask": LONG, "workspaceId": {"uuid": ws}}
        ),
        root.put(f"/v1/projects/{project}", json={"project": {}, "mask": LONG}),
        root.put(
            f"/v1/projects/{project}",
            json={"project": {"stressTestCategories": [LONG]}, "mask": "stressTestCategories"},
        ),
        root.put(
            f"/v1/projects/{project}/role/workspace",
            json={"rolePairs": [{"parentRole": LONG, "subjectRole": "ACTOR_ROLE_ADMIN"}]},
        ),
        root.get(f"/v1/projects/{LONG}"),
        root.post(
            f"/v1/workspace/{ws}/users",
            json={"users": [{"userId": {"uuid": LONG}, "userRole": "ACTOR_ROLE_USER"}]},
        ),
    ]
    for answer in answers:
        message = error_body(answer, 400, 3)["message"]
        assert repr("Z" * 80) in message and "Z" * 81 not in message, message


def test_a_masked_field_left_out_is_cleared(root: httpx.Client, project: str) -> None:
    url = f"/v1/projects/{project}"
    ok(root.put(url, json={"project": {"description": "before"}, "mask": "description"}))
    got = ok(root.put(url, json={"project": {}, "mask": "description,tags"}))["project"]
    assert got.get("description", "") == "" and got.get("tags", []) == []


@pytest.mark.parametrize(
    ("method", "path", "what"),
    [
        ("DELETE", f"{TOKENS}/not-a-uuid", "id"),
        ("GET", "/v1/users/not-a-uuid", "userId"),
        ("DELETE", "/v1/users/not-a-uuid", "userId"),
        ("GET", "/v1/workspace/not-a-uuid", "workspaceId"),
        ("GET", "/v1/projects/not-a-uuid", "projectId"),
    ],
)
def test_a_bad_id_in_the_path_is_named(
    root: httpx.Client, method: str, path: str, what: str
) -> None:
    refused(root.request(method, path), f"{what} 'not-a-uuid' is not a valid UUID.")


def test_each_name_refusal_names_its_field(root: httpx.Client, module_local: Local) -> None:
    where = {"workspaceId": {"uuid": module_local.workspace_id}}
    refused(
        root.post(TOKENS, json={"name": "t" * 101, **where}),
        "The token name is 101 characters long; the limit is 100.",
    )
    hidden = [
        (TOKENS, {"name": "t\u200b", **where}, "The token name"),
        ("/v1/projects", {"name": "p\u200b", **where}, "The project name"),
        ("/v1/projects", {"name": "p", "description": "\x00", **where}, "description"),
    ]
    for path, body, what in hidden:
        message = error_body(root.post(path, json=body), 400, 3)["message"]
        assert message.startswith(f"{what} must not contain control characters"), message
