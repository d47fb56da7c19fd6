"""The ``rime-tui`` command.

Only argparse is imported up front: the TUI's first paint must not wait for
the local server's dependencies (fastapi, uvicorn), which load on demand, and
the scripting commands (``token``, ``status``) load :mod:`rime_tui.commands`
only when they run.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from rime_tui import __version__
from rime_tui.paths import (
    DEFAULT_PORT,
    DataDirError,
    create_data_dir,
    default_data_dir,
    platform_data_dir,
)
from rime_tui.wire.constants import MAX_EXPIRY_DAYS

SHELLS = ("bash", "zsh", "fish")

EXIT_CODES = """\
exit codes (token, status and auth):
  0  ok
  1  API or server error, or no answer (or the local instance could not start)
  2  usage: bad arguments (a name or lifetime the cluster refuses too), an ambiguous
     workspace or token, --yes missing
  3  `token list --expiring` or `token check` found some
  4  authentication failed (auth status: a profile's token is refused)
  5  no such token, workspace or profile
  6  the name is taken: you have a token of that name in that workspace
  7  the instance holds its 200 tokens (the cap): delete one first
  130  interrupted by SIGINT (ctrl+c), 143 by SIGTERM, 129 by SIGHUP; a secret made is
       printed first
  141  stdout was closed by its reader (e.g. `| head -1`)"""

ENVIRONMENT = """\
environment:
  RIME_CLUSTER_URL     cluster URL, as --cluster (then the TUI signs in with an API token)
  RIME_API_TOKEN       API token to sign in with (the TUI fills it in; the commands use it
                       with --cluster or RIME_CLUSTER_URL, never with a profile's cluster)
  RIME_PROFILE         stored profile to use, as --profile (default: the one named default)
  RIME_TUI_DATA_DIR    local instance data dir, as --data-dir
  RIME_TUI_CONFIG_DIR  where the TUI remembers the last cluster and email, and where
                       profiles.toml keeps the tokens rime-tui auth login stores"""

TARGET_HELP = (
    "target: --cluster URL (or RIME_CLUSTER_URL) with RIME_API_TOKEN; else the stored "
    "profile (--profile NAME or RIME_PROFILE, else the one named default: see rime-tui "
    "auth); else the local instance in the data dir, as its admin (started for the "
    "command if it is not running)"
)


def _target_options(*, suppress: bool) -> argparse.ArgumentParser:
    """--cluster, --local, --data-dir and --port, before or after a subcommand.

    After a subcommand they default to SUPPRESS, so that they do not undo the
    same options given before it.
    """
    parent = argparse.ArgumentParser(add_help=False)

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    parent.add_argument(
        "--cluster",
        metavar="URL",
        default=default(os.environ.get("RIME_CLUSTER_URL")),
        help="RI Platform cluster URL (env RIME_CLUSTER_URL; the TUI defaults to the last "
        "one used, else the local instance)",
    )
    parent.add_argument(
        "--profile",
        metavar="NAME",
        default=default(None),
        help="the stored cluster and token to use (env RIME_PROFILE; default: the profile "
        "named default, if stored; see rime-tui auth)",
    )
    parent.add_argument(
        "--local",
        action="store_true",
        default=default(False),
        help="use the embedded local instance",
    )
    parent.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        default=default(None),
        help="local instance data dir (env RIME_TUI_DATA_DIR)",
    )
    parent.add_argument(
        "--port",
        metavar="P",
        type=int,
        default=default(DEFAULT_PORT),
        help="local instance port",
    )
    return parent


def _at_least(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}, not {value}")
        return value

    return parse


def _add_output(parser: argparse.ArgumentParser) -> None:
    """How a new secret is given: on stdout (``--output``, ``--json``), or elsewhere."""
    form = parser.add_mutually_exclusive_group()
    form.add_argument(
        "--output",
        choices=["raw", "json", "env"],
        default="raw",
        help="raw: the token; json: id, name, token, workspaceId, expirationTime; "
        "env: export RIME_API_TOKEN='...' (default raw)",
    )
    form.add_argument(
        "--json", dest="output", action="store_const", const="json", help="--output json"
    )
    sink = parser.add_mutually_exclusive_group()
    sink.add_argument(
        "--copy",
        action="store_true",
        help="send the secret to your terminal's clipboard (OSC 52 on /dev/tty), not to "
        "stdout; stdout gets the id and name (default: the secret on stdout)",
    )
    sink.add_argument(
        "--write",
        metavar="FILE",
        type=Path,
        help="replace FILE atomically with a 0600 file holding the secret, not stdout; "
        "stdout gets the id and name (default: the secret on stdout)",
    )


def _add_json(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--json", action="store_true", help=f"{what} (see docs/scripting.md)")


def _scripting_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    target = _target_options(suppress=True)
    epilog = TARGET_HELP + "\n\n" + EXIT_CODES
    fmt = argparse.RawDescriptionHelpFormatter

    def command(
        parent: argparse._SubParsersAction[argparse.ArgumentParser], name: str, text: str
    ) -> argparse.ArgumentParser:
        parser = parent.add_parser(
            name, help=text, description=text, epilog=epilog, formatter_class=fmt, parents=[target]
        )
        parser.add_argument(
            "-q",
            "--quiet",
            action="store_true",
            help="no messages on stderr but errors and warnings (a secret or --json still "
            "goes to stdout)",
        )
        return parser

    def actions_of(
        name: str, text: str, description: str
    ) -> argparse._SubParsersAction[argparse.ArgumentParser]:
        """``rime-tui NAME ACTION``: the parser of NAME's actions."""
        group = sub.add_parser(
            name, help=text, description=description, epilog=epilog, formatter_class=fmt
        )
        return group.add_subparsers(dest="action", metavar="ACTION", required=True)

    actions = actions_of(
        "token",
        "list, create, delete, rotate, prune, check and revoke API tokens (for scripts)",
        "API access tokens, for scripts: no TUI, secrets on stdout only, messages on stderr.",
    )
    workspace_help = "workspace name or UUID (default: the only one there is)"

    listing = command(
        actions,
        "list",
        "list tokens: a table on a terminal, else one tab-separated line per token (no header)",
    )
    where = listing.add_mutually_exclusive_group()
    where.add_argument("--workspace", metavar="W", help=workspace_help)
    where.add_argument("--all-workspaces", action="store_true", help="every workspace")
    listing.add_argument(
        "--expiring",
        metavar="DAYS",
        type=_at_least(0),
        help="only tokens that expire within DAYS days (not those already expired); "
        "exit 3 when there are any",
    )
    _add_json(listing, "a JSON array")

    create = command(
        actions, "create", "create a token; its secret goes to stdout (or see --copy, --write)"
    )
    create.add_argument("name", metavar="NAME")
    create.add_argument("--workspace", metavar="W", help=workspace_help)
    create.add_argument(
        "--expires-in",
        metavar="DAYS",
        type=_at_least(1, MAX_EXPIRY_DAYS),
        help=f"lifetime, 1 to {MAX_EXPIRY_DAYS} days (default: {MAX_EXPIRY_DAYS})",
    )
    _add_output(create)

    token_help = "token name or id"
    find_help = "workspace name or UUID (default: the token's own)"
    delete = command(actions, "delete", "delete a token (asks first on a terminal)")
    delete.add_argument("token", metavar="NAME|ID", help=token_help)
    delete.add_argument("--workspace", metavar="W", help=find_help)
    delete.add_argument("--yes", action="store_true", help="do not ask (needed without a TTY)")
    _add_json(delete, "the deleted token as a JSON array, as list prints it")

    rotate = command(
        actions,
        "rotate",
        "replace a token with a new one of the same name and lifetime; the new secret "
        "goes to stdout (or see --copy, --write)",
    )
    rotate.add_argument("token", metavar="NAME|ID", help=token_help)
    rotate.add_argument("--workspace", metavar="W", help=find_help)
    _add_output(rotate)

    prune = command(actions, "prune", "delete expired tokens (asks first on a terminal)")
    prune.add_argument("--expired", action="store_true", required=True, help="expired tokens")
    scope = prune.add_mutually_exclusive_group()
    scope.add_argument("--workspace", metavar="W", help=workspace_help)
    scope.add_argument("--all-workspaces", action="store_true", help="every workspace")
    prune.add_argument("--yes", action="store_true", help="do not ask (needed without a TTY)")
    _add_json(prune, "the deleted tokens as a JSON array, as list prints them")

    check = command(
        actions,
        "check",
        "say which of your tokens expire soon (for a login shell); exit 3 if any, else "
        "print nothing",
    )
    check.add_argument(
        "--within",
        metavar="DAYS",
        type=_at_least(0),
        help="how soon counts as soon (default: 14 days, the horizon of `status`)",
    )
    check.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=float,
        default=10.0,
        help="give up (exit 1) when the cluster has not answered within SECONDS "
        "(default 10): a login shell must not hang",
    )
    _add_json(check, "the tokens that expire soon as a JSON array, as list prints them")

    revoke = command(
        actions,
        "revoke",
        "revoke the token whose secret is on stdin (a leaked one): it signs in with "
        "that secret and deletes its token; needs no other credentials",
    )
    revoke.add_argument(
        "--stdin", action="store_true", required=True, help="read the secret from stdin"
    )
    _add_json(revoke, "the revoked token as a JSON array, as list prints it")

    status = command(sub, "status", "where the commands go, who they act as, token counts")
    _add_json(status, "one JSON object")

    auth_actions = actions_of(
        "auth",
        "store API tokens as profiles: login, status, logout, token",
        "Store an API token for a cluster as a named profile (in profiles.toml in the "
        "config dir, mode 0600), so that the commands and the TUI use it.",
    )
    login = command(
        auth_actions,
        "login",
        "check the API token on stdin against --cluster and store it as the profile "
        "(--profile, default: default)",
    )
    login.add_argument(
        "--with-token",
        action="store_true",
        help="read the token from stdin (required: never give it on the command line)",
    )
    login.add_argument("token_argument", nargs="?", help=argparse.SUPPRESS)
    auth_status = command(
        auth_actions,
        "status",
        "each stored profile (or --profile's): its cluster, whom its token acts as, until "
        "when it is valid",
    )
    auth_status.add_argument("--json", action="store_true", help="a JSON array")
    command(auth_actions, "logout", "forget the profile's token (--profile, default: default)")
    command(auth_actions, "token", "print the profile's stored token, for $(...)")


COMMANDS = ("serve", "token", "status", "auth", "completion")


class _NotLean(Exception):
    """The arguments need the whole parser (a command, help, or a mistake to explain)."""


class _LeanParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotLean(message)

    def print_help(self, file: object = None) -> None:  # --he, --hel: help too
        raise _NotLean("help")


def _parse(argv: list[str]) -> argparse.Namespace:
    """*argv* parsed. The TUI's start (no command named) parses with the top-level
    options alone: building every command's parser too costs 24 M instructions, 2% of
    the first paint (issue K). Whatever those options cannot parse (a command, help,
    a mistake) is parsed by the whole parser, which answers as it always did."""
    if not any(arg in COMMANDS or arg in ("-h", "--help") for arg in argv):
        try:
            return _top_parser(_LeanParser).parse_args(argv)
        except _NotLean:
            pass
    return _parser().parse_args(argv)


def _top_parser(kind: type[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """``rime-tui``'s own options (the TUI's), without the commands."""
    parser = kind(
        prog="rime-tui",
        description="Manage RI Platform API access tokens from the terminal. With no\n"
        "cluster configured it runs against an embedded local instance.",
        epilog=ENVIRONMENT + "\n\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_target_options(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"rime-tui {__version__}")
    parser.add_argument("--email", metavar="E", help="email to sign in with")
    parser.set_defaults(command=None)
    return parser


def _parser() -> argparse.ArgumentParser:
    """The whole parser: the top-level options and every command."""
    parser = _top_parser(argparse.ArgumentParser)
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser(
        "serve",
        help="run the local RI-compatible instance",
        description="Run the local RI-compatible instance in the foreground until Ctrl-C. "
        "Its first start creates an admin, a workspace and an API token (printed, and "
        "kept in DIR/bootstrap.json).",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port",
        metavar="P",
        type=int,
        default=DEFAULT_PORT,
        dest="serve_port",
        help=f"port to listen on (default {DEFAULT_PORT})",
    )
    serve.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        dest="serve_data_dir",
        help="where the instance keeps its database, key and log (default: RIME_TUI_DATA_DIR, "
        f"else {platform_data_dir()})",
    )
    serve.add_argument(
        "--no-banner",
        action="store_true",
        help="do not print the bootstrap credentials (they are in bootstrap.json; "
        "default: print them on the first start)",
    )
    serve.add_argument(
        "--allowed-host",
        metavar="NAME",
        action="append",
        default=[],
        dest="allowed_hosts",
        help="a host name clients use to reach a non-loopback --host (repeatable); "
        "requests addressed to other names are refused (default: none, only loopback "
        "names and --host)",
    )
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="log every request (method, path, status, client address) to stderr "
        "(default: off; it cost a third of the time of a token list)",
    )
    serve.add_argument(
        "--reset-admin-password",
        action="store_true",
        help="give admin@rime.local a new password (printed once, written to "
        "bootstrap.json), end its sessions, and exit (default: serve)",
    )
    _scripting_commands(sub)
    completion = sub.add_parser(
        "completion",
        help="print a shell completion script",
        description="Print a completion script for SHELL. bash: "
        "`source <(rime-tui completion bash)` in ~/.bashrc; zsh: "
        "`source <(rime-tui completion zsh)` in ~/.zshrc; fish: "
        "`rime-tui completion fish > ~/.config/fish/completions/rime-tui.fish`.",
    )
    completion.add_argument(
        "shell", metavar="SHELL", choices=SHELLS, help="the shell to complete for"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    if args.command == "completion":
        from rime_tui.completion import script

        return _closed_pipe_is_quiet(lambda: _print(script(_parser(), args.shell)))
    if not 0 < args.port < 65536:
        print(f"error: --port must be 1..65535, not {args.port}", file=sys.stderr)
        return 2
    if args.command == "serve" or args.local or not args.cluster:
        data_dir = getattr(args, "serve_data_dir", None) or args.data_dir or default_data_dir()
        try:
            create_data_dir(data_dir)
        except DataDirError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if args.command == "serve":
        from rime_tui.server.runner import reset_admin_password, serve

        if args.reset_admin_password:
            return reset_admin_password(data_dir)
        if not 0 < args.serve_port < 65536:
            print(f"error: --port must be 1..65535, not {args.serve_port}", file=sys.stderr)
            return 2
        return serve(
            args.host,
            args.serve_port,
            data_dir,
            banner=not args.no_banner,
            allowed_hosts=args.allowed_hosts,
            access_log=args.access_log,
        )
    if args.command in ("token", "status", "auth"):
        from rime_tui.signals import Stopped, stop_quietly

        stop_quietly()  # until the command's own handlers are in place
        try:
            from rime_tui.commands import run

            return _closed_pipe_is_quiet(lambda: run(args))
        except Stopped as stopped:  # starting: nothing was sent yet
            print("interrupted", file=sys.stderr)
            return 128 + stopped.signum

    missing = _no_terminal()
    if missing:
        print(
            f"error: rime-tui needs a terminal ({missing} is not one); for scripts, "
            "use `rime-tui token …` or `rime-tui status` (see rime-tui token --help)",
            file=sys.stderr,
        )
        return 2

    if args.local and args.profile:
        print("error: --local and --profile: choose one.", file=sys.stderr)
        return 2

    from rime_tui.tui.app import run_tui

    return run_tui(
        cluster=args.cluster,
        email=args.email,
        local=args.local,
        data_dir=args.data_dir or default_data_dir(),
        port=args.port,
        api_token=os.environ.get("RIME_API_TOKEN"),
        profile=args.profile or os.environ.get("RIME_PROFILE") or None,
    )


def _print(text: str) -> int:
    sys.stdout.write(text)
    return 0


def _no_terminal() -> str | None:
    """Which of stdin and stdout is not a terminal (cron, a pipe, ``</dev/null``), if any.

    The TUI would otherwise write escape codes into a file or a pipe and wait for keys
    that never come.
    """
    for name, stream in (("stdin", sys.stdin), ("stdout", sys.stdout)):
        if stream is None or not stream.isatty():
            return name
    return None


def _closed_pipe_is_quiet(command: Callable[[], int]) -> int:
    """Run a scripting command; a reader that went away (``| head -1``) ends it quietly.

    Exit 141 (128 + SIGPIPE), what a shell reports for a command that a closed pipe
    stopped; nothing more is written to the closed stdout, not even at exit.
    """
    try:
        code = command()
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 141


if __name__ == "__main__":
    raise SystemExit(main())
