"""Styles are scoped: each screen's rules apply to that screen only.

app.tcss holds what the app and its first screen need (sign-in's rules nest under
SignInScreen); every other screen carries its rules in its DEFAULT_CSS, which
Textual scopes to the screen's type.
"""

from __future__ import annotations

from textual.css.match import match
from textual.css.model import RuleSet
from textual.geometry import Spacing
from textual.widget import Widget
from textual.widgets import Static

from rime_tui.tui import screens
from rime_tui.tui.app import RimeApp
from tests.support.local import Local
from tests.support.tui import MakeApp, SignIn, reach_workspaces, ready_sign_in


def rules_for(app: RimeApp, node: Widget) -> list[RuleSet]:
    """Every rule of the app's stylesheet that applies to *node*."""
    return [rule for rule in app.stylesheet.rules if match(rule.selector_set, node)]


def own_rules(app: RimeApp, node: Widget) -> list[str]:
    """The selectors of the app's own rules (app.tcss and its screens' DEFAULT_CSS) that
    apply to *node*; not Textual's widget defaults."""
    ours = (*screens.SCREENS, "BaseScreen", "RimeScreen", "WorkspaceScreen", "Dialog")
    return [
        rule.selectors
        for rule in rules_for(app, node)
        if not rule.is_default_rules or rule.selectors.startswith(ours)
    ]


async def test_the_workspaces_status_line_is_not_styled_by_sign_in(
    local: Local, make_app: MakeApp
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        signin = await ready_sign_in(pilot)
        # The check sees sign-in's rule where it belongs.
        assert "SignInScreen #status" in own_rules(app, signin.query_one("#status", Static))

        workspaces = await reach_workspaces(pilot)
        status = workspaces.query_one("#status", Static)
        assert own_rules(app, status) == ["RimeScreen .status"]  # the pages' status line
        # What it looks like is what .status says: a line of space, then muted text.
        assert status.styles.padding == Spacing(1, 1, 0, 1)


async def test_no_app_wide_rule_styles_an_id(
    local: Local, make_app: MakeApp, signed_in: SignIn
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await reach_workspaces(pilot, signed_in=signed_in)
        bare = [
            rule.selectors
            for rule in app.stylesheet.rules
            if not rule.is_default_rules and rule.selectors.lstrip().startswith("#")
        ]
        assert bare == []
