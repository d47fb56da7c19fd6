"""Who sees a project, over HTTP: members of its workspace (but ACTOR_ROLE_NONE); for
anyone else it does not exist (the 404 of an unknown id), and a member who may not
change it is told why."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.helpers import PASSWORD, error_body
from tests.support.local import Local


def _ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def _session(local: Local, email: str, password: str) -> httpx.Client:
    login = {"email": email, "password": password}
    token = _ok(httpx.post(f"{local.url}/v1/auth/login", json=login, timeout=30))["sessionToken"]
    return httpx.Client(
        base_url=local.url, headers={"authorization": f"Bearer {token}"}, timeout=30
    )


def test_a_project_is_visible_to_its_workspace_only(local: Local) -> None:
    with _session(local, local.admin_email, local.admin_password) as root:
        body = {"email": "outsider@example.com", "password": PASSWORD, "fullName": "O"}
        outsider_id = _ok(root.post("/v1/users", json=body))["userId"]["uuid"]
        body = {"email": "viewer@example.com", "password": PASSWORD, "fullName": "V"}
        viewer_id = _ok(root.post("/v1/users", json=body))["userId"]["uuid"]
        members = {"users": [{"userId": {"uuid": viewer_id}, "userRole": "ACTOR_ROLE_VIEWER"}]}
        _ok(root.post(f"/v1/workspace/{local.workspace_id}/users", json=members))
        made = {"name": "secret plans", "workspaceId": {"uuid": local.workspace_id}}
        project = _ok(root.post("/v1/projects", json=made))["project"]["id"]["uuid"]
    assert outsider_id
    with _session(local, "outsider@example.com", PASSWORD) as outsider:
        answer = outsider.get(f"/v1/projects/{project}")
        assert error_body(answer, 404, 5)["message"] == f"No project with id {project}."
    with _session(local, "viewer@example.com", PASSWORD) as viewer:
        seen = _ok(viewer.get(f"/v1/projects/{project}"))["project"]
        assert seen["project"]["name"] == "secret plans"
        answer = viewer.delete(f"/v1/projects/{project}")
        assert error_body(answer, 403, 7)["message"] == (
            f"Your role in workspace {local.workspace_id} is ACTOR_ROLE_VIEWER: it cannot "
            "delete other members' projects."
        )
        unknown = "00000000-0000-4000-8000-000000000000"
        answer = viewer.get(f"/v1/projects/{unknown}")
        assert error_body(answer, 404, 5)["message"] == f"No project with id {unknown}."
