"""What the RI Platform accepts, as the UI checks it before sending: one home in the UI.

The values are :mod:`rime_tui.wire`'s, which the local instance enforces too; those
modules load no pydantic, so the first paint does not pay for them.
"""

from __future__ import annotations

from rime_tui.wire.constants import MAX_EXPIRY_DAYS, MAX_NAME_LENGTH
from rime_tui.wire.constants import MAX_TOKENS as TOKEN_LIMIT
from rime_tui.wire.text import CONTROL as CONTROL_CHARACTERS
from rime_tui.wire.text import hidden_at, refused_at

__all__ = [
    "CONTROL_CHARACTERS",
    "MAX_EXPIRY_DAYS",
    "MAX_NAME_LENGTH",
    "TOKEN_LIMIT",
    "hidden_at",
    "refused_at",
]
