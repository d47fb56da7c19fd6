"""The watcher sweep (rime_tui/tui/compat.py) releases what closed pages leave behind.

Textual keeps the watchers that removed widgets registered on long-lived nodes
(Textual issue #6666); each page closed leaves some. The sweep drops them all.
"""

from __future__ import annotations

import pytest

from rime_tui.tui import app as app_module
from rime_tui.tui import compat
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from tests.support.local import Local
from tests.support.tui import MakeApp, SignIn, reach_tokens, screen


async def test_closed_pages_leave_dead_watchers_and_the_sweep_drops_them(
    local: Local, make_app: MakeApp, signed_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "WATCHER_SWEEP_SECONDS", 3600.0)  # only when asked
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await reach_tokens(pilot, signed_in=signed_in)
        for n in range(3):
            await pilot.press("n", *f"sweep {n}", "enter")
            await screen(pilot, TokenCreatedScreen)
            await pilot.press("escape", "y")  # y: close without keeping the token
            await screen(pilot, TokensScreen)
            await pilot.press("escape", "escape", "escape")  # back to Workspaces
            await screen(pilot, WorkspacesScreen)
            await pilot.press("enter", "s", "t")
            await screen(pilot, TokensScreen)
        await pilot.pause()

        dead = compat.dead_watchers(app.dom_nodes())
        assert dead > 0  # Textual still holds the closed pages' widgets
        assert app.release_closed_watchers() == dead
        assert compat.dead_watchers(app.dom_nodes()) == 0
