"""``rime-tui auth token`` and ``auth logout``: they read or change the stored profiles
and reach no cluster, so they run without the client, its models or an event loop
(tests/unit/test_cli_lean.py)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from rime_tui.commands.exits import CommandError, Exit, note
from rime_tui.profiles import (
    DEFAULT,
    Profile,
    ProfileError,
    UnknownProfileError,
    check_name,
    get_profile,
    remove_profile,
)


def profile_name(args: argparse.Namespace) -> str:
    """The profile the command is about: ``--profile``/``RIME_PROFILE``, else default."""
    name: str = args.profile or os.environ.get("RIME_PROFILE") or DEFAULT
    try:
        return check_name(name)
    except ValueError as exc:
        raise CommandError(Exit.USAGE, f"--profile: {exc}") from None


def stored(name: str) -> Profile:
    try:
        return get_profile(name)
    except UnknownProfileError as exc:
        raise CommandError(Exit.NOT_FOUND, str(exc)) from None
    except ProfileError as exc:
        raise CommandError(Exit.FAILED, str(exc)) from None


def token(args: argparse.Namespace) -> Exit:
    """Print the stored token of the profile (for ``$(rime-tui auth token)``)."""
    print(stored(profile_name(args)).token)
    return Exit.OK


def logout(args: argparse.Namespace) -> Exit:
    """Forget the profile's token (the cluster still takes it until it is deleted)."""
    name = profile_name(args)
    profile = stored(name)
    try:
        path = remove_profile(name)
    except UnknownProfileError as exc:  # removed meanwhile
        raise CommandError(Exit.NOT_FOUND, str(exc)) from None
    except ProfileError as exc:
        raise CommandError(Exit.FAILED, str(exc)) from None
    note(
        f"Removed profile {name!r} ({profile.cluster_url}) from {path}. The token itself "
        "still works until it expires or is deleted (rime-tui token delete)."
    )
    return Exit.OK


ACTIONS: dict[str, Callable[[argparse.Namespace], Exit]] = {"logout": logout, "token": token}
