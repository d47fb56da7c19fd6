"""The commands for people on servers (issue L, item 6), run as a shell runs them, against
a real local instance on loopback: ``token create --copy`` (OSC 52 on the controlling
terminal, a pseudo-terminal here), ``token rotate --write FILE``, ``token revoke
--stdin`` and ``token check``."""

from __future__ import annotations

import base64
import json
import os
import pty
import re
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rime_tui.api import RimeClient
from rime_tui.profiles import Profile, save_profile
from tests.support.cli import SECRET, curl_status, listed, ok, rime_tui, shown_on
from tests.support.faulty_server import FaultyServer
from tests.support.helpers import new_user, sign_in
from tests.support.local import Local

OSC52 = re.compile(rb"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07")

WITH_TERMINAL = """
import fcntl, sys, termios
fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # stdin, a pseudo-terminal, becomes /dev/tty
from rime_tui.cli import main
sys.exit(main(sys.argv[1:]))
"""

FAILING_TERMINAL = """
import sys
import rime_tui.commands.sinks as sinks
sinks.TTY = "/dev/full"  # a terminal whose every write fails (ENOSPC)
from rime_tui.cli import main
sys.exit(main(sys.argv[1:]))
"""

NO_DIRECTORY_FSYNC = """
import errno, os, stat, sys
real_fsync = os.fsync
def fsync(fd):  # a filesystem that cannot fsync a directory (EINVAL: some FUSE, vboxsf)
    if stat.S_ISDIR(os.fstat(fd).st_mode):
        raise OSError(errno.EINVAL, "Invalid argument")
    real_fsync(fd)
os.fsync = fsync
from rime_tui.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _target(local: Local) -> list[str]:
    return ["--data-dir", str(local.data_dir), "--port", str(local.server.port)]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("RIME_CLUSTER_URL", "RIME_API_TOKEN")}


def _names(local: Local) -> set[str]:
    return {t["name"] for t in listed(local)}


# -- create --copy ------------------------------------------------------------------------


def test_copy_sends_the_secret_to_the_terminal_and_never_to_stdout(module_local: Local) -> None:
    """The secret reaches the terminal as OSC 52 (the clipboard sequence a terminal does
    not display); stdout gets the token's id and name, stderr no secret."""
    local = module_local
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                WITH_TERMINAL,
                "token",
                "create",
                "copied",
                "--copy",
                *_target(local),
            ],
            stdin=terminal,
            capture_output=True,
            env=_env(),
            timeout=60,
            start_new_session=True,  # no controlling terminal but the pseudo-terminal
        )
        shown = shown_on(controller)
    finally:
        os.close(terminal)
        os.close(controller)
    assert done.returncode == 0, done.stderr
    sent = OSC52.findall(shown)
    assert len(sent) == 1, shown
    secret = base64.b64decode(sent[0]).decode()
    assert SECRET.fullmatch(secret) and curl_status(local, secret) == 200
    token_id, name = done.stdout.decode().rstrip("\n").split("\t")
    assert name == "copied" and token_id in {t["id"] for t in listed(local)}
    assert b"rime_" not in done.stdout + done.stderr
    assert b"OSC 52" in done.stderr


def test_copy_with_no_terminal_makes_nothing(module_local: Local) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "rime_tui",
            "token",
            "create",
            "uncopied",
            "--copy",
            *_target(module_local),
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        start_new_session=True,  # no controlling terminal: no /dev/tty
    )
    assert done.returncode == 2, done.stderr
    assert "/dev/tty" in done.stderr and "nothing was made" in done.stderr
    assert done.stdout == "" and "uncopied" not in _names(module_local)


def _failing_terminal(local: Local, *args: str) -> subprocess.CompletedProcess[str]:
    """``rime-tui ARGS --copy`` with a terminal whose every write fails (a stand-in:
    /dev/full, as /dev/tty cannot be made to fail here)."""
    return subprocess.run(
        [sys.executable, "-c", FAILING_TERMINAL, *args, "--copy", *_target(local)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )


def test_a_secret_that_cannot_be_given_deletes_a_new_token(module_local: Local) -> None:
    """create: the secret is lost, so the token it belongs to is deleted again."""
    done = _failing_terminal(module_local, "token", "create", "lost")
    assert done.returncode == 1, done.stderr
    assert "the token is deleted again" in done.stderr and "nothing was made" in done.stderr
    assert "rime_" not in done.stdout + done.stderr
    assert "lost" not in _names(module_local)


def test_a_secret_that_cannot_be_given_keeps_a_rotated_token(module_local: Local) -> None:
    """rotate: the old token is deleted by then, so the new one stays, to rotate again."""
    old = ok(rime_tui(module_local, "token", "create", "rotated blind")).stdout.strip()
    done = _failing_terminal(module_local, "token", "rotate", "rotated blind")
    assert done.returncode == 1, done.stderr
    assert "run this rotate again" in done.stderr and "rime_" not in done.stdout + done.stderr
    assert "rotated blind" in _names(module_local) and curl_status(module_local, old) == 401


def _to_full_disk(local: Local, *args: str) -> subprocess.CompletedProcess[str]:
    """``rime-tui ARGS > /dev/full``: stdout a file on a full disk (every write ENOSPC)."""
    with open("/dev/full", "w") as full:
        return subprocess.run(
            [sys.executable, "-m", "rime_tui", *args, *_target(local)],
            stdin=subprocess.DEVNULL,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
            timeout=60,
        )


def test_a_secret_stdout_cannot_take_is_not_lost(module_local: Local) -> None:
    """stdout on a full disk (or a terminal gone): create deletes the token again, as
    when a sink fails; rotate keeps the new one and says to rotate again. No traceback."""
    made = _to_full_disk(module_local, "token", "create", "written nowhere")
    assert made.returncode == 1, made.stderr
    assert "the token is deleted again" in made.stderr and "Traceback" not in made.stderr
    assert "rime_" not in made.stderr
    assert "written nowhere" not in _names(module_local)
    old = ok(rime_tui(module_local, "token", "create", "rotated nowhere")).stdout.strip()
    rotated = _to_full_disk(module_local, "token", "rotate", "rotated nowhere")
    assert rotated.returncode == 1, rotated.stderr
    assert "run this rotate again" in rotated.stderr and "Traceback" not in rotated.stderr
    assert "rime_" not in rotated.stderr
    assert "rotated nowhere" in _names(module_local) and curl_status(module_local, old) == 401


# -- rotate --write -----------------------------------------------------------------------


def test_rotate_write_replaces_a_0600_secret_file_atomically(
    module_local: Local, tmp_path: Path
) -> None:
    local = module_local
    secret_file = tmp_path / "service.token"
    made = ok(rime_tui(local, "token", "create", "service", "--write", str(secret_file)))
    assert made.stdout.split("\t")[1] == "service\n" and "rime_" not in made.stdout
    old = secret_file.read_text().strip()
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert curl_status(local, old) == 200
    reader = secret_file.open()  # a service that has the old file open keeps reading it
    before = secret_file.stat().st_ino

    rotated = ok(
        rime_tui(local, "token", "rotate", "service", "--write", str(secret_file), "--json")
    )
    assert "rime_" not in rotated.stdout + rotated.stderr
    assert set(json.loads(rotated.stdout)) == {"id", "name", "workspaceId", "expirationTime"}
    new = secret_file.read_text().strip()
    assert new != old and SECRET.fullmatch(new)
    assert curl_status(local, new) == 200 and curl_status(local, old) == 401
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert secret_file.stat().st_ino != before  # renamed over it, not rewritten in place
    assert reader.read().strip() == old
    reader.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["service.token"]  # no temp file


def test_a_secret_renamed_into_place_is_delivered(module_local: Local, tmp_path: Path) -> None:
    """Once the secret is renamed over FILE it is there: a directory whose fsync fails
    (a filesystem without one) must not get that token deleted, its secret left in FILE."""
    secret_file = tmp_path / "service.token"
    command = ["token", "create", "fsync-less", "--write", str(secret_file)]
    done = subprocess.run(
        [sys.executable, "-c", NO_DIRECTORY_FSYNC, *command, *_target(module_local)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert curl_status(module_local, secret_file.read_text().strip()) == 200
    assert sorted(p.name for p in tmp_path.iterdir()) == ["service.token"]


def test_rotate_write_to_a_place_it_cannot_write_changes_nothing(
    module_local: Local, tmp_path: Path
) -> None:
    local = module_local
    secret = ok(rime_tui(local, "token", "create", "kept")).stdout.strip()
    done = ok(
        rime_tui(local, "token", "rotate", "kept", "--write", str(tmp_path / "no" / "file")), 2
    )
    assert "cannot write in" in done.stderr
    assert curl_status(local, secret) == 200  # the old token still works: nothing rotated
    env = ok(rime_tui(local, "token", "rotate", "kept", "--output", "env", "--copy"), 2)
    assert "--output env" in env.stderr and curl_status(local, secret) == 200


# -- revoke --stdin -----------------------------------------------------------------------


def _revoke(local: Local, secret: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``echo SECRET | rime-tui token revoke --stdin --cluster URL``, with no other
    credentials (no RIME_API_TOKEN)."""
    return subprocess.run(
        [sys.executable, "-m", "rime_tui", "token", "revoke", "--stdin", *args],
        input=secret + "\n",
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )


def test_revoke_takes_a_leaked_secret_and_nothing_else(module_local: Local) -> None:
    local = module_local
    leaked = ok(rime_tui(local, "token", "create", "leaked")).stdout.strip()
    kept = ok(rime_tui(local, "token", "create", "not leaked")).stdout.strip()

    done = ok(_revoke(local, leaked, "--cluster", local.url, "--json"))
    [item] = json.loads(done.stdout)
    assert item["name"] == "leaked" and leaked.endswith(item["suffix"])
    assert item["owner"] != local.admin_email  # a user id: a token may not list users
    assert "Revoked token 'leaked'" in done.stderr and leaked not in done.stderr
    assert curl_status(local, leaked) == 401 and curl_status(local, kept) == 200

    again = ok(_revoke(local, leaked, "--cluster", local.url), 4)
    assert "Nothing revoked" in again.stderr

    # On the local instance (no cluster), too: the secret signs in, not the admin.
    ok(_revoke(local, kept, *_target(local)))
    assert curl_status(local, kept) == 401


async def test_revoke_sends_the_secret_to_no_cluster_it_was_not_given(
    module_local: Local, faulty: FaultyServer
) -> None:
    """With no --cluster, the leaked secret goes to the local instance (as documented),
    not to the cluster of the profile named default, which is there for the commands
    that use its token; a profile named with --profile gives the cluster."""
    local = module_local
    async with local.client() as admin:
        leaked, named = [
            (await admin.create_api_token(n, local.workspace_id)).full_api_token
            for n in ("leaked here", "leaked again")
        ]
    save_profile(Profile("default", faulty.url, "rime_prod"))
    ok(_revoke(local, leaked, *_target(local)))
    assert faulty.hits == []
    assert curl_status(local, leaked) == 401
    save_profile(Profile("here", local.url, "rime_unused"))
    ok(_revoke(local, named, "--profile", "here"))
    assert curl_status(local, named) == 401 and faulty.hits == []


@pytest.mark.parametrize(
    "given", ["", "rime_one rime_two", "rime_" + "x" * 5_000_000], ids=["none", "two", "5 MB"]
)
def test_revoke_refuses_what_is_not_one_secret(module_local: Local, given: str) -> None:
    done = ok(_revoke(module_local, given, "--cluster", module_local.url), 2)
    assert "nothing revoked" in done.stderr
    if len(given) > 4096:  # read no further than a secret can be long
        assert "more than a secret (over 4096 characters)" in done.stderr


# -- check --------------------------------------------------------------------------------


async def test_check_is_silent_unless_a_token_expires_soon(module_local: Local) -> None:
    local = module_local
    async with local.client() as admin:
        local.clock.advance(days=-5)  # made in the server's past: expired two days ago
        await admin.create_api_token("gone", local.workspace_id, expiry_days=3)
        local.clock.advance(days=5)
        quiet = ok(rime_tui(local, "token", "check", "--quiet"))  # expired: prune's business
        assert quiet.stdout == "" and quiet.stderr == ""
        made = await admin.create_api_token("soon", local.workspace_id, expiry_days=3)
    async with RimeClient(local.url) as root:  # someone else's token: not yours to rotate
        await root.login(local.admin_email, local.admin_password)
        uid = await new_user(root, "erin@example.com")
        await root.add_workspace_members(local.workspace_id, {uid: "ACTOR_ROLE_USER"})
    async with await sign_in(local, "erin@example.com") as erin:
        await erin.create_api_token("erin's", local.workspace_id, expiry_days=2)
    found = ok(rime_tui(local, "token", "check", "--quiet"), 3)
    [line] = found.stdout.splitlines()
    assert "'soon'" in line and "in 3 days" in line and f"token rotate {made.id.uuid}" in line
    assert found.stderr == ""
    told = ok(rime_tui(local, "token", "check", "--within", "2"))
    assert told.stdout == "" and "No token of yours expires within 2 days" in told.stderr
    [item] = json.loads(ok(rime_tui(local, "token", "check", "--json"), 3).stdout)
    assert item["id"] == made.id.uuid and item["expired"] is False


def test_check_gives_up_on_a_cluster_that_does_not_answer() -> None:
    """A login shell must not hang: a cluster that takes the connection and never
    answers (a socket nobody accepts on) is given up after --timeout."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "rime_tui",
                "token",
                "check",
                "--timeout",
                "0.5",
                "--cluster",
                f"http://127.0.0.1:{silent.getsockname()[1]}",
            ],
            capture_output=True,
            text=True,
            env={**_env(), "RIME_API_TOKEN": "rime_anything"},
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
    assert done.returncode == 1, done.stderr
    assert "did not answer within 0.5 s" in done.stderr
