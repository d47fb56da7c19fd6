"""The local instance's answers against the SDK's own models (``tests/contract/ri_contract.json``).

One scenario calls every operation the local instance serves over real HTTP, by
the contract's method, path template and parameter names, with bodies that are
the SDK's body models, walking every list over several pages and provoking
errors.  Every answer must be its operation's answer model: wire names, types
(int64 as JSON strings), RFC 3339 times, the SDK's enum values, nested shapes;
every error must be the gateway's error model.  Operations the instance does
not serve answer with the RI error body too: 404, or 405 where the path is
served for another method (as the RI gateway does).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.contract import ERROR_MODEL, OPERATIONS, assert_valid, concrete_path, served
from tests.support.helpers import ERROR_KEYS, PASSWORD
from tests.support.local import Local

SERVED = served()
NOT_SERVED = sorted(set(OPERATIONS) - set(SERVED))
PAGE = 2  # small pages, so that every list has several


class Calls:
    """Calls operations by their contract key and keeps every answer."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answers: defaultdict[str, list[tuple[int, Any]]] = defaultdict(list)

    def __call__(
        self,
        key: str,
        auth: dict[str, str],
        path: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Any:
        op = OPERATIONS[key]
        assert set(path or {}) == set(op["path_params"]), key
        assert set(query or {}) <= set(op["query_params"]), key
        if body is not None and status < 400:
            assert_valid(body, op["body"], request=True)  # what we send is what the SDK sends
        response = httpx.request(
            op["method"],
            self.url + concrete_path(op["path"], path),
            params=query,
            json=body,
            headers=auth,
            timeout=30,
        )
        assert response.status_code == status, (key, response.status_code, response.text)
        answer = response.json()
        self.answers[key].append((response.status_code, answer))
        return answer

    def pages(self, key: str, auth: dict[str, str], items: str, **kwargs: Any) -> list[Any]:
        """Every item of a list, walked page by page; asserts there were several pages."""
        query = {**kwargs.pop("query", {}), "pageSize": str(PAGE)}
        found: list[Any] = []
        pages = 0
        while True:
            answer = self(key, auth, query=query, **kwargs)
            pages += 1
            found += answer[items]
            if not answer["hasMore"]:
                assert answer["nextPageToken"] == ""
                break
            assert len(answer[items]) == PAGE and answer["nextPageToken"]
            query = {**query, "pageToken": answer["nextPageToken"]}
        assert pages > 1, f"{key} fit in one page of {PAGE}"
        return found


def scenario(local: Local) -> Calls:
    """Every served operation, as the SDK and the TUI use them, plus errors."""
    call = Calls(local.url)
    token = {"rime-api-key": local.api_token}
    login = httpx.post(
        local.url + "/v1/auth/login",
        json={"email": local.admin_email, "password": local.admin_password},
        timeout=30,
    )
    session = {"authorization": "Bearer " + login.json()["sessionToken"]}
    ws = {"workspaceId.uuid": local.workspace_id}

    info = call("RIMEInfoApi.get_rime_info", token)
    for limit in ("LICENSE_LIMIT_EXPIRATION", "LICENSE_LIMIT_WORKSPACES"):
        path = {"customerName": info["customerName"], "limit": limit}
        call("FeatureFlagApi.get_limit_status", token, path)
    call("UserApi.list_current_user_roles", token)
    call("UserApi.list_current_user_roles", session)

    users = [
        call(
            "UserApi.create_user",
            session,  # org-wide: an org admin's password session, not a workspace token
            body={
                "email": f"user{i}@example.com",
                "password": PASSWORD,
                "fullName": f"User {i}",
                "orgRole": "ACTOR_ROLE_USER",
            },
        )["userId"]["uuid"]
        for i in range(2)
    ]
    call("UserApi.get_user", session, {"userId.uuid": users[0]})
    call.pages("UserApi.list_users", session, "users")

    for i in range(2):
        body = {"name": f"Workspace {i + 2}", "description": "More", "resultsRetentionInDays": 7}
        call("WorkspaceServiceApi.create_workspace", session, body=body)
    call.pages("WorkspaceServiceApi.list_workspaces", session, "workspaces")
    call("WorkspaceServiceApi.list_workspaces", token)
    call("WorkspaceServiceApi.get_workspace", token, ws)
    members = [{"userId": {"uuid": u}, "userRole": "ACTOR_ROLE_VIEWER"} for u in users]
    call("WorkspaceServiceApi.add_users_to_workspace", token, ws, body={"users": members})
    call.pages("WorkspaceServiceApi.list_users_of_workspace", token, "users", path=ws)

    created = [
        call(
            "UserApi.create_api_token",
            token,
            body={"name": "ci", "workspaceId": {"uuid": local.workspace_id}, "expiryDays": 30},
        ),
        call("UserApi.create_api_token", token, body={"name": "no workspace given"}),
        call(
            "UserApi.create_api_token",
            token,
            body={"name": "typed", "tokenType": "TOKEN_TYPE_USER"},
        ),
    ]
    call.pages("UserApi.list_api_tokens", token, "apiTokenInfos", query=ws)
    call(
        "UserApi.list_api_tokens",
        session,
        query={**ws, "firstPageQuery.tokenType": "TOKEN_TYPE_USER"},
    )
    call("UserApi.delete_api_token", token, {"id.uuid": created[0]["id"]["uuid"]})

    projects = [
        call(
            "ProjectServiceApi.create_project",
            token,
            body={
                "name": f"Fraud {i}",
                "description": "This is an Onboarding Demo",
                "modelTask": "MODEL_TASK_BINARY_CLASSIFICATION",
                "useCase": "cards",
                "ethicalConsideration": "none",
                "tags": ["demo"],
            },
        )["project"]["id"]["uuid"]
        for i in range(3)
    ]
    call.pages("ProjectServiceApi.list_projects", token, "projects", query=ws)
    project = {"projectId.uuid": projects[0]}
    call("ProjectServiceApi.get_project", token, project)
    changes = {
        "projectId": {"uuid": projects[0]},
        "project": {
            "description": "Renamed",
            "stressTestCategories": ["TEST_CATEGORY_TYPE_DRIFT"],
            "tags": ["a", "b"],
        },
        "mask": "description,stressTestCategories,tags",
    }
    call("ProjectServiceApi.update_project", token, project, body=changes)
    call("ProjectServiceApi.get_project", token, project)
    call("ProjectServiceApi.get_project_url", token, project)
    call("ProjectServiceApi.get_workspace_roles_for_project", token, project)
    pairs = [
        {"parentRole": parent, "subjectRole": "ACTOR_ROLE_VIEWER"}
        for parent in ("ACTOR_ROLE_ADMIN", "ACTOR_ROLE_VP", "ACTOR_ROLE_USER", "ACTOR_ROLE_VIEWER")
    ]
    call(
        "ProjectServiceApi.update_workspace_roles_for_project",
        token,
        project,
        body={"rolePairs": pairs},
    )
    call("ProjectServiceApi.get_workspace_roles_for_project", token, project)
    call("ProjectServiceApi.delete_project", token, project)
    call("UserApi.delete_user", session, {"userId.uuid": users[1]})

    # Errors: the RI error body, whatever the operation.
    call("ProjectServiceApi.get_project", token, project, status=404)
    call("ProjectServiceApi.update_project", token, {"projectId.uuid": projects[1]},
         body={"project": {}, "mask": "profilingConfig"}, status=400)  # fmt: skip
    call("UserApi.create_api_token", session, body={"name": "where?"}, status=400)
    call("FeatureFlagApi.get_limit_status", token, {"customerName": "local", "limit": "NOPE"},
         status=400)  # fmt: skip
    for key in SERVED:
        op = OPERATIONS[key]
        path = {name: "not-a-uuid" for name in op["path_params"]}
        call(key, {}, path, body={} if op["body"] else None, status=401)
    return call


@pytest.fixture(scope="module")
def answers(module_local: Local) -> dict[str, list[tuple[int, Any]]]:
    return scenario(module_local).answers


@pytest.mark.parametrize("key", SERVED)
def test_every_answer_is_the_sdk_answer_model(
    answers: dict[str, list[tuple[int, Any]]], key: str
) -> None:
    ok = [body for status, body in answers[key] if status < 400]
    assert ok, f"the scenario never called {key} successfully"
    for body in ok:
        assert_valid(body, OPERATIONS[key]["answer"])


@pytest.mark.parametrize("key", SERVED)
def test_every_error_is_the_sdk_error_model(
    answers: dict[str, list[tuple[int, Any]]], key: str
) -> None:
    errors = [body for status, body in answers[key] if status >= 400]
    assert errors, f"the scenario never made {key} fail"
    for body in errors:
        assert_valid(body, ERROR_MODEL)
        assert set(body) == ERROR_KEYS


@pytest.fixture(scope="module")
def http(module_local: Local) -> Iterator[httpx.Client]:
    headers = {"rime-api-key": module_local.api_token}
    with httpx.Client(base_url=module_local.url, headers=headers, timeout=30) as client:
        yield client


@pytest.mark.parametrize("key", NOT_SERVED)
def test_an_operation_not_served_answers_with_the_ri_error_body(
    http: httpx.Client, key: str
) -> None:
    op = OPERATIONS[key]
    path = concrete_path(
        op["path"], {p: "0b5e4c1e-5a0c-4f7e-9d3a-000000000001" for p in op["path_params"]}
    )
    response = http.request(op["method"], path, json={} if op["body"] else None)
    body = response.json()
    assert_valid(body, ERROR_MODEL)
    assert set(body) == ERROR_KEYS
    if response.status_code == 405:  # the path is served, for other methods
        assert body["code"] == 12 and response.headers["Allow"]
        assert op["method"] not in response.headers["Allow"]
    else:
        assert (response.status_code, body["code"]) == (404, 5), response.text
        assert body["message"] == f"No such endpoint: {op['method']} {path}."
