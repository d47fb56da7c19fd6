"""Exit codes of ``rime-tui token`` and ``status`` as a script sees them (issue 19, item 3),
retries of idempotent calls (item 4) and ``--quiet``.

Every command runs as a subprocess: against a real local instance (as its admin, or as a
cluster with its API token), or against :class:`FaultyServer` where a cluster must
misbehave (a 400 the client does not foresee, 503s with Retry-After, an outage).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import curl_status, listed, ok, rime_tui
from tests.support.faulty_server import FaultyServer
from tests.support.helpers import sign_in_admin
from tests.support.local import Local
from tests.support.net import free_port

TOKENS = "/v1/users/api-tokens"
SCRIPTING = Path(__file__).resolve().parents[2] / "docs" / "scripting.md"


@pytest.fixture
def faulty(faulty: FaultyServer) -> FaultyServer:
    """The stand-in cluster, with the users list ``token list`` asks for."""
    faulty.pin("GET", "/v1/users", {"users": [], "nextPageToken": "", "hasMore": False})
    return faulty


STAND_IN_TOKEN = "rime_stand-in-secret"  # the stand-in cluster takes any


def against(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``rime-tui ARGS --cluster URL`` with an API token."""
    env = {k: v for k, v in os.environ.items() if k != "RIME_CLUSTER_URL"}
    env["RIME_API_TOKEN"] = STAND_IN_TOKEN
    return subprocess.run(
        [sys.executable, "-m", "rime_tui", *args, "--cluster", url],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=60,
    )


# -- 2: bad arguments --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["", "   ", "x" * 101, "with\ttab", "esc\x1b[31mape", "zero\u200bwidth"],
    ids=["empty", "blank", "101 characters", "tab", "ESC", "zero-width space"],
)
def test_a_bad_name_exits_2_and_makes_nothing(local: Local, name: str) -> None:
    """As the admin and with an API token: refused before any request, exit 2."""
    for token in (None, local.api_token):
        done = ok(rime_tui(local, "token", "create", name, token=token), 2)
        assert "token name" in done.stderr and done.stdout == "", done.stderr
        assert "\x1b" not in done.stderr
    assert [t["name"] for t in listed(local)] == ["Default token"]


def test_a_lifetime_out_of_range_exits_2_and_makes_nothing(local: Local) -> None:
    for days in ("0", "271", "-1", "ten"):
        done = ok(rime_tui(local, "token", "create", "ci", "--expires-in", days), 2)
        assert "--expires-in" in done.stderr, done.stderr
    assert [t["name"] for t in listed(local)] == ["Default token"]
    ok(rime_tui(local, "token", "create", "ci", "--expires-in", "270"))


def test_an_argument_the_cluster_refuses_exits_2(faulty: FaultyServer) -> None:
    """A 400 the client did not foresee (a cluster's own rule) is bad arguments too."""
    refused = {"code": 3, "message": "Token names may not start with 'x'.", "details": []}
    faulty.pin("POST", TOKENS, refused, status=400)
    done = against(faulty.url, "token", "create", "xylophone")
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "may not start with" in done.stderr and done.stdout == ""


# -- 6: the name is taken; 7: the cap -----------------------------------------------------


def test_a_name_taken_exits_6_and_the_first_token_stays(local: Local) -> None:
    first = ok(rime_tui(local, "token", "create", "ci")).stdout.strip()
    for token in (None, local.api_token):
        again = ok(rime_tui(local, "token", "create", "ci", token=token), 6)
        assert again.stdout == "" and "ci" in again.stderr, again.stderr
    assert curl_status(local, first) == 200
    assert sorted(t["name"] for t in listed(local)) == ["Default token", "ci"]


async def test_the_token_cap_exits_7(local: Local) -> None:
    async with await sign_in_admin(local) as root:
        for n in range(199):
            await root.create_api_token(f"filler {n}", local.workspace_id)
    done = ok(rime_tui(local, "token", "create", "one more"), 7)
    assert done.stdout == "" and "200" in done.stderr
    assert len(listed(local)) == 200


# -- 1: no answer, or a server error -----------------------------------------------------


def test_an_outage_exits_1(faulty: FaultyServer) -> None:
    gone = against(f"http://127.0.0.1:{free_port()}", "token", "list")
    assert gone.returncode == 1 and "Could not connect" in gone.stderr, gone.stderr
    broken = {"code": 13, "message": "internal error", "details": []}
    faulty.answer_next("GET", TOKENS, 500, broken)
    failed = against(faulty.url, "token", "list")
    assert failed.returncode == 1 and "internal error" in failed.stderr, failed.stderr


# -- retries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "first"),
    [(("token", "list", "--json"), TOKENS), (("status", "--json"), "/v1/workspace")],
    ids=["one-shot token list", "status on the event loop"],
)
def test_a_get_answered_503_or_429_is_sent_again_after_retry_after(
    faulty: FaultyServer, command: tuple[str, ...], first: str
) -> None:
    later = {"code": 14, "message": "unavailable, try later", "details": []}
    faulty.answer_next("GET", first, 503, later, headers={"Retry-After": "0"})
    faulty.answer_next("GET", "/v1/users", 429, later, headers={"Retry-After": "1"})
    done = against(faulty.url, *command)
    assert done.returncode == 0, done.stderr
    assert faulty.count("GET", first) == 2 and faulty.count("GET", "/v1/users") == 2
    assert "trying again in 1.0 s" in done.stderr, done.stderr


def test_retries_give_up_and_a_long_retry_after_is_not_waited_for(
    faulty: FaultyServer,
) -> None:
    later = {"code": 14, "message": "unavailable, try later", "details": []}
    faulty.answer_next("GET", TOKENS, 503, later, headers={"Retry-After": "0"}, count=9)
    done = against(faulty.url, "token", "list")
    assert done.returncode == 1 and "try later" in done.stderr
    assert faulty.count("GET", TOKENS) == 4  # once, then 3 retries
    faulty.queued.clear()
    faulty.answer_next("GET", TOKENS, 429, later, headers={"Retry-After": "3600"})
    hour = against(faulty.url, "token", "list")
    assert hour.returncode == 1 and faulty.count("GET", TOKENS) == 5


def test_a_create_answered_503_is_not_sent_again(faulty: FaultyServer) -> None:
    """A POST is not idempotent: sent again, it could make two tokens."""
    later = {"code": 14, "message": "unavailable, try later", "details": []}
    faulty.answer_next("POST", TOKENS, 503, later, headers={"Retry-After": "0"})
    done = against(faulty.url, "token", "create", "ci")
    assert done.returncode == 1 and faulty.count("POST", TOKENS) == 1, done.stderr


# -- --quiet ----------------------------------------------------------------------------


def test_quiet_leaves_stderr_to_errors(local: Local) -> None:
    made = ok(rime_tui(local, "token", "create", "ci", "--quiet"))
    assert made.stderr == "" and made.stdout.startswith("rime_")
    gone = ok(rime_tui(local, "token", "delete", "ci", "--yes", "-q"))
    assert gone.stderr == "" and gone.stdout == ""
    loud = ok(rime_tui(local, "token", "create", "", "--quiet"), 2)
    assert "token name" in loud.stderr


# -- the table in --help and in docs/scripting.md ---------------------------------------


def test_help_and_readme_list_the_same_exit_codes() -> None:
    """Each code the commands use is in ``--help`` and docs/scripting.md, with the same words."""
    from rime_tui.commands.exits import Exit

    helped = subprocess.run(
        [sys.executable, "-m", "rime_tui", "token", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    in_help = {int(c) for c in re.findall(r"^  (\d+)  ", helped, re.M)} | {143, 129}
    scripting = SCRIPTING.read_text(encoding="utf-8")
    table = scripting.split("Exit codes (also in", 1)[1].split("\n\n", 2)[1]
    in_readme = {int(c) for c in re.findall(r"`(\d+)`", table)}
    assert in_help == in_readme == {*(int(e) for e in Exit), 129, 130, 141, 143}
    for code, words in (
        (2, "bad arguments"),
        (6, "name is taken"),
        (7, "200 tokens"),
    ):
        assert re.search(rf"^  {code}  .*{words}", helped, re.M), code
        assert re.search(rf"^\| `{code}` \| .*{words}", table, re.M), code
