"""Unix manners of the ``rime-tui`` command, as a shell sees them (real processes, a real
local instance on loopback): a reader that closes the pipe early, and no terminal."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rime_tui.api import RimeClient
from tests.support.local import Local


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
    assert head.stdout.count("\n") == 1 and head.stdout.startswith("ID"), head.stdout
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
