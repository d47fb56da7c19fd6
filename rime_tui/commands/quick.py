"""``token list`` with an API token on a cluster, one request after the other on a
synchronous client (:class:`rime_tui.api.oneshot.OneShotClient`): no event loop,
and nothing loaded that the command does not use (issue 17, item 3).

Without ``--workspace`` or ``--all-workspaces`` the list is the API token's own
workspace's (the only one it sees), asked for without a workspace id: the token list,
and the users who own them on a thread beside it (:class:`Alongside`): one round trip.
Every other case returns None and runs on the event loop (:mod:`rime_tui.commands.token`): another
workspace, the local instance (its private line), a cluster whose token infos do not
say their workspace. The answers are the same wire models, checked as strictly; the
output, errors and exit codes are ``token list``'s (:mod:`rime_tui.commands.listing`,
:mod:`rime_tui.commands.failures`). A signal ends it quietly (:mod:`rime_tui.signals`:
it changes nothing).
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from rime_tui.api.errors import PermissionDeniedError
from rime_tui.api.exchange import normalize_cluster_url
from rime_tui.api.listed import Listed
from rime_tui.api.oneshot import OneShotClient
from rime_tui.commands.exits import CommandError, note
from rime_tui.commands.failures import FAILURES, exit_for
from rime_tui.commands.listing import owner_names, show_tokens
from rime_tui.commands.targets import RETRIES, target
from rime_tui.local import LocalInstance
from rime_tui.paths import default_data_dir
from rime_tui.wire import models as m
from rime_tui.wire.constants import MAX_PAGE_SIZE

T = TypeVar("T")


def list_tokens_now(args: argparse.Namespace) -> int | None:
    """``token list`` on the one-shot path, its exit code; None when it is not for it."""
    if args.workspace is not None or args.all_workspaces:
        return None
    try:
        chosen = target(args)
        url = normalize_cluster_url(chosen.cluster or "")
    except (CommandError, ValueError):
        return None  # (the event loop's path says what is wrong)
    if not (chosen.cluster and chosen.token):
        return None
    if LocalInstance.at(url, args.data_dir or default_data_dir(), args.port) is not None:
        return None  # it reaches the data dir's instance: over its private line
    try:
        with OneShotClient(url, api_token=chosen.token, retries=RETRIES, on_retry=note) as client:
            names = Alongside(lambda: _owners(client))  # goes out with the token list
            tokens = list(client.iter_api_tokens(None, page_size=MAX_PAGE_SIZE))
            rows = [
                Listed(t, m.Workspace(workspace_id=t.workspace_id))
                for t in tokens
                if t.workspace_id is not None
            ]
            if len(rows) < len(tokens):
                return None  # which workspace is not said: the event loop's path lists them
            return show_tokens(args, rows, names.result())
    except FAILURES as exc:
        return exit_for(exc)


def _owners(client: OneShotClient) -> dict[str, str]:
    """User id → email, for naming token owners; empty if the token may not list users."""
    try:
        return owner_names(client.iter_users(page_size=MAX_PAGE_SIZE))
    except PermissionDeniedError:
        return {}


class Alongside(Generic[T]):
    """*work* run on a thread from now, beside the caller's own requests (one round trip
    for both); :meth:`result` waits for it. A daemon: a signal that ends the command
    does not wait for it."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work
        self._result: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._work()
        except BaseException as exc:  # (raised again by result())
            self._error = exc

    def result(self) -> T:
        """What *work* returned; what it raised is raised here."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]
