"""Every file the package reads besides its modules is declared as package data, so a
wheel (not only an editable install) ships it: the schema's SQL, the stylesheet."""

from __future__ import annotations

import tomllib
from pathlib import Path

import rime_tui

PACKAGE = Path(rime_tui.__file__).resolve().parent
PYPROJECT = PACKAGE.parent / "pyproject.toml"


def _declared() -> list[str]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    patterns: list[str] = config["tool"]["setuptools"]["package-data"]["rime_tui"]
    return patterns


def test_every_data_file_of_the_package_is_package_data() -> None:
    data = [
        path.relative_to(PACKAGE)
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc")
    ]
    assert {"server/schema.sql", "py.typed"} <= {p.as_posix() for p in data}
    undeclared = [p.as_posix() for p in data if not any(p.match(g) for g in _declared())]
    assert undeclared == []
