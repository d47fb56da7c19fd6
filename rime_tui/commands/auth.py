"""``rime-tui auth login | status | logout | token``: API tokens stored as profiles.

A profile is a cluster URL and an API token, kept in a 0600 file
(:mod:`rime_tui.profiles`). ``login`` reads the token from stdin only (never
from the command line, where the shell history and ``ps`` would keep it),
checks it against the cluster, and stores it only when the cluster takes it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from rime_tui.api.client import RimeClient, normalize_cluster_url
from rime_tui.api.errors import AuthenticationError, PermissionDeniedError, RimeError
from rime_tui.api.tokens import tokens_in, workspaces
from rime_tui.commands.exits import CommandError, Exit, note, printable
from rime_tui.commands.inventory import owners
from rime_tui.commands.listing import stamp
from rime_tui.commands.session import Session, connect
from rime_tui.commands.stored import profile_name, stored
from rime_tui.local import LocalInstanceError
from rime_tui.profiles import (
    DEFAULT,
    Profile,
    ProfileError,
    Target,
    is_token_shaped,
    load_profiles,
    profiles_file,
    save_profile,
)

MAX_TOKEN_INPUT = 4096
"""Characters read from stdin for a token: far more than any API token."""


# -- login ----------------------------------------------------------------------------


def refuse_token_in_argv(args: argparse.Namespace) -> None:
    """A token given on the command line is refused, and never repeated: it is in the
    shell's history and the process list already."""
    if args.token_argument is not None:
        raise CommandError(
            Exit.USAGE,
            "a token on the command line is refused (the shell history and the process "
            "list keep it; consider it exposed). Give it on stdin: rime-tui auth login "
            "--cluster URL --with-token < FILE",
        )


def read_secret_input(prompt: str) -> str:
    """What stdin holds for a secret: typed without echo after *prompt* on a terminal,
    else at most MAX_TOKEN_INPUT + 1 characters (a file piped in by mistake is not read
    to its end; more than MAX_TOKEN_INPUT is not a secret)."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(prompt, stream=sys.stderr)
    return sys.stdin.read(MAX_TOKEN_INPUT + 1)


def _read_token() -> str:
    """The token on stdin: typed without echo on a terminal, else read (bounded)."""
    if sys.stdin is None:
        raise CommandError(Exit.USAGE, "--with-token reads the token from stdin; there is none.")
    token = read_secret_input("API token (not shown): ").strip()
    if not token:
        raise CommandError(Exit.USAGE, "no token on stdin.")
    if len(token) > MAX_TOKEN_INPUT or not is_token_shaped(token):
        raise CommandError(
            Exit.USAGE,
            "stdin does not hold an API token: a token is one word of ASCII letters, "
            "digits and symbols, alone on its line.",
        )
    return token


async def login(args: argparse.Namespace) -> Exit:
    """Check the token on stdin against ``--cluster`` and store it as the profile."""
    refuse_token_in_argv(args)
    name = profile_name(args)
    if not args.with_token:
        raise CommandError(
            Exit.USAGE,
            "auth login reads the token from stdin: add --with-token "
            "(rime-tui auth login --cluster URL --with-token < FILE).",
        )
    if not args.cluster:
        raise CommandError(Exit.USAGE, "auth login needs --cluster URL.")
    try:
        url = normalize_cluster_url(args.cluster)
    except ValueError as exc:
        raise CommandError(Exit.USAGE, f"--cluster: {exc}") from None
    token = _read_token()
    async with connect(args, Target(url, token, None, token_from_profile=False)) as session:
        await session.client.check_api_token(token)
    try:
        path = save_profile(Profile(name, url, token))
    except ProfileError as exc:
        raise CommandError(Exit.FAILED, str(exc)) from None
    note(f"Logged in to {url}: the token is stored as profile {name!r} in {path}.")
    return Exit.OK


# -- status ---------------------------------------------------------------------------


async def status(args: argparse.Namespace) -> Exit:
    """Where each stored profile points, as whom, and until when its token is valid."""
    if args.profile:
        chosen = [stored(profile_name(args))]
    else:
        try:
            chosen = sorted(load_profiles().values(), key=lambda p: p.name)
        except ProfileError as exc:
            raise CommandError(Exit.FAILED, str(exc)) from None
        if not chosen:
            raise CommandError(
                Exit.NOT_FOUND,
                f"no profile is stored in {profiles_file()}; store one with: rime-tui auth "
                "login --cluster URL --with-token < FILE",
            )
    # One after the other: two profiles may reach the same local instance, which a
    # command starts and stops.
    reports = [await _report(args, profile) for profile in chosen]
    if args.json:
        print(json.dumps(reports, indent=2))
    else:
        print(printable("\n".join(_text(r) for r in reports)))
    for variable in ("RIME_CLUSTER_URL", "RIME_API_TOKEN"):
        if os.environ.get(variable):
            note(f"note: {variable} is set: the commands use it rather than a profile's.")
    states = {r["state"] for r in reports}
    if "refused" in states:
        return Exit.AUTH
    return Exit.FAILED if "error" in states else Exit.OK


async def _report(args: argparse.Namespace, profile: Profile) -> dict[str, Any]:
    """The ``auth status --json`` item of *profile*."""
    report: dict[str, Any] = {
        "profile": profile.name,
        "active": profile.name == (os.environ.get("RIME_PROFILE") or DEFAULT),
        "clusterUrl": profile.cluster_url,
        "suffix": profile.suffix,
        "state": "ok",
        "user": None,
        "tokenName": None,
        "expirationTime": None,
        "error": None,
    }
    chosen = Target(profile.cluster_url, profile.token, profile.name, token_from_profile=True)
    try:
        async with connect(args, chosen) as session:
            await session.client.check_api_token(profile.token)
            await _whom(session, report)
    except AuthenticationError as exc:
        report.update(state="refused", error=exc.message)
    except (RimeError, LocalInstanceError, CommandError) as exc:
        report.update(state="error", error=getattr(exc, "message", None) or str(exc))
    return report


async def _whom(session: Session, report: dict[str, Any]) -> None:
    """Fill in the token's owner and expiry from the token listing, when it shows them
    (a token that may not list its workspace's tokens leaves them unknown)."""
    client = session.client
    with contextlib.suppress(PermissionDeniedError):
        spaces = await workspaces(client)
        rows, names = await asyncio.gather(tokens_in(client, spaces), owners(client))
        ours = [r.token for r in rows if session.is_our_token(r.token)]
        if len(ours) != 1:
            return
        mine = ours[0]
        report["tokenName"] = mine.name
        report["expirationTime"] = stamp(mine.expiration_time)
        report["user"] = names.get(mine.user_id) or await _email(client, mine.user_id)


async def _email(client: RimeClient, user_id: str) -> str:
    """The user's email, else their id (when the user cannot be read)."""
    try:
        user = await client.get_user(user_id)
    except RimeError:
        return user_id
    return user.email or user.display_name or user_id


def _text(r: dict[str, Any]) -> str:
    active = " (active)" if r["active"] else ""
    head = f"{r['profile']}{active}: {r['clusterUrl']}, token …{r['suffix']}"
    if r["state"] == "refused":
        return f"{head}\n  the cluster refuses the token: {r['error']}"
    if r["state"] == "error":
        return f"{head}\n  not checked: {r['error']}"
    user = r["user"] or "an unknown user"
    name = f" ({r['tokenName']!r})" if r["tokenName"] else ""
    until = r["expirationTime"] or "an unknown time"
    return f"{head}{name}\n  acts as {user}; the token is valid until {until}"


ACTIONS: dict[str, Callable[[argparse.Namespace], Coroutine[Any, Any, Exit]]] = {
    "login": login,
    "status": status,
}
"""The actions that reach a cluster; ``logout`` and ``token`` need none (see
:mod:`rime_tui.commands.stored`)."""
