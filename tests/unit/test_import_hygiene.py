"""Import hygiene: the API client and the local server never import textual (issue 2,
item 1), the wire package none of textual, httpx and fastapi, the first paint loads no
HTTP client or server, the declared layers hold.

Checked twice: at run time in a fresh interpreter (catches indirect imports), and
statically over the source (catches imports on paths a plain import does not run).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import rime_tui
from tests.support.dev_tools import dev_tool
from tests.support.local import Local

PACKAGE = Path(rime_tui.__file__).resolve().parent
NO_TEXTUAL = ["api", "server", "commands", "wire"]
WIRE_MODULES = ("rime_tui.wire", "rime_tui.wire.constants", "rime_tui.wire.text")


def _modules_after(code: str, package: str = "textual") -> list[str]:
    """The modules of *package* loaded after running *code* in a fresh interpreter."""
    code += (
        "\nimport json, sys\n"
        "sys.stderr.write('\\nLOADED=' + json.dumps(sorted(m for m in sys.modules"
        f" if m == {package!r} or m.startswith({package + '.'!r}))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    found: list[str] = json.loads(done.stderr.rpartition("LOADED=")[2])
    return found


def _textual_modules_after_importing(*modules: str) -> list[str]:
    return _modules_after(
        "import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    )


def test_the_check_sees_textual_when_it_is_imported() -> None:
    # Without this, an empty answer below could mean the check itself is broken.
    assert "textual" in _textual_modules_after_importing("textual.app")


@pytest.mark.parametrize(
    "modules",
    [
        ("rime_tui.api",),
        ("rime_tui.server",),
        (
            "rime_tui.api",
            "rime_tui.api.client",
            "rime_tui.api.errors",
            "rime_tui.wire",
            "rime_tui.wire.constants",
            "rime_tui.wire.models",
            "rime_tui.wire.text",
            "rime_tui.server",
            "rime_tui.server.app",
            "rime_tui.server.runner",
            "rime_tui.server.store",
            "rime_tui.server.security",
            "rime_tui.server.errors",
            "rime_tui.server.deps",
            "rime_tui.server.paging",
            "rime_tui.server.rules",
            "rime_tui.server.schema",
            "rime_tui.server.throttle",
            "rime_tui.server.validation",
            "rime_tui.server.routes",
        ),
        ("rime_tui.cli",),  # `rime-tui serve` loads the TUI only when it runs it
        (
            "rime_tui.commands",
            "rime_tui.commands.session",
            "rime_tui.commands.inventory",
            "rime_tui.commands.token",
            "rime_tui.commands.status",
        ),
    ],
    ids=["api", "server", "everything", "cli", "commands"],
)
def test_importing_does_not_load_textual(modules: tuple[str, ...]) -> None:
    assert _textual_modules_after_importing(*modules) == []


@pytest.mark.parametrize("package", ["textual", "httpx", "fastapi", "starlette"])
def test_the_wire_package_loads_no_ui_http_or_web_framework(package: str) -> None:
    """rime_tui.wire is shared by the client, the server and the UI: it needs none of them."""
    modules = (*WIRE_MODULES, "rime_tui.wire.models")
    code = "import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    assert _modules_after(code, package) == []


def test_the_wire_constants_load_no_pydantic() -> None:
    """The UI takes names and limits from rime_tui.wire without paying for pydantic."""
    code = "import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in WIRE_MODULES)
    assert _modules_after(code, "pydantic") == []
    assert "pydantic" in _modules_after("import rime_tui.wire.models\n", "pydantic")


@pytest.mark.parametrize("package", ["httpx", "fastapi", "starlette"])
def test_no_wire_source_file_imports(package: str) -> None:
    files = sorted((PACKAGE / "wire").rglob("*.py"))
    assert files
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {name}"
        for path in files
        for line, name in _imports_of(path.read_text(encoding="utf-8"), package)
    ]
    assert offenders == []


def test_rime_tui_token_list_runs_without_textual(local: Local) -> None:
    """The whole command, run as ``rime-tui token list`` runs it, loads no textual."""
    argv = ["token", "list", "--data-dir", str(local.data_dir), "--port", str(local.server.port)]
    code = f"from rime_tui.cli import main\nassert main({argv!r}) == 0\n"
    assert "rime_tui.commands.token" in _modules_after(code, "rime_tui.commands")
    assert _modules_after(code) == []


def test_the_tui_path_does_not_load_the_scripting_commands() -> None:
    """The TUI's modules, imported as `rime-tui` imports them, leave rime_tui.commands alone."""
    code = "import rime_tui.cli, rime_tui.tui.app\n"
    assert "textual.app" in _modules_after(code)
    assert _modules_after(code, "rime_tui.commands") == []


def _is_package(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _imports_of(source: str, package: str = "textual") -> list[tuple[int, str]]:
    """(line, module) of every import of *package*: statements and importlib/__import__ calls."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__"):
                names = [str(node.args[0].value)]
        line = getattr(node, "lineno", 0)
        found += [(line, name) for name in names if _is_package(name, package)]
    return found


def test_the_static_scan_finds_imports_of() -> None:
    source = (
        "import textual\n"
        "from textual.app import App\n"
        "import importlib\n"
        "importlib.import_module('textual.widgets')\n"
        "__import__('textual')\n"
        "from rime_tui.api import textual_helpers\n"
        "import textualize\n"
    )
    assert _imports_of(source) == [
        (1, "textual"),
        (2, "textual.app"),
        (4, "textual.widgets"),
        (5, "textual"),
    ]


@pytest.mark.parametrize("subpackage", NO_TEXTUAL)
def test_no_source_file_imports_textual(subpackage: str) -> None:
    files = sorted((PACKAGE / subpackage).rglob("*.py"))
    assert files, f"no sources found under {subpackage}"
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {name}"
        for path in files
        for line, name in _imports_of(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_ui_reaches_the_cluster_only_through_the_client() -> None:
    """No screen or widget module talks HTTP itself: rime_tui/tui never imports httpx."""
    files = sorted((PACKAGE / "tui").rglob("*.py"))
    assert files
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {name}"
        for path in files
        for line, name in _imports_of(path.read_text(encoding="utf-8"), "httpx")
    ]
    assert offenders == []
    assert _imports_of("import httpx\nfrom httpx import AsyncClient\n", "httpx") == [
        (1, "httpx"),
        (2, "httpx"),
    ]


# -- the first paint's import path, and the declared layers ------------------------------------


@pytest.mark.parametrize("package", ["httpx", "pydantic", "fastapi"])
def test_importing_the_app_loads_no_http_client_model_or_server(package: str) -> None:
    """What the sign-in screen's first paint imports: none of these (they load after it)."""
    assert package in _modules_after(f"import {package}", package)  # the check sees it
    assert _modules_after("import rime_tui.tui.app", package) == []


FIRST_PAINT = "import rime_tui.cli, rime_tui.tui.app, rime_tui.tui.screens.signin, rime_tui.local"


@pytest.mark.parametrize(
    ("module", "later"),
    [
        # DataTable's module is large: the pages with tables load it.
        ("textual.widgets._data_table", "rime_tui.tui.screens.tokens"),
        # The local instance's proof (hmac, secrets) runs after the first paint.
        ("hmac", "rime_tui.proof"),
        ("secrets", "rime_tui.proof"),
    ],
)
def test_the_first_paint_path_leaves_for_later(module: str, later: str) -> None:
    assert _modules_after(FIRST_PAINT, module) == []
    assert _modules_after(f"{FIRST_PAINT}\nimport {later}", module)  # the check sees it


def test_the_import_linter_contracts_hold() -> None:
    """pyproject.toml's [tool.importlinter] contracts: api and server never import
    textual; wire none of textual, httpx and fastapi; screens never import httpx."""
    done = subprocess.run(
        [str(dev_tool("lint-imports", "lint"))],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 kept, 0 broken" in done.stdout


def test_choosing_a_cluster_target_before_the_first_paint_loads_no_httpx(tmp_path: Path) -> None:
    """run_tui decides where to sign in before the first paint; a cluster URL (given or
    remembered) is checked without the client, so httpx still loads after the paint."""
    code = (
        "from pathlib import Path\n"
        "from rime_tui.tui.app import choose_target\n"
        f"choose_target('http://127.1:9', remembered=None, local=False,"
        f" data_dir=Path({str(tmp_path)!r}), port=9)\n"
    )
    assert _modules_after(code, "httpx") == []
