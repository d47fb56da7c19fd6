"""Secret delivery: a new token's secret reaches the user, or the token is deleted again.

A token's secret exists on the client for one moment: the answer to its create
request. The guarantee, shared by the ``rime-tui token`` commands and the TUI:
from the moment a create request is sent, its secret reaches the user (printed
by the command, shown by the TUI) or the token is deleted again, whatever
interrupts the work. An interruption is a cancellation of the task doing it
(the commands cancel it on SIGINT and SIGTERM; the TUI when it must stop):

- a create request in flight is never abandoned: it runs to its answer
  (bounded by the client's timeouts), then :class:`Interrupted` is raised with
  the secret to deliver;
- a rotate interrupted before the old token was asked to go deletes its
  stand-in again (nothing changed: :attr:`Interrupted.secret` is None); after
  that, :class:`Interrupted` carries the newest secret it holds (the new
  token's, else the stand-in's);
- the stand-in an interrupted rotate leaves (``NAME (rotating)``) never blocks
  the next rotate of NAME: :func:`rotate` deletes it, reuses it, or (when NAME
  itself is gone) replaces it with NAME.

Nothing here is written to disk: the one limit is a kill -9 (or a power cut)
between a create's answer and its delivery. This module never imports textual
or httpx itself (the TUI's screens may use it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from rime_tui.api.errors import AnswerLostError, NotFoundError, RimeError, TransportError
from rime_tui.api.tokens import Listed
from rime_tui.wire import models as m
from rime_tui.wire.constants import MAX_NAME_LENGTH

if TYPE_CHECKING:
    from rime_tui.api.client import RimeClient

__all__ = [
    "STAND_IN_SUFFIX",
    "Interrupted",
    "SuccessorFailed",
    "create",
    "lifetime_days",
    "rotate",
    "stand_in_left",
    "stand_in_name",
]

T = TypeVar("T")
Warn = Callable[[str], None]

STAND_IN_SUFFIX = " (rotating)"


def stand_in_name(name: str) -> str:
    """The name of the stand-in a rotate of *name* makes (within the name limit)."""
    return name[: MAX_NAME_LENGTH - len(STAND_IN_SUFFIX)] + STAND_IN_SUFFIX


def stand_in_left(
    rows: Iterable[Listed], name: str, workspace_id: str, user_id: str | None
) -> Listed | None:
    """The stand-in an interrupted rotate of *name* left in the workspace (same owner),
    if any: pass it to :func:`rotate` as *left*."""
    wanted = stand_in_name(name)
    return next(
        (
            r
            for r in rows
            if r.token.name == wanted
            and r.workspace.workspace_id.uuid == workspace_id
            and r.token.user_id == user_id
        ),
        None,
    )


def lifetime_days(token: m.ApiTokenInfo) -> int | None:
    """The days between a token's creation and its expiry (at least 1)."""
    if token.creation_time is None or token.expiration_time is None:
        return None
    return max(1, round((token.expiration_time - token.creation_time).total_seconds() / 86400))


class Interrupted(Exception):
    """A create or rotate was interrupted (its task cancelled) and stopped.

    :attr:`secret` is the secret to deliver now (the token it belongs to exists
    and nobody else has seen it), or None when nothing needs delivering (nothing
    was made, or it was deleted again). :attr:`name` is that token's name;
    :attr:`what` says, in words, what happened.
    """

    def __init__(self, what: str, secret: m.CreateApiTokenResponse | None, name: str) -> None:
        super().__init__(what)
        self.what = what
        self.secret = secret
        self.name = name


class SuccessorFailed(RimeError):
    """Rotating deleted the old token but could not make its successor: the stand-in
    token (a working token, named "… (rotating)") is all there is."""

    def __init__(
        self,
        stand_in: m.CreateApiTokenResponse,
        cause: RimeError,
        what: str = "the old token is deleted, but making its successor failed",
    ) -> None:
        super().__init__(f"{what} ({cause}); the stand-in token {stand_in.id.uuid} replaces it.")
        self.stand_in = stand_in


# -- the two kinds of request -----------------------------------------------------------


class _Cut(Exception):
    """A request abandoned because its task was cancelled (it may or may not have been
    carried out)."""


async def _answer(request: Awaitable[T]) -> tuple[asyncio.Future[T], bool]:
    """*request*, run to its end even when this task is cancelled meanwhile (a create's
    answer is a secret: it must not be dropped); with whether a cancellation arrived."""
    task = asyncio.ensure_future(request)
    cancelled = False
    while True:
        try:
            await asyncio.wait({task})  # a cancelled wait leaves the task running
        except asyncio.CancelledError:
            cancelled = True
            _uncancel()
        else:
            return task, cancelled


async def _abandonable(request: Awaitable[T]) -> T:
    """*request*'s answer; :class:`_Cut` when this task is cancelled meanwhile."""
    try:
        return await request
    except asyncio.CancelledError:
        _uncancel()
        raise _Cut from None


def _uncancel() -> None:
    """Take back a cancellation that this module answers with :class:`Interrupted`."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()


async def _delete(client: RimeClient, token_id: str, warn: Warn) -> bool:
    """Delete a token; whether it is known to be gone (:class:`_Cut` when cancelled)."""
    try:
        await _abandonable(client.delete_api_token(token_id))
    except NotFoundError:
        return True
    except RimeError as exc:
        warn(f"could not delete token {token_id}: {exc}")
        return False
    return True


async def _probe(client: RimeClient, secret: str) -> None:
    """Prove that *secret* works (a RimeError when it does not), over *client*'s own
    connection (a local instance's private line; a new client would take TCP)."""
    await client.check_api_token(secret)


# -- create -----------------------------------------------------------------------------


async def create(
    client: RimeClient,
    workspace_id: str | None,
    name: str,
    days: int | None,
    warn: Warn,
    *,
    check: bool,
) -> m.CreateApiTokenResponse:
    """Create a token (in the calling API token's workspace without *workspace_id*);
    its secret is the answer, to deliver.

    The create request is not abandoned when the task is cancelled: its answer is
    awaited, then :class:`Interrupted` carries the secret (a failed create raises
    Interrupted without one). With *check*, the secret is proved to work (the
    token is deleted again if it does not); an interruption skips the check.
    """
    task, cancelled = await _answer(client.create_api_token(name, workspace_id, expiry_days=days))
    failure = task.exception()
    if isinstance(failure, TransportError) and failure.sent:  # it may exist: say so
        lost = AnswerLostError(
            f"{failure.message} The cluster may have made the token {name!r} anyway; "
            f"its secret did not arrive and cannot be shown. If {name!r} is listed now "
            "and you had no token of that name before, delete it and create it again.",
            sent=True,
        )
        lost.__cause__, failure = failure, lost
    if failure is not None:
        if cancelled:
            raise Interrupted(f"making {name!r} failed ({failure})", None, name) from failure
        raise failure
    made = task.result()
    if cancelled:
        raise Interrupted(f"the token {name!r} was made", made, name)
    if check:
        try:
            await _abandonable(_probe(client, made.full_api_token))
        except _Cut:
            raise Interrupted(f"the token {name!r} was made", made, name) from None
        except RimeError:
            try:
                await _delete(client, made.id.uuid, warn)
            except _Cut:
                raise Interrupted(f"the token {name!r} was made", made, name) from None
            raise
    return made


# -- rotate -----------------------------------------------------------------------------


async def rotate(
    client: RimeClient,
    old: m.ApiTokenInfo | None,
    workspace_id: str,
    *,
    ours: bool,
    warn: Warn,
    left: m.ApiTokenInfo | None = None,
    left_ours: bool = False,
    name: str | None = None,
) -> m.CreateApiTokenResponse:
    """A new secret for *old*: same name, same lifetime, and never neither token.

    Token names are unique per user and workspace, so the new token cannot be
    made beside the old one: a stand-in (``NAME (rotating)``) is made first,
    then the old token is deleted, then the new one made and the stand-in
    deleted. If making the new one fails, :class:`SuccessorFailed` carries the
    stand-in's secret; if the task is cancelled, :class:`Interrupted` (see the
    module docstring). With *ours* (the client signed in with *old*), the
    client goes on with the stand-in, then with the new token.

    *left* is a stand-in an interrupted rotate left behind (same name, owner and
    workspace). Signed in with it (*left_ours*), it is the stand-in (and the
    client goes on with the new token); else, when *old* exists, it is deleted
    first. *old* is None when that rotate had already
    deleted the old token: the new token (named *name*) is made, then *left* is
    deleted.
    """
    if old is not None:
        name = old.name
    elif left is None or name is None:
        raise ValueError("rotate needs the old token, or the stand-in left and the name")
    days = lifetime_days(old if old is not None else left)  # type: ignore[arg-type]
    unchanged = f"nothing changed: {name!r} keeps its secret"
    # The stand-in whose secret we hold, and a left-over one whose secret we do not.
    stand_in: m.CreateApiTokenResponse | None = None
    unheld: m.ApiTokenInfo | None = None
    if left is not None and left_ours and client.api_token:
        stand_in = m.CreateApiTokenResponse(id=left.id, full_api_token=client.api_token)
    elif left is not None and old is not None:
        try:
            deleted = await _delete(client, left.id.uuid, warn)
        except _Cut:
            raise Interrupted(unchanged, None, name) from None
        if deleted:  # else _delete said why (and making the stand-in will fail)
            warn(f"deleted {left.name!r}, the stand-in left by an interrupted rotate")
    elif left is not None:
        unheld = left  # NAME is gone: make it beside the stand-in, then delete that

    if old is not None:
        if stand_in is None:
            stand_in = await _make_stand_in(client, workspace_id, name, days, warn)
        previous = client.api_token
        if ours:  # the old token is about to go: go on with the stand-in
            client.api_token = stand_in.full_api_token
        try:
            await _abandonable(client.delete_api_token(old.id.uuid))
        except NotFoundError:
            pass  # already gone
        except _Cut:
            raise _stand_in_follows(f"the old {name!r} may be deleted", stand_in, name) from None
        except RimeError as exc:
            if isinstance(exc, TransportError) and exc.sent:
                # Sent, and its answer lost: the old one may be gone, so the stand-in
                # stays, and its secret is handed over (deleting it could leave neither).
                raise SuccessorFailed(
                    stand_in, exc, f"deleting the old {name!r} got no answer, so it may be deleted"
                ) from exc
            client.api_token = previous
            try:
                await _delete(client, stand_in.id.uuid, warn)
            except _Cut:
                raise Interrupted(unchanged, None, name) from None
            raise

    # Here a stand-in exists: made above, or left (held or not) when *old* is None.
    new_secret = (
        f"{name!r} has its new secret; its stand-in {stand_in_name(name)!r} may be left "
        f"(the next rotate of {name!r} deletes it)"
    )
    try:
        made = await create(client, workspace_id, name, days, warn, check=True)
    except Interrupted as stop:
        if stop.secret is not None:
            raise Interrupted(new_secret, stop.secret, name) from None
        if stand_in is None:
            raise
        raise _stand_in_follows(stop.what, stand_in, name) from None
    except RimeError as exc:
        if stand_in is None:
            raise
        raise SuccessorFailed(stand_in, exc) from exc
    if ours or left_ours:
        client.api_token = made.full_api_token
    for gone in (stand_in.id.uuid if stand_in else None, unheld.id.uuid if unheld else None):
        if gone is not None:
            try:
                await _delete(client, gone, warn)
            except _Cut:
                raise Interrupted(new_secret, made, name) from None
    return made


async def _make_stand_in(
    client: RimeClient, workspace_id: str, name: str, days: int | None, warn: Warn
) -> m.CreateApiTokenResponse:
    """The stand-in of a rotate of *name*; interrupted, it is deleted again (nothing
    changed), or its secret is handed on if that fails."""
    try:
        return await create(client, workspace_id, stand_in_name(name), days, warn, check=True)
    except AnswerLostError as lost:  # (create's own advice is for a token of one's own)
        raise AnswerLostError(
            f"{lost.__cause__} Nothing changed: {name!r} keeps its secret. The cluster may "
            f"have made its stand-in {stand_in_name(name)!r} anyway; the next rotate of "
            f"{name!r} deletes it.",
            sent=True,
        ) from lost.__cause__
    except Interrupted as stop:
        gone = stop.secret is None
        if not gone:
            assert stop.secret is not None
            with contextlib.suppress(_Cut):  # cut short: not known to be gone
                gone = await _delete(client, stop.secret.id.uuid, warn)
        if gone:
            raise Interrupted(f"nothing changed: {name!r} keeps its secret", None, name) from None
        raise Interrupted(
            f"nothing changed, but deleting the stand-in {stop.name!r} again failed or was "
            "cut short: the secret that follows is its (it may be deleted already)",
            stop.secret,
            stop.name,
        ) from None


def _stand_in_follows(what: str, stand_in: m.CreateApiTokenResponse, name: str) -> Interrupted:
    return Interrupted(
        f"{what}; the secret that follows is that of its stand-in {stand_in_name(name)!r} "
        f"(rotate {name!r} again to finish)",
        stand_in,
        stand_in_name(name),
    )
