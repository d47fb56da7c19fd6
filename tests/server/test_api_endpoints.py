"""Every endpoint of the local instance, through the typed client, over real HTTP."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.dependencies.utils import solve_dependencies

from rime_tui.api import (
    AlreadyExistsError,
    AuthenticationError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    RimeClient,
)
from rime_tui.server.store import Store
from rime_tui.wire import models as m
from rime_tui.wire.constants import API_KEY_HEADER
from tests.support.helpers import PASSWORD, error_body, new_user, sign_in, wire_time
from tests.support.local import Local

# -- local-instance endpoints --------------------------------------------------------


async def test_health_answers_without_credentials(local: Local) -> None:
    async with httpx.AsyncClient(base_url=local.url) as raw:
        answer = await raw.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


async def test_login_returns_a_twelve_hour_session_and_the_user(local: Local) -> None:
    async with RimeClient(local.url) as client:
        login = await client.login(local.admin_email, local.admin_password)
        assert login.user.email == "admin@rime.local"
        assert login.user.is_org_admin
        assert login.expiration_time == wire_time(local.clock() + timedelta(hours=12))
        assert client.session_token == login.session_token
        # The session authenticates calls as that user.
        assert (await client.get_user(login.user.id.uuid)).email == "admin@rime.local"


async def test_login_with_wrong_password_is_refused(local: Local) -> None:
    async with RimeClient(local.url) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.login(local.admin_email, "not the password")
    assert caught.value.status_code == 401
    assert caught.value.code == 16
    assert "password" in caught.value.message


async def test_logout_ends_the_session(local: Local) -> None:
    client = await sign_in(local, local.admin_email, local.admin_password)
    async with client:
        session = client.session_token
        assert session
        await client.logout()
        assert client.session_token is None
    async with local.client(session_token=session) as stale:
        with pytest.raises(AuthenticationError):
            await stale.rime_info()


# -- cluster --------------------------------------------------------------------------


async def test_rime_info(local: Local, admin: RimeClient) -> None:
    info = await admin.rime_info()
    assert info.customer_name == "local"
    assert info.ri_plan.startswith("RI_PLAN_")
    assert info.build_version.startswith("rime-tui-local/")
    assert info.cluster_info_version
    assert info.expiration_time is not None and info.expiration_time > local.clock()
    assert info.grace_period_end_time is not None
    assert info.grace_period_end_time >= info.expiration_time


async def test_rime_info_needs_a_valid_token(local: Local) -> None:
    async with RimeClient(local.url) as anonymous:
        with pytest.raises(AuthenticationError) as missing:
            await anonymous.rime_info()
    assert "rime-api-key" in missing.value.message
    async with local.client(api_token="rime_" + "x" * 40) as wrong:
        with pytest.raises(AuthenticationError) as unknown:
            await wrong.rime_info()
    assert unknown.value.code == 16


async def test_license_limit(admin: RimeClient) -> None:
    info = await admin.rime_info()
    status = await admin.license_limit(info.customer_name, "LICENSE_LIMIT_EXPIRATION")
    assert status.limit == "LICENSE_LIMIT_EXPIRATION"
    assert status.limit_status == "STATUS_OK"
    assert int(status.current_value) < int(status.limit_value)
    workspaces = await admin.license_limit("local", "LICENSE_LIMIT_WORKSPACES")
    assert workspaces.current_value == "1"


async def test_license_limit_unknown_customer_or_limit(admin: RimeClient) -> None:
    with pytest.raises(NotFoundError):
        await admin.license_limit("someone-else", "LICENSE_LIMIT_EXPIRATION")
    with pytest.raises(InvalidArgumentError) as caught:
        await admin.license_limit("local", "LICENSE_LIMIT_NONSENSE")
    assert "LICENSE_LIMIT_NONSENSE" in caught.value.message


# -- users ----------------------------------------------------------------------------


async def test_my_roles_for_the_bootstrap_token(local: Local, admin: RimeClient) -> None:
    roles = await admin.my_roles()
    org = [r for r in roles if r.subject_type == "SUBJECT_TYPE_ORGANIZATION"]
    spaces = [r for r in roles if r.subject_type == "SUBJECT_TYPE_WORKSPACE"]
    assert [r.role for r in org] == ["ACTOR_ROLE_ADMIN"]
    assert [(r.subject_id, r.role) for r in spaces] == [(local.workspace_id, "ACTOR_ROLE_ADMIN")]


async def test_my_roles_for_a_member(local: Local, root: RimeClient) -> None:
    ws = await root.create_workspace("Team")
    alice = await new_user(root, "alice@example.com")
    await root.add_workspace_members(ws, {alice: "ACTOR_ROLE_VIEWER"})
    async with await sign_in(local, "alice@example.com") as client:
        roles = await client.my_roles()
    assert [(r.subject_type, r.role) for r in roles] == [
        ("SUBJECT_TYPE_ORGANIZATION", "ACTOR_ROLE_USER"),
        ("SUBJECT_TYPE_WORKSPACE", "ACTOR_ROLE_VIEWER"),
    ]
    assert roles[1].subject_id == ws
    assert roles[1].implicit_grant is False


async def test_create_get_and_list_users(root: RimeClient) -> None:
    user_id = await root.create_user(
        "bob@example.com", PASSWORD, full_name="Bob Builder", org_role="ACTOR_ROLE_USER"
    )
    bob = await root.get_user(user_id)
    assert bob.id.uuid == user_id
    assert bob.email == "bob@example.com"
    assert bob.full_name == "Bob Builder"
    assert bob.org_role == "ACTOR_ROLE_USER"
    assert not bob.is_org_admin
    emails = [u.email async for u in root.iter_users()]
    assert emails == ["admin@rime.local", "bob@example.com"]


async def test_create_user_refusals(local: Local, root: RimeClient) -> None:
    await new_user(root, "carol@example.com")
    with pytest.raises(AlreadyExistsError):
        await new_user(root, "CAROL@example.com")
    with pytest.raises(InvalidArgumentError):
        await root.create_user("not-an-email", PASSWORD)
    with pytest.raises(InvalidArgumentError) as short:
        await root.create_user("dave@example.com", "short")
    assert "8" in short.value.message
    with pytest.raises(InvalidArgumentError):
        await root.create_user("dave@example.com", PASSWORD, org_role="ACTOR_ROLE_KING")
    async with await sign_in(local, "carol@example.com") as carol:
        with pytest.raises(PermissionDeniedError):
            await new_user(carol, "erin@example.com")


async def test_get_unknown_user_is_not_found(admin: RimeClient) -> None:
    with pytest.raises(NotFoundError):
        await admin.get_user("00000000-0000-4000-8000-000000000000")


# -- workspaces -------------------------------------------------------------------------


async def test_create_get_and_list_workspaces(local: Local, root: RimeClient) -> None:
    ws = await root.create_workspace(
        "Fraud", description="fraud models", results_retention_in_days=90
    )
    workspace = await root.get_workspace(ws)
    assert workspace.workspace_id.uuid == ws
    assert (workspace.name, workspace.description) == ("Fraud", "fraud models")
    assert workspace.results_retention_in_days == 90
    listed = [(w.workspace_id.uuid, w.name) async for w in root.iter_workspaces()]
    assert listed == [(local.workspace_id, "Workspace 1"), (ws, "Fraud")]


async def test_create_workspace_refusals(local: Local, root: RimeClient) -> None:
    with pytest.raises(AlreadyExistsError):
        await root.create_workspace("Workspace 1")
    with pytest.raises(InvalidArgumentError):
        await root.create_workspace("   ")
    with pytest.raises(InvalidArgumentError):
        await root.create_workspace("Old", results_retention_in_days=-1)
    await new_user(root, "frank@example.com")
    async with await sign_in(local, "frank@example.com") as frank:
        with pytest.raises(PermissionDeniedError):
            await frank.create_workspace("Frank's")


async def test_get_unknown_workspace_is_not_found(root: RimeClient) -> None:
    with pytest.raises(NotFoundError):
        await root.get_workspace("00000000-0000-4000-8000-000000000000")


async def test_workspace_members_list_and_add(local: Local, root: RimeClient) -> None:
    ws = await root.create_workspace("Members")
    grace = await new_user(root, "grace@example.com")
    heidi = await new_user(root, "heidi@example.com")
    members = [u async for u in root.iter_workspace_members(ws)]
    # The org admin is an implicit admin member of every workspace.
    assert [(u.user_detail.email, u.user_role, u.implicit_grant) for u in members] == [
        ("admin@rime.local", "ACTOR_ROLE_ADMIN", True)
    ]
    await root.add_workspace_members(ws, {grace: "ACTOR_ROLE_USER", heidi: "ACTOR_ROLE_VIEWER"})
    page = await root.list_workspace_members_page(ws)
    assert page.workspace_id is not None and page.workspace_id.uuid == ws
    assert {u.user_detail.email: u.user_role for u in page.users} == {
        "admin@rime.local": "ACTOR_ROLE_ADMIN",
        "grace@example.com": "ACTOR_ROLE_USER",
        "heidi@example.com": "ACTOR_ROLE_VIEWER",
    }
    # Adding again updates the role.
    await root.add_workspace_members(ws, {heidi: "ACTOR_ROLE_ADMIN"})
    roles = {u.user_detail.email: u.user_role async for u in root.iter_workspace_members(ws)}
    assert roles["heidi@example.com"] == "ACTOR_ROLE_ADMIN"
    # Grace is a plain member: she may look but not add.
    async with await sign_in(local, "grace@example.com") as as_grace:
        assert len([u async for u in as_grace.iter_workspace_members(ws)]) == 3
        with pytest.raises(PermissionDeniedError):
            await as_grace.add_workspace_members(ws, {grace: "ACTOR_ROLE_ADMIN"})


async def test_add_members_refusals(root: RimeClient) -> None:
    ws = await root.create_workspace("Refusals")
    with pytest.raises(NotFoundError):
        await root.add_workspace_members(
            ws, {"00000000-0000-4000-8000-000000000000": "ACTOR_ROLE_USER"}
        )
    ivan = await new_user(root, "ivan@example.com")
    with pytest.raises(InvalidArgumentError):
        await root.add_workspace_members(ws, {ivan: "ACTOR_ROLE_EMPEROR"})
    with pytest.raises(InvalidArgumentError):
        await root.add_workspace_members(ws, {})


# -- API tokens ---------------------------------------------------------------------------


async def test_create_list_and_delete_an_api_token(local: Local, admin: RimeClient) -> None:
    created = await admin.create_api_token("ci pipeline", local.workspace_id)
    secret = created.full_api_token
    assert secret.startswith("rime_")
    tokens = {t.id.uuid: t async for t in admin.iter_api_tokens(local.workspace_id)}
    assert len(tokens) == 2
    info = tokens[created.id.uuid]
    me = next(r for r in await admin.my_roles() if r.subject_type == "SUBJECT_TYPE_ORGANIZATION")
    assert me.role == "ACTOR_ROLE_ADMIN"
    assert info.name == "ci pipeline"
    assert info.suffix == secret[-4:]
    assert info.token_type == "TOKEN_TYPE_USER"
    assert info.workspace_id is not None and info.workspace_id.uuid == local.workspace_id
    assert info.creation_time == wire_time(local.clock())
    assert info.expiration_time == wire_time(local.clock() + timedelta(days=270))
    # The secret itself is never listed.
    assert secret not in info.model_dump_json()
    # The new token authenticates as the same user, in the same workspace.
    async with local.client(api_token=secret) as new:
        assert (await new.rime_info()).customer_name == "local"
        owner = await new.get_user(info.user_id)
        assert owner.email == "admin@rime.local"
    await admin.delete_api_token(created.id.uuid)
    remaining = [t.id.uuid async for t in admin.iter_api_tokens(local.workspace_id)]
    assert created.id.uuid not in remaining and len(remaining) == 1
    async with local.client(api_token=secret) as deleted:
        with pytest.raises(AuthenticationError):
            await deleted.rime_info()
    with pytest.raises(NotFoundError):
        await admin.delete_api_token(created.id.uuid)


async def test_list_api_tokens_without_workspace_uses_the_token_workspace(
    local: Local, admin: RimeClient
) -> None:
    page = await admin.list_api_tokens_page()
    assert [t.suffix for t in page.api_token_infos] == [local.api_token[-4:]]
    assert page.next_page_token == "" and page.has_more is False


async def test_create_api_token_without_workspace_uses_the_token_workspace(
    local: Local, admin: RimeClient
) -> None:
    created = await admin.create_api_token("no workspace given")
    (info,) = [t async for t in admin.iter_api_tokens() if t.id == created.id]
    assert info.workspace_id == m.RimeUUID(uuid=local.workspace_id)


async def test_create_api_token_with_a_session_needs_a_workspace(root: RimeClient) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        await root.create_api_token("where?")
    assert caught.value.message.startswith("workspaceId is required")


async def test_a_create_a_list_and_a_delete_are_answered_without_fastapis_dependency_solving(
    local: Local, admin: RimeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue K: in a burst of creates, FastAPI's routing, dependency solving and
    # exception middleware cost a create as much CPU as its own work (create p99
    # under 50 clients over 50 ms); in the instance listing (a list per workspace,
    # 64 at once) they were a fifth of the instance's CPU; the same clients' deletes
    # queue with their creates. All three are answered by HotRoutes (app.py).
    solved: list[str] = []

    async def counted(*args: Any, **kwargs: Any) -> Any:
        solved.append(kwargs["request"].url.path)
        return await solve_dependencies(*args, **kwargs)

    monkeypatch.setattr("fastapi.routing.solve_dependencies", counted)
    made = await admin.create_api_token("hot", local.workspace_id)
    listed = [t.id async for t in admin.iter_api_tokens(local.workspace_id, page_size=1)]
    assert made.id in listed and len(listed) == 2  # two pages
    await admin.delete_api_token(made.id.uuid)
    assert [t.id async for t in admin.iter_api_tokens(local.workspace_id)] == [
        listed[1 - listed.index(made.id)]
    ]
    with pytest.raises(NotFoundError):  # (its failures answer as through FastAPI)
        await admin.delete_api_token(made.id.uuid)
    assert solved == []
    await admin.get_workspace(local.workspace_id)  # the other routes go through FastAPI
    assert solved == [f"/v1/workspace/{local.workspace_id}"]


async def test_an_unexpected_failure_of_a_create_is_a_500_in_ri_words(
    local: Local, admin: RimeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Store, "insert_token", broken)
    async with httpx.AsyncClient(base_url=local.url) as raw:
        answer = await raw.post(
            "/v1/users/api-tokens",
            json={"name": "never", "workspaceId": {"uuid": local.workspace_id}},
            headers={API_KEY_HEADER: local.api_token},
        )
    body = error_body(answer, 500, 13)
    assert body["message"] == "The local instance failed; see its log."
    monkeypatch.undo()
    assert "never" not in [t.name async for t in admin.iter_api_tokens(local.workspace_id)]


async def test_list_api_tokens_by_token_type(local: Local, admin: RimeClient) -> None:
    users = [
        t async for t in admin.iter_api_tokens(local.workspace_id, token_type="TOKEN_TYPE_USER")
    ]
    assert len(users) == 1
    agents = await admin.list_api_tokens_page(
        local.workspace_id, token_type="TOKEN_TYPE_INTERNAL_AGENT"
    )
    assert agents.api_token_infos == []
    with pytest.raises(InvalidArgumentError):
        await admin.list_api_tokens_page(local.workspace_id, token_type="TOKEN_TYPE_BOGUS")


# -- projects ----------------------------------------------------------------------------


async def test_create_get_list_and_delete_a_project(local: Local, admin: RimeClient) -> None:
    project = await admin.create_project(
        "Fraud Demo",
        description="This is an Onboarding Demo",
        workspace_id=local.workspace_id,
        model_task="MODEL_TASK_BINARY_CLASSIFICATION",
        use_case="fraud",
        tags=["demo", "fraud"],
    )
    assert project.name == "Fraud Demo"
    assert project.description == "This is an Onboarding Demo"
    assert project.workspace_id is not None and project.workspace_id.uuid == local.workspace_id
    assert project.model_task == "MODEL_TASK_BINARY_CLASSIFICATION"
    assert (project.use_case, project.tags) == ("fraud", ["demo", "fraud"])
    assert project.creation_time == wire_time(local.clock())
    got = await admin.get_project(project.id.uuid)
    assert got.project == project
    listed = [p async for p in admin.iter_projects(local.workspace_id)]
    assert listed == [got]
    assert got.owner_details == m.ProjectOwnerDetails(
        name="Default Admin", email="admin@rime.local"
    )
    assert got.last_updated_time == project.creation_time
    with pytest.raises(AlreadyExistsError):
        await admin.create_project("Fraud Demo")
    await admin.delete_project(project.id.uuid)
    with pytest.raises(NotFoundError):
        await admin.get_project(project.id.uuid)
    with pytest.raises(NotFoundError):
        await admin.delete_project(project.id.uuid)
    assert [p async for p in admin.iter_projects()] == []


async def test_create_project_defaults_to_the_token_workspace(
    local: Local, admin: RimeClient
) -> None:
    project = await admin.create_project("No workspace given")
    assert project.workspace_id is not None and project.workspace_id.uuid == local.workspace_id
    assert project.model_task == "MODEL_TASK_UNSPECIFIED"


async def test_create_project_takes_only_the_sdks_model_tasks(admin: RimeClient) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        await admin.create_project("Odd", model_task="MODEL_TASK_NOT_A_TASK")
    assert "is not a ModelTask" in caught.value.message
    assert [p async for p in admin.iter_projects()] == []


async def test_create_project_with_a_session_needs_a_workspace(root: RimeClient) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        await root.create_project("Where?")
    assert "workspaceId" in caught.value.message


async def test_update_a_project_by_its_mask(local: Local, admin: RimeClient) -> None:
    project = await admin.create_project("Fraud Demo", description="before", tags=["x"])
    local.clock.advance(minutes=5)
    changes = m.ProjectChanges(
        name="Fraud Demo 2",
        use_case="cards",
        ethical_consideration="no PII",
        stress_test_categories=["TEST_CATEGORY_TYPE_DRIFT"],
        tags=None,  # in the mask, unset: cleared
    )
    updated = await admin.update_project(project.id.uuid, changes)
    assert (updated.name, updated.description) == ("Fraud Demo 2", "before")
    assert (updated.use_case, updated.ethical_consideration) == ("cards", "no PII")
    assert updated.tags == [] and updated.stress_test_categories == ["TEST_CATEGORY_TYPE_DRIFT"]
    got = await admin.get_project(project.id.uuid)
    assert got.project == updated
    assert got.last_updated_time == wire_time(local.clock())
    assert got.project.creation_time == project.creation_time


async def test_update_project_refusals(local: Local, root: RimeClient, admin: RimeClient) -> None:
    project = await admin.create_project("Fraud Demo")
    await admin.create_project("Taken")
    pid = project.id.uuid
    for mask, words in [
        ("profilingConfig", "cannot update 'profilingConfig'; it updates name, description"),
        (" , ", 'mask must name the fields to update, e.g. "name,description"'),
    ]:
        response = await asyncio.to_thread(
            httpx.put,
            f"{local.url}/v1/projects/{pid}",
            json={"project": {}, "mask": mask},
            headers={"rime-api-key": local.api_token},
        )
        assert words in error_body(response, 400, 3)["message"]
    refusals: list[tuple[m.ProjectChanges, type[Exception], str]] = [
        (m.ProjectChanges(name="Taken"), AlreadyExistsError, "'Taken' exists"),
        (m.ProjectChanges(name=" "), InvalidArgumentError, "must not be empty"),
        (
            m.ProjectChanges(continuous_test_categories=["TEST_CATEGORY_TYPE_NOPE"]),
            InvalidArgumentError,
            "is not a TestCategoryType",
        ),
        (m.ProjectChanges(tags=["t"] * 51), InvalidArgumentError, "At most 50 tags"),
    ]
    for changes, error, words in refusals:
        with pytest.raises(error) as caught:
            await admin.update_project(pid, changes)
        assert words in str(caught.value)
    with pytest.raises(NotFoundError):
        await admin.update_project(local.workspace_id, m.ProjectChanges(name="x"))
    other = await root.create_workspace("Elsewhere")
    elsewhere = await root.create_project("There", workspace_id=other)
    with pytest.raises(PermissionDeniedError):
        await admin.update_project(elsewhere.id.uuid, m.ProjectChanges(name="x"))
    assert (await admin.get_project(pid)).project == project


async def test_project_url_and_workspace_roles(local: Local, admin: RimeClient) -> None:
    project = await admin.create_project("Shared")
    pid = project.id.uuid
    host = local.url.removeprefix("http://")
    assert await admin.get_project_url(pid) == f"{host}/v1/projects/{pid}"
    assert await admin.get_workspace_roles(pid) == []
    pairs = [
        m.RolePair(parent_role=parent, subject_role="ACTOR_ROLE_VIEWER")
        for parent in ("ACTOR_ROLE_ADMIN", "ACTOR_ROLE_USER")
    ]
    assert await admin.set_workspace_roles(pid, pairs) == pairs
    assert await admin.get_workspace_roles(pid) == pairs
    bad = [
        [m.RolePair(parent_role="ACTOR_ROLE_EMPEROR", subject_role="ACTOR_ROLE_VIEWER")],
        [m.RolePair(parent_role="ACTOR_ROLE_USER", subject_role="ACTOR_ROLE_UNSPECIFIED")],
        pairs + pairs[:1],
    ]
    for role_pairs in bad:
        with pytest.raises(InvalidArgumentError):
            await admin.set_workspace_roles(pid, role_pairs)
    assert await admin.get_workspace_roles(pid) == pairs
    await admin.delete_project(pid)
    for call in (admin.get_project_url, admin.get_workspace_roles):
        with pytest.raises(NotFoundError):
            await call(pid)


# -- pagination ---------------------------------------------------------------------------


async def test_paging_default_50_and_max_500(local: Local, admin: RimeClient) -> None:
    names = [f"project {i:03d}" for i in range(501)]
    for name in names:
        await admin.create_project(name)

    first = await admin.list_projects_page()
    assert len(first.projects) == 50 and first.has_more and first.next_page_token

    capped = await admin.list_projects_page(page_size=10_000)
    assert len(capped.projects) == 500 and capped.has_more
    rest = await admin.list_projects_page(page_size=500, page_token=capped.next_page_token)
    assert len(rest.projects) == 1 and not rest.has_more and rest.next_page_token == ""

    walked = [p.project.name async for p in admin.iter_projects()]
    assert sorted(walked) == names  # every project once, across 11 pages of 50


async def test_token_pages_walk_in_creation_order(local: Local, admin: RimeClient) -> None:
    created = [local.api_token[-4:]]
    for i in range(7):
        created.append(
            (await admin.create_api_token(f"t{i}", local.workspace_id)).full_api_token[-4:]
        )
    pages: list[list[str]] = []
    token = ""
    while True:
        page = await admin.list_api_tokens_page(local.workspace_id, page_size=3, page_token=token)
        pages.append([t.suffix for t in page.api_token_infos])
        assert page.has_more == bool(page.next_page_token)
        if not page.has_more:
            break
        token = page.next_page_token
    assert [len(p) for p in pages] == [3, 3, 2]
    assert [s for p in pages for s in p] == created
    walked = [t.suffix async for t in admin.iter_api_tokens(local.workspace_id, page_size=3)]
    assert walked == created


async def test_users_workspaces_and_members_page(local: Local, root: RimeClient) -> None:
    spaces = [local.workspace_id]
    for i in range(4):
        spaces.append(await root.create_workspace(f"ws {i}"))
    walked = [w.workspace_id.uuid async for w in root.iter_workspaces(page_size=2)]
    assert walked == spaces
    first = await root.list_workspaces_page(page_size=2)
    assert len(first.workspaces) == 2 and first.has_more

    users = ["admin@rime.local"]
    for i in range(3):
        users.append(f"user{i}@example.com")
        await new_user(root, users[-1])
    assert [u.email async for u in root.iter_users(page_size=2)] == users
    page = await root.list_users_page(page_size=3)
    assert len(page.users) == 3 and page.has_more

    user_ids = [u.id.uuid async for u in root.iter_users()]
    await root.add_workspace_members(spaces[1], dict.fromkeys(user_ids[1:], "ACTOR_ROLE_USER"))
    members = [
        u.user_detail.email async for u in root.iter_workspace_members(spaces[1], page_size=1)
    ]
    assert members == users
