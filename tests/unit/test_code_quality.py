"""The code stays typed and formatted: ruff and mypy run as part of the test suite.

They are the ``lint`` dependency group's (not the ``test`` extra's): without them these
tests skip, unless ``RIME_TUI_REQUIRE_LINT=1`` (as .ci/run sets), then they fail."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.dev_tools import dev_tool

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "rime_tui", "tests", "tools"],
        ["ruff", "format", "--check", "rime_tui", "tests", "tools"],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_clean(command: list[str]) -> None:
    tool = dev_tool(command[0], "lint")
    result = subprocess.run(
        [str(tool), *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
