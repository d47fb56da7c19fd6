"""Every use of a private Textual name, in one place, checked when the app starts.

Two workarounds live here: the watcher sweep, and Esc typed right before another key.

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

:func:`check_textual` runs when the app starts and fails loudly, naming the Textual
version, when a name used here is gone, instead of a workaround silently doing
nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from textual.dom import DOMNode

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
