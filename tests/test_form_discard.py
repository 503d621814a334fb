"""Esc on a form: an untouched form (or an edit left as it was) closes at once; a form with
something typed asks "Discard what you typed?" first, and "n" keeps every character."""

from __future__ import annotations

from textual.widgets import Input

from screens.app import WorkshopApp
from screens.group_form import GroupForm
from screens.groups_screen import GroupsScreen
from screens.timer_form import TimerForm
from screens.widgets.confirm import ConfirmModal
from workshop import Workshop

SIZE = (120, 40)


async def test_an_untouched_form_closes_at_once(small_workshop: Workshop) -> None:
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        assert isinstance(app.screen, GroupForm)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, GroupsScreen)
        await pilot.press("e")  # an edit opens filled in: leaving it as it was asks nothing
        assert isinstance(app.screen, GroupForm)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, GroupsScreen)


async def test_a_filled_form_asks_before_it_discards(small_workshop: Workshop) -> None:
    before = [g.name for g in small_workshop.groups()]
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Field Service")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")  # keep typing
        await pilot.pause()
        form = app.screen
        assert isinstance(form, GroupForm)
        assert form.query_one("#name", Input).value == "Field Service"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, GroupsScreen)
    assert [g.name for g in small_workshop.groups()] == before


async def test_the_timer_dialog_says_start(small_workshop: Workshop) -> None:
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await pilot.pause()
        assert isinstance(app.screen, TimerForm)
        assert "Start (ctrl+s)" in str(app.screen.query_one("#save").label)
