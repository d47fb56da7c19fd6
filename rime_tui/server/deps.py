"""What routes get from FastAPI's ``Depends``: the app's context, the store, the caller,
and the query parameters every list shares.

Every dependency is ``async``: FastAPI runs plain functions in a thread pool, and
the store is used from the event-loop thread only.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from rime_tui.server import rules
from rime_tui.server.errors import unauthenticated
from rime_tui.server.paging import MAX_PAGE_TOKEN_LENGTH
from rime_tui.server.rules import Principal
from rime_tui.server.store import Store
from rime_tui.server.throttle import LoginThrottle, Monotonic, PasswordWork
from rime_tui.wire.constants import API_KEY_HEADER


@dataclass
class Context:
    """One app's store and what its routes keep between requests."""

    store: Store
    instance_key: bytes = b""  # answers the TUI's challenges (rime_tui.proof)
    monotonic: Monotonic = time.monotonic
    throttle: LoginThrottle = field(init=False)  # sign-ins over TCP
    private_throttle: LoginThrottle = field(init=False)  # over the owner's Unix socket
    passwords: PasswordWork = field(default_factory=PasswordWork)
    token_json: dict[str, bytes] = field(default_factory=dict)  # token id -> its JSON

    def __post_init__(self) -> None:
        self.throttle = LoginThrottle(self.monotonic)
        self.private_throttle = LoginThrottle(self.monotonic)

    def throttle_for(self, scope: Mapping[str, Any]) -> LoginThrottle:
        """The sign-in throttle of the line *scope* came on: what is sprayed at the TCP
        port never locks the owner's private line out."""
        return self.private_throttle if on_private_line(scope) else self.throttle


def on_private_line(scope: Mapping[str, Any]) -> bool:
    """Whether the request came through a Unix socket (ASGI: ``server`` is
    ``[path, None]``), which only the data dir's owner can reach: the private line."""
    server = scope.get("server")
    return server is not None and server[1] is None


async def context(request: Request) -> Context:
    found: Context = request.app.state.context
    return found


async def store(request: Request) -> Store:
    found: Context = request.app.state.context
    return found.store


_api_key = APIKeyHeader(name=API_KEY_HEADER, auto_error=False)
_bearer = HTTPBearer(auto_error=False)


async def caller(
    request: Request,
    key: Annotated[str | None, Depends(_api_key)],
    session: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The principal of the request's API token or session, or a 401."""
    found: Context = request.app.state.context
    if key:
        return rules.authenticate_api_token(found.store, key)
    if session is not None and session.credentials:
        return rules.authenticate_session(found.store, session.credentials)
    raise unauthenticated(f"No credentials: send your API token in the {API_KEY_HEADER} header.")


AppContext = Annotated[Context, Depends(context)]
AppStore = Annotated[Store, Depends(store)]
Caller = Annotated[Principal, Depends(caller)]
PageSize = Annotated[int | None, Query(alias="pageSize", ge=0)]
PageToken = Annotated[str, Query(alias="pageToken", max_length=MAX_PAGE_TOKEN_LENGTH)]
WorkspaceQuery = Annotated[str | None, Query(alias="workspaceId.uuid", max_length=100)]
