"""The product rules of the seed, as a user of the local instance meets them.

Time moves with the instance's injected FakeClock (``local.clock.advance``), never
with sleeps.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn

from rime_tui.api import (
    AlreadyExistsError,
    AuthenticationError,
    InvalidArgumentError,
    LimitExceededError,
    NotFoundError,
    PermissionDeniedError,
    RimeClient,
)
from rime_tui.server.app import create_app
from rime_tui.server.runner import bind_tcp, open_instance, url_for, uvicorn_config
from rime_tui.wire import models as m
from tests.support.helpers import PASSWORD, error_body, new_user, sign_in, wire_time
from tests.support.local import Local


async def _fill(client: RimeClient, workspace_id: str, count: int, **kwargs: Any) -> list[str]:
    """Create *count* tokens named fill-N; return their secrets."""
    secrets = []
    for i in range(count):
        created = await client.create_api_token(f"fill-{i}", workspace_id, **kwargs)
        secrets.append(created.full_api_token)
    return secrets


async def _count_tokens(root: RimeClient) -> int:
    return len([t async for t in root.iter_api_tokens(page_size=500)])


async def _token_info(client: RimeClient, token_id: str) -> m.ApiTokenInfo:
    found = [t async for t in client.iter_api_tokens() if t.id.uuid == token_id]
    assert len(found) == 1
    return found[0]


# -- the 200-token cap ---------------------------------------------------------------------


async def test_the_201st_token_is_refused_and_the_message_explains(
    local: Local, admin: RimeClient, root: RimeClient
) -> None:
    # 1 bootstrap token + 9 short-lived + 190 regular = 200.
    short = await _fill(admin, local.workspace_id, 9, expiry_days=1)
    for i in range(190):
        await admin.create_api_token(f"regular-{i}", local.workspace_id)
    assert await _count_tokens(root) == 200

    with pytest.raises(LimitExceededError) as full:
        await admin.create_api_token("one too many", local.workspace_id)
    assert full.value.status_code == 429
    assert full.value.code == 8
    assert "200" in full.value.message
    assert "expired" not in full.value.message

    # Expired tokens still count until deleted, and the message says how many there are.
    local.clock.advance(days=2)
    await root.login(local.admin_email, local.admin_password)  # the old session expired
    with pytest.raises(LimitExceededError) as expired:
        await admin.create_api_token("one too many", local.workspace_id)
    assert "200" in expired.value.message
    assert "9 of them have expired" in expired.value.message
    assert "deleted" in expired.value.message
    assert await _count_tokens(root) == 200

    # Deleting one expired token makes room for exactly one.
    ids = {t.suffix: t.id.uuid async for t in root.iter_api_tokens(page_size=500)}
    await admin.delete_api_token(ids[short[0][-4:]])
    await admin.create_api_token("fits now", local.workspace_id)
    with pytest.raises(LimitExceededError) as again:
        await admin.create_api_token("no longer fits", local.workspace_id)
    assert "8 of them have expired" in again.value.message
    assert await _count_tokens(root) == 200


async def test_the_cap_counts_tokens_across_all_workspaces(
    local: Local, admin: RimeClient, root: RimeClient
) -> None:
    other = await root.create_workspace("Other")
    await _fill(root, other, 100)
    await _fill(admin, local.workspace_id, 99)
    with pytest.raises(LimitExceededError):
        await root.create_api_token("201st", other)
    with pytest.raises(LimitExceededError):
        await admin.create_api_token("201st", local.workspace_id)


@contextmanager
def _second_server_on(local: Local) -> Iterator[str]:
    """The local instance's app served a second time, on its own SQLite connection to the
    same database, from its own thread and TCP port (no private line: the data dir's is
    the first server's)."""
    sock = bind_tcp("127.0.0.1", 0)
    url = url_for("127.0.0.1", sock.getsockname()[1])
    instance = open_instance(local.data_dir, url, clock=local.clock)
    server = uvicorn.Server(
        uvicorn_config(create_app(instance.store, instance_key=instance.key), access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive()
            time.sleep(0.01)
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        instance.store.close()


async def _race(url: str, api_token: str, workspace_id: str, names: list[str]) -> list[object]:
    """Each name is created by its own client on its own connection, all at once."""
    clients = [RimeClient(url, api_token=api_token) for _ in names]
    try:
        return await asyncio.gather(
            *(c.create_api_token(n, workspace_id) for c, n in zip(clients, names, strict=True)),
            return_exceptions=True,
        )
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


@pytest.mark.parametrize(("before", "racers"), [(190, 30), (195, 50)])
async def test_concurrent_creators_end_at_exactly_200(
    local: Local, admin: RimeClient, root: RimeClient, before: int, racers: int
) -> None:
    await _fill(admin, local.workspace_id, before - 1)
    assert await _count_tokens(root) == before

    results = await _race(
        local.url, local.api_token, local.workspace_id, [f"racer-{i}" for i in range(racers)]
    )

    created = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(created) == 200 - before
    assert len(refused) == racers - (200 - before)
    assert all(isinstance(r, LimitExceededError) for r in refused), refused
    assert await _count_tokens(root) == 200


async def test_the_cap_holds_between_two_servers_sharing_a_data_dir(
    local: Local, admin: RimeClient, root: RimeClient
) -> None:
    """Two servers on one database (two SQLite connections, two threads) race for the last
    10 places. (`rime-tui serve` refuses a second instance on a data dir, but another
    process may still write the database; the cap is kept by SQLite, not by the process.)"""
    await _fill(admin, local.workspace_id, 189)
    with _second_server_on(local) as second_url:
        results = await asyncio.gather(
            _race(local.url, local.api_token, local.workspace_id, [f"a-{i}" for i in range(15)]),
            _race(second_url, local.api_token, local.workspace_id, [f"b-{i}" for i in range(15)]),
        )
    flat = [r for group in results for r in group]
    assert len([r for r in flat if not isinstance(r, BaseException)]) == 10
    assert all(isinstance(r, LimitExceededError) for r in flat if isinstance(r, BaseException))
    assert await _count_tokens(root) == 200


# -- expiry ------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [1, 90, 270])
async def test_expiry_days_sets_the_expiration_time(
    local: Local, admin: RimeClient, days: int
) -> None:
    created = await admin.create_api_token("expiring", local.workspace_id, expiry_days=days)
    info = await _token_info(admin, created.id.uuid)
    assert info.creation_time == wire_time(local.clock())
    assert info.expiration_time == wire_time(local.clock() + timedelta(days=days))

    async with local.client(api_token=created.full_api_token) as user:
        local.clock.advance(days=days, seconds=-1)
        assert (await user.rime_info()).customer_name == "local"
        local.clock.advance(seconds=1)
        with pytest.raises(AuthenticationError) as caught:
            await user.rime_info()
    assert "expired" in caught.value.message


async def test_default_expiry_is_270_days(local: Local, root: RimeClient) -> None:
    created = await root.create_api_token("default", local.workspace_id)
    info = await _token_info(root, created.id.uuid)
    assert info.creation_time is not None and info.expiration_time is not None
    assert info.expiration_time - info.creation_time == timedelta(days=270)


async def test_the_bootstrap_token_also_expires_after_270_days(
    local: Local, admin: RimeClient
) -> None:
    local.clock.advance(days=269, hours=23)
    await admin.rime_info()
    local.clock.advance(hours=1)
    with pytest.raises(AuthenticationError):
        await admin.rime_info()


async def test_expiry_days_outside_1_to_270_is_refused(local: Local, admin: RimeClient) -> None:
    for days in [0, -1, 271, 10_000]:
        with pytest.raises(InvalidArgumentError) as caught:
            await admin.create_api_token("bad expiry", local.workspace_id, expiry_days=days)
        assert "270" in caught.value.message
    assert len([t async for t in admin.iter_api_tokens()]) == 1


# -- token names --------------------------------------------------------------------------


async def test_token_names_are_trimmed(local: Local, admin: RimeClient) -> None:
    await admin.create_api_token("  padded name \t", local.workspace_id)
    names = [t.name async for t in admin.iter_api_tokens(local.workspace_id)]
    assert "padded name" in names
    with pytest.raises(AlreadyExistsError):
        await admin.create_api_token("padded name", local.workspace_id)


async def test_token_name_length(local: Local, admin: RimeClient) -> None:
    await admin.create_api_token("x" * 100, local.workspace_id)
    await admin.create_api_token("é" * 100, local.workspace_id)
    with pytest.raises(InvalidArgumentError) as long:
        await admin.create_api_token("y" * 101, local.workspace_id)
    assert "100" in long.value.message
    for empty in ["", "   ", "\t"]:
        with pytest.raises(InvalidArgumentError) as caught:
            await admin.create_api_token(empty, local.workspace_id)
        assert "empty" in caught.value.message


async def test_token_names_with_control_characters_are_refused(
    local: Local, admin: RimeClient
) -> None:
    names = [
        "line\nbreak",
        "tab\there",
        "nul\x00x",
        "bell\x07x",
        "del\x7fx",
        "c1\x85x",
        "ls\u2028x",
    ]
    for name in names:
        with pytest.raises(InvalidArgumentError) as caught:
            await admin.create_api_token(name, local.workspace_id)
        assert "control characters" in caught.value.message, name
    assert len([t async for t in admin.iter_api_tokens(local.workspace_id)]) == 1


async def test_token_names_are_unique_per_user_per_workspace(
    local: Local, admin: RimeClient, root: RimeClient
) -> None:
    await admin.create_api_token("deploy", local.workspace_id)
    with pytest.raises(AlreadyExistsError) as caught:
        await admin.create_api_token("deploy", local.workspace_id)
    assert caught.value.status_code == 409 and caught.value.code == 6
    assert "deploy" in caught.value.message

    # The same name is fine for the same user in another workspace ...
    other = await root.create_workspace("Other")
    await root.create_api_token("deploy", other)
    # ... and for another user in the same workspace.
    judy = await new_user(root, "judy@example.com")
    await root.add_workspace_members(local.workspace_id, {judy: "ACTOR_ROLE_USER"})
    async with await sign_in(local, "judy@example.com") as as_judy:
        await as_judy.create_api_token("deploy", local.workspace_id)
    names = [t.name async for t in root.iter_api_tokens(local.workspace_id)]
    assert names.count("deploy") == 2


# -- request shape: token type, unknown fields ------------------------------------------------


async def test_only_user_tokens_can_be_created(local: Local, admin: RimeClient) -> None:
    others = [
        "TOKEN_TYPE_INTERNAL_AGENT",
        "TOKEN_TYPE_EXTERNAL_AGENT",
        "TOKEN_TYPE_FIREWALL_AGENT",
        "TOKEN_TYPE_UNSPECIFIED",
        "TOKEN_TYPE_NONSENSE",
    ]
    headers = {"rime-api-key": local.api_token}
    async with httpx.AsyncClient(base_url=local.url, headers=headers) as raw:
        for token_type in others:
            body = {
                "name": "agent",
                "workspaceId": {"uuid": local.workspace_id},
                "tokenType": token_type,
            }
            answer = await raw.post("/v1/users/api-tokens", json=body)
            assert "TOKEN_TYPE_USER" in error_body(answer, 400, 3)["message"]
    assert [t.token_type async for t in admin.iter_api_tokens()] == ["TOKEN_TYPE_USER"]


async def test_unknown_request_fields_are_ignored(local: Local) -> None:
    body = {
        "name": "with extras",
        "workspaceId": {"uuid": local.workspace_id, "extra": True},
        "tokenType": "TOKEN_TYPE_USER",
        "expiryDays": 30,
        "futureField": {"nested": [1, 2, 3]},
        "role": "ACTOR_ROLE_ADMIN",
    }
    headers = {"rime-api-key": local.api_token}
    async with httpx.AsyncClient(base_url=local.url, headers=headers) as raw:
        answer = await raw.post("/v1/users/api-tokens", json=body)
        assert answer.status_code == 200, answer.text
        assert set(answer.json()) == {"id", "fullApiToken"}
        # tokenType may be left out: a user token is the only kind there is here.
        answer = await raw.post(
            "/v1/users/api-tokens",
            json={"name": "no type", "workspaceId": {"uuid": local.workspace_id}},
        )
        assert answer.status_code == 200, answer.text


# -- workspace scoping -------------------------------------------------------------------------


async def test_a_token_is_confined_to_its_workspace(
    local: Local, admin: RimeClient, root: RimeClient
) -> None:
    other = await root.create_workspace("Other")
    project = await root.create_project("elsewhere", workspace_id=other)
    foreign = await root.create_api_token("elsewhere", other)

    # Even an org admin's token sees only its own workspace.
    assert [w.workspace_id.uuid async for w in admin.iter_workspaces()] == [local.workspace_id]
    await admin.get_workspace(local.workspace_id)
    refusals = [
        admin.get_workspace(other),
        admin.list_workspace_members_page(other),
        admin.list_api_tokens_page(other),
        admin.create_api_token("sneaky", other),
        admin.delete_api_token(foreign.id.uuid),
        admin.list_projects_page(other),
        admin.create_project("sneaky", workspace_id=other),
        admin.get_project(project.id.uuid),
        admin.delete_project(project.id.uuid),
    ]
    for call in refusals:
        with pytest.raises(PermissionDeniedError) as caught:
            await call
        assert caught.value.status_code == 403 and caught.value.code == 7
        assert local.workspace_id in caught.value.message

    # Lists without a workspace stay inside the token's workspace too.
    assert [t.workspace_id for t in (await admin.list_api_tokens_page()).api_token_infos] == [
        t.workspace_id async for t in admin.iter_api_tokens(local.workspace_id)
    ]
    assert [p async for p in admin.iter_projects()] == []
    # The foreign token was not touched.
    async with local.client(api_token=foreign.full_api_token) as other_token:
        assert [w.name async for w in other_token.iter_workspaces()] == ["Other"]


async def test_a_session_sees_the_workspaces_its_user_is_a_member_of(
    local: Local, root: RimeClient
) -> None:
    team_a = await root.create_workspace("Team A")
    team_b = await root.create_workspace("Team B")
    kim = await new_user(root, "kim@example.com")
    await root.add_workspace_members(team_a, {kim: "ACTOR_ROLE_USER"})

    async with await sign_in(local, "kim@example.com") as as_kim:
        assert [w.name async for w in as_kim.iter_workspaces()] == ["Team A"]
        for hidden in (local.workspace_id, team_b):  # not a member: as if it did not exist
            with pytest.raises(NotFoundError):
                await as_kim.get_workspace(hidden)
            with pytest.raises(NotFoundError):
                await as_kim.create_api_token("nope", hidden)
        await as_kim.create_api_token("mine", team_a)

    # Org admins are members of every workspace, including ones made later.
    team_c = await root.create_workspace("Team C")
    names = [w.name async for w in root.iter_workspaces()]
    assert names == ["Workspace 1", "Team A", "Team B", "Team C"]
    await root.create_api_token("admin in C", team_c)
    # A second org admin sees them all as well.
    await new_user(root, "lee@example.com", org_role="ACTOR_ROLE_ADMIN")
    async with await sign_in(local, "lee@example.com") as as_lee:
        assert [w.name async for w in as_lee.iter_workspaces()] == names


# -- who manages which tokens ------------------------------------------------------------------


async def test_org_admins_manage_every_members_tokens_others_only_their_own(
    local: Local, admin: RimeClient, root: RimeClient
) -> None:
    ws = local.workspace_id
    mia = await new_user(root, "mia@example.com")
    ned = await new_user(root, "ned@example.com")
    await root.add_workspace_members(ws, {mia: "ACTOR_ROLE_USER", ned: "ACTOR_ROLE_USER"})
    async with (
        await sign_in(local, "mia@example.com") as as_mia,
        await sign_in(local, "ned@example.com") as as_ned,
    ):
        mias = await as_mia.create_api_token("mia's", ws)
        neds = await as_ned.create_api_token("ned's", ws)

        # The org admin (by session or by API token) sees every member's tokens.
        for client in (root, admin):
            owners = {t.user_id async for t in client.iter_api_tokens(ws)}
            assert {mia, ned} < owners
        # Others see only their own, with or without naming the workspace.
        assert [t.name async for t in as_mia.iter_api_tokens(ws)] == ["mia's"]
        assert [t.name async for t in as_mia.iter_api_tokens()] == ["mia's"]
        # A token of Mia's sees only Mia's tokens too.
        async with local.client(api_token=mias.full_api_token) as mia_token:
            assert [t.name async for t in mia_token.iter_api_tokens()] == ["mia's"]
            with pytest.raises(NotFoundError):
                await mia_token.delete_api_token(neds.id.uuid)

        # Mia cannot delete Ned's token; it keeps working.
        with pytest.raises(NotFoundError):
            await as_mia.delete_api_token(neds.id.uuid)
        async with local.client(api_token=neds.full_api_token) as ned_token:
            await ned_token.rime_info()

            # The org admin can delete it, and it stops working.
            await admin.delete_api_token(neds.id.uuid)
            with pytest.raises(AuthenticationError):
                await ned_token.rime_info()
        assert [t async for t in as_ned.iter_api_tokens()] == []

        # Mia deletes her own.
        await as_mia.delete_api_token(mias.id.uuid)
        assert [t async for t in as_mia.iter_api_tokens()] == []


async def test_a_workspace_admin_manages_members_tokens_but_not_an_org_admins(
    local: Local, admin: RimeClient, root: RimeClient
) -> None:
    """Issue J, finding 6: a workspace admin could delete the org admin's tokens there,
    the bootstrap token included."""
    ws = local.workspace_id
    wanda = await new_user(root, "wanda@example.com")
    mia = await new_user(root, "mia@example.com")
    await root.add_workspace_members(ws, {wanda: "ACTOR_ROLE_ADMIN", mia: "ACTOR_ROLE_USER"})
    org_admins = await root.create_api_token("org admin's", ws)
    (bootstrap,) = [t async for t in root.iter_api_tokens(ws) if t.name == "Default token"]
    async with (
        await sign_in(local, "wanda@example.com") as as_wanda,
        await sign_in(local, "mia@example.com") as as_mia,
    ):
        mias = await as_mia.create_api_token("mia's", ws)
        wandas = await as_wanda.create_api_token("wanda's", ws)
        # Wanda sees every token of her workspace, the org admin's included ...
        seen = {t.id.uuid async for t in as_wanda.iter_api_tokens(ws)}
        assert {org_admins.id.uuid, bootstrap.id.uuid, mias.id.uuid} <= seen
        # ... but cannot delete the org admin's: a 403 that says why; they keep working.
        said = "This token belongs to an organization admin; only organization admins can"
        for token_id in (org_admins.id.uuid, bootstrap.id.uuid):
            with pytest.raises(PermissionDeniedError) as refused:
                await as_wanda.delete_api_token(token_id)
            assert refused.value.message == f"{said} delete it."
        await admin.rime_info()
        async with local.client(api_token=wandas.full_api_token) as wanda_token:
            with pytest.raises(PermissionDeniedError):
                await wanda_token.delete_api_token(bootstrap.id.uuid)
        assert {org_admins.id.uuid, bootstrap.id.uuid} <= {
            t.id.uuid async for t in root.iter_api_tokens(ws)
        }
        # She manages a member's tokens; the org admin manages hers; each deletes their own.
        await as_wanda.delete_api_token(mias.id.uuid)
        await admin.delete_api_token(wandas.id.uuid)
        await root.delete_api_token(org_admins.id.uuid)
        left = {t.id.uuid async for t in root.iter_api_tokens(ws)}
        assert left.isdisjoint({mias.id.uuid, wandas.id.uuid, org_admins.id.uuid})


async def test_deleting_the_token_you_call_with_works_and_it_fails_at_once(
    local: Local, admin: RimeClient
) -> None:
    created = await admin.create_api_token("self-destruct", local.workspace_id)
    async with local.client(api_token=created.full_api_token) as itself:
        await itself.delete_api_token(created.id.uuid)
        with pytest.raises(AuthenticationError):
            await itself.rime_info()
        with pytest.raises(AuthenticationError):
            await itself.create_api_token("resurrect", local.workspace_id)
    assert [t.id.uuid async for t in admin.iter_api_tokens()] != []
    assert created.id.uuid not in [t.id.uuid async for t in admin.iter_api_tokens()]


# -- sign-in -----------------------------------------------------------------------------------


async def test_five_failed_sign_ins_throttle_the_email_for_15_minutes(local: Local) -> None:
    async with RimeClient(local.url) as client:
        for _ in range(5):
            with pytest.raises(AuthenticationError):
                await client.login("Admin@rime.local", "wrong password")
        # Now even the right password is refused until the window has passed.
        with pytest.raises(LimitExceededError) as caught:
            await client.login(local.admin_email, local.admin_password)
        assert caught.value.status_code == 429 and caught.value.code == 8
        assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 900
        assert "try again" in caught.value.message

        local.clock.advance(minutes=10)
        async with httpx.AsyncClient(base_url=local.url) as raw:
            answer = await raw.post(
                "/v1/auth/login", json={"email": local.admin_email, "password": "x"}
            )
        error_body(answer, 429, 8)
        retry_after = int(answer.headers["retry-after"])
        assert 0 < retry_after <= 300

        local.clock.advance(seconds=retry_after)
        login = await client.login(local.admin_email, local.admin_password)
        assert login.user.email == "admin@rime.local"


async def test_throttling_is_per_email(local: Local, root: RimeClient) -> None:
    await new_user(root, "olga@example.com")
    async with RimeClient(local.url) as client:
        for _ in range(5):
            with pytest.raises(AuthenticationError):
                await client.login("olga@example.com", "wrong password")
        with pytest.raises(LimitExceededError):
            await client.login("olga@example.com", PASSWORD)
        await client.login(local.admin_email, local.admin_password)


async def test_unknown_emails_are_throttled_like_known_ones(local: Local) -> None:
    async with RimeClient(local.url) as client:
        for _ in range(5):
            with pytest.raises(AuthenticationError) as caught:
                await client.login("nobody@example.com", "whatever")
            assert caught.value.message == "Wrong email or password."
        with pytest.raises(LimitExceededError):
            await client.login("nobody@example.com", "whatever")


async def test_sessions_expire_after_12_hours(local: Local) -> None:
    async with RimeClient(local.url) as client:
        login = await client.login(local.admin_email, local.admin_password)
        assert login.expiration_time == wire_time(local.clock() + timedelta(hours=12))
        local.clock.advance(hours=11, minutes=59)
        await client.rime_info()
        local.clock.advance(minutes=1)
        with pytest.raises(AuthenticationError) as caught:
            await client.rime_info()
        assert "sign in again" in caught.value.message
        # Signing in again gives a fresh session.
        await client.login(local.admin_email, local.admin_password)
        await client.rime_info()


async def test_logout_ends_only_that_session(local: Local, admin: RimeClient) -> None:
    first = await sign_in(local, local.admin_email, local.admin_password)
    second = await sign_in(local, local.admin_email, local.admin_password)
    async with first, second:
        stale = first.session_token
        await first.logout()
        async with local.client(session_token=stale) as old:
            with pytest.raises(AuthenticationError):
                await old.rime_info()
        await second.rime_info()
    await admin.rime_info()  # API tokens are unaffected


async def test_concurrent_failed_sign_ins_cannot_exceed_five_guesses(local: Local) -> None:
    clients = [RimeClient(local.url) for _ in range(20)]
    try:
        results = await asyncio.gather(
            *(c.login(local.admin_email, f"guess {i}") for i, c in enumerate(clients)),
            return_exceptions=True,
        )
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    wrong = [r for r in results if isinstance(r, AuthenticationError)]
    throttled = [r for r in results if isinstance(r, LimitExceededError)]
    assert len(wrong) == 5, results
    assert len(throttled) == 15, results
