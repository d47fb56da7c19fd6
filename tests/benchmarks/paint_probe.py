"""rime-tui's first screen, quitting right after its first paint: what
``bench_tui.first_paint_instructions`` counts with callgrind, next to
``bare_app.py --exit-after-paint``.

Run: ``python -m tests.benchmarks.paint_probe DATA_DIR`` in a terminal.  The local
instance is not started (its start comes after the first paint anyway), so the count
does not depend on another process's timing.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from pathlib import Path

from rime_tui.local import LocalInstance
from rime_tui.tui.app import RimeApp


class NotStarted(LocalInstance):
    async def ensure_running(self, within: float = 30.0) -> bool:
        await asyncio.Event().wait()  # never: the probe quits first
        return False


class FirstPaint(RimeApp):
    # Textual resolves a relative CSS_PATH beside the module of the class: keep RimeApp's.
    CSS_PATH = (
        str(Path(inspect.getfile(RimeApp)).parent / RimeApp.CSS_PATH)
        if isinstance(RimeApp.CSS_PATH, str)
        else RimeApp.CSS_PATH
    )

    def on_mount(self) -> None:  # Textual also runs RimeApp.on_mount
        self.call_after_refresh(self.exit)


if __name__ == "__main__":
    FirstPaint(local=NotStarted(Path(sys.argv[1]), 9)).run()
