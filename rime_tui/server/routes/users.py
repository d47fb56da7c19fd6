"""Users and the caller's roles: list, get, create, delete."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.convertors import StringConvertor, register_url_convertor

from rime_tui.server import rules, security
from rime_tui.server.deps import AppContext, AppStore, Caller, PageSize, PageToken
from rime_tui.server.errors import Code, ServiceError, not_found
from rime_tui.server.validation import check_new_user
from rime_tui.wire import models as m
from rime_tui.wire.constants import ADMIN, USER

MAX_FULL_NAME_LENGTH = 200

router = APIRouter(tags=["users"])


class UserIdConvertor(StringConvertor):
    """A user id in a path: any segment but the names of the endpoints beside it
    (``/v1/users/api-tokens``, ``/v1/users/roles``), so that their 405s do not
    offer ``DELETE``, which is for users."""

    regex = "(?!(?:api-tokens|roles)$)[^/]+"


register_url_convertor("user_id", UserIdConvertor())


@router.get("/v1/users/roles")
async def roles(who: Caller, store: AppStore) -> m.RolesResponse:
    """The caller's organization role and workspace roles (an API token: its workspace's)."""
    organization = m.Role(
        subject_type="SUBJECT_TYPE_ORGANIZATION",
        subject_id=store.org_id(),
        role=ADMIN if who.org_admin else USER,
        implicit_grant=False,
    )
    return m.RolesResponse(
        roles=[organization, *store.memberships(who.user_id, who.token_workspace)]
    )


@router.get("/v1/users/{user_id}")
async def get_user(who: Caller, store: AppStore, user_id: str) -> m.GetUserResponse:
    user_id = rules.visible_user_id(who, user_id)
    user = store.get_user(user_id)
    if user is None:
        raise not_found(f"No user with id {user_id}.")
    return m.GetUserResponse(user=user)


@router.get("/v1/users")
async def list_users(
    who: Caller, store: AppStore, page_size: PageSize = None, page_token: PageToken = ""
) -> m.ListUsersResponse:
    return store.list_users(rules.listed_user(who), page_token, page_size)


@router.post("/v1/users")
async def create_user(
    who: Caller, context: AppContext, req: m.CreateUserRequest
) -> m.CreateUserResponse:
    rules.require_org_admin_session(who, "create users")
    email = check_new_user(req)
    password_hash = await context.passwords.run(security.hash_password, req.password)
    store = context.store
    with store.transaction():
        if store.email_taken(email):
            raise ServiceError(Code.ALREADY_EXISTS, f"A user with email {email} exists.")
        user_id = store.insert_user(
            email, req.full_name.strip()[:MAX_FULL_NAME_LENGTH], req.org_role, password_hash
        )
    return m.CreateUserResponse(user_id=m.RimeUUID(uuid=user_id))


@router.delete("/v1/users/{user_id:user_id}")
async def delete_user(who: Caller, context: AppContext, user_id: str) -> m.Empty:
    """Delete a user: their sessions and API tokens stop at once; their projects pass
    to the organization admin who deletes them."""
    store = context.store
    with store.transaction():
        user_id = rules.deletable_user(store, who, user_id)
        deleted = store.delete_user(user_id, heir_id=who.user_id)
    for token_id in deleted:
        context.token_json.pop(token_id, None)
    return m.Empty()
