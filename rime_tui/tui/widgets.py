"""Widgets shared by the screens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input

from rime_tui.tui.text import LINE_BREAKS, input_text

if TYPE_CHECKING:
    from rime_tui.tui.progress import Progress

# Terminal escape sequences (CSI like ESC [2J, OSC like ESC ]52;…BEL, and ESC + one
# character): a paste may carry them; they are dropped whole, not left as "[2J".
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]"
)


def field_text(text: str) -> str:
    """What a one-line field keeps of *text*: escape sequences dropped whole, a run of
    line breaks and each tab as one space, other control characters dropped."""
    return input_text(_ESCAPE_SEQUENCE.sub("", text))


class TextInput(Input):
    """An input that holds one line of plain text, whatever is typed, pasted or set.

    Tabs and line breaks become spaces and other control characters are dropped, so
    nothing entered here can reach the terminal as an escape sequence.  A paste keeps
    its first line, or with ``join_lines`` all of its lines joined by spaces; when a
    paste was changed, a notice says how.  Text too long for ``max_length`` is refused
    with one notification (not one per key) instead of only a bell.

    Its cursor does not blink: a blink repaints the whole field twice a second, which an
    idle focused field would send to the terminal (over SSH) for as long as it waits.
    """

    def __init__(self, *args: Any, join_lines: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cursor_blink = False  # a quiet terminal when idle (issue K, item 4)
        self.join_lines = join_lines
        self._told_too_long = False

    def replace(self, text: str, start: int, end: int) -> None:
        super().replace(field_text(text), start, end)

    def validate_value(self, value: str) -> str:
        return field_text(value)

    def on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # instead of Input's paste, which keeps the first line
        event.stop()
        pasted = event.text.rstrip("\r\n")  # (a terminal may send a pasted LF as CR)
        if not self.join_lines:
            pasted = LINE_BREAKS.split(pasted)[0]
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


@dataclass(frozen=True)
class ShownKey:
    """One key as the key bar shows it."""

    key: str  # what a click on it presses
    display: str
    description: str
    enabled: bool
    divided: bool = False  # a thin rule before it (the command palette's key)


# Columns of the key bar's progress label (" ⠹ Creating “deploy”… ") that Quit and Help
# give way to on a very narrow terminal; a longer label is cut short (with …) first.
MIN_WORKING = 30
# What keys do meanwhile ("Keys you type now go to the token's dialog") shows only
# when at least this many of its columns fit beside the label, not as a stub ("K…").
MIN_MEANWHILE = 8


class KeyBar(Widget, can_focus=False):
    """Its screen's keys on one line at the bottom, as Textual's Footer shows them.

    The Footer builds a widget per key, and builds them all again whenever its screen's
    bindings change (focus moves, a dialog opens or closes): 4 to 5 ms each time here,
    often on the way from a key to the next paint. This bar shows the same keys (the
    screen's active bindings that are shown, one per action, disabled ones dim) as one
    line of text, repainted only when it changes. The app's own keys (Quit, Help and the
    command palette's) stand on the right of every screen; the screen's keys fill the
    room left of them, whole keys only, before the palette's key gets any (Help lists
    every key). A click on a key presses it, as on the Footer.
    """

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $footer-background;
        color: $footer-description-foreground;
    }
    """

    ALLOW_SELECT = False  # a drag over it selects no text, as on the Footer

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.keys: list[ShownKey] = []  # the screen's
        self.app_keys: list[ShownKey] = []  # on the right
        self._hovered: str | None = None
        self._spans: list[tuple[int, int, ShownKey]] = []  # what a click at x presses

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        # A screen under another is brought up to date when it is shown again.
        if screen is self.screen and (screen.is_current or not screen.is_mounted):
            self.show_keys(*self.active_keys())

    def active_keys(self) -> tuple[list[ShownKey], list[ShownKey]]:
        """The screen's keys and the app's, as its bindings are now."""
        app = self.app
        keys: dict[str, ShownKey] = {}  # by action: the first binding of each
        app_keys: list[ShownKey] = []
        palette: ShownKey | None = None
        for node, binding, enabled, _ in self.screen.active_bindings.values():
            shown = ShownKey(
                binding.key, app.get_key_display(binding), binding.description, enabled
            )
            if app.ENABLE_COMMAND_PALETTE and binding.key == app.COMMAND_PALETTE_BINDING:
                palette = ShownKey(shown.key, shown.display, shown.description, enabled, True)
            elif binding.show and (node is app or binding.action.startswith("app.")):
                app_keys.append(shown)  # (a dialog's `?` runs the app's help)
            elif binding.show and binding.action not in keys:
                keys[binding.action] = shown
        if self.screen.is_modal:  # Textual lists a dialog's keys only, but the app's
            priority = [  # priority keys work too (in the app's order, as on the pages)
                ShownKey(binding.key, app.get_key_display(binding), binding.description, True)
                for binding in Binding.make_bindings(app.BINDINGS)
                if binding.priority and binding.show and app.check_action(binding.action, ())
            ]
            app_keys = [*priority, *app_keys]
        return list(keys.values()), [*app_keys, *([palette] if palette else [])]

    def show_keys(self, keys: list[ShownKey], app_keys: list[ShownKey]) -> None:
        if (keys, app_keys) != (self.keys, self.app_keys):
            self.keys, self.app_keys = keys, app_keys
            self.refresh()  # a repaint: the bar's size does not change

    def _piece(self, key: ShownKey) -> Content:
        hovered = " on $block-hover-background" if key.key == self._hovered else ""
        dim = "" if key.enabled else " dim"
        return Content.assemble(
            ("│" if key.divided else "", "$foreground 20%"),
            (f" {key.display} ", f"bold $footer-key-foreground{hovered}{dim}"),
            (f"{key.description} " if key.description else "", f"{hovered}{dim}".strip()),
        )

    def _working(self) -> tuple[Content, Content, bool]:
        """What the user waits for (the app's progress: its label, and what keys do
        meanwhile), and whether the screen's keys still work meanwhile; empty when
        nothing is shown."""
        progress: Progress | None = getattr(self.app, "progress", None)
        current = progress.current if progress is not None else None
        if current is None:
            return Content(""), Content(""), True
        frame, work = current
        label = Content.assemble((f" {frame} {work.label} ", "bold $accent"))
        meanwhile = Content.assemble((work.meanwhile or "", "italic"))
        return label, meanwhile, work.meanwhile is None

    @staticmethod
    def _progress_line(label: Content, meanwhile: Content, width: int) -> Content:
        """*label* and *meanwhile* in *width* columns: what does not fit is cut short
        with …, and *meanwhile* is left out when only a stub of it would show."""
        if label.cell_length + min(meanwhile.cell_length, MIN_MEANWHILE) > width:
            if label.cell_length <= width:
                return label
            return label.rstrip().truncate(width, ellipsis=True)
        return (label + meanwhile).truncate(width, ellipsis=True)

    def render(self) -> Content:
        # What the user waits for, if anything; Quit and Help, then the screen's keys
        # that fit (whole), then the palette's key if there is still room: Help lists
        # every key.
        width = self.size.width
        right = [(key, self._piece(key)) for key in self.app_keys if not key.divided]
        palette = [(key, self._piece(key)) for key in self.app_keys if key.divided]
        label, meanwhile, keys_work = self._working()
        # Quit and Help keep their place while something is waited for: the progress
        # line takes the room left of them, down to MIN_WORKING columns of its label.
        least = min(label.cell_length, MIN_WORKING)
        right_width = sum(piece.cell_length for _, piece in right)
        while right and right_width > width - least:
            right_width -= right.pop()[1].cell_length
        working = Content("")
        if label.cell_length:
            working = self._progress_line(label, meanwhile, width - right_width)
        room = width - working.cell_length - right_width
        left: list[tuple[ShownKey, Content]] = []
        for key in self.keys if keys_work else []:
            piece = self._piece(key)
            if piece.cell_length <= room:
                left.append((key, piece))
                room -= piece.cell_length
        if palette and palette[0][1].cell_length <= room:
            right += palette
            room -= palette[0][1].cell_length
        line, self._spans = working, []
        for index, (key, piece) in enumerate([*left, *right]):
            if index == len(left):
                line += Content(" " * room)
            self._spans.append((line.cell_length, line.cell_length + piece.cell_length, key))
            line += piece
        return line

    def _key_at(self, x: int) -> ShownKey | None:
        return next((key for start, end, key in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        key = self._key_at(event.x)
        hovered = key.key if key is not None else None
        if hovered != self._hovered:
            self._hovered = hovered
            self.refresh()

    def on_leave(self) -> None:
        if self._hovered is not None:
            self._hovered = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self._key_at(event.x)
        if key is None:
            return
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()


class FormButton(Widget, can_focus=True):
    """A one-line button, drawn as Textual's compact Button is, for the sign-in form.

    Textual's Button brings 7 KB of CSS (every variant, flat and ANSI styles) that the
    first screen would parse before its first paint: 46 M instructions, 4% of the start
    (issue K). This one has the rules the form uses. Enter, space or a click presses it;
    a disabled one ignores all three. It posts :class:`FormButton.Pressed`.
    """

    DEFAULT_CSS = """
    FormButton {
        width: auto;
        min-width: 16;
        height: 1;
        padding: 0 1;
        content-align: center middle;
        text-align: center;
        pointer: pointer;
        text-style: bold;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        color: $button-foreground;
        background: $surface;
        &:hover { background: $surface-darken-1; }
        &:focus {
            text-style: $button-focus-text-style;
            background-tint: $foreground 5%;
        }
        &.-primary {
            color: $button-color-foreground;
            background: $primary;
            &:hover { background: $primary-darken-2; }
        }
        &:disabled {
            text-opacity: 0.6;
            pointer: not-allowed;
        }
    }
    """

    ALLOW_SELECT = False  # a drag or a double click selects no text, as on Button

    BINDINGS = [
        Binding("enter", "press", "Press", show=False),
        Binding("space", "press", "Press", show=False),
    ]

    label: reactive[str] = reactive("", layout=True)

    class Pressed(Message):
        """The button was pressed (its ``button`` is the :attr:`control`)."""

        def __init__(self, button: FormButton) -> None:
            super().__init__()
            self.button = button

        @property
        def control(self) -> FormButton:
            return self.button

    def __init__(
        self, label: str, *, primary: bool = False, id: str | None = None, classes: str = ""
    ) -> None:
        super().__init__(id=id, classes=f"{classes} -primary" if primary else classes)
        self.set_reactive(FormButton.label, label)

    def render(self) -> Content:
        return Content(self.label)  # plain text: a label is never markup

    def press(self) -> None:
        if not self.disabled:
            self.post_message(self.Pressed(self))

    def action_press(self) -> None:
        self.press()

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.press()


class FormCheck(Widget, can_focus=True):
    """A one-line check box, "[x] label" or "[ ] label", for the sign-in form (Textual's
    Checkbox costs its CSS before the first paint, and its compact look shows an X
    whether it is ticked or not). Space or a click ticks or clears it."""

    DEFAULT_CSS = """
    FormCheck {
        width: auto;
        height: 1;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        pointer: pointer;
        &:focus { text-style: $button-focus-text-style; }
        &:hover { background: $surface-darken-1; }
    }
    """

    ALLOW_SELECT = False
    BINDINGS = [Binding("space", "tick", "Tick", show=False)]

    value: reactive[bool] = reactive(False)

    def __init__(
        self, label: str, value: bool = False, *, id: str | None = None, classes: str = ""
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.label = label
        self.set_reactive(FormCheck.value, value)

    def render(self) -> Content:
        return Content(f"[{'x' if self.value else ' '}] {self.label}")

    def action_tick(self) -> None:
        self.value = not self.value

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.action_tick()
