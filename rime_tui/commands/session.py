"""Exit codes, messages, and whom a command talks to as whom.

A cluster (``--cluster URL`` or ``RIME_CLUSTER_URL``) is reached with
``RIME_API_TOKEN``; a stored profile (:mod:`rime_tui.profiles`: ``--profile NAME``,
``RIME_PROFILE``, else the profile named ``default``) gives a cluster and its token
(see :func:`rime_tui.profiles.choose`). With no cluster and no profile, the command
acts as the admin of the
local instance in the data dir: it starts the instance when it is not
running (and stops it afterwards), then signs in with the admin's email and
password from ``bootstrap.json``, which keep working after the bootstrap
token is deleted. It talks to the instance over its private line (the Unix
socket in the data dir), never over the TCP port other users share; so
does a ``--cluster`` URL that reaches the data dir's instance on this machine
(its port, however the address is spelled), with ``RIME_API_TOKEN``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path

from rime_tui.api.client import RimeClient, normalize_cluster_url
from rime_tui.api.errors import AuthenticationError, RimeError
from rime_tui.commands.exits import CommandError, Exit, note, printable
from rime_tui.commands.targets import RETRIES, target
from rime_tui.local import LocalInstance
from rime_tui.paths import BOOTSTRAP_FILE, default_data_dir
from rime_tui.profiles import Target
from rime_tui.wire import models as m

MIN_SUFFIX = 4
"""A listed token's suffix must be this long to tell our own API token by it."""


def confirm(question: str, yes: bool) -> bool:
    """``--yes``, or the person's answer on the terminal (see :func:`need_consent`)."""
    if yes:
        return True
    print(f"{printable(question)} [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def need_consent(yes: bool, what: str) -> None:
    """Without a terminal to ask on, deleting needs ``--yes``; checked before any request."""
    if not yes and not sys.stdin.isatty():
        raise CommandError(
            Exit.USAGE,
            f"{what} asks for confirmation, and standard input is not a terminal: "
            "add --yes to confirm.",
        )


@dataclass
class Session:
    """A signed-in client and what is known about whom it acts as."""

    client: RimeClient
    user: m.UserDetail | None
    """The signed-in user (password sign-in); None with an API token."""
    api_token: str | None
    data_dir: Path | None
    """The local instance's data dir; None for a cluster."""
    started_local: bool
    """Whether this command started the local instance (and stops it at the end)."""
    profile: str | None = None
    """The stored profile whose token this session uses; None for none."""

    def user_id(self, tokens: Iterable[m.ApiTokenInfo]) -> str | None:
        """Our user id; with an API token, the owner of the listed token that is ours."""
        if self.user is not None:
            return self.user.id.uuid
        ours = {t.user_id for t in tokens if self.is_our_token(t)}
        return ours.pop() if len(ours) == 1 else None

    def is_our_token(self, token: m.ApiTokenInfo) -> bool:
        """Whether *token* is the API token this session authenticates with."""
        return bool(
            self.api_token
            and len(token.suffix) >= MIN_SUFFIX
            and self.api_token.endswith(token.suffix)
        )

    async def org_admin(self) -> bool:
        if self.user is not None:
            return self.user.is_org_admin
        return m.org_admin_among(await self.client.my_roles())


@contextlib.asynccontextmanager
async def connect(
    args: argparse.Namespace, chosen: Target | None = None, *, api_token: str | None = None
) -> AsyncIterator[Session]:
    """The session for *args*' target (see the module docstring), or for *chosen*'s
    cluster and token (``auth login``); with *api_token*, signed in with that token
    instead, on the local instance too (``token revoke``)."""
    data_dir = args.data_dir or default_data_dir()
    instance: LocalInstance | None = LocalInstance(data_dir, args.port)
    chosen = chosen or target(args)
    token = api_token
    profile = chosen.profile if chosen.token_from_profile and not api_token else None
    if chosen.cluster:
        try:
            url = normalize_cluster_url(chosen.cluster)
        except ValueError as exc:
            raise CommandError(Exit.USAGE, f"--cluster: {exc}") from None
        token = token or chosen.token
        if not token:
            withheld = chosen.withheld
            why = (
                f" (profile {withheld.name!r} is for {withheld.cluster_url}: its token "
                "is sent there only)"
                if withheld
                else ""
            )
            raise CommandError(
                Exit.AUTH,
                f"set RIME_API_TOKEN to an API token of {url} (a cluster is reached "
                f"with an API token), or store one: rime-tui auth login{why}.",
            )
        # A URL that reaches the data dir's instance on this machine goes over its
        # private line, as local mode does: any user may hold its TCP port.
        instance = await asyncio.to_thread(LocalInstance.at, url, data_dir, args.port)
        if instance is None:
            async with RimeClient(url, api_token=token, retries=RETRIES, on_retry=note) as client:
                yield Session(client, None, token, None, started_local=False, profile=profile)
            return

    assert instance is not None
    started = await instance.ensure_running()
    try:
        async with RimeClient(
            instance.url,
            api_token=token,
            transport=instance.transport(),  # (no TLS there: it loads no trust store)
            retries=RETRIES,
            on_retry=note,
        ) as client:
            if token:
                yield Session(client, None, token, data_dir, started_local=started, profile=profile)
                return
            user = await _sign_in_as_admin(client, instance)
            try:
                yield Session(client, user, None, data_dir, started_local=started)
            finally:
                with contextlib.suppress(RimeError):
                    await client.logout()
    finally:
        # Give up the lease taken for the command (it kept a TUI's exit from stopping the
        # instance under it); the instance stops only if this command started it, or it
        # was a TUI's and no TUI holds it any more (the last one out stops it).
        instance.stop()


async def _sign_in_as_admin(client: RimeClient, instance: LocalInstance) -> m.UserDetail:
    """Sign in to the local instance as the admin in its bootstrap.json."""
    boot = instance.bootstrap() or {}
    email, password = boot.get("admin_email"), boot.get("admin_password")
    where = instance.data_dir / BOOTSTRAP_FILE
    if not (isinstance(email, str) and isinstance(password, str)):
        raise CommandError(
            Exit.AUTH,
            f"{where} does not hold the admin's email and password; "
            "use --cluster with RIME_API_TOKEN instead.",
        )
    try:
        answer = await client.login(email, password)
    except AuthenticationError as exc:
        raise CommandError(
            Exit.AUTH,
            f"signing in to the local instance as {email} with the password in {where} "
            f"failed: {exc.message}",
        ) from None
    return answer.user
