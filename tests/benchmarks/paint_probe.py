"""rime-tui's first screen, quitting right after its first paint: what
``bench_tui.first_paint_instructions`` counts with callgrind, next to
``bare_app.py --exit-after-paint``.

Run: ``python -m tests.benchmarks.paint_probe DATA_DIR`` in a terminal. It starts as
``rime-tui --local --data-dir DATA_DIR`` does (``rime_tui.cli.main``: the arguments,
the saved settings, the target), with two changes: the app quits after its first
paint, and the local instance is not started (its start comes after the first paint
anyway), so the count does not depend on another process's timing.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from pathlib import Path

from rime_tui import cli, local
from rime_tui.tui import app


class FirstPaint(app.RimeApp):
    # Textual resolves a relative CSS_PATH beside the module of the class: keep RimeApp's.
    CSS_PATH = (
        str(Path(inspect.getfile(app.RimeApp)).parent / app.RimeApp.CSS_PATH)
        if isinstance(app.RimeApp.CSS_PATH, str)
        else app.RimeApp.CSS_PATH
    )

    def on_mount(self) -> None:  # Textual also runs RimeApp.on_mount
        self.call_after_refresh(self.exit)


async def never_started(self: local.LocalInstance, within: float = 30.0) -> bool:
    await asyncio.Event().wait()  # never: the probe quits first
    return False


if __name__ == "__main__":
    local.LocalInstance.ensure_running = never_started  # type: ignore[method-assign]
    app.RimeApp = FirstPaint  # type: ignore[misc]  # what run_tui makes
    sys.exit(cli.main(["--local", "--data-dir", sys.argv[1], "--port", "9"]))
