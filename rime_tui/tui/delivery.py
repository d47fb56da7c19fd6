"""A new token's secret on its way to the user, from the moment its create or rotate
is sent until the token dialog shows it.

A secret outlives the page that asked for it, so its delivery is the app's, not the
page's (the page lists, filters and deletes; it only hands the request over):

- the request runs as a worker of the app: leaving the page (Esc, Back, a click,
  a sign-in again after a 401) does not cancel it;
- when the secret arrives, the token dialog opens over whatever screen shows then
  (one at a time: a second secret waits for the first dialog to close);
- keys typed meanwhile wait for the dialog and go to it (``RimeApp.hold_keys``);
  if no token comes, they are dropped with a notice;
- the key bar shows the request after SHOW_AFTER (``rime_tui/tui/progress.py``);
- a sign-out or a quit waits for the secret, shows it, then asks as the dialog does
  (``RimeApp.sign_out``, ``RimeApp.action_quit``);
- if the app closes anyway (a signal, a hang-up), the request is not abandoned
  (``rime_tui/api/delivery.py``, shared with the commands): its secret is printed
  once the terminal is restored (``run_tui``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from rime_tui.tui.errors import describe
from rime_tui.tui.screens.base import BaseScreen
from rime_tui.tui.text import one_line

if TYPE_CHECKING:
    from datetime import datetime

    from textual.screen import Screen

    from rime_tui.api.tokens import InstanceListing, Listed
    from rime_tui.tui.app import RimeApp
    from rime_tui.wire.models import ApiTokenInfo, CreateApiTokenResponse

# What the key bar says while a secret is on its way (the page's keys wait for it).
MEANWHILE = "Keys you type now go to the token's dialog"
# Keys typed meanwhile wait for the dialog as long as the request takes (the client's
# timeouts end it); this bound is only a safety net.
KEYS_WAIT_FOR_SECRET = 3600.0
# As the app closes, how long it waits for a create or rotate it interrupts to stop (a
# rotate's stand-in deleted again, or the secret it holds kept for printing) before it
# closes the client anyway (the client's own timeouts end each request sooner).
CLOSING_GRACE = 60.0
LABEL_NAME_CELLS = 40  # of a token's name in the key bar (a cluster's may be long)


def _short(name: str) -> str:
    """*name* on one line, cut to LABEL_NAME_CELLS with an ellipsis."""
    from rime_tui.tui.table import clip

    return clip(one_line(name), LABEL_NAME_CELLS).plain


class Delivery:
    """The secrets on their way to the user (one create and one rotate at a time)."""

    def __init__(self, app: RimeApp) -> None:
        self.app = app
        self._kinds: set[str] = set()  # "create", "rotate": in flight
        self._idle = asyncio.Event()
        self._idle.set()
        self._waiting: deque[tuple[str, str, str, str]] = deque()  # secrets whose dialog waits
        # (name, secret, cluster, what happened) of secrets that came as the app closed:
        # printed by run_tui once the terminal is restored.
        self.undelivered: list[tuple[str, str, str, str]] = []

    @property
    def pending(self) -> bool:
        """Whether a secret is on its way."""
        return bool(self._kinds)

    def busy(self, kind: str) -> bool:
        return kind in self._kinds

    async def settled(self) -> None:
        """Until no secret is on its way (each one's dialog is open by then)."""
        await self._idle.wait()

    async def interrupt(self) -> None:
        """The app is closing: interrupt the requests in flight and wait (at most
        CLOSING_GRACE) until each has stopped as ``rime_tui/api/delivery.py`` says (a
        rotate not yet past its stand-in rolled back; else the secret it holds kept in
        :attr:`undelivered`), before the client they use is closed."""
        if not self.pending:
            return
        for worker in list(self.app.workers):  # once: a second cancellation cuts it short
            if worker.group == "delivery" and not worker.is_cancelled:
                worker.cancel()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settled(), CLOSING_GRACE)

    def create(
        self,
        page: Screen[Any],
        workspace_id: str,
        name: str,
        days: int | None,
        *,
        shown: Callable[[CreateApiTokenResponse], object],
        failed: Callable[[BaseException], object],
    ) -> bool:
        """Create the token *name* in the workspace; its dialog opens when it comes."""
        from rime_tui.api.delivery import create

        app, session = self.app, self.app.session
        if session is None:
            return False
        client = session.client
        return self.start(
            "create",
            f"Creating “{_short(name)}”…",
            name,
            lambda: create(client, workspace_id, name, days, app.notify_warning, check=False),
            page=page,
            shown=shown,
            failed=failed,
        )

    def rotate(
        self,
        page: Screen[Any],
        row: Listed,
        rows: list[Listed],
        *,
        shown: Callable[[CreateApiTokenResponse], object],
        failed: Callable[[BaseException], object],
    ) -> bool:
        """A new secret for the token of *row* (*rows*: what its page lists); its dialog
        opens when it comes. A stand-in an interrupted rotate left (``NAME (rotating)``)
        is finished with: deleted, reused, or (when NAME itself is gone and the stand-in
        is the row) replaced by NAME."""
        from rime_tui.api.delivery import STAND_IN_SUFFIX, SuccessorFailed, rotate, stand_in_left

        app, session = self.app, self.app.session
        if session is None:
            return False
        workspace_id = row.workspace.workspace_id.uuid
        old: ApiTokenInfo | None = row.token
        name = row.token.name
        left = stand_in_left(rows, name, workspace_id, row.token.user_id)
        base = name.removesuffix(STAND_IN_SUFFIX)
        if left is None and base != name:  # the stand-in itself: is NAME gone?
            here = [r for r in rows if r.workspace.workspace_id.uuid == workspace_id]
            if not any(r.token.name == base for r in here):
                old, left, name = None, row, base
        ours = old is not None and session.is_own_token(old)
        left_ours = left is not None and session.is_own_token(left.token)

        async def rotated() -> CreateApiTokenResponse:
            try:
                made = await rotate(
                    session.client,
                    old,
                    workspace_id,
                    ours=ours,
                    warn=app.notify_warning,
                    left=left.token if left is not None else None,
                    left_ours=left_ours,
                    name=name,
                )
            except SuccessorFailed as failed:
                made = failed.stand_in
                app.notify_error(str(failed))
            if ours or left_ours:
                session.token_suffix = made.full_api_token[-4:]
            _rotated_in(session.listing, row, old, left, made, name, app.now())
            return made

        return self.start(
            "rotate",
            f"Rotating “{_short(name)}”…",
            name,
            rotated,
            page=page,
            shown=shown,
            failed=failed,
        )

    def start(
        self,
        kind: str,
        label: str,
        name: str,
        request: Callable[[], Awaitable[CreateApiTokenResponse]],
        *,
        page: Screen[Any],
        shown: Callable[[CreateApiTokenResponse], object],
        failed: Callable[[BaseException], object],
    ) -> bool:
        """Send *request* (a create or a rotate of the token *name*) and show its secret
        when it comes; False if one of this *kind* is in flight already. *shown* (the
        dialog is open) and *failed* (the request failed) are called while *page* is
        still on the stack; otherwise a failure is told by the screen that shows."""
        session = self.app.session
        if kind in self._kinds or session is None:
            return False
        self._kinds.add(kind)
        self._idle.clear()
        self.app.hold_keys((self, kind), at_most=KEYS_WAIT_FOR_SECRET)  # for the dialog
        gc.disable()  # no collection pauses between the answer and the dialog on screen
        cluster_url = session.client.cluster_url
        self.app.run_worker(
            self._deliver(kind, label, name, cluster_url, request, page, shown, failed),
            group="delivery",
            exit_on_error=False,
        )
        return True

    async def _deliver(
        self,
        kind: str,
        label: str,
        name: str,
        cluster_url: str,
        request: Callable[[], Awaitable[CreateApiTokenResponse]],
        page: Screen[Any],
        shown: Callable[[CreateApiTokenResponse], object],
        failed: Callable[[BaseException], object],
    ) -> None:
        from rime_tui.api.delivery import Interrupted

        made: CreateApiTokenResponse | None = None
        what = f"the token {name!r} was made"
        try:
            with self.app.progress.working(label, MEANWHILE):
                made = await request()
        except Interrupted as stopped:  # the app is closing: the secret it holds, if any
            made = stopped.secret
            name = stopped.name
            what = stopped.what
        except Exception as error:
            if page in self.app.screen_stack:
                failed(error)
            elif isinstance(self.app.screen, BaseScreen):
                self.app.screen.handle_error(error)
            else:
                self.app.notify_error(describe(error))
        finally:
            self._kinds.discard(kind)
            if not self._kinds:
                self._idle.set()
            self.app.release_keys((self, kind), failed=None if made else "no token was made")
            self.app.call_after_refresh(gc.enable)
        if made is None:
            return
        if self.app.closing or not self.app.screen_stack:  # no screen will show it
            self.undelivered.append((name, made.full_api_token, cluster_url, what))
            return
        # Right after the release, with no wait between: the dialog's push holds the
        # keys again before any is let through.
        self.show(made.full_api_token, name, cluster_url, kind)
        if page in self.app.screen_stack:
            shown(made)

    def show(self, secret: str, name: str, cluster_url: str, kind: str = "create") -> None:
        """The one-time dialog with *secret* (of a *kind*: "create" or "rotate"), over
        whatever screen shows."""
        from rime_tui.tui import screens

        dialog = screens.TokenCreatedScreen.reused(self.app)
        if dialog in self.app.screen_stack:  # showing another secret: this one next
            self._waiting.append((secret, name, cluster_url, kind))
            return
        dialog.show_token(secret, name, cluster_url, rotated=kind == "rotate")
        self.app.open_dialog(dialog, self._closed)

    def after_shown(self, callback: Callable[[], object]) -> None:
        """Call *callback* once the secret's dialog is on screen, or covered or closed
        before its first frame (``TokenCreatedScreen.after_shown``): for what a page
        under it changes then, which need not delay the secret on screen."""
        from rime_tui.tui import screens

        screens.TokenCreatedScreen.reused(self.app).after_shown(callback)

    def _closed(self, _: object) -> None:
        if self._waiting:
            self.show(*self._waiting.popleft())


def _rotated_in(
    listing: InstanceListing,
    row: Listed,
    old: ApiTokenInfo | None,
    left: Listed | None,
    made: CreateApiTokenResponse,
    name: str,
    now: datetime,
) -> None:
    """The session's instance listing after a rotation: the old token and the stand-in
    gone, the new one (same lifetime) in."""
    from rime_tui.api.tokens import Listed as Row
    from rime_tui.wire.models import ApiTokenInfo as Info

    for gone in (old, left.token if left is not None else None):
        if gone is not None:
            listing.discard(gone.id.uuid)
    was = old or row.token
    lifetime = (
        was.expiration_time - was.creation_time
        if was.expiration_time is not None and was.creation_time is not None
        else None
    )
    token = Info(
        id=made.id,
        name=name,
        suffix=made.full_api_token[-4:],
        creation_time=now,
        expiration_time=now + lifetime if lifetime is not None else None,
        user_id=was.user_id,
    )
    listing.add(Row(token, row.workspace))
