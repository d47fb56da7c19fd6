"""API Access Tokens: create a token by name, see and delete the workspace's tokens."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Header, Input, Select, Static

from rime_tui.tui.limits import MAX_EXPIRY_DAYS, MAX_NAME_LENGTH, TOKEN_LIMIT, refused_at
from rime_tui.tui.screens.base import REFRESH, WorkspaceScreen, unless_quitting
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.table import Cell, Column, FitTable, Row, Tagged, clip
from rime_tui.tui.text import one_line
from rime_tui.tui.widgets import KeyBar, TextInput
from rime_tui.words import plural

if TYPE_CHECKING:
    from rime_tui.api.tokens import Listed
    from rime_tui.wire.models import ApiTokenInfo, CreateApiTokenResponse, Workspace

STATUS_NAME_CELLS = 40  # of a token's name in the status line (a cluster's may be long)
EXPIRY_CHOICES = [MAX_EXPIRY_DAYS, 180, 90, 30, 7, 1]
SOON_DAYS = 30
METER_NEAR = 180  # the instance meter takes the warning colour from here, the error one at 200

# Sorting: `o` walks these columns, each ascending then descending; a click on a
# column's header sorts by it (again: the other way).
SORT_KEYS: dict[str, Callable[[Listed, dict[str, str]], Any]] = {
    "name": lambda r, _: r.token.name.casefold(),
    "owner": lambda r, owners: owners.get(r.token.user_id, "").casefold(),
    "workspace": lambda r, _: r.workspace.name.casefold(),
    "suffix": lambda r, _: r.token.suffix,
    "created": lambda r, _: r.token.creation_time or datetime.min.replace(tzinfo=UTC),
    "expires": lambda r, _: r.token.expiration_time or datetime.max.replace(tzinfo=UTC),
}


def expiry_text(expires: datetime | None, now: datetime) -> Text:
    """``2027-08-25 in 270 days``; in the theme's warning colour under 30 days, its error
    colour once expired (the table resolves the ``$`` variables: :class:`FitTable`)."""
    if expires is None:
        return Text("—")
    days = (expires - now).total_seconds() / 86400
    date = expires.astimezone(UTC).strftime("%Y-%m-%d")
    if days <= 0:
        return Text(f"{date} expired", style="bold $error")
    whole = math.ceil(days)
    when = "within a day" if days < 1 else "in 1 day" if whole == 1 else f"in {whole} days"
    return Text(f"{date} {when}", style="bold $warning" if days < SOON_DAYS else "")


def validate_name(name: str) -> str | None:
    """Why *name* cannot be a token name, or None; checked before any request."""
    if not name:
        return "Enter a token name first."
    if len(name) > MAX_NAME_LENGTH:
        return f"The name is {len(name)} characters long; at most {MAX_NAME_LENGTH} are allowed."
    at = refused_at(name)
    if at is not None:
        return (
            "The name must not contain control characters (tabs, newlines) or invisible "
            f"characters; it has U+{ord(name[at]):04X} at position {at + 1}."
        )
    return None


def instance_meter(rows: list[Listed], now: datetime) -> tuple[str, str]:
    """ "N of 200 tokens on this instance (K expired)" and its level: ok, near or full."""
    expired = sum(1 for r in rows if r.expired(now))
    level = "full" if len(rows) >= TOKEN_LIMIT else "near" if len(rows) >= METER_NEAR else "ok"
    return f"{len(rows)} of {TOKEN_LIMIT} tokens on this instance ({expired} expired)", level


def show_meter(meter: Static, rows: list[Listed], now: datetime) -> None:
    """The meter of Overview and API Access Tokens, for the instance's *rows*."""
    text, level = instance_meter(rows, now)
    meter.update(text)
    meter.set_classes(level)


METER_CSS = """
    #meter {
        height: auto;
        color: $text-muted;
        &.near { color: $warning; text-style: bold; }
        &.full { color: $error; text-style: bold; }
    }
"""


class TokensScreen(WorkspaceScreen):
    """The API Access Tokens page."""

    DEFAULT_CSS = (
        """
    TokensScreen {
        #create-row {
            height: auto;
            margin: 1 1 0 1;
        }
        #token-name {
            width: 1fr;
        }
        /* Narrow: Token Name on a row of its own, so that what is typed shows. */
        &.-narrow #create-row {
            layout: grid;
            grid-size: 2;
            grid-columns: 1fr auto;
            grid-rows: 3;
        }
        &.-narrow #token-name {
            column-span: 2;
            width: 100%;
        }
        #expiry {
            width: 16;
        }
        #create {
            min-width: 16;
        }
        #filter {
            margin: 0 1;
        }
        #meter {
            padding: 0 1;
        }
        #tokens {
            height: 1fr;
            margin: 0 1;
        }
    """
        + METER_CSS
        + "}"
    )

    AUTO_FOCUS = "#tokens"
    PAGE = "API Access Tokens"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (56, "-wide")]  # as the token dialog
    FIELD_ACTIONS = frozenset({"focus_name", "filter"})
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: handled before the key reaches the focused table, so that keys
        # typed right after `n` or `/` (a paste, a fast typist) land in the field.
        Binding("n", "focus_name", "New token", priority=True),
        Binding("d", "delete", "Delete"),
        Binding("delete", "delete", "Delete", show=False),
        Binding("R", "rotate", "Rotate"),
        Binding("P", "prune", "Prune"),
        Binding("a", "all_workspaces", "All"),
        Binding("slash", "filter", "Filter", key_display="/", priority=True),
        Binding("o", "sort", "Sort"),
        REFRESH,
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self.rows: list[Listed] = []  # what the list holds, before filter and sort
        self.shown: list[Listed] = []  # what the table shows, row by row
        self.instance: list[Listed] | None = None  # every token (org admins), for the meter
        self._recount = False  # r: the instance's tokens are counted again
        self.owners: dict[str, str] = {}
        self.all_workspaces = False
        self.sort: tuple[str, bool] | None = None  # column key, descending
        self._error = ""
        self._all_owners = False  # every user's name looked up (all workspaces)
        self._others_listed = False  # the list holds other members' tokens

    @property
    def tokens(self) -> list[ApiTokenInfo]:
        """The tokens the table shows, row by row."""
        return [r.token for r in self.shown]

    @property
    def shows_owner(self) -> bool:
        """The Owner column, for whoever may see other members' tokens: org admins, and
        workspace admins (their list holds their members' tokens)."""
        return self.session.org_admin or self._others_listed

    @property
    def shows_meter(self) -> bool:
        return self.session.counts_instance

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
                [(plural(d, "day"), d) for d in EXPIRY_CHOICES],
                value=EXPIRY_CHOICES[0],
                allow_blank=False,
                id="expiry",
                tooltip="Expires after",
            )
            yield Button("Create Token", id="create", variant="primary")
        yield Static("", id="error", classes="error", markup=False)
        yield Static("", id="meter", markup=False)
        yield TextInput(placeholder="Filter by name or owner…", id="filter")
        yield FitTable(id="tokens")
        yield Static("", id="status", classes="status", markup=False)
        yield KeyBar()

    @unless_quitting
    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.query_one("#meter", Static).display = self.shows_meter
        self._set_columns()

    def _set_columns(self) -> None:
        """The columns for who is signed in and what the list shows; the sorted one
        carries an arrow."""
        columns = [Column("name", "Name", 10, flex=True)]
        if self.shows_owner:
            columns.append(Column("owner", "Owner", 12, drop=2))
        if self.all_workspaces:
            columns.append(Column("workspace", "Workspace", 10, drop=1))
        columns += [
            Column("suffix", "Token", 5),
            Column("created", "Created", 10, drop=3),
            Column("expires", "Expires", 23),  # "2027-08-25 within a day"
        ]
        if self.sort is not None:
            key, descending = self.sort
            columns = [
                Column(c.key, f"{c.label} {'▼' if descending else '▲'}", c.width, c.flex, c.drop)
                if c.key == key
                else c
                for c in columns
            ]
        self.query_one("#tokens", FitTable).set_columns(columns)

    # -- listing --------------------------------------------------------------------

    async def fetch(self) -> None:
        """One round trip: the list and its owners' names together (the instance's
        tokens from the session's listing, counted once)."""
        from rime_tui.api.errors import RimeError
        from rime_tui.api.tokens import Listed

        client = self.session.client
        listing = self.session.listing
        if self._recount:
            self._recount = False
            listing.recount()

        async def here() -> list[Listed]:
            ws_id = self.workspace.workspace_id.uuid
            return [
                Listed(t, self.workspace)
                async for t in client.iter_api_tokens(ws_id, page_size=500)
            ]

        async def names() -> None:
            if self.shows_owner:
                await self._name_members()
            else:  # wanted if the list holds others' tokens (a workspace admin's)
                with contextlib.suppress(RimeError):
                    await self._name_members()
            if self.shows_owner and self.all_workspaces:
                await self._name_every_owner()

        rows, _ = await asyncio.gather(listing.get() if self.all_workspaces else here(), names())
        self.rows = list(rows)
        if self.all_workspaces and self.shows_meter:
            self.instance = rows
        me = self.session.resolve_user_id(r.token for r in self.rows)
        if not self._others_listed and any(r.token.user_id != me for r in self.rows):
            self._others_listed = True  # a workspace admin: say whose each token is
            self._set_columns()
            await self._name_members()
        self._show_tokens()
        self._show_meter()
        if self.shows_meter and not self.all_workspaces:
            self.count_instance()
        else:  # the expiry notice's, in this page's round trip
            listing.start()

    def action_refresh(self) -> None:
        self._recount = True  # r counts the instance's tokens again too
        super().action_refresh()

    async def _name_members(self) -> None:
        """The names of this workspace's members, for the Owner column (once)."""
        if self.owners:
            return
        self.owners = {
            m.user_detail.id.uuid: m.user_detail.display_name
            async for m in self.session.client.iter_workspace_members(
                self.workspace.workspace_id.uuid, page_size=500
            )
        }

    async def _name_every_owner(self) -> None:
        """Every user's name, for the owners in other workspaces (once, if allowed)."""
        from rime_tui.api.errors import RimeError

        if self._all_owners:
            return
        with contextlib.suppress(RimeError):
            self.owners |= {
                u.id.uuid: u.display_name
                async for u in self.session.client.iter_users(page_size=500)
            }
        self._all_owners = True

    @work(exclusive=True, group="meter", exit_on_error=False)
    async def count_instance(self) -> None:
        """The meter: every token on the instance, after the list is shown; with their
        owners' names, the all-workspaces view (a) is then ready at once."""
        listing = self.session.listing
        if not listing.fresh:
            meter = self.query_one("#meter", Static)
            meter.update("Counting the tokens on this instance…")
        # A token made or deleted meanwhile is counted once (InstanceListing.add).
        self.instance = await listing.get()
        await self._name_every_owner()
        self._show_meter()

    def _show_meter(self) -> None:
        if self.instance is not None:
            show_meter(self.query_one("#meter", Static), self.instance, self.rime.now())

    def _visible(self) -> list[Listed]:
        """The rows that pass the filter, in the chosen order."""
        wanted = self.query_one("#filter", Input).value.strip().casefold()
        rows = [
            r
            for r in self.rows
            if not wanted
            or wanted in r.token.name.casefold()
            or wanted in self._owner(r.token).casefold()
        ]
        if self.sort is not None:
            key, descending = self.sort
            rows.sort(key=lambda r: SORT_KEYS[key](r, self.owners), reverse=descending)
        return rows

    def _owner(self, token: ApiTokenInfo) -> str:
        return (
            "you" if token.user_id == self.session.user_id else self.owners.get(token.user_id, "—")
        )

    def _cells(self, row: Listed, now: datetime) -> Row:
        token = row.token
        name: Cell = Text(one_line(token.name))
        if self.session.is_own_token(token):  # in view however narrow the column
            name = Tagged(Text(one_line(token.name)), Text(" (this session)", "italic dim"))
        return {
            "name": name,
            "owner": Text(one_line(self._owner(token))),
            "workspace": Text(one_line(row.workspace.name)),
            "suffix": Text(f"…{one_line(token.suffix)}"),
            "created": token.creation_time.strftime("%Y-%m-%d") if token.creation_time else "—",
            "expires": expiry_text(token.expiration_time, now),
        }

    def _show_tokens(self) -> None:
        now = self.rime.now()
        self.shown = self._visible()
        table = self.query_one("#tokens", FitTable)
        table.set_rows([(r.id, self._cells(r, now)) for r in self.shown])
        self._show_status()  # (the meter does not change with the filter or the order)

    def _show_status(self) -> None:
        count = len(self.rows)
        if self.all_workspaces:
            scope = "in all workspaces" if self.shows_owner else "of yours in all workspaces"
        else:
            scope = "in this workspace" if self.shows_owner else "of yours in this workspace"
        text = f"{plural(count, 'token')} {scope}."
        if len(self.shown) != count:
            text += f" {plural(len(self.shown), 'matches', 'match')} the filter."
        if not count and not self.all_workspaces:
            text = "No API tokens yet. Type a Token Name and press Enter to create one."
        # Said here too: a narrow Name column has no room for its "(this session)".
        session_token = next(
            (r.token for r in self.shown if self.session.is_own_token(r.token)), None
        )
        if session_token is not None:
            name = clip(one_line(session_token.name), STATUS_NAME_CELLS).plain
            text += f" “{name}” (…{one_line(session_token.suffix)}) is this session's token."
        self.query_one("#status", Static).update(text)

    def selected(self) -> ApiTokenInfo | None:
        row = self.selected_row()
        return row.token if row else None

    def selected_row(self) -> Listed | None:
        table = self.query_one("#tokens", FitTable)
        if not self.shown or not table.row_count:
            return None
        return self.shown[table.cursor_row]

    # -- what the list shows: all workspaces, filter, sort ---------------------------

    def action_all_workspaces(self) -> None:
        """This workspace or all. An org admin's meter has just listed every token:
        those are shown at once (r lists them again)."""
        self.all_workspaces = not self.all_workspaces
        known = self.instance if self.all_workspaces else None
        self.rows = list(known or [])
        self._set_columns()
        self._show_tokens()
        if known is None:
            self.load()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._show_tokens()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.set_focus(self.query_one("#tokens", FitTable))

    def action_sort(self) -> None:
        """Name ▲, Name ▼, then the next column shown, and round again."""
        keys = [k for k in self.query_one("#tokens", FitTable).shown_keys if k in SORT_KEYS]
        if self.sort is None:
            self.sort = (keys[0], False)
        elif not self.sort[1]:
            self.sort = (self.sort[0], True)
        else:
            at = keys.index(self.sort[0]) if self.sort[0] in keys else -1
            self.sort = (keys[(at + 1) % len(keys)], False)
        self._sorted()

    @on(DataTable.HeaderSelected, "#tokens")
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        self.sort = (key, self.sort == (key, False))
        self._sorted()

    def _sorted(self) -> None:
        self._set_columns()
        self._show_tokens()

    # -- creating -------------------------------------------------------------------

    def action_focus_name(self) -> None:
        self.set_focus(self.query_one("#token-name", Input))

    def show_error(self, message: str) -> None:
        if message != self._error:  # no layout pass per keystroke when nothing changed
            self._error = message
            self.query_one("#error", Static).update(message)

    @on(Input.Submitted, "#token-name")
    @on(Button.Pressed, "#create")
    def _create_pressed(self) -> None:
        """Check the name, then hand the create to the app's delivery (it outlives this
        page: its dialog opens wherever the user is when the secret comes). One create
        at a time: a second Enter queued right behind the first does nothing."""
        if self.rime.delivery.busy("create"):
            return
        field = self.query_one("#token-name", Input)
        name = field.value.strip()
        problem = validate_name(name)
        if problem:
            self.show_error(problem)
            field.focus()
            # Keys typed right behind Enter were for the dialog, which does not come.
            self.rime.release_keys(self._create_pressed, failed="no token was created")
            return
        expiry = self.query_one("#expiry", Select)
        days = expiry.value if isinstance(expiry.value, int) else EXPIRY_CHOICES[0]

        def shown(created: CreateApiTokenResponse) -> None:
            # Under the dialog, just opened: the form is done with.
            field.value = ""
            expiry.value = EXPIRY_CHOICES[0]

            def listed() -> None:
                # Once the dialog is on screen (or covered or closed before: a burst's
                # `c Esc`, a "Close anyway?"): moving the focus and listing the token
                # restyle and lay out this page, and before the dialog's first frame
                # they delayed the secret on screen. On this page's own queue.
                self.set_focus(self.query_one("#tokens", FitTable))  # for when it closes
                self.call_later(
                    self._add_created, created.id.uuid, name, created.full_api_token[-4:], days
                )

            self.rime.delivery.after_shown(listed)

        self.rime.delivery.create(
            self,
            self.workspace.workspace_id.uuid,
            name,
            days,
            shown=shown,
            failed=self._create_failed,
        )

    def _create_failed(self, error: BaseException) -> None:
        from rime_tui.api.errors import AnswerLostError, LimitExceededError

        if isinstance(error, LimitExceededError):
            self.show_error(f"{error.message} {self._expired_hint()}".strip())
            return
        self.handle_error(error)
        if isinstance(error, AnswerLostError):  # made, perhaps: list it if it was
            self.action_refresh()

    @on(Input.Changed, "#token-name")
    def _name_changed(self) -> None:
        self.show_error("")

    def _expired_hint(self) -> str:
        """At the cap: how many tokens are expired, and the key that deletes them."""
        now = self.rime.now()
        here = sum(1 for r in self.rows if r.expired(now))
        if here:
            return f"{plural(here, 'token')} here expired: press P to delete them."
        there = sum(1 for r in self.instance or [] if r.expired(now))
        if there:
            return (
                f"{plural(there, 'token')} on this instance expired: press a "
                "for all workspaces, then P to delete them."
            )
        return ""

    def _add_created(self, token_id: str, name: str, suffix: str, days: int) -> None:
        """The new token into the list and the meter, without fetching and redrawing the
        list; once, if a listing or the count that answered after the create has it."""
        from rime_tui.api.tokens import Listed
        from rime_tui.wire.models import ApiTokenInfo, RimeUUID

        now = self.rime.now()
        token = ApiTokenInfo(
            id=RimeUUID(uuid=token_id),
            name=name,
            suffix=suffix,
            creation_time=now,
            expiration_time=now + timedelta(days=days),
            user_id=self.session.user_id or "",
        )
        row = Listed(token, self.workspace)
        if not any(listed.id == token_id for listed in self.rows):
            self.rows.append(row)
            if self.sort is None and row in self._visible():
                self.shown.append(row)
                self.query_one("#tokens", FitTable).append_row(row.id, self._cells(row, now))
                self._show_status()
            else:
                self._show_tokens()
        self.session.listing.add(row)  # the meter's (counted once)
        self._show_meter()

    # -- deleting, rotating, pruning -------------------------------------------------

    def _ask(self, title: str, message: str, confirm: str, then: Callable[[], object]) -> None:
        def decided(ok: bool | None) -> None:
            if ok:
                then()

        self.rime.open_dialog(ConfirmScreen(title, message, confirm=confirm, danger=True), decided)

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

        def confirmed() -> None:
            self.rime.hold_keys(self.delete)  # keys typed after y wait for the delete
            self.delete(token, own)

        self._ask("Delete API token", message, "Delete", confirmed)

    @work(exclusive=True, group="delete", exit_on_error=False)
    async def delete(self, token: ApiTokenInfo, own: bool) -> None:
        name = clip(one_line(token.name), STATUS_NAME_CELLS).plain
        try:
            with self.rime.progress.working(f"Deleting “{name}”…", "Keys you type wait for it"):
                await self.session.client.delete_api_token(token.id.uuid)
            self.session.listing.discard(token.id.uuid)
            self.notify(f"Deleted “{one_line(token.name)}”.", markup=False)
            if own:
                await self.rime.sign_out()
                return
        finally:
            self.rime.release_keys(self.delete)
        self.load()

    def action_rotate(self) -> None:
        row = self.selected_row()
        if row is None:
            self.notify("No token selected.", severity="warning")
            return
        token = row.token
        name, suffix = one_line(token.name), one_line(token.suffix)
        if token.user_id != self.session.user_id:
            self.notify(
                f"“{name}” is not yours: a new token always belongs to whoever makes it, "
                "so only its owner can rotate it.",
                severity="warning",
                markup=False,
            )
            return
        self._ask(
            "Rotate API token",
            f"Rotate “{name}” (…{suffix})? A new secret with the same name and lifetime "
            "replaces it; programs using the old one stop working.",
            "Rotate",
            lambda: self._rotate_once(row),
        )

    def _rotate_once(self, row: Listed) -> None:
        """One rotation at a time, handed to the app's delivery (as a create is)."""
        if not self.rime.delivery.rotate(
            self, row, self.rows, shown=lambda _: self.load(), failed=self.handle_error
        ):
            self.notify("A rotation is still running.", severity="warning")

    def action_prune(self) -> None:
        now = self.rime.now()
        expired = [r for r in self.shown if r.expired(now)]
        if not expired:
            self.notify("No expired tokens in view.")
            return
        n = len(expired)
        self._ask(
            "Delete expired tokens",
            f"Delete the {plural(n, 'expired token')} in view? "
            "They no longer work, and each counts towards the instance's "
            f"{TOKEN_LIMIT}.",
            "Delete",
            lambda: self.prune(expired),
        )

    # Its own group, not exclusive: a delete (d) must not cancel it half-way.
    @work(group="prune", exit_on_error=False)
    async def prune(self, rows: list[Listed]) -> None:
        from rime_tui.api.errors import NotFoundError

        try:
            with self.rime.progress.working(f"Deleting {plural(len(rows), 'expired token')}…"):
                for row in rows:
                    with contextlib.suppress(NotFoundError):  # deleted meanwhile
                        await self.session.client.delete_api_token(row.id)
                    self.session.listing.discard(row.id)
            self.notify(f"Deleted {plural(len(rows), 'expired token')}.")
        finally:
            self.load()  # what was deleted, even if a delete failed
