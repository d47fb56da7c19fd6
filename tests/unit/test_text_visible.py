"""Text from a real cluster that hides or reorders itself is shown visibly (issue 8)."""

from __future__ import annotations

import pytest

from rime_tui.tui.text import one_line, visible


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("report\u202etxt.exe", "report\ufffdtxt.exe"),  # RIGHT-TO-LEFT OVERRIDE
        ("a\u2066b\u2069c", "a\ufffdb\ufffdc"),  # isolates
        ("Work\u200bspace", "Work\ufffdspace"),  # ZERO WIDTH SPACE
        ("\ufeffWorkspace 1", "\ufffdWorkspace 1"),  # BYTE ORDER MARK
        ("left\u200emark", "left\ufffdmark"),
        ("esc\x1b[2J", "esc␛[2J"),
        ("c1\x9b31m", "c1\ufffd31m"),
        ("👩\u200d👩\u200d👧", "👩\u200d👩\u200d👧"),  # joiners make one emoji: kept
    ],
)
def test_hidden_characters_are_shown(name: str, shown: str) -> None:
    assert one_line(name) == shown
    assert visible(name) == shown
