"""Skips that cannot hide a regression: a test whose tool or privilege is missing skips
on a developer's machine, and fails where its ``RIME_TUI_REQUIRE_*`` flag is set. .ci/run
sets every flag a test names (tests/unit/test_suite_rules.py checks that each skip in tests/
goes through :func:`require` with a flag .ci/run exports)."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def require(flag: str, problem: str) -> NoReturn:
    """Skip for *problem*, or fail when the environment sets *flag* to 1 (as CI does)."""
    assert flag.startswith("RIME_TUI_REQUIRE_"), flag
    if os.environ.get(flag) == "1":
        pytest.fail(f"{flag}=1 but {problem}")
    pytest.skip(f"{problem} (with {flag}=1 this fails instead)")
