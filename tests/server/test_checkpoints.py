"""The write-ahead log reaches the database file from a thread of its own, never in a
request's commit (rime_tui/server/store.py, CHECKPOINT_SECONDS).

In WAL mode only a checkpoint writes the database file ``rime.db``; commits append
to ``rime.db-wal``. So the database file's bytes tell whether a checkpoint ran.
SQLite's automatic checkpoint ran inside the commit that filled 1,000 pages, with
its fsync, on the event loop: every request in flight waited (issue K, the p99 of
50 clients creating at once).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rime_tui.server import store as store_module
from rime_tui.server.runner import open_instance
from rime_tui.server.store import Store

WRITES = 1500  # commits of a few pages each: well past SQLite's 1,000-page checkpoint
NAME = "written-at-%05d"


def in_database_file(data_dir: Path, i: int) -> bool:
    """Whether workspace *i*'s row has reached ``rime.db`` (a checkpoint put it there)."""
    return (NAME % i).encode() in (data_dir / "rime.db").read_bytes()


def write(store: Store, count: int) -> None:
    for i in range(count):
        with store.transaction():
            store.insert_workspace(NAME % i, "a workspace", None)


def test_no_commit_checkpoints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "CHECKPOINT_SECONDS", 3600.0)  # not during the test
    instance = open_instance(tmp_path, "http://127.0.0.1:8477")
    try:
        write(instance.store, WRITES)
        assert not any(in_database_file(tmp_path, i) for i in (0, WRITES // 2, WRITES - 1))
    finally:
        instance.store.close()
    assert in_database_file(tmp_path, WRITES - 1)  # closing checkpoints: nothing is lost


def test_the_log_is_checkpointed_soon_after_a_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "CHECKPOINT_SECONDS", 0.05)
    instance = open_instance(tmp_path, "http://127.0.0.1:8477")
    try:
        write(instance.store, 1)
        deadline = time.monotonic() + 10
        while not in_database_file(tmp_path, 0):
            assert time.monotonic() < deadline, "no checkpoint after a write"
            time.sleep(0.02)
    finally:
        instance.store.close()
