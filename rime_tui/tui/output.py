"""What rime-tui writes to the terminal: only the cells that changed.

Textual paints a pushed screen in full, and a page that fills in paints its rows two or
three times; over SSH every byte crosses the link. :class:`TerminalMirror` keeps what
the terminal shows, cell by cell, and turns each of Textual's updates (pieces of lines,
placed by :mod:`rime_tui.tui.compat`, which reads them from Textual) into the shortest
run per line that makes the terminal show the new frame: a line that reads the same is
not written, a line that changed is written from its first changed cell to its last.

A cell is ``(characters, before, after)``: what it shows and the escape sequences that
style it (Textual's own, :meth:`textual.strip.Strip.render_style`), so two cells are
equal exactly when writing either gives the same picture. A wide character takes two
cells (the second is :data:`WIDE`), and a run never splits one. When the mirror cannot
know what the terminal shows (the start, a resize, the app coming back from the
background, ctrl+l) it forgets, and the next update writes every cell it covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

Cell = tuple[str, str, str]  # characters, the escape sequences before and after them
Line = list[Cell | None]  # None: the mirror does not know what that cell shows
WIDE: Cell = ("", "", "")  # the right half of a wide character


class TerminalMirror:
    """What the terminal shows, and what to write to make it show a new frame."""

    def __init__(self) -> None:
        self.width = 0
        self.height = 0
        self.lines: list[Line] = []
        self._styles: dict[Style | None, tuple[str, str]] = {None: ("", "")}
        self._color_system = ColorSystem.TRUECOLOR

    def forget(self) -> None:
        """The terminal may show anything: the next update writes all it covers."""
        self.lines = [[None] * self.width for _ in range(self.height)]

    def update(
        self,
        pieces: Iterable[tuple[int, int, Strip]],
        size: tuple[int, int],
        color_system: ColorSystem,
    ) -> str:
        """What to write so that the terminal shows *pieces* (``(x, y, strip)``: a strip
        placed at column x of line y) over what it showed, for a terminal of *size*."""
        width, height = size
        if (width, height) != (self.width, self.height) or color_system != self._color_system:
            self.width, self.height, self._color_system = width, height, color_system
            self._styles = {None: ("", "")}
            self.forget()
        changed: dict[int, Line] = {}
        for x, y, strip in pieces:
            if not 0 <= y < height:
                continue
            if y not in changed:
                changed[y] = list(self.lines[y])
            self._place(changed[y], x, strip)
        written: list[str] = []
        for y in sorted(changed):
            new, old = changed[y], self.lines[y]
            if new == old:
                continue
            start, end = _changed_span(old, new)
            for run_start, run in _known_runs(new, start, end):
                written.append(f"\x1b[{y + 1};{run_start + 1}H{_render(run)}")
            self.lines[y] = new
        return "".join(written)

    def _place(self, line: Line, x: int, strip: Strip) -> None:
        """Put *strip*'s cells into *line* from column *x* (clipped to the line)."""
        cells = self._cells(strip)
        if x < 0:
            cells, x = cells[-x:], 0
        end = min(x + len(cells), len(line))
        if end <= x:
            return
        cuts_left = x > 0 and line[x] == WIDE  # the right half of a wide character
        line[x:end] = cells[: end - x]
        # A wide character written over in part: what the terminal shows of the rest is
        # its own choice, so the mirror does not know it.
        if cuts_left or line[x] == WIDE:
            line[x - 1 if x > 0 else x] = None
        if end < len(line) and line[end] == WIDE:
            line[end] = None

    def _cells(self, strip: Strip | Sequence[Segment]) -> list[Cell | None]:
        cells: list[Cell | None] = []
        styles = self._styles
        for text, style, _ in strip:
            if not text:
                continue
            if (wrap := styles.get(style)) is None and style is not None:
                before, _, after = Strip.render_style(
                    style, "\0", color_system=self._color_system
                ).partition("\0")
                wrap = styles[style] = (before, after)
            before, after = wrap or ("", "")
            if text.isascii():
                cells.extend((character, before, after) for character in text)
                continue
            for character in text:
                size = cell_len(character)
                if size == 0 and cells and (last := cells[-1]) not in (None, WIDE):
                    cells[-1] = (last[0] + character, before, after)  # a combining mark
                elif size == 2:
                    cells.extend(((character, before, after), WIDE))
                elif size == 1:
                    cells.append((character, before, after))
        return cells


def _changed_span(old: Line, new: Line) -> tuple[int, int]:
    """The columns from the first cell that differs to the last, widened so that no wide
    character is split."""
    start, end = 0, len(new)
    while start < end and old[start] == new[start]:
        start += 1
    while end > start and old[end - 1] == new[end - 1]:
        end -= 1
    if start > 0 and new[start] == WIDE:
        start -= 1
    if end < len(new) and new[end] == WIDE:
        end += 1
    return start, end


def _known_runs(line: Line, start: int, end: int) -> Iterable[tuple[int, list[Cell]]]:
    """The runs of cells the mirror knows in ``line[start:end]``, with where each starts:
    a cell it does not know (after it forgot, one no update has covered) is not written."""
    run: list[Cell] = []
    for x in range(start, end):
        cell = line[x]
        if cell is None or (cell == WIDE and not run):  # half a character: not alone
            if run:
                yield x - len(run), run
            run = []
        else:
            run.append(cell)
    if run:
        yield end - len(run), run


def _render(cells: list[Cell]) -> str:
    """The escape sequences and characters that write *cells*, one style sequence per run
    of cells styled alike."""
    out: list[str] = []
    run: list[str] = []
    style: tuple[str, str] | None = None
    for text, before, after in cells:
        if (before, after) != style:
            if style is not None:
                out.append(style[0] + "".join(run) + style[1])
            run, style = [], (before, after)
        run.append(text)
    if style is not None:
        out.append(style[0] + "".join(run) + style[1])
    return "".join(out)
