"""The contract file is the SDK's, and what the project says about it is true.

``tests/contract/ri_contract.json`` is regenerated from rime-sdk 2.13.2 (downloaded
from PyPI by ``tools/gen_contract.py``) and must not differ; the local
instance's enums are the SDK's; docs/compatibility.md gives the
operations served as counted from the contract.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rime_tui.wire import constants
from tests.support.contract import CONTRACT, MODELS, OPERATIONS, served

ROOT = Path(__file__).resolve().parents[2]


def test_the_contract_file_is_what_the_sdk_says() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_contract.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, (
        "tests/contract/ri_contract.json differs from rime-sdk 2.13.2; "
        "run `python tools/gen_contract.py` and review the change:\n" + done.stdout + done.stderr
    )


def test_the_contract_covers_the_five_apis() -> None:
    apis = {op["api"] for op in OPERATIONS.values()}
    assert (
        apis
        == set(CONTRACT["source"]["apis"])
        == {
            "UserApi",
            "WorkspaceServiceApi",
            "ProjectServiceApi",
            "RIMEInfoApi",
            "FeatureFlagApi",
        }
    )
    for op in OPERATIONS.values():
        for kind in (op["body"], op["answer"]):
            assert kind in (None, "object") or kind in MODELS


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (constants.ACTOR_ROLES, "RimeActorRole"),
        (constants.TOKEN_TYPES, "RimeTokenType"),
        (constants.MODEL_TASKS, "RimeModelTask"),
        (constants.TEST_CATEGORIES, "TestrunTestCategoryType"),
    ],
    ids=["ActorRole", "TokenType", "ModelTask", "TestCategoryType"],
)
def test_the_local_instance_takes_the_sdks_enum_values(ours: frozenset[str], theirs: str) -> None:
    values = set(MODELS[theirs]["enum"])
    assert ours <= values
    assert {v for v in values - ours if not v.endswith("_UNSPECIFIED")} == set()


def compatibility() -> list[str]:
    """What docs/compatibility.md must say, from the contract and the instance's routes."""
    serving = set(served())
    apis = CONTRACT["source"]["apis"]
    lines = [
        f"The local instance serves **{len(serving)} of the {len(OPERATIONS)} operations**",
        "| API | served | operations served |",
        "|---|---|---|",
    ]
    for api in apis:
        ops = [key for key, op in OPERATIONS.items() if op["api"] == api]
        mine = [key.split(".", 1)[1] for key in ops if key in serving]
        names = ", ".join(f"`{name}`" for name in mine)
        lines.append(f"| {api} | {len(mine)} of {len(ops)} | {names} |")
    return lines


def test_the_readme_says_what_the_local_instance_serves() -> None:
    section = (ROOT / "docs" / "compatibility.md").read_text(encoding="utf-8")
    missing = [line for line in compatibility() if line not in section]
    assert not missing, "docs/compatibility.md should say:\n" + "\n".join(compatibility())
