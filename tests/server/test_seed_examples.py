"""The seed's own examples, run against the local instance.

The product page shows a ``requests`` call and mentions ``curl``; both must work
against the local instance as written, with only the URL and token filled in.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess

import requests

from rime_tui.api import RimeClient
from tests.support.local import Local
from tests.support.require import require


def test_the_seed_requests_example_verbatim(local: Local) -> None:
    URL = local.url
    PASTE_API_KEY = local.api_token

    # --- from the seed, unchanged except for the two names above --------------------------
    headers = {"rime-api-key": PASTE_API_KEY}

    # CREATE A PROJECT
    body = {"name": "new", "description": "for rest testing"}
    res = requests.post(URL + "/projects", json=body, headers=headers)  # noqa: S113
    # -----------------------------------------------------------------------------------------

    assert res.status_code == 200, res.text
    project = res.json()["project"]
    assert project["name"] == "new"
    assert project["description"] == "for rest testing"
    # It lands in the workspace of the token, which is Workspace 1.
    assert project["workspaceId"] == {"uuid": local.workspace_id}

    # The same request again is refused with the RI error body.
    again = requests.post(URL + "/projects", json=body, headers=headers, timeout=30)
    assert again.status_code == 409
    assert set(again.json()) == {"code", "message", "details"}
    assert again.json()["code"] == 6


async def test_the_project_made_by_requests_is_visible_to_the_typed_client(local: Local) -> None:
    headers = {"rime-api-key": local.api_token}
    body = {"name": "new", "description": "for rest testing"}
    res = await asyncio.to_thread(
        requests.post, local.url + "/projects", json=body, headers=headers, timeout=30
    )
    assert res.status_code == 200
    async with RimeClient(local.url, api_token=local.api_token) as client:
        project = (await client.get_project(res.json()["project"]["id"]["uuid"])).project
        assert (project.name, project.description) == ("new", "for rest testing")
        assert [p.project.id async for p in client.iter_projects()] == [project.id]


def test_the_seed_requests_example_without_a_token_is_401(local: Local) -> None:
    body = {"name": "new", "description": "for rest testing"}
    res = requests.post(local.url + "/projects", json=body, timeout=30)
    assert res.status_code == 401
    assert res.json()["code"] == 16


def test_curl_with_the_rime_api_key_header(local: Local) -> None:
    if shutil.which("curl") is None:
        require("RIME_TUI_REQUIRE_CURL", "curl is not installed")

    def curl(*args: str) -> tuple[int, dict[str, object]]:
        done = subprocess.run(
            ["curl", "-sS", "-w", "\n%{http_code}", *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        text, _, status = done.stdout.rpartition("\n")
        return int(status), json.loads(text)

    key = f"rime-api-key: {local.api_token}"
    status, info = curl("-H", key, f"{local.url}/v1/rime-info")
    assert status == 200 and info["customerName"] == "local"

    # As the README shows it, with the JSON content type.
    body = '{"name": "from curl", "description": "curl -d"}'
    json_type = "Content-Type: application/json"
    status, created = curl("-H", key, "-H", json_type, "-d", body, f"{local.url}/projects")
    assert status == 200, created
    project = created["project"]
    assert isinstance(project, dict) and project["name"] == "from curl"

    status, listed = curl(
        "-H", key, f"{local.url}/v1/users/api-tokens?workspaceId.uuid={local.workspace_id}"
    )
    assert status == 200
    infos = listed["apiTokenInfos"]
    assert isinstance(infos, list) and [t["suffix"] for t in infos] == [local.api_token[-4:]]

    status, error = curl("-H", "rime-api-key: wrong", f"{local.url}/v1/rime-info")
    assert status == 401 and set(error) == {"code", "message", "details"}

    # Without it, `curl -d` sends a form content type, which a web page could send too.
    status, error = curl("-H", key, "-d", body, f"{local.url}/projects")
    assert status == 415 and "application/json" in str(error["message"])
