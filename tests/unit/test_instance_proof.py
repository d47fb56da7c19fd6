"""The instance key and the proof an instance gives of holding it (rime_tui/proof.py),
as a stranger on the machine meets them: the key is private and whole, and a proof
answers one challenge, for one key, at one address only."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

import httpx
import pytest

from rime_tui.paths import INSTANCE_KEY_FILE
from rime_tui.proof import (
    InstanceKeyError,
    ensure_key,
    new_challenge,
    proof,
    read_key,
    same_proof,
    valid_challenge,
)
from rime_tui.wire.constants import CHALLENGE_HEADER, PROOF_HEADER
from tests.support.local import Local


def test_a_new_key_is_private_random_and_kept(tmp_path: Path) -> None:
    key = ensure_key(tmp_path)
    path = tmp_path / INSTANCE_KEY_FILE
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == key.hex() + "\n"
    assert ensure_key(tmp_path) == key == read_key(tmp_path)  # kept, not replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == [INSTANCE_KEY_FILE]  # no draft left
    other = tmp_path / "other"
    other.mkdir()
    assert ensure_key(other) != key


def test_a_key_made_by_another_process_meanwhile_is_the_one_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process made the key between ensure_key's look and its link (the race
    is set up by hiding the key from that look): theirs stays, no draft is left."""
    path = tmp_path / INSTANCE_KEY_FILE
    theirs = bytes(range(32))
    path.write_text(theirs.hex())
    path.chmod(0o600)
    monkeypatch.setattr(Path, "exists", lambda self: False)
    assert ensure_key(tmp_path) == theirs
    assert [p.name for p in tmp_path.iterdir()] == [INSTANCE_KEY_FILE]


@pytest.mark.parametrize(
    ("text", "mode", "says"),
    [
        (None, 0o600, "cannot read"),
        ("ab" * 32, 0o640, "is not private to you"),
        ("ab" * 32, 0o604, "is not private to you"),
        ("ab" * 32, 0o601, "is not private to you"),
        ("ab" * 31, 0o600, "does not hold a key"),  # 31 bytes: too short
        ("zz" * 32, 0o600, "does not hold a key"),
        ("", 0o600, "does not hold a key"),
    ],
)
def test_a_key_that_is_missing_shared_or_short_is_refused(
    tmp_path: Path, text: str | None, mode: int, says: str
) -> None:
    path = tmp_path / INSTANCE_KEY_FILE
    if text is not None:
        path.write_text(text)
        path.chmod(mode)
    with pytest.raises(InstanceKeyError, match=says) as refused:
        read_key(tmp_path)
    assert str(path) in str(refused.value)


def test_a_key_of_32_bytes_and_more_is_read_whitespace_aside(tmp_path: Path) -> None:
    path = tmp_path / INSTANCE_KEY_FILE
    path.write_text("  " + "0f" * 32 + "\n\n")
    path.chmod(0o600)
    assert read_key(tmp_path) == bytes([15]) * 32
    path.write_text("0f" * 40)
    assert read_key(tmp_path) == bytes([15]) * 40


def test_only_the_first_200_characters_are_read_and_others_than_ascii_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / INSTANCE_KEY_FILE
    path.write_text("0f" * 32 + " " * 136 + "zz")  # "zz" from the 201st on: not read
    path.chmod(0o600)
    assert read_key(tmp_path) == bytes([15]) * 32
    path.write_bytes(b"0f" * 32 + b"\xff")
    with pytest.raises(InstanceKeyError, match="does not hold a key"):
        read_key(tmp_path)


def test_a_symlinked_key_is_not_followed(tmp_path: Path) -> None:
    """A stranger who could plant a link must not make the instance use their key."""
    planted = tmp_path / "planted"
    planted.write_text("ab" * 32)
    planted.chmod(0o600)
    (tmp_path / INSTANCE_KEY_FILE).symlink_to(planted)
    with pytest.raises(InstanceKeyError, match="cannot read"):
        read_key(tmp_path)


def test_a_key_owned_by_someone_else_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chowning needs root; seen from another user id instead (os.getuid patched)."""
    path = tmp_path / INSTANCE_KEY_FILE
    path.write_text("ab" * 32)
    path.chmod(0o600)
    monkeypatch.setattr(os, "getuid", lambda: path.stat().st_uid + 1)
    with pytest.raises(InstanceKeyError, match="is not private to you"):
        read_key(tmp_path)


def test_challenges_are_32_to_128_lowercase_hex_digits() -> None:
    fresh = {new_challenge() for _ in range(3)}
    assert len(fresh) == 3 and all(len(c) == 64 and valid_challenge(c) for c in fresh)
    assert valid_challenge("0" * 32) and valid_challenge("f" * 128)
    for bad in ("0" * 31, "0" * 129, "A" * 32, "g" * 32, "0" * 32 + "\n", " " + "0" * 32, ""):
        assert not valid_challenge(bad), bad


def test_a_proof_answers_one_challenge_for_one_key_at_one_address() -> None:
    key, challenge = bytes(32), "ab" * 16
    answer = proof(key, challenge, "127.0.0.1", 8080)
    message = f"rime-tui local instance\n127.0.0.1\n8080\n{challenge}".encode()
    assert answer == hmac.new(key, message, hashlib.sha256).hexdigest()
    others = {
        proof(bytes([1]) + key[1:], challenge, "127.0.0.1", 8080),
        proof(key, "cd" * 16, "127.0.0.1", 8080),
        proof(key, challenge, "127.0.0.2", 8080),
        proof(key, challenge, "127.0.0.1", 8081),  # relayed to the instance on another port
    }
    assert answer not in others and len(others) == 4
    assert same_proof(answer, answer)
    assert not same_proof(answer, answer[:-1] + ("0" if answer[-1] != "0" else "1"))


def test_the_instance_answers_a_challenge_with_its_proof(local: Local) -> None:
    """GET /healthz with a challenge: the proof for this data dir's key and the address
    reached; no proof for a malformed challenge."""
    key = read_key(local.data_dir)
    port = httpx.URL(local.url).port
    assert port is not None
    challenge = new_challenge()
    with httpx.Client(base_url=local.url) as http:
        answered = http.get("/healthz", headers={CHALLENGE_HEADER: challenge})
        assert answered.status_code == 200
        assert same_proof(answered.headers[PROOF_HEADER], proof(key, challenge, "127.0.0.1", port))
        bad = http.get("/healthz", headers={CHALLENGE_HEADER: "0" * 31})
        assert bad.status_code == 200 and PROOF_HEADER not in bad.headers
