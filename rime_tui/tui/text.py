"""Text from servers and users, made safe to put on the screen.

Names, descriptions and error messages come from the cluster (a remote one may
send anything) or from what was typed and pasted.  Control characters must never
reach the terminal, where an ESC starts an escape sequence: on one line, runs of
whitespace (tabs, line breaks) become one space; other control characters are
shown as visible symbols (ESC as ␛, NUL as ␀), and so are the invisible
characters that reorder or hide text (bidirectional overrides and isolates such
as U+202E, the zero-width space), as �.  Widgets that show such text do not
parse console markup, so ``[bold]x[/]`` in a name is shown as written.
"""

from __future__ import annotations

from textual.content import Content

from rime_tui.tui.limits import CONTROL_CHARACTERS, HIDDEN_CHARACTERS

_VISIBLE = str.maketrans(
    {
        **{c: chr(0x2400 + c) for c in range(0x20)},  # ␀ … ␟, the Unicode control pictures
        0x7F: "␡",
        **{c: "\ufffd" for c in [*range(0x80, 0xA0), *map(ord, HIDDEN_CHARACTERS)]},
    }
)


def visible(text: str) -> str:
    """*text* with tabs as spaces and every other control character but the line
    break made visible."""
    return "\n".join(line.translate(_VISIBLE) for line in text.replace("\t", " ").splitlines())


def one_line(text: str) -> str:
    """*text* on one line: whitespace runs become one space, control characters visible."""
    return " ".join(text.split()).translate(_VISIBLE)


def input_text(text: str) -> str:
    """What an input field keeps of typed or pasted *text*: tabs and line breaks
    become spaces, other control characters are dropped."""
    return "".join(
        " " if c.isspace() else c for c in text if c.isspace() or c not in CONTROL_CHARACTERS
    )


def label_rows(rows: list[tuple[str, str]]) -> Content:
    """``Label   value`` lines, labels bold and aligned; values made visible, not parsed."""
    width = max(len(label) for label, _ in rows)
    return Content("\n").join(
        Content.assemble((f"{label:<{width}}", "bold"), " ", visible(value))
        for label, value in rows
    )
