"""Fixtures of the TUI's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.tmux import tmux_server


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[list[str]]:
    """A tmux server of the test's own (tests/support/tmux.py)."""
    yield from tmux_server(tmp_path)
