"""A quiet terminal (issue K, item 4): an idle focused field sends nothing to the
terminal. Textual's Input blinks its cursor, repainting the whole field every 0.5 s (78 KB
a minute at 80x24 over SSH); ours holds it still."""

from __future__ import annotations

from rime_tui.tui.app import RimeApp
from rime_tui.tui.table import FitTable
from rime_tui.tui.widgets import TextInput
from tests.support.tui import MakeApp, reach_tokens


async def test_an_idle_focused_token_name_field_is_not_repainted(
    make_app: MakeApp,
) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot)
        await pilot.press("n")  # to the Token Name field
        field = tokens.query_one("#token-name", TextInput)
        assert field.has_focus
        await pilot.pause()
        paints: list[object] = []
        original = field.refresh

        def counted(*args: object, **kwargs: object) -> TextInput:
            paints.append(args)
            return original(*args, **kwargs)  # type: ignore[arg-type]

        field.refresh = counted  # type: ignore[method-assign]
        # Three blink periods of nothing to do: the cursor stays, nothing is repainted.
        await pilot.pause(1.6)
        assert paints == []


async def test_the_token_table_keeps_its_colours_when_focus_moves(make_app: MakeApp) -> None:
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await reach_tokens(pilot)
        table = tokens.query_one(FitTable)
        assert table.has_focus
        focused = table.background_colors
        await pilot.press("n")  # to the Token Name field: the table loses focus
        await pilot.pause()
        assert not table.has_focus
        assert table.background_colors == focused
