"""Workspaces and their members."""

from __future__ import annotations

from fastapi import APIRouter

from rime_tui.server import rules
from rime_tui.server.deps import AppStore, Caller, PageSize, PageToken
from rime_tui.server.errors import Code, ServiceError, invalid, not_found
from rime_tui.server.validation import check_member, check_new_workspace
from rime_tui.wire import models as m
from rime_tui.wire.constants import ADMIN

router = APIRouter(tags=["workspaces"])


@router.get("/v1/workspace", response_model_exclude_none=True)
async def list_workspaces(
    who: Caller, store: AppStore, page_size: PageSize = None, page_token: PageToken = ""
) -> m.ListWorkspacesResponse:
    only, member = rules.listed_workspaces(who)
    return store.list_workspaces(only, member, page_token, page_size)


@router.post("/v1/workspace")
async def create_workspace(
    who: Caller, store: AppStore, req: m.CreateWorkspaceRequest
) -> m.CreateWorkspaceResponse:
    rules.require_org_admin_session(who, "create workspaces")
    name = check_new_workspace(req)
    with store.transaction():
        if store.workspace_name_taken(name):
            raise ServiceError(Code.ALREADY_EXISTS, f"A workspace named {name!r} exists.")
        workspace_id = store.insert_workspace(name, req.description, req.results_retention_in_days)
    return m.CreateWorkspaceResponse(workspace_id=m.RimeUUID(uuid=workspace_id))


@router.get("/v1/workspace/{workspace_id}", response_model_exclude_none=True)
async def get_workspace(who: Caller, store: AppStore, workspace_id: str) -> m.GetWorkspaceResponse:
    workspace_id = rules.require_workspace(store, who, workspace_id)
    workspace = store.get_workspace(workspace_id)
    if workspace is None:  # cannot be: the rules found it
        raise not_found(f"No workspace with id {workspace_id}.")
    return m.GetWorkspaceResponse(workspace=workspace)


@router.get("/v1/workspace/{workspace_id}/users")
async def list_members(
    who: Caller,
    store: AppStore,
    workspace_id: str,
    page_size: PageSize = None,
    page_token: PageToken = "",
) -> m.ListWorkspaceMembersResponse:
    workspace_id = rules.require_workspace(store, who, workspace_id)
    return store.list_members(workspace_id, page_token, page_size)


@router.post("/v1/workspace/{workspace_id}/users")
async def add_members(
    who: Caller, store: AppStore, workspace_id: str, req: m.AddMembersRequest
) -> m.Empty:
    """Add members or change their roles, all or none."""
    workspace_id = rules.require_workspace_admin(store, who, workspace_id, "add members")
    if not req.users:
        raise invalid("users must name at least one user.")
    with store.transaction():
        for spec in req.users:
            user_id, role = check_member(spec)
            org_role = store.org_role(user_id)
            if org_role is None:
                raise not_found(f"No user with id {user_id}.")
            if org_role == ADMIN:
                continue  # already an implicit admin member of every workspace
            store.set_member(workspace_id, user_id, role)
    return m.Empty()
