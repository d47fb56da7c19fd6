"""Rules of the test suite itself, read from its source (issue 18, findings 8 and 10 and
build item 4): no test module imports another (what they share lives in tests/support/);
every skip names a ``RIME_TUI_REQUIRE_*`` flag that .ci/run sets, so that CI fails where
a developer's run skips. (Every test docs/claims.md names exists: test_claims.py.)"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
CI = ROOT / ".ci" / "run"
REQUIRE = TESTS / "support" / "require.py"

TEST_MODULE = re.compile(r"^tests(\.\w+)*\.test_\w+$")


def _sources() -> dict[Path, ast.Module]:
    return {
        path: ast.parse(path.read_text(encoding="utf-8"), str(path))
        for path in sorted(TESTS.rglob("*.py"))
    }


def _imported(tree: ast.Module) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def test_no_test_module_imports_another() -> None:
    offending = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, tree in _sources().items()
        for name in _imported(tree)
        if TEST_MODULE.match(name)
    ]
    assert offending == [], "move what is shared into tests/support/:\n" + "\n".join(offending)


def test_the_import_check_sees_an_import_of_a_test_module() -> None:
    # The rule's own check: both spellings are caught, a support module is not.
    caught = [
        name
        for source in (
            "from tests.server.test_cli_tokens import ok",
            "import tests.tui.test_tmux_clipboard",
            "from tests.tui import test_type_ahead",
            "from tests.support.cli import ok",
        )
        for name in _imported(ast.parse(source))
        if TEST_MODULE.match(name)
    ]
    assert caught == [
        "tests.server.test_cli_tokens",
        "tests.tui.test_tmux_clipboard",
        "tests.tui.test_type_ahead",
    ]


def _skips(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, what) of every skip not made by ``require``: pytest.skip(),
    pytest.importorskip(), the skip and skipif marks, and any of them imported from
    pytest by name (a variable or argument called ``skip`` is not one)."""
    kinds = {"skip", "skipif", "importorskip"}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in kinds:
            root: ast.expr = node
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id == "pytest":
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pytest"):
            found += [(node.lineno, a.name) for a in node.names if a.name in kinds]
    return found


def _flags_required(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, flag) of every ``require(FLAG, …)`` call; FLAG must be a literal."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "require":
            first = node.args[0] if node.args else None
            flag = first.value if isinstance(first, ast.Constant) else ast.unparse(first or node)
            found.append((node.lineno, str(flag)))
    return found


def _flags_set_by_ci() -> set[str]:
    return set(re.findall(r"^export (RIME_TUI_REQUIRE_\w+)=1$", CI.read_text(), re.MULTILINE))


def test_every_skip_names_a_require_flag_that_ci_sets() -> None:
    ci_sets = _flags_set_by_ci()
    bare, unset, used = [], [], set()
    for path, tree in _sources().items():
        where = path.relative_to(ROOT)
        if path != REQUIRE:
            bare += [f"{where}:{line}: {what}" for line, what in _skips(tree)]
        for line, flag in _flags_required(tree):
            used.add(flag)
            if flag not in ci_sets:
                unset.append(f"{where}:{line}: {flag}")
    assert bare == [], "skip with tests.support.require.require(FLAG, why):\n" + "\n".join(bare)
    assert unset == [], "flags .ci/run does not export as 1:\n" + "\n".join(unset)
    assert used  # the scan found the skips there are (a scan that finds none proves nothing)
    assert {"RIME_TUI_REQUIRE_X", "RIME_TUI_REQUIRE_TMUX", "RIME_TUI_REQUIRE_CURL"} <= used


def test_the_skip_check_sees_each_kind_of_skip() -> None:
    source = """
from pytest import skip
@pytest.mark.skipif(True, reason="")
@pytest.mark.skip
def test(skip=1): pytest.skip("x"); pytest.importorskip("y"); require("RIME_TUI_REQUIRE_NOPE", "z")
proxy.stall("GET", "/", skip=skip)
"""
    tree = ast.parse(source)
    assert sorted(line for line, _ in _skips(tree)) == [2, 3, 4, 5, 5]
    assert _flags_required(tree) == [(5, "RIME_TUI_REQUIRE_NOPE")]
    assert "RIME_TUI_REQUIRE_NOPE" not in _flags_set_by_ci()
