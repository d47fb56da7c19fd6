"""What the integrity check at start costs on a full instance.

    .venv/bin/python tests/benchmarks/bench_integrity.py [--workspaces 5000] [--projects 5000]

Builds a data dir with 200 API tokens (the most an instance allows), 100 users,
many workspaces and projects, then times, each as the median of several runs
with the file in the page cache: ``PRAGMA quick_check`` alone, and the whole
checked opening of the database (:func:`rime_tui.server.integrity.open_store`)
against opening it unchecked. Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rime_tui.paths import DATABASE_FILE
from rime_tui.server import security
from rime_tui.server.integrity import open_store
from rime_tui.server.runner import open_instance
from rime_tui.server.store import Store
from rime_tui.wire.constants import ADMIN, MAX_TOKENS, USER

USERS = 100
RUNS = 7


def build(data_dir: Path, workspaces: int, projects: int) -> None:
    instance = open_instance(data_dir, "http://127.0.0.1:1")
    store = instance.store
    digest = security.hash_password("benchmark password")
    with store.transaction():
        users = [
            store.insert_user(f"user{i}@example.com", f"User {i}", ADMIN if i < 3 else USER, digest)
            for i in range(USERS)
        ]
        spaces = [
            store.insert_workspace(f"Workspace {i + 2}", "d" * 100, None) for i in range(workspaces)
        ]
        for i in range(MAX_TOKENS - 1):  # the bootstrap token is the 200th
            store.insert_token(
                security.new_api_token(), f"t{i}", spaces[i % len(spaces)], users[i % USERS], 30
            )
        for i in range(projects):
            store.insert_project(
                name=f"Project {i}",
                description="p" * 500,
                workspace_id=spaces[i % len(spaces)],
                owner_id=users[i % USERS],
                model_task="MODEL_TASK_BINARY_CLASSIFICATION",
                use_case="u" * 200,
                ethical_consideration="e" * 200,
                tags=["a", "b"],
            )
    store.close()


def median_ms(work: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspaces", type=int, default=5000)
    parser.add_argument("--projects", type=int, default=5000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rime-bench-integrity-") as tmp:
        data_dir = Path(tmp) / "data"
        build(data_dir, args.workspaces, args.projects)
        database = data_dir / DATABASE_FILE
        size = database.stat().st_size

        def quick_check() -> None:
            store = Store(database)
            assert [r[0] for r in store.db.execute("PRAGMA quick_check")] == ["ok"]
            store.close()

        def unchecked() -> None:
            Store(database).close()

        def checked() -> None:
            open_store(data_dir).close()

        print(
            f"instance: {MAX_TOKENS} tokens, {USERS} users, {args.workspaces + 1} workspaces, "
            f"{args.projects} projects; rime.db {size / 1e6:.1f} MB"
        )
        base = median_ms(unchecked)
        print(f"open the database, unchecked     {base:7.1f} ms (median of {RUNS})")
        print(f"open + PRAGMA quick_check        {median_ms(quick_check):7.1f} ms")
        print(f"open_store (every start check)   {median_ms(checked):7.1f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
