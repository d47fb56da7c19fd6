"""Unix manners of the ``rime-tui`` command, as a shell sees them (real processes, a real
local instance on loopback): a reader that closes the pipe early (also as a secret is
printed), and no terminal."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from rime_tui.api import RimeClient
from tests.support.cli import PATIENCE, make, names, ok, rime_tui, start, works
from tests.support.latency_proxy import LatencyProxy
from tests.support.local import Local
from tests.support.rotate import TOKENS


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("RIME_CLUSTER_URL", "RIME_API_TOKEN")}


async def test_a_closed_pipe_ends_the_listing_quietly(local: Local, admin: RimeClient) -> None:
    """``rime-tui token list | head -1``: no BrokenPipeError traceback, and the first line
    reaches ``head``; a reader gone before the first write (``| true``) ends the command
    with exit 141 (as a command stopped by SIGPIPE), quietly."""
    for n in range(20):
        await admin.create_api_token(f"pipe-{n:03d}", local.workspace_id)
    listing = (
        f"'{sys.executable}' -m rime_tui token list "
        f"--data-dir '{local.data_dir}' --port {local.server.port}"
    )
    head = await _shell(f'{listing} | head -1; echo "status=${{PIPESTATUS[0]}}" >&2')
    assert head.stdout.count("\n") == 1 and head.stdout.count("\t") == 5, head.stdout
    assert "Traceback" not in head.stderr and "BrokenPipe" not in head.stderr, head.stderr
    assert "status=0" in head.stderr or "status=141" in head.stderr, head.stderr
    gone = await _shell(f'{listing} | true; echo "status=${{PIPESTATUS[0]}}" >&2')
    assert gone.stderr.strip() == "status=141", gone.stderr


async def _shell(script: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("redirect", ["</dev/null >OUT", "</dev/null", ">OUT"])
def test_with_no_terminal_the_tui_refuses_in_one_line(tmp_path: Path, redirect: str) -> None:
    """``rime-tui </dev/null >out`` (cron, ``rime-tui | less``) exits at once with one
    line that points at the scripting commands, instead of writing escape codes and
    waiting for keys that never come."""
    out = tmp_path / "out"
    done = subprocess.run(
        [
            "bash",
            "-c",
            f"exec '{sys.executable}' -m rime_tui --local {redirect}".replace("OUT", str(out)),
        ],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "rime-tui token" in lines[0], done.stderr
    assert "\x1b" not in done.stdout and (not out.exists() or out.read_text() == "")


# -- a secret that cannot be written -----------------------------------------------------


def _stalled(proxy: LatencyProxy, command: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + PATIENCE
    while proxy.stalled == 0:
        assert command.poll() is None, command.communicate()
        assert time.monotonic() < deadline, "the command never reached the stalled request"
        time.sleep(0.02)


def _reader_leaves(proxy: LatencyProxy, command: subprocess.Popen[str]) -> tuple[int, str]:
    """Close the command's stdout (its reader goes away) while it waits on the stalled
    request, then let the request through; its exit code and stderr."""
    _stalled(proxy, command)
    assert command.stdout is not None and command.stderr is not None
    command.stdout.close()
    proxy.release()
    err = command.stderr.read()
    return command.wait(timeout=PATIENCE), err


def test_a_create_whose_secret_cannot_be_written_deletes_its_token(local: Local) -> None:
    """``rime-tui token create ci | …`` whose reader is gone when the secret comes: the
    secret is lost, so the token is deleted again; exit 141."""
    with LatencyProxy(local.server.port, delay=0.05) as proxy:
        proxy.stall("POST", TOKENS)
        command = start(proxy, local.api_token, "token", "create", "ci")
        code, err = _reader_leaves(proxy, command)
    assert code == 141, err
    assert "deleted again" in err and "Traceback" not in err, err
    assert asyncio.run(names(local)) == ["Default token"]


def test_a_create_with_stdout_closed_already_makes_nothing(local: Local) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    with LatencyProxy(local.server.port, delay=0.05) as proxy:
        env = {**_env(), "RIME_API_TOKEN": local.api_token}
        done = subprocess.run(
            [sys.executable, "-m", "rime_tui", "token", "create", "ci", "--cluster", proxy.url],
            stdout=write_end,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
            timeout=60,
        )
        os.close(write_end)
        assert proxy.requests == []
    assert done.returncode == 141 and "makes nothing" in done.stderr, done.stderr
    assert asyncio.run(names(local)) == ["Default token"]


def test_a_rotate_whose_secret_cannot_be_written_keeps_the_new_token(local: Local) -> None:
    """The old token is gone by then: the new one stays (nobody holds its secret), and
    ``rotate`` again gives it one that can be read."""
    old = asyncio.run(make(local, "deploy"))
    with LatencyProxy(local.server.port, delay=0.05) as proxy:
        proxy.stall("GET", TOKENS, skip=1)  # reading the new token back
        command = start(proxy, local.api_token, "token", "rotate", "deploy")
        code, err = _reader_leaves(proxy, command)
    assert code == 141, err
    assert "rotate deploy" in err and "Traceback" not in err, err
    assert sorted(asyncio.run(names(local))) == ["Default token", "deploy"]
    assert not asyncio.run(works(local, old))
    again = ok(rime_tui(local, "token", "rotate", "deploy")).stdout.strip()
    assert asyncio.run(works(local, again))


def test_a_command_on_a_running_instance_leaves_no_lease_behind(local: Local) -> None:
    """Each command takes a lease on the instance while it runs and gives it up at the end
    (they piled up in DIR/leases, one per run), and leaves the running instance running."""
    target = ["--data-dir", str(local.data_dir), "--port", str(local.server.port)]
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "rime_tui", "token", "list", *target],
            capture_output=True,
            text=True,
            env=_env(),
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stderr
    leases = local.data_dir / "leases"
    assert not leases.exists() or list(leases.iterdir()) == []
    with httpx.Client(base_url=local.url, headers={"rime-api-key": local.api_token}) as http:
        assert http.get("/v1/rime-info").status_code == 200
