"""Widgets shared by the screens."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Input, Static

from rime_tui.tui.text import input_text

# Terminal escape sequences (CSI like ESC [2J, OSC like ESC ]52;…BEL, and ESC + one
# character): a paste may carry them; they are dropped whole, not left as "[2J".
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]"
)


def field_text(text: str) -> str:
    """What a one-line field keeps of *text*: escape sequences dropped whole, tabs and
    line breaks as spaces, other control characters dropped."""
    return input_text(_ESCAPE_SEQUENCE.sub("", text.replace("\r\n", "\n")))


class TextInput(Input):
    """An input that holds one line of plain text, whatever is typed, pasted or set.

    Tabs and line breaks become spaces and other control characters are dropped, so
    nothing entered here can reach the terminal as an escape sequence.  A paste keeps
    its first line, or with ``join_lines`` all of its lines joined by spaces; when a
    paste was changed, a notice says how.  Text too long for ``max_length`` is refused
    with one notification (not one per key) instead of only a bell.
    """

    def __init__(self, *args: Any, join_lines: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.join_lines = join_lines
        self._told_too_long = False

    def replace(self, text: str, start: int, end: int) -> None:
        super().replace(field_text(text), start, end)

    def validate_value(self, value: str) -> str:
        return field_text(value)

    def on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # instead of Input's paste, which keeps the first line
        event.stop()
        pasted = event.text.replace("\r\n", "\n").rstrip("\n")
        if not self.join_lines:
            pasted = pasted.split("\n")[0]
        text = field_text(pasted)
        if not text:
            return
        if self.selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *self.selection)
        if text != pasted and self.join_lines:
            self.notify(
                "Pasted as one line: line breaks and tabs became spaces, control "
                "characters were dropped.",
                title="Pasted",
                markup=False,
            )

    def watch_value(self, value: str) -> None:
        if len(value) < (self.max_length or 0):
            self._told_too_long = False

    def restricted(self) -> None:
        super().restricted()
        if self.max_length and not self._told_too_long:
            self._told_too_long = True
            self.notify(
                f"That does not fit: this field takes at most {self.max_length} characters. "
                "Nothing was inserted.",
                severity="warning",
                markup=False,
            )


class KeyLine(Static):
    """A screen's keys on one line at the bottom, as Textual's Footer shows them, but
    one widget built once: a Footer rebuilds a widget per key each time its screen is
    shown, which is most of the cost of showing a dialog again."""

    DEFAULT_CSS = """
    KeyLine {
        dock: bottom;
        height: 1;
        padding: 0 1;
        background: $footer-background;
        color: $footer-description-foreground;
    }
    """

    def __init__(self, bindings: Iterable[BindingType], *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.bindings = [b for b in bindings if isinstance(b, Binding) and b.show]

    def on_mount(self) -> None:
        key_style = "bold $footer-key-foreground"
        self.update(
            Content("  ").join(
                Content.assemble((self.app.get_key_display(b), key_style), " ", b.description)
                for b in self.bindings
            )
        )
