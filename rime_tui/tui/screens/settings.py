"""Workspace Settings: General, Members and API Access Tokens."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import ContentSwitcher, Header, OptionList, Static
from textual.widgets.option_list import Option

from rime_tui.tui.screens.base import WorkspaceScreen, unless_quitting
from rime_tui.tui.screens.workspaces import role_name
from rime_tui.tui.table import Column, FitTable
from rime_tui.tui.text import label_rows, one_line
from rime_tui.tui.widgets import KeyBar

MENU = [
    ("general", "General"),
    ("members", "Members"),
    ("tokens", "API Access Tokens"),
]


class SettingsScreen(WorkspaceScreen):
    """The Workspace Settings page."""

    DEFAULT_CSS = """
    SettingsScreen {
        #menu {
            width: 22;
            height: 1fr;
            margin: 1 0 0 1;
        }
        #pane {
            width: 1fr;
            height: 1fr;
            margin: 1 1 0 1;
        }
        #general {
            padding: 0 1;
        }
    }
    """

    AUTO_FOCUS = "#menu"
    PAGE = "Settings"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "tokens", "API Access Tokens"),
    ]

    _members_loaded = False  # loaded when the Members pane is first shown

    def compose(self) -> ComposeResult:
        ws = self.workspace
        yield Header()
        with Horizontal(id="settings-body"):
            yield OptionList(*(Option(label, id=key) for key, label in MENU), id="menu")
            with ContentSwitcher(initial="general", id="pane"):
                yield Static(
                    label_rows(
                        [
                            ("Name", one_line(ws.name)),
                            ("Description", ws.description or "—"),
                            ("Workspace ID", one_line(ws.workspace_id.uuid)),
                            ("Retention", f"{ws.results_retention_in_days} days"),
                        ]
                    ),
                    id="general",
                )
                yield FitTable(id="members", zebra_stripes=False)
        yield KeyBar()

    @unless_quitting
    def on_mount(self) -> None:
        self.query_one("#members", FitTable).set_columns(
            [
                Column("name", "Name", 8, flex=True),
                Column("email", "Email", 8, flex=True),
                Column("role", "Role", 8),
            ]
        )
        self.query_one("#menu", OptionList).highlighted = 0

    @on(OptionList.OptionHighlighted, "#menu")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id in ("general", "members"):
            self._show(event.option.id)

    @on(OptionList.OptionSelected, "#menu")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "tokens":
            self.action_tokens()
        elif event.option.id:
            self._show(event.option.id)

    def _show(self, pane: str) -> None:
        self.query_one("#pane", ContentSwitcher).current = pane
        if pane == "members" and not self._members_loaded:
            self.load_members()

    def action_tokens(self) -> None:
        self.rime.open_tokens()

    @work(exclusive=True, group="members", exit_on_error=False)
    async def load_members(self) -> None:
        table = self.query_one("#members", FitTable)
        with self.rime.progress.working("Loading members…"):
            members = [
                m
                async for m in self.session.client.iter_workspace_members(
                    self.workspace.workspace_id.uuid, page_size=500
                )
            ]
        table.set_rows(
            [
                (
                    m.user_detail.id.uuid,
                    {
                        "name": Text(one_line(m.user_detail.display_name)),
                        "email": Text(one_line(m.user_detail.email)),
                        "role": Text(role_name(m.user_role)),
                    },
                )
                for m in members
            ]
        )
        self._members_loaded = True
