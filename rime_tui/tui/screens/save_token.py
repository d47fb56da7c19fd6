"""Ask where to save a token; the file is created 0600 and never overwritten."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from rime_tui.paths import write_private
from rime_tui.tui.screens.base import Dialog
from rime_tui.tui.widgets import TextInput


def default_token_path(name: str) -> Path:
    slug = "".join(c if c.isalnum() or c in "-_" else "-" for c in name.lower()).strip("-")
    return Path("~") / f"rime-api-token-{slug[:40] or 'token'}.txt"


def save_token_file(path: Path, token: str) -> Path:
    """Write *token* to a new file with mode 0600. Raises FileExistsError, OSError."""
    path = path.expanduser()
    write_private(path, token + "\n", overwrite=False)
    return path


class SaveTokenScreen(Dialog[Path | None]):
    """Answers the path written, or None when cancelled."""

    AUTO_FOCUS = "#path"
    FRAME = "save"
    heading = "Save the token to a file"

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, token: str, name: str) -> None:
        super().__init__()
        self._token: str | None = token
        self.default = default_token_path(name)

    def body(self) -> ComposeResult:
        yield Static("The file is created readable by you only (mode 0600).")
        yield TextInput(str(self.default), id="path")
        yield Static("", id="save-error", classes="error", markup=False)
        with Horizontal(classes="buttons"):
            yield Button("Save", id="save-button", variant="primary")
            yield Button("Cancel", id="cancel")

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#save-button")
    def _save(self) -> None:
        raw = self.query_one("#path", Input).value.strip()
        error = self.query_one("#save-error", Static)
        if not raw or self._token is None:
            error.update("Enter a file path.")
            return
        try:
            path = save_token_file(Path(raw), self._token)
        except FileExistsError:
            error.update(f"{raw} already exists; choose another path (nothing was overwritten).")
            return
        except OSError as exc:
            error.update(f"Could not write {raw}: {exc.strerror or exc}.")
            return
        self._token = None
        self.dismiss(path)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self._token = None
        self.dismiss(None)
