"""What rime-tui writes to the terminal: only the cells that changed.

Textual paints a pushed screen in full, and a page that fills in paints its rows two or
three times; over SSH every byte crosses the link. :class:`TerminalMirror` keeps what
the terminal shows, cell by cell, and turns each of Textual's updates (pieces of lines,
placed by :mod:`rime_tui.tui.compat`, which reads them from Textual) into the shortest
run per line that makes the terminal show the new frame: a line that reads the same is
not written, a line that changed is written from its first changed cell to its last.

A line is two lists: each cell's characters, and its style, a number standing for the
escape sequences that style it (Textual's own, :meth:`textual.strip.Strip.render_style`),
so two cells are equal exactly when writing either gives the same picture. A wide
character takes two cells (the second holds ``""``), and a run never splits one. When
the mirror cannot know what the terminal shows (the start, a resize, the app coming back from the
background, ctrl+l) it forgets, and the next update writes every cell it covers.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from rich.cells import cell_len, get_character_cell_size
from rich.color import ColorSystem
from rich.style import Style
from textual.strip import Strip

UNKNOWN = -1  # the style of a cell the mirror does not know
_JOINS = "\0"  # in the cache of texts' cells: a zero-width start, for the cell before


class Line:
    """One line of the terminal: each cell's characters and style."""

    __slots__ = ("chars", "styles")

    def __init__(self, chars: list[str], styles: list[int]) -> None:
        self.chars = chars
        self.styles = styles

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Line) and self.styles == other.styles and self.chars == other.chars

    def copy(self) -> Line:
        return Line(self.chars[:], self.styles[:])

    def wide_right(self, x: int) -> bool:
        """Whether cell *x* is the right half of a wide character."""
        return self.chars[x] == "" and self.styles[x] != UNKNOWN


class TerminalMirror:
    """What the terminal shows, and what to write to make it show a new frame."""

    def __init__(self) -> None:
        self.width = 0
        self.height = 0
        self.lines: list[Line] = []
        self._color_system = ColorSystem.TRUECOLOR
        self._forget_styles()

    def _forget_styles(self) -> None:
        self._ids: dict[Style | None, int] = {None: 0}  # a style -> its number
        self._numbers: dict[tuple[str, str], int] = {("", ""): 0}  # sequences -> number
        self._wraps: list[tuple[str, str]] = [("", "")]  # number -> sequences
        self._split: dict[str, list[str]] = {}  # a text not ASCII -> its cells

    def forget(self) -> None:
        """The terminal may show anything: the next update writes all it covers."""
        self.lines = [Line([""] * self.width, [UNKNOWN] * self.width) for _ in range(self.height)]

    def update(
        self,
        pieces: Iterable[tuple[int, int, Strip]],
        size: tuple[int, int],
        color_system: ColorSystem,
    ) -> str:
        """What to write so that the terminal shows *pieces* (``(x, y, strip)``: a strip
        placed at column x of line y) over what it showed, for a terminal of *size*."""
        width, height = size
        if (
            (width, height) != (self.width, self.height)
            or color_system != self._color_system
            or len(self._wraps) > 4096  # that many styles: number them again
        ):
            self.width, self.height, self._color_system = width, height, color_system
            self._forget_styles()
            self.forget()
        changed: dict[int, Line] = {}
        fresh: set[int] = set()  # lines written from column 0 on, piece after piece
        starts: dict[int, list[int]] = {}  # where each line's pieces start
        for x, y, strip in pieces:
            if not 0 <= y < height:
                continue
            starts.setdefault(y, []).append(x)
            if (line := changed.get(y)) is None:
                if x == 0:  # (a whole screen: every line, from its start)
                    line = changed[y] = Line([], [])
                    fresh.add(y)
                else:
                    line = changed[y] = self.lines[y].copy()
            if y in fresh:
                if x == len(line.chars):
                    self._cells(strip, line.chars, line.styles)
                    continue
                self._complete(line, y)
                fresh.discard(y)
            self._place(line, x, strip)
        for y in fresh:
            self._complete(changed[y], y)
        written: list[str] = []
        for y in sorted(changed):
            new, old = changed[y], self.lines[y]
            if new == old:
                continue
            start, end = _changed_span(old, new)
            for run_start, run_end in _known_runs(new, start, end):
                # The cursor placed again where each piece (a widget's part of the line)
                # starts, as Textual does: a character the terminal draws wider or
                # narrower than rich counts it shifts the rest of its piece only.
                cuts = [x for x in starts[y] if run_start < x < run_end and not new.wide_right(x)]
                for a, b in itertools.pairwise([run_start, *sorted(set(cuts)), run_end]):
                    written.append(f"\x1b[{y + 1};{a + 1}H")
                    written.append(self._render(new, a, b))
            self.lines[y] = new
        return "".join(written)

    def _complete(self, line: Line, y: int) -> None:
        """Make *line*, built from column 0, as wide as the terminal: the cells past its
        end are those the terminal shows on line *y*."""
        end = len(line.chars)
        if end > self.width:
            del line.chars[self.width :], line.styles[self.width :]
        elif end < self.width:
            old = self.lines[y]
            line.chars.extend(old.chars[end:])
            line.styles.extend(old.styles[end:])
            if end and line.wide_right(end):  # half of a wide character written over
                line.styles[end] = UNKNOWN

    def _place(self, line: Line, x: int, strip: Strip) -> None:
        """Put *strip*'s cells into *line* from column *x* (clipped to the line)."""
        chars: list[str] = []
        styles: list[int] = []
        self._cells(strip, chars, styles)
        if x < 0:
            chars, styles, x = chars[-x:], styles[-x:], 0
        end = min(x + len(chars), self.width)
        if end <= x:
            return
        cuts_left = x > 0 and line.wide_right(x)
        line.chars[x:end] = chars[: end - x]
        line.styles[x:end] = styles[: end - x]
        # A wide character written over in part: what the terminal shows of the rest is
        # its own choice, so the mirror does not know it.
        if cuts_left or (x > 0 and line.wide_right(x)):
            line.styles[x - 1] = UNKNOWN
        if end < self.width and line.wide_right(end):
            line.styles[end] = UNKNOWN
            line.chars[end] = ""

    def _cells(self, strip: Strip, chars: list[str], styles: list[int]) -> None:
        """Append *strip*'s cells to *chars* and *styles*."""
        ids, split = self._ids, self._split
        if len(ids) > 4096 or len(split) > 4096:  # Textual makes new styles all the time
            ids.clear()
            split.clear()
            ids[None] = 0
        for text, style, _ in strip:
            if not text:
                continue
            if (number := ids.get(style)) is None:
                number = ids[style] = self._number(style)
            if text.isascii():
                chars.extend(text)
                styles.extend([number] * len(text))
                continue
            if (cells := split.get(text)) is None:
                cells = split[text] = _split(text)
            if cells and cells[0].startswith(_JOINS):  # a mark for the cell before it
                cells = cells[:]
                at = len(chars) - 1 if not chars or chars[-1] else len(chars) - 2
                if at < 0:  # nothing before it in this strip: Textual's own output
                    raise ValueError(f"cannot place {text!r} in cells")
                chars[at] += cells.pop(0).removeprefix(_JOINS)
            chars.extend(cells)
            styles.extend([number] * len(cells))

    def _number(self, style: Style | None) -> int:
        """The number of *style*'s escape sequences (styles that write alike, alike)."""
        if style is None:
            return 0
        before, _, after = Strip.render_style(
            style, "\0", color_system=self._color_system
        ).partition("\0")
        if (number := self._numbers.get((before, after))) is None:
            number = self._numbers[(before, after)] = len(self._wraps)
            self._wraps.append((before, after))
        return number

    def _render(self, line: Line, start: int, end: int) -> str:
        """The escape sequences and characters that write ``line[start:end]``, one style
        sequence per run of cells styled alike."""
        out: list[str] = []
        chars, styles, wraps = line.chars, line.styles, self._wraps
        run_start = start
        for x in range(start + 1, end + 1):
            if x == end or styles[x] != styles[run_start]:
                before, after = wraps[styles[run_start]]
                out.append(before + "".join(chars[run_start:x]) + after)
                run_start = x
        return "".join(out)


def _split(text: str) -> list[str]:
    """*text*'s cells, as Textual counts them (rich's :func:`~rich.cells.cell_len`): a
    grapheme each (a character with its combining marks, an emoji joined with ZWJs),
    ``""`` after a wide one. A zero-width grapheme goes with the one before it; one
    that starts *text* is marked (``_JOINS``) for the cell before the text."""
    cells: list[str] = []
    for start, end, width in _graphemes(text):
        grapheme = text[start:end]
        if width == 1:
            cells.append(grapheme)
        elif width == 2:
            cells.extend((grapheme, ""))
        elif not cells:
            cells.append(_JOINS + grapheme)
        else:
            cells[-1 if cells[-1] else -2] += grapheme
    joins = 1 if cells and cells[0].startswith(_JOINS) else 0
    if len(cells) - joins != cell_len(text):  # the columns would drift: Textual's output
        raise ValueError(f"cannot place {text!r} in cells")
    return cells


def _graphemes(text: str) -> list[tuple[int, int, int]]:
    """Where each grapheme of *text* starts and ends, and its width in cells, as rich
    counts them: by grapheme from rich 15, a character at a time before."""
    try:
        from rich.cells import split_graphemes  # type: ignore[attr-defined, unused-ignore]
    except ImportError:  # rich 14
        return [(i, i + 1, get_character_cell_size(c)) for i, c in enumerate(text)]
    spans: list[tuple[int, int, int]] = split_graphemes(text)[0]
    return spans


def _changed_span(old: Line, new: Line) -> tuple[int, int]:
    """The columns from the first cell that differs to the last, widened so that no wide
    character is split."""
    start, end = 0, len(new.chars)
    old_chars, old_styles, new_chars, new_styles = old.chars, old.styles, new.chars, new.styles
    while (
        start < end
        and old_chars[start] == new_chars[start]
        and old_styles[start] == new_styles[start]
    ):
        start += 1
    while (
        end > start
        and old_chars[end - 1] == new_chars[end - 1]
        and old_styles[end - 1] == new_styles[end - 1]
    ):
        end -= 1
    if start > 0 and new.wide_right(start):
        start -= 1
    if end < len(new_chars) and new.wide_right(end):
        end += 1
    return start, end


def _known_runs(line: Line, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The runs of cells the mirror knows in ``line[start:end]``, as ``(start, end)``: a
    cell it does not know (after it forgot, one no update has covered) is not written,
    nor a wide character's right half on its own."""
    run_start = None
    for x in range(start, end):
        if line.styles[x] == UNKNOWN or (run_start is None and line.chars[x] == ""):
            if run_start is not None:
                yield run_start, x
            run_start = None
        elif run_start is None:
            run_start = x
    if run_start is not None:
        yield run_start, end
