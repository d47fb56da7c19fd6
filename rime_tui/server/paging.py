"""Paging of list answers: page sizes and the page-token codec.

Lists are paged by keyset over each table's ``seq``: a page token stands for the
``seq`` of the last row of the previous page, in one kind of list. It is opaque
to clients, and a token of another list (or one this server never handed out) is
refused with a 400.
"""

from __future__ import annotations

import base64
import binascii
import sqlite3
from dataclasses import dataclass

from rime_tui.server.errors import invalid
from rime_tui.wire.constants import MAX_PAGE_SIZE

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_TOKEN_LENGTH = 200
MAX_SEQ = 2**63 - 1  # the largest position SQLite can hold


@dataclass(frozen=True)
class Paged:
    """The rows of one page, and where the next one starts."""

    rows: list[sqlite3.Row]
    next_page_token: str
    has_more: bool


def encode_page_token(kind: str, seq: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{kind}:{seq}".encode()).decode().rstrip("=")


def decode_page_token(kind: str, token: str) -> int:
    """The position a page token stands for; 0 for the first page."""
    if not token:
        return 0
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        _, _, seq = raw.split(":")
        position = int(seq)
        # Only the exact text this server hands out for this list (the token encodes to
        # itself again: no other version or list, no signs, spaces, underscores or
        # non-ASCII digits that int() would take), and a position SQLite can hold.
        if not 0 <= position <= MAX_SEQ or encode_page_token(kind, position) != token:
            raise ValueError(raw)
        return position
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid(
            "pageToken is not valid here; pass the nextPageToken of a previous answer "
            "of the same list, or none for the first page."
        ) from None


def check_page_size(page_size: int | None) -> int:
    """The page size asked for, at most MAX_PAGE_SIZE; DEFAULT_PAGE_SIZE for none or 0."""
    if page_size is not None and page_size < 0:
        raise invalid(f"pageSize must be between 1 and {MAX_PAGE_SIZE}, not {page_size}.")
    return min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
