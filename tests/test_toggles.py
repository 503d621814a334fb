"""Check boxes, radio buttons and selection lists show their state in their shape (a tick, a
full or hollow dot), so a projector that washes colours out, or NO_COLOR, still tells them
apart; and no screen makes Textual's own, which differ by colour alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import RadioSet

from screens.timer_form import TimerForm
from screens.widgets.plain import PlainSelectionList
from screens.widgets.toggles import RadioChoice, TickBox

SCREENS = Path(__file__).resolve().parents[1] / "screens"


class Toggles(App[None]):
    def compose(self) -> ComposeResult:
        yield TickBox("Lock input", id="lock")
        with RadioSet(id="length"):
            yield RadioChoice("5 minutes", value=True, id="five")
            yield RadioChoice("10 minutes", id="ten")
        yield PlainSelectionList(("First", 1, True), ("Second", 2), id="pick")


def shown(widget) -> str:  # noqa: ANN001
    return widget.render().plain


@pytest.mark.parametrize("no_color", [False, True])
async def test_ticked_and_unticked_differ_in_shape(
    no_color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = Toggles()
    async with app.run_test(size=(60, 12)) as pilot:
        box = app.query_one("#lock", TickBox)
        assert shown(box).startswith("▐ ▌")
        box.focus()
        await pilot.press("space")
        await pilot.pause()
        assert box.value and shown(box).startswith("▐✓▌")
        assert shown(app.query_one("#five", RadioChoice)).startswith("▐●▌")
        assert shown(app.query_one("#ten", RadioChoice)).startswith("▐○▌")
        app.query_one("#ten", RadioChoice).value = True
        await pilot.pause()
        assert shown(app.query_one("#five", RadioChoice)).startswith("▐○▌")
        assert shown(app.query_one("#ten", RadioChoice)).startswith("▐●▌")


async def test_a_selection_list_ticks_what_is_selected() -> None:
    app = Toggles()
    async with app.run_test(size=(60, 12)) as pilot:
        pick = app.query_one("#pick", PlainSelectionList)
        lines = [pick.render_line(y).text for y in range(2)]
        assert lines[0].startswith("▐✓▌ First") and lines[1].startswith("▐ ▌ Second"), lines
        pick.toggle(2)
        await pilot.pause()
        assert pick.render_line(1).text.startswith("▐✓▌ Second")


async def test_the_timer_dialog_shows_its_lock_unticked() -> None:
    """The case the review met: a lock that looked ticked and was not."""

    class Timer(App[None]):
        def on_mount(self) -> None:
            self.push_screen(TimerForm(lambda draft: None, "vote"))

    app = Timer()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        lock = app.screen.query_one("#lock", TickBox)
        assert not lock.value and shown(lock).startswith("▐ ▌")


def test_no_screen_makes_a_toggle_that_shows_its_state_by_colour_alone() -> None:
    raw = re.compile(r"\b(Checkbox|RadioButton)\(")
    found = [
        f"{path.relative_to(SCREENS.parent)}:{number}"
        for path in SCREENS.rglob("*.py")
        if path.name != "toggles.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if raw.search(line)
    ]
    assert not found, f"use TickBox / RadioChoice from screens/widgets/toggles.py: {found}"
