"""What each install brings (docs/development.md, "What to install"): the `test` extra has
what the suite imports; development tools, those the suite runs as tests included, are
PEP 735 dependency groups, which the package's metadata never publishes (the built wheel's
metadata: tests/unit/test_build.py). .ci/run installs the groups the suite runs and sets
RIME_TUI_REQUIRE_LINT=1, so that their tests fail there instead of skipping."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
GROUPS: dict[str, list[str | dict[str, str]]] = CONFIG["dependency-groups"]

# The executables the suite runs as tests, the file that runs each, and its distribution.
SUITE_TOOLS = {
    "ruff": ("tests/unit/test_code_quality.py", "ruff"),
    "mypy": ("tests/unit/test_code_quality.py", "mypy"),
    "lint-imports": ("tests/unit/test_import_hygiene.py", "import-linter"),
}
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def _group(name: str) -> set[str]:
    """The distributions group *name* installs, its included groups' too (PEP 735)."""
    names: set[str] = set()
    for entry in GROUPS[name]:
        if isinstance(entry, dict):
            names |= _group(entry["include-group"])
        else:
            names.add(_name(entry))
    return names


def _extra() -> set[str]:
    return {_name(r) for r in CONFIG["project"]["optional-dependencies"]["test"]}


def test_the_lint_group_brings_the_tools_the_suite_runs() -> None:
    for executable, (test_file, distribution) in SUITE_TOOLS.items():
        source = (ROOT / test_file).read_text(encoding="utf-8")
        # run through tests/support/dev_tools.py: skipped or failed when missing
        assert f'"{executable}"' in source and "dev_tool(" in source, test_file
        assert distribution in _group("lint"), f"{test_file} runs {executable}"


def test_the_packaging_group_builds_as_build_system_requires() -> None:
    assert {_name(r) for r in CONFIG["build-system"]["requires"]} <= _group("packaging")
    assert "build" in _group("packaging")


def test_development_tools_are_dependency_groups_apart_from_the_extra() -> None:
    assert {"ruff", "mypy", "import-linter", "mutmut", "build", "setuptools"} <= _group("dev")
    assert [name for group in GROUPS for name in _group(group) & _extra()] == []


def test_ci_installs_the_groups_the_suite_runs_and_requires_them() -> None:
    installs = re.findall(r"pip install -q -e '\.\[test\]'(.*)", CI)
    assert installs, ".ci/run installs the test extra"
    for line in installs:
        assert set(re.findall(r"--group (\w+)", line)) == {"lint", "packaging"}, line
    assert re.search(r"^export RIME_TUI_REQUIRE_LINT=1$", CI, re.MULTILINE)


def test_every_group_the_docs_install_exists() -> None:
    pages = [*ROOT.glob("*.md"), *ROOT.glob("docs/*.md"), *ROOT.glob("tools/*.py")]
    named = {
        group
        for page in pages
        for group in re.findall(r"--group (\w+)", page.read_text(encoding="utf-8"))
    }
    assert named >= {"dev", "mutation", "lint"}
    assert named <= set(GROUPS)
