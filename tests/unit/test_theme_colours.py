"""The TUI takes its colours from the theme ($warning, $error, $success, $accent, ...):
rime_tui/tui names no colour, in a style, in markup or in CSS, so that a theme chosen in
the palette applies everywhere (tests/tui/test_palette_theme.py shows one switching)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from rich.errors import StyleSyntaxError
from rich.style import Style
from textual.color import Color, ColorParseError

TUI = Path(__file__).resolve().parents[2] / "rime_tui" / "tui"

# (file, literal) pairs allowed to name a colour, each with its reason. None today.
ALLOWED: dict[tuple[str, str], str] = {}

# A CSS declaration whose property takes a colour, and its value.
DECLARATION = re.compile(
    r"\b([a-z-]*(?:color|background|border|outline|tint|scrollbar)[a-z-]*)\s*:\s*([^;{}\n]+)"
)
MARKUP_TAG = re.compile(r"\[([^\[\]/][^\[\]]*)\]")
NOT_COLOURS = {"transparent", "initial", "inherit", "auto", "none", "hidden"}


def _style_colour(style: str) -> str | None:
    """The colour a Rich style string names (``"bold red"``), if it is one."""
    try:
        parsed = Style.parse(style.strip())
    except (StyleSyntaxError, ValueError):
        return None
    for colour in (parsed.color, parsed.bgcolor):
        if colour is not None and not colour.is_default:
            return colour.name
    return None


def _css_colours(value: str) -> list[str]:
    found = []
    for word in value.split():
        if word.startswith("$") or word in NOT_COLOURS:
            continue
        try:
            Color.parse(word)
        except ColorParseError:
            continue
        found.append(word)
    return found


def colours_in(literal: str) -> list[str]:
    """The colours *literal* names: as a style, in markup tags, in CSS declarations."""
    found = [c for c in [_style_colour(literal)] if c]
    found += [c for tag in MARKUP_TAG.findall(literal) if (c := _style_colour(tag))]
    for _, value in DECLARATION.findall(literal):
        found += _css_colours(value)
    return found


def _literals(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".tcss":
        return [re.sub(r"/\*.*?\*/", "", text, flags=re.S)]
    return [
        node.value
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


@pytest.mark.parametrize(
    ("literal", "colours"),
    [
        ("bold yellow", ["yellow"]),
        ("bold $warning", []),
        ("italic dim", []),
        ("[b red]gone[/]", ["red"]),
        ("[$error]gone[/] [b]x[/b] [y/N]", []),
        ("#meter { color: red; }", ["red"]),
        ("border: round #ff0000;", ["#ff0000"]),
        ("color: $text-muted; background: $surface 50%;", []),
        ("Sign in with an API token", []),
    ],
)
def test_the_check_finds_colours_in_styles_markup_and_css(literal: str, colours: list[str]) -> None:
    assert colours_in(literal) == colours


def test_the_tui_names_no_colour() -> None:
    paths = sorted([*TUI.rglob("*.py"), *TUI.rglob("*.tcss")])
    assert len(paths) > 10
    named = [
        f"{path.relative_to(TUI)}: {literal!r} names {colours}"
        for path in paths
        for literal in _literals(path)
        if (colours := colours_in(literal))
        and (path.relative_to(TUI).as_posix(), literal) not in ALLOWED
    ]
    assert named == []
