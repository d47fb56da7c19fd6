"""API Access Tokens: create a token by name, see and delete the workspace's tokens."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Footer, Header, Input, Select, Static

from rime_tui.tui.limits import CONTROL_CHARACTERS, MAX_NAME_LENGTH
from rime_tui.tui.screens.base import REFRESH, WorkspaceScreen
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.text import one_line
from rime_tui.tui.widgets import TextInput

if TYPE_CHECKING:
    from rime_tui.wire.models import ApiTokenInfo, CreateApiTokenResponse, Workspace

EXPIRY_CHOICES = [270, 180, 90, 30, 7, 1]
SOON_DAYS = 30


def expiry_text(expires: datetime | None, now: datetime) -> Text:
    """``2027-08-25 in 270 days``; yellow under 30 days, red once expired."""
    if expires is None:
        return Text("—")
    days = (expires - now).total_seconds() / 86400
    date = expires.astimezone(UTC).strftime("%Y-%m-%d")
    if days <= 0:
        return Text(f"{date} expired", style="bold red")
    whole = math.ceil(days)
    when = "within a day" if days < 1 else "in 1 day" if whole == 1 else f"in {whole} days"
    return Text(f"{date} {when}", style="bold yellow" if days < SOON_DAYS else "")


def validate_name(name: str) -> str | None:
    """Why *name* cannot be a token name, or None; checked before any request."""
    if not name:
        return "Enter a token name first."
    if len(name) > MAX_NAME_LENGTH:
        return f"The name is {len(name)} characters long; at most {MAX_NAME_LENGTH} are allowed."
    if any(c in CONTROL_CHARACTERS for c in name):
        return "The name must not contain control characters (tabs, newlines)."
    return None


class TokensScreen(WorkspaceScreen):
    """The API Access Tokens page."""

    DEFAULT_CSS = """
    TokensScreen {
        #create-row {
            height: auto;
            margin: 1 1 0 1;
        }
        #token-name {
            width: 1fr;
        }
        #expiry {
            width: 16;
        }
        #create {
            min-width: 16;
        }
        #tokens {
            height: 1fr;
            margin: 0 1;
        }
    }
    """

    AUTO_FOCUS = "#tokens"
    PAGE = "API Access Tokens"
    FIELD_ACTIONS = frozenset({"focus_name"})
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: handled before the key reaches the focused table, so that keys
        # typed right after `n` (a paste, a fast typist) land in the field.
        Binding("n", "focus_name", "New token", priority=True),
        Binding("d", "delete", "Delete"),
        Binding("delete", "delete", "Delete", show=False),
        REFRESH,
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self.tokens: list[ApiTokenInfo] = []
        self.owners: dict[str, str] = {}
        self._creating = False

    @property
    def shows_owner(self) -> bool:
        return self.session.org_admin

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="create-row"):
            yield TextInput(
                placeholder="Token Name",
                id="token-name",
                max_length=MAX_NAME_LENGTH,
                join_lines=True,
            )
            yield Select(
                [(f"{d} days", d) for d in EXPIRY_CHOICES],
                value=EXPIRY_CHOICES[0],
                allow_blank=False,
                id="expiry",
                tooltip="Expires after",
            )
            yield Button("Create Token", id="create", variant="primary")
        yield Static("", id="error", classes="error", markup=False)
        table: DataTable[str | Text] = DataTable(id="tokens", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="status", classes="status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#tokens", DataTable)
        # The name gets what the fixed columns leave (each column pads 2 cells; 4 for
        # the table's margin and scrollbar), so 80 columns fit.
        owner = 12 if self.shows_owner else 0
        fixed = owner + 5 + 10 + 22 + 2 * (5 if owner else 4) + 4
        table.add_column("Name", key="name", width=max(12, self.app.size.width - fixed))
        if self.shows_owner:
            table.add_column("Owner", key="owner", width=owner)
        table.add_column("Token", key="suffix", width=5)
        table.add_column("Created", key="created", width=10)
        table.add_column("Expires", key="expires", width=22)
        super().on_mount()

    # -- listing --------------------------------------------------------------------

    async def fetch(self) -> None:
        client = self.session.client
        ws_id = self.workspace.workspace_id.uuid
        table = self.query_one("#tokens", DataTable)
        table.loading = not self.tokens
        try:
            if self.shows_owner and not self.owners:
                self.owners = {
                    m.user_detail.id.uuid: m.user_detail.display_name
                    async for m in client.iter_workspace_members(ws_id, page_size=500)
                }
            self.tokens = [t async for t in client.iter_api_tokens(ws_id, page_size=500)]
        finally:
            table.loading = False
        self.session.resolve_user_id(self.tokens)
        self._show_tokens()

    def _show_tokens(self) -> None:
        table = self.query_one("#tokens", DataTable)
        keep = table.cursor_row
        table.clear()
        now = self.rime.now()
        me = self.session.user_id
        for token in self.tokens:
            name = Text(one_line(token.name))
            if self.session.is_own_token(token):
                name.append(" (this session)", style="italic dim")
            row: list[str | Text] = [name]
            if self.shows_owner:
                owner = "you" if token.user_id == me else self.owners.get(token.user_id, "—")
                row.append(Text(one_line(owner)))
            created = token.creation_time.strftime("%Y-%m-%d") if token.creation_time else "—"
            row += [
                Text(f"…{one_line(token.suffix)}"),
                created,
                expiry_text(token.expiration_time, now),
            ]
            table.add_row(*row, key=token.id.uuid)
        if self.tokens:
            table.move_cursor(row=min(keep, len(self.tokens) - 1))
        count = len(self.tokens)
        scope = "in this workspace" if self.shows_owner else "of yours in this workspace"
        self.query_one("#status", Static).update(
            f"{count} token{'s' if count != 1 else ''} {scope}."
            if count
            else "No API tokens yet. Type a Token Name and press Enter to create one."
        )

    def selected(self) -> ApiTokenInfo | None:
        table = self.query_one("#tokens", DataTable)
        if not self.tokens or not table.row_count:
            return None
        return self.tokens[table.cursor_row]

    # -- creating -------------------------------------------------------------------

    def action_focus_name(self) -> None:
        self.set_focus(self.query_one("#token-name", Input))

    def show_error(self, message: str) -> None:
        error = self.query_one("#error", Static)
        if str(error.content) != message:  # no layout pass per key typed in the name
            error.update(message)

    @on(Input.Submitted, "#token-name")
    @on(Button.Pressed, "#create")
    def _create_pressed(self) -> None:
        # One create at a time: the flag is set before the worker starts, so a second
        # Enter queued right behind the first does nothing.
        if self._creating:
            return
        self._creating = True
        self.rime.hold_keys(self.create)  # keys typed after Enter are for the token dialog
        self.create()

    @on(Input.Changed, "#token-name")
    def _name_changed(self) -> None:
        self.show_error("")

    # Not exclusive: cancelling a create in flight could lose a token the server made.
    @work(group="create", exit_on_error=False)
    async def create(self) -> None:
        try:
            field = self.query_one("#token-name", Input)
            name = field.value.strip()
            problem = validate_name(name)
            if problem:
                self.show_error(problem)
                field.focus()
                return
            expiry = self.query_one("#expiry", Select).value
            days = expiry if isinstance(expiry, int) else None
            created: CreateApiTokenResponse = await self.session.client.create_api_token(
                name, self.workspace.workspace_id.uuid, expiry_days=days
            )
            dialog = TokenCreatedScreen.reused(self.rime)
            dialog.show_token(created.full_api_token, name, self.session.client.cluster_url)
            self.rime.open_dialog(dialog, self._modal_closed)
            field.value = ""  # under the dialog: after the push, so the dialog comes first
        finally:
            self._creating = False
            self.rime.release_keys(self.create)

    def _modal_closed(self, _: object) -> None:
        # Back on the list, where the new token's suffix shows and the keys work.
        self.set_focus(self.query_one("#tokens", DataTable))
        self.load()

    # -- deleting -------------------------------------------------------------------

    def action_delete(self) -> None:
        token = self.selected()
        if token is None:
            self.notify("No token selected.", severity="warning")
            return
        own = self.session.is_own_token(token)
        name, suffix = one_line(token.name), one_line(token.suffix)
        message = f"Delete the API token “{name}” (…{suffix})? Programs using it stop working."
        if own:
            message += (
                "\n\nWarning: this session signed in with this token; you will be signed out."
            )

        def decided(ok: bool | None) -> None:
            if ok:
                self.rime.hold_keys(self.delete)  # keys typed after y wait for the delete
                self.delete(token, own)

        self.rime.open_dialog(
            ConfirmScreen("Delete API token", message, confirm="Delete", danger=True), decided
        )

    @work(exclusive=True, group="delete", exit_on_error=False)
    async def delete(self, token: ApiTokenInfo, own: bool) -> None:
        try:
            await self.session.client.delete_api_token(token.id.uuid)
            self.notify(f"Deleted “{one_line(token.name)}”.", markup=False)
            if own:
                await self.rime.sign_out()
                return
        finally:
            self.rime.release_keys(self.delete)
        self.load()
