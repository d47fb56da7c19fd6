"""API access tokens: list, create, delete.

The hot routes of the token screen: they read the caller and the app's context
without ``Depends`` (:func:`deps.request_caller`), and a list page is built once
and answered from memory until anything is written.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from rime_tui.server import rules, security
from rime_tui.server.deps import (
    CALLER_SECURITY,
    Context,
    app_context,
    body_openapi,
    query_openapi,
    read_body,
    read_query,
    request_caller,
)
from rime_tui.server.errors import Code, ServiceError
from rime_tui.server.paging import MAX_PAGE_TOKEN_LENGTH
from rime_tui.server.store import Store, token_info
from rime_tui.server.validation import check_new_token, check_token_type
from rime_tui.wire import models as m
from rime_tui.wire.constants import MAX_TOKENS

TOKEN_JSON_CACHE_SIZE = 1000  # serialised tokens kept; more than MAX_TOKENS live ones
TOKEN_PAGE_CACHE_SIZE = 256  # list pages kept (of different callers, workspaces, pages)

router = APIRouter(tags=["api-tokens"])


class ListQuery(BaseModel):
    """The query parameters of the token list (read by :func:`read_query`)."""

    model_config = ConfigDict(frozen=True)

    workspace_id: str | None = Field(None, alias="workspaceId.uuid", max_length=100)
    page_size: int | None = Field(None, alias="pageSize", ge=0)
    page_token: str = Field("", alias="pageToken", max_length=MAX_PAGE_TOKEN_LENGTH)
    token_type: str | None = Field(None, alias="firstPageQuery.tokenType", max_length=100)


@router.get(
    "/v1/users/api-tokens",
    response_model=m.ListApiTokensResponse,
    response_model_exclude_none=True,
    openapi_extra={**CALLER_SECURITY, **query_openapi(ListQuery)},
)
async def list_api_tokens(request: Request) -> Response:
    """The wire JSON of :class:`m.ListApiTokensResponse` (``exclude_none``), byte for byte.

    One query per page, each token serialised once (a token row never changes
    after it is created), and each page kept until anything is written.
    """
    context = app_context(request)
    who = request_caller(request)  # before the query is checked, as with Depends
    query = read_query(request, ListQuery)
    store = context.store
    scope, owner = rules.listed_tokens(store, who, query.workspace_id)
    if query.token_type:
        check_token_type(query.token_type)
    stamp = store.write_stamp()
    if stamp != context.token_pages_stamp or len(context.token_pages) >= TOKEN_PAGE_CACHE_SIZE:
        context.token_pages.clear()
        context.token_pages_stamp = stamp
    key = (scope, owner, query.token_type, query.page_token, query.page_size)
    body = context.token_pages.get(key)
    if body is None:
        body = context.token_pages[key] = _token_page(context, key)
    return Response(body, media_type="application/json")


def _token_page(
    context: Context, key: tuple[str | None, str | None, str | None, str, int | None]
) -> bytes:
    page = context.store.token_page(*key)
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
    return b"".join(
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


def _check_room(store: Store) -> None:
    """A 429 when the instance has MAX_TOKENS tokens, with a hint to make room. (The
    expired ones are counted only then: counting them at every create read every row.)"""
    total = store.token_count()
    if total < MAX_TOKENS:
        return
    expired = store.expired_token_count()
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


@router.post(
    "/v1/users/api-tokens",
    response_model=m.CreateApiTokenResponse,
    openapi_extra={**CALLER_SECURITY, **body_openapi(m.CreateApiTokenRequest)},
)
async def create_api_token(request: Request) -> Response:
    """The new token's id and secret (:class:`m.CreateApiTokenResponse`)."""
    who = request_caller(request)  # before the body is checked, as with Depends
    req = await read_body(request, m.CreateApiTokenRequest)
    store = app_context(request).store
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
    made = m.CreateApiTokenResponse(id=m.RimeUUID(uuid=token_id), full_api_token=secret)
    return Response(made.model_dump_json(by_alias=True), media_type="application/json")


@router.delete(
    "/v1/users/api-tokens/{token_id}", response_model=m.Empty, openapi_extra=CALLER_SECURITY
)
async def delete_api_token(request: Request, token_id: str) -> Response:
    who = request_caller(request)
    context = app_context(request)
    store = context.store
    with store.transaction():
        token_id = rules.deletable_token(store, who, token_id)
        store.delete_token(token_id)
    context.token_json.pop(token_id, None)
    return Response(b"{}", media_type="application/json")
