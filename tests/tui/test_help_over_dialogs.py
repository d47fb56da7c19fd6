"""`?` opens the help everywhere, as the README says: over a dialog too (issue 15, 12).

Help over a dialog closes back to it, with the dialog's secret and state as they
were; in a dialog's text field `?` is a character like any other.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.help import HelpScreen
from rime_tui.tui.screens.save_token import SaveTokenScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.widgets import KeyBar
from tests.support.local import Local
from tests.support.tui import reach_tokens, screen, shown_text


async def test_question_mark_opens_help_over_every_dialog(local: Local, make_app: Any) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_tokens(pilot)
        await pilot.press("n", *"help over", "enter")
        created = await screen(pilot, TokenCreatedScreen)
        secret = created.token
        assert "?" in [key.display for key in created.query_one(KeyBar).app_keys]

        await pilot.press("question_mark")  # over the token dialog
        help_screen = await screen(pilot, HelpScreen)
        assert help_screen.at is TokenCreatedScreen  # its section first
        await pilot.press("question_mark")  # ? closes the help again
        assert await screen(pilot, TokenCreatedScreen) is created
        assert shown_text(app, created.query_one("#token")) == secret

        await pilot.press("escape")  # not kept: asks
        await screen(pilot, ConfirmScreen)
        await pilot.press("question_mark")  # over the yes/no
        await screen(pilot, HelpScreen)
        await pilot.press("escape")
        await screen(pilot, ConfirmScreen)
        await pilot.press("n")
        assert await screen(pilot, TokenCreatedScreen) is created

        await pilot.press("w")  # the save dialog: its path field takes `?` as text
        save = await screen(pilot, SaveTokenScreen)
        field = save.query_one("#path", Input)
        await pilot.press("end", "question_mark")
        await pilot.pause()
        assert app.screen is save
        assert field.value.endswith(".txt?")
