"""Token rotate and secret delivery (rime_tui/api/delivery.py), in this process, against a
real local instance over HTTP, reached through the latency proxy where a request must
fail or be held while the work is cancelled. tests/server/test_cli_interrupted.py proves
the same through the command (a subprocess); these reach each step of the module."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from rime_tui.api import RimeClient
from rime_tui.api import delivery as d
from rime_tui.api.errors import (
    AnswerLostError,
    AuthenticationError,
    ConnectionFailedError,
    RimeError,
    TransportError,
)
from rime_tui.api.tokens import Listed
from rime_tui.wire import models as m
from rime_tui.wire.constants import MAX_NAME_LENGTH
from tests.support.cli import works
from tests.support.helpers import sign_in_admin
from tests.support.latency_proxy import LatencyProxy
from tests.support.local import Local
from tests.support.net import free_port
from tests.support.rotate import INFO, ROTATE_POINTS, TOKENS


def assert_one_warning_about(
    token: m.ApiTokenInfo | m.CreateApiTokenResponse, warned: list[str]
) -> None:
    """One warning was given: that *token* could not be deleted, so it stays."""
    assert len(warned) == 1
    assert warned[0].startswith(f"could not delete token {token.id.uuid}: ")


@pytest.fixture
def proxy(local: Local) -> Iterator[LatencyProxy]:
    with LatencyProxy(local.server.port, delay=0) as through:
        yield through


@pytest.fixture
async def client(local: Local, proxy: LatencyProxy) -> AsyncIterator[RimeClient]:
    """The bootstrap admin's token, through the proxy."""
    async with RimeClient(proxy.url, api_token=local.api_token) as through:
        yield through


async def tokens(local: Local) -> dict[str, m.ApiTokenInfo]:
    async with local.client() as admin:
        return {t.name: t async for t in admin.iter_api_tokens(local.workspace_id)}


async def make(local: Local, name: str, days: int | None = None) -> m.CreateApiTokenResponse:
    async with local.client() as admin:
        return await admin.create_api_token(name, local.workspace_id, expiry_days=days)


# -- the pure parts -----------------------------------------------------------------------


def test_a_stand_in_name_fits_the_name_limit() -> None:
    assert d.stand_in_name("deploy") == "deploy (rotating)"
    longest = d.stand_in_name("n" * MAX_NAME_LENGTH)
    assert len(longest) == MAX_NAME_LENGTH and longest.endswith("n (rotating)")


def test_a_lifetime_is_in_whole_days_and_at_least_one() -> None:
    made, some = datetime(2026, 1, 1, tzinfo=UTC), m.RimeUUID(uuid="0" * 32)

    def lifetime(**living: float) -> int | None:
        ends = made + timedelta(**living)
        return d.lifetime_days(m.ApiTokenInfo(id=some, creation_time=made, expiration_time=ends))

    assert lifetime(days=1) == 1 and lifetime(hours=1) == 1 and lifetime(days=270) == 270
    assert lifetime(days=30, hours=12, seconds=1) == 31  # the nearest whole day
    assert lifetime(days=30, hours=11, seconds=3599) == 30
    assert d.lifetime_days(m.ApiTokenInfo(id=some, creation_time=made)) is None  # no expiry
    assert d.lifetime_days(m.ApiTokenInfo(id=some, expiration_time=made)) is None


# -- rotate -------------------------------------------------------------------------------


async def test_a_rotate_keeps_name_and_lifetime_and_changes_the_secret(
    local: Local, client: RimeClient
) -> None:
    old = await make(local, "deploy", days=30)
    before = (await tokens(local))["deploy"]
    assert d.lifetime_days(before) == 30
    warned: list[str] = []
    made = await d.rotate(client, before, local.workspace_id, ours=False, warn=warned.append)
    after = await tokens(local)
    assert sorted(after) == ["Default token", "deploy"]
    assert after["deploy"].id.uuid == made.id.uuid != before.id.uuid
    assert d.lifetime_days(after["deploy"]) == 30
    assert await works(local, made.full_api_token)
    assert not await works(local, old.full_api_token)
    assert client.api_token == local.api_token  # not its own token: the client keeps its
    assert warned == []


async def test_a_rotate_of_the_token_the_client_runs_with_goes_on_with_the_new_one(
    local: Local, proxy: LatencyProxy
) -> None:
    old = await make(local, "mine")
    info = (await tokens(local))["mine"]
    async with RimeClient(proxy.url, api_token=old.full_api_token) as client:
        made = await d.rotate(client, info, local.workspace_id, ours=True, warn=print)
        assert client.api_token == made.full_api_token
        await client.rime_info()
    assert sorted(await tokens(local)) == ["Default token", "mine"]


async def test_a_stand_in_left_behind_is_deleted_first(local: Local, client: RimeClient) -> None:
    await make(local, "deploy")
    left = await make(local, d.stand_in_name("deploy"))
    found = await tokens(local)
    rows = [
        Listed(t, m.Workspace(workspace_id=m.RimeUUID(uuid=local.workspace_id)))
        for t in found.values()
    ]
    owner = found["deploy"].user_id
    assert d.stand_in_left(rows, "deploy", local.workspace_id, owner) == Listed(
        found["deploy (rotating)"], rows[0].workspace
    )
    assert d.stand_in_left(rows, "deploy", local.workspace_id, "someone else") is None
    assert d.stand_in_left(rows, "deploy", "another workspace", owner) is None
    assert d.stand_in_left(rows, "other", local.workspace_id, owner) is None
    warned: list[str] = []
    made = await d.rotate(
        client,
        found["deploy"],
        local.workspace_id,
        ours=False,
        warn=warned.append,
        left=found["deploy (rotating)"],
    )
    assert warned == ["deleted 'deploy (rotating)', the stand-in left by an interrupted rotate"]
    assert not await works(local, left.full_api_token)
    assert (await tokens(local))["deploy"].id.uuid == made.id.uuid
    assert sorted(await tokens(local)) == ["Default token", "deploy"]


async def test_a_stand_in_left_where_the_old_token_is_gone_makes_the_name_again(
    local: Local, client: RimeClient
) -> None:
    left = await make(local, d.stand_in_name("deploy"), days=9)
    info = (await tokens(local))["deploy (rotating)"]
    made = await d.rotate(
        client, None, local.workspace_id, ours=False, warn=print, left=info, name="deploy"
    )
    after = await tokens(local)
    assert sorted(after) == ["Default token", "deploy"]
    assert d.lifetime_days(after["deploy"]) == 9
    assert await works(local, made.full_api_token)
    assert not await works(local, left.full_api_token)
    with pytest.raises(
        ValueError, match=r"^rotate needs the old token, or the stand-in left and the name$"
    ):
        await d.rotate(client, None, local.workspace_id, ours=False, warn=print, left=info)


async def test_a_rotate_with_the_stand_in_it_runs_with_uses_it(
    local: Local, proxy: LatencyProxy
) -> None:
    await make(local, "deploy")
    left = await make(local, d.stand_in_name("deploy"))
    found = await tokens(local)
    async with RimeClient(proxy.url, api_token=left.full_api_token) as client:
        made = await d.rotate(
            client,
            found["deploy"],
            local.workspace_id,
            ours=False,
            warn=print,
            left=found["deploy (rotating)"],
            left_ours=True,
        )
        assert client.api_token == made.full_api_token
    assert proxy.count("POST", TOKENS) == 1  # no second stand-in
    assert sorted(await tokens(local)) == ["Default token", "deploy"]


async def test_when_the_successor_cannot_be_made_the_stand_in_is_kept_and_said(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    old = await make(local, "deploy")
    info = (await tokens(local))["deploy"]
    proxy.fail("POST", TOKENS, skip=1)  # the stand-in is made, the successor is not
    with pytest.raises(d.SuccessorFailed) as failed:
        await d.rotate(client, info, local.workspace_id, ours=False, warn=print)
    stand_in = failed.value.stand_in
    assert str(failed.value).startswith("the old token is deleted, but making its successor")
    assert str(failed.value).endswith(f"the stand-in token {stand_in.id.uuid} replaces it.")
    assert f"making its successor failed ({failed.value.__cause__}); " in str(failed.value)
    assert await works(local, stand_in.full_api_token)
    assert not await works(local, old.full_api_token)
    assert sorted(await tokens(local)) == ["Default token", "deploy (rotating)"]


async def test_when_the_old_token_cannot_be_deleted_the_stand_in_goes_again(
    local: Local, proxy: LatencyProxy
) -> None:
    old = await make(local, "mine")
    info = (await tokens(local))["mine"]
    async with RimeClient(proxy.url, api_token=old.full_api_token) as client:
        proxy.refuse("DELETE", TOKENS)
        with pytest.raises(Exception) as failed:
            await d.rotate(client, info, local.workspace_id, ours=True, warn=print)
        assert not isinstance(failed.value, d.SuccessorFailed)
        assert client.api_token == old.full_api_token  # back to the old token
    assert sorted(await tokens(local)) == ["Default token", "mine"]
    assert await works(local, old.full_api_token)


# -- interrupted --------------------------------------------------------------------------

POINTS = ROTATE_POINTS
HELD = {  # the name of the token whose secret Interrupted carries, or None
    "stand-in create": None,
    "stand-in check (stand-in made)": None,
    "old delete": "deploy (rotating)",
    "new create (old deleted)": "deploy",
    "new check (new made)": "deploy",
    "stand-in delete": "deploy",
}
NEW = (
    "'deploy' has its new secret; its stand-in 'deploy (rotating)' may be left "
    "(the next rotate of 'deploy' deletes it)"
)
NOTHING_CHANGED = "nothing changed: 'deploy' keeps its secret"


SAID = {  # what Interrupted says
    "stand-in create": NOTHING_CHANGED,
    "stand-in check (stand-in made)": NOTHING_CHANGED,
    "old delete": "the old 'deploy' may be deleted; the secret that follows is that of its "
    "stand-in 'deploy (rotating)' (rotate 'deploy' again to finish)",
    "new create (old deleted)": NEW,
    "new check (new made)": NEW,
    "stand-in delete": NEW,
}


async def _until_stalled(proxy: LatencyProxy, work: asyncio.Task[Any]) -> None:
    """Wait until *work* waits on the stalled request."""
    while not proxy.stalled:
        assert not work.done(), work
        await asyncio.sleep(0.01)


async def _cancel_at(proxy: LatencyProxy, work: asyncio.Task[Any]) -> None:
    """Cancel *work* once it waits on the stalled request, then let the request go on."""
    await _until_stalled(proxy, work)
    work.cancel()
    proxy.release()


async def assert_nothing_changed(held: d.Interrupted, local: Local, old_secret: str) -> None:
    """The interrupted rotate of 'deploy' left it as it was: said so, no secret handed
    over, and its old secret still works."""
    assert held.what == NOTHING_CHANGED
    assert held.secret is None and held.name == "deploy"
    assert await works(local, old_secret)


@pytest.mark.parametrize("point", list(POINTS))
async def test_an_interrupted_rotate_hands_over_the_newest_secret(
    local: Local, proxy: LatencyProxy, client: RimeClient, point: str
) -> None:
    old = await make(local, "deploy")
    info = (await tokens(local))["deploy"]
    method, path, skip = POINTS[point]
    proxy.stall(method, path, skip=skip)

    async def rotate() -> tuple[d.Interrupted, int]:
        """The interruption, and the cancellations still pending once it is raised."""
        try:
            await d.rotate(client, info, local.workspace_id, ours=False, warn=print)
        except d.Interrupted as stop:
            task = asyncio.current_task()
            assert task is not None
            return stop, task.cancelling()
        raise AssertionError("not interrupted")

    work = asyncio.create_task(rotate())
    await _cancel_at(proxy, work)
    held, pending = await work
    assert pending == 0  # the cancellation is taken back: the caller goes on delivering
    assert held.what == str(held) == SAID[point]
    assert held.secret is None if HELD[point] is None else held.secret is not None
    if held.secret is None:
        await assert_nothing_changed(held, local, old.full_api_token)
        assert sorted(await tokens(local)) == ["Default token", "deploy"]
    else:
        assert held.name == HELD[point]
        assert await works(local, held.secret.full_api_token)
        assert (await tokens(local))[held.name].id.uuid == held.secret.id.uuid


async def test_a_create_interrupted_in_flight_hands_over_its_secret(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    proxy.stall("POST", TOKENS)
    work = asyncio.create_task(d.create(client, local.workspace_id, "new", 5, print, check=False))
    await _cancel_at(proxy, work)
    with pytest.raises(d.Interrupted) as stopped:
        await work
    assert stopped.value.what == str(stopped.value) == "the token 'new' was made"
    assert stopped.value.secret is not None and stopped.value.name == "new"
    assert await works(local, stopped.value.secret.full_api_token)
    assert d.lifetime_days((await tokens(local))["new"]) == 5


@pytest.mark.parametrize("lost", ["answer held", "connection dropped"])
async def test_a_create_whose_answer_is_lost_says_the_token_may_exist(
    local: Local, proxy: LatencyProxy, lost: str
) -> None:
    # The cluster made the token; its answer never came (no answer within the read
    # timeout, or the connection dropped after the request was sent). The secret is
    # gone: the error must say the token may exist, not "try again" (a 409 then).
    if lost == "answer held":
        proxy.hold("POST", TOKENS)
    else:
        proxy.fail("POST", TOKENS)
    timeout = httpx.Timeout(5.0, read=0.5)
    async with RimeClient(proxy.url, api_token=local.api_token, timeout=timeout) as client:
        with pytest.raises(AnswerLostError) as caught:
            await d.create(client, local.workspace_id, "lost one", None, print, check=True)
    proxy.release_answers()
    assert caught.value.sent and isinstance(caught.value.__cause__, TransportError)
    assert "may have made the token 'lost one' anyway" in caught.value.message
    assert "delete it and create it again" in caught.value.message
    if lost == "answer held":  # the instance did make it
        assert "lost one" in await tokens(local)


async def test_a_rotate_whose_delete_of_the_old_token_gets_no_answer_keeps_the_stand_in(
    local: Local, proxy: LatencyProxy
) -> None:
    # A stalled link as the old token is deleted: the delete reached the cluster, its
    # answer never came. The stand-in was deleted then too, which left neither token.
    await make(local, "stalled")
    old = (await tokens(local))["stalled"]
    proxy.hold("DELETE", TOKENS)
    timeout = httpx.Timeout(5.0, read=0.5)
    async with RimeClient(proxy.url, api_token=local.api_token, timeout=timeout) as client:
        with pytest.raises(d.SuccessorFailed) as caught:
            await d.rotate(client, old, local.workspace_id, ours=False, warn=print)
    proxy.release_answers()
    assert "deleting the old 'stalled' got no answer, so it may be deleted" in str(caught.value)
    stand_in = caught.value.stand_in
    assert await works(local, stand_in.full_api_token)  # the user holds a working token
    left = await tokens(local)
    assert "stalled" not in left and d.stand_in_name("stalled") in left  # (it was deleted)
    async with local.client() as admin:  # the next rotate of the name finishes it
        made = await d.rotate(
            admin,
            None,
            local.workspace_id,
            ours=False,
            warn=print,
            left=left[d.stand_in_name("stalled")],
            name="stalled",
        )
    assert await works(local, made.full_api_token)
    assert sorted(await tokens(local)) == ["Default token", "stalled"]


async def test_a_rotate_whose_stand_in_answer_is_lost_says_nothing_changed(
    local: Local, proxy: LatencyProxy
) -> None:
    old_secret = (await make(local, "held")).full_api_token
    old = (await tokens(local))["held"]
    proxy.hold("POST", TOKENS)
    timeout = httpx.Timeout(5.0, read=0.5)
    async with RimeClient(proxy.url, api_token=local.api_token, timeout=timeout) as client:
        with pytest.raises(AnswerLostError) as caught:
            await d.rotate(client, old, local.workspace_id, ours=False, warn=print)
    proxy.release_answers()
    message = caught.value.message
    assert "Nothing changed: 'held' keeps its secret." in message
    assert "the next rotate of 'held' deletes it" in message and "create it again" not in message
    assert await works(local, old_secret)


async def test_a_create_that_never_left_is_not_said_to_be_perhaps_made(
    local: Local, proxy: LatencyProxy
) -> None:
    # Nothing answers on the port: the request never left, so nothing was made.
    async with RimeClient(f"http://127.0.0.1:{free_port()}", api_token="rime_x") as client:
        with pytest.raises(ConnectionFailedError) as caught:
            await d.create(client, local.workspace_id, "never", None, print, check=False)
    assert not caught.value.sent and "may have made" not in caught.value.message


async def test_a_create_that_fails_while_interrupted_has_no_secret(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    proxy.stall("POST", TOKENS)
    work = asyncio.create_task(
        d.create(client, local.workspace_id, "x\u200b", None, print, check=False)
    )
    await _cancel_at(proxy, work)
    with pytest.raises(d.Interrupted) as stopped:
        await work
    assert stopped.value.secret is None and stopped.value.name == "x\u200b"
    assert stopped.value.what.startswith("making 'x\\u200b' failed (")


async def test_a_rotate_signed_in_with_a_password_names_the_workspace(
    local: Local, proxy: LatencyProxy
) -> None:
    """A session has no workspace of its own: every create names the token's."""
    old = await make(local, "deploy", days=12)
    info = (await tokens(local))["deploy"]
    async with await sign_in_admin(local, proxy.url) as client:
        proxy.fail("POST", TOKENS, skip=1)  # the successor is not made: the stand-in stays
        with pytest.raises(d.SuccessorFailed) as failed:
            await d.rotate(client, info, local.workspace_id, ours=False, warn=print)
    stand_in = (await tokens(local))["deploy (rotating)"]
    assert stand_in.id.uuid == failed.value.stand_in.id.uuid
    assert d.lifetime_days(stand_in) == 12  # the old token's lifetime
    assert not await works(local, old.full_api_token)


async def test_a_stand_in_that_cannot_be_deleted_again_is_handed_over(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    old = await make(local, "deploy")
    info = (await tokens(local))["deploy"]
    proxy.stall("GET", INFO)  # the stand-in's check: cancelled there
    proxy.fail("DELETE", TOKENS + "/")  # and deleting the stand-in again fails
    warned: list[str] = []
    work = asyncio.create_task(
        d.rotate(client, info, local.workspace_id, ours=False, warn=warned.append)
    )
    await _cancel_at(proxy, work)
    with pytest.raises(d.Interrupted) as stopped:
        await work
    held = stopped.value
    assert held.name == "deploy (rotating)" and held.secret is not None
    assert held.what == (
        "nothing changed, but deleting the stand-in 'deploy (rotating)' again failed or was "
        "cut short: the secret that follows is its (it may be deleted already)"
    )
    assert_one_warning_about(held.secret, warned)
    assert await works(local, held.secret.full_api_token)
    assert await works(local, old.full_api_token)


async def test_a_rotate_over_the_private_line_checks_its_secrets_there_too(
    local: Local,
) -> None:
    """The new secrets are proved over the client's own connection: on the private line,
    never the TCP port another local user could hold. (The check made a new client of
    the bare URL: with the URL's port closed, the rotate failed to connect.)"""
    old = await make(local, "deploy")
    before = (await tokens(local))["deploy"]
    line = httpx.AsyncHTTPTransport(uds=str(local.data_dir / "instance.sock"))
    async with RimeClient(
        f"http://127.0.0.1:{free_port()}", api_token=local.api_token, transport=line
    ) as private:
        made = await d.rotate(private, before, local.workspace_id, ours=False, warn=print)
    assert await works(local, made.full_api_token)
    assert not await works(local, old.full_api_token)


# -- clean-ups that fail or are cut short ----------------------------------------------


async def test_a_stand_in_deleted_by_someone_else_meanwhile_counts_as_gone(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    old = await make(local, "deploy")
    info = (await tokens(local))["deploy"]
    proxy.stall("GET", INFO)  # the stand-in's check: cancelled there
    warned: list[str] = []
    work = asyncio.create_task(
        d.rotate(client, info, local.workspace_id, ours=False, warn=warned.append)
    )
    await _until_stalled(proxy, work)
    async with local.client() as admin:  # another client deletes the stand-in first
        await admin.delete_api_token((await tokens(local))["deploy (rotating)"].id.uuid)
    work.cancel()
    proxy.release()
    with pytest.raises(d.Interrupted) as stopped:
        await work
    assert stopped.value.what == NOTHING_CHANGED
    assert stopped.value.secret is None and warned == []
    assert await works(local, old.full_api_token)


async def test_a_stand_in_whose_create_fails_while_interrupted_changes_nothing(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    old = await make(local, "deploy")
    info = (await tokens(local))["deploy"]
    proxy.stall("POST", TOKENS)  # the stand-in's create
    work = asyncio.create_task(d.rotate(client, info, local.workspace_id, ours=False, warn=print))
    await _until_stalled(proxy, work)
    taken = await make(local, "deploy (rotating)")  # its name is taken meanwhile: it fails
    work.cancel()
    proxy.release()
    with pytest.raises(d.Interrupted) as stopped:
        await work
    await assert_nothing_changed(stopped.value, local, old.full_api_token)
    assert await works(local, taken.full_api_token)


async def test_a_second_interruption_while_the_stand_in_goes_again_hands_it_over(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    old = await make(local, "deploy")
    info = (await tokens(local))["deploy"]
    proxy.stall("GET", INFO)  # the stand-in's check: cancelled there
    work = asyncio.create_task(d.rotate(client, info, local.workspace_id, ours=False, warn=print))
    await _until_stalled(proxy, work)
    proxy.stall("DELETE", TOKENS + "/")  # deleting the stand-in again: cancelled too
    work.cancel()
    proxy.release()
    await _cancel_at(proxy, work)
    with pytest.raises(d.Interrupted) as stopped:
        await work
    held = stopped.value
    assert held.name == "deploy (rotating)" and held.secret is not None
    assert held.what.startswith("nothing changed, but deleting the stand-in 'deploy (rotating)'")
    assert await works(local, old.full_api_token)


async def test_a_rotate_interrupted_while_deleting_a_left_stand_in_changes_nothing(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    old = await make(local, "deploy")
    await make(local, d.stand_in_name("deploy"))
    found = await tokens(local)
    proxy.stall("DELETE", TOKENS + "/")
    work = asyncio.create_task(
        d.rotate(
            client,
            found["deploy"],
            local.workspace_id,
            ours=False,
            warn=print,
            left=found["deploy (rotating)"],
        )
    )
    await _cancel_at(proxy, work)
    with pytest.raises(d.Interrupted) as stopped:
        await work
    await assert_nothing_changed(stopped.value, local, old.full_api_token)


async def test_a_left_stand_in_that_cannot_be_deleted_is_not_said_deleted(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    old = await make(local, "deploy")
    left = await make(local, d.stand_in_name("deploy"))
    found = await tokens(local)
    proxy.fail("DELETE", TOKENS + "/")
    warned: list[str] = []
    with pytest.raises(RimeError):  # its name is still taken: no stand-in can be made
        await d.rotate(
            client,
            found["deploy"],
            local.workspace_id,
            ours=False,
            warn=warned.append,
            left=found["deploy (rotating)"],
        )
    assert_one_warning_about(left, warned)
    assert await works(local, old.full_api_token) and await works(local, left.full_api_token)


async def test_a_stand_in_that_cannot_be_deleted_after_a_rotate_is_warned_of(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    await make(local, "deploy")
    info = (await tokens(local))["deploy"]
    proxy.fail("DELETE", TOKENS + "/", skip=1)  # the old token goes, the stand-in stays
    warned: list[str] = []
    made = await d.rotate(client, info, local.workspace_id, ours=False, warn=warned.append)
    stand_in = (await tokens(local))["deploy (rotating)"]
    assert_one_warning_about(stand_in, warned)
    assert await works(local, made.full_api_token)


async def test_when_neither_the_old_token_nor_the_stand_in_can_be_deleted_both_stay(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    old = await make(local, "deploy")
    info = (await tokens(local))["deploy"]
    proxy.refuse("DELETE", TOKENS + "/", count=2)
    warned: list[str] = []
    with pytest.raises(RimeError):
        await d.rotate(client, info, local.workspace_id, ours=False, warn=warned.append)
    stand_in = (await tokens(local))["deploy (rotating)"]
    assert_one_warning_about(stand_in, warned)
    assert await works(local, old.full_api_token)


async def test_a_created_secret_that_fails_its_check_is_deleted_again(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    warned: list[str] = []
    proxy.fail("GET", INFO)
    with pytest.raises(RimeError):
        await d.create(client, local.workspace_id, "new", None, warned.append, check=True)
    assert "new" not in await tokens(local) and warned == []
    proxy.fail("GET", INFO)
    proxy.fail("DELETE", TOKENS + "/")  # and deleting it again fails: said
    with pytest.raises(RimeError):
        await d.create(client, local.workspace_id, "new", None, warned.append, check=True)
    kept = (await tokens(local))["new"]
    assert_one_warning_about(kept, warned)


async def test_a_stand_in_that_fails_its_check_and_cannot_be_deleted_is_warned_of(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    old = await make(local, "deploy")
    info = (await tokens(local))["deploy"]
    proxy.fail("GET", INFO)  # the stand-in's check
    proxy.fail("DELETE", TOKENS + "/")  # and deleting it again
    warned: list[str] = []
    with pytest.raises(RimeError):
        await d.rotate(client, info, local.workspace_id, ours=False, warn=warned.append)
    stand_in = (await tokens(local))["deploy (rotating)"]
    assert_one_warning_about(stand_in, warned)
    assert await works(local, old.full_api_token)


async def test_a_secret_deleted_before_its_check_is_not_handed_over(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    """The check proves the new secret itself, not the client's own token."""
    proxy.stall("GET", INFO)
    work = asyncio.create_task(d.create(client, local.workspace_id, "new", None, print, check=True))
    await _until_stalled(proxy, work)
    async with local.client() as admin:  # someone deletes it before the check
        await admin.delete_api_token((await tokens(local))["new"].id.uuid)
    proxy.release()
    with pytest.raises(AuthenticationError):
        await work


async def test_a_rotate_signed_in_with_a_password_makes_the_new_token_there(
    local: Local, proxy: LatencyProxy
) -> None:
    await make(local, "deploy")
    info = (await tokens(local))["deploy"]
    async with await sign_in_admin(local, proxy.url) as client:
        made = await d.rotate(client, info, local.workspace_id, ours=False, warn=print)
    assert (await tokens(local))["deploy"].id.uuid == made.id.uuid


async def test_a_new_token_that_fails_its_check_and_cannot_be_deleted_is_warned_of(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    await make(local, "deploy")
    info = (await tokens(local))["deploy"]
    proxy.fail("GET", INFO, skip=1)  # the stand-in's check passes, the new token's fails
    proxy.fail("DELETE", TOKENS + "/", skip=1)  # the old token goes, the new one stays
    warned: list[str] = []
    with pytest.raises(d.SuccessorFailed) as failed:
        await d.rotate(client, info, local.workspace_id, ours=False, warn=warned.append)
    kept = await tokens(local)
    assert_one_warning_about(kept["deploy"], warned)
    assert kept["deploy (rotating)"].id.uuid == failed.value.stand_in.id.uuid


async def test_a_rotate_interrupted_while_its_stand_in_goes_again_changes_nothing(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    old = await make(local, "deploy")
    info = (await tokens(local))["deploy"]
    proxy.refuse("DELETE", TOKENS + "/")  # the old token cannot be deleted ...
    proxy.stall("DELETE", TOKENS + "/")  # ... and deleting the stand-in again is cut short
    work = asyncio.create_task(d.rotate(client, info, local.workspace_id, ours=False, warn=print))
    await _cancel_at(proxy, work)
    with pytest.raises(d.Interrupted) as stopped:
        await work
    await assert_nothing_changed(stopped.value, local, old.full_api_token)


async def test_a_new_token_whose_create_fails_while_interrupted_hands_over_the_stand_in(
    local: Local, proxy: LatencyProxy, client: RimeClient
) -> None:
    await make(local, "deploy")
    info = (await tokens(local))["deploy"]
    proxy.stall("POST", TOKENS, skip=1)  # the new token's create
    work = asyncio.create_task(d.rotate(client, info, local.workspace_id, ours=False, warn=print))
    await _until_stalled(proxy, work)
    await make(local, "deploy")  # its name is taken meanwhile: it fails
    work.cancel()
    proxy.release()
    with pytest.raises(d.Interrupted) as stopped:
        await work
    held = stopped.value
    assert held.what.startswith("making 'deploy' failed (")
    assert held.what.endswith(
        "; the secret that follows is that of its stand-in 'deploy (rotating)' "
        "(rotate 'deploy' again to finish)"
    )
    assert held.name == "deploy (rotating)" and held.secret is not None
    assert await works(local, held.secret.full_api_token)


@pytest.mark.parametrize("cut", ["the check", "deleting it after a failed check"])
async def test_a_create_interrupted_after_its_answer_hands_over_its_secret(
    local: Local, proxy: LatencyProxy, client: RimeClient, cut: str
) -> None:
    if cut == "the check":
        proxy.stall("GET", INFO)
    else:
        proxy.fail("GET", INFO)
        proxy.stall("DELETE", TOKENS + "/")
    work = asyncio.create_task(d.create(client, local.workspace_id, "new", None, print, check=True))
    await _cancel_at(proxy, work)
    with pytest.raises(d.Interrupted) as stopped:
        await work
    assert stopped.value.what == "the token 'new' was made"
    assert stopped.value.secret is not None and stopped.value.name == "new"
