"""The Workspaces table fits the terminal's width, and follows it on resize."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable

from rime_tui.api import RimeClient
from rime_tui.tui.app import RimeApp
from tests.support.local import Local
from tests.support.tui import SignIn, reach_workspaces, until


async def test_the_workspaces_table_never_scrolls_sideways(local: Local, make_app: Any) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        workspaces = await reach_workspaces(pilot)
        table = workspaces.query_one(DataTable)
        await until(pilot, lambda: table.virtual_size.width > 0, "the table laid out")
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert table.max_scroll_x == 0
        wide = [c.width for c in table.ordered_columns]
        for width, height in [(60, 20), (120, 40)]:
            await pilot.resize_terminal(width, height)
            inner = width - 2  # the table's margins
            await until(
                pilot,
                lambda: table.row_count == 1 and table.size.width == inner,  # noqa: B023
                f"the table at {width} columns",
            )
            await pilot.pause()
            assert table.max_scroll_x == 0, width
            assert table.virtual_size.width <= table.scrollable_content_region.width
        assert [c.width for c in table.ordered_columns] > wide  # grew again at 120


async def test_home_and_end_move_the_workspaces_cursor(
    local: Local, root: RimeClient, make_app: Any, signed_in: SignIn
) -> None:
    for i in range(3):
        await root.create_workspace(f"Team {i}")
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        workspaces = await reach_workspaces(pilot, rows=4, signed_in=signed_in)
        table = workspaces.query_one(DataTable)
        table.focus()
        await pilot.press("end")
        assert table.cursor_row == 3
        await pilot.press("home")
        assert table.cursor_row == 0
