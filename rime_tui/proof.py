"""The instance key, and the proof an instance gives of holding it.

Each data dir has a random key in ``DIR/instance-key`` (mode 0600). Asked with a
fresh random challenge in ``GET /healthz``, the instance answers with an HMAC of
the challenge and of the address it was reached at (so that a stranger cannot
relay the challenge to the real instance on another port). rime-tui's own tools
no longer need this: they reach their instance over its private line, the Unix
socket in the data dir (:mod:`rime_tui.local`), where no stranger can answer.
It is kept for checking what answers on the TCP port (the helpers below).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import stat
from pathlib import Path

from rime_tui.paths import INSTANCE_KEY_FILE, write_private

_CHALLENGE = re.compile(r"[0-9a-f]{32,128}")


class InstanceKeyError(Exception):
    """The instance key is missing, unreadable or not private."""


def read_key(data_dir: Path) -> bytes:
    """The data dir's instance key; InstanceKeyError when absent or readable by others."""
    path = data_dir / INSTANCE_KEY_FILE
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise InstanceKeyError(f"cannot read {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
            raise InstanceKeyError(f"{path} is not private to you (it must be yours, mode 0600)")
        text = handle.read(200).decode("ascii", "replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 32:
        raise InstanceKeyError(f"{path} does not hold a key")
    return key


def ensure_key(data_dir: Path) -> bytes:
    """The data dir's instance key, created (0600) on first use."""
    path = data_dir / INSTANCE_KEY_FILE
    if not path.exists():
        draft = data_dir / f".{INSTANCE_KEY_FILE}.{secrets.token_hex(8)}.tmp"  # a new name
        write_private(draft, secrets.token_hex(32) + "\n")
        try:  # a whole key appears at once, or the one another process made stays
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
        finally:
            draft.unlink()
    return read_key(data_dir)


def new_challenge() -> str:
    return secrets.token_hex(32)


def valid_challenge(challenge: str) -> bool:
    return _CHALLENGE.fullmatch(challenge) is not None


def proof(key: bytes, challenge: str, host: str, port: int) -> str:
    """The answer to *challenge* from an instance reached at *host*:*port*."""
    message = f"rime-tui local instance\n{host}\n{port}\n{challenge}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def same_proof(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
