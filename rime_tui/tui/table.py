"""A row table whose columns fit the terminal, on every resize.

The screens give the columns (fixed widths, one flexible column that takes what
is left, and an order in which columns are dropped when even the minimum does
not fit) and the rows as cells by column key; the table lays them out for its
width, so it never scrolls sideways.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Span, Text
from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import DataTable


@dataclass(frozen=True)
class Tagged:
    """A cell's text and a tag after it (" (this session)") that stays in view when the
    text is cut to fit."""

    text: Text
    tag: Text

    def __str__(self) -> str:
        return f"{self.text.plain}{self.tag.plain}"


Cell = str | Text | Tagged
Row = dict[str, Cell]

SCROLLBAR = 2  # the vertical scrollbar's width, always kept free
TAGGED_LEAST = 6  # cells of a tagged cell's text shown before its tag, at least


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int  # the width of a fixed column; the least a flexible one gets
    flex: bool = False  # shares what the fixed columns leave
    drop: int = 0  # dropped when the table is too narrow: highest first; 0 never


def fit(columns: list[Column], width: int, padding: int = 1) -> list[tuple[Column, int]]:
    """The columns shown in *width* cells, and each one's width."""
    shown = list(columns)
    while True:
        fixed = sum(c.width for c in shown if not c.flex)
        flexible = [c for c in shown if c.flex]
        spare = width - SCROLLBAR - fixed - 2 * padding * len(shown)
        droppable = [c for c in shown if c.drop]
        if spare >= sum(c.width for c in flexible) or not droppable:
            break
        shown.remove(max(droppable, key=lambda c: c.drop))
    share = max(0, spare) // max(1, len(flexible))
    return [(c, max(c.width, share) if c.flex else c.width) for c in shown]


class RowTable(DataTable[Cell]):
    """A row-cursor table where Home and End move the cursor to the first and the
    last row (a plain DataTable only scrolls)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "first_row", "First row", show=False),
        Binding("end", "last_row", "Last row", show=False),
    ]

    def __init__(self, *, id: str, zebra_stripes: bool = True) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=zebra_stripes)

    def action_first_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_last_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)


class FitTable(RowTable):
    """A row table that lays its columns out for its width.

    A cell's styles may name the theme's colours (``"bold $warning"``): a DataTable
    paints Rich text, which knows no theme, so the table resolves them as it adds a
    row, and adds every row again when the theme changes.
    """

    def __init__(self, *, id: str, zebra_stripes: bool = True) -> None:
        super().__init__(id=id, zebra_stripes=zebra_stripes)
        self._columns: list[Column] = []
        self._rows: list[tuple[str, Row]] = []
        self._layout: list[tuple[Column, int]] = []

    @property
    def shown_keys(self) -> list[str]:
        """The keys of the columns shown now, in order."""
        return [c.key for c, _ in self._layout]

    def set_columns(self, columns: list[Column]) -> None:
        self._columns = columns
        self._relayout(force=True)

    def set_rows(self, rows: list[tuple[str, Row]]) -> None:
        """Show *rows* (row key, cells by column key), keeping the cursor's position."""
        self._rows = list(rows)
        self._refill()

    def append_row(self, key: str, row: Row) -> None:
        """One more row at the end, without redrawing the others."""
        self._rows.append((key, row))
        self._add([(key, row)])

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _: self._refill())

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()

    def _relayout(self, force: bool = False) -> None:
        width = self.size.width
        if not width or not self._columns:
            return
        layout = fit(self._columns, width, self.cell_padding)
        if layout == self._layout and not force:
            return
        self._layout = layout
        self._refill(columns=True)

    def _refill(self, *, columns: bool = False) -> None:
        """Every row again (and the columns, laid out anew), the cursor kept in place."""
        keep = self.cursor_row
        self.clear(columns=columns)
        if columns:
            for column, size in self._layout:
                self.add_column(column.label, key=column.key, width=size)
        self._add(self._rows)
        if self._rows:
            self.move_cursor(row=min(keep, len(self._rows) - 1))

    def _add(self, rows: list[tuple[str, Row]]) -> None:
        if not self._layout:
            return  # laid out (and filled) on the first resize
        for key, row in rows:
            cells = (clip(row.get(c.key, ""), width) for c, width in self._layout)
            self.add_row(*(self._themed(cell) for cell in cells), key=key)

    def _themed(self, text: Text) -> Text:
        """*text* with the theme's colours for the ``$`` variables in its styles."""

        def resolve(style: str | Style) -> str | Style:
            if isinstance(style, str) and "$" in style:
                return self.app.stylesheet.parse_style(style).rich_style
            return style

        if not (isinstance(text.style, str) and "$" in text.style) and not any(
            isinstance(span.style, str) and "$" in span.style for span in text.spans
        ):
            return text
        themed = text.copy()
        themed.style = resolve(text.style)
        themed.spans = [Span(s.start, s.end, resolve(s.style)) for s in text.spans]
        return themed


def clip(cell: Cell, width: int) -> Text:
    """*cell* as it fits in *width* cells: cut with an ellipsis, so that a cut text
    never passes for the whole (a DataTable cuts it silently). A tag stays whole while
    at least TAGGED_LEAST cells of the text can stand before it."""
    if isinstance(cell, Tagged):
        room = width - cell.tag.cell_len
        if cell.text.cell_len > room >= TAGGED_LEAST:
            return Text.assemble(clip(cell.text, room), cell.tag)
        return clip(Text.assemble(cell.text, cell.tag), width)
    text = cell if isinstance(cell, Text) else Text(cell)  # plain: never markup
    if text.cell_len <= width:
        return text
    clipped = text.copy()
    clipped.truncate(max(width, 1), overflow="ellipsis")
    return clipped
