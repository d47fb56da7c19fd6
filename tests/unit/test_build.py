"""The wheel and the sdist build with no warning (issue L, "Done when"): the sdist
carries the tests and docs/, the wheel is built from it, and the wheel's metadata asks
for no development tool.

``python -m build --no-isolation`` uses the ``packaging`` group's build and setuptools
(build checks they meet [build-system] requires): no download, about 2.5 s instead of 5.5
in an isolated environment. Without them this skips, unless ``RIME_TUI_REQUIRE_LINT=1``
(as .ci/run sets), then it fails."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Iterable
from pathlib import Path

from tests.support.dev_tools import require_installed

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# What a clone does not have (.gitignore's build products, environments and caches).
NOT_SOURCE = [".git", ".venv*", "*.egg-info", "build", "dist", "__pycache__", ".*_cache"]
NOT_SOURCE += [".mutation", "mutants", "snapshot_report.html"]


def _names(requirements: Iterable[object]) -> set[str]:
    """The distributions *requirements* name (a group's include-group tables aside)."""
    names = set()
    for entry in requirements:
        if isinstance(entry, str):
            match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", entry)
            assert match, entry
            names.add(re.sub(r"[-_.]+", "-", match.group()).lower())
    return names


def test_the_wheel_and_the_sdist_build_with_no_warning(tmp_path: Path) -> None:
    require_installed(["build>=1.2", *CONFIG["build-system"]["requires"]], "packaging")
    # Without bytecode, setuptools says "warning: byte-compiling is disabled": the
    # environment's choice (PYTHONDONTWRITEBYTECODE), not the package's.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # From a copy, as a fresh clone has it: setuptools adds to the sdist whatever an
    # earlier build's SOURCES.txt lists (rime_tui.egg-info/, left by `pip install -e`).
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    dist = tmp_path / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    warnings = [line for line in output.splitlines() if "warning" in line.lower()]
    assert warnings == [], output

    (sdist,) = dist.glob("rime_tui-*.tar.gz")
    with tarfile.open(sdist) as archive:
        files = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "tests/conftest.py", "tests/unit/test_build.py"} <= files
    assert {"docs/development.md", "docs/scripting.md"} <= files

    (wheel,) = dist.glob("rime_tui-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        lines = archive.read(metadata).decode().splitlines()
    requires = [line.removeprefix("Requires-Dist: ") for line in lines if "Requires-Dist" in line]
    required = _names(requires)
    assert _names(CONFIG["project"]["dependencies"]) <= required
    development = {"setuptools"}
    for group in CONFIG["dependency-groups"].values():
        development |= _names(group)
    assert {"ruff", "mypy", "import-linter", "build", "mutmut"} <= development
    assert required & development == set()
    assert "License-Expression: MIT" in lines
