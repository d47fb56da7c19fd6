"""The command palette keeps Textual's own commands beside ours, and a theme chosen there
is the theme of the next run (real app under Pilot; config in the test's own dir)."""

from __future__ import annotations

from typing import Any

from textual.command import CommandList, CommandPalette

from rime_tui.config import load_settings
from rime_tui.tui.app import RimeApp
from tests.support.tui import screen, until


async def _palette_hits(pilot: Any, typed: str) -> list[str]:
    await pilot.press("ctrl+p")
    palette = await screen(pilot, CommandPalette)
    await pilot.press(*typed)
    hits = palette.query_one(CommandList)

    def titles() -> list[str]:
        return [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]

    await until(pilot, lambda: any(typed.lower() in t.lower() for t in titles()), typed)
    return titles()


async def test_textuals_theme_keys_and_screenshot_commands_are_offered() -> None:
    app = RimeApp(remember=False)
    async with app.run_test(size=(100, 30)) as pilot:
        for typed, title in (("theme", "Theme"), ("keys", "Keys"), ("screensh", "Screenshot")):
            hits = await _palette_hits(pilot, typed)
            assert any(h.startswith(title) for h in hits), hits
            await pilot.press("escape")
        quits = [c.title for c in app.get_system_commands(app.screen) if c.title == "Quit"]
        assert quits == ["Quit"]  # ours (it lets a token dialog ask), not Textual's as well


async def test_a_theme_chosen_in_the_palette_is_remembered_for_the_next_run() -> None:
    app = RimeApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await _palette_hits(pilot, "theme")
        await pilot.press("enter")  # Theme: a list of themes
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the theme list")
        await pilot.press(*"nord", "enter")
        await until(pilot, lambda: app.theme == "nord", "the theme to change")
        await until(pilot, lambda: load_settings().theme == "nord", "config.toml to say so")
    again = RimeApp(theme=load_settings().theme)
    async with again.run_test(size=(100, 30)):
        assert again.theme == "nord"
    unknown = RimeApp(theme="no-such-theme")  # a hand-edited config never stops the app
    async with unknown.run_test(size=(100, 30)):
        assert unknown.theme == RimeApp().theme
