"""One screen per module, each imported when first used (PEP 562), as
``textual.widgets`` does: ``screens.TokensScreen`` loads ``screens/tokens.py`` then.

This registry is the one place where screens are loaded lazily; the app reaches
every screen through it, so the first paint pays only for the sign-in screen.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rime_tui.tui.screens.confirm import ConfirmScreen
    from rime_tui.tui.screens.help import HelpScreen
    from rime_tui.tui.screens.overview import OverviewScreen
    from rime_tui.tui.screens.save_token import SaveTokenScreen
    from rime_tui.tui.screens.settings import SettingsScreen
    from rime_tui.tui.screens.signin import SignInScreen
    from rime_tui.tui.screens.token_created import TokenCreatedScreen
    from rime_tui.tui.screens.tokens import TokensScreen
    from rime_tui.tui.screens.workspaces import WorkspacesScreen

# Each screen's module, by class name.
SCREENS = {
    "ConfirmScreen": "rime_tui.tui.screens.confirm",
    "HelpScreen": "rime_tui.tui.screens.help",
    "OverviewScreen": "rime_tui.tui.screens.overview",
    "SaveTokenScreen": "rime_tui.tui.screens.save_token",
    "SettingsScreen": "rime_tui.tui.screens.settings",
    "SignInScreen": "rime_tui.tui.screens.signin",
    "TokenCreatedScreen": "rime_tui.tui.screens.token_created",
    "TokensScreen": "rime_tui.tui.screens.tokens",
    "WorkspacesScreen": "rime_tui.tui.screens.workspaces",
}

__all__ = [  # spelled out for type checkers and linters, as SCREENS
    "ConfirmScreen",
    "HelpScreen",
    "OverviewScreen",
    "SaveTokenScreen",
    "SettingsScreen",
    "SignInScreen",
    "TokenCreatedScreen",
    "TokensScreen",
    "WorkspacesScreen",
]


def __getattr__(name: str) -> type:
    try:
        module = SCREENS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    screen: type = getattr(importlib.import_module(module), name)
    globals()[name] = screen
    return screen
