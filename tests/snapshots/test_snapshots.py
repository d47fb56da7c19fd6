"""Snapshot tests: each screen of the flow, rendered with deterministic demo data.

Update after an intended change with ``pytest tests/snapshots/test_snapshots.py --snapshot-update``
and look at the report before committing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.local import Local
from tests.support.scenario import (
    SIZE,
    STEPS,
    demo_app,
    demo_instance,
    to_all_workspaces,
    to_members,
    to_overview,
    to_settings,
    to_signin,
    to_tokens,
    to_workspaces,
)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Local]:
    with demo_instance(tmp_path / "data") as local:
        yield local


@pytest.mark.parametrize("step", list(STEPS))
def test_screen(step: str, demo: Local, snap_compare: Any) -> None:
    assert snap_compare(demo_app(demo), terminal_size=SIZE, run_before=STEPS[step])


async def _created_with_use_it(pilot: Any) -> None:
    await STEPS["6-token-created"](pilot)
    await pilot.press("u")
    await pilot.pause()


@pytest.mark.parametrize(
    ("size", "use_it"), [((80, 24), False), ((60, 20), False), ((60, 20), True)]
)
def test_token_dialog(size: tuple[int, int], use_it: bool, demo: Local, snap_compare: Any) -> None:
    """The one-time dialog where terminals are small: the token wraps, whole."""
    run_before = _created_with_use_it if use_it else STEPS["6-token-created"]
    assert snap_compare(demo_app(demo), terminal_size=size, run_before=run_before)


NARROW = {
    "sign-in": to_signin,
    "workspaces": to_workspaces,
    "overview": to_overview,
    "settings": to_settings,
    "settings-members": to_members,
    "api-tokens": to_tokens,
    "api-tokens-all-workspaces": to_all_workspaces,
}


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
@pytest.mark.parametrize("step", list(NARROW))
def test_narrow_screen(step: str, size: tuple[int, int], demo: Local, snap_compare: Any) -> None:
    """Every page at 80x24 and 60x20: nothing is cut off, nothing scrolls sideways."""
    assert snap_compare(demo_app(demo), terminal_size=size, run_before=NARROW[step])
