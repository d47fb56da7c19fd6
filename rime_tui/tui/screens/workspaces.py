"""Workspaces: every workspace you can open, loaded page by page, filterable."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Static

from rime_tui.tui.screens.base import CLOSE_FILTER, REFRESH, RimeScreen, unless_quitting
from rime_tui.tui.table import RowTable
from rime_tui.tui.text import one_line
from rime_tui.tui.widgets import KeyBar, TextInput
from rime_tui.words import plural

if TYPE_CHECKING:
    from rime_tui.wire.models import Workspace

PAGE_SIZE = 200
FILTER_DELAY = 0.12  # seconds of no typing before the filter applies
ROLE_NAMES = {
    "ACTOR_ROLE_ADMIN": "Admin",
    "ACTOR_ROLE_USER": "User",
    "ACTOR_ROLE_VIEWER": "Viewer",
    "ACTOR_ROLE_SUPPORT": "Support",
    "ACTOR_ROLE_VP": "VP",
}


COLUMNS = [("Name", "name"), ("Description", "description"), ("Your role", "role")]
ROLE_WIDTH = 10
# Around the table's cells: its margins (2), a vertical scrollbar (2), and each column's
# padding (2 per column).
TABLE_CHROME = 2 + 2 + 2 * len(COLUMNS)


def column_widths(screen_width: int) -> tuple[int, int, int]:
    """Name, Description and Your role, filling *screen_width* and no more."""
    free = max(screen_width - TABLE_CHROME - ROLE_WIDTH, 8)
    name = max(free * 2 // 5, 4)
    return name, free - name, ROLE_WIDTH


def role_name(role: str) -> str:
    return ROLE_NAMES.get(role, role.removeprefix("ACTOR_ROLE_").title() or "—")


class WorkspacesScreen(RimeScreen):
    """The Workspaces page that appears after signing in."""

    DEFAULT_CSS = """
    WorkspacesScreen {
        #filter {
            margin: 0 1;
        }
        #workspaces {
            height: 1fr;
            margin: 0 1;
        }
    }
    """

    AUTO_FOCUS = "#workspaces"
    PAGE = "Workspaces"
    KEYS_WAIT_FOR_ROWS = True  # Enter, End, arrows typed ahead act on the rows listed
    FIELD_ACTIONS = frozenset({"filter", "open"})
    BINDINGS: ClassVar[list[BindingType]] = [
        CLOSE_FILTER,  # while the filter is open, Esc closes it
        Binding("escape", "back", "Sign out"),
        # Priority: Enter opens the highlighted row whichever widget has the focus
        # (but the filter: Enter there applies it, then opens the first match).
        Binding("enter", "open", "Open", show=False, priority=True),
        Binding("slash", "filter", "Filter", key_display="/", priority=True),
        REFRESH,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.workspaces: list[Workspace] = []
        self.roles: dict[str, str] = {}
        self._row_ids: list[str] = []  # workspace id of each shown row, in order
        self._filter_timer: Timer | None = None
        self._column_widths = (0, 0, 0)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Select a workspace and press Enter.", id="hint", classes="hint", markup=False)
        yield TextInput(placeholder="Filter by name…", id="filter")
        yield RowTable(id="workspaces")
        yield Static("", id="status", classes="status", markup=False)
        yield KeyBar()

    @unless_quitting
    def on_mount(self) -> None:
        self._column_widths = self._fit_columns()
        self.query_one("#filter", Input).display = False
        # (RimeScreen.on_mount loads the rows; Textual calls it right after this one.)

    def on_resize(self, event: events.Resize) -> None:
        """The columns follow the terminal's width: the table never scrolls sideways."""
        if column_widths(event.size.width) != self._column_widths:
            self._column_widths = self._fit_columns()
            self._render_rows()

    def _fit_columns(self) -> tuple[int, int, int]:
        """(Re)create the columns at the widths this screen's width allows."""
        widths = column_widths(self.size.width or self.app.size.width)
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for (label, key), width in zip(COLUMNS, widths, strict=True):
            table.add_column(label, key=key, width=width)
        return widths

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        # Re-listing thousands of rows per keystroke would stall typing: wait for a pause.
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, self._render_rows)

    @on(Input.Submitted, "#filter")
    async def _filter_done(self) -> None:
        """Enter in the filter applies it now, not after the pause, and opens the first
        match (`/ name Enter`): never a row of the list before. With no match, the filter
        keeps the focus, to be corrected."""
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        self.rime.hold_keys(self._filter_done)  # keys typed behind Enter wait for it
        try:
            await self._render_rows().wait()
            if self._row_ids:
                self.query_one(DataTable).focus()
                self.action_open()
        finally:
            self.rime.release_keys(self._filter_done)

    async def fetch(self) -> None:
        client = self.session.client
        table = self.query_one(DataTable)
        status = self.query_one("#status", Static)
        self.workspaces = []
        self._row_ids = []
        table.clear()

        def show_loading() -> None:  # once the list is slow (no flash when quick)
            if not self.workspaces:
                table.loading = True
                status.update("Loading workspaces…")

        slow = self.set_timer(self.rime.progress.show_after, show_loading)
        session = self.session
        # What sign-in fetched with it (roles, first page) is used once; r asks again.
        first, session.first_workspaces = session.first_workspaces, None
        known_roles, session.roles = session.roles, None
        roles_asked = None
        if not session.org_admin and known_roles is None:  # asked with the first page
            roles_asked = asyncio.ensure_future(client.my_roles())
        try:
            if session.org_admin:  # an org admin is Admin of every workspace
                self.roles = {}
            token = ""
            while True:
                page = await (
                    first or client.list_workspaces_page(page_size=PAGE_SIZE, page_token=token)
                )
                first = None
                if roles_asked is not None:
                    known_roles, roles_asked = await roles_asked, None
                if known_roles is not None:
                    self.roles = {
                        r.subject_id: r.role
                        for r in known_roles
                        if r.subject_type == "SUBJECT_TYPE_WORKSPACE"
                    }
                    known_roles = None
                # Rows are added a page at a time: keys and paints get their turn between.
                self._append(page.items)
                token = page.next_page_token
                if not page.has_more or not token:
                    break
                table.loading = False
                status.update(f"Loading workspaces… {len(self.workspaces)} so far")
            session.listing.workspaces = list(self.workspaces)  # the instance count's
        finally:
            slow.stop()
            for asked in (roles_asked, first):
                if asked is not None:
                    asked.cancel()
            table.loading = False
        self._update_status()

    def show_error(self, message: str) -> None:
        """A failed load is told where the list would be, with how to retry."""
        self.query_one("#status", Static).update(f"{message} Press r to try again.")

    def _matches(self, workspace: Workspace) -> bool:
        text = self.query_one("#filter", Input).value.strip().casefold()
        return not text or text in workspace.name.casefold()

    def _add_rows(self, workspaces: list[Workspace]) -> None:
        table = self.query_one(DataTable)
        table.add_rows(
            (
                Text(one_line(w.name)),
                Text(one_line(w.description)),
                Text(one_line(role_name(self._role(w.workspace_id.uuid)))),
            )
            for w in workspaces
        )
        self._row_ids.extend(w.workspace_id.uuid for w in workspaces)

    def _role(self, workspace_id: str) -> str:
        if self.session.org_admin:
            return "ACTOR_ROLE_ADMIN"
        return self.roles.get(workspace_id, "")

    def _append(self, workspaces: list[Workspace]) -> None:
        self.workspaces.extend(workspaces)
        self._add_rows([w for w in workspaces if self._matches(w)])

    @work(exclusive=True, group="render", exit_on_error=False)
    async def _render_rows(self) -> None:
        """Re-list the matching rows a chunk at a time, so thousands never stall the UI."""
        table = self.query_one(DataTable)
        table.clear()
        self._row_ids = []
        matches = [w for w in self.workspaces if self._matches(w)]
        for start in range(0, len(matches), PAGE_SIZE):
            if start:
                await asyncio.sleep(0)  # keys and paints get their turn between chunks
            self._add_rows(matches[start : start + PAGE_SIZE])
        self._update_status()  # with the last rows: the two never disagree

    def _update_status(self) -> None:
        status = self.query_one("#status", Static)
        shown = len(self._row_ids)
        if not self.workspaces:
            status.update("No workspaces. Ask an organization admin to add you to one.")
        elif shown < len(self.workspaces):
            match = "matches" if shown == 1 else "match"
            status.update(f"{shown} of {len(self.workspaces)} workspaces {match} the filter.")
        else:
            status.update(f"{plural(len(self.workspaces), 'workspace')}.")

    def selected(self) -> Workspace | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        wanted = self._row_ids[table.cursor_row]
        return next((w for w in self.workspaces if w.workspace_id.uuid == wanted), None)

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        workspace = self.selected()
        if workspace is not None:
            self.rime.open_workspace(workspace)
