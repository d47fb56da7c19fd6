"""A synchronous client for one-shot commands whose requests follow one another
(``rime-tui token list`` with an API token): no event loop, no asyncio or anyio to
load, one connection. It makes its calls as :class:`rime_tui.api.client.RimeClient`
does, through :mod:`rime_tui.api.exchange` (the same requests, wire models, errors
and retries).

    with OneShotClient("rime.example.io", api_token="rime_...") as client:
        for token in client.iter_api_tokens(None):
            ...
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterator
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel

from rime_tui.api import exchange as x
from rime_tui.api.exchange import DEFAULT_TIMEOUT, Exchange, next_page_token
from rime_tui.wire import models as m

M = TypeVar("M", bound=BaseModel)


class OneShotClient(Exchange):
    """One cluster, one API token, calls one after another."""

    def __init__(
        self,
        cluster_url: str,
        *,
        api_token: str,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        verify: bool | ssl.SSLContext = True,
        retries: int = 0,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(cluster_url, api_token=api_token, retries=retries, on_retry=on_retry)
        self._http = httpx.Client(
            timeout=timeout, transport=transport, **self._client_options(verify)
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._http.close()

    def call(self, call: x.Call[M]) -> M:
        """The answer to *call*, as :class:`rime_tui.api.client.RimeClient` makes it."""
        params, content, headers = self._request_parts(call.params, None, True, None)
        attempt = 0
        while True:
            with self._transport_errors():
                response = self._http.request(
                    call.method,
                    x.request_url(self._http.base_url, call.path, params),
                    content=content,
                    headers=headers,
                )
            wait = self._retrying(call.method, call.path, response, attempt)
            if wait is None:
                return self._answer(call.method, call.path, call.model, response)
            attempt += 1
            time.sleep(wait)

    def _every(self, page: Callable[[str], x.Call[Any]]) -> Iterator[Any]:
        """Every item of a paged list, page after page (*page* makes the call for a
        page token)."""
        token: str | None = ""
        while token is not None:
            answer = self.call(page(token))
            yield from answer.items
            token = next_page_token(answer)

    def iter_api_tokens(
        self, workspace_id: str | None, *, page_size: int | None = None
    ) -> Iterator[m.ApiTokenInfo]:
        """A workspace's tokens (without *workspace_id*: the API token's own workspace)."""
        return self._every(lambda token: x.api_tokens_page(workspace_id, page_size, token, None))

    def iter_users(self, *, page_size: int | None = None) -> Iterator[m.UserDetail]:
        return self._every(lambda token: x.users_page(page_size, token))
