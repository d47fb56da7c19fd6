"""The confirmation dialog that shows a new token once, with Copy to Clipboard."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Collapsible, Static, TextArea

from rime_tui.tui.clipboard import copied_message, copy
from rime_tui.tui.errors import describe
from rime_tui.tui.screens.base import Dialog
from rime_tui.tui.screens.save_token import SaveTokenScreen
from rime_tui.tui.text import one_line


class TokenCreatedScreen(Dialog[None]):
    """Shows the secret of a token just created; after closing, nothing holds it."""

    DEFAULT_CSS = """
    TokenCreatedScreen {
        #created-body {
            height: auto;
            max-height: 20;
        }
        #token-row {
            height: auto;
            margin-top: 1;
        }
        #token {
            width: 1fr;
            height: 3;
            border: round $accent !important;  /* over the compact TextArea's none */
        }
        #warning {
            color: $warning;
            margin-top: 1;
        }
        #test-result {
            height: auto;
            margin-top: 1;
        }
        .snippet-head {
            height: auto;
        }
        .snippet-title {
            width: 1fr;
            padding: 1 0 0 0;
        }
        .snippet {
            height: auto;
            max-height: 12;
        }
    }
    """
    AUTO_FOCUS = "#copy"
    FRAME = "created"
    heading = "API access token created"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy", "Copy"),
        Binding("w", "save", "Save to file"),
        Binding("v", "test", "Test token"),
        Binding("escape", "done", "Done"),
    ]

    def __init__(self, token: str, name: str, cluster_url: str) -> None:
        super().__init__()
        self._token: str | None = token
        self.token_name = name
        self.cluster_url = cluster_url

    @property
    def token(self) -> str:
        return self._token or ""

    def body(self) -> ComposeResult:
        with VerticalScroll(id="created-body"):
            yield Static(Content.assemble("Token Name: ", (one_line(self.token_name), "bold")))
            with Horizontal(id="token-row"):
                yield TextArea(self.token, read_only=True, id="token", soft_wrap=True, compact=True)
                yield Button("⧉ Copy to Clipboard", id="copy", variant="primary")
            yield Static(
                "⚠ This is the only time this token is shown. Copy it or save it to a file "
                "now, and keep it somewhere secure.",
                id="warning",
            )
            with Horizontal(classes="buttons"):
                yield Button("Save to file (w)", id="save")
                yield Button("Test token (v)", id="test")
                yield Button("Done (Esc)", id="done")
            yield Static("", id="test-result")
            with Collapsible(title="Use it: SDK · requests · curl", id="use-it"):
                yield Static("", id="snippets-placeholder")

    @on(Collapsible.Expanded, "#use-it")
    async def _show_snippets(self) -> None:
        """The snippets are built on first expansion, keeping the dialog quick to open."""
        from rime_tui.snippets import snippets

        placeholder = self.query("#snippets-placeholder")
        if not placeholder or self._token is None:
            return
        collapsible = self.query_one("#use-it", Collapsible)
        widgets = []
        for snippet in snippets(self.cluster_url, self._token):
            key = snippet.title.lower()
            widgets += [
                Horizontal(
                    Static(f"[b]{snippet.title}[/b]", classes="snippet-title"),
                    Button(f"Copy {snippet.title}", id=f"copy-{key}", classes="snippet-copy"),
                    classes="snippet-head",
                ),
                TextArea(
                    snippet.code,
                    language=None,
                    read_only=True,
                    classes="snippet",
                    id=f"snippet-{key}",
                    soft_wrap=True,
                ),
            ]
        await placeholder.remove()
        await collapsible.query_one(Collapsible.Contents).mount_all(widgets)

    # -- actions ------------------------------------------------------------------------

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        self.copy_text(self.token, "the token")

    @on(Button.Pressed, ".snippet-copy")
    def _copy_snippet(self, event: Button.Pressed) -> None:
        key = (event.button.id or "").removeprefix("copy-")
        area = self.query_one(f"#snippet-{key}", TextArea)
        self.copy_text(area.text, f"the {key} example")

    @work(group="copy", exit_on_error=False)
    async def copy_text(self, text: str, what: str) -> None:
        if not text:
            return
        via = await copy(self.app, text)
        self.notify(copied_message(what, via), title="Copied")

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self._token is None:
            return

        def saved(path: Path | None) -> None:
            if path is not None:
                self.notify(f"Saved the token to {path} (mode 0600).", title="Saved", markup=False)

        self.rime.open_dialog(SaveTokenScreen(self._token, self.token_name), saved)

    @on(Button.Pressed, "#test")
    def action_test(self) -> None:
        self.test_token()

    @work(exclusive=True, group="test", exit_on_error=False)
    async def test_token(self) -> None:
        result = self.query_one("#test-result", Static)
        result.update("Testing: GET /v1/rime-info with the new token…")
        try:
            async with self.rime.new_client(self.cluster_url, api_token=self.token) as client:
                info = await client.rime_info()
        except Exception as exc:
            result.update(
                Content.assemble(("✗ The token did not work:", "red"), " ", describe(exc))
            )
            return
        result.update(
            Content.assemble(
                ("✓ The token works:", "green"),
                " GET /v1/rime-info answered 200 "
                f"(customer {one_line(info.customer_name) or '—'}, "
                f"version {one_line(info.cluster_info_version) or '—'}).",
            )
        )

    @on(Button.Pressed, "#done")
    def action_done(self) -> None:
        self._forget()
        self.dismiss(None)

    def _forget(self) -> None:
        """Drop every copy of the secret this dialog holds."""
        self._token = None
        for area in self.query(TextArea):
            area.text = ""

    def on_unmount(self) -> None:
        self._token = None
