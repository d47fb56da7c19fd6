"""A quiet terminal (issue K, item 4): an idle focused field sends nothing to the
terminal. Textual's Input blinks its cursor, repainting the whole field every 0.5 s (78 KB
a minute at 80x24 over SSH); ours holds it still."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static

from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from rime_tui.tui.table import FitTable
from rime_tui.tui.widgets import TextInput
from tests.support.latency_proxy import LatencyProxy
from tests.support.local import Local
from tests.support.tui import MakeApp, reach_tokens, ready_sign_in, screen, text_of, until


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


async def test_a_quick_sign_in_and_list_paint_no_busy_form_or_loading_table(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No flash: the sign-in form turns busy, and the Workspaces table shows its loading
    indicator, only once an answer is slow. Here every answer comes before the progress
    would (its delay set far off), so neither is ever shown."""
    busy: list[bool] = []
    original = SignInScreen._busy

    def recorded(screen: SignInScreen, on: bool, text: str = "") -> None:
        busy.append(on)
        original(screen, on, text)

    monkeypatch.setattr(SignInScreen, "_busy", recorded)
    loading: list[bool] = []
    app: RimeApp = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.progress.show_after = 600.0
        await ready_sign_in(pilot)
        await pilot.press("enter")
        workspaces = await screen(pilot, WorkspacesScreen)
        table = workspaces.query_one(DataTable)
        workspaces.watch(table, "loading", lambda value: loading.append(value))
        await until(pilot, lambda: table.row_count == 1, "the rows")
    assert True not in busy  # never busy, only made idle again
    assert True not in loading


async def test_a_slow_list_shows_its_loading_table_after_the_delay(
    local: Local, make_app: MakeApp
) -> None:
    with LatencyProxy(local.server.port) as proxy:
        app: RimeApp = make_app(cluster_url=proxy.url, api_token=local.api_token, local=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await screen(pilot, SignInScreen)
            proxy.stall("GET", "/v1/workspace")
            await pilot.press("enter")
            workspaces = await screen(pilot, WorkspacesScreen)
            table = workspaces.query_one(DataTable)
            await until(pilot, lambda: table.loading, "the loading indicator")
            assert "Loading workspaces" in text_of(workspaces.query_one("#status", Static))
            proxy.release()
            await until(pilot, lambda: table.row_count == 1, "the rows")
            assert not table.loading
