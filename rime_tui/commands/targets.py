"""Where a command goes, with which token: ``--local``, ``--cluster`` with
``RIME_API_TOKEN``, a stored profile (:mod:`rime_tui.profiles`), else the local
instance (see :mod:`rime_tui.commands.session`). No client here: the one-shot path
(:mod:`rime_tui.commands.quick`) asks it before it loads any.
"""

from __future__ import annotations

import argparse
import os

from rime_tui.commands.exits import CommandError, Exit
from rime_tui.profiles import ProfileError, Target, UnknownProfileError, choose

RETRIES = 3
"""A GET or DELETE answered 429 or 503 is sent again this many times (see
:class:`rime_tui.api.exchange.Exchange`)."""


def target(args: argparse.Namespace, *, default_profile: bool = True) -> Target:
    """Where *args* send the command, with which token (see :func:`rime_tui.profiles.choose`):
    ``--local``; else ``--cluster``/``RIME_CLUSTER_URL`` with ``RIME_API_TOKEN``, which
    win over the profile (``--profile``/``RIME_PROFILE``, else ``default`` if stored and
    *default_profile*; else the local instance)."""
    name = getattr(args, "profile", None)
    local = Target(None, None, None, token_from_profile=False)
    if args.local:
        if name is not None:
            raise CommandError(Exit.USAGE, "--local and --profile: choose one.")
        return local  # (RIME_PROFILE too)
    name = name or os.environ.get("RIME_PROFILE") or None
    if not (args.cluster or name or default_profile):
        return local
    token = os.environ.get("RIME_API_TOKEN", "").strip() or None
    try:
        return choose(args.cluster, token, name)
    except UnknownProfileError as exc:
        raise CommandError(Exit.NOT_FOUND, str(exc)) from None
    except ProfileError as exc:
        raise CommandError(Exit.FAILED, str(exc)) from None
