"""A yes/no question in a modal: y / Enter confirms, n / Esc cancels."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Static

from rime_tui.tui.screens.base import Dialog


class ConfirmScreen(Dialog[bool]):
    """Answers True (confirmed) or False."""

    DEFAULT_CSS = """
    ConfirmScreen {
        #confirm {
            width: 64;
        }
        #confirm-message {
            margin-top: 1;
        }
    }
    """
    AUTO_FOCUS = "#no"
    FRAME = "confirm"

    BINDINGS: ClassVar[list[BindingType]] = [
        # As the buttons say: "Delete (y)", "Close (y)", … and "Cancel (n)".
        Binding("y", "answer(True)", "Confirm"),
        Binding("n,escape", "answer(False)", "Cancel"),
    ]

    def __init__(self, title: str, message: str, *, confirm: str = "Yes", danger: bool = False):
        super().__init__()
        self.heading = title
        self.message = message
        self.confirm = confirm
        self.danger = danger

    def body(self) -> ComposeResult:
        yield Static(self.message, id="confirm-message", markup=False)
        with Horizontal(classes="buttons"):
            yield Button(
                f"{self.confirm} (y)",
                id="yes",
                variant="error" if self.danger else "primary",
            )
            yield Button("Cancel (n)", id="no")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
