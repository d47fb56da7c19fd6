"""Is the app still healthy?  Running, no traceback, no worker failing unhandled."""

from __future__ import annotations

from typing import Any

import pytest
from textual.worker import Worker, WorkerState
from textual.worker_manager import WorkerManager

from rime_tui.api.errors import RimeError
from rime_tui.tui.app import RimeApp

CONTROL = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - {"\n"}


class WorkerFailures:
    """Every worker of the app that ended with an exception (they are otherwise forgotten)."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []

    def unexpected(self) -> list[BaseException]:
        """Failures that are not the client's :class:`RimeError`s, which screens report in words."""
        return [e for e in self.errors if not isinstance(e, RimeError)]


def watch_worker_failures(monkeypatch: pytest.MonkeyPatch) -> WorkerFailures:
    """Record the error of every worker that fails (observes Textual; changes nothing)."""
    failures = WorkerFailures()
    remove = WorkerManager._remove_worker

    def recording_remove(self: WorkerManager, worker: Worker[Any]) -> None:
        if worker.state == WorkerState.ERROR and worker.error is not None:
            failures.errors.append(worker.error)
        remove(self, worker)

    monkeypatch.setattr(WorkerManager, "_remove_worker", recording_remove)
    return failures


def assert_healthy(app: RimeApp, failures: WorkerFailures) -> None:
    """The app runs, printed no traceback, and no worker died of an unexpected error."""
    assert app.is_running
    assert app.return_code is None
    assert app._exception is None
    assert not app._exit_renderables
    assert failures.unexpected() == [], failures.unexpected()


def assert_clean_screen(app: RimeApp) -> str:
    """Nothing on screen is a raw control character; returns the screenshot (SVG text)."""
    shot = app.export_screenshot()
    raw = sorted({repr(c) for c in shot if c in CONTROL})
    assert raw == [], f"raw control characters reached the screen: {raw}"
    return shot
