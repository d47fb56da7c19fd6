"""Esc and the keys typed right after it, read from the terminal at once (over SSH,
from a fast typist, or from tmux send-keys): rime_tui/tui/compat.py makes Textual's
own parser send the Esc first. Textual alone read ESC y as Alt+y, ESC 7 as ¶, ESC
Enter as Enter, and after 32 more characters sent the Esc as "^"."""

from __future__ import annotations

import pytest
from textual import events
from textual._xterm_parser import XTermParser

from rime_tui.tui import compat

compat.split_escape_bursts()


def parsed(*reads: str) -> list[str]:
    """What the parser makes of *reads* (each one read from the terminal)."""
    parser = XTermParser()
    found = [event for data in reads for event in parser.feed(data)]
    found += list(parser.feed(""))
    return [e.key if isinstance(e, events.Key) else type(e).__name__ for e in found]


@pytest.mark.parametrize(
    ("data", "keys"),
    [
        ("\x1by", ["escape", "y"]),
        ("\x1bR", ["escape", "R"]),
        ("\x1b7", ["escape", "7"]),
        ("\x1b ", ["escape", "space"]),
        ("\x1b?", ["escape", "question_mark"]),
        ("\x1b\r", ["escape", "enter"]),
        ("\x1b\t", ["escape", "tab"]),
        ("c\x1bn" + "a" * 40 + "\r", ["c", "escape", "n", *["a"] * 40, "enter"]),
    ],
)
def test_esc_then_a_key_in_one_read_is_esc_then_the_key(data: str, keys: list[str]) -> None:
    assert parsed(data) == keys


@pytest.mark.parametrize(
    ("data", "keys"),
    [
        ("\x1b[A", ["up"]),
        ("\x1b[1;3D", ["alt+left"]),  # Alt with an arrow is a sequence of its own
        ("\x1bOP", ["f1"]),
        ("\x1b\x1b", ["escape", "escape"]),
        ("\x1b[<0;5;5M", ["MouseDown"]),
        ("\x1b[200~ab\x1b[201~", ["Paste"]),
        ("x", ["x"]),
    ],
)
def test_sequences_and_other_keys_are_read_as_before(data: str, keys: list[str]) -> None:
    assert parsed(data) == keys


def test_an_esc_inside_a_bracketed_paste_is_left_to_textual() -> None:
    # Textual itself mangles an ESC in a paste; the split must not add an Esc key to it,
    # even when the paste spans reads, and must work again once the paste is over.
    assert "escape" not in parsed("\x1b[200~a", "\x1bbc", "\x1b[201~")
    assert parsed("\x1b[200~a", "b\x1b[201~", "\x1by") == ["Paste", "escape", "y"]


def test_an_esc_alone_in_its_read_still_waits_for_what_follows() -> None:
    assert parsed("\x1b", "[A") == ["up"]
