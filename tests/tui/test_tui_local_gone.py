"""A TUI whose local instance vanished says so and offers to start it again."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from textual.widgets import DataTable, Static

from rime_tui.local import SERVER_PID_FILE, LocalInstance
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from tests.support.net import free_port
from tests.support.tui import reach_workspaces, screen, text_of, until


async def test_a_vanished_local_instance_is_said_and_started_again(tmp_path: Path) -> None:
    instance = LocalInstance(tmp_path / "data", free_port())
    app = RimeApp(local=instance)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            workspaces = await reach_workspaces(pilot)
            pid = int((instance.data_dir / SERVER_PID_FILE).read_text())
            os.kill(pid, signal.SIGKILL)  # the instance vanishes under the TUI
            assert instance.process is not None
            instance.process.wait(timeout=10)
            await pilot.press("r")
            confirm = await screen(pilot, ConfirmScreen)
            message = text_of(confirm.query_one("#confirm-message", Static))
            assert "The local instance at" in message and "not running any more" in message
            assert "network" not in message
            await pilot.press("y")
            assert await screen(pilot, WorkspacesScreen) is workspaces
            table = workspaces.query_one(DataTable)
            await until(pilot, lambda: table.row_count == 1, "the workspaces again")
            assert app.session is not None
    finally:
        instance.stop()
    assert instance.holders() == 0
