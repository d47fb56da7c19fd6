"""Integrity at start (issue J, finding 5 and item 3), against real ``rime-tui serve``
processes.

``: > rime.db`` used to make a new organization silently, overwriting
bootstrap.json, and random bytes over a few pages mid-file gave a server that
answered every request with a 500. Both are now refused at start, with a message
that says how to recover, and nothing in the data dir is changed.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.support.net import free_port
from tests.support.serve_process import serve_once, serving

PROJECTS = 60  # with long descriptions: a database of some 60 pages of 4 KiB
BAD_PAGES = 8


@pytest.fixture
def used(tmp_path: Path) -> Path:
    """A data dir whose instance was used (tokens, projects) and then stopped."""
    data_dir = tmp_path / "data"
    with serving(data_dir, tmp_path / "serve.log") as served:
        boot = served.bootstrap()
        key = {"rime-api-key": boot["api_token"]}
        with httpx.Client(base_url=served.url, headers=key, timeout=30) as http:
            for i in range(4):
                body = {"name": f"t{i}", "workspaceId": {"uuid": boot["workspace_id"]}}
                assert http.post("/v1/users/api-tokens", json=body).status_code == 200
            for i in range(PROJECTS):
                body = {"name": f"p{i}", "description": f"{i:02} " * 600}
                assert http.post("/v1/projects", json=body).status_code == 200
    return data_dir


def _start(data_dir: Path) -> tuple[int, str]:
    done = serve_once(data_dir, "--port", str(free_port()), "--no-banner")
    return done.returncode, done.stderr


def _files(data_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(data_dir.iterdir())}


@pytest.mark.parametrize("how", ["emptied", "deleted"])
def test_an_emptied_or_deleted_database_next_to_bootstrap_json_is_refused(
    used: Path, how: str
) -> None:
    database = used / "rime.db"
    if how == "emptied":
        database.write_bytes(b"")  # : > rime.db
    else:
        database.unlink()
    before = _files(used)

    code, stderr = _start(used)

    assert code == 1
    state = "empty" if how == "emptied" else "missing"
    assert f"rime.db is {state}, but bootstrap.json says an organization was created" in stderr
    assert "Restore rime.db from a backup" in stderr
    assert "move" in stderr and "bootstrap.json away" in stderr
    assert _files(used) == before  # no new organization, bootstrap.json untouched


def test_random_bytes_over_pages_mid_file_are_refused_at_start(used: Path) -> None:
    database = used / "rime.db"
    data = bytearray(database.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    pages = len(data) // page
    assert pages > 3 * BAD_PAGES, pages
    start = pages // 2 * page
    data[start : start + BAD_PAGES * page] = random.Random(5).randbytes(BAD_PAGES * page)
    database.write_bytes(bytes(data))
    before = _files(used)

    code, stderr = _start(used)

    assert code == 1
    assert "rime.db is damaged (" in stderr
    assert "sqlite3 rime.db .recover" in stderr and "Restore rime.db from a backup" in stderr
    assert "Traceback" not in stderr
    assert _files(used) == before


def test_a_broken_header_is_refused_saying_how_to_recover(used: Path) -> None:
    database = used / "rime.db"
    data = bytearray(database.read_bytes())
    data[:16] = b"not a database!!"
    database.write_bytes(bytes(data))

    code, stderr = _start(used)

    assert code == 1
    assert "rime.db is damaged (file is not a database)" in stderr
    assert "Restore rime.db from a backup" in stderr


def test_a_database_without_the_organization_bootstrap_json_names_is_refused(
    used: Path, tmp_path: Path
) -> None:
    """Another instance's database copied over this one's: not the organization that
    bootstrap.json names."""
    other = tmp_path / "other"
    with serving(other, tmp_path / "other.log"):
        pass
    (used / "rime.db").write_bytes((other / "rime.db").read_bytes())
    for name in ("rime.db-wal", "rime.db-shm"):
        (used / name).unlink(missing_ok=True)

    code, stderr = _start(used)

    assert code == 1, stderr
    assert "holds another organization than the one bootstrap.json names" in stderr
    assert "Restore rime.db from a backup" in stderr


def test_what_quick_check_finds_is_quoted(used: Path) -> None:
    """A file SQLite can read but whose rows break its own schema (a NULL in a NOT NULL
    column, written while the schema said otherwise): quick_check's finding is quoted."""
    with contextlib.closing(sqlite3.connect(used / "rime.db")) as db:
        db.execute("PRAGMA writable_schema = ON")
        schema = "UPDATE sqlite_schema SET sql = replace(sql, ?, ?) WHERE name = 'workspaces'"
        db.execute(schema, ("description TEXT NOT NULL", "description TEXT"))
        db.commit()
    with contextlib.closing(sqlite3.connect(used / "rime.db")) as db:
        db.execute("UPDATE workspaces SET description = NULL")
        db.execute("PRAGMA writable_schema = ON")
        db.execute(schema, ("description TEXT", "description TEXT NOT NULL"))
        db.commit()

    code, stderr = _start(used)

    assert code == 1
    assert "rime.db is damaged (SQLite's quick_check: NULL value in workspaces.description" in (
        stderr
    )
