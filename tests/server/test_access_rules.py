"""Who may do what on the local instance (issue 8), over real HTTP on 127.0.0.1.

API tokens stay in their workspace, workspace roles are enforced (tokens carry
their owner's role), users are listed to org admins only, outsiders cannot tell
which workspaces exist, page tokens are checked, emails fold Unicode case,
names refuse invisible characters, and a user can end all their sessions.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.helpers import PASSWORD, error_body
from tests.support.local import Local

ROLES = ("ACTOR_ROLE_ADMIN", "ACTOR_ROLE_USER", "ACTOR_ROLE_VIEWER", "ACTOR_ROLE_NONE")
TOKENS = "/v1/users/api-tokens"


def ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, (answer.status_code, answer.text)
    return answer.json()


def client(local: Local, *, token: str | None = None, session: str | None = None) -> httpx.Client:
    headers = {"rime-api-key": token} if token else {"authorization": f"Bearer {session}"}
    return httpx.Client(base_url=local.url, headers=headers, timeout=30)


def log_in(local: Local, email: str, password: str = PASSWORD) -> str:
    answer = httpx.post(
        f"{local.url}/v1/auth/login", json={"email": email, "password": password}, timeout=30
    )
    return str(ok(answer)["sessionToken"])


@dataclass
class Org:
    """The bootstrap admin's session and token, and one member per workspace role."""

    local: Local
    root: httpx.Client  # the org admin, signed in with the password
    admin_token: httpx.Client  # the org admin's bootstrap token (Workspace 1)
    other_ws: str  # a workspace nobody below is a member of
    members: dict[str, httpx.Client]  # role -> that member's session
    ids: dict[str, str]  # role -> user id

    def user(self, role: str) -> httpx.Client:
        return self.members[role]


def new_user(root: httpx.Client, email: str, org_role: str = "ACTOR_ROLE_USER") -> str:
    body = {"email": email, "password": PASSWORD, "fullName": email, "orgRole": org_role}
    return str(ok(root.post("/v1/users", json=body))["userId"]["uuid"])


def add_member(by: httpx.Client, workspace: str, user_id: str, role: str) -> httpx.Response:
    body = {"users": [{"userId": {"uuid": user_id}, "userRole": role}]}
    return by.post(f"/v1/workspace/{workspace}/users", json=body)


@pytest.fixture
def org(local: Local) -> Iterator[Org]:
    root = client(local, session=log_in(local, local.admin_email, local.admin_password))
    other = str(ok(root.post("/v1/workspace", json={"name": "Other"}))["workspaceId"]["uuid"])
    members, ids = {}, {}
    for role in ROLES:
        email = f"{role.removeprefix('ACTOR_ROLE_').lower()}@example.com"
        ids[role] = new_user(root, email)
        ok(add_member(root, local.workspace_id, ids[role], role))
        members[role] = client(local, session=log_in(local, email))
    org = Org(local, root, client(local, token=local.api_token), other, members, ids)
    try:
        yield org
    finally:
        for http in [root, org.admin_token, *members.values()]:
            http.close()


def new_token(http: httpx.Client, workspace: str, name: str) -> dict[str, Any]:
    body = {"name": name, "workspaceId": {"uuid": workspace}}
    made: dict[str, Any] = ok(http.post(TOKENS, json=body))
    return made


def new_project(http: httpx.Client, workspace: str, name: str) -> str:
    body = {"name": name, "workspaceId": {"uuid": workspace}}
    return str(ok(http.post("/v1/projects", json=body))["project"]["id"]["uuid"])


# -- 2: API tokens stay in their workspace --------------------------------------------------------


def test_a_workspace_token_cannot_act_organisation_wide(org: Org) -> None:
    """A leaked Workspace 1 token of an org admin once created a new org admin."""
    token = org.admin_token
    body = {"email": "mallory@x.io", "password": PASSWORD, "orgRole": "ACTOR_ROLE_ADMIN"}
    message = error_body(token.post("/v1/users", json=body), 403, 7)["message"]
    assert "password" in message
    error_body(token.post("/v1/workspace", json={"name": "Mallory's"}), 403, 7)
    # Nothing outside Workspace 1 either.
    for answer in (
        token.get(f"/v1/workspace/{org.other_ws}"),
        token.get(f"/v1/workspace/{org.other_ws}/users"),
        token.get(TOKENS, params={"workspaceId.uuid": org.other_ws}),
        token.get("/v1/projects", params={"workspaceId.uuid": org.other_ws}),
        token.post(TOKENS, json={"name": "x", "workspaceId": {"uuid": org.other_ws}}),
        add_member(token, org.other_ws, org.ids["ACTOR_ROLE_USER"], "ACTOR_ROLE_USER"),
    ):
        error_body(answer, 403, 7)
    project = new_project(org.root, org.other_ws, "elsewhere")
    error_body(token.get(f"/v1/projects/{project}"), 403, 7)
    error_body(token.delete(f"/v1/projects/{project}"), 403, 7)
    # The password session of the same org admin may do all of it.
    ok(org.root.post("/v1/users", json=body))
    ok(org.root.post("/v1/workspace", json={"name": "Admin's"}))


# -- 5: workspace roles, tokens included ---------------------------------------------------------


def test_a_viewer_reads_only(org: Org) -> None:
    ws = org.local.workspace_id
    viewer = org.user("ACTOR_ROLE_VIEWER")
    ok(viewer.get(f"/v1/workspace/{ws}"))
    ok(viewer.get(f"/v1/workspace/{ws}/users"))
    ok(viewer.get(TOKENS, params={"workspaceId.uuid": ws}))
    ok(viewer.get("/v1/projects", params={"workspaceId.uuid": ws}))
    someones = new_project(org.user("ACTOR_ROLE_USER"), ws, "user's project")
    ok(viewer.get(f"/v1/projects/{someones}"))
    error_body(viewer.post(TOKENS, json={"name": "v", "workspaceId": {"uuid": ws}}), 403, 7)
    error_body(viewer.post("/v1/projects", json={"name": "v", "workspaceId": {"uuid": ws}}), 403, 7)
    error_body(viewer.delete(f"/v1/projects/{someones}"), 403, 7)
    refused = error_body(
        add_member(viewer, ws, org.ids["ACTOR_ROLE_NONE"], "ACTOR_ROLE_USER"), 403, 7
    )
    assert (
        refused["message"]
        == f"Your role in workspace {ws} is ACTOR_ROLE_VIEWER: it cannot add members."
    )


def test_none_has_no_access(org: Org) -> None:
    ws = org.local.workspace_id
    none = org.user("ACTOR_ROLE_NONE")
    assert ok(none.get("/v1/workspace"))["workspaces"] == []
    for answer in (
        none.get(f"/v1/workspace/{ws}"),
        none.get(f"/v1/workspace/{ws}/users"),
        none.get(TOKENS, params={"workspaceId.uuid": ws}),
        none.get("/v1/projects", params={"workspaceId.uuid": ws}),
        none.post(TOKENS, json={"name": "n", "workspaceId": {"uuid": ws}}),
        none.post("/v1/projects", json={"name": "n", "workspaceId": {"uuid": ws}}),
    ):
        error_body(answer, 403, 7)
    project = new_project(org.root, ws, "admin's")
    error_body(none.get(f"/v1/projects/{project}"), 404, 5)
    assert ok(none.get("/v1/projects"))["projects"] == []


def test_a_user_manages_their_own_tokens_and_projects_only(org: Org) -> None:
    ws = org.local.workspace_id
    user, admin_ws = org.user("ACTOR_ROLE_USER"), org.user("ACTOR_ROLE_ADMIN")
    mine = new_token(user, ws, "mine")
    theirs = new_token(admin_ws, ws, "theirs")
    for nowhere in (
        user.post(TOKENS, json={"name": "x"}),
        user.post("/v1/projects", json={"name": "p"}),
    ):
        assert error_body(nowhere, 400, 3)["message"] == (  # a session has no workspace
            "workspaceId is required when signed in with a session (an API token defaults "
            "to its own workspace)."
        )
    listed = ok(user.get(TOKENS, params={"workspaceId.uuid": ws}))["apiTokenInfos"]
    assert [t["name"] for t in listed] == ["mine"]
    error_body(user.delete(f"{TOKENS}/{theirs['id']['uuid']}"), 404, 5)
    ok(user.delete(f"{TOKENS}/{mine['id']['uuid']}"))
    own_project = new_project(user, ws, "own")
    other_project = new_project(admin_ws, ws, "other")
    refused = error_body(user.delete(f"/v1/projects/{other_project}"), 403, 7)
    assert refused["message"] == (
        f"Your role in workspace {ws} is ACTOR_ROLE_USER: it cannot delete other members' projects."
    )
    ok(user.delete(f"/v1/projects/{own_project}"))
    refused = error_body(
        add_member(user, ws, org.ids["ACTOR_ROLE_NONE"], "ACTOR_ROLE_USER"), 403, 7
    )
    assert refused["message"] == "Only workspace admins can add members."


def test_a_workspace_admin_manages_members_and_their_tokens(org: Org) -> None:
    ws = org.local.workspace_id
    admin_ws, user = org.user("ACTOR_ROLE_ADMIN"), org.user("ACTOR_ROLE_USER")
    users_token = new_token(user, ws, "user's")
    users_project = new_project(user, ws, "user's")
    listed = ok(admin_ws.get(TOKENS, params={"workspaceId.uuid": ws}))["apiTokenInfos"]
    assert {"user's", "Default token"} <= {t["name"] for t in listed}
    everyones = ok(org.root.get(TOKENS))["apiTokenInfos"]  # an org admin's, of every workspace
    assert {"user's", "Default token"} <= {t["name"] for t in everyones}
    ok(admin_ws.delete(f"{TOKENS}/{users_token['id']['uuid']}"))
    ok(admin_ws.delete(f"/v1/projects/{users_project}"))
    ok(add_member(admin_ws, ws, org.ids["ACTOR_ROLE_NONE"], "ACTOR_ROLE_VIEWER"))
    # ...in their workspace only.
    error_body(
        add_member(admin_ws, org.other_ws, org.ids["ACTOR_ROLE_USER"], "ACTOR_ROLE_USER"), 404, 5
    )
    error_body(admin_ws.post("/v1/workspace", json={"name": "mine"}), 403, 7)


def test_a_token_carries_its_owners_current_role(org: Org) -> None:
    ws = org.local.workspace_id
    user = org.user("ACTOR_ROLE_USER")
    secret = new_token(user, ws, "laptop")["fullApiToken"]
    with client(org.local, token=secret) as token:
        own = new_project(token, ws, "by token")
        ok(add_member(org.root, ws, org.ids["ACTOR_ROLE_USER"], "ACTOR_ROLE_VIEWER"))
        ok(token.get("/v1/projects"))  # a viewer's token still reads...
        refused = error_body(token.delete(f"/v1/projects/{own}"), 403, 7)  # not even its own
        assert refused["message"] == (
            f"Your role in workspace {ws} is ACTOR_ROLE_VIEWER: it cannot delete projects."
        )
        error_body(token.post("/projects", json={"name": "no more"}), 403, 7)  # ...only
        error_body(token.post(TOKENS, json={"name": "t", "workspaceId": {"uuid": ws}}), 403, 7)
        ok(add_member(org.root, ws, org.ids["ACTOR_ROLE_USER"], "ACTOR_ROLE_NONE"))
        error_body(token.get("/v1/projects"), 403, 7)


# -- 6: users are listed to org admins only ------------------------------------------------------


def test_only_org_admins_list_users(org: Org) -> None:
    everyone = ok(org.root.get("/v1/users", params={"pageSize": 100}))["users"]
    assert len(everyone) == 1 + len(ROLES)
    for role, http in [*org.members.items(), ("token", org.admin_token)]:
        me = org.ids.get(role) or everyone[0]["id"]["uuid"]
        listed = ok(http.get("/v1/users"))["users"]
        assert [u["id"]["uuid"] for u in listed] == [me], role
        assert ok(http.get(f"/v1/users/{me}"))["user"]["id"]["uuid"] == me
        for other in everyone:
            if other["id"]["uuid"] != me:
                error_body(http.get(f"/v1/users/{other['id']['uuid']}"), 404, 5)
    for other in everyone:
        ok(org.root.get(f"/v1/users/{other['id']['uuid']}"))


# -- 13: outsiders cannot tell which workspaces exist --------------------------------------------


def test_non_members_get_404_for_unknown_and_foreign_workspaces(org: Org) -> None:
    user = org.user("ACTOR_ROLE_USER")  # a member of Workspace 1, not of Other
    unknown = "00000000-0000-4000-8000-000000000000"
    for ws in (org.other_ws, unknown):
        for answer in (
            user.get(f"/v1/workspace/{ws}"),
            user.get(f"/v1/workspace/{ws}/users"),
            user.get(TOKENS, params={"workspaceId.uuid": ws}),
            user.post(TOKENS, json={"name": "t", "workspaceId": {"uuid": ws}}),
        ):
            assert error_body(answer, 404, 5)["message"] == f"No workspace with id {ws}."


# -- 8: page tokens ------------------------------------------------------------------------------


def _page_token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.fixture(scope="module")
def admin_http(module_local: Local) -> Iterator[httpx.Client]:
    with client(module_local, token=module_local.api_token) as http:
        yield http


@pytest.mark.parametrize(
    "raw",
    [
        "v1:users:99999999999999999999",  # overflowed SQLite: a 500
        "v1:users:-1",
        "v1:users:+1",
        "v1:users: 1",
        "v1:users:1_0",
        "v1:users:\u0663",  # an Arabic-Indic 3, which int() takes
        "v1:users:01",
        "v1:tokens-:1",  # another list's
        "v2:users:1",
    ],
)
def test_page_tokens_that_are_not_a_position_are_invalid(
    admin_http: httpx.Client, raw: str
) -> None:
    answer = admin_http.get("/v1/users", params={"pageToken": _page_token(raw)})
    assert "pageToken" in error_body(answer, 400, 3)["message"]


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        st.text(max_size=60),
        st.integers().map(lambda n: _page_token(f"v1:users:{n}")),
        st.text(max_size=30).map(lambda s: _page_token(f"v1:users:{s}")),
    )
)
def test_fuzzed_page_tokens_never_fail(admin_http: httpx.Client, token: str) -> None:
    for path in ("/v1/users", "/v1/workspace", TOKENS, "/v1/projects"):
        answer = admin_http.get(path, params={"pageToken": token})
        assert answer.status_code in (200, 400), (path, token, answer.text)
        if answer.status_code == 400:
            error_body(answer, 400, 3)


def test_a_valid_page_token_still_pages(org: Org) -> None:
    first = ok(org.root.get("/v1/users", params={"pageSize": 2}))
    assert first["hasMore"]
    second = ok(
        org.root.get("/v1/users", params={"pageSize": 2, "pageToken": first["nextPageToken"]})
    )
    assert {u["email"] for u in first["users"]}.isdisjoint(u["email"] for u in second["users"])


# -- 10: emails match with Unicode case folding --------------------------------------------------


def test_emails_match_with_unicode_case_folding(org: Org) -> None:
    uid = new_user(org.root, "ÉVE@Example.IO")
    stored = ok(org.root.get(f"/v1/users/{uid}"))["user"]["email"]
    assert stored == "éve@example.io"
    for typed in ("ÉVE@EXAMPLE.IO", "éve@example.io", "Éve@example.io", "ÉVE@Ｅxample.io"):
        log_in(org.local, typed)
    # The same address in another case or form is the same user.
    body = {"email": "éVE@example.io", "password": PASSWORD, "orgRole": "ACTOR_ROLE_USER"}
    error_body(org.root.post("/v1/users", json=body), 409, 6)
    body["email"] = "STRASSE@x.io"
    new_user(org.root, "straße@x.io")
    error_body(org.root.post("/v1/users", json=body), 409, 6)


# -- 11: invisible and control characters --------------------------------------------------------


HIDDEN = {
    "ESC": "\x1b[2J",
    "C1 CSI": "\x9b31m",
    "RIGHT-TO-LEFT OVERRIDE": "\u202e",
    "FIRST STRONG ISOLATE": "\u2068",
    "ZERO WIDTH SPACE": "\u200b",
    "BYTE ORDER MARK": "\ufeff",
    "LEFT-TO-RIGHT MARK": "\u200e",
    # Issue J, finding 7: default-ignorable and other invisible characters.
    "TAG LATIN SMALL LETTER X": "\U000e0078",
    "SOFT HYPHEN": "\u00ad",
    "INHIBIT SYMMETRIC SWAPPING": "\u206a",
    "HANGUL FILLER": "\u3164",
    "HANGUL CHOSEONG FILLER": "\u115f",
    "BRAILLE PATTERN BLANK": "\u2800",
    "INTERLINEAR ANNOTATION ANCHOR": "\ufff9",
    "COMBINING GRAPHEME JOINER": "\u034f",
    "KHMER VOWEL INHERENT AQ": "\u17b4",
}


@pytest.mark.parametrize("char", list(HIDDEN.values()), ids=list(HIDDEN))
def test_hidden_characters_are_refused_naming_the_field(org: Org, char: str) -> None:
    ws = org.local.workspace_id
    text = f"Work{char}space"
    refused = {
        "workspace name": org.root.post("/v1/workspace", json={"name": text}),
        "description": org.root.post("/v1/workspace", json={"name": "d", "description": text}),
        "token name": org.root.post(TOKENS, json={"name": text, "workspaceId": {"uuid": ws}}),
        "project name": org.root.post(
            "/v1/projects", json={"name": text, "workspaceId": {"uuid": ws}}
        ),
        "email": org.root.post(
            "/v1/users",
            json={"email": f"a{char}@x.io", "password": PASSWORD, "orgRole": "ACTOR_ROLE_USER"},
        ),
        "fullName": org.root.post(
            "/v1/users",
            json={
                "email": "b@x.io",
                "password": PASSWORD,
                "fullName": text,
                "orgRole": "ACTOR_ROLE_USER",
            },
        ),
    }
    for field, answer in refused.items():
        message = error_body(answer, 400, 3)["message"]
        assert field in message.lower() or field in message, (field, message)
        assert f"U+{ord(char[0]):04X}" in message


def test_descriptions_keep_line_breaks_and_names_keep_joiners(org: Org) -> None:
    family = "👩\u200d👩\u200d👧 team"  # emoji sequences need the zero-width joiner
    persian = "می\u200cخواهم"  # and Persian the non-joiner
    rainbow = "🏳\ufe0f\u200d🌈"  # and the emoji presentation selector
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    for name in (family, persian, rainbow, scotland):
        ok(org.root.post("/v1/workspace", json={"name": name, "description": "one\ntwo\tthree"}))


# -- 12: ending all of one's own sessions --------------------------------------------------------


def test_logout_all_ends_every_session_of_the_user(org: Org) -> None:
    email = "user@example.com"
    ws = org.local.workspace_id
    with (
        client(org.local, session=log_in(org.local, email)) as first,
        client(org.local, session=log_in(org.local, email)) as second,
    ):
        secret = new_token(first, ws, "kept")["fullApiToken"]
        with client(org.local, token=secret) as token:
            error_body(token.post("/v1/auth/logout-all"), 403, 7)  # a token cannot
            ok(first.post("/v1/auth/logout-all"))
            for http in (first, second, org.user("ACTOR_ROLE_USER")):
                error_body(http.get("/v1/users/roles"), 401, 16)
            ok(token.get("/v1/users/roles"))  # API tokens are not sessions
    ok(org.user("ACTOR_ROLE_VIEWER").get("/v1/users/roles"))  # others are untouched
    log_in(org.local, email)  # and the user can sign in again


# -- a credential refused says why --------------------------------------------------------------


def test_an_unknown_or_expired_credential_is_told_so(local: Local) -> None:
    """401 with a sentence that says what to do; a token is refused from the second its
    lifetime ends (and the session, 12 hours after sign-in, long before)."""
    session = log_in(local, local.admin_email, local.admin_password)
    with client(local, token=local.api_token) as admin:
        body = {"name": "one-day", "workspaceId": {"uuid": local.workspace_id}, "expiryDays": 1}
        made = ok(admin.post(TOKENS, json=body))
    with client(local, token="rime_" + "0" * 40) as stranger:
        refused = error_body(stranger.get("/v1/users/roles"), 401, 16)["message"]
        assert refused == "The API token is not valid: it is unknown or was deleted."
    with client(local, session="not-a-session") as stranger:
        refused = error_body(stranger.get("/v1/users/roles"), 401, 16)["message"]
        assert refused == "The session is not valid; sign in again."
    secret = made["fullApiToken"]
    with client(local, token=secret) as one_day, client(local, session=session) as signed_in:
        assert one_day.get("/v1/users/roles").status_code == 200
        ends = local.clock() + timedelta(days=1)
        local.clock.advance(days=1)
        refused = error_body(one_day.get("/v1/users/roles"), 401, 16)["message"]
        assert refused == f"The API token expired on {ends.date().isoformat()}; create a new one."
        refused = error_body(signed_in.get("/v1/users/roles"), 401, 16)["message"]
        assert refused == "The session expired; sign in again."
