"""A data dir written by an older rime-tui (schema 1) opens and keeps its projects."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from rime_tui.server import schema
from rime_tui.server.rules import Principal, visible_project
from rime_tui.server.store import Store, project_info, workspace_roles
from rime_tui.wire import models as m

USER = "22222222-2222-4222-8222-222222222222"
PROJECT = "33333333-3333-4333-8333-333333333333"


def test_schema_1_is_upgraded_and_its_projects_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "rime.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(schema._SCHEMA)
    db.executescript(
        """
        INSERT INTO users (id, email, full_name, org_role, password_hash, created_at)
            VALUES ('22222222-2222-4222-8222-222222222222', 'ada@example.com', 'Ada',
                    'ACTOR_ROLE_ADMIN', 'x', '2026-01-02T03:04:05.678000Z');
        INSERT INTO workspaces (id, name, description, retention_days, created_at)
            VALUES ('11111111-1111-4111-8111-111111111111', 'Old', '', 30,
                    '2026-01-02T03:04:05.678000Z');
        INSERT INTO members (workspace_id, user_id, role, implicit)
            VALUES ('11111111-1111-4111-8111-111111111111',
                    '22222222-2222-4222-8222-222222222222', 'ACTOR_ROLE_ADMIN', 1);
        INSERT INTO projects (id, name, description, workspace_id, owner_id, created_at,
                              model_task, use_case, tags)
            VALUES ('33333333-3333-4333-8333-333333333333', 'Kept', 'from v1',
                    '11111111-1111-4111-8111-111111111111',
                    '22222222-2222-4222-8222-222222222222', '2026-01-02T03:04:05.678000Z',
                    'MODEL_TASK_RANKING', 'search', '["old"]');
        PRAGMA user_version = 1;
        """
    )
    db.close()

    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        admin = Principal(user_id=USER, org_admin=True)
        row = visible_project(store, admin, PROJECT)[0]
        info = project_info(row)
        assert info.owner_details == m.ProjectOwnerDetails(name="Ada", email="ada@example.com")
        assert info.last_updated_time == info.project.creation_time
        project = info.project
        assert (project.name, project.description, project.use_case) == (
            "Kept",
            "from v1",
            "search",
        )
        assert (project.model_task, project.tags) == ("MODEL_TASK_RANKING", ["old"])
        assert (project.ethical_consideration, project.stress_test_categories) == ("", [])
        assert workspace_roles(row).role_pairs == []
    finally:
        store.close()
