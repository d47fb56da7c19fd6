"""rime_tui/tui/compat.py: the private Textual names it relies on are checked at start-up."""

from __future__ import annotations

from typing import Any

import pytest
import textual
from textual import dom
from textual.dom import DOMNode

from rime_tui.tui import compat
from rime_tui.tui.app import RimeApp


def test_the_installed_textual_passes_the_check() -> None:
    compat.check_textual()


def test_a_textual_that_renamed_the_watcher_registry_fails_loudly_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A Textual whose reactives keep their watchers under another name.
    def watch_elsewhere(node: DOMNode, obj: Any, name: str, callback: Any, **_: Any) -> None:
        obj.__dict__.setdefault("_watcher_registry", {}).setdefault(name, []).append(
            (node, callback)
        )

    monkeypatch.setattr(dom, "_watch", watch_elsewhere)
    with pytest.raises(compat.TextualChangedError) as raised:
        RimeApp(local=None)
    message = str(raised.value)
    assert f"Textual {textual.__version__}" in message
    assert "__watchers" in message
    assert compat.UPSTREAM_ISSUE in message


def test_a_textual_that_cuts_chops_otherwise_fails_loudly_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The mirror places the pieces of a partial update as Textual 8.2.8 writes them (a
    # chop is cut at its span's right end): a Textual that writes whole chops instead
    # would leave the mirror out of step with the terminal.
    from textual import _compositor

    def whole_chops(self: Any, console: Any) -> str:
        return "".join(
            f"\x1b[{y + 1};{x + 1}H" + strip.render(console)
            for y, _, _ in self.spans
            for x, strip in self.chops[y].items()
            if strip is not None
        )

    monkeypatch.setattr(_compositor.ChopsUpdate, "render_segments", whole_chops)
    compat._compositor_updates.cache_clear()
    try:
        with pytest.raises(compat.TextualChangedError, match="compositor"):
            RimeApp(local=None)
    finally:
        monkeypatch.undo()
        compat._compositor_updates.cache_clear()


def test_key_events_carry_the_monotonic_time_the_close_question_compares() -> None:
    # ConfirmScreen(asked_first=True) compares a key's `time` (public, Message.time) with
    # time.monotonic() at the question's mount: the clock Textual stamps events with.
    import time

    from textual import events

    before = time.monotonic()
    key = events.Key("y", "y")
    assert before <= key.time <= time.monotonic()
