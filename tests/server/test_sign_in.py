"""Signing in without the screen (rime_tui/tui/session.py), against real servers over HTTP."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest

from rime_tui.api import RimeClient
from rime_tui.api.errors import AuthenticationError, ProtocolError
from rime_tui.local import LocalInstance
from rime_tui.paths import config_file
from rime_tui.tui.session import LocalStart, SignInForm, remember, sign_in
from tests.support.faulty_server import FaultyServer
from tests.support.helpers import new_user
from tests.support.helpers import sign_in as session_for
from tests.support.local import Local

NewClient = Callable[[str], RimeClient]


@pytest.fixture
async def clients() -> AsyncIterator[list[RimeClient]]:
    """Every client the sign-in made, closed afterwards."""
    made: list[RimeClient] = []
    yield made
    for client in made:
        await client.aclose()


def factory(made: list[RimeClient]) -> NewClient:
    def new_client(url: str) -> RimeClient:
        made.append(RimeClient(url))
        return made[-1]

    return new_client


def password_form(url: str, email: str, password: str) -> SignInForm:
    return SignInForm(cluster=url, method="password", email=email, password=password)


async def test_email_and_password_on_the_local_instance(
    local: Local, clients: list[RimeClient]
) -> None:
    form = password_form(local.url + "/", f"  {local.admin_email} ", local.admin_password)
    url = form.cluster_url()
    assert url == local.url
    session = await sign_in(form, url, factory(clients), local=True)
    assert session.method == "password"
    assert session.org_admin
    assert session.user is not None and session.user.email == local.admin_email
    assert session.host == local.url.removeprefix("http://")
    assert session.client is clients[0] and session.client.session_token
    # The session works: the admin's workspace is listed.
    assert [w.workspace_id.uuid async for w in session.client.iter_workspaces()] == [
        local.workspace_id
    ]


async def test_a_wrong_password_is_refused_and_the_client_closed(
    local: Local, clients: list[RimeClient]
) -> None:
    form = password_form(local.url, local.admin_email, "not the password")
    with pytest.raises(AuthenticationError, match="Wrong email or password"):
        await sign_in(form, form.cluster_url(), factory(clients), local=True)
    assert clients[0]._http.is_closed


async def test_an_api_token_reads_the_roles(local: Local, clients: list[RimeClient]) -> None:
    form = SignInForm(cluster=local.url, method="token", api_token=f" {local.api_token} ")
    session = await sign_in(form, form.cluster_url(), factory(clients), local=True)
    assert session.method == "token"
    assert session.org_admin  # the bootstrap token is the admin's
    assert session.user is None
    assert session.token_suffix == local.api_token[-4:]
    assert session.client.api_token == local.api_token


async def test_an_api_token_of_a_plain_user_is_no_org_admin(
    local: Local, root: RimeClient, clients: list[RimeClient]
) -> None:
    user_id = await new_user(root, "ada@example.com")
    await root.add_workspace_members(local.workspace_id, {user_id: "ACTOR_ROLE_USER"})
    async with await session_for(local, "ada@example.com") as ada:
        created = await ada.create_api_token("ada's", local.workspace_id)
    form = SignInForm(cluster=local.url, method="token", api_token=created.full_api_token)
    session = await sign_in(form, form.cluster_url(), factory(clients))
    assert not session.org_admin
    # Signed in with a token, the user is known once the token list names its owner.
    tokens = [t async for t in session.client.iter_api_tokens(local.workspace_id)]
    assert session.resolve_user_id(tokens) == user_id
    assert [session.is_own_token(t) for t in tokens] == [True]


async def test_a_remote_cluster_without_password_sign_in_says_to_use_a_token(
    faulty: FaultyServer, clients: list[RimeClient]
) -> None:
    form = password_form(faulty.url, "me@example.com", "secret")
    with pytest.raises(ProtocolError, match="does not offer email & password sign-in"):
        await sign_in(form, form.cluster_url(), factory(clients))
    assert clients[0]._http.is_closed


# -- the local instance starting behind the form -----------------------------------------------


async def test_the_local_instance_already_running_is_found(local: Local) -> None:
    start = LocalStart(LocalInstance(local.data_dir, local.server.port))
    assert not start.done
    await start.run()
    await start.ready()
    assert start.done and start.error is None
    assert start.url == local.url


class Stranger(BaseHTTPRequestHandler):
    """Some other web server on the port."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"hi")

    def log_message(self, format: str, *args: object) -> None:
        pass


async def test_a_stranger_on_the_port_is_said(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stranger)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        start = LocalStart(LocalInstance(tmp_path / "data", server.server_address[1]))
        await start.run()
        await start.ready()
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert start.done
    assert start.error and f"port {server.server_address[1]}" in start.error


# -- what is remembered -------------------------------------------------------------------------


def test_remember_keeps_the_cluster_and_email_and_forgets_the_cluster_for_local() -> None:
    remember("https://rime.example.io", "me@example.com", local=False)
    path = config_file()
    assert tomllib.loads(path.read_text()) == {
        "cluster_url": "https://rime.example.io",
        "email": "me@example.com",
    }
    remember("http://127.0.0.1:8477", None, local=True)
    assert tomllib.loads(path.read_text()) == {"email": "me@example.com"}
