"""What the RI Platform accepts, as the UI checks it before sending: one home in the UI.

The local instance enforces the same rules (``rime_tui/server/store.py``); importing
them from there would load the server, so the UI keeps its own copy here until both
share one wire module.
"""

from __future__ import annotations

MAX_NAME_LENGTH = 100
"""The longest token, workspace or project name, in characters."""

CONTROL_CHARACTERS = frozenset(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)])
"""C0 and C1 control characters and DEL: never in a name, never sent to the terminal."""

TOKEN_LIMIT = 200
"""API tokens an RI Platform instance holds at most, across all workspaces (the same
as :data:`rime_tui.api.tokens.TOKEN_LIMIT`; a test keeps them equal)."""
