"""Widgets shared by the screens."""

from __future__ import annotations

from textual.widgets import Input

from rime_tui.tui.text import input_text


class TextInput(Input):
    """An input that holds one line of plain text, whatever is typed, pasted or set.

    Tabs and line breaks become spaces and other control characters are dropped, so
    nothing entered here can reach the terminal as an escape sequence.  Text too long
    for ``max_length`` is refused with a notification instead of only a bell.
    """

    def replace(self, text: str, start: int, end: int) -> None:
        super().replace(input_text(text), start, end)

    def validate_value(self, value: str) -> str:
        return input_text(value)

    def restricted(self) -> None:
        super().restricted()
        if self.max_length:
            self.notify(
                f"That does not fit: this field takes at most {self.max_length} characters. "
                "Nothing was inserted.",
                severity="warning",
                markup=False,
            )
