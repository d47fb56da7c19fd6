"""A yes/no question in a modal: y / Enter confirms, n / Esc cancels."""

from __future__ import annotations

import time
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
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

    def __init__(
        self,
        title: str,
        message: str,
        *,
        confirm: str = "Yes",
        danger: bool = False,
        asked_first: bool = False,
    ):
        super().__init__()
        self.heading = title
        self.message = message
        self.confirm = confirm
        self.danger = danger
        # With asked_first, a y typed before the question was asked (typed ahead with
        # the key that asks it, in one burst over a slow link) does not answer it: what
        # it gives up cannot come back. Keys carry the time they were read (monotonic).
        self.asked_first = asked_first
        self.asked_at = float("inf")
        self.refused_early = False  # a y typed before it was asked came, with a notice

    def on_mount(self) -> None:
        self.asked_at = time.monotonic()

    def on_key(self, event: events.Key) -> None:
        if self.asked_first and event.key == "y" and event.time < self.asked_at:
            event.stop()
            event.prevent_default()
            self.refused_early = True
            self.notify(
                "That y was typed before this question was asked, so it did not answer "
                "it. n (Cancel) goes back; y answers it.",
                title="Not answered",
                severity="warning",
                markup=False,
            )

    def dismiss(self, result: bool | None = None) -> AwaitComplete:
        if self.refused_early:  # answered: its notice no longer applies
            self.app.clear_notifications()
        return super().dismiss(result)

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
