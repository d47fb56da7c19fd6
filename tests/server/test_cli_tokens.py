"""``rime-tui token …`` and ``rime-tui status`` as scripts run them (issue 10, parts 1 and 4).

Every command runs as a subprocess against a real local instance on loopback:
the instance of the ``local`` fixture, found by the command through
``--data-dir`` and ``--port`` as the one to act as admin on, or reached as a
cluster with ``--cluster`` and ``RIME_API_TOKEN``. Printed secrets are tried
with curl.
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from rime_tui.config import Settings, save_settings
from rime_tui.paths import BOOTSTRAP_FILE, config_file
from tests.support.cli import LIST_FIELDS, SECRET, curl_status, listed, ok, rime_tui
from tests.support.helpers import new_user, sign_in, sign_in_admin
from tests.support.local import Local
from tests.support.net import free_port


def when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


async def second_workspace(local: Local, name: str = "Second") -> str:
    async with await sign_in_admin(local) as root:
        return await root.create_workspace(name)


# -- create ---------------------------------------------------------------------------


def test_create_prints_the_secret_alone_and_it_works_with_curl(local: Local) -> None:
    done = ok(rime_tui(local, "token", "create", "ci"))
    secret = done.stdout.removesuffix("\n")
    assert SECRET.fullmatch(secret), done.stdout
    assert done.stdout == secret + "\n"
    assert secret not in done.stderr
    assert "Created token 'ci'" in done.stderr
    assert curl_status(local, secret) == 200
    assert curl_status(local, secret + "x") == 401


def test_create_json_and_env_outputs(local: Local) -> None:
    made = json.loads(
        ok(
            rime_tui(local, "token", "create", "json one", "--expires-in", "30", "--output", "json")
        ).stdout
    )
    assert set(made) == {"id", "name", "token", "workspaceId", "expirationTime"}
    assert made["name"] == "json one"
    assert made["workspaceId"] == local.workspace_id
    assert curl_status(local, made["token"]) == 200
    row = next(t for t in listed(local) if t["id"] == made["id"])
    assert row["expirationTime"] == made["expirationTime"]
    assert when(row["expirationTime"]) - when(row["creationTime"]) == timedelta(days=30)

    env = ok(rime_tui(local, "token", "create", "env one", "--output", "env")).stdout
    assert re.fullmatch(r"export RIME_API_TOKEN='rime_[A-Za-z0-9_-]+'\n", env), env
    shell = subprocess.run(
        ["sh", "-c", env + f'curl -s -H "rime-api-key: $RIME_API_TOKEN" {local.url}/v1/rime-info'],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert json.loads(shell.stdout)["customerName"] == "local"


async def test_create_needs_a_workspace_when_there_are_several(local: Local) -> None:
    second = await second_workspace(local)
    done = ok(rime_tui(local, "token", "create", "ci"), 2)
    assert done.stdout == ""
    assert "Workspace 1" in done.stderr and "Second" in done.stderr and second in done.stderr
    by_name = json.loads(
        ok(
            rime_tui(local, "token", "create", "ci", "--workspace", "Second", "--output", "json")
        ).stdout
    )
    assert by_name["workspaceId"] == second
    by_id = json.loads(
        ok(
            rime_tui(
                local,
                "token",
                "create",
                "ci",
                "--workspace",
                local.workspace_id,
                "--output",
                "json",
            )
        ).stdout
    )
    assert by_id["workspaceId"] == local.workspace_id
    missing = ok(rime_tui(local, "token", "create", "ci", "--workspace", "Nope"), 5)
    assert "Nope" in missing.stderr and "Second" in missing.stderr


# -- list -----------------------------------------------------------------------------


async def test_list_json_fields_and_owners(local: Local) -> None:
    async with await sign_in_admin(local) as root:
        uid = await new_user(root, "dana@example.com")
        await root.add_workspace_members(local.workspace_id, {uid: "ACTOR_ROLE_USER"})
    dana = await sign_in(local, "dana@example.com")
    async with dana:
        await dana.create_api_token("dana's", local.workspace_id, expiry_days=10)
    items = listed(local)
    assert [set(item) for item in items] == [LIST_FIELDS, LIST_FIELDS]
    default, danas = items
    assert default["name"] == "Default token"
    assert default["owner"] == local.admin_email
    assert local.api_token.endswith(default["suffix"])
    assert danas["owner"] == "dana@example.com"
    assert danas["workspaceId"] == local.workspace_id
    assert danas["expired"] is False
    assert when(danas["expirationTime"]) - when(danas["creationTime"]) == timedelta(days=10)

    table = ok(rime_tui(local, "token", "list")).stdout
    assert "dana@example.com" in table and "Default token" in table


async def test_list_one_workspace_or_all(local: Local) -> None:
    second = await second_workspace(local)
    ok(rime_tui(local, "token", "create", "two", "--workspace", second))
    ambiguous = ok(rime_tui(local, "token", "list"), 2)
    assert "Workspace 1" in ambiguous.stderr and second in ambiguous.stderr
    assert [t["name"] for t in listed(local, "--workspace", "Second")] == ["two"]
    everything = listed(local, "--all-workspaces")
    assert {(t["name"], t["workspaceId"]) for t in everything} == {
        ("Default token", local.workspace_id),
        ("two", second),
    }
    piped = ok(rime_tui(local, "token", "list", "--all-workspaces")).stdout  # tab-separated
    assert {tuple(line.split("\t")[1:4:2]) for line in piped.splitlines()} == {
        ("Default token", "Workspace 1"),
        ("two", "Second"),
    }
    assert ok(rime_tui(local, "token", "list", "--workspace", "Second", "--all-workspaces"), 2)


async def test_list_expiring_exits_3_for_cron(local: Local) -> None:
    # Tokens made in the server's past: one expired, one expiring in about 10 days.
    async with await sign_in_admin(local) as root:
        local.clock.advance(days=-300)
        await root.create_api_token("long gone", local.workspace_id, expiry_days=270)
        local.clock.advance(days=40)
        await root.create_api_token("soon", local.workspace_id, expiry_days=270)
        local.clock.advance(days=260)
    quiet = ok(rime_tui(local, "token", "list", "--expiring", "5", "--json"))
    assert json.loads(quiet.stdout) == []
    found = ok(rime_tui(local, "token", "list", "--expiring", "14", "--json"), 3)
    assert [t["name"] for t in json.loads(found.stdout)] == ["soon"]
    assert "Expiring within 14 days: 1 token." in found.stderr
    items = {t["name"]: t["expired"] for t in listed(local)}
    assert items == {"Default token": False, "long gone": True, "soon": False}
    table = ok(rime_tui(local, "token", "list", "--expiring", "14"), 3).stdout
    assert "soon" in table and "long gone" not in table


# -- delete and prune -----------------------------------------------------------------


def test_delete_by_name_or_id_needs_yes_without_a_terminal(local: Local) -> None:
    first = ok(rime_tui(local, "token", "create", "first")).stdout.strip()
    refused = ok(rime_tui(local, "token", "delete", "first"), 2)
    assert "--yes" in refused.stderr
    assert curl_status(local, first) == 200
    ok(rime_tui(local, "token", "delete", "first", "--yes"))
    assert curl_status(local, first) == 401

    second = json.loads(ok(rime_tui(local, "token", "create", "second", "--output", "json")).stdout)
    done = ok(rime_tui(local, "token", "delete", second["id"], "--yes"))
    assert done.stdout == "" and "Deleted token 'second'" in done.stderr
    assert curl_status(local, second["token"]) == 401
    assert ok(rime_tui(local, "token", "delete", "second", "--yes"), 5)
    assert [t["name"] for t in listed(local)] == ["Default token"]


async def test_delete_and_rotate_name_the_choices_when_a_name_is_in_two_workspaces(
    local: Local,
) -> None:
    second = await second_workspace(local)
    ok(rime_tui(local, "token", "create", "ci", "--workspace", "Workspace 1"))
    ok(rime_tui(local, "token", "create", "ci", "--workspace", second))
    before = listed(local, "--all-workspaces")
    for command in (["delete", "ci", "--yes"], ["rotate", "ci"]):
        done = ok(rime_tui(local, "token", *command), 2)
        assert done.stdout == ""  # no secret: nothing was made
        assert done.stderr.count("admin@rime.local") == 2, done.stderr
        assert "Workspace 1" in done.stderr and "Second" in done.stderr
    assert listed(local, "--all-workspaces") == before  # nothing changed
    ok(rime_tui(local, "token", "delete", "ci", "--workspace", "Second", "--yes"))
    remaining = listed(local, "--all-workspaces")
    assert [(t["name"], t["workspaceId"]) for t in remaining if t["name"] == "ci"] == [
        ("ci", local.workspace_id)
    ]


def on_a_terminal(local: Local, answer: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``rime-tui ARGS`` with a pseudo-terminal as stdin, where *answer* is typed."""
    controller, terminal = pty.openpty()
    try:
        os.write(controller, answer.encode() + b"\n")
        return rime_tui(local, *args, stdin=terminal)
    finally:
        os.close(terminal)
        os.close(controller)


def test_delete_asks_on_a_terminal(local: Local) -> None:
    secret = ok(rime_tui(local, "token", "create", "asked")).stdout.strip()
    kept = ok(on_a_terminal(local, "n", "token", "delete", "asked"))
    assert "Delete token 'asked'" in kept.stderr and "[y/N]" in kept.stderr
    assert "Nothing deleted" in kept.stderr
    assert curl_status(local, secret) == 200
    ok(on_a_terminal(local, "y", "token", "delete", "asked"))
    assert curl_status(local, secret) == 401


async def expired_tokens(local: Local, workspace_id: str, *names: str) -> None:
    """Tokens that expired a day ago by the server's clock."""
    async with await sign_in_admin(local) as root:
        local.clock.advance(days=-2)
        for name in names:
            await root.create_api_token(name, workspace_id, expiry_days=1)
        local.clock.advance(days=2)


async def test_prune_deletes_the_expired_tokens_only(local: Local) -> None:
    second = await second_workspace(local)
    await expired_tokens(local, local.workspace_id, "old 1", "old 2")
    await expired_tokens(local, second, "old 3")
    fresh = ok(rime_tui(local, "token", "create", "fresh", "--workspace", second)).stdout.strip()

    assert ok(rime_tui(local, "token", "prune", "--expired", "--all-workspaces"), 2)
    assert len(listed(local, "--all-workspaces")) == 5
    kept = ok(
        on_a_terminal(local, "no", "token", "prune", "--expired", "--workspace", "Workspace 1")
    )
    assert "Delete these 2 expired tokens?" in kept.stderr
    assert len(listed(local, "--all-workspaces")) == 5

    one = ok(rime_tui(local, "token", "prune", "--expired", "--workspace", "Workspace 1", "--yes"))
    assert "Deleted 2 expired tokens" in one.stderr
    assert {t["name"] for t in listed(local, "--all-workspaces")} == {
        "Default token",
        "old 3",
        "fresh",
    }
    ok(rime_tui(local, "token", "prune", "--expired", "--all-workspaces", "--yes"))
    assert {t["name"] for t in listed(local, "--all-workspaces")} == {"Default token", "fresh"}
    again = ok(rime_tui(local, "token", "prune", "--expired", "--all-workspaces", "--yes"))
    assert "No expired tokens" in again.stderr
    assert curl_status(local, fresh) == 200
    assert ok(rime_tui(local, "token", "prune", "--yes"), 2)  # --expired is required


# -- rotate ---------------------------------------------------------------------------


def test_rotate_keeps_name_and_lifetime_and_retires_the_old_secret(local: Local) -> None:
    old = ok(rime_tui(local, "token", "create", "deploy", "--expires-in", "30")).stdout.strip()
    done = ok(rime_tui(local, "token", "rotate", "deploy", "--output", "json"))
    new = json.loads(done.stdout)
    assert set(new) == {"id", "name", "token", "workspaceId", "expirationTime"}
    assert new["name"] == "deploy" and new["token"] != old
    assert curl_status(local, new["token"]) == 200
    assert curl_status(local, old) == 401
    rows = [t for t in listed(local) if t["name"] != "Default token"]
    assert [(t["name"], t["id"]) for t in rows] == [("deploy", new["id"])]  # no stand-in left
    assert when(rows[0]["expirationTime"]) - when(rows[0]["creationTime"]) == timedelta(days=30)
    assert "Rotated token 'deploy'" in done.stderr


def test_rotate_the_api_token_the_command_runs_with(local: Local) -> None:
    done = ok(rime_tui(local, "token", "rotate", "Default token", token=local.api_token))
    new = done.stdout.strip()
    assert SECRET.fullmatch(new)
    assert curl_status(local, new) == 200
    assert curl_status(local, local.api_token) == 401
    names = [
        t["name"]
        for t in json.loads(ok(rime_tui(local, "token", "list", "--json", token=new)).stdout)
    ]
    assert names == ["Default token"]


async def test_rotate_refuses_another_users_token(local: Local) -> None:
    async with await sign_in_admin(local) as root:
        uid = await new_user(root, "erin@example.com")
        await root.add_workspace_members(local.workspace_id, {uid: "ACTOR_ROLE_USER"})
    erin = await sign_in(local, "erin@example.com")
    async with erin:
        made = await erin.create_api_token("erin's", local.workspace_id)
    done = ok(rime_tui(local, "token", "rotate", "erin's"), 1)
    assert "not yours" in done.stderr and done.stdout == ""
    assert curl_status(local, made.full_api_token) == 200
    assert len(listed(local)) == 2


async def test_rotate_at_the_cap_changes_nothing(local: Local) -> None:
    async with await sign_in_admin(local) as root:
        for n in range(198):
            await root.create_api_token(f"filler {n}", local.workspace_id)
    old = ok(rime_tui(local, "token", "create", "last")).stdout.strip()  # the 200th
    done = ok(rime_tui(local, "token", "rotate", "last"), 7)
    assert done.stdout == ""
    assert "200" in done.stderr
    assert curl_status(local, old) == 200
    assert len(listed(local)) == 200


# -- target and authentication ----------------------------------------------------------


def test_a_cluster_needs_a_valid_api_token(local: Local) -> None:
    bad = ok(rime_tui(local, "token", "list", token="rime_not-a-token"), 4)
    assert "authentication failed" in bad.stderr
    missing = ok(rime_tui(local, "token", "list", token=""), 4)
    assert "RIME_API_TOKEN" in missing.stderr
    # An API token sees its own workspace: no --workspace needed.
    names = json.loads(ok(rime_tui(local, "token", "list", "--json", token=local.api_token)).stdout)
    assert [t["name"] for t in names] == ["Default token"]


def test_rime_cluster_url_is_honoured_and_the_tuis_remembered_cluster_is_not(
    local: Local,
) -> None:
    """docs/scripting.md: "--cluster URL (or RIME_CLUSTER_URL)"; "The remembered cluster
    of the TUI is not used." A remembered cluster that answers nothing changes nothing."""
    save_settings(Settings(cluster_url=f"http://127.0.0.1:{free_port()}"), config_file())
    mine = json.loads(ok(rime_tui(local, "status", "--json")).stdout)
    assert (mine["target"], mine["auth"]) == ("local", "password")
    env = {k: v for k, v in os.environ.items() if k != "RIME_API_TOKEN"}
    env |= {"RIME_CLUSTER_URL": local.url, "RIME_API_TOKEN": local.api_token}
    done = subprocess.run(
        [sys.executable, "-m", "rime_tui", "status", "--json"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=60,
    )
    theirs = json.loads(ok(done).stdout)
    assert (theirs["target"], theirs["clusterUrl"], theirs["auth"]) == (
        "cluster",
        local.url,
        "apiToken",
    )


def test_the_local_admin_survives_deleting_the_bootstrap_token(local: Local) -> None:
    ok(rime_tui(local, "token", "delete", "Default token", "--yes"))
    assert curl_status(local, local.api_token) == 401
    assert listed(local) == []
    secret = ok(rime_tui(local, "token", "create", "after")).stdout.strip()
    assert curl_status(local, secret) == 200


def test_wrong_local_credentials_exit_4(local: Local) -> None:
    boot_file = local.data_dir / BOOTSTRAP_FILE
    boot = json.loads(boot_file.read_text())
    boot_file.write_text(json.dumps({**boot, "admin_password": "wrong"}))
    done = ok(rime_tui(local, "token", "list"), 4)
    assert "bootstrap.json" in done.stderr


def test_options_before_the_subcommand_work_too(local: Local) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "rime_tui",
            "--data-dir",
            str(local.data_dir),
            "--port",
            str(local.server.port),
            "token",
            "list",
            "--json",
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert [t["name"] for t in json.loads(ok(done).stdout)] == ["Default token"]


def test_a_command_starts_the_local_instance_and_stops_what_it_started(tmp_path: Path) -> None:
    port = free_port()
    data_dir = tmp_path / "data"
    done = ok(rime_tui(None, "status", "--json", data_dir=data_dir, port=port))
    report = json.loads(done.stdout)
    assert report["target"] == "local" and report["startedLocalInstance"] is True
    assert report["dataDir"] == str(data_dir)
    assert (data_dir / BOOTSTRAP_FILE).exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_status(local: Local) -> None:
    report = json.loads(ok(rime_tui(local, "status", "--json")).stdout)
    assert report == {
        "target": "local",
        "clusterUrl": local.url,
        "dataDir": str(local.data_dir),
        "startedLocalInstance": False,
        "auth": "password",
        "profile": None,
        "user": local.admin_email,
        "orgAdmin": True,
        "buildVersion": report["buildVersion"],
        "workspaces": 1,
        "tokens": 1,
        "expired": 0,
        "expiringSoon": 0,
        "tokenLimit": 200,
    }
    assert report["buildVersion"].startswith("rime-tui-local/")
    assert httpx.get(f"{local.url}/healthz").status_code == 200  # not stopped: not ours
    text = ok(rime_tui(local, "status")).stdout
    assert "admin@rime.local (organization admin)" in text
    by_token = json.loads(ok(rime_tui(local, "status", "--json", token=local.api_token)).stdout)
    assert by_token["target"] == "cluster" and by_token["auth"] == "apiToken"
    assert by_token["user"] == local.admin_email and by_token["orgAdmin"] is True


def test_help_and_readme_list_the_exit_codes() -> None:
    helped = subprocess.run(
        [sys.executable, "-m", "rime_tui", "token", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    readme = (Path(__file__).resolve().parents[2] / "docs" / "scripting.md").read_text()
    for line in (
        "0  ok",
        "1  API or server error",
        "2  usage",
        "3  `token list --expiring`",
        "4  authentication failed",
        "5  no such token, workspace or profile",
    ):
        assert line in helped
    for code in range(6):
        assert re.search(rf"^\| `{code}` \|", readme, re.M), code
