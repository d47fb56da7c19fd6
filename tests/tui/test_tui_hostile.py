"""Hostile text in the TUI: typed, pasted, or sent by a server.

Very long names, emoji, combining characters, right-to-left text, control
characters (``ESC [2J``, NUL, tab) and pasted line breaks go into every input;
names like that (and console markup such as ``[bold]x[/]``) come back from the
server.  Each is refused with a message or handled; the app never crashes, and no
raw control character reaches the screen.  The real app runs against a real local
instance; names the local instance refuses (control characters, 10,000
characters) come from :class:`tests.faulty_server.FaultyServer`, standing in for
a remote cluster that accepts them.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from rime_tui.api import RimeClient
from rime_tui.tui.app import RimeApp
from rime_tui.tui.screens.confirm import ConfirmScreen
from rime_tui.tui.screens.overview import OverviewScreen
from rime_tui.tui.screens.save_token import SaveTokenScreen
from rime_tui.tui.screens.settings import SettingsScreen
from rime_tui.tui.screens.signin import SignInScreen
from rime_tui.tui.screens.token_created import TokenCreatedScreen
from rime_tui.tui.screens.tokens import TokensScreen
from rime_tui.tui.screens.workspaces import WorkspacesScreen
from rime_tui.tui.widgets import FormButton
from tests.support.faulty_server import FaultyServer, api_token, workspace
from tests.support.local import Local
from tests.support.tui import (
    error_text,
    notifications,
    open_tokens,
    ready_sign_in,
    screen,
    table_text,
    text_of,
    until,
)
from tests.support.tui_health import (
    CONTROL,
    WorkerFailures,
    assert_clean_screen,
    assert_healthy,
)

LONG = "x" * 10_000
EMOJI = "🦀 crab 🔑 key 👩‍👩‍👧 family"
COMBINING = "Ze\u0301 Z\u0334\u0321a\u0337l\u0338g\u0336o\u0335"  # é as e + U+0301, zalgo
RTL = "שלום עולם مرحبا بالعالم"
CONTROLS = "a\x1b[2Jb\x00c\td\x07e"
NEWLINES = "first line\nsecond line\r\nthird"
MARKUP = "[bold]x[/] [/] [link=file:///etc]y"

# What a person can type or paste: every kind of hostile text.
TYPED = [LONG, EMOJI, COMBINING, RTL, CONTROLS, NEWLINES, MARKUP]


class FaultyWs:
    """Workspace ids on the faulty server."""

    EVIL = "0b5e4c1e-5a0c-4f7e-9d3a-0000000000e1"
    LONG = "0b5e4c1e-5a0c-4f7e-9d3a-0000000000e2"
    RTL = "0b5e4c1e-5a0c-4f7e-9d3a-0000000000e3"


async def paste(pilot: Pilot[Any], field: Input, text: str) -> None:
    """Empty *field* and paste *text* into it, as a terminal's bracketed paste does."""
    field.focus()
    field.value = ""
    field.post_message(events.Paste(text))
    await pilot.pause()


def assert_listed(name: str, listing: str) -> None:
    """*name* is in the table's text, whole or cut to its column with an ellipsis (at
    least 8 characters of it, shown as they are: markup not interpreted)."""
    if name in listing:
        return
    cuts = [name[:k] + "…" for k in range(len(name) - 1, 7, -1)]
    assert any(cut in listing for cut in cuts), f"{name!r} not in {listing!r}"


def assert_no_control(text: str) -> None:
    found = sorted(set(text) & CONTROL)
    assert not found, f"control characters {found} in {text[:80]!r}…"


async def sign_in_done(pilot: Pilot[Any], signin: SignInScreen, field: Input) -> None:
    """Press Enter in *field* and wait until the attempt is over (an error, or the next screen)."""
    app = pilot.app
    assert isinstance(app, RimeApp)
    signin.query_one("#error", Static).update("")
    field.focus()
    await pilot.press("enter")
    await until(
        pilot,
        lambda: (
            app.screen is not signin
            or (error_text(app) and not signin.query_one("#submit", FormButton).disabled)
        ),
        "the sign-in attempt to end",
    )


def rows_are(table: DataTable[Any], n: int) -> Callable[[], bool]:
    return lambda: table.row_count == n


# -- every input of the sign-in screen ------------------------------------------------------


@pytest.mark.parametrize("field_id", ["cluster", "email", "password"])
async def test_sign_in_fields_refuse_or_handle_hostile_text(
    local: Local, make_app: Any, failures: WorkerFailures, field_id: str
) -> None:
    app = make_app(timeout=2.0)
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await ready_sign_in(pilot)
        field = signin.query_one(f"#{field_id}", Input)
        good = field.value
        for text in TYPED:
            await paste(pilot, field, text)
            assert_no_control(field.value)
            assert "second line" not in field.value  # a pasted line break ends the paste
            await sign_in_done(pilot, signin, field)
            assert isinstance(app.screen, SignInScreen), f"signed in with {text[:40]!r}"
            message = error_text(app)
            assert message and "Unexpected error" not in message, (text[:40], message)
            if text == MARKUP and field_id == "cluster":  # shown as typed, not as markup
                assert MARKUP in text_of(signin.query_one("#target", Static))
            assert_healthy(app, failures)
            assert_clean_screen(app)
        # Still usable: the right value signs in (once the login throttle's window, which
        # seven wrong passwords in a row reach, has passed).
        local.clock.advance(minutes=16)
        field.value = good
        if field_id == "cluster":  # the local admin's password went with another URL
            assert signin.query_one("#password", Input).value == ""
            signin.query_one("#password", Input).value = local.admin_password
        await sign_in_done(pilot, signin, field)
        await screen(pilot, WorkspacesScreen)
        assert_healthy(app, failures)


async def test_api_token_field_refuses_or_handles_hostile_text(
    local: Local, make_app: Any, failures: WorkerFailures
) -> None:
    app = make_app(timeout=2.0)
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await ready_sign_in(pilot)
        await pilot.press("ctrl+t")
        field = signin.query_one("#api-token", Input)
        await until(pilot, lambda: field.display, "the API token field")
        for text in TYPED:
            await paste(pilot, field, text)
            assert_no_control(field.value)
            await sign_in_done(pilot, signin, field)
            assert isinstance(app.screen, SignInScreen), f"signed in with {text[:40]!r}"
            message = error_text(app)
            assert message and "Unexpected error" not in message, (text[:40], message)
            assert_healthy(app, failures)
            assert_clean_screen(app)
        await paste(pilot, field, local.api_token + "\n")  # a pasted token with its newline
        assert field.value == local.api_token
        await sign_in_done(pilot, signin, field)
        await screen(pilot, WorkspacesScreen)
        assert_healthy(app, failures)


# -- the workspace filter -----------------------------------------------------------------


async def test_workspace_filter_handles_hostile_text(
    local: Local, make_app: Any, failures: WorkerFailures
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await ready_sign_in(pilot)
        await sign_in_done(pilot, signin, signin.query_one("#cluster", Input))
        workspaces = await screen(pilot, WorkspacesScreen)
        table = workspaces.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 1, "workspaces")
        await pilot.press("slash")
        field = workspaces.query_one("#filter", Input)
        status = workspaces.query_one("#status", Static)
        for text in TYPED:
            await paste(pilot, field, text)
            assert_no_control(field.value)
            await until(pilot, lambda: table.row_count == 0, "the filter to apply")
            assert "0 of 1 workspaces match the filter." in text_of(status)
            assert_healthy(app, failures)
            assert_clean_screen(app)
        await pilot.press("escape")  # leaves and clears the filter
        await until(pilot, lambda: table.row_count == 1, "every workspace again")
        assert not field.display


# -- Token Name and Save to file ------------------------------------------------------------


async def tokens_screen(pilot: Pilot[Any]) -> TokensScreen:
    signin = await ready_sign_in(pilot)
    await sign_in_done(pilot, signin, signin.query_one("#cluster", Input))
    workspaces = await screen(pilot, WorkspacesScreen)
    await until(pilot, lambda: workspaces.query_one(DataTable).row_count >= 1, "workspaces")
    return await open_tokens(pilot, lambda n: n >= 1)


async def test_token_name_refuses_or_handles_hostile_text(
    local: Local, make_app: Any, failures: WorkerFailures
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = await tokens_screen(pilot)
        field = tokens.query_one("#token-name", Input)
        table = tokens.query_one(DataTable)

        # 10,000 characters do not fit the field (the server's limit, 100): refused with
        # a message, nothing inserted.
        await paste(pilot, field, LONG)
        assert field.value == ""
        assert "at most 100 characters" in "\n".join(notifications(app))

        created: list[str] = []
        for text, name in [
            (EMOJI, EMOJI),
            (COMBINING, COMBINING),
            (RTL, RTL),
            (CONTROLS, "abc de"),  # the escape sequence is dropped whole
            (NEWLINES, "first line second line third"),
            (MARKUP, MARKUP),
        ]:
            await paste(pilot, field, text)
            assert field.value == name
            await pilot.press("enter")
            modal = await screen(pilot, TokenCreatedScreen)
            assert_clean_screen(app)
            shown = text_of(modal.query_one("#created-name", Static))
            assert shown == f"Token Name: {name}"  # markup in the name is not interpreted
            await pilot.press("escape", "y")
            await screen(pilot, TokensScreen)
            created.append(name)
            await until(pilot, rows_are(table, 1 + len(created)), "the new row")
        listing = table_text(table)
        for name in created:
            assert_listed(name, listing)
        assert_healthy(app, failures)
        shot = assert_clean_screen(app)
        assert "[bold]x[/]" in shot.replace("&#160;", " ")

        # The markup-like name in the delete question is shown as written, too.
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        table.move_cursor(row=next(i for i, n in enumerate(names) if n.startswith("[bold]x[/]")))
        await pilot.press("d")
        confirm = await screen(pilot, ConfirmScreen)
        assert MARKUP in text_of(confirm.query_one("#confirm-message", Static))
        await pilot.press("y")
        await screen(pilot, TokensScreen)
        await until(pilot, rows_are(table, len(created)), "the deletion")
        assert not any(
            str(table.get_row_at(i)[0]).startswith("[bold]") for i in range(table.row_count)
        )
        assert_healthy(app, failures)


async def test_a_pasted_line_break_is_one_space_as_stored_and_as_shown(
    local: Local, make_app: Any, admin: RimeClient
) -> None:
    # A terminal sends a pasted CRLF as it is, or as CR CR (tmux's paste-buffer and
    # xterm turn each LF into a CR): one space either way. What the list shows is what
    # the server holds, spaces typed twice included.
    names = ["crlf name", "crcr name", "typed  twice"]
    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        tokens = await tokens_screen(pilot)
        field = tokens.query_one("#token-name", Input)
        table = tokens.query_one(DataTable)
        await paste(pilot, field, "crlf\r\nname\r\n")
        assert field.value == "crlf name"
        await paste(pilot, field, "crcr\r\rname\r\r")
        assert field.value == "crcr name"
        # The length limit counts what the field keeps: 98 + CR CR + 1 is 100 characters.
        await paste(pilot, field, "x" * 98 + "\r\r" + "y")
        assert field.value == "x" * 98 + " y"
        field.value = ""
        for name in names:
            if name == "typed  twice":
                await pilot.press("n", *name)
            else:
                await paste(pilot, field, name.replace(" ", "\r\n" if "crlf" in name else "\r\r"))
            assert field.value == name
            await pilot.press("enter")
            await screen(pilot, TokenCreatedScreen)
            await pilot.press("escape", "y")
            await screen(pilot, TokensScreen)
        await until(pilot, rows_are(table, 1 + len(names)), "the new rows")
        shown = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
    stored = {t.name async for t in admin.iter_api_tokens(local.workspace_id)}
    assert set(names) <= stored
    assert set(names) <= shown


async def test_save_to_file_path_refuses_or_handles_hostile_text(
    local: Local, make_app: Any, failures: WorkerFailures, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await tokens_screen(pilot)
        await pilot.press("n", *"saved", "enter")
        modal = await screen(pilot, TokenCreatedScreen)
        secret = text_of(modal.query_one("#token"))

        async def save_as(text: str) -> tuple[SaveTokenScreen, str]:
            await pilot.press("w")
            dialog = await screen(pilot, SaveTokenScreen)
            field = dialog.query_one("#path", Input)
            await paste(pilot, field, text)
            assert_no_control(field.value)
            error = dialog.query_one("#save-error", Static)
            await pilot.press("enter")
            await until(
                pilot, lambda: app.screen is not dialog or text_of(error), "saved or refused"
            )
            message = text_of(error)
            assert_healthy(app, failures)
            assert_clean_screen(app)
            return dialog, message

        existing = tmp_path / "[b]bold[red]red.txt"  # markup that fits in a file name
        existing.write_text("keep me\n")
        refused = [
            (str(tmp_path / LONG), "File name too long"),
            (str(existing), "already exists; choose another path (nothing was overwritten)"),
            (f"/proc/1/{MARKUP}/token.txt", "Could not write"),  # no such directory, ever
        ]
        for text, words in refused:
            dialog, message = await save_as(text)
            assert app.screen is dialog
            assert words in message, message[-200:]
            for markup in (MARKUP, existing.name):
                if markup in text:
                    assert markup in message  # as written, not as markup
            await pilot.press("escape")
            await screen(pilot, TokenCreatedScreen)
        assert existing.read_text() == "keep me\n"

        handled = [
            (
                str(tmp_path / f"{EMOJI} {COMBINING} {RTL}.txt"),
                tmp_path / f"{EMOJI} {COMBINING} {RTL}.txt",
            ),
            (str(tmp_path / "new-dir" / MARKUP), tmp_path / "new-dir" / MARKUP),
            (str(tmp_path / "ctl-") + CONTROLS, tmp_path / "ctl-abc de"),
            (str(tmp_path / "first.txt") + "\nsecond.txt", tmp_path / "first.txt"),
        ]
        for text, path in handled:
            _, message = await save_as(text)
            await screen(pilot, TokenCreatedScreen)
            assert path.read_text() == secret + "\n", message
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert_healthy(app, failures)


# -- hostile names from the server --------------------------------------------------------------


async def test_hostile_names_from_the_local_instance_show_as_written(
    local: Local, root: RimeClient, admin: RimeClient, make_app: Any, failures: WorkerFailures
) -> None:
    # (The local instance refuses control characters in names and descriptions; the
    # remote-cluster test below shows how the TUI shows them.)
    names = ["[bold]x[/]", f"{EMOJI}", "Ze\u0301 zalgo Z\u0334\u0321a\u0337", RTL, "w" * 100]
    for name in names:
        await root.create_workspace(name, description=f"{MARKUP} and more")
    for name in ["[bold]x[/]", "[red]not red[/red]", EMOJI, RTL]:
        await admin.create_api_token(name, local.workspace_id)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        signin = await ready_sign_in(pilot)
        await sign_in_done(pilot, signin, signin.query_one("#cluster", Input))
        workspaces = await screen(pilot, WorkspacesScreen)
        table = workspaces.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 1 + len(names), "every workspace")
        listing = table_text(table)
        for name in names:
            assert name in listing
        shot = assert_clean_screen(app).replace("&#160;", " ")
        assert "[bold]x[/]" in shot

        # Open the markup-named workspace: overview and settings show it as written.
        row = [str(table.get_row_at(i)[0]) for i in range(table.row_count)].index("[bold]x[/]")
        table.move_cursor(row=row)
        await pilot.press("enter")
        overview = await screen(pilot, OverviewScreen)
        assert text_of(overview.query_one("#ws-name", Static)) == "[bold]x[/]"
        assert MARKUP in text_of(overview.query_one("#ws-description", Static))
        assert "[bold]x[/]" in str(overview.sub_title)
        assert_clean_screen(app)
        await pilot.press("s")
        settings = await screen(pilot, SettingsScreen)
        assert "Name         [bold]x[/]" in text_of(settings.query_one("#general", Static))
        assert_clean_screen(app)
        await pilot.press("escape", "escape")
        await screen(pilot, WorkspacesScreen)

        # Workspace 1 holds the tokens with hostile names.
        row = [str(table.get_row_at(i)[0]) for i in range(table.row_count)].index("Workspace 1")
        table.move_cursor(row=row)
        await pilot.press("enter", "s", "t")
        tokens = await screen(pilot, TokensScreen)
        token_table = tokens.query_one(DataTable)
        await until(pilot, lambda: token_table.row_count == 5, "the tokens")
        listing = table_text(token_table)
        for name in ["[bold]x[/]", "[red]not red[/red]", EMOJI, RTL]:
            assert name in listing
        assert_clean_screen(app)
        assert_healthy(app, failures)


async def test_control_characters_and_huge_names_from_a_remote_cluster_are_shown_safely(
    faulty: FaultyServer, failures: WorkerFailures
) -> None:
    evil = "evil\x1b[2J\x1b]52;c;aGk=\x07name\x00\x9b31m"
    # A bidi override that would show "exe.txt" as "txt.exe", and a zero-width space.
    spoof = "report\u202etxt.exe\u202c \u200bhidden"
    faulty.workspaces = [
        workspace(evil, "line one\nline two\x1b[31m red?", uuid=FaultyWs.EVIL),
        workspace(LONG, LONG, uuid=FaultyWs.LONG),
        workspace(f"\u202e{RTL}\u202c {COMBINING}", spoof, uuid=FaultyWs.RTL),
    ]
    faulty.tokens = [
        {**api_token(evil, "t-1"), "workspaceId": {"uuid": FaultyWs.EVIL}},
        {**api_token(LONG, "t-2", suffix="\x1b[2J"), "workspaceId": {"uuid": FaultyWs.EVIL}},
        {**api_token(MARKUP, "t-3"), "workspaceId": {"uuid": FaultyWs.EVIL}},
    ]
    app = RimeApp(
        cluster_url=faulty.url, api_token="rime_remote_token_0000", local=None, remember=False
    )
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await screen(pilot, SignInScreen)
        await sign_in_done(pilot, signin, signin.query_one("#cluster", Input))
        workspaces = await screen(pilot, WorkspacesScreen)
        table = workspaces.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 3, "the remote workspaces")
        listing = table_text(table)
        assert_no_control(listing.replace("\n", " "))
        assert "evil␛[2J␛]52;c;aGk=␇name␀" in listing  # visible, not sent
        # Bidi overrides and zero-width characters are shown as �, not obeyed.
        assert f"\ufffd{RTL}\ufffd" in listing
        assert "report\ufffdtxt.exe\ufffd \ufffdhidden" in listing
        assert not {"\u202e", "\u202c", "\u200b"} & set(listing)
        assert_clean_screen(app)

        await pilot.press("enter")
        overview = await screen(pilot, OverviewScreen)
        assert "evil␛[2J" in text_of(overview.query_one("#ws-name", Static))
        assert_no_control(str(overview.sub_title))
        assert_clean_screen(app)
        await pilot.press("s", "t")
        tokens = await screen(pilot, TokensScreen)
        token_table = tokens.query_one(DataTable)
        await until(pilot, lambda: token_table.row_count == 3, "the remote tokens")
        listing = table_text(token_table)
        assert_no_control(listing.replace("\n", " "))
        assert_listed(MARKUP, listing)
        assert_clean_screen(app)
        await pilot.press("d")  # the delete question names it safely, too
        confirm = await screen(pilot, ConfirmScreen)
        assert "evil␛[2J" in text_of(confirm.query_one("#confirm-message", Static))
        assert_clean_screen(app)
        await pilot.press("n")
        await screen(pilot, TokensScreen)
        assert_healthy(app, failures)

        # The 10,000-character workspace opens and its page stays readable.
        await pilot.press("escape", "escape", "escape")
        await screen(pilot, WorkspacesScreen)
        table.move_cursor(row=1)
        await pilot.press("enter")
        overview = await screen(pilot, OverviewScreen)
        assert text_of(overview.query_one("#ws-name", Static)) == LONG
        assert_clean_screen(app)
        assert_healthy(app, failures)
