"""One docs claim, one test (issue 18, build item 3): docs/claims.md maps the numbers and
promises of security.md, scripting.md, compatibility.md and figures.md to the tests that
guard them. Every test it names must exist, and every number in the first three pages
must appear in that page's part of the table (a new number needs its row)."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
CLAIMS = DOCS / "claims.md"
PAGES = ("security.md", "scripting.md", "compatibility.md", "figures.md")
NUMBERED = ("security.md", "scripting.md", "compatibility.md")
NODE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)(?:\[[^\]`]*\])?`")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)*(?!\w)")


def sections(text: str) -> dict[str, str]:
    """The text of each ``## PAGE`` section of claims.md."""
    parts = re.split(r"^## (\S+)\s*$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def numbers(text: str) -> set[str]:
    """The numbers of a page's prose and tables (not of its code blocks)."""
    return set(NUMBER.findall(re.sub(r"```.*?```", "", text, flags=re.DOTALL)))


@cache
def defined(path: Path) -> frozenset[str]:
    """The test functions *path* defines (at the top or in a class)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.add(node.name)
    return frozenset(found)


def missing_tests(text: str) -> list[str]:
    missing = []
    for path, name in NODE.findall(text):
        where = ROOT / path
        if not where.is_file() or name not in defined(where):
            missing.append(f"{path}::{name}")
    return missing


def test_every_page_has_its_part_and_every_row_names_a_test() -> None:
    parts = sections(CLAIMS.read_text(encoding="utf-8"))
    assert sorted(parts) == sorted(PAGES)
    for page, text in parts.items():
        rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
        assert len(rows) > 1, page  # a header and claims
        for row in rows[1:]:
            assert NODE.search(row), f"{page}: a claim without a test: {row}"


def test_every_test_named_exists() -> None:
    assert missing_tests(CLAIMS.read_text(encoding="utf-8")) == []


def test_every_number_of_a_page_is_in_its_part_of_the_table() -> None:
    parts = sections(CLAIMS.read_text(encoding="utf-8"))
    unclaimed = {
        page: sorted(numbers((DOCS / page).read_text(encoding="utf-8")) - numbers(parts[page]))
        for page in NUMBERED
    }
    assert unclaimed == {page: [] for page in NUMBERED}, (
        "each number needs a row in docs/claims.md (or its note, as an example)"
    )


def test_the_checks_see_a_missing_test_and_an_unclaimed_number() -> None:
    # The checks' own test: a renamed test and a new number are noticed.
    row = "| x | `tests/unit/test_claims.py::test_no_such_test`<br>`tests/nope.py::test_x` |"
    assert missing_tests(row) == [
        "tests/unit/test_claims.py::test_no_such_test",
        "tests/nope.py::test_x",
    ]
    assert missing_tests("`tests/unit/test_claims.py::test_every_test_named_exists[a-b]`") == []
    assert numbers("at most 129 connections, 0.5 s, `[::1]:PORT`\n```\n8477\n```") == {
        "129",
        "0.5",
        "1",
    }
