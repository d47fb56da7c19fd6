"""Baselines: a bare Textual app (Header + Static + Footer), and with ``--modal`` the
same app pushing a trivial ModalScreen on Enter in its Input (Esc closes it).

``--exit-after-paint`` quits right after the first screen is painted (for counting
instructions up to first paint).
"""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Input, Static

GREETING = "Hello from a bare Textual app"


class Shown(ModalScreen[None]):
    BINDINGS = [Binding("escape", "dismiss", "Close")]

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def compose(self) -> ComposeResult:
        yield Static(f"bare modal shown {self.count}")


class Bare(App[None]):
    def __init__(self, modal: bool, exit_after_paint: bool) -> None:
        super().__init__()
        self.modal = modal
        self.exit_after_paint = exit_after_paint
        self.pushed = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(GREETING)
        if self.modal:
            yield Input(placeholder="press Enter")
        yield Footer()

    def on_mount(self) -> None:
        if self.exit_after_paint:
            self.call_after_refresh(self.exit)

    def on_input_submitted(self) -> None:
        self.pushed += 1
        self.push_screen(Shown(self.pushed))


if __name__ == "__main__":
    Bare("--modal" in sys.argv, "--exit-after-paint" in sys.argv).run()
