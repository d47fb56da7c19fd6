"""The characters that must never reach a screen as they are.

The local instance refuses them in names, emails and descriptions (descriptions
may hold line breaks and tabs); the UI shows them as visible symbols, since a
remote cluster may send anything.
"""

from __future__ import annotations

import re

CONTROL = frozenset(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)])
"""C0 and C1 controls and DEL: an ESC starts a terminal escape sequence."""

HIDDEN = frozenset(
    chr(c)
    for c in [
        0x061C,  # Arabic letter mark
        0x180E,  # Mongolian vowel separator
        0x200B,  # zero-width space
        0x200E,  # left-to-right mark
        0x200F,  # right-to-left mark
        *range(0x2028, 0x202A),  # line and paragraph separators
        *range(0x202A, 0x202F),  # bidirectional embeddings and overrides
        *range(0x2060, 0x2065),  # word joiner, invisible operators
        *range(0x2066, 0x206A),  # bidirectional isolates
        0xFEFF,  # zero-width no-break space
    ]
)
"""Characters that hide or reorder text. The zero-width joiner and non-joiner
(U+200C, U+200D) are not among them: emoji sequences and scripts such as Persian
need them, and they only join visible characters."""

FORBIDDEN = re.compile("[" + "".join(re.escape(c) for c in sorted(CONTROL | HIDDEN)) + "]")
"""Matches one character of :data:`CONTROL` or :data:`HIDDEN`."""
