"""Every key, by screen, read from the screens' own bindings."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from rime_tui.tui.screens.base import Dialog, unless_quitting
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.overview import OverviewScreen
from rime_tui.tui.screens.save_token import SaveTokenScreen
from rime_tui.tui.screens.settings import SettingsScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen

SECTIONS: list[tuple[str, type[Screen[Any]]]] = [
    ("Sign in", SignInScreen),
    ("Workspaces", WorkspacesScreen),
    ("Workspace Overview", OverviewScreen),
    ("Workspace Settings", SettingsScreen),
    ("API Access Tokens", TokensScreen),
    ("Token created dialog", TokenCreatedScreen),
    ("Save to file dialog", SaveTokenScreen),
    ("Yes/no dialog", ConfirmScreen),
]

EXTRA: dict[type[Screen[Any]], list[tuple[str, str]]] = {
    SignInScreen: [("Enter", "Sign in")],
    TokensScreen: [("Enter", "Create Token (in Token Name)")],
    SettingsScreen: [("Enter", "Open the highlighted entry")],
}

EVERYWHERE = [
    ("ctrl+p", "Commands: Workspaces, Tokens, Sign out, Quit"),
    ("?", "This help"),
    ("Esc", "Back one screen (an open filter closes first)"),
    ("Tab / shift+Tab", "Move between fields and buttons"),
    ("ctrl+c", "Copy selected text"),
    ("ctrl+q", "Quit"),
]

KEY_NAMES = {
    "escape": "Esc",
    "slash": "/",
    "question_mark": "?",
    "enter": "Enter",
    "delete": "Delete",
}


def _keys(binding: Binding) -> str:
    return " / ".join(KEY_NAMES.get(k, k) for k in binding.key.split(","))


def _bindings(screen: type[Screen[Any]]) -> list[tuple[str, str]]:
    seen: dict[str, str] = dict(EXTRA.get(screen, []))  # keys -> what they do
    for cls in reversed(screen.__mro__):
        if not cls.__module__.startswith("rime_tui"):
            continue  # Textual's own (tab, ctrl+c) are in "Everywhere"
        for item in cls.__dict__.get("BINDINGS", []):
            if isinstance(item, Binding) and item.description:
                seen[_keys(item)] = item.description  # a subclass's meaning wins
    return list(seen.items())


def help_lines() -> tuple[list[str], dict[type[Screen[Any]], int]]:
    """The help's lines, and the line each screen's section starts at."""
    lines = ["[b]Everywhere[/b]"]
    lines += [f"  [b]{escape(k):<16}[/b] {escape(d)}" for k, d in EVERYWHERE]
    starts: dict[type[Screen[Any]], int] = {}
    for title, screen in SECTIONS:
        lines.append("")
        starts[screen] = len(lines)
        lines.append(f"[b]{escape(title)}[/b]")
        lines += [f"  [b]{escape(k):<16}[/b] {escape(d)}" for k, d in _bindings(screen)]
    return lines, starts


class HelpScreen(Dialog[None]):
    DEFAULT_CSS = """
    HelpScreen {
        #help {
            height: 90%;
        }
        #help-text {
            height: auto;
        }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close"),
    ]
    FRAME = "help"
    heading = "Keys"

    def __init__(self, at: type[Screen[Any]] | None = None) -> None:
        """*at*: the screen whose section is shown first (the one help was opened on)."""
        super().__init__()
        self.at = at

    def body(self) -> ComposeResult:
        lines, starts = help_lines()
        self.start_line = starts.get(self.at, 0) if self.at else 0
        with VerticalScroll(id="help-scroll"):
            yield Static("\n".join(lines), id="help-text")
        yield Static("Esc or ? closes this help.", classes="hint")

    @unless_quitting
    def on_mount(self) -> None:
        self.call_after_refresh(self._show_section)

    def _show_section(self) -> None:
        self.query_one("#help-scroll", VerticalScroll).scroll_to(
            y=self.start_line, animate=False, immediate=True
        )

    def action_close(self) -> None:
        self.dismiss(None)
