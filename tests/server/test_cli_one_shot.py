"""``token list`` with an API token on a cluster runs on the one-shot path (issue 17,
item 3: :mod:`rime_tui.commands.quick`, a synchronous client, no event loop): the same
output as on the event loop, the same wire models checked as strictly, the same errors
and exit codes, and no silent second try on the event loop when an answer is wrong.

In-process (``rime_tui.cli.main``) against a real local instance reached as a cluster,
or the stand-in cluster where an answer must be wrong; a subprocess where a signal
must end it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from rime_tui.cli import main
from rime_tui.signals import STOPPING
from tests.support.faulty_server import WORKSPACE_ID, Fault, FaultyServer
from tests.support.latency_proxy import LatencyProxy
from tests.support.local import Local

TOKENS = "/v1/users/api-tokens"
WORKSPACES = "/v1/workspace"


@pytest.fixture(autouse=True)
def signals_kept() -> Iterator[None]:
    """``main`` sets the start-up signal handlers (rime_tui.signals): put back pytest's."""
    saved = {signum: signal.getsignal(signum) for signum in STOPPING}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def token_list(
    url: str, token: str, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """``rime-tui token list --json ARGS --cluster URL`` with RIME_API_TOKEN=*token*:
    exit code, stdout, stderr."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RIME_API_TOKEN", token)
        env.delenv("RIME_CLUSTER_URL", raising=False)
        code = main(["token", "list", "--json", *args, "--cluster", url])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_one_shot_list_is_the_event_loops_list(
    local: Local, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --workspace: the one-shot path (the API token's own workspace's tokens
    and the users who own them, no workspace list); with it: the event loop's path.
    The same JSON."""
    with LatencyProxy(local.server.port) as counted:  # (no delay: it counts the requests)
        code, quick, _ = token_list(counted.url, local.api_token, capsys)
    assert code == 0
    assert sorted(path.partition("?")[0] for _, path in counted.requests) == [
        "/v1/users",
        TOKENS,
    ], counted.requests
    code, full, _ = token_list(local.url, local.api_token, capsys, "--workspace", "Workspace 1")
    assert code == 0
    rows = json.loads(quick)
    assert rows == json.loads(full) and len(rows) == 1
    assert rows[0]["workspaceId"] == local.workspace_id
    assert rows[0]["owner"] == local.admin_email


@pytest.mark.parametrize(
    ("fault", "code", "words"),
    [
        (Fault.MALFORMED_JSON, 1, f"answer from {{host}} to GET {TOKENS} is not JSON"),
        (Fault.WRONG_SHAPE, 1, "does not have the expected shape"),
        (Fault.BAD_GATEWAY, 1, "answered 502 Bad Gateway without an RI error body"),
        (Fault.INTERNAL, 1, "error: internal error [/] in the backend"),
        (Fault.UNAUTHORIZED, 4, "error: authentication failed: The API key has been revoked."),
    ],
    ids=lambda v: v.name.lower() if isinstance(v, Fault) else None,
)
def test_a_wrong_answer_is_the_documented_error_and_not_tried_again(
    faulty: FaultyServer, capsys: pytest.CaptureFixture[str], fault: Fault, code: int, words: str
) -> None:
    faulty.fail(TOKENS, fault)
    done, out, err = token_list(faulty.url, "rime_stand-in", capsys)
    host = faulty.url.removeprefix("http://")
    assert (done, out) == (code, ""), err
    assert words.format(host=host) in err, err
    assert "Traceback" not in err
    # One request, on the one-shot path: no workspace list, no second try on the event loop.
    assert faulty.count("GET", TOKENS) == 1 and faulty.count("GET", WORKSPACES) == 0


@pytest.mark.parametrize(
    ("fault", "code", "words"),
    [
        (Fault.WRONG_SHAPE, 1, "to GET /v1/users does not have the expected shape"),
        (Fault.UNAUTHORIZED, 4, "error: authentication failed: The API key has been revoked."),
    ],
    ids=["wrong_shape", "unauthorized"],
)
def test_a_wrong_answer_about_the_owners_is_the_documented_error(
    faulty: FaultyServer, capsys: pytest.CaptureFixture[str], fault: Fault, code: int, words: str
) -> None:
    """The users who own the tokens are asked for on a thread, beside the token list:
    what goes wrong there ends the command as on the event loop, with nothing on
    stdout."""
    faulty.fail("/v1/users", fault)
    done, out, err = token_list(faulty.url, "rime_stand-in", capsys)
    assert (done, out) == (code, ""), err
    assert words in err and "Traceback" not in err, err
    assert faulty.count("GET", "/v1/users") == 1 and faulty.count("GET", WORKSPACES) == 0


def test_a_token_that_does_not_say_its_workspace_is_listed_on_the_event_loop(
    faulty: FaultyServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A cluster whose token infos lack ``workspaceId``: the workspace comes from the
    workspace list, as before (never a blank in the JSON)."""
    bare = {"id": {"uuid": "0b5e4c1e-5a0c-4f7e-9d3a-000000000100"}, "name": "ci"}
    faulty.pin("GET", TOKENS, {"apiTokenInfos": [bare], "hasMore": False})
    faulty.pin("GET", "/v1/users", {"users": [], "hasMore": False})
    done, out, err = token_list(faulty.url, "rime_stand-in", capsys)
    assert done == 0, err
    assert [(r["name"], r["workspaceId"]) for r in json.loads(out)] == [("ci", WORKSPACE_ID)]
    assert faulty.count("GET", WORKSPACES) == 1


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name
)
def test_a_signal_while_the_one_shot_list_waits_ends_it_quietly(signum: signal.Signals) -> None:
    """The cluster takes the connection and never answers: the signal comes while the
    request waits (the connection accepted tells when)."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        cluster = f"http://127.0.0.1:{silent.getsockname()[1]}"
        env = dict(os.environ, RIME_API_TOKEN="rime_" + "x" * 40)
        env.pop("RIME_CLUSTER_URL", None)
        command = subprocess.Popen(
            [sys.executable, "-m", "rime_tui", "token", "list", "--cluster", cluster],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        connection, _ = silent.accept()
        with connection:
            connection.recv(4096)  # the request has been sent
            command.send_signal(signum)
            out, err = command.communicate(timeout=60)
    assert command.returncode == 128 + signum, (out, err)
    assert "interrupted" in err and "Traceback" not in err, err
    assert out == ""
