"""What each install brings (docs/development.md, "What to install"): the `test` extra runs
the whole suite, its code-quality tools included; development tools the tests do not run
are PEP 735 dependency groups, which the package's metadata never publishes."""

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


def test_the_test_extra_brings_the_tools_the_suite_runs() -> None:
    extra = {_name(r) for r in CONFIG["project"]["optional-dependencies"]["test"]}
    for executable, (test_file, distribution) in SUITE_TOOLS.items():
        assert f'"{executable}"' in (ROOT / test_file).read_text(encoding="utf-8")
        assert distribution in extra, f"{test_file} runs {executable}"


def test_development_tools_are_dependency_groups_apart_from_the_extra() -> None:
    assert {"mutmut", "build"} <= _group("dev")
    extra = {_name(r) for r in CONFIG["project"]["optional-dependencies"]["test"]}
    assert [name for group in GROUPS for name in _group(group) & extra] == []


def test_every_group_the_docs_install_exists() -> None:
    pages = [*ROOT.glob("*.md"), *ROOT.glob("docs/*.md"), *ROOT.glob("tools/*.py")]
    named = {
        group
        for page in pages
        for group in re.findall(r"--group (\w+)", page.read_text(encoding="utf-8"))
    }
    assert named >= {"dev", "mutation"}
    assert named <= set(GROUPS)
