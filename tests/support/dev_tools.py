"""The development tools some tests run: ruff, mypy and import-linter (the ``lint``
dependency group), build and setuptools (``packaging``). They are not in the ``test``
extra, so a test that needs one skips where it is missing, and fails where
``RIME_TUI_REQUIRE_LINT=1`` (.ci/run installs the groups and sets it)."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

from tests.support.require import require

BIN = Path(sys.executable).parent


def dev_tool(executable: str, group: str) -> Path:
    """The path of *executable* in this environment (installed by *group*)."""
    path = BIN / executable
    if not path.is_file():
        require(
            "RIME_TUI_REQUIRE_LINT",
            f"{executable} is not installed (pip install --group {group}, pip >= 25.1)",
        )
    return path


def require_installed(requirements: list[str], group: str) -> None:
    """Each of *requirements* (PEP 508 strings) is installed in a version it allows."""
    for text in requirements:
        requirement = Requirement(text)
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            version = None
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            require(
                "RIME_TUI_REQUIRE_LINT",
                f"{text} is needed, {requirement.name} {version or 'is missing'}"
                f" (pip install --group {group}, pip >= 25.1)",
            )
