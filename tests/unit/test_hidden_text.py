"""The characters that hide themselves (rime_tui.wire.text), one source of truth for the
local instance's refusals, the TUI's check before sending, and what the TUI shows."""

from __future__ import annotations

import unicodedata
from itertools import pairwise

import pytest

from rime_tui.tui.screens.tokens import validate_name
from rime_tui.tui.text import one_line
from rime_tui.wire.text import DEFAULT_IGNORABLE, hidden_at, is_default_ignorable, refused_at


def test_the_default_ignorable_ranges_are_sorted_and_apart() -> None:
    for (_, last, _), (first, _, _) in pairwise(DEFAULT_IGNORABLE):
        assert last < first
    assert sum(last - first + 1 for first, last, _ in DEFAULT_IGNORABLE) == 4174  # Unicode 14.0


def test_the_default_ignorable_ranges_have_the_categories_unicode_gives_them() -> None:
    """Each range's general category, as unicodedata has it. A later Unicode may assign
    a reserved (Cn) code point; an assigned one never changes category here."""
    for first, last, category in DEFAULT_IGNORABLE:
        for code in range(first, last + 1):
            found = unicodedata.category(chr(code))
            if unicodedata.unidata_version == "14.0.0" or category != "Cn":
                assert found == category, (hex(code), found, category)
    # Every format character Unicode 14.0 calls default-ignorable is in the table (the
    # others, such as U+0600 ARABIC NUMBER SIGN, are refused as Cf anyway).
    assert is_default_ignorable("\u00ad") and not is_default_ignorable("\u0600")
    assert not is_default_ignorable("a") and not is_default_ignorable("\U000e1000")


# The characters of issue J, finding 7: each was accepted in names.
INVISIBLE = {
    "TAG LATIN SMALL LETTER X": "\U000e0078",
    "CANCEL TAG": "\U000e007f",
    "SOFT HYPHEN": "\u00ad",
    "INHIBIT SYMMETRIC SWAPPING": "\u206a",
    "NOMINAL DIGIT SHAPES": "\u206f",
    "HANGUL FILLER": "\u3164",
    "HANGUL CHOSEONG FILLER": "\u115f",
    "BRAILLE PATTERN BLANK": "\u2800",
    "INTERLINEAR ANNOTATION ANCHOR": "\ufff9",
    "INTERLINEAR ANNOTATION TERMINATOR": "\ufffb",
    "COMBINING GRAPHEME JOINER": "\u034f",
    "KHMER VOWEL INHERENT AQ": "\u17b4",
    "PRIVATE USE": "\ue000",
    "UNASSIGNED": "\U000e1000",
    "VARIATION SELECTOR-1": "\ufe00",
}


@pytest.mark.parametrize("char", list(INVISIBLE.values()), ids=list(INVISIBLE))
def test_invisible_characters_are_refused_and_shown(char: str) -> None:
    name = f"ci{char}"
    assert refused_at(name) == 2
    assert one_line(name) == "ci\ufffd"
    assert f"U+{ord(char):04X} at position 3" in (validate_name(name) or "")


KEPT = {
    "family (ZWJ)": "👩\u200d👩\u200d👧 team",
    "Persian (ZWNJ)": "می\u200cخواهم",
    "heart (VS16)": "❤\ufe0f team",
    "rainbow flag (VS16, ZWJ)": "🏳\ufe0f\u200d🌈",
    "flag of Scotland (tags)": "\U0001f3f4"
    + "".join(chr(0xE0000 + ord(c)) for c in "gbsct")
    + "\U000e007f",
}


@pytest.mark.parametrize("name", list(KEPT.values()), ids=list(KEPT))
def test_joiners_selectors_and_flag_tags_are_kept_where_they_join(name: str) -> None:
    assert refused_at(name) is None
    assert one_line(name) == name
    assert validate_name(name) is None


@pytest.mark.parametrize(
    ("name", "at"),
    [
        ("\u200dci", 0),  # a joiner that joins nothing
        ("ci\u200c", 2),
        ("c\u200d\u200di", 1),
        ("\ufe0fci", 0),  # a selector of nothing
        ("ci\U000e0067\U000e007f", 2),  # tags after anything but the black flag
        ("\U0001f3f4\U000e0067", 1),  # a tag sequence without its CANCEL TAG
        # a hidden character right after a kept sequence, or right before a flag
        ("❤\ufe0f\u200b", 2),
        ("c\u200di\u200b", 3),
        ("\u200b" + KEPT["flag of Scotland (tags)"], 0),
    ],
)
def test_joiners_selectors_and_tags_that_join_nothing_are_refused(name: str, at: int) -> None:
    assert next(hidden_at(name)) == at


@pytest.mark.parametrize(
    ("text", "allowed", "at"),
    [
        ("ci\x1b[2J", "", 2),  # an ESC starts a terminal escape sequence
        ("a\nb\tc", "", 1),
        ("a\nb\tc", "\n\t", None),  # descriptions may hold line breaks and tabs
        ("a\nb\x7f", "\n", 3),
        ("a\u200b\x1b", "", 1),  # the first of a hidden and a control character
        ("a\x1b\u200b", "", 1),
    ],
)
def test_control_characters_are_refused_unless_allowed(
    text: str, allowed: str, at: int | None
) -> None:
    assert refused_at(text, allowed=allowed) == at
