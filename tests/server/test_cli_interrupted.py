"""``rime-tui token rotate`` and ``create`` stopped by SIGINT or SIGTERM (issue 15, part 2).

The command runs as a subprocess against a real local instance reached as a
cluster through the latency proxy: each request takes a while, and the request
after which it is interrupted is stalled, so that the signal arrives exactly
there. After each interruption the user holds a working secret (the one
printed, else the old one) and the next rotate of the same name succeeds.
"""

from __future__ import annotations

import asyncio
import os
import pty
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import (
    PATIENCE,
    make,
    names,
    ok,
    printed_secret,
    rime_tui,
    start,
    works,
)
from tests.support.latency_proxy import LatencyProxy
from tests.support.local import Local
from tests.support.rotate import POINTS, ROLLED_BACK, TOKENS

DELAY = 0.3
"""Seconds a request takes through the proxy (the stall, not the delay, picks the point)."""


@pytest.fixture
def proxy(local: Local) -> Iterator[LatencyProxy]:
    with LatencyProxy(local.server.port, delay=DELAY) as slow:
        yield slow


def interrupt_at(
    proxy: LatencyProxy, command: subprocess.Popen[str], signum: int
) -> tuple[int, str, str]:
    """Send *signum* once the command waits on the stalled request; let the request
    go on (an abandoned one still reaches the instance, as on a real network); the
    command's exit code, stdout and stderr once it and the proxy are done."""
    deadline = time.monotonic() + PATIENCE
    while proxy.stalled == 0:
        assert command.poll() is None, command.communicate()
        assert time.monotonic() < deadline, "the command never reached the stalled request"
        time.sleep(0.02)
    command.send_signal(signum)
    proxy.release()
    out, err = command.communicate(timeout=PATIENCE)
    while proxy.in_flight:
        assert time.monotonic() < deadline, "the proxy never settled"
        time.sleep(0.02)
    return command.returncode, out, err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("point", list(POINTS))
def test_an_interrupted_rotate_leaves_a_working_secret_and_the_next_rotate_works(
    local: Local, proxy: LatencyProxy, point: str, signum: int
) -> None:
    old = asyncio.run(make(local, "deploy"))
    method, path, skip = POINTS[point]
    proxy.stall(method, path, skip=skip)
    command = start(proxy, local.api_token, "token", "rotate", "deploy")
    code, out, err = interrupt_at(proxy, command, signum)

    assert code == 128 + signum, (code, out, err)
    assert "Traceback" not in err, err
    assert "interrupted" in err, err
    printed = printed_secret(out)
    assert (printed is None) == (point in ROLLED_BACK), (out, err)
    if printed is None:
        assert sorted(asyncio.run(names(local))) == ["Default token", "deploy"]
    held = printed or old
    assert asyncio.run(works(local, held)), (point, out, err)

    again = ok(rime_tui(local, "token", "rotate", "deploy", token=local.api_token))
    new = printed_secret(again.stdout)
    assert new is not None
    assert asyncio.run(works(local, new))
    assert not asyncio.run(works(local, held))
    assert sorted(asyncio.run(names(local))) == ["Default token", "deploy"], again.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_create_interrupted_in_flight_prints_its_secret(
    local: Local, proxy: LatencyProxy, signum: int
) -> None:
    proxy.stall("POST", TOKENS)
    command = start(proxy, local.api_token, "token", "create", "ci")
    code, out, err = interrupt_at(proxy, command, signum)

    assert code == 128 + signum, (code, out, err)
    assert "Traceback" not in err, err
    secret = printed_secret(out)
    assert secret is not None, err
    assert asyncio.run(works(local, secret))
    assert sorted(asyncio.run(names(local))) == ["Default token", "ci"]


def test_a_create_whose_terminal_hangs_up_in_flight_leaves_no_token(
    local: Local, proxy: LatencyProxy
) -> None:
    """The SSH link drops while the create is in flight: SIGHUP, and the terminal it
    would print the secret on is gone (EIO). The secret cannot reach anyone, so the
    token is deleted again (it was made, unseen, by the request already sent)."""
    proxy.stall("POST", TOKENS)
    controller, terminal = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "RIME_CLUSTER_URL"}
    env["RIME_API_TOKEN"] = local.api_token
    command = subprocess.Popen(
        [sys.executable, "-m", "rime_tui", "token", "create", "ci", "--cluster", proxy.url],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env=env,
    )
    os.close(terminal)
    deadline = time.monotonic() + PATIENCE
    while proxy.stalled == 0:
        assert command.poll() is None, "the command ended before its create was sent"
        assert time.monotonic() < deadline, "the command never reached the stalled request"
        time.sleep(0.02)
    os.close(controller)  # the terminal is gone: writes to it fail with EIO
    command.send_signal(signal.SIGHUP)
    proxy.release()
    command.wait(timeout=PATIENCE)
    while proxy.in_flight:
        assert time.monotonic() < deadline, "the proxy never settled"
        time.sleep(0.02)
    assert asyncio.run(names(local)) == ["Default token"]


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGINT], ids=["SIGHUP", "SIGINT"])
def test_a_signal_ignored_from_the_start_does_not_stop_a_command(
    signum: signal.Signals, local: Local, proxy: LatencyProxy
) -> None:
    """A signal ignored when it starts still is, and the create just finishes: SIGHUP
    under nohup (it exited 129 once the handler for a dropped terminal was in place),
    SIGINT in a job a script started with ``&`` (a shell's Ctrl-C is not for it; it
    exited 130 while the start-up handlers took SIGINT whatever it was)."""
    proxy.stall("POST", TOKENS)
    env = {k: v for k, v in os.environ.items() if k != "RIME_CLUSTER_URL"}
    env["RIME_API_TOKEN"] = local.api_token
    create = ["token", "create", "ci", "--cluster", proxy.url]
    command = subprocess.Popen(
        [sys.executable, "-m", "rime_tui", *create],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signum, signal.SIG_IGN),  # (as nohup, or `&`)
    )
    code, out, err = interrupt_at(proxy, command, signum)
    assert code == 0, (code, out, err)
    secret = printed_secret(out)
    assert secret is not None and asyncio.run(works(local, secret))


def test_a_rotate_of_the_token_it_runs_with_interrupted_while_deleting_the_old_one(
    local: Local, proxy: LatencyProxy
) -> None:
    """The stand-in printed becomes RIME_API_TOKEN; rotating again with it finishes."""
    proxy.stall("DELETE", TOKENS + "/")
    command = start(proxy, local.api_token, "token", "rotate", "Default token")
    code, out, err = interrupt_at(proxy, command, signal.SIGTERM)

    assert code == 128 + signal.SIGTERM, (code, out, err)
    stand_in = printed_secret(out)
    assert stand_in is not None, err
    assert asyncio.run(works(local, stand_in))
    assert not asyncio.run(works(local, local.api_token))

    again = ok(rime_tui(local, "token", "rotate", "Default token", token=stand_in))
    new = printed_secret(again.stdout)
    assert new is not None
    assert asyncio.run(works(local, new))
    assert not asyncio.run(works(local, stand_in))
    assert asyncio.run(names(local, new)) == ["Default token"]


@pytest.mark.parametrize("point", ["stand-in check (stand-in made)", "old delete"])
def test_a_stand_in_left_by_a_killed_rotate_does_not_block_the_next_rotate(
    local: Local, proxy: LatencyProxy, point: str
) -> None:
    """kill -9 (the one limit): the stand-in stays, unseen; the next rotate of the name
    removes it, whether the old token is still there or already gone."""
    asyncio.run(make(local, "deploy"))
    method, path, skip = POINTS[point]
    proxy.stall(method, path, skip=skip)
    command = start(proxy, local.api_token, "token", "rotate", "deploy")
    code, out, _ = interrupt_at(proxy, command, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert out == ""
    assert "deploy (rotating)" in asyncio.run(names(local))

    again = ok(rime_tui(local, "token", "rotate", "deploy", token=local.api_token))
    new = printed_secret(again.stdout)
    assert new is not None
    assert asyncio.run(works(local, new))
    assert sorted(asyncio.run(names(local))) == ["Default token", "deploy"], again.stderr


def test_a_rotate_whose_new_token_cannot_be_made_prints_the_stand_in(
    local: Local, proxy: LatencyProxy
) -> None:
    """Not an interruption but the same promise: the old token is gone, making the new
    one fails, so the stand-in's secret is printed (exit 1); the next rotate finishes."""
    asyncio.run(make(local, "deploy"))
    proxy.fail("POST", TOKENS, skip=1)
    command = start(proxy, local.api_token, "token", "rotate", "deploy")
    out, err = command.communicate(timeout=PATIENCE)
    assert command.returncode == 1, (out, err)
    stand_in = printed_secret(out)
    assert stand_in is not None, err
    assert asyncio.run(works(local, stand_in))
    assert "stand-in" in err
    assert sorted(asyncio.run(names(local))) == ["Default token", "deploy (rotating)"]

    again = ok(rime_tui(local, "token", "rotate", "deploy", token=local.api_token))
    new = printed_secret(again.stdout)
    assert new is not None
    assert asyncio.run(works(local, new))
    assert not asyncio.run(works(local, stand_in))
    assert sorted(asyncio.run(names(local))) == ["Default token", "deploy"], again.stderr


def test_a_second_signal_cuts_the_rollback_short_and_the_stand_in_is_printed(
    local: Local, proxy: LatencyProxy
) -> None:
    """ctrl+c while the stand-in is made: the create is waited for, then the stand-in is
    deleted again; a second ctrl+c during that delete stops it, and the stand-in's
    secret is printed rather than lost (the old token was never touched)."""
    old = asyncio.run(make(local, "deploy"))
    proxy.stall("POST", TOKENS)
    command = start(proxy, local.api_token, "token", "rotate", "deploy")
    deadline = time.monotonic() + PATIENCE
    while proxy.stalled == 0:
        assert command.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    command.send_signal(signal.SIGINT)
    proxy.stall("DELETE", TOKENS + "/")
    proxy.release()
    code, out, err = interrupt_at(proxy, command, signal.SIGINT)

    assert code == 128 + signal.SIGINT, (code, out, err)
    assert "Traceback" not in err, err
    assert printed_secret(out) is not None, err
    assert "cut short" in err
    assert asyncio.run(works(local, old))
    again = ok(rime_tui(local, "token", "rotate", "deploy", token=local.api_token))
    new = printed_secret(again.stdout)
    assert new is not None
    assert asyncio.run(works(local, new))
    assert sorted(asyncio.run(names(local))) == ["Default token", "deploy"], again.stderr


def test_a_stand_in_it_runs_with_is_reused_when_the_old_token_is_still_there(
    local: Local, proxy: LatencyProxy
) -> None:
    """The old token's delete, abandoned by SIGTERM, never reached the instance (the link
    went down): the old token and the printed stand-in both work. Rotating again with the
    stand-in as RIME_API_TOKEN uses it as the stand-in and finishes."""
    proxy.stall("DELETE", TOKENS + "/")
    command = start(proxy, local.api_token, "token", "rotate", "Default token")
    deadline = time.monotonic() + PATIENCE
    while proxy.stalled == 0:
        assert command.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    command.send_signal(signal.SIGTERM)
    out, err = command.communicate(timeout=PATIENCE)
    proxy.stop()  # the held delete dies with the link
    assert command.returncode == 128 + signal.SIGTERM, (out, err)
    stand_in = printed_secret(out)
    assert stand_in is not None, err
    assert asyncio.run(works(local, stand_in))
    assert asyncio.run(works(local, local.api_token))

    again = ok(rime_tui(local, "token", "rotate", "Default token", token=stand_in))
    new = printed_secret(again.stdout)
    assert new is not None
    assert asyncio.run(works(local, new))
    assert not asyncio.run(works(local, stand_in))
    assert not asyncio.run(works(local, local.api_token))
    assert asyncio.run(names(local, new)) == ["Default token"]


def _catches(pid: int, signum: int) -> bool:
    """Whether process *pid* has a handler of its own for *signum* (/proc's SigCgt)."""
    status = Path(f"/proc/{pid}/status").read_text()
    (caught,) = (line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught, 16) >> (signum - 1) & 1)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_the_command_starts_ends_it_quietly(signum: signal.Signals) -> None:
    # Interrupted during its imports and set-up (before its own handlers): SIGINT
    # printed a KeyboardInterrupt traceback, SIGTERM killed it with no word (-15). The
    # cluster is a socket that takes connections and never answers: whenever the
    # signal comes, the command is still waiting.
    # Before rime-tui's first handler is in place nothing of ours can answer a signal,
    # so the delays count from then: from when the process catches SIGTERM (Python
    # itself catches only SIGINT). Counted from the spawn, as this test once did, a
    # busy machine started Python too slowly and the signal came first.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        cluster = f"http://127.0.0.1:{silent.getsockname()[1]}"
        env = dict(os.environ, RIME_API_TOKEN="rime_" + "x" * 40)
        for after in (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 0.8):
            command = subprocess.Popen(
                [sys.executable, "-m", "rime_tui", "token", "rotate", "name", "--cluster", cluster],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            deadline = time.monotonic() + PATIENCE
            while not _catches(command.pid, signal.SIGTERM):
                assert command.poll() is None and time.monotonic() < deadline
                time.sleep(0.001)
            time.sleep(after)  # (when it comes does not matter: every point must be quiet)
            command.send_signal(signum)
            out, err = command.communicate(timeout=60)
            assert command.returncode == 128 + signum, (after, out, err)
            assert "Traceback" not in err, (after, err)
            assert "interrupted" in err, (after, err)
            assert out == ""


@pytest.mark.parametrize("point", list(POINTS))
def test_an_interrupted_rotate_write_leaves_a_working_secret_in_the_file(
    local: Local, proxy: LatencyProxy, point: str, tmp_path: Path
) -> None:
    """``rotate --write FILE`` (a service reads FILE) stopped after each request: FILE
    holds a working secret (the new one, the stand-in's, or the old one it held), and
    the next ``rotate --write FILE`` puts a working one there."""
    old = asyncio.run(make(local, "deploy"))
    secret_file = tmp_path / "deploy.token"
    secret_file.write_text(old + "\n")
    method, path, skip = POINTS[point]
    proxy.stall(method, path, skip=skip)
    command = start(
        proxy, local.api_token, "token", "rotate", "deploy", "--write", str(secret_file)
    )
    code, out, err = interrupt_at(proxy, command, signal.SIGINT)

    assert code == 128 + signal.SIGINT, (code, out, err)
    assert "Traceback" not in err, err
    held = secret_file.read_text().strip()
    assert held not in out and held not in err  # the secret went to FILE only
    assert asyncio.run(works(local, held)), (point, out, err)

    ok(
        rime_tui(
            local, "token", "rotate", "deploy", "--write", str(secret_file), token=local.api_token
        )
    )
    new = secret_file.read_text().strip()
    assert new != held
    assert asyncio.run(works(local, new))
    assert not asyncio.run(works(local, held))
    assert sorted(asyncio.run(names(local))) == ["Default token", "deploy"]


def test_a_create_write_interrupted_in_flight_puts_its_secret_in_the_file(
    local: Local, proxy: LatencyProxy, tmp_path: Path
) -> None:
    secret_file = tmp_path / "ci.token"
    proxy.stall("POST", TOKENS)
    command = start(proxy, local.api_token, "token", "create", "ci", "--write", str(secret_file))
    code, out, err = interrupt_at(proxy, command, signal.SIGTERM)

    assert code == 128 + signal.SIGTERM, (code, out, err)
    assert "Traceback" not in err, err
    secret = secret_file.read_text().strip()
    assert secret not in out and secret not in err
    assert asyncio.run(works(local, secret))
    ok(rime_tui(local, "token", "rotate", "ci", "--write", str(secret_file), token=local.api_token))
    assert asyncio.run(works(local, secret_file.read_text().strip()))
    assert sorted(asyncio.run(names(local))) == ["Default token", "ci"]
