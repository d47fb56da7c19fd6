"""The scriptable commands: ``rime-tui token …`` and ``rime-tui status``.

They never import Textual and reach the cluster only through
:class:`rime_tui.api.RimeClient`, like the TUI. :mod:`rime_tui.cli` imports
this package only when one of them runs, so the TUI never loads it.
"""

from __future__ import annotations

import argparse
import asyncio

from rime_tui.api.errors import AuthenticationError, NotFoundError, RimeError
from rime_tui.commands.session import CommandError, Exit, say
from rime_tui.local import LocalInstanceError


def run(args: argparse.Namespace) -> int:
    """Run ``rime-tui token ACTION`` or ``rime-tui status``; the exit code."""
    from rime_tui.commands import status, token

    command = status.status if args.command == "status" else token.ACTIONS[args.action]
    try:
        return int(asyncio.run(command(args)))
    except CommandError as exc:
        say(f"error: {exc.message}")
        return exc.exit_code
    except AuthenticationError as exc:
        say(f"error: authentication failed: {exc.message}")
        return Exit.AUTH
    except NotFoundError as exc:
        say(f"error: {exc.message}")
        return Exit.NOT_FOUND
    except (RimeError, LocalInstanceError) as exc:
        say(f"error: {exc}")
        return Exit.FAILED
    except KeyboardInterrupt:
        say("interrupted")
        return 130
