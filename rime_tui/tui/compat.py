"""Every use of a private Textual name, in one place, checked when the app starts.

Textual 8 keeps the watchers of an object's reactives in a private ``__watchers``
dict on that object, and prunes a reactive's list only when that reactive changes
(Textual issue #6666, open upstream). Watchers that widgets register on long-lived
nodes (the app's theme, for one) so keep every closed page's widgets alive.
:func:`release_closed_watchers` lets them go,
recognising a removed widget by the private ``_closing`` flag of its message pump.

:func:`check_textual` runs when the app starts and fails loudly, naming the Textual
version, when either name is gone, instead of the sweep silently doing nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
        import textual

        raise TextualChangedError(
            f"rime-tui cannot run on Textual {textual.__version__}: the private "
            f"'{WATCHERS}' watcher registry or the '_closing' flag it sweeps (a workaround "
            f"for {UPSTREAM_ISSUE}) has changed. Install a Textual 8 release up to 8.2.8, "
            "or update rime_tui/tui/compat.py."
        )


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
