"""Security checks on a real ``rime-tui serve`` process on 127.0.0.1.

One instance (started with ``--no-banner``) is put through sign-ins, failed
sign-ins, user and token creation, deletion and sign-out.  Every secret that
crossed the wire in the process (API tokens, session tokens, passwords, wrong
passwords) is then looked for in everything the instance logged and in the
bytes of its SQLite files, taken while it ran (``rime.db``, ``-wal``, ``-shm``)
and after it stopped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.support.serve_process import ServeProcess, serving

WINDOW = 12  # no 12-character run of a secret may appear (a secret has >= 20 random ones)
DB_FILES = ("rime.db", "rime.db-wal", "rime.db-shm")


@dataclass
class Exercised:
    """What one run of the instance saw and left behind."""

    data_dir: Path
    secrets: dict[str, str] = field(default_factory=dict)  # label -> secret
    passwords: dict[str, str] = field(default_factory=dict)  # email -> password
    log: str = ""
    files_while_running: dict[str, bytes] = field(default_factory=dict)
    files_after_stop: dict[str, bytes] = field(default_factory=dict)
    throttled: list[httpx.Response] = field(default_factory=list)


def _windows(secret: str) -> set[str]:
    """Every WINDOW-long run of the secret's random part (its public suffix excluded)."""
    body = secret.removeprefix("rime_")[:-4] if secret.startswith("rime_") else secret
    assert len(body) >= WINDOW, secret
    return {body[i : i + WINDOW] for i in range(len(body) - WINDOW + 1)}


def _leaks(haystack: bytes, named: dict[str, str]) -> list[str]:
    return [
        label
        for label, secret in named.items()
        if any(w.encode() in haystack for w in _windows(secret))
    ]


def _read_db_files(data_dir: Path) -> dict[str, bytes]:
    return {n: (data_dir / n).read_bytes() for n in DB_FILES if (data_dir / n).exists()}


def _ok(answer: httpx.Response) -> dict[str, object]:
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def _exercise(served: ServeProcess, record: Exercised) -> None:
    boot = served.bootstrap()
    admin_token, workspace = boot["api_token"], boot["workspace_id"]
    record.secrets["bootstrap api token"] = admin_token
    record.passwords[boot["admin_email"]] = boot["admin_password"]
    admin = {"rime-api-key": admin_token}
    with httpx.Client(base_url=served.url, timeout=30) as http:
        # The admin signs in with the password; the session creates a token.
        login = _ok(
            http.post(
                "/v1/auth/login",
                json={"email": boot["admin_email"], "password": boot["admin_password"]},
            )
        )
        session = str(login["sessionToken"])
        record.secrets["admin session"] = session
        bearer = {"Authorization": f"Bearer {session}"}
        for i in range(3):
            made = _ok(
                http.post(
                    "/v1/users/api-tokens",
                    json={"name": f"admin-{i}", "workspaceId": {"uuid": workspace}},
                    headers=admin if i % 2 else bearer,
                )
            )
            record.secrets[f"admin token {i}"] = str(made["fullApiToken"])

        # A second user, with a password of their own, made a member of the workspace.
        email, password = "ada@example.com", "pw-" + secrets.token_urlsafe(18)
        record.passwords[email] = password
        user = _ok(
            http.post(
                "/v1/users",
                json={
                    "email": email,
                    "password": password,
                    "fullName": "Ada",
                    "orgRole": "ACTOR_ROLE_USER",
                },
                headers=bearer,  # creating users needs the org admin's password session
            )
        )
        user_id = user["userId"]
        _ok(
            http.post(
                f"/v1/workspace/{workspace}/users",
                json={"users": [{"userId": user_id, "userRole": "ACTOR_ROLE_USER"}]},
                headers=admin,
            )
        )
        ada = _ok(http.post("/v1/auth/login", json={"email": email, "password": password}))
        record.secrets["ada session"] = str(ada["sessionToken"])
        ada_bearer = {"Authorization": f"Bearer {ada['sessionToken']}"}
        made = _ok(
            http.post(
                "/v1/users/api-tokens",
                json={"name": "ada", "workspaceId": {"uuid": workspace}},
                headers=ada_bearer,
            )
        )
        record.secrets["ada token"] = str(made["fullApiToken"])
        ada_key = {"rime-api-key": str(made["fullApiToken"])}
        _ok(http.get("/v1/users/api-tokens", headers=ada_key))
        _ok(http.get("/v1/rime-info", headers=ada_key))

        # A token that is used, then deleted, then tried again (401).
        doomed = _ok(
            http.post(
                "/v1/users/api-tokens",
                json={"name": "doomed", "workspaceId": {"uuid": workspace}},
                headers=admin,
            )
        )
        doomed_key = str(doomed["fullApiToken"])
        record.secrets["deleted token"] = doomed_key
        doomed_id = doomed["id"]
        assert isinstance(doomed_id, dict)
        _ok(
            http.delete(
                f"/v1/users/api-tokens/{doomed_id['uuid']}", headers={"rime-api-key": doomed_key}
            )
        )
        assert http.get("/v1/rime-info", headers={"rime-api-key": doomed_key}).status_code == 401

        # Sign-out, then the dead session is tried again (401).
        _ok(http.post("/v1/auth/logout", headers=ada_bearer))
        assert http.get("/v1/rime-info", headers=ada_bearer).status_code == 401

        # Wrong passwords are often real ones mistyped: they must not be logged either.
        # Five failures for one email, then sign-ins for it are throttled (429).
        for i in range(5):
            wrong = f"wrong-{i}-" + secrets.token_urlsafe(12)
            record.secrets[f"wrong password {i}"] = wrong
            answer = http.post("/v1/auth/login", json={"email": email, "password": wrong})
            assert answer.status_code == 401, answer.text
        record.throttled.append(
            http.post("/v1/auth/login", json={"email": email, "password": "x" * 20})
        )
        record.throttled.append(
            http.post("/v1/auth/login", json={"email": email.upper(), "password": password})
        )
        # Unknown secrets presented as credentials are refused, and not logged.
        for label, header in (
            ("unknown api token", "rime-api-key"),
            ("unknown session", "Authorization"),
        ):
            guess = "rime_" + secrets.token_urlsafe(30)
            record.secrets[label] = guess
            value = f"Bearer {guess}" if header == "Authorization" else guess
            assert http.get("/v1/rime-info", headers={header: value}).status_code == 401
        # The admin's own session still works; other users' throttling does not touch it.
        _ok(http.get("/v1/users/roles", headers=bearer))


@pytest.fixture(scope="module")
def exercised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exercised]:
    base = tmp_path_factory.mktemp("security")
    record = Exercised(data_dir=base / "data")
    log = base / "serve.log"
    # With the access log on, so that the scan below reads every request's line too.
    with serving(record.data_dir, log, extra_args=["--access-log"]) as served:
        _exercise(served, record)
        record.files_while_running = _read_db_files(record.data_dir)
    record.log = log.read_text(encoding="utf-8", errors="replace")
    record.files_after_stop = _read_db_files(record.data_dir)
    yield record


def test_the_log_is_real(exercised: Exercised) -> None:
    """The scan below reads a log that recorded the requests made."""
    assert "POST /v1/auth/login" in exercised.log
    assert "POST /v1/users/api-tokens" in exercised.log
    assert " 429" in exercised.log


def test_no_secret_or_password_in_the_logs(exercised: Exercised) -> None:
    log = exercised.log.encode()
    assert _leaks(log, exercised.secrets) == []
    assert _leaks(log, exercised.passwords) == []


def test_no_secret_or_password_in_the_database_files(exercised: Exercised) -> None:
    assert "rime.db" in exercised.files_while_running
    assert "rime.db-wal" in exercised.files_while_running  # WAL mode: writes land here first
    for files in (exercised.files_while_running, exercised.files_after_stop):
        for name, data in files.items():
            assert _leaks(data, exercised.secrets) == [], name
            assert _leaks(data, exercised.passwords) == [], name


def test_tokens_are_stored_as_digests_with_a_suffix(exercised: Exercised) -> None:
    tokens = {k: v for k, v in exercised.secrets.items() if "token" in k and "unknown" not in k}
    with sqlite3.connect(exercised.data_dir / "rime.db") as db:
        rows = {(d, s) for d, s in db.execute("SELECT digest, suffix FROM api_tokens")}
    for label, secret in tokens.items():
        stored = (hashlib.sha256(secret.encode()).hexdigest(), secret[-4:])
        if label == "deleted token":
            assert stored not in rows
        else:
            assert stored in rows, label


def test_passwords_are_stored_as_scrypt_hashes(exercised: Exercised) -> None:
    with sqlite3.connect(exercised.data_dir / "rime.db") as db:
        stored = dict(db.execute("SELECT email, password_hash FROM users").fetchall())
    assert set(stored) == set(exercised.passwords)
    salts = set()
    for email, password in exercised.passwords.items():
        scheme, n, r, p, salt, key = stored[email].split("$")
        assert scheme == "scrypt"
        assert int(n) >= 2**14 and int(r) >= 8 and int(p) >= 1
        salts.add(salt)
        derived = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(base64.b64decode(key)),
        )
        assert hmac.compare_digest(derived, base64.b64decode(key)), email
    assert len(salts) == len(exercised.passwords)  # a fresh salt per password


def test_throttled_logins_answer_429_with_retry_after(exercised: Exercised) -> None:
    # Both the sixth wrong password and then the right one are refused for the window.
    assert len(exercised.throttled) == 2
    for answer in exercised.throttled:
        assert answer.status_code == 429, answer.text
        body = answer.json()
        assert set(body) == {"code", "message", "details"}
        assert body["code"] == 8
        retry_after = int(answer.headers["Retry-After"])
        assert 1 <= retry_after <= 15 * 60
        assert str(retry_after) in body["message"]


def test_files_are_private(exercised: Exercised) -> None:
    data_dir = exercised.data_dir
    assert stat.S_IMODE(data_dir.stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE((data_dir / "bootstrap.json").stat().st_mode) == 0o600
    for name in ("rime.db", "instance-key"):
        assert stat.S_IMODE((data_dir / name).stat().st_mode) == 0o600, name
    for name in ("rime.db-wal", "rime.db-shm"):
        if (data_dir / name).exists():
            assert stat.S_IMODE((data_dir / name).stat().st_mode) & 0o077 == 0, name


def test_the_bootstrap_banner_is_printed_once(tmp_path: Path) -> None:
    """With the banner on, the first start prints the credentials; later starts never do."""
    data_dir, log = tmp_path / "data", tmp_path / "serve.log"
    with serving(data_dir, log, banner=True) as first:
        boot = first.bootstrap()
    assert log.read_text().count(boot["api_token"]) == 1
    assert log.read_text().count(boot["admin_password"]) == 1
    with serving(data_dir, log, banner=True):
        pass
    text = log.read_text()
    assert text.count("rime-tui local instance:") == 2
    assert text.count(boot["api_token"]) == 1
    assert text.count(boot["admin_password"]) == 1
