"""The README stays a newcomer's page, and every link in it and in docs/ leads somewhere.

The reference (security, compatibility, scripting, development, figures, ...) lives in
docs/; the tests that check its claims read the docs file that holds them.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))

# [text](target) and ![alt](target), not inside inline code.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _local_targets(page: Path) -> list[str]:
    text = re.sub(r"`[^`\n]*`", "", page.read_text(encoding="utf-8"))
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]


def test_the_readme_is_well_under_200_lines() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) < 180


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {(ROOT / t.split("#", 1)[0]).resolve() for t in _local_targets(README)}
    assert DOCS, "docs/ holds the reference"
    assert [p.name for p in DOCS if p.resolve() not in linked] == []


def test_every_local_link_leads_to_a_file() -> None:
    broken = [
        f"{page.relative_to(ROOT)}: {target}"
        for page in [README, *DOCS]
        for target in _local_targets(page)
        if not (page.parent / target.split("#", 1)[0]).exists()
    ]
    assert broken == []


def test_the_test_command_the_docs_name_is_the_one_ci_runs() -> None:
    """The README's test command is `bash .ci/run`; docs/development.md names the pytest
    command it runs on 3.11, which must be a line of .ci/run as written."""
    assert "```sh\nbash .ci/run\n```" in README.read_text(encoding="utf-8")
    development = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    (command,) = re.findall(r"then runs the test command, `([^`]+)`", development)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in ci
