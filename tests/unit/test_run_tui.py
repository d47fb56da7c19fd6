"""run_tui, the entry point of ``rime-tui``: what it sets up around the app's run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from rime_tui.tui import app as app_module


def test_frames_get_the_gil_soon_while_the_app_runs_and_the_interval_is_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Textual writes frames from a thread: with the default 5 ms switch interval a
    # finished frame can wait 5 ms behind the app's own work (bench_tui measures it).
    seen: list[float] = []
    monkeypatch.setattr(
        app_module.RimeApp, "run", lambda self: seen.append(sys.getswitchinterval())
    )
    before = sys.getswitchinterval()
    code = app_module.run_tui(
        cluster="https://rime.example.io",
        email=None,
        local=False,
        data_dir=tmp_path,
        port=1,
        api_token=None,
    )
    assert code == 0
    assert seen == [app_module.FRAME_SWITCH_INTERVAL]
    assert before > app_module.FRAME_SWITCH_INTERVAL
    assert sys.getswitchinterval() == before
