"""Garbage collection: no gen-2 collection during the README flow (the first page of
each kind is frozen once painted), and visiting pages again freezes nothing more."""

from __future__ import annotations

import gc
import re
import subprocess
import sys
from typing import Any

from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.overview import OverviewScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from tests.support.local import Local
from tests.support.tui import reach_workspaces, screen


def test_the_readme_flow_runs_no_gen_2_collection() -> None:
    # In a process of its own: what the test runner holds does not count.
    code = (
        "import tempfile; from pathlib import Path; from tests.benchmarks import bench_tui as b\n"
        "with tempfile.TemporaryDirectory() as t: b.gc_pauses(Path(t))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    found = re.search(r"gen 2: (\d+)", done.stdout)
    assert found, done.stdout + done.stderr
    assert int(found.group(1)) == 0, done.stdout


async def test_pages_visited_again_freeze_nothing_more(local: Local, make_app: Any) -> None:
    # What is frozen is never freed: only the first page of each kind is frozen, so
    # going back and forth does not keep every page ever shown.
    gc.unfreeze()  # what earlier tests froze does not count
    app: RimeApp = make_app()
    frozen: list[int] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_workspaces(pilot)
        await pilot.pause()
        before = gc.get_freeze_count()  # start-up and Workspaces, frozen once painted
        for _ in range(4):
            await pilot.press("enter")
            await screen(pilot, OverviewScreen)
            await pilot.pause()
            await pilot.press("escape")
            await screen(pilot, WorkspacesScreen)
            await pilot.pause()
            frozen.append(gc.get_freeze_count())
    gc.unfreeze()  # the next test starts from nothing frozen
    assert 0 < before < frozen[0], (before, frozen)  # each first page is frozen...
    # ...and then nothing more (frozen objects that die are freed: the count may drop)
    assert frozen[1] >= frozen[2] >= frozen[3], frozen
