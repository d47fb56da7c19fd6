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
from tests.support.scenario import SIZE, STEPS, demo_app, demo_instance


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
