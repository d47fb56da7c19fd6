"""Every use of a private Textual name, in one place, checked when the app starts.

Three workarounds live here: the watcher sweep, Esc typed right before another key,
and writing only the cells that changed.

Textual 8 keeps the watchers of an object's reactives in a private ``__watchers``
dict on that object, and prunes a reactive's list only when that reactive changes
(Textual issue #6666, open upstream). Watchers that widgets register on long-lived
nodes (the app's theme, for one) so keep every closed page's widgets alive.
:func:`release_closed_watchers` lets them go,
recognising a removed widget by the private ``_closing`` flag of its message pump.

:func:`split_escape_bursts` makes Textual's terminal parser (``textual._xterm_parser``)
send Esc as soon as the character after it cannot continue an escape sequence. Over
SSH, Esc and the keys typed after it arrive in one read: the parser took ESC y as
Alt+y, ESC 7 as ¶, ESC Enter as Enter (the Esc lost), and after 32 characters gave
up and sent the Esc as "^". rime-tui binds no Alt keys.

:func:`write_only_changes` hands each update Textual's compositor makes
(``textual._compositor``'s ``LayoutUpdate``, a whole screen, and ``ChopsUpdate``, pieces
of lines) to a :class:`~rime_tui.tui.output.TerminalMirror` in the app's private
``_display``, which writes the terminal sequence: Textual paints every pushed screen in
full and writes a filling page's rows several times over.

:func:`check_textual` runs when the app starts and fails loudly, naming the Textual
version, when a name used here is gone, instead of a workaround silently doing
nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from textual.dom import DOMNode
from textual.strip import Strip

if TYPE_CHECKING:
    from rich.console import Console
    from textual.app import App
    from textual.screen import Screen

    from rime_tui.tui.output import TerminalMirror

UPSTREAM_ISSUE = "https://github.com/Textualize/textual/issues/6666"
WATCHERS = "__watchers"  # set by textual.reactive._watch on the watched object

Watchers = dict[str, list[tuple[Any, Callable[..., Any]]]]


class TextualChangedError(RuntimeError):
    """The installed Textual lacks a private name rime-tui relies on."""


def check_textual() -> None:
    """Raise :class:`TextualChangedError` unless the private names used here still work."""
    owner, watched = DOMNode(), DOMNode()
    owner.watch(watched, "probe", _nothing, init=False)
    registry = getattr(watched, WATCHERS, None)
    entries = registry.get("probe") if isinstance(registry, dict) else None
    if entries != [(owner, _nothing)] or not isinstance(getattr(owner, "_closing", None), bool):
        _changed(
            f"the private '{WATCHERS}' watcher registry or the '_closing' flag it sweeps "
            f"(a workaround for {UPSTREAM_ISSUE})"
        )
    _compositor_updates()
    split_escape_bursts()
    if parsed_keys("\x1by") != ["escape", "y"]:
        _changed("its terminal parser (textual._xterm_parser), which Esc bursts rely on")


def _changed(what: str) -> None:
    import textual

    raise TextualChangedError(
        f"rime-tui cannot run on Textual {textual.__version__}: {what} has changed. "
        "Install a Textual 8 release up to 8.2.8, or update rime_tui/tui/compat.py."
    )


# -- Esc typed right before another key --------------------------------------------------

# What a terminal sends after ESC to begin a sequence: CSI, SS3, OSC, DCS, APC, PM, SOS,
# ST, and ESC itself. After any other character, the ESC was the Esc key.
_LONE_ESC = re.compile(r"\x1b(?=[^\[O\]P_^X\\\x1b])")
_PASTE = re.compile(r"\x1b\[20([01])~")  # bracketed paste: start (0) and end (1)


def split_escape_bursts() -> None:
    """Patch Textual's terminal parser, once, so that an ESC followed in the same read
    by a character that cannot continue a sequence is sent as Esc at once (as if the
    terminal had paused after it), outside bracketed pastes."""
    from textual._xterm_parser import XTermParser

    if getattr(XTermParser.feed, "_rime_escape", False):
        return
    feed = XTermParser.feed

    def split_feed(self: XTermParser, data: str) -> Iterator[Any]:
        start = 0
        for part in _lone_escapes(self, data):
            yield from feed(self, data[start:part])  # up to and including the ESC
            self._timeout_time = 0.0  # its wait for more is over: Esc
            yield from self.tick()
            start = part
        yield from feed(self, data[start:] if start else data)

    split_feed._rime_escape = True  # type: ignore[attr-defined]
    XTermParser.feed = split_feed  # type: ignore[method-assign]


def _lone_escapes(parser: Any, data: str) -> list[int]:
    """Where *data* is to be cut: right after each ESC that is the Esc key (none inside
    a bracketed paste; whether one is open is kept on *parser* between reads)."""
    cuts: list[int] = []
    pasting: bool = getattr(parser, "_rime_pasting", False)
    marks = sorted(
        [(m.start(), m.group(1) == "0") for m in _PASTE.finditer(data)]
        + [(m.start(), None) for m in _LONE_ESC.finditer(data)],
        key=lambda mark: mark[0],
    )
    for at, opens in marks:
        if opens is not None:
            pasting = opens
        elif not pasting:
            cuts.append(at + 1)
    parser._rime_pasting = pasting
    return cuts


def parsed_keys(data: str) -> list[str]:
    """The keys Textual's terminal parser makes of *data*, read at once, then its end."""
    from textual import events
    from textual._xterm_parser import XTermParser

    parser = XTermParser()
    found = [*parser.feed(data), *parser.feed("")]
    return [event.key for event in found if isinstance(event, events.Key)]


def _nothing() -> None:
    pass


def _watchers(node: DOMNode) -> Watchers:
    registry: Watchers = getattr(node, WATCHERS, {})
    return registry


def _closing(owner: Any) -> bool:
    return bool(owner._closing)


def dead_watchers(nodes: Iterable[DOMNode]) -> int:
    """How many watchers registered on *nodes* belong to removed widgets."""
    return sum(
        sum(1 for owner, _ in watchers if _closing(owner))
        for node in nodes
        for watchers in _watchers(node).values()
    )


def release_closed_watchers(nodes: Iterable[DOMNode]) -> int:
    """Drop the watchers registered on *nodes* by removed widgets; answers how many."""
    dropped = 0
    for node in nodes:
        for watchers in _watchers(node).values():
            alive = [(owner, callback) for owner, callback in watchers if not _closing(owner)]
            dropped += len(watchers) - len(alive)
            watchers[:] = alive
    return dropped


# -- Only the cells that changed --------------------------------------------------------


@cache
def _compositor_updates() -> tuple[type[Any], type[Any], type[Any]]:
    """Textual's update classes, checked: :func:`_pieces` must place the same characters
    where Textual's own rendering of an update writes them."""
    from rich.console import Console
    from rich.segment import Segment
    from textual import _compositor
    from textual.app import App
    from textual.geometry import Region

    def strip(text: str) -> Strip:
        return Strip([Segment(text)])

    layout = _compositor.LayoutUpdate(
        [[strip("ab"), strip("cd")], [strip("efgh")]], Region(0, 0, 4, 2)
    )
    # Two chops on a line, a span from column 1 to 5: the first is written from its
    # start, the second cut at the span's end.
    chops = _compositor.ChopsUpdate([{0: strip("abc"), 3: strip("defg")}], [(0, 1, 5)], [[3, 7]])
    console = Console(color_system=None, force_terminal=False)
    layout_class, chops_class = type(layout), type(chops)
    if not callable(getattr(App, "_display", None)) or any(
        _cells_written(update.render_segments(console))
        != _cells_written(
            "".join(
                f"\x1b[{y + 1};{x + 1}H" + piece.text
                for x, y, piece in _pieces(update, layout_class)
            )
        )
        for update in (layout, chops)
    ):
        _changed("its compositor's updates (textual._compositor) or App._display")
    return _compositor.CompositorUpdate, layout_class, chops_class


_MOVE = re.compile(r"\x1b\[(\d+);(\d+)H")


def _cells_written(sequence: str) -> dict[tuple[int, int], str]:
    """Which character *sequence* (cursor moves and plain text) writes at each cell."""
    cells: dict[tuple[int, int], str] = {}
    parts = _MOVE.split(sequence.replace("\n", ""))
    for at in range(1, len(parts), 3):
        y, x = int(parts[at]) - 1, int(parts[at + 1]) - 1
        for offset, character in enumerate(parts[at + 2]):
            cells[(x + offset, y)] = character
    return cells


def write_only_changes(app: App[Any], mirror: TerminalMirror) -> None:
    """Make *app* write, for each of its compositor's updates, only the cells that differ
    from what *mirror* says the terminal shows (headless and inline apps as before)."""
    base, layout, chops = _compositor_updates()
    display = app._display

    class Changes(base):  # type: ignore[misc, valid-type]
        def __init__(self, update: Any) -> None:
            self.update = update

        def render_segments(self, console: Console) -> str:
            try:
                return changed_cells(app, mirror, self.update, console)
            except Exception:  # a bug here must not cost the user the screen
                mirror.forget()
                return str(self.update.render_segments(console))

    def only_changes(screen: Screen[Any], renderable: Any) -> None:
        if isinstance(renderable, (layout, chops)) and not app.is_inline:
            renderable = Changes(renderable)
        display(screen, renderable)

    app._display = only_changes  # type: ignore[method-assign]


def changed_cells(app: App[Any], mirror: TerminalMirror, update: Any, console: Console) -> str:
    """What to write for one of Textual's compositor updates (*update*), given what
    *mirror* says the terminal shows; *mirror* then holds the new frame."""
    _, layout, _ = _compositor_updates()
    size = (app.size.width, app.size.height)
    return mirror.update(_pieces(update, layout), size, _color_system(console))


def _pieces(update: Any, layout: type[Any]) -> Iterator[tuple[int, int, Strip]]:
    """The strips an update writes, each with where it goes: ``(x, y, strip)``."""
    if isinstance(update, layout):
        for y, line in enumerate(update.strips, update.region.y):
            x = update.region.x
            for strip in line:
                yield x, y, strip
                x += strip.cell_length
        return
    # A ChopsUpdate writes, on each line it spans, the chops that meet the span, each
    # cut at the span's right end (as its render_segments does).
    for y, x1, x2 in update.spans:
        for end, (x, strip) in zip(update.chop_ends[y], update.chops[y].items(), strict=False):
            if strip is None or x > x2 or end <= x1:
                continue
            yield x, y, strip if end <= x2 else strip.crop(0, min(end, x2) - x)


def _color_system(console: Console) -> Any:
    from rich.color import ColorSystem

    return console._color_system or ColorSystem.TRUECOLOR
