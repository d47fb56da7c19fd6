"""Driving the real app with Pilot against a real local instance."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import pytest
from textual import events
from textual.app import App
from textual.color import Color
from textual.message import Message
from textual.messages import Prune
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static, TextArea
from textual.worker import Worker

from rime_tui.api import RimeClient
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.overview import OverviewScreen
from rime_tui.tui.screens.settings import SettingsScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.tokens import TokensScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from rime_tui.wire.models import ApiTokenInfo
from tests.support.latency_proxy import LatencyProxy
from tests.support.local import Local

S = TypeVar("S", bound=Screen[Any])


class MakeApp(Protocol):
    """The ``make_app`` fixture: the real app, aimed at the test's local instance."""

    def __call__(self, **kwargs: Any) -> RimeApp: ...


WAIT = 10.0  # an upper bound for things that take milliseconds; not a timing assert


async def until(pilot: Pilot[Any], condition: Callable[[], object], what: str) -> None:
    """Let the app run until *condition* holds (bounded, so a bug fails instead of hanging)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"gave up waiting for {what}; screen is {pilot.app.screen!r}")
        await asyncio.sleep(0.01)


async def screen(pilot: Pilot[Any], cls: type[S]) -> S:
    await until(
        pilot,
        lambda: isinstance(pilot.app.screen, cls) and pilot.app.screen.is_mounted,
        cls.__name__,
    )
    current = pilot.app.screen
    assert isinstance(current, cls)
    return current


def text_of(widget: Widget) -> str:
    if isinstance(widget, Static):
        return str(widget.render())
    if isinstance(widget, Input):
        return widget.value
    if isinstance(widget, TextArea):
        return widget.text
    return ""


def painted(widget: Widget, text: str) -> Color | None:
    """The colour *widget* paints *text* in (the first line that shows it)."""
    for y in range(widget.size.height):
        for segment in widget.render_line(y):
            if text in segment.text and segment.style and segment.style.color:
                return Color.from_rich_color(segment.style.color)
    return None


def like(painted: Color | None, colour: str) -> bool:
    """Whether *painted* is a theme's *colour* (give or take the rounding of its trip
    through HSL on its way to the CSS variables)."""
    expected = Color.parse(colour).rgb
    return (
        painted is not None
        and max(abs(a - b) for a, b in zip(painted.rgb, expected, strict=True)) <= 2
    )


def error_text(app: RimeApp) -> str:
    return text_of(app.screen.query_one("#error", Static))


def table_text(table: DataTable[Any]) -> str:
    return "\n".join(
        " ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)
    )


def notifications(app: RimeApp) -> list[str]:
    """The messages of the notifications the app shows now (toasts)."""
    return [n.message for n in app._notifications]


def notices(app: RimeApp) -> list[tuple[str, str, str]]:
    """The notifications the app shows now: severity (its colour), title and message."""
    return [(n.severity, n.title, n.message) for n in app._notifications]


def widgets_holding(app: RimeApp, secret: str) -> list[Widget]:
    """Every widget on every screen whose content holds *secret*."""
    found: list[Widget] = []
    for scr in app.screen_stack:
        for widget in scr.walk_children(Widget, with_self=False):
            content = text_of(widget)
            if isinstance(widget, DataTable):
                content = table_text(widget)
            if secret in content:
                found.append(widget)
    return found


# -- waiting for work to finish, before a negative check -----------------------------------


async def screen_work_done(pilot: Pilot[Any]) -> None:
    """Until the workers of the screen on top (what a key, a mount or a resume set off)
    are done; then a check that nothing happened means nothing did, not "not yet"."""
    await pilot.pause()
    top = pilot.app.screen
    await pilot.app.workers.wait_for_complete([w for w in pilot.app.workers if w.node is top])
    await pilot.pause()


async def running_worker(pilot: Pilot[Any], group: str) -> Worker[Any]:
    """The app's worker of *group*, once it runs (``await worker.wait()``: until it is
    done, raising if it failed or was cancelled)."""
    found: list[Worker[Any]] = []

    def started() -> bool:
        found[:] = [w for w in pilot.app.workers if w.group == group]
        return bool(found)

    await until(pilot, started, f"a {group!r} worker")
    return found[0]


# -- reaching a screen the way a person does ---------------------------------------------


async def ready_sign_in(pilot: Pilot[Any]) -> SignInScreen:
    """The sign-in screen once the local instance answers and the form is prefilled."""
    signin = await screen(pilot, SignInScreen)
    await until(
        pilot,
        lambda: "ready" in text_of(signin.query_one("#status", Static)),
        "the local instance",
    )
    return signin


async def sign_in_as(pilot: Pilot[Any], email: str, password: str) -> WorkspacesScreen:
    """The sign-in form, once ready, filled in with *email* and *password*; Enter."""
    signin = await ready_sign_in(pilot)
    signin.query_one("#email", Input).value = email
    signin.query_one("#password", Input).value = password
    await pilot.press("enter")
    return await screen(pilot, WorkspacesScreen)


class SignIn(Protocol):
    """The ``signed_in`` fixture: puts the admin's session into a running app directly."""

    async def __call__(self, pilot: Pilot[Any]) -> None: ...


async def install_session(pilot: Pilot[Any], local: Local) -> None:
    """Sign the admin in without the form: the same :func:`sign_in` over real HTTP,
    handed to the app as the sign-in screen would. For tests whose subject is not
    sign-in (they skip waiting for the local instance's start and for the typing)."""
    from rime_tui.tui.session import SignInForm, sign_in

    app = pilot.app
    assert isinstance(app, RimeApp)
    await screen(pilot, SignInScreen)
    form = SignInForm(local.url, "password", local.admin_email, local.admin_password)
    app.signed_in(await sign_in(form, form.cluster_url(), app.new_client, local=True))


async def reach_workspaces(
    pilot: Pilot[Any], rows: int = 1, *, signed_in: SignIn | None = None
) -> WorkspacesScreen:
    """Enter on the prefilled sign-in (or the session installed by *signed_in*); the
    Workspaces table shows *rows* rows."""
    if signed_in is None:
        await ready_sign_in(pilot)
        await pilot.press("enter")
    else:
        await signed_in(pilot)
    workspaces = await screen(pilot, WorkspacesScreen)
    table = workspaces.query_one(DataTable)
    await until(pilot, lambda: table.row_count == rows, f"{rows} workspace row(s)")
    return workspaces


async def reach_tokens(
    pilot: Pilot[Any], rows: int = 1, workspaces: int = 1, *, signed_in: SignIn | None = None
) -> TokensScreen:
    """Enter, Enter, s, t: API Access Tokens of the first workspace, with *rows* tokens."""
    await reach_workspaces(pilot, workspaces, signed_in=signed_in)
    return await open_tokens(pilot, lambda n: n == rows)


async def open_tokens(pilot: Pilot[Any], rows: Callable[[int], bool]) -> TokensScreen:
    """From Workspaces: Enter, s, t, until the token table's row count satisfies *rows*."""
    await pilot.press("enter")
    await screen(pilot, OverviewScreen)
    return await tokens_from_overview(pilot, rows)


async def tokens_from_overview(
    pilot: Pilot[Any], rows: Callable[[int], bool] = lambda n: True
) -> TokensScreen:
    """From Overview: s, t, until the token table's row count satisfies *rows*."""
    await pilot.press("s")
    await screen(pilot, SettingsScreen)
    await pilot.press("t")
    tokens = await screen(pilot, TokensScreen)
    table = tokens.query_one(DataTable)
    await until(pilot, lambda: rows(table.row_count), "the token rows")
    return tokens


async def gc_flow(local: Local) -> None:
    """The README's flow once, in-process: sign in, open Workspace 1, s, t, create a token."""
    from rime_tui.local import LocalInstance

    app = RimeApp(local=LocalInstance(local.data_dir, local.server.port), remember=False)
    async with app.run_test(size=(100, 30)) as pilot:
        tokens = await reach_tokens(pilot)
        await pilot.press("n", *"gc flow", "enter")
        await until(pilot, lambda: app.screen is not tokens, "the token dialog")


def terminal_writes(app: RimeApp, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the app writes to its terminal from now on (its driver's writes, as the
    terminal would receive them: an OSC 52 copy, say), instead of the headless void."""
    written: list[str] = []
    assert app._driver is not None
    monkeypatch.setattr(app._driver, "write", written.append)
    return written


def screen_lines(app: App[Any]) -> list[str]:
    """The text on the terminal now, line by line, as the compositor paints it."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def shown_text(app: RimeApp, widget: Widget) -> str:
    """What of *widget*'s content is on the terminal now, its lines joined (wrapped text
    comes back whole). Only what is painted counts: cut or hidden characters are missing."""
    region = widget.content_region.intersection(app.screen.region)
    strips = app.screen._compositor.render_strips()[region.y : region.bottom]
    return "".join(strip.crop(region.x, region.right).text.strip() for strip in strips)


async def sign_in_with_api_token(pilot: Pilot[Any], token: str) -> TokensScreen:
    """ctrl+t to the "API token" method, paste *token*, Enter; then Enter, s, t."""
    signin = await ready_sign_in(pilot)
    await pilot.press("ctrl+t")
    field = signin.query_one("#api-token", Input)
    await until(pilot, lambda: field.display and field.has_focus, "the API token field")
    field.post_message(events.Paste(token))  # as a person pastes it into the terminal
    await until(pilot, lambda: field.value == token, "the pasted token")
    await pilot.press("enter")
    await screen(pilot, WorkspacesScreen)
    workspaces = pilot.app.screen
    await until(pilot, lambda: workspaces.query_one(DataTable).row_count == 1, "workspaces")
    return await open_tokens(pilot, lambda n: True)


async def server_tokens(client: RimeClient, workspace_id: str) -> list[ApiTokenInfo]:
    """Every token in the workspace, as the server lists them to *client*."""
    return [t async for t in client.iter_api_tokens(workspace_id, page_size=500)]


# -- typing ahead --------------------------------------------------------------------------

CHARACTERS: dict[str, str | None] = {
    "enter": "\r",
    "ctrl+j": "\n",  # an Enter typed before the terminal was made raw (CR read as LF)
    "escape": "\x1b",
    "slash": "/",
    "end": None,
    "backspace": "\x7f",
}


def burst(pilot: Pilot[Any], *keys: str) -> None:
    """Type *keys* in one burst: each a key name (of CHARACTERS) or a string of letters
    and digits."""
    for key in keys:
        for name in [key] if key in CHARACTERS else list(key):
            pilot.app.post_message(events.Key(name, CHARACTERS.get(name, name)))


async def keys_settled(pilot: Pilot[Any]) -> None:
    """Until no secret is on its way and every typed key has been handled."""
    app = pilot.app
    assert isinstance(app, RimeApp)
    await until(
        pilot,
        lambda: not app.delivery.pending and not app._typed and not app._unsettled,
        "the keys to be handled",
    )
    await pilot.pause()


# -- a cluster far away: the local instance behind the latency proxy ------------------------


def far_app(proxy: LatencyProxy, **kwargs: Any) -> RimeApp:
    """The real app, for a cluster far away: the local instance behind the proxy."""
    return RimeApp(cluster_url=proxy.url, local=None, remember=False, **kwargs)


def signed_in_through(local: Local, proxy: LatencyProxy) -> SignIn:
    """Signs the admin in over the proxy, without the form (as install_session does)."""
    from rime_tui.tui.session import SignInForm, sign_in

    async def install(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, RimeApp)
        await screen(pilot, SignInScreen)
        form = SignInForm(proxy.url, "password", local.admin_email, local.admin_password)
        app.signed_in(await sign_in(form, form.cluster_url(), app.new_client))

    return install


class Busy(Static):
    """A widget still handling its messages (as a table filling with many rows, or any
    handler that awaits, would be): the first :class:`Work` waits for :attr:`go`, the
    others behind it (Textual's pump holds the next message aside, so a third is the
    one its queue counts). Mounted on a screen, it keeps the screens' nodes from
    settling until :meth:`done`."""

    class Work(Message):
        pass

    def __init__(self) -> None:
        super().__init__()
        self.go = asyncio.Event()
        self.working = False

    def start(self, pruned: bool = False) -> None:
        if pruned:  # on its way out (as Widget.remove() starts it, without awaiting it)
            self.post_message(Prune())
        for _ in range(3):
            self.post_message(self.Work())

    @property
    def busy(self) -> bool:
        """Handling its first message, with more behind it."""
        return self.working and self.message_queue_size > 0

    def done(self) -> None:
        self.go.set()

    async def on_busy_work(self) -> None:
        self.working = True
        await self.go.wait()


async def busy_on(pilot: Pilot[Any], host: Widget, *, pruned: bool = False) -> Busy:
    """A :class:`Busy` widget mounted in *host*, busy from now on (and *pruned*: being
    removed, with messages it can no longer take a callback behind)."""
    busy = Busy()
    await host.mount(busy)
    await pilot.pause()
    busy.start(pruned)
    await while_busy(pilot, lambda: busy.busy, "the widget to be busy")
    return busy


async def while_busy(pilot: Pilot[Any], condition: Callable[[], object], what: str) -> None:
    """:func:`until`, while a widget of the screen on top is busy: Pilot's pause waits
    for every widget of that screen to handle its messages, so this waits on the loop."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"gave up waiting for {what}; screen is {pilot.app.screen!r}")
        await asyncio.sleep(0.01)
