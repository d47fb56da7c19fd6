"""One output convention (issue L, item 2), as a script and a person see it: ``--json`` on
every command, with the field names docs/scripting.md lists; a table on a terminal,
aligned by terminal cells (CJK and emoji names); tab-separated lines when piped."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from rich.cells import cell_len as cell_width  # the measure of the TUI (rich), not ours

from tests.support.cli import LIST_FIELDS, ok, rime_tui, shown_on
from tests.support.local import Local

SECRET_FIELDS = {"id", "name", "token", "workspaceId", "expirationTime"}
STATUS_FIELDS = {
    "target",
    "clusterUrl",
    "dataDir",
    "startedLocalInstance",
    "auth",
    "user",
    "orgAdmin",
    "buildVersion",
    "workspaces",
    "tokens",
    "expired",
    "expiringSoon",
    "tokenLimit",
}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "scripting.md"


def _json(local: Local, *args: str, code: int = 0) -> object:
    return json.loads(ok(rime_tui(local, *args, "--json"), code).stdout)


def test_every_command_takes_json_with_the_documented_fields(module_local: Local) -> None:
    local = module_local
    made = _json(local, "token", "create", "json-made")
    assert isinstance(made, dict) and set(made) == SECRET_FIELDS
    rotated = _json(local, "token", "rotate", "json-made")
    assert isinstance(rotated, dict) and set(rotated) == SECRET_FIELDS
    assert rotated["token"] != made["token"]
    listing = _json(local, "token", "list")
    assert isinstance(listing, list) and all(set(item) == LIST_FIELDS for item in listing)
    deleted = _json(local, "token", "delete", "json-made", "--yes")
    assert isinstance(deleted, list) and [set(d) for d in deleted] == [LIST_FIELDS]
    assert deleted[0]["id"] == rotated["id"] and deleted[0]["name"] == "json-made"
    assert _json(local, "token", "prune", "--expired", "--yes") == []
    # status --json: test_cli_tokens.py::test_status; check and revoke --json:
    # test_cli_servers.py.

    documented = DOCS.read_text()
    for field in LIST_FIELDS | SECRET_FIELDS | STATUS_FIELDS:
        assert f"`{field}`" in documented, field


NAMES = ["部署トークン", "🔑 deploy", "plain"]


async def test_a_table_on_a_terminal_aligned_by_cells_and_tab_separated_when_piped(
    module_local: Local,
) -> None:
    local = module_local
    async with local.client() as admin:
        for name in NAMES:
            await admin.create_api_token(name, local.workspace_id)

    shown = _on_a_terminal(local, "token", "list", "--quiet").splitlines()
    header, rows = shown[0], shown[1:]
    assert header.split()[:3] == ["ID", "NAME", "OWNER"]
    owner_at = cell_width(header[: header.index("OWNER")])
    for name in NAMES:
        [line] = [row for row in rows if f"  {name}  " in row]
        assert cell_width(line[: line.index("admin@rime.local")]) == owner_at, line

    lines = ok(rime_tui(local, "token", "list")).stdout.splitlines()
    piped = [line.split("\t") for line in lines]
    assert all(len(row) == 6 for row in piped), lines  # ID NAME OWNER SUFFIX CREATED EXPIRES
    assert set(NAMES) <= {row[1] for row in piped} and "ID" not in {row[0] for row in piped}
    every = ok(rime_tui(local, "token", "list", "--all-workspaces")).stdout.splitlines()
    assert all(len(line.split("\t")) == 7 for line in every), every  # and WORKSPACE


def _on_a_terminal(local: Local, *args: str) -> str:
    """What ``rime-tui ARGS`` shows on a pseudo-terminal (its stdout)."""
    target = ["--data-dir", str(local.data_dir), "--port", str(local.server.port)]
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "rime_tui", *args, *target],
            stdin=subprocess.DEVNULL,
            stdout=terminal,
            stderr=subprocess.PIPE,
            text=True,
            env={
                k: v
                for k, v in os.environ.items()
                if k not in ("RIME_CLUSTER_URL", "RIME_API_TOKEN")
            },
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        shown = shown_on(controller)
    finally:
        os.close(terminal)
        os.close(controller)
    return re.sub(r"\r\n", "\n", shown.decode())
