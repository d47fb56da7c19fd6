"""``rime-tui serve`` puts what its start-up made out of the cyclic collector's reach
before it serves, so that a full collection in a burst of requests walks only what the
requests made (see ``bench_server_floor --parts create`` for the p99 it protects).

In process: uvicorn's ``Server.run`` is replaced by a stand-in that records the
collector's state at the moment serving would begin (nothing is served).
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
import uvicorn

from rime_tui.server import runner
from tests.support.net import free_port


def test_serve_freezes_its_start_up_heap_before_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, int] = {}

    def run(_server: uvicorn.Server, sockets: object = None) -> None:
        seen["frozen"] = gc.get_freeze_count()

    monkeypatch.setattr(uvicorn.Server, "run", run)
    gc.unfreeze()
    try:
        runner.serve("127.0.0.1", free_port(), tmp_path / "data", banner=False)
    finally:
        gc.unfreeze()
    # The app, its routes, models and modules: tens of thousands of objects, frozen.
    assert seen["frozen"] > 20_000
