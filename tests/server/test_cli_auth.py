"""``rime-tui auth login | status | token | logout`` and ``--profile``/``RIME_PROFILE``,
as a script sees them: subprocesses against a real local instance, reached as a
cluster (its URL) with its API tokens. (Each test runs several commands, ~0.5 s each:
the CLI is what is tested.)"""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from rime_tui.profiles import Profile, load_profiles, profiles_file, save_profile
from tests.support.cli import ok, shown_on
from tests.support.local import Local
from tests.support.net import free_port
from tests.support.require import require

ENV = ("RIME_CLUSTER_URL", "RIME_API_TOKEN", "RIME_PROFILE")


def run(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """``rime-tui ARGS`` with *stdin*, without the caller's RIME_* target, plus *env*."""
    environ = {k: v for k, v in os.environ.items() if k not in ENV} | env
    return subprocess.run(
        [sys.executable, "-m", "rime_tui", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )


def login(local: Local, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run("auth", "login", "--cluster", local.url, "--with-token", *args, stdin=token + "\n")


async def second_token(local: Local) -> tuple[str, str]:
    """Another API token of the admin's: its name and secret."""
    async with local.client() as client:
        made = await client.create_api_token("ci-bot", local.workspace_id, expiry_days=30)
    return "ci-bot", made.full_api_token


def test_login_checks_and_stores_the_token_and_every_command_then_uses_it(
    local: Local,
) -> None:
    done = ok(login(local, local.api_token))
    assert done.stdout == "" and local.api_token not in done.stderr
    path = profiles_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local.api_token in path.read_text()

    # The default profile: no --cluster, no RIME_API_TOKEN, and the cluster it names.
    status = json.loads(ok(run("status", "--json")).stdout)
    assert (status["clusterUrl"], status["profile"], status["auth"]) == (
        local.url,
        "default",
        "apiToken",
    )
    listed = json.loads(ok(run("token", "list", "--json")).stdout)
    assert [t["name"] for t in listed] == ["Default token"]

    assert ok(run("auth", "token")).stdout == local.api_token + "\n"  # for $(…)
    [report] = json.loads(ok(run("auth", "status", "--json")).stdout)
    assert report["profile"] == "default" and report["state"] == "ok"
    assert report["clusterUrl"] == local.url and report["user"] == local.admin_email
    assert report["tokenName"] == "Default token"
    assert report["expirationTime"] == listed[0]["expirationTime"]

    ok(run("auth", "logout"))
    assert local.api_token not in path.read_text()
    gone = ok(run("auth", "token"), 5)
    assert gone.stdout == "" and "'default'" in gone.stderr


async def test_profiles_are_chosen_by_name_and_the_environment_wins(local: Local) -> None:
    name, secret = await second_token(local)
    save_profile(Profile("default", local.url, local.api_token))  # (as auth login stores)
    save_profile(Profile("ci", local.url, secret))

    def profile(*args: str, **env: str) -> str | None:
        report = json.loads(ok(run("status", "--json", *args, **env)).stdout)
        return report["profile"]  # type: ignore[no-any-return]

    assert profile("--profile", "ci") == "ci"
    assert profile(RIME_PROFILE="ci", RIME_API_TOKEN="rime_wrong") == "ci"  # (not sent)
    assert ok(run("auth", "token", RIME_PROFILE="ci")).stdout == secret + "\n"
    # RIME_CLUSTER_URL and RIME_API_TOKEN win: this token, not the profile's, is refused.
    refused = ok(run("status", RIME_CLUSTER_URL=local.url, RIME_API_TOKEN="rime_wrong"), 4)
    assert "authentication failed" in refused.stderr
    # A profile's token is never sent to another cluster (here, nothing even listens).
    withheld = ok(run("token", "list", "--cluster", f"http://127.0.0.1:{free_port()}"), 4)
    assert "its token is sent there only" in withheld.stderr
    unknown = ok(run("token", "list", "--profile", "nope"), 5)
    assert "'nope'" in unknown.stderr and "ci, default" in unknown.stderr
    ok(run("status", "--local", "--profile", "ci"), 2)

    # auth status: every profile, each acting as whom, until when.
    reports = json.loads(ok(run("auth", "status", "--json")).stdout)
    assert [(r["profile"], r["tokenName"], r["active"], r["user"]) for r in reports] == [
        ("ci", name, False, local.admin_email),
        ("default", "Default token", True, local.admin_email),
    ]


async def test_login_refuses_a_token_on_the_command_line_or_one_the_cluster_refuses(
    local: Local,
) -> None:
    argv = ok(run("auth", "login", "--cluster", local.url, "--with-token", local.api_token), 2)
    assert "stdin" in argv.stderr and local.api_token not in argv.stderr
    no_flag = ok(run("auth", "login", "--cluster", local.url, stdin=local.api_token), 2)
    assert "--with-token" in no_flag.stderr
    ok(login(local, "two words"), 2)
    ok(login(local, local.api_token, "--profile", "bad name"), 2)
    refused = ok(login(local, "rime_not-a-token"), 4)
    assert "rime_not-a-token" not in refused.stderr
    unreachable = run(
        "auth",
        "login",
        "--cluster",
        f"http://127.0.0.1:{free_port()}",
        "--with-token",
        stdin=local.api_token,
    )
    ok(unreachable, 1)
    assert not profiles_file().exists()  # nothing stored by any of these

    # A token stored, then deleted on the cluster: auth status says so, exit 4.
    name, secret = await second_token(local)
    save_profile(Profile("ci", local.url, secret))
    async with local.client() as client:
        [row] = [t async for t in client.iter_api_tokens(local.workspace_id) if t.name == name]
        await client.delete_api_token(row.id.uuid)
    [report] = json.loads(ok(run("auth", "status", "--json"), 4).stdout)
    assert report["state"] == "refused" and report["profile"] == "ci"


def test_no_profile_means_the_local_instance_as_before(local: Local, isolated_dirs: Path) -> None:
    """Nothing stored: the commands act as the local instance's admin, as they did."""
    done = ok(
        run(
            "status",
            "--json",
            "--data-dir",
            str(local.data_dir),
            "--port",
            str(local.server.port),
            RIME_API_TOKEN="rime_ignored",
        )
    )
    report = json.loads(done.stdout)
    assert report["target"] == "local" and report["auth"] == "password"
    assert report["profile"] is None
    assert ok(run("auth", "status"), 5).stderr.startswith("error: no profile is stored")
    save_profile(Profile("gone", f"http://127.0.0.1:{free_port()}", "rime_x"))
    [report] = json.loads(ok(run("auth", "status", "--json"), 1).stdout)  # not reached
    assert report["state"] == "error" and report["error"]


def test_login_on_a_terminal_reads_the_token_without_echo(local: Local) -> None:
    """A token typed at the prompt is not echoed: the terminal (the command's controlling
    one, as in a shell) shows the prompt, never the token."""
    if shutil.which("setsid") is None:
        require("RIME_TUI_REQUIRE_SETSID", "setsid (util-linux) is not installed")
    controller, terminal = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k not in ENV}
    command = [sys.executable, "-m", "rime_tui", "auth", "login", "--cluster", local.url]
    process = subprocess.Popen(
        ["setsid", "--ctty", *command, "--with-token"],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environ,
        start_new_session=True,
    )
    os.close(terminal)
    try:
        assert process.stderr is not None
        prompt = b""
        while b"(not shown): " not in prompt:  # echo is off once the prompt is shown
            assert select.select([process.stderr], [], [], 30)[0], prompt  # (not hang)
            chunk = os.read(process.stderr.fileno(), 1024)
            assert chunk, prompt
            prompt += chunk
        os.write(controller, local.api_token.encode() + b"\n")
        out, err = process.communicate(timeout=60)
        shown = shown_on(controller)
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert local.api_token.encode() not in shown + out + err
    assert load_profiles()["default"].token == local.api_token
