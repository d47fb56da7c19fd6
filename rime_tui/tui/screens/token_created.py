"""The dialog that shows a new token once: copy it, save it, test it, see how to use it.

One dialog per app, built on the first create and shown again for every token after
(building it is most of the time between Enter and the dialog on screen). Each time
it closes it forgets the secret: no widget holds it while it is hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from rime_tui.tui.clipboard import (
    COPY_AT_MOST,
    Copied,
    copied_message,
    copy,
    not_copied_warning,
)
from rime_tui.tui.errors import describe
from rime_tui.tui.screens.base import Dialog, unless_quitting
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.save_token import SaveTokenScreen
from rime_tui.tui.text import one_line

if TYPE_CHECKING:
    from rime_tui.tui.app import RimeApp

SNIPPETS = ("SDK", "requests", "curl")
COPY_WAIT_AT_MOST = COPY_AT_MOST + 1.0  # keys typed after `c` wait for its answer
NOT_KEPT = "The token will not be shown again. Close anyway? y/n"


class TokenCreatedScreen(Dialog[None]):
    """Shows the secret of a token just created; after closing, nothing holds it."""

    DEFAULT_CSS = """
    TokenCreatedScreen {
        #created.use-it {
            height: 100%;
        }
        #created-name {
            height: auto;
        }
        #token {
            width: 100%;
            height: auto;
            border: round $accent;
            text-style: bold;
        }
        #warning {
            color: $warning;
        }
        .buttons Button {
            min-width: 10;
        }
        &.-narrow .buttons {
            layout: grid;
            grid-size: 2;
            grid-rows: 3;
            grid-gutter: 0 1;
        }
        &.-narrow .buttons Button {
            width: 1fr;
            margin: 0;
        }
        /* Too narrow for a button's label: the keys (on the key bar) do what they did. */
        &.-tiny .buttons {
            display: none;
        }
        /* The token wraps: its lines hold its characters only, edge to edge, so that a
           terminal's selection of them is the token (no box, no frame beside it). */
        &.-wraps > .dialog {
            width: 100%;
            border-left: none;
            border-right: none;
            padding: 0;
        }
        &.-wraps #token {
            border: none;
        }
        #test-result {
            display: none;
            height: auto;
            margin-top: 1;
        }
        #snippets {
            display: none;
            height: 1fr;
        }
        #created.use-it #snippets {
            display: block;
        }
        .snippet-head {
            height: auto;
            margin-top: 1;
        }
        .snippet-title {
            width: 1fr;
            text-style: bold;
        }
        .snippet {
            height: auto;
            background: $surface;
        }
    }
    """
    # Under 56 columns the four buttons go two by two; under 24 a label would have no
    # room (Textual fails on a button 0 cells wide), and the buttons give way to the keys.
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (24, "-narrow"), (56, "-wide")]
    FRAME_WIDTH = 78  # Dialog's frame, at most
    BOXED_CHROME = 6  # cells beside a boxed token: the frame's border and padding, the box's
    AUTO_FOCUS = "#copy"
    FRAME = "created"
    heading = "API access token created"
    ROTATED = "API access token rotated"  # the heading over a rotated token's new secret

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "done", "Done"),  # first, as Back is on the pages: always shown
        Binding("c", "copy", "Copy"),
        Binding("w", "save", "Save to file"),
        Binding("v", "test", "Test token"),
        Binding("u", "use_it", "Use it"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._token: str | None = None
        self.token_name = ""
        self.cluster_url = ""
        self.kept = False  # copied (and read back) or saved: closing loses nothing
        self.sent: Copied | None = None  # the last copy not read back (OSC 52)
        self._copying_now = False  # a copy has not answered yet
        self._after_copy: Callable[[], object] | None = None  # a close that waits for it
        self._after_shown: list[Callable[[], object]] = []  # see after_shown

    @classmethod
    def reused(cls, app: RimeApp) -> TokenCreatedScreen:
        """The app's one token dialog (installed, so that closing it keeps it built)."""
        name = cls.__name__
        if app.is_screen_installed(name):
            dialog = app.get_screen(name)
            assert isinstance(dialog, cls)
            return dialog
        dialog = cls()
        app.install_screen(dialog, name)
        return dialog

    def show_token(
        self, token: str, name: str, cluster_url: str, *, rotated: bool = False
    ) -> TokenCreatedScreen:
        """Fill the dialog with a new token (or a rotated one's new secret) before it is
        opened."""
        self._token, self.token_name, self.cluster_url = token, name, cluster_url
        heading = self.ROTATED if rotated else type(self).heading
        if heading != self.heading:  # (a title changed only when it must: a layout pass)
            self.heading = heading
            if self.is_mounted:
                self.query_one(".dialog-title", Static).update(heading)
        self.kept, self.sent = False, None
        self._copying_now, self._after_copy = False, None
        if self.is_mounted:
            self._fill()
        else:  # styled as it mounts: a class set later would restyle every node again
            self._fit_token(restyle=False)
        return self

    def after_shown(self, callback: Callable[[], object]) -> None:
        """Call *callback* once this dialog is on screen (after the frame that shows it),
        or as soon as it is covered or closed, if that comes first. What the page under
        the dialog does about the new token (list it, clear the form, move the focus)
        restyles and lays out that page: done before the first frame, it delayed the
        secret on screen by several milliseconds (``bench_tui --only create``)."""
        self._after_shown.append(callback)
        if self.is_current:  # on top (just pushed, or showing another secret)
            self.call_after_refresh(self._shown)

    # (Textual calls BaseScreen's handlers of these events too.)
    def on_screen_resume(self) -> None:
        # The secret's frame writes every cell, as Textual would, not only those that
        # changed: whatever the terminal made of earlier frames, the token is whole.
        self.rime.mirror.forget()
        if self._after_shown:
            self.call_after_refresh(self._shown)  # on top now: after this dialog's frame

    def on_screen_suspend(self) -> None:
        self._shown()  # covered or closed before its frame: the page catches up at once

    def _shown(self) -> None:
        callbacks, self._after_shown = self._after_shown, []
        for callback in callbacks:
            callback()

    @property
    def token(self) -> str:
        return self._token or ""

    def body(self) -> ComposeResult:
        yield Static(id="created-name")
        # Boxed on one line; when it must wrap, edge to edge without a box (_fit_token):
        # every character is on screen and a selection of its lines gets the token only.
        yield Static(id="token", markup=False)
        yield Static(
            "⚠ This is the only time this token is shown. Copy it or save it to a file "
            "now, and keep it somewhere secure.",
            id="warning",
        )
        with Horizontal(classes="buttons"):
            yield Button("Copy (c)", id="copy", variant="primary")
            yield Button("Save (w)", id="save")
            yield Button("Test (v)", id="test")
            yield Button("Done (Esc)", id="done")
        yield Static("", id="test-result")
        yield Static(id="use-it-title")
        # Built on the first `u`, below the token: they scroll, the token stays.
        yield VerticalScroll(id="snippets")

    @unless_quitting
    def on_mount(self) -> None:
        self._fill()

    def _fill(self) -> None:
        self.query_one("#created-name", Static).update(
            Content.assemble("Token Name: ", (one_line(self.token_name), "bold"))
        )
        self.query_one("#token", Static).update(self.token)
        self._fit_token()
        self.query_one("#test-result", Static).display = False
        self._show_use_it(False)
        self.query_one("#copy", Button).focus()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_token(event.size.width)

    def _fit_token(self, width: int | None = None, *, restyle: bool = True) -> None:
        """Box the token when it fits on one line in its box; else let it wrap unboxed."""
        room = min(self.FRAME_WIDTH, width or self.app.size.width) - self.BOXED_CHROME
        self.update_classes({"-wraps": cell_len(self.token) > room}, update=restyle)

    def _show_use_it(self, shown: bool) -> None:
        self.query_one("#created", Vertical).set_class(shown, "use-it")
        arrow = "▼" if shown else "▶"
        self.query_one("#use-it-title", Static).update(f"{arrow} Use it: SDK · requests · curl (u)")

    # -- actions ------------------------------------------------------------------------

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        self.copy_text(self.token, "the token")

    async def action_use_it(self) -> None:
        shown = not self.query_one("#created", Vertical).has_class("use-it")
        if shown and self._token is not None:
            await self._fill_snippets(self._token)
        self._show_use_it(shown)

    async def _fill_snippets(self, token: str) -> None:
        from rime_tui.snippets import snippets

        scroll = self.query_one("#snippets", VerticalScroll)
        if not scroll.children:
            await scroll.mount_all(
                widget
                for title in SNIPPETS
                for widget in (
                    Horizontal(
                        Static(title, classes="snippet-title", markup=False),
                        Button(f"Copy {title}", id=f"copy-{title.lower()}", classes="snippet-copy"),
                        classes="snippet-head",
                    ),
                    Static(id=f"snippet-{title.lower()}", classes="snippet", markup=False),
                )
            )
        for snippet in snippets(self.cluster_url, token):
            self.query_one(f"#snippet-{snippet.title.lower()}", Static).update(snippet.code)

    @on(Button.Pressed, ".snippet-copy")
    def _copy_snippet(self, event: Button.Pressed) -> None:
        from rime_tui.snippets import snippets

        title = (event.button.id or "").removeprefix("copy-")
        for snippet in snippets(self.cluster_url, self.token):
            if snippet.title.lower() == title:
                self.copy_text(snippet.code, f"the {snippet.title} example")

    def copy_text(self, text: str, what: str) -> None:
        """Copy *text* (the token, or an example holding it); only a copy read back
        counts as kept. Keys typed meanwhile (`c Esc`) wait for the answer."""
        if text:
            self.rime.hold_keys(self._copying, COPY_WAIT_AT_MOST)
            self._copying_now = True
            self._copy(text, what)

    @work(exclusive=True, group="copy", exit_on_error=False)
    async def _copy(self, text: str, what: str) -> None:
        try:
            copied = await copy(self.app, text)
        except Exception:
            if self._shows(text):  # a close waiting for it asks (handle_error says why)
                self._copy_answered()
            raise
        finally:
            self.rime.release_keys(self._copying)
        if not self._shows(text):
            return  # the dialog closed, or shows another token, meanwhile
        self.kept = self.kept or copied.confirmed
        self.sent = self.sent if copied.confirmed else copied
        title, message = copied_message(what, copied)
        self.notify(
            message,
            title=title,
            severity="information" if copied.confirmed else "warning",
            timeout=10,
            markup=False,
        )
        self._copy_answered()

    def _shows(self, text: str) -> bool:
        """Whether *text* (the token, or an example holding it) is this dialog's now."""
        return self._token is not None and self._token in text

    def _copy_answered(self) -> None:
        """The copy answered: a close that waited for it goes on, knowing what the copy
        did (closes if it was read back, else asks and says why)."""
        self._copying_now = False
        then, self._after_copy = self._after_copy, None
        if then is not None:
            self.before_closing(then)

    @property
    def _copying(self) -> tuple[str, TokenCreatedScreen]:
        return ("copying", self)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self._token is None:
            return

        def saved(path: Path | None) -> None:
            if path is not None:
                self.kept = True
                self.notify(f"Saved the token to {path} (mode 0600).", title="Saved", markup=False)

        self.rime.open_dialog(SaveTokenScreen(self._token, self.token_name), saved)

    @on(Button.Pressed, "#test")
    def action_test(self) -> None:
        self.test_token()

    @work(exclusive=True, group="test", exit_on_error=False)
    async def test_token(self) -> None:
        result = self.query_one("#test-result", Static)
        result.update("Testing: GET /v1/rime-info with the new token…")
        result.display = True
        try:
            async with self.rime.new_client(self.cluster_url, api_token=self.token) as client:
                info = await client.rime_info()
        except Exception as exc:
            result.update(
                Content.assemble(("✗ The token did not work:", "$error"), " ", describe(exc))
            )
            return
        result.update(
            Content.assemble(
                ("✓ The token works:", "$success"),
                " GET /v1/rime-info answered 200 "
                f"(customer {one_line(info.customer_name) or '—'}, "
                f"version {one_line(info.cluster_info_version) or '—'}).",
            )
        )

    @on(Button.Pressed, "#done")
    def action_done(self) -> None:
        self.before_closing(self._close)

    def unkept(self) -> str | None:
        if self.kept or self._token is None:
            return None
        # Printed once the terminal is back (a signal ended the app): as the CLI does,
        # a secret made is delivered; the token could not be used without it.
        return (
            f"the new token “{one_line(self.token_name)}” was on screen, not copied or "
            f"saved. Its secret, shown once and stored nowhere (keep it now):\n{self._token}"
        )

    def before_closing(self, then: Callable[[], object]) -> None:
        """Until the token was copied or saved, closing (or quitting) asks first. While
        a copy has not answered (Esc after `c`, once keys stop waiting for it, or a click
        on Done), the close waits for its answer: what to ask depends on it."""
        if self.unkept() is None:
            then()
            return
        if self._copying_now:
            if self._after_copy is None:
                self.notify("Closing once the copy answers…", timeout=3, markup=False)
            self._after_copy = then
            return

        def decided(close: bool | None) -> None:
            if close:
                then()

        message = NOT_KEPT if self.sent is None else f"{not_copied_warning(self.sent)} {NOT_KEPT}"
        if self.sent is not None:  # the question says what the copy's notice said, which
            self.app.clear_notifications()  # would cover its buttons on a narrow terminal
        self.rime.open_dialog(
            ConfirmScreen(
                "Close without keeping the token?", message, confirm="Close", asked_first=True
            ),
            decided,
        )

    def _close(self) -> None:
        self._forget()
        self.dismiss(None)

    def _forget(self) -> None:
        """Drop every copy of the secret this dialog holds."""
        self._token = None
        self.workers.cancel_group(self, "test")
        for static in self.query("#token, #test-result, .snippet").results(Static):
            static.update("")

    def on_unmount(self) -> None:
        self._token = None
