"""Projects: what the SDK and the seed's examples create, read, change and delete."""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter, Request

from rime_tui.server import rules
from rime_tui.server.deps import AppStore, Caller, PageSize, PageToken, WorkspaceQuery
from rime_tui.server.errors import Code, ServiceError, not_found
from rime_tui.server.rules import Principal
from rime_tui.server.store import Store, project, project_info, workspace_roles
from rime_tui.server.validation import (
    check_mask,
    check_new_project,
    check_project_changes,
    check_role_pairs,
)
from rime_tui.wire import models as m

router = APIRouter(tags=["projects"])


def _name_clash(name: str) -> ServiceError:
    return ServiceError(Code.ALREADY_EXISTS, f"A project named {name!r} exists in this workspace.")


def _visible(store: Store, who: Principal, project_id: str) -> m.ProjectInfo:
    return project_info(rules.visible_project(store, who, project_id)[0])


def _written(store: Store, project_id: str) -> sqlite3.Row:
    """The project this request has just written, read back (the caller's access was
    checked before the write, so it is not checked again)."""
    row = store.project_row(project_id)
    if row is None:  # deleted by another request meanwhile
        raise not_found(f"No project with id {project_id}.")
    return row


@router.post("/v1/projects", response_model_exclude_none=True)
async def create_project(
    who: Caller, store: AppStore, req: m.CreateProjectRequest
) -> m.ProjectResponse:
    workspace_id = rules.target_workspace(store, who, req.workspace_id, doing="create projects")
    name, model_task, tags = check_new_project(req)
    with store.transaction():
        if store.project_name_taken(workspace_id, name):
            raise _name_clash(name)
        project_id = store.insert_project(
            name=name,
            description=req.description,
            workspace_id=workspace_id,
            owner_id=who.user_id,
            model_task=model_task,
            use_case=req.use_case or "",
            ethical_consideration=req.ethical_consideration or "",
            tags=tags,
        )
    return m.ProjectResponse(project=project(_written(store, project_id)))


# The seed's `requests` example posts to /projects; it lands in the token's workspace.
router.post("/projects", response_model_exclude_none=True)(create_project)


@router.get("/v1/projects", response_model_exclude_none=True)
async def list_projects(
    who: Caller,
    store: AppStore,
    workspace_id: WorkspaceQuery = None,
    page_size: PageSize = None,
    page_token: PageToken = "",
) -> m.ListProjectsResponse:
    scope, member = rules.listed_projects(store, who, workspace_id)
    return store.list_projects(scope, member, page_token, page_size)


@router.get("/v1/projects/{project_id}", response_model_exclude_none=True)
async def get_project(who: Caller, store: AppStore, project_id: str) -> m.GetProjectResponse:
    return m.GetProjectResponse(project=_visible(store, who, project_id))


@router.put("/v1/projects/{project_id}", response_model_exclude_none=True)
async def update_project(
    who: Caller, store: AppStore, project_id: str, req: m.UpdateProjectRequest
) -> m.ProjectResponse:
    """Change the fields *req.mask* names (a FieldMask: comma-separated wire names)."""
    paths = check_mask(req.mask)
    row = rules.writable_project(store, who, project_id, "change")
    changes = check_project_changes(req.project, paths)
    with store.transaction():
        name = changes.get("name")
        if isinstance(name, str) and store.project_name_taken(row["workspace_id"], name, row["id"]):
            raise _name_clash(name)
        store.update_project(row["id"], changes)
    return m.ProjectResponse(project=project(_written(store, row["id"])))


@router.get("/v1/projects/{project_id}/url")
async def project_url(
    who: Caller, store: AppStore, project_id: str, request: Request
) -> m.ProjectURLResponse:
    # No web app here: the project's own REST address, without a scheme as on a cluster.
    found = project(rules.visible_project(store, who, project_id)[0])
    url = f"{request.url.netloc}/v1/projects/{found.id.uuid}"
    return m.ProjectURLResponse(url=m.SafeURL(url=url))


@router.get("/v1/projects/{project_id}/role/workspace", name="workspace_roles")
async def get_workspace_roles(
    who: Caller, store: AppStore, project_id: str
) -> m.WorkspaceRolesResponse:
    """Which project role each workspace role grants (the SDK's general access)."""
    return workspace_roles(rules.visible_project(store, who, project_id)[0])


@router.put("/v1/projects/{project_id}/role/workspace")
async def set_workspace_roles(
    who: Caller, store: AppStore, project_id: str, req: m.UpdateWorkspaceRolesRequest
) -> m.WorkspaceRolesResponse:
    row = rules.writable_project(store, who, project_id, "change")
    pairs = check_role_pairs(req.role_pairs)
    with store.transaction():
        store.set_workspace_roles(row["id"], pairs)
    return workspace_roles(_written(store, row["id"]))


@router.delete("/v1/projects/{project_id}")
async def delete_project(who: Caller, store: AppStore, project_id: str) -> m.Empty:
    row = rules.writable_project(store, who, project_id, "delete")
    with store.transaction():
        store.delete_project(row["id"])
    return m.Empty()
