"""The sign-in form's own button and check box (``rime_tui.tui.widgets``): they stand
in for Textual's Button and Checkbox (whose CSS the first paint would parse), so they
must do what those do for a user: Enter, space or a click presses a button, and not
when it is disabled; space or a click ticks the box, which shows whether it is ticked."""

from __future__ import annotations

from textual.app import App, ComposeResult

from rime_tui.tui.widgets import FormButton, FormCheck


class Form(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.pressed: list[str] = []

    def compose(self) -> ComposeResult:
        yield FormButton("Sign in", id="submit", primary=True)
        yield FormButton("Other", id="other")
        yield FormCheck("Remember", id="remember")

    def on_form_button_pressed(self, event: FormButton.Pressed) -> None:
        assert event.control is event.button
        self.pressed.append(event.button.id or "")


async def test_enter_space_and_a_click_press_a_button_unless_disabled() -> None:
    app = Form()
    async with app.run_test(size=(40, 6)) as pilot:
        submit = app.query_one("#submit", FormButton)
        assert submit.has_class("-primary") and not app.query_one("#other").has_class("-primary")
        submit.focus()
        await pilot.press("enter", "space")
        await pilot.click("#submit")
        await pilot.pause()
        assert app.pressed == ["submit", "submit", "submit"]
        submit.disabled = True  # (Textual moves the focus on, to Other)
        await pilot.click("#submit")
        await pilot.press("enter", "space")
        await pilot.pause()
        assert app.pressed == ["submit"] * 3 + ["other"] * 2


async def test_a_buttons_label_is_plain_text_and_can_change() -> None:
    app = Form()
    async with app.run_test(size=(40, 6)) as pilot:
        submit = app.query_one("#submit", FormButton)
        submit.label = "[b]Signing in[/b] …"
        await pilot.pause()
        assert "[b]Signing in[/b] …" in str(submit.render())
        assert submit.size.width >= len("[b]Signing in[/b] …")


async def test_space_and_a_click_tick_the_box_and_it_shows_which() -> None:
    app = Form()
    async with app.run_test(size=(40, 6)) as pilot:
        box = app.query_one("#remember", FormCheck)
        assert str(box.render()) == "[ ] Remember"
        box.focus()
        await pilot.press("space")
        assert box.value and str(box.render()) == "[x] Remember"
        await pilot.click("#remember")
        await pilot.pause()
        assert not box.value and str(box.render()) == "[ ] Remember"
        assert app.pressed == []  # (nor does it press a button)
