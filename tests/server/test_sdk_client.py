"""The official SDK, rime-sdk 2.13.2 unchanged, as a client of the local instance.

The SDK runs in a Python 3.10 environment of its own (tests/support/sdk.py),
against a real local instance on 127.0.0.1.  Without Python 3.10 or the SDK the
tests are skipped, unless ``RIME_TUI_REQUIRE_SDK=1`` (as in CI): then they fail.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rime_tui.snippets import snippets
from tests.support.local import Local
from tests.support.require import require
from tests.support.sdk import SDK_VERSION, SdkUnavailable, sdk_python

SCRIPTING = Path(__file__).resolve().parents[2] / "docs" / "scripting.md"

# The calls of issue 7, as a new user makes them; the results go to a JSON file.
CALLS = """
import json, sys
from rime_sdk import Client
from rime_sdk.swagger import swagger_client
from rime_sdk.swagger.swagger_client.models import RimeCreateAPITokenRequest

url, token, out = sys.argv[1:4]
client = Client(url, token)
task = "MODEL_TASK_BINARY_CLASSIFICATION"
made = client.create_project(name="Calls", description="made by the SDK", model_task=task)
got = client.get_project(made.project_id)
info = got.info
name, description = got.name, got.description
listed = [p.project_id for p in client.list_projects()]
shared = client.create_project(
    name="Shared", description="for viewers", model_task=task,
    general_access_role="ACTOR_ROLE_VIEWER",
)
roles = shared.get_general_access_roles()
link = shared.get_link()
shared.update_stress_test_categories(["TEST_CATEGORY_TYPE_DRIFT"])
client.delete_project(made.project_id, force=True)
try:
    client.get_project(made.project_id)
    gone = ""
except ValueError as error:
    gone = str(error)
users = swagger_client.UserApi(client._api_client)
new_token = users.create_api_token(body=RimeCreateAPITokenRequest(name="from the SDK"))
tokens = users.list_api_tokens().api_token_infos
json.dump(
    {
        "made": made.project_id,
        "got": got.project_id,
        "name": name,
        "description": description,
        "info": [info.name, info.description, info.use_case],
        "listed": listed,
        "shared": shared.project_id,
        "roles": roles,
        "link": link,
        "gone": gone,
        "new_token": [new_token.id.uuid, new_token.full_api_token[:5]],
        "tokens": {t.id.uuid: t.workspace_id.uuid for t in tokens},
    },
    open(out, "w"),
)
"""


@pytest.fixture(scope="module")
def sdk() -> Path:
    """The SDK environment's interpreter (built on first use, then reused)."""
    try:
        python, seconds = sdk_python()
    except SdkUnavailable as exc:
        require("RIME_TUI_REQUIRE_SDK", str(exc))
    if seconds is not None:
        print(f"built the rime-sdk {SDK_VERSION} environment in {seconds:.1f} s")
    return python


@pytest.fixture
def http(local: Local) -> Iterator[httpx.Client]:
    headers = {"rime-api-key": local.api_token}
    with httpx.Client(base_url=local.url, headers=headers, timeout=30) as client:
        yield client


def run(sdk: Path, code: str, tmp_path: Path, *args: str) -> str:
    """Run *code* with the SDK's interpreter (nothing of this project on its path)."""
    script = tmp_path / "sdk_script.py"
    script.write_text(code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = subprocess.run(
        [str(sdk), str(script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_sdk_makes_gets_lists_shares_and_deletes_projects(
    sdk: Path, local: Local, http: httpx.Client, tmp_path: Path
) -> None:
    out = tmp_path / "out.json"
    run(sdk, CALLS, tmp_path, local.url, local.api_token, str(out))
    result: dict[str, Any] = json.loads(out.read_text())

    assert result["got"] == result["made"]
    assert (result["name"], result["description"]) == ("Calls", "made by the SDK")
    assert result["info"] == ["Calls", "made by the SDK", ""]
    assert result["listed"] == [result["made"]]
    assert result["roles"] == {
        f"Workspace Role: ACTOR_ROLE_{parent}": "Project Role:ACTOR_ROLE_VIEWER"
        for parent in ("ADMIN", "VP", "USER", "VIEWER")
    }
    assert result["link"] == f"{local.url.removeprefix('http://')}/v1/projects/{result['shared']}"
    assert result["gone"] == f"Project with this id {result['made']} does not exist"
    # The token made without a workspaceId is in the calling token's workspace.
    token_id, prefix = result["new_token"]
    assert prefix == "rime_" and result["tokens"][token_id] == local.workspace_id

    # What the SDK changed, as the local instance now answers it.
    projects = http.get("/v1/projects").json()["projects"]
    assert [p["project"]["id"]["uuid"] for p in projects] == [result["shared"]]
    assert projects[0]["project"]["stressTestCategories"] == ["TEST_CATEGORY_TYPE_DRIFT"]
    assert projects[0]["ownerDetails"] == {"name": "Default Admin", "email": local.admin_email}


def test_the_token_dialogs_and_the_readmes_sdk_snippets_work(
    sdk: Path, local: Local, http: httpx.Client, tmp_path: Path
) -> None:
    dialog = snippets(local.url, local.api_token)[0]
    assert dialog.title == "SDK"
    readme = _readme_sdk_snippet()
    for code in (dialog.code, _aimed(readme, local)):
        run(sdk, code + "print(project.project_id)\n", tmp_path)
        (made,) = http.get("/v1/projects").json()["projects"]
        assert made["project"]["name"] == "Fraud Demo"
        assert made["project"]["modelTask"] == "MODEL_TASK_BINARY_CLASSIFICATION"
        http.delete(f"/v1/projects/{made['project']['id']['uuid']}").raise_for_status()


def _readme_sdk_snippet() -> str:
    blocks = re.findall(r"```python\n(.*?)```", SCRIPTING.read_text(encoding="utf-8"), re.S)
    (block,) = [b for b in blocks if "from rime_sdk import Client" in b]
    return str(block)


def _aimed(code: str, local: Local) -> str:
    """docs/scripting.md's snippet with the local instance's URL and token filled in."""
    code, tokens = re.subn(r'API_TOKEN = "rime_\.\.\."', f"API_TOKEN = {local.api_token!r}", code)
    code, urls = re.subn(r'CLUSTER_URL = "[^"]*"', f"CLUSTER_URL = {local.url!r}", code)
    assert (tokens, urls) == (1, 1), code
    return code
