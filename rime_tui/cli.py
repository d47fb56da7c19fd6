"""The ``rime-tui`` command.

Only argparse is imported up front: the TUI's first paint must not wait for
the local server's dependencies (fastapi, uvicorn), which load on demand.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rime_tui import __version__
from rime_tui.paths import DEFAULT_PORT, default_data_dir


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rime-tui",
        description="Manage RI Platform API access tokens from the terminal. With no "
        "cluster configured it runs against an embedded local instance.",
    )
    parser.add_argument("--version", action="version", version=f"rime-tui {__version__}")
    parser.add_argument(
        "--cluster",
        metavar="URL",
        default=os.environ.get("RIME_CLUSTER_URL"),
        help="RI Platform cluster URL (env RIME_CLUSTER_URL; default: the last one used, "
        "else the local instance)",
    )
    parser.add_argument("--email", metavar="E", help="email to sign in with")
    parser.add_argument("--local", action="store_true", help="use the embedded local instance")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        help="local instance data dir (env RIME_TUI_DATA_DIR)",
    )
    parser.add_argument(
        "--port", metavar="P", type=int, default=DEFAULT_PORT, help="local instance port"
    )
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the local RI-compatible instance")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, dest="serve_port")
    serve.add_argument("--data-dir", metavar="DIR", type=Path, dest="serve_data_dir")
    serve.add_argument(
        "--no-banner",
        action="store_true",
        help="do not print the bootstrap credentials (they are in bootstrap.json)",
    )
    serve.add_argument(
        "--allowed-host",
        metavar="NAME",
        action="append",
        default=[],
        dest="allowed_hosts",
        help="a host name clients use to reach a non-loopback --host (repeatable); "
        "requests addressed to other names are refused",
    )
    serve.add_argument(
        "--reset-admin-password",
        action="store_true",
        help="give admin@rime.local a new password (printed once, written to "
        "bootstrap.json), end its sessions, and exit",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not 0 < args.port < 65536:
        print(f"error: --port must be 1..65535, not {args.port}", file=sys.stderr)
        return 2
    if args.command == "serve":
        from rime_tui.server.runner import reset_admin_password, serve

        data_dir = args.serve_data_dir or args.data_dir or default_data_dir()
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
        )

    from rime_tui.tui.app import run_tui

    return run_tui(
        cluster=args.cluster,
        email=args.email,
        local=args.local,
        data_dir=args.data_dir or default_data_dir(),
        port=args.port,
        api_token=os.environ.get("RIME_API_TOKEN"),
    )


if __name__ == "__main__":
    raise SystemExit(main())
