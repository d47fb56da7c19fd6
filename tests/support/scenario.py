"""A deterministic local instance with demo data, for snapshots and screenshots.

Ids, secrets and the clock are fixed, so every run renders the same screens.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from rime_tui.api import RimeClient
from rime_tui.local import LocalInstance
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.overview import OverviewScreen
from rime_tui.tui.screens.settings import SettingsScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from tests.support.local import FakeClock, Local, start_local
from tests.support.tui import (
    reach_tokens,
    reach_workspaces,
    ready_sign_in,
    screen,
    text_of,
    until,
)

SEEDED_AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
NOW = SEEDED_AT + timedelta(days=3)  # what the server and the TUI see afterwards
PORT = 48477  # fixed: the URL is on screen
SIZE = (100, 30)
PASSWORD = "correct-horse-battery-staple"
_NAMESPACE = uuid.UUID("8a5c0de5-0000-4000-8000-000000000000")


@contextmanager
def demo_instance(data_dir: Path) -> Iterator[Local]:
    """A local instance on PORT with predictable ids and secrets, and demo data."""
    ids = itertools.count(1)
    secrets = itertools.count(1)

    def new_id() -> str:
        return str(uuid.uuid5(_NAMESPACE, str(next(ids))))

    def new_api_token() -> str:
        digest = hashlib.sha256(f"demo-{next(secrets)}".encode()).hexdigest()
        return "rime_" + digest[:40]

    with ExitStack() as stack:
        stack.enter_context(mock.patch("rime_tui.server.store.new_id", new_id))
        stack.enter_context(mock.patch("rime_tui.server.security.new_api_token", new_api_token))
        stack.enter_context(mock.patch("rime_tui.server.security.new_password", lambda: PASSWORD))
        clock = FakeClock(SEEDED_AT)
        local = start_local(data_dir, clock, port=PORT)
        stack.callback(local.server.stop)
        asyncio.run(_seed(local))
        clock.advance(days=3)
        yield local


async def _seed(local: Local) -> None:
    async with RimeClient(local.url) as admin:
        # A session sees every workspace; the bootstrap token is confined to Workspace 1.
        await admin.login(local.admin_email, local.admin_password)
        ada = await admin.create_user("ada@example.com", "ada-password-1", full_name="Ada Lovelace")
        grace = await admin.create_user(
            "grace@example.com", "grace-password-1", full_name="Grace Hopper"
        )
        fraud = await admin.create_workspace(
            "Fraud Detection", description="Card-not-present fraud models"
        )
        await admin.create_workspace("Credit Risk", description="Scorecards and PD models")
        await admin.create_workspace("Sandbox", description="Try things here")
        for ws in (local.workspace_id, fraud):
            await admin.add_workspace_members(
                ws, {ada: "ACTOR_ROLE_USER", grace: "ACTOR_ROLE_VIEWER"}
            )
        await admin.create_project(
            "Fraud Demo", description="This is an Onboarding Demo", workspace_id=local.workspace_id
        )
        await admin.create_api_token("CI pipeline", local.workspace_id)
        await admin.create_api_token("notebook", local.workspace_id, expiry_days=20)
        await admin.create_api_token("old demo", local.workspace_id, expiry_days=1)
    async with RimeClient(local.url) as client:
        await client.login("ada@example.com", "ada-password-1")
        await client.create_api_token("ada laptop", local.workspace_id, expiry_days=90)


def demo_app(local: Local) -> RimeApp:
    return RimeApp(local=LocalInstance(local.data_dir, PORT), remember=False, clock=lambda: NOW)


# -- driving the app to each screen of the flow ------------------------------------------


async def to_signin(pilot: Pilot[Any]) -> None:
    await ready_sign_in(pilot)


async def to_workspaces(pilot: Pilot[Any]) -> None:
    await reach_workspaces(pilot, rows=4)


async def to_overview(pilot: Pilot[Any]) -> None:
    await to_workspaces(pilot)
    await pilot.press("enter")
    overview = await screen(pilot, OverviewScreen)
    await until(
        pilot, lambda: "…" not in text_of(overview.query_one("#details", Static)), "details"
    )
    meter = overview.query_one("#meter", Static)
    await until(pilot, lambda: meter.display, "the instance meter")


async def to_settings(pilot: Pilot[Any]) -> None:
    await to_overview(pilot)
    await pilot.press("s")
    await screen(pilot, SettingsScreen)


async def to_tokens(pilot: Pilot[Any]) -> None:
    tokens = await reach_tokens(pilot, rows=5, workspaces=4)
    meter = tokens.query_one("#meter", Static)
    await until(pilot, lambda: text_of(meter), "the instance meter")


async def to_members(pilot: Pilot[Any]) -> None:
    await to_settings(pilot)
    await pilot.press("down")
    members = pilot.app.screen.query_one("#members", DataTable)
    await until(pilot, lambda: members.row_count == 3, "the members")


async def to_all_workspaces(pilot: Pilot[Any]) -> None:
    await to_tokens(pilot)
    await pilot.press("a", "o")
    table = pilot.app.screen.query_one("#tokens", DataTable)
    await until(pilot, lambda: "workspace" in table.columns, "all workspaces")


async def to_created(pilot: Pilot[Any]) -> None:
    await to_tokens(pilot)
    await pilot.press("n", *"deploy bot", "enter")
    await screen(pilot, TokenCreatedScreen)


STEPS: dict[str, Callable[[Pilot[Any]], Awaitable[None]]] = {
    "1-sign-in": to_signin,
    "2-workspaces": to_workspaces,
    "3-overview": to_overview,
    "4-settings": to_settings,
    "5-api-tokens": to_tokens,
    "6-token-created": to_created,
}
