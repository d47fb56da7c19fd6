"""Each row of the exit-code table (docs/scripting.md, ``rime-tui token --help``), the
code and the words a script's user reads, with the commands run in this process:
``rime_tui.cli.main(argv)``, the entry point of ``rime-tui``.

``test_cli_exit_codes.py`` runs the same commands as subprocesses, as a script does;
here mutation testing (tools/mutation.py, module ``exits``) sees the code that chooses
the codes. One local instance serves the whole module, over HTTP on 127.0.0.1; a
stand-in cluster (:class:`FaultyServer`) answers what a local instance never does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from rime_tui import signals
from rime_tui.cli import main
from rime_tui.commands import token
from rime_tui.commands.exits import Exit
from tests.support.faulty_server import FaultyServer
from tests.support.latency_proxy import LatencyProxy
from tests.support.local import Local
from tests.support.net import free_port

TOKENS = "/v1/users/api-tokens"
PATIENCE = 60.0  # seconds to wait for a command to reach a stalled request (a failure)


def waited_for(condition: Callable[[], object]) -> bool:
    """Whether *condition* came true within PATIENCE (from a thread beside the command)."""
    for _ in range(int(PATIENCE * 100)):
        if condition():
            return True
        threading.Event().wait(0.01)
    return False


@pytest.fixture(autouse=True)
def signal_handlers() -> Iterator[None]:
    """``main`` installs its own SIGINT and SIGTERM handlers (for start-up): put pytest's back."""
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    yield
    for signum, handler in before.items():
        signal.signal(signum, handler)


class Run:
    """``rime-tui ARGS`` in this process: its exit code, stdout and stderr."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self.capsys = capsys
        self.monkeypatch = monkeypatch
        monkeypatch.delenv("RIME_CLUSTER_URL", raising=False)
        monkeypatch.delenv("RIME_API_TOKEN", raising=False)

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        return code, out, err

    def admin(self, local: Local, *argv: str) -> tuple[int, str, str]:
        """As the local instance's admin (``--data-dir``, ``--port``)."""
        return self(*argv, "--data-dir", str(local.data_dir), "--port", str(local.server.port))

    def cluster(self, url: str, token: str, *argv: str) -> tuple[int, str, str]:
        """As a cluster's user: ``--cluster URL`` with ``RIME_API_TOKEN``."""
        self.monkeypatch.setenv("RIME_API_TOKEN", token)
        return self(*argv, "--cluster", url)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    return Run(capsys, monkeypatch)


@pytest.fixture
def faulty(faulty: FaultyServer) -> FaultyServer:
    """The stand-in cluster, with the users list ``token list`` asks for."""
    faulty.pin("GET", "/v1/users", {"users": [], "nextPageToken": "", "hasMore": False})
    return faulty


def refusal(message: str, code: int) -> dict[str, object]:
    return {"code": code, "message": message, "details": []}


# -- 0 ------------------------------------------------------------------------------------


def test_0_ok_and_quiet_leaves_stderr_to_errors(module_local: Local, run: Run) -> None:
    code, out, err = run.admin(module_local, "token", "create", "zero", "--quiet")
    assert (code, err) == (0, "") and out.startswith("rime_"), (code, err)
    code, out, err = run.admin(module_local, "token", "list", "--json", "--local")
    assert code == 0 and "zero" in {t["name"] for t in json.loads(out)}, err
    code, out, err = run.admin(module_local, "token", "create", "zero 2")
    assert code == 0 and out.startswith("rime_") and "zero 2" in err, err  # said, not quiet
    code, out, err = run.admin(module_local, "token", "create", "", "-q")
    assert code == 2 and out == "" and "token name" in err, err  # errors despite --quiet


# -- 1: no answer, a server error ---------------------------------------------------------


def test_1_no_answer(run: Run) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = run.cluster(url, "rime_any", "token", "list")
    assert code == 1 and out == "" and err.startswith("error: ") and "Could not connect" in err


def test_1_a_server_error(faulty: FaultyServer, run: Run) -> None:
    faulty.answer_next("GET", "/v1/workspace", 500, refusal("internal error", 13))
    code, out, err = run.cluster(faulty.url, "rime_any", "token", "list", "--all-workspaces")
    assert (code, out) == (1, "") and "error: " in err and "internal error" in err, err


# -- 2: usage -----------------------------------------------------------------------------


def test_2_a_bad_name_or_lifetime_makes_nothing(module_local: Local, run: Run) -> None:
    code, out, err = run.admin(module_local, "token", "create", "esc\x1b[31mape")
    assert (code, out) == (2, "") and err.startswith("error: the token name"), err
    assert "\x1b" not in err
    with pytest.raises(SystemExit) as parsed:
        run.admin(module_local, "token", "create", "ci", "--expires-in", "271")
    assert parsed.value.code == 2 and "--expires-in" in run.capsys.readouterr().err


def test_2_delete_without_yes(module_local: Local, run: Run) -> None:
    assert run.admin(module_local, "token", "create", "kept", "-q")[0] == 0
    code, out, err = run.admin(module_local, "token", "delete", "kept")
    assert (code, out) == (2, "") and "--yes" in err, err
    code, out, err = run.admin(module_local, "token", "list", "--json")
    assert "kept" in {t["name"] for t in json.loads(out)}


def test_2_an_argument_the_cluster_refuses(faulty: FaultyServer, run: Run) -> None:
    """The cluster's own words, shown without the control characters in them."""
    message = "Token names may not start with 'x'.\nSee \x1b[31mthe rules\x07."
    faulty.pin("POST", TOKENS, refusal(message, 3), status=400)
    code, out, err = run.cluster(faulty.url, "rime_any", "token", "create", "xylophone")
    assert (code, out) == (2, "")
    assert err == "error: Token names may not start with 'x'.\nSee ?[31mthe rules?.\n", err


def test_2_local_and_profile(run: Run, tmp_path: Path) -> None:
    code, out, err = run("token", "list", "--local", "--profile", "p", "--data-dir", str(tmp_path))
    assert (code, out, err) == (2, "", "error: --local and --profile: choose one.\n")


# -- 3: found some ------------------------------------------------------------------------


def test_3_check_and_list_expiring_found_some(local: Local, run: Run) -> None:
    """(A fresh instance: only the token this test made expires soon.)"""
    assert run.admin(local, "token", "check")[0] == 0
    assert run.admin(local, "token", "create", "soon", "--expires-in", "1", "-q")[0] == 0
    code, out, err = run.admin(local, "token", "check")
    assert code == 3 and "soon" in out + err, (out, err)
    code, out, err = run.admin(local, "token", "list", "--expiring", "14")
    assert code == 3 and "soon" in out, (out, err)


# -- 4: authentication failed -------------------------------------------------------------


def test_4_the_cluster_refuses_the_token(module_local: Local, run: Run) -> None:
    code, out, err = run.cluster(module_local.url, "rime_not-a-token", "token", "list")
    assert (code, out) == (4, "") and err.startswith("error: authentication failed: "), err


def test_4_a_cluster_without_a_token(module_local: Local, run: Run) -> None:
    code, out, err = run("token", "list", "--cluster", module_local.url)
    assert (code, out) == (4, "") and err.startswith("error: set RIME_API_TOKEN"), err


def test_4_auth_login_with_a_token_the_cluster_refuses_stores_nothing(
    module_local: Local, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("rime_not-a-token\n"))
    code, out, err = run("auth", "login", "--cluster", module_local.url, "--with-token")
    assert (code, out) == (4, "") and err.startswith("error: authentication failed: "), err
    code, out, err = run("auth", "token")
    assert (code, out) == (5, "") and err.startswith("error: "), err  # no profile stored
    monkeypatch.setattr("sys.stdin", io.StringIO(module_local.api_token + "\n"))
    code, out, err = run("auth", "login", "--cluster", module_local.url, "--with-token")
    assert code == 0, err
    assert run("auth", "token") == (0, module_local.api_token + "\n", "")


def test_revoke_goes_to_the_cluster_given_and_a_secret_it_does_not_take_exits_4(
    module_local: Local, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``echo "$LEAKED" | rime-tui token revoke --stdin --cluster URL``: 0, then 4."""
    code, secret, _ = run.admin(module_local, "token", "create", "leaked", "-q")
    assert code == 0 and secret.startswith("rime_")
    for expected in (0, 4):
        monkeypatch.setattr("sys.stdin", io.StringIO(secret))
        code, out, err = run("token", "revoke", "--stdin", "--cluster", module_local.url)
        assert (code, out) == (expected, ""), err
    assert err.startswith(f"error: {module_local.url} does not take that secret"), err
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{secret} {secret}\n"))
    code, out, err = run("token", "revoke", "--stdin", "--cluster", module_local.url)
    assert (code, out) == (2, "") and "more than one secret" in err, err


# -- 5: no such token, workspace or profile ----------------------------------------------


def test_5_no_such_token(module_local: Local, run: Run) -> None:
    code, out, err = run.admin(module_local, "token", "delete", "nosuch", "--yes")
    assert (code, out) == (5, "") and err.startswith("error: ") and "nosuch" in err, err


def test_5_no_such_token_on_the_cluster(faulty: FaultyServer, run: Run) -> None:
    """No workspace to be seen; the cluster's own 404."""
    faulty.pin("GET", "/v1/workspace", {"workspaces": [], "nextPageToken": "", "hasMore": False})
    code, out, err = run.cluster(faulty.url, "rime_any", "token", "list", "--workspace", "W")
    assert code == 5 and "workspace" in err, err
    faulty.answer_next("GET", "/v1/rime-info", 404, refusal("no such thing here", 5))
    code, out, err = run.cluster(faulty.url, "rime_any", "status")
    assert (code, out, err) == (5, "", "error: no such thing here\n"), err


def test_5_no_such_profile(run: Run) -> None:
    """``auth token`` reaches no cluster (commands/stored.py)."""
    code, out, err = run("auth", "token", "--profile", "nosuch")
    assert (code, out) == (5, "") and err.startswith("error: ") and "nosuch" in err, err


def test_5_no_such_profile_to_send_with(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run("token", "list", "--profile", "nosuch")
    assert (code, out) == (5, "") and err.startswith("error: ") and "nosuch" in err, err
    monkeypatch.setenv("RIME_PROFILE", "gone")  # as --profile
    for argv in (("token", "list"), ("auth", "token")):
        code, out, err = run(*argv)
        assert (code, out) == (5, "") and err.startswith("error: ") and "gone" in err, err


def test_2_a_name_no_profile_can_have(run: Run) -> None:
    code, out, err = run("auth", "token", "--profile", "no/such")
    assert (code, out) == (2, "") and err.startswith("error: --profile: 'no/such' cannot"), err


def test_1_profiles_that_cannot_be_read(run: Run, isolated_dirs: Path) -> None:
    """A broken profiles.toml: neither a profile's token nor the profile to use is known."""
    (isolated_dirs / "config").mkdir(mode=0o700, exist_ok=True)
    (isolated_dirs / "config" / "profiles.toml").write_text("[broken\n")
    (isolated_dirs / "config" / "profiles.toml").chmod(0o600)
    for argv in (("auth", "token"), ("token", "list")):
        code, out, err = run(*argv)
        assert (code, out) == (1, "") and err.startswith("error: cannot read the profiles"), err


# -- 6: taken; 7: the cap -----------------------------------------------------------------


def test_6_the_name_is_taken(module_local: Local, run: Run) -> None:
    code, first, _ = run.admin(module_local, "token", "create", "twice", "-q")
    assert code == 0 and first.startswith("rime_")
    code, out, err = run.admin(module_local, "token", "create", "twice")
    assert (code, out) == (6, "") and err.startswith("error: ") and "twice" in err, err


def test_7_the_cap_and_1_for_a_limit_that_lifts(faulty: FaultyServer, run: Run) -> None:
    """A 429 without Retry-After is the cap (7); with one, a limit that lifts by itself (1)."""
    cap = "This instance holds 200 tokens, the most it may: delete one first."
    faulty.answer_next("POST", TOKENS, 429, refusal(cap, 8))
    code, out, err = run.cluster(faulty.url, "rime_any", "token", "create", "one more")
    assert (code, out, err) == (7, "", f"error: {cap}\n")
    faulty.answer_next("POST", TOKENS, 429, refusal("slow down", 8), headers={"Retry-After": "600"})
    code, out, err = run.cluster(faulty.url, "rime_any", "token", "create", "one more")
    assert (code, out) == (1, "") and err.endswith("error: slow down\n"), err


# -- 130, 143, 129: interrupted -----------------------------------------------------------


@pytest.fixture(scope="module")
def proxy(module_local: Local) -> Iterator[LatencyProxy]:
    """The module's instance as a slow cluster."""
    slow = LatencyProxy(module_local.server.port).start()
    try:
        yield slow
    finally:
        slow.release()
        slow.stop()


def _list_stalled(
    module_local: Local, proxy: LatencyProxy, run: Run, at_the_stall: Callable[[], None]
) -> tuple[int, str, str]:
    """``token list --all-workspaces`` through *proxy*, its tokens' request stalled;
    *at_the_stall* runs (on a thread) once the command waits for that answer."""
    proxy.stall("GET", TOKENS)

    def then() -> None:
        if waited_for(lambda: proxy.stalled):
            at_the_stall()

    threading.Thread(target=then, daemon=True).start()
    try:
        return run.cluster(proxy.url, module_local.api_token, "token", "list", "--all-workspaces")
    finally:
        proxy.release()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_interrupted_waiting_for_the_cluster(
    module_local: Local, proxy: LatencyProxy, run: Run, signum: signal.Signals
) -> None:
    code, out, err = _list_stalled(module_local, proxy, run, lambda: os.kill(os.getpid(), signum))
    assert (code, out) == (128 + signum, "")
    assert err.startswith(f"{signum.name}: stopping (a token being made is waited for first")
    assert err.endswith("\ninterrupted\n") and "Traceback" not in err, err


# -- 141: the reader went away ------------------------------------------------------------


def test_141_the_reader_of_stdout_went_away(
    module_local: Local, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    reading, writing = os.pipe()
    os.close(reading)  # `| head -1` is done
    stdout = os.fdopen(writing, "w")
    monkeypatch.setattr("sys.stdout", stdout)
    try:
        code, _, err = run.admin(module_local, "token", "list")
        assert (code, err) == (141, "")
        stdout.write("more")
        stdout.flush()  # stdout is /dev/null now: nothing breaks at exit
    finally:
        stdout.close()


def test_129_when_the_terminal_is_gone(
    module_local: Local, proxy: LatencyProxy, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGHUP: an SSH link dropped, so there is no terminal to say "interrupted" on
    (writing to it fails with EIO); the exit code still says what happened."""
    terminal, line = os.openpty()
    stderr = os.fdopen(line, "w")
    monkeypatch.setattr("sys.stderr", stderr)

    def hang_up() -> None:
        os.close(terminal)
        os.kill(os.getpid(), signal.SIGHUP)

    try:
        code, out, _ = _list_stalled(module_local, proxy, run, hang_up)
    finally:
        with contextlib.suppress(OSError):
            stderr.close()
    assert (code, out) == (129, "")


def test_interrupted_while_a_token_is_made_prints_its_secret_first(
    module_local: Local, proxy: LatencyProxy, run: Run
) -> None:
    """The create in flight is waited for (its secret must not be lost), then 143."""
    proxy.stall("POST", TOKENS)
    stderr = sys.stderr  # (capsys's: what the person reads)

    def interrupt() -> None:  # once the create is on its way; let it answer once told
        if waited_for(lambda: proxy.stalled):
            os.kill(os.getpid(), signal.SIGTERM)
        waited_for(lambda: "SIGTERM: stopping" in stderr.getvalue())  # type: ignore[union-attr]
        proxy.release()

    threading.Thread(target=interrupt, daemon=True).start()
    code, out, err = run.cluster(proxy.url, module_local.api_token, "token", "create", "made")
    assert code == 143 and out.startswith("rime_"), (code, err)
    assert err.endswith("\ninterrupted: the token 'made' was made.\n") and "Traceback" not in err


# -- 130, 143, 129 before and after the command's own handlers ---------------------------
#
# The command's own handlers (``runner._interruptible``) are in place only while it runs
# on the event loop; a signal before or after that takes another path to its code. Each
# test below wraps or replaces our own ``token list`` (``token.ACTIONS``: our code, not
# the server's or the client's) with a step that sends this process a real signal at
# one chosen moment, so the moment is certain rather than a race.

STOPPING = "stopping (a token being made is waited for first: its secret must not be lost)"


def listed(out: str, local: Local) -> bool:
    """Whether *out* is ``token list --json``'s list, the admin's token in it."""
    return local.admin_email in {row["owner"] for row in json.loads(out)}


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name
)
def test_a_signal_while_the_command_starts(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, signum: signal.Signals
) -> None:
    """The signal comes while ``token list`` is set up, before its own handlers are in
    place: the start-up handler (:mod:`rime_tui.signals`) ends it quietly, with the
    signal's code. (``token list`` is replaced by a step that sends the signal.)"""

    def setting_up(args: argparse.Namespace) -> NoReturn:
        signal.raise_signal(signum)  # (the start-up handler raises here)
        raise AssertionError(f"{signum.name} did not stop the command")

    monkeypatch.setitem(token.ACTIONS, "list", setting_up)
    code, out, err = run("token", "list", "--local", "--data-dir", str(tmp_path))
    assert (code, out, err) == (128 + signum, "", "interrupted\n")


def test_a_signal_while_the_event_loop_is_made(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """SIGTERM while the command's event loop is being made (its selector is made, its
    wake-up pipe not yet): held back until the loop is whole, then it ends the command
    quietly. (Raised inside the making, the start-up handler left a half-made loop that
    printed "Exception ignored … Traceback" as it was collected.)"""
    import gc
    import selectors

    made = selectors.DefaultSelector
    ignored: list[object] = []

    def selector() -> selectors.BaseSelector:
        signal.raise_signal(signal.SIGTERM)
        return made()

    monkeypatch.setattr("asyncio.selector_events.selectors.DefaultSelector", selector)
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    code, out, err = run("token", "list", "--local", "--data-dir", str(tmp_path))
    gc.collect()
    assert (code, out, err) == (143, "", "interrupted\n")
    assert ignored == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_while_the_command_winds_down(
    signum: signal.Signals, module_local: Local, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signal after the list is printed, while ``asyncio.run`` winds down (it cancels
    what the command left running): the command's handlers are gone, and asyncio put
    back the defaults (SIGTERM, SIGHUP: death with no word; SIGINT: Python's, a bare
    KeyboardInterrupt). The start-up handlers are back instead: 128 + the signal and
    "interrupted", no traceback. (A task that the wrapped ``token list`` leaves sends
    the signal when it is cancelled.)"""
    list_tokens = token.ACTIONS["list"]
    left: list[asyncio.Task[None]] = []
    handlers: list[object] = []

    async def waiting() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            handlers.append(signal.getsignal(signum))
            signal.raise_signal(signum)
            raise

    async def list_and_leave_a_task(args: argparse.Namespace) -> Exit:
        code = await list_tokens(args)
        left.append(asyncio.create_task(waiting()))
        await asyncio.sleep(0)  # it waits
        return code

    monkeypatch.setitem(token.ACTIONS, "list", list_and_leave_a_task)
    try:
        code, out, err = run.admin(module_local, "token", "list", "--json")
    finally:  # (what the task raised, retrieved: no warning at exit)
        raised = [task.exception() for task in left if task.done() and not task.cancelled()]
    assert handlers == [signals._stop]  # the start-up handler, not asyncio's default
    assert len(raised) == 1 and isinstance(raised[0], signals.Stopped), raised
    assert (code, err) == (128 + signum, "interrupted\n") and listed(out, module_local), err


def test_a_signal_handled_after_the_commands_last_step(
    module_local: Local, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM during the last step of ``token list``, its handler run on the event loop
    only after the command has returned: the list is printed in full, nothing was cut
    short ("stopping", but no "interrupted"), and the code still says 143. (The wrapped
    ``token list`` sends the signal, then waits for a step queued before the loop reads
    the signal: so the command's end is queued before the handler's call.)"""
    list_tokens = token.ACTIONS["list"]

    async def list_then_a_signal(args: argparse.Namespace) -> Exit:
        code = await list_tokens(args)
        loop = asyncio.get_running_loop()
        signal.raise_signal(signal.SIGTERM)  # (noted in the loop's wake-up pipe)
        last = loop.create_future()
        loop.call_soon(last.set_result, None)  # before the loop reads the pipe
        await last
        return code

    monkeypatch.setitem(token.ACTIONS, "list", list_then_a_signal)
    code, out, err = run.admin(module_local, "token", "list", "--json")
    assert (code, err) == (143, f"SIGTERM: {STOPPING}\n") and listed(out, module_local), err
