"""No import cycle in rime_tui, counting imports inside functions.

The graph is built from the source: every ``import`` statement anywhere in a module
(at the top or in a function; not those under ``if TYPE_CHECKING:``, which never
run), and every string that names a module of the package exactly, which is how the
lazy registries (``rime_tui.api``, ``rime_tui.tui.screens``) import on first use.
"""

from __future__ import annotations

import ast
from pathlib import Path

import rime_tui

PACKAGE = Path(rime_tui.__file__).resolve().parent
Graph = dict[str, set[str]]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    """The modules one module imports: statements anywhere, and module-naming strings."""

    def __init__(self, name: str, is_package: bool, modules: set[str]) -> None:
        self.package = name if is_package else name.rpartition(".")[0]
        self.modules = modules
        self.found: set[str] = set()

    def _add(self, name: str) -> None:
        while name and name not in self.modules:  # `import a.b.C` names the module a.b
            name = name.rpartition(".")[0]
        if name:
            self.found.add(name)

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):  # type-checking only: never runs
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            anchor = self.package.rsplit(".", node.level - 1)[0] if node.level > 1 else self.package
            base = f"{anchor}.{base}" if base else anchor
        for alias in node.names:
            self._add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in self.modules else base)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value in self.modules:
            self.found.add(node.value)


def imports_of(source: str, name: str, modules: set[str], is_package: bool = False) -> set[str]:
    visitor = _Imports(name, is_package, modules)
    visitor.visit(ast.parse(source))
    return visitor.found - {name}


def import_graph() -> Graph:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    return {
        module_name(path): imports_of(
            path.read_text(encoding="utf-8"),
            module_name(path),
            modules,
            is_package=path.name == "__init__.py",
        )
        for path in paths
    }


def cycles(graph: Graph) -> list[list[str]]:
    """Each import cycle once, as the modules along it (first one repeated at the end)."""
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    done: set[str] = set()

    def walk(node: str, path: list[str]) -> None:
        for target in sorted(graph.get(node, ())):
            if target in path:
                cycle = [*path[path.index(target) :], target]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    found.append(cycle)
            elif target not in done:
                walk(target, [*path, target])
        done.add(node)

    for start in sorted(graph):
        if start not in done:
            walk(start, [start])
    return found


def test_the_checker_sees_function_level_imports_and_cycles() -> None:
    modules = {"p", "p.a", "p.b", "p.c"}
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from p.c import C\n"
        "def f():\n"
        "    from p.b import thing\n"
        "    from . import c\n"
        "LAZY = {'A': 'p.a'}\n"
    )
    assert imports_of(source, "p.a", modules) == {"p.b", "p.c"}
    assert imports_of(source, "p.x", modules) == {"p.a", "p.b", "p.c"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_knows_the_lazy_registries() -> None:
    graph = import_graph()
    assert "rime_tui.tui.screens.tokens" in graph["rime_tui.tui.screens"]
    assert "rime_tui.api.client" in graph["rime_tui.api"]
    assert "rime_tui.tui.session" in graph["rime_tui.tui.screens.signin"]


def test_no_import_cycle_in_rime_tui() -> None:
    assert cycles(import_graph()) == []
