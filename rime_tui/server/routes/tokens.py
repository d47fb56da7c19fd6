"""API access tokens: list, create, delete."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from rime_tui.server import rules, security
from rime_tui.server.deps import AppContext, AppStore, Caller, PageSize, PageToken, WorkspaceQuery
from rime_tui.server.errors import Code, ServiceError
from rime_tui.server.store import Store, token_info
from rime_tui.server.validation import check_new_token, check_token_type
from rime_tui.wire import models as m
from rime_tui.wire.constants import MAX_TOKENS

TOKEN_JSON_CACHE_SIZE = 1000  # serialised tokens kept; more than MAX_TOKENS live ones

router = APIRouter(tags=["api-tokens"])


@router.get(
    "/v1/users/api-tokens",
    response_model=m.ListApiTokensResponse,
    response_model_exclude_none=True,
)
async def list_api_tokens(
    who: Caller,
    context: AppContext,
    workspace_id: WorkspaceQuery = None,
    page_size: PageSize = None,
    page_token: PageToken = "",
    token_type: Annotated[
        str | None, Query(alias="firstPageQuery.tokenType", max_length=100)
    ] = None,
) -> Response:
    """The wire JSON of :class:`m.ListApiTokensResponse` (``exclude_none``), byte for byte.

    The hot path of the token screen: one query per page, and since a token row
    never changes after it is created, each token is serialised once and its
    JSON reused.
    """
    store = context.store
    scope, owner = rules.listed_tokens(store, who, workspace_id)
    if token_type:
        check_token_type(token_type)
    page = store.token_page(scope, owner, token_type, page_token, page_size)
    cache = context.token_json
    items = []
    for row in page.rows:
        item = cache.get(row["id"])
        if item is None:
            if len(cache) >= TOKEN_JSON_CACHE_SIZE:
                cache.clear()
            item = token_info(row).model_dump_json(exclude_none=True).encode()
            cache[row["id"]] = item
        items.append(item)
    body = b"".join(
        (
            b'{"nextPageToken":',
            json.dumps(page.next_page_token).encode(),
            b',"hasMore":',
            b"true" if page.has_more else b"false",
            b',"apiTokenInfos":[',
            b",".join(items),
            b"]}",
        )
    )
    return Response(body, media_type="application/json")


def _check_room(store: Store) -> None:
    """A 429 when the instance has MAX_TOKENS tokens, with a hint to make room."""
    total, expired = store.token_counts()
    if total < MAX_TOKENS:
        return
    hint = (
        f" {expired} of them {'has' if expired == 1 else 'have'} expired and"
        " can be deleted to make room."
        if expired
        else " Delete a token you no longer use to make room."
    )
    raise ServiceError(
        Code.RESOURCE_EXHAUSTED,
        f"This instance already has {total} API access tokens, the most it "
        f"allows ({MAX_TOKENS}, across all workspaces).{hint}",
    )


@router.post("/v1/users/api-tokens")
async def create_api_token(
    who: Caller, store: AppStore, req: m.CreateApiTokenRequest
) -> m.CreateApiTokenResponse:
    name, days = check_new_token(req)
    workspace_id = rules.target_workspace(store, who, req.workspace_id, doing="create API tokens")
    secret = security.new_api_token()
    with store.transaction():
        _check_room(store)
        if store.token_name_taken(workspace_id, who.user_id, name):
            raise ServiceError(
                Code.ALREADY_EXISTS,
                f"You already have a token named {name!r} in this workspace; choose another name.",
            )
        token_id = store.insert_token(secret, name, workspace_id, who.user_id, days)
    return m.CreateApiTokenResponse(id=m.RimeUUID(uuid=token_id), full_api_token=secret)


@router.delete("/v1/users/api-tokens/{token_id}")
async def delete_api_token(who: Caller, context: AppContext, token_id: str) -> m.Empty:
    store = context.store
    with store.transaction():
        token_id = rules.deletable_token(store, who, token_id)
        store.delete_token(token_id)
    context.token_json.pop(token_id, None)
    return m.Empty()
