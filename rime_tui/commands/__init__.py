"""The scriptable commands: ``rime-tui token …``, ``rime-tui status`` and
``rime-tui auth …``.

They never import Textual and reach the cluster only through
:class:`rime_tui.api.RimeClient`, like the TUI. :mod:`rime_tui.cli` imports
this package only when one of them runs, so the TUI never loads it.
"""

from __future__ import annotations

import argparse

from rime_tui.commands.exits import CommandError, say, set_quiet


def run(args: argparse.Namespace) -> int:
    """Run ``rime-tui token ACTION``, ``rime-tui status`` or ``rime-tui auth ACTION``;
    the exit code. An action that reaches no cluster (``auth token``, ``auth logout``)
    runs without the client, its models and the event loop; ``token list`` with an API
    token on a cluster, without the event loop (:mod:`rime_tui.commands.quick`); the
    rest: see :mod:`rime_tui.commands.runner`."""
    set_quiet(args.quiet)
    if args.command == "auth":
        from rime_tui.commands.stored import ACTIONS

        offline = ACTIONS.get(args.action)
        if offline is not None:
            try:
                return int(offline(args))
            except CommandError as exc:
                say(f"error: {exc.message}")
                return exc.exit_code
    if args.command == "token" and args.action == "list":
        from rime_tui.commands.quick import list_tokens_now

        code = list_tokens_now(args)
        if code is not None:
            return code
    from rime_tui.commands import runner

    return runner.run(args)
