"""Workspace Overview: the workspace at a glance, and the ⚙ Settings button."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import ClassVar, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Header, Static

from rime_tui.tui.screens.base import REFRESH, WorkspaceScreen, unless_quitting
from rime_tui.tui.screens.tokens import METER_CSS, show_meter
from rime_tui.tui.text import label_rows, one_line, visible
from rime_tui.tui.widgets import KeyBar

T = TypeVar("T")
SHOWN = 5  # members and projects named on the overview
COUNT_CAP = 5000  # beyond this the overview says "5000+"


class OverviewScreen(WorkspaceScreen):
    """Workspace Overview, as in the web UI."""

    DEFAULT_CSS = (
        """
    OverviewScreen {
        #overview {
            padding: 1 2;
        }
        #ws-name {
            text-style: bold;
            color: $accent;
        }
        #ws-description {
            color: $text-muted;
            margin-bottom: 1;
        }
        #details {
            height: auto;
            min-height: 5;
        }
        #settings {
            margin: 0 0 0 1;
        }
        #meter {
            margin-bottom: 1;
        }
    """
        + METER_CSS
        + "}"
    )

    AUTO_FOCUS = "#settings"
    PAGE = "Overview"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "settings", "Settings"),
        REFRESH,
    ]

    _fetched = False  # shown its figures once: later loads update them in place

    _under_a_page = False  # a page (not a dialog) was opened over this one
    _recount = False  # r: the instance's tokens are counted again

    def action_refresh(self) -> None:
        self._recount = True
        super().action_refresh()

    def on_screen_suspend(self) -> None:
        self._under_a_page = not isinstance(self.app.screen, ModalScreen)

    def on_screen_resume(self) -> None:
        # Back from Settings or API Access Tokens: the token counts may have changed
        # (not after help or the palette: nothing changed under them).
        if self._fetched and self._under_a_page:
            self.load()
        self._under_a_page = False

    def compose(self) -> ComposeResult:
        ws = self.workspace
        yield Header()
        with VerticalScroll(id="overview"):
            yield Static(one_line(ws.name), id="ws-name", markup=False)
            yield Static(
                visible(ws.description) or "No description.", id="ws-description", markup=False
            )
            yield Static(self._details(), id="details")
            yield Static("", id="meter", markup=False)
        yield Button("⚙ Settings", id="settings", tooltip="Workspace Settings (s)")
        yield KeyBar()

    def _details(
        self,
        members: str = "…",
        projects: str = "…",
        tokens: str = "…",
    ) -> Content:
        ws = self.workspace
        rows = [
            ("Workspace ID", ws.workspace_id.uuid),
            ("Retention", f"{ws.results_retention_in_days} days"),
            ("Members", members),
            ("Projects", projects),
            ("Your API tokens", tokens),
        ]
        return label_rows(rows)

    @on(Button.Pressed, "#settings")
    def action_settings(self) -> None:
        self.rime.open_settings()

    @unless_quitting
    def on_mount(self) -> None:
        self.query_one("#meter", Static).display = False

    async def fetch(self) -> None:
        client = self.session.client
        if self.session.counts_instance:
            self.count_instance()
        else:  # the expiry notice's, in this page's round trip
            self.session.listing.start()
        ws_id = self.workspace.workspace_id.uuid
        details = self.query_one("#details", Static)
        members, projects, tokens = await asyncio.gather(
            _take(client.iter_workspace_members(ws_id, page_size=500)),
            _take(client.iter_projects(ws_id, page_size=500)),
            _take(client.iter_api_tokens(ws_id, page_size=500)),
        )
        me = self.session.resolve_user_id(tokens)
        mine = sum(1 for t in tokens if t.user_id == me) if me else len(tokens)
        details.update(
            self._details(
                members=_summary(
                    len(members), [m.user_detail.display_name for m in members[:SHOWN]]
                ),
                projects=_summary(len(projects), [p.project.name for p in projects[:SHOWN]]),
                tokens=_count(mine, len(tokens) >= COUNT_CAP),
            )
        )
        self._fetched = True

    @work(exclusive=True, group="meter", exit_on_error=False)
    async def count_instance(self) -> None:
        """What the instance-wide cap means, from every workspace's list (for org admins
        signed in with the password: Session.counts_instance)."""
        meter = self.query_one("#meter", Static)
        listing = self.session.listing
        if self._recount:
            self._recount = False
            listing.recount()
        if not listing.fresh:
            meter.update("Counting the tokens on this instance…")
            meter.display = True
        show_meter(meter, await listing.get(), self.rime.now())
        meter.display = True


async def _take(items: AsyncIterator[T]) -> list[T]:
    """Up to COUNT_CAP items of an async iterator."""
    out: list[T] = []
    async for item in items:
        out.append(item)
        if len(out) >= COUNT_CAP:
            break
    return out


def _count(n: int, capped: bool) -> str:
    return f"{n}+" if capped else str(n)


def _summary(n: int, names: list[str]) -> str:
    if not n:
        return "none"
    shown = ", ".join(one_line(name) for name in names)
    more = "" if n <= len(names) else ", …"
    return f"{_count(n, n >= COUNT_CAP)}: {shown}{more}"
