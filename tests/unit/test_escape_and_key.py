"""ESC and a character, as a terminal sends Esc then a key in one burst: Textual's own
parser reads them as Alt with that key; rime_tui.tui.app.escape_and_key splits it."""

from __future__ import annotations

import pytest
from textual import events
from textual._xterm_parser import XTermParser

from rime_tui.tui.app import escape_and_key


def parsed(data: str) -> list[events.Key]:
    """The keys Textual's terminal parser makes of *data* (its private parser: what a
    real terminal's bytes become; if it changes, this test says so)."""
    parser = XTermParser()
    return [e for e in [*parser.feed(data), *parser.feed("")] if isinstance(e, events.Key)]


@pytest.mark.parametrize(
    ("data", "keys"),
    [
        ("\x1by", [("escape", "\x1b"), ("y", "y")]),
        ("\x1bn", [("escape", "\x1b"), ("n", "n")]),
        ("\x1bR", [("escape", "\x1b"), ("R", "R")]),  # R: rotate, as typed alone
        ("\x1bd", [("escape", "\x1b"), ("d", "d")]),
    ],
)
def test_esc_then_a_letter_is_esc_then_the_letter(data: str, keys: list[tuple[str, str]]) -> None:
    (key,) = parsed(data)
    assert key.key.startswith("alt+")
    split = escape_and_key(key)
    assert split is not None
    assert [(k.key, k.character) for k in split] == keys
    # The letter is the same key as the letter typed by itself.
    (alone,) = parsed(data[1:])
    assert (split[1].key, split[1].character) == (alone.key, alone.character)


@pytest.mark.parametrize("data", ["y", "\x1b[1;3D", "\x1b\x1b", "\r"])
def test_other_keys_are_left_alone(data: str) -> None:
    assert all(escape_and_key(key) is None for key in parsed(data))
