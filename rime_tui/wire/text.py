"""The characters that must never reach a screen as they are.

The local instance refuses them in names, emails and descriptions (descriptions
may hold line breaks and tabs), and the TUI before it sends; the UI shows them
as visible symbols, since a remote cluster may send anything.

Hidden are: the Unicode property Default_Ignorable_Code_Point (:data:`DEFAULT_IGNORABLE`),
the general categories Cf (format), Co (private use), Cn (unassigned), Cs (surrogates),
Zl and Zp (line and paragraph separators), and U+2800 BRAILLE PATTERN BLANK. Three
sequences are kept, because visible text needs them and they join visible characters
only:

- the zero-width joiner and non-joiner (U+200D, U+200C) between two visible
  characters: emoji sequences such as 👩‍👩‍👧, and scripts such as Persian;
- the text and emoji presentation selectors (U+FE0E, U+FE0F) right after a
  visible character: ❤️, 🏳️‍🌈;
- an emoji tag sequence, U+1F3F4 then tag characters (U+E0020 to U+E007E) and
  CANCEL TAG (U+E007F): the flags of Scotland or Wales.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator

CONTROL = frozenset(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)])
"""C0 and C1 controls and DEL: an ESC starts a terminal escape sequence."""

# Default_Ignorable_Code_Point, from DerivedCoreProperties.txt of Unicode 14.0 (the
# version of Python 3.11's unicodedata): (first, last, general category in 14.0).
# tests/unit/test_hidden_text.py checks the categories against unicodedata.
DEFAULT_IGNORABLE: tuple[tuple[int, int, str], ...] = (
    (0x00AD, 0x00AD, "Cf"),  # SOFT HYPHEN
    (0x034F, 0x034F, "Mn"),  # COMBINING GRAPHEME JOINER
    (0x061C, 0x061C, "Cf"),  # ARABIC LETTER MARK
    (0x115F, 0x1160, "Lo"),  # HANGUL CHOSEONG FILLER..HANGUL JUNGSEONG FILLER
    (0x17B4, 0x17B5, "Mn"),  # KHMER VOWEL INHERENT AQ..AA
    (0x180B, 0x180D, "Mn"),  # MONGOLIAN FREE VARIATION SELECTOR ONE..THREE
    (0x180E, 0x180E, "Cf"),  # MONGOLIAN VOWEL SEPARATOR
    (0x180F, 0x180F, "Mn"),  # MONGOLIAN FREE VARIATION SELECTOR FOUR
    (0x200B, 0x200F, "Cf"),  # ZERO WIDTH SPACE..RIGHT-TO-LEFT MARK
    (0x202A, 0x202E, "Cf"),  # LEFT-TO-RIGHT EMBEDDING..RIGHT-TO-LEFT OVERRIDE
    (0x2060, 0x2064, "Cf"),  # WORD JOINER..INVISIBLE PLUS
    (0x2065, 0x2065, "Cn"),  # <reserved-2065>
    (0x2066, 0x206F, "Cf"),  # LEFT-TO-RIGHT ISOLATE..NOMINAL DIGIT SHAPES
    (0x3164, 0x3164, "Lo"),  # HANGUL FILLER
    (0xFE00, 0xFE0F, "Mn"),  # VARIATION SELECTOR-1..16
    (0xFEFF, 0xFEFF, "Cf"),  # ZERO WIDTH NO-BREAK SPACE
    (0xFFA0, 0xFFA0, "Lo"),  # HALFWIDTH HANGUL FILLER
    (0xFFF0, 0xFFF8, "Cn"),  # <reserved-FFF0>..<reserved-FFF8>
    (0x1BCA0, 0x1BCA3, "Cf"),  # SHORTHAND FORMAT LETTER OVERLAP..UP STEP
    (0x1D173, 0x1D17A, "Cf"),  # MUSICAL SYMBOL BEGIN BEAM..END PHRASE
    (0xE0000, 0xE0000, "Cn"),  # <reserved-E0000>
    (0xE0001, 0xE0001, "Cf"),  # LANGUAGE TAG
    (0xE0002, 0xE001F, "Cn"),  # <reserved-E0002>..<reserved-E001F>
    (0xE0020, 0xE007F, "Cf"),  # TAG SPACE..CANCEL TAG
    (0xE0080, 0xE00FF, "Cn"),  # <reserved-E0080>..<reserved-E00FF>
    (0xE0100, 0xE01EF, "Mn"),  # VARIATION SELECTOR-17..256
    (0xE01F0, 0xE0FFF, "Cn"),  # <reserved-E01F0>..<reserved-E0FFF>
)
_STARTS = [first for first, _, _ in DEFAULT_IGNORABLE]

HIDDEN_CATEGORIES = frozenset({"Cf", "Co", "Cn", "Cs", "Zl", "Zp"})
BLANK_SYMBOLS = frozenset("\u2800")
"""Symbols that draw nothing, though neither ignorable nor a format character:
U+2800 BRAILLE PATTERN BLANK."""

JOINERS = frozenset("\u200c\u200d")
PRESENTATION_SELECTORS = frozenset("\ufe0e\ufe0f")
_TAG_SEQUENCE = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")


def is_default_ignorable(char: str) -> bool:
    code = ord(char)
    at = bisect.bisect_right(_STARTS, code) - 1
    return at >= 0 and code <= DEFAULT_IGNORABLE[at][1]


def is_hidden(char: str) -> bool:
    """A character that is invisible, or reorders or hides text (controls aside)."""
    return (
        is_default_ignorable(char)
        or unicodedata.category(char) in HIDDEN_CATEGORIES
        or char in BLANK_SYMBOLS
    )


def _visible(char: str) -> bool:
    return char not in CONTROL and not char.isspace() and not is_hidden(char)


def hidden_at(text: str) -> Iterator[int]:
    """The positions in *text* of the characters that are hidden (:func:`is_hidden`) and
    not part of a kept sequence (the module's docstring); control characters aside."""
    if text.isascii():
        return
    tags = {
        i for found in _TAG_SEQUENCE.finditer(text) for i in range(found.start() + 1, found.end())
    }
    for i, char in enumerate(text):
        if i in tags or not is_hidden(char):
            continue
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if char in PRESENTATION_SELECTORS and before and _visible(before):
            continue
        if (
            char in JOINERS
            and before
            and after
            and (_visible(before) or before in PRESENTATION_SELECTORS)
            and _visible(after)
        ):
            continue
        yield i


def refused_at(text: str, *, allowed: str = "") -> int | None:
    """The position of the first character of *text* that is a control character (other
    than those in *allowed*) or hidden (:func:`hidden_at`), or None."""
    control = next((i for i, c in enumerate(text) if c in CONTROL and c not in allowed), None)
    hidden = next(hidden_at(text), None)
    found = [i for i in (control, hidden) if i is not None]
    return min(found) if found else None
