"""Secrets: API token and session generation, digests, password hashing."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

TOKEN_PREFIX = "rime_"
SUFFIX_LENGTH = 4
# scrypt at n=2**14, r=8 costs ~16 MiB and tens of milliseconds per guess.
_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1


def new_api_token() -> str:
    """``rime_`` + 240 random bits, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(30)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def new_password() -> str:
    return secrets.token_urlsafe(15)


def digest(secret: str) -> str:
    """The SHA-256 digest stored in place of a secret; secrets carry >= 160 bits."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(
        password.encode("utf-8", "surrogatepass"),
        salt=salt,
        n=_SCRYPT_N,
        r=_SCRYPT_R,
        p=_SCRYPT_P,
        dklen=32,
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(
            password.encode("utf-8", "surrogatepass"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=32,
        )
    except ValueError:
        return False
    return hmac.compare_digest(candidate, base64.b64decode(key))


@functools.cache
def dummy_password_hash() -> str:
    """Verified against when the email is unknown, so both cases cost the same."""
    return hash_password(secrets.token_urlsafe(16))
