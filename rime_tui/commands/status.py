"""``rime-tui status``: where the commands go, whom they act as, and the token counts."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from rime_tui.api.tokens import tokens_in, workspaces
from rime_tui.commands.exits import Exit, printable
from rime_tui.commands.inventory import owners
from rime_tui.commands.session import connect
from rime_tui.wire.constants import MAX_TOKENS

EXPIRY_NOTICE_DAYS = 14


async def status(args: argparse.Namespace) -> Exit:
    """Two sequential round trips with an API token (sign-in and sign-out besides on
    the local instance)."""
    async with connect(args) as session:
        client = session.client
        # Two round trips: what needs nothing first, together; then the token lists
        # (they need the workspaces) beside the users (to name the API token's owner).
        info, admin, spaces = await asyncio.gather(
            client.rime_info(), session.org_admin(), workspaces(client)
        )
        user: str | None
        if session.user is not None:
            rows, user = await tokens_in(client, spaces), session.user.email
        else:
            rows, names = await asyncio.gather(tokens_in(client, spaces), owners(client))
            user = names.get(session.user_id(r.token for r in rows) or "")
    now = datetime.now(UTC)
    horizon = now + timedelta(days=EXPIRY_NOTICE_DAYS)
    report: dict[str, Any] = {
        "target": "cluster" if session.data_dir is None else "local",
        "clusterUrl": client.cluster_url,
        "dataDir": None if session.data_dir is None else str(session.data_dir),
        "startedLocalInstance": session.started_local,
        "auth": "password" if session.user else "apiToken",
        "profile": session.profile,
        "user": user,
        "orgAdmin": admin,
        "buildVersion": info.build_version,
        "workspaces": len(spaces),
        "tokens": len(rows),
        "expired": sum(r.expired(now) for r in rows),
        "expiringSoon": sum(r.expires_within(now, horizon) for r in rows),
        "tokenLimit": MAX_TOKENS,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(printable(_text(report)))
    return Exit.OK


def _text(r: dict[str, Any]) -> str:
    if r["target"] == "local":
        started = "; started for this command and stopped" if r["startedLocalInstance"] else ""
        target = f"the local instance at {r['clusterUrl']} (data dir {r['dataDir']}{started})"
    else:
        target = r["clusterUrl"]
    if r["auth"] == "password":
        how = "the admin password from bootstrap.json"
    else:
        how = f"the token of profile {r['profile']}" if r["profile"] else "RIME_API_TOKEN"
    role = " (organization admin)" if r["orgAdmin"] else ""
    return "\n".join(
        [
            f"Target:     {target}, {r['buildVersion'] or 'version unknown'}",
            f"Signed in:  {r['user'] or 'unknown user'}{role}, with {how}",
            f"Workspaces: {r['workspaces']} you can see",
            f"Tokens:     {r['tokens']} you can see (an instance holds at most "
            f"{r['tokenLimit']}): {r['expired']} expired, {r['expiringSoon']} expiring "
            f"within {EXPIRY_NOTICE_DAYS} days",
        ]
    )
