"""Text from servers and users, made safe to put on the screen.

Names, descriptions and error messages come from the cluster (a remote one may
send anything) or from what was typed and pasted.  Control characters must never
reach the terminal, where an ESC starts an escape sequence: on one line, a run of
line breaks (CR LF, or the CR CR a terminal sends for a pasted CR LF) becomes one
space, as does each tab, as in an input field, so that a name is shown as it is
stored (spaces typed twice stay two); other control characters are
shown as visible symbols (ESC as ␛, NUL as ␀), and so are the invisible
characters that reorder or hide text (bidirectional overrides and isolates such
as U+202E, the zero-width space, tag characters: :mod:`rime_tui.wire.text`),
as �.  Widgets that show such text do not parse console markup, so ``[bold]x[/]``
in a name is shown as written.
"""

from __future__ import annotations

import re

from textual.content import Content

from rime_tui.tui.limits import CONTROL_CHARACTERS, hidden_at

LINE_BREAKS = re.compile(r"[\r\n]+")
"""A run of line breaks: one space on one line (terminals send a pasted LF as CR)."""

_VISIBLE = str.maketrans(
    {
        **{c: chr(0x2400 + c) for c in range(0x20)},  # ␀ … ␟, the Unicode control pictures
        0x7F: "␡",
        **{c: "\ufffd" for c in range(0x80, 0xA0)},
    }
)


def _shown(text: str) -> str:
    """*text* with control characters as symbols and hidden characters as �."""
    hidden = set(hidden_at(text))
    if hidden:
        text = "".join("\ufffd" if i in hidden else c for i, c in enumerate(text))
    return text.translate(_VISIBLE)


def visible(text: str) -> str:
    """*text* with tabs as spaces and every other control character but the line
    break made visible."""
    return "\n".join(_shown(line) for line in text.replace("\t", " ").splitlines())


def one_line(text: str) -> str:
    """*text* on one line, its ends trimmed: a run of line breaks and each other
    whitespace character become one space (as in :func:`input_text`), control
    characters visible."""
    return _shown(_spaced(text).strip())


def input_text(text: str) -> str:
    """What an input field keeps of typed or pasted *text*: a run of line breaks and
    each tab become one space, other control characters are dropped."""
    return "".join(c for c in _spaced(text) if c not in CONTROL_CHARACTERS)


def _spaced(text: str) -> str:
    return "".join(" " if c.isspace() else c for c in LINE_BREAKS.sub(" ", text))


def label_rows(rows: list[tuple[str, str]]) -> Content:
    """``Label   value`` lines, labels bold and aligned; values made visible, not parsed."""
    width = max(len(label) for label, _ in rows)
    return Content("\n").join(
        Content.assemble((f"{label:<{width}}", "bold"), " ", visible(value))
        for label, value in rows
    )
