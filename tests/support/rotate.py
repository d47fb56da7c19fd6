"""The requests of a rotate, in order, for tests that interrupt it at each of them (the
CLI's in tests/server/test_cli_interrupted.py, in process in tests/server/test_delivery.py,
the TUI's in tests/tui/test_tui_rotate_interrupted.py)."""

from __future__ import annotations

TOKENS = "/v1/users/api-tokens"
INFO = "/v1/rime-info"

# point -> (method, path, matching ones let through first); a rotate is interrupted while
# the one named is held.
POINTS = {
    "stand-in create": ("POST", TOKENS, 0),
    "stand-in check (stand-in made)": ("GET", INFO, 0),
    "old delete": ("DELETE", TOKENS + "/", 0),
    "new create (old deleted)": ("POST", TOKENS, 1),
    "new check (new made)": ("GET", INFO, 1),
    "stand-in delete": ("DELETE", TOKENS + "/", 1),
    "reading back (stand-in deleted)": ("GET", TOKENS, 1),  # the CLI's, for its output
}
ROTATE_POINTS = {point: where for point, where in POINTS.items() if not point.startswith("reading")}
"""The rotate's own requests (the TUI and the core read nothing back)."""
ROLLED_BACK = {"stand-in create", "stand-in check (stand-in made)"}
"""The points where the old token was not yet asked to go: nothing changes, nothing is
printed; at the others a secret is printed."""
