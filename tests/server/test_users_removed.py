"""Users can be removed (issue J, item 2), against a real ``rime-tui serve`` process.

A stolen session was worth an org admin account of the thief's own, which
``logout-all`` and ``--reset-admin-password`` did not remove and no endpoint
deleted. Now an org admin deletes it (``DELETE /v1/users/{id}``, the SDK's
``UserApi.delete_user``): its sessions and API tokens stop at once; and
``--reset-admin-password`` lists the org admins, so that an unknown one is seen.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.helpers import PASSWORD, error_body
from tests.support.local import Local
from tests.support.serve_process import ServeProcess, serve_once, serving

MALLORY = "mallory@example.com"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServeProcess]:
    with serving(tmp_path / "data", tmp_path / "serve.log") as instance:
        yield instance


def _session(http: httpx.Client, email: str, password: str) -> dict[str, str]:
    answer = http.post("/v1/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return {"authorization": f"Bearer {answer.json()['sessionToken']}"}


def _root(http: httpx.Client, served: ServeProcess) -> dict[str, str]:
    boot = served.bootstrap()
    return _session(http, boot["admin_email"], boot["admin_password"])


def _new_user(http: httpx.Client, root: dict[str, str], email: str, org_role: str) -> str:
    body = {"email": email, "password": PASSWORD, "fullName": "M", "orgRole": org_role}
    answer = http.post("/v1/users", json=body, headers=root)
    assert answer.status_code == 200, answer.text
    user_id: str = answer.json()["userId"]["uuid"]
    return user_id


def test_an_org_admin_deletes_a_user_whose_sessions_and_tokens_stop_at_once(
    served: ServeProcess,
) -> None:
    ws = served.bootstrap()["workspace_id"]
    with httpx.Client(base_url=served.url, timeout=30) as http:
        root = _root(http, served)
        mallory = _new_user(http, root, MALLORY, "ACTOR_ROLE_ADMIN")
        # Mallory, an org admin nobody knows, signs in, makes a token and a project.
        session = _session(http, MALLORY, PASSWORD)
        body = {"name": "mine", "workspaceId": {"uuid": ws}}
        token = http.post("/v1/users/api-tokens", json=body, headers=session).json()
        key = {"rime-api-key": token["fullApiToken"]}
        project = http.post("/v1/projects", json={"name": "p"}, headers=key).json()
        project_id = project["project"]["id"]["uuid"]
        assert http.get("/v1/users/roles", headers=key).status_code == 200

        answer = http.delete(f"/v1/users/{mallory}", headers=root)
        assert (answer.status_code, answer.json()) == (200, {})

        # At once: her session, her token and her password no longer work.
        error_body(http.get("/v1/users/roles", headers=session), 401, 16)
        error_body(http.get("/v1/users/roles", headers=key), 401, 16)
        error_body(http.post("/v1/auth/login", json={"email": MALLORY, "password": PASSWORD}),
                   401, 16)  # fmt: skip
        # She is gone from the users, the members and the tokens ...
        error_body(http.get(f"/v1/users/{mallory}", headers=root), 404, 5)
        users = http.get("/v1/users", headers=root).json()["users"]
        assert MALLORY not in {u["email"] for u in users}
        members = http.get(f"/v1/workspace/{ws}/users", headers=root).json()["users"]
        assert mallory not in {m["userDetail"]["id"]["uuid"] for m in members}
        tokens = http.get("/v1/users/api-tokens", headers=root).json()["apiTokenInfos"]
        assert token["id"]["uuid"] not in {t["id"]["uuid"] for t in tokens}
        # ... and her project passes to the org admin who deleted her.
        owner = http.get(f"/v1/projects/{project_id}", headers=root).json()["project"]
        assert owner["ownerDetails"]["email"] == served.bootstrap()["admin_email"]
        # Deleting her again: she is unknown.
        error_body(http.delete(f"/v1/users/{mallory}", headers=root), 404, 5)


def test_who_may_delete_users(local: Local) -> None:
    """In this process (so that mutation testing sees the rules): who is refused, and
    what they are told."""
    with httpx.Client(base_url=local.url, timeout=30) as http:
        root = _session(http, local.admin_email, local.admin_password)
        admin_id = next(
            u["id"]["uuid"]
            for u in http.get("/v1/users", headers=root).json()["users"]
            if u["email"] == local.admin_email
        )
        user = _new_user(http, root, "user@example.com", "ACTOR_ROLE_USER")
        other_admin = _new_user(http, root, "other@example.com", "ACTOR_ROLE_ADMIN")

        # An API token, even an org admin's, is confined to its workspace: 403.
        bootstrap_key = {"rime-api-key": local.api_token}
        found = error_body(http.delete(f"/v1/users/{user}", headers=bootstrap_key), 403, 7)
        assert found["message"] == (
            "An API token is confined to its workspace and cannot delete users; sign in "
            "with the organization admin's email and password."
        )
        # A user who is not an org admin: 403.
        as_user = _session(http, "user@example.com", PASSWORD)
        found = error_body(http.delete(f"/v1/users/{other_admin}", headers=as_user), 403, 7)
        assert found["message"] == "Only organization admins can delete users."
        # Nobody deletes themselves (so an org admin always remains) ...
        as_other = _session(http, "other@example.com", PASSWORD)
        yourself = "You cannot delete yourself; another organization admin can."
        found = error_body(http.delete(f"/v1/users/{other_admin}", headers=as_other), 400, 9)
        assert found["message"] == yourself
        found = error_body(http.delete(f"/v1/users/{admin_id}", headers=root), 400, 9)
        assert found["message"] == yourself
        # ... nor the instance's own admin, whose password --reset-admin-password resets.
        found = error_body(http.delete(f"/v1/users/{admin_id}", headers=as_other), 400, 9)
        assert found["message"] == (
            f"{local.admin_email} is this instance's own admin (rime-tui serve "
            "--reset-admin-password gives it a new password); it cannot be deleted."
        )
        error_body(http.delete("/v1/users/not-a-uuid", headers=root), 400, 3)
        unknown = "0b5e4c1e-5a0c-4f7e-9d3a-000000000001"
        found = error_body(http.delete(f"/v1/users/{unknown}", headers=root), 404, 5)
        assert found["message"] == f"No user with id {unknown}."
        # Nothing was deleted by the refusals; the org admin deletes the other admin.
        assert http.get("/v1/users/roles", headers=as_user).status_code == 200
        assert http.delete(f"/v1/users/{other_admin}", headers=root).status_code == 200
        error_body(http.get("/v1/users/roles", headers=as_other), 401, 16)


def test_reset_admin_password_lists_the_org_admins(served: ServeProcess) -> None:
    with httpx.Client(base_url=served.url, timeout=30) as http:
        root = _root(http, served)
        mallory = _new_user(http, root, MALLORY, "ACTOR_ROLE_ADMIN")
        _new_user(http, root, "user@example.com", "ACTOR_ROLE_USER")

    done = serve_once(served.data_dir, "--reset-admin-password")
    assert done.returncode == 0, done.stderr
    assert "Organization admins (2)" in done.stdout
    assert f"{MALLORY}  id {mallory}" in done.stdout
    assert f"{served.bootstrap()['admin_email']}  id " in done.stdout
    assert "user@example.com" not in done.stdout
