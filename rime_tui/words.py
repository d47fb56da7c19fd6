"""Words shared by the TUI and the commands."""

from __future__ import annotations


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 workspace``, ``2 workspaces``: *count* and the noun that fits it (*many*
    defaults to *one* + "s")."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
