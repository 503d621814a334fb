"""Pilot tests of the forms' fields: a paragraph goes in a multi-line field that wraps its
words (Enter makes a new line, Tab moves on, ctrl+s saves), the first field has focus, and
every form fits the screen (it scrolls inside its dialog when the screen is short)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from screens.app import WorkshopApp
from screens.group_form import GroupForm
from screens.groups_screen import GroupsScreen
from screens.join_form import JoinForm
from screens.widgets.confirm import ConfirmModal
from screens.widgets.plain_text_area import PlainTextArea
from screens.widgets.record_form import RecordForm
from workshop import Workshop
from workshop.room import new_participant_key

SIZE = (120, 40)
SIZES = [(80, 24), (100, 30), (160, 50)]


@dataclass(frozen=True)
class FormCase:
    """How a facilitator opens a form, where typing starts and which fields hold paragraphs."""

    keys: tuple[str, ...]
    first: str
    paragraphs: tuple[str, ...] = ()


FORMS = {
    "group": FormCase(("a",), "name", ("role", "good_day")),
    "group edit": FormCase(("e",), "name", ("role", "good_day")),
    "customer": FormCase(("3", "n"), "name", ("segment",)),
    "hand-off": FormCase(("3", "a"), "receiver", ("needs", "expectation")),
    "touchpoint": FormCase(("4", "n"), "name"),
    "onion layer": FormCase(("4", "a"), "group", ("what",)),
    "comment": FormCase(("5", "a"), "text", ("text",)),
    "route": FormCase(("5", "r"), "routes"),
    "proposal": FormCase(("6", "a"), "title", ("description",)),
    "action": FormCase(("8", "a"), "owner", ("notes",)),
    "timer": FormCase(("T",), "length"),
    "vote": FormCase(("7", "o"), "question"),
}


async def open_form(pilot, case: FormCase) -> RecordForm:
    for key in case.keys:
        await pilot.press(key)
        await pilot.pause()
    await pilot.pause(0.1)
    form = pilot.app.screen
    assert isinstance(form, RecordForm), form
    return form


def error_text(form: RecordForm) -> str:
    return str(form.query_one("#error", Static).render())


# -- which fields hold paragraphs, and where typing starts -----------------------------------


@pytest.mark.parametrize("name", list(FORMS))
async def test_each_form_focuses_its_first_field_and_wraps_its_paragraphs(
    small_workshop: Workshop, name: str
) -> None:
    case = FORMS[name]
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, case)
        assert app.focused is not None and app.focused.id == case.first, app.focused
        for field in case.paragraphs:
            area = form.query_one(f"#{field}", PlainTextArea)
            assert area.soft_wrap and area.tab_behavior == "focus"
            assert not area.show_line_numbers
            assert area.region.height >= 4  # a few lines: at least two of text
        # Every other typed field is a one-line Input.
        assert not [a.id for a in form.query(PlainTextArea) if a.id not in case.paragraphs]


async def test_a_multi_line_role_is_typed_tabbed_past_and_saved(small_workshop: Workshop) -> None:
    """Enter in a paragraph makes a new line (the form stays open), Tab and shift+Tab move
    between the fields, ctrl+s saves the lines as typed."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, GroupForm)
        await pilot.press(*"Field Service", "enter")  # enter in the name moves on
        assert app.focused is form.query_one("#kind", Select)
        await pilot.press("tab")
        role = form.query_one("#role", PlainTextArea)
        assert app.focused is role
        await pilot.press(*"We fix", "enter", *"what breaks", "enter")
        await pilot.pause()
        assert app.screen is form  # enter in a paragraph never saves
        assert role.text == "We fix\nwhat breaks\n"
        await pilot.press("backspace", "tab")
        good_day = form.query_one("#good_day", PlainTextArea)
        assert app.focused is good_day and role.text == "We fix\nwhat breaks"  # no tab typed
        await pilot.press(*"Fixed", "enter", *"first time", "shift+tab")
        assert app.focused is role
        await pilot.press("shift+tab")
        assert app.focused is form.query_one("#kind", Select)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, GroupsScreen)
    added = small_workshop.group(small_workshop.lookup_id("groups", "Field Service"))
    assert (added.role, added.good_day) == ("We fix\nwhat breaks", "Fixed\nfirst time")


async def test_an_edit_opens_with_its_lines_and_keeps_them(small_workshop: Workshop) -> None:
    sales = small_workshop.lookup_id("groups", "Sales")
    small_workshop.update_group(sales, role="We sell.\nWe quote.")
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")  # Sales is the first row
        form = app.screen
        assert isinstance(form, GroupForm)
        role = form.query_one("#role", PlainTextArea)
        assert role.text == "We sell.\nWe quote."
        role.focus()  # the cursor waits at the end of what is there
        await pilot.press("enter", *"We visit.", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, GroupsScreen)
    assert small_workshop.group(sales).role == "We sell.\nWe quote.\nWe visit."


PARAGRAPH_SAVES: dict[str, tuple[FormCase, str, Callable[[Workshop], str]]] = {
    "customer": (
        FormCase(("3", "n"), "name"),
        "segment",
        lambda ws: next(c.segment for c in ws.customers() if c.name == "Landlords"),
    ),
    "comment": (
        FormCase(("5", "a"), "text"),
        "text",
        lambda ws: max(ws.comments(), key=lambda c: c.id).text,
    ),
    "proposal": (
        FormCase(("6", "a"), "title"),
        "description",
        lambda ws: ws.proposals()[-1].description,
    ),
    "action": (FormCase(("8", "a"), "owner"), "notes", lambda ws: ws.actions()[-1].notes),
}


@pytest.mark.parametrize("name", list(PARAGRAPH_SAVES))
async def test_each_paragraph_field_stores_its_lines(small_workshop: Workshop, name: str) -> None:
    case, field, stored = PARAGRAPH_SAVES[name]
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, case)
        if name == "customer":
            await pilot.press(*"Landlords")
        elif name == "proposal":
            await pilot.press(*"Price list")
        elif name == "action":
            form.query_one("#owner", Select).value = small_workshop.lookup_id("groups", "HR")
            form.query_one("#due", Input).value = "2027-03-31"
        form.query_one(f"#{field}", PlainTextArea).focus()
        await pilot.press(*"One", "enter", *"two", "ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, RecordForm), error_text(form)
    assert stored(small_workshop) == "One\ntwo"


async def test_hand_off_and_onion_paragraphs_store_their_lines(small_workshop: Workshop) -> None:
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, FORMS["hand-off"])
        receiver = form.query_one("#receiver", Select)
        receiver.value = next(value for _, value in form.receivers if value == "Audit")
        for field in ("needs", "expectation"):
            form.query_one(f"#{field}", PlainTextArea).focus()
            await pilot.press(*field, "enter", *"more")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, RecordForm), error_text(form)
        await pilot.press("4")
        await pilot.pause()
        form = await open_form(pilot, FormCase(("a",), "group"))
        form.query_one("#group", Select).value = small_workshop.lookup_id("groups", "Audit")
        form.query_one("#what", PlainTextArea).focus()
        await pilot.press(*"Checks", "enter", *"the prices", "ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, RecordForm), error_text(form)
    sales = small_workshop.lookup_id("groups", "Sales")
    added = next(h for h in small_workshop.handoffs_from(sales) if h.receiver == "Audit")
    assert (added.needs, added.expectation) == ("needs\nmore", "expectation\nmore")
    layer = next(c for c in small_workshop.onion(1) if c.group == "Audit")
    assert layer.what == "Checks\nthe prices"


# -- the draft guard ---------------------------------------------------------------------------


async def test_escape_asks_when_only_a_paragraph_was_typed_in(small_workshop: Workshop) -> None:
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, GroupForm)
        form.query_one("#good_day", PlainTextArea).focus()
        await pilot.press("escape")  # nothing typed yet: closes at once
        await pilot.pause()
        assert isinstance(app.screen, GroupsScreen)
        await pilot.press("e")
        form = app.screen
        form.query_one("#good_day", PlainTextArea).focus()
        await pilot.press("enter")  # even a new line counts
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form
        assert form.query_one("#good_day", PlainTextArea).text.endswith("\n")


# -- hostile text ------------------------------------------------------------------------------


def drawn(area: PlainTextArea) -> str:
    return "\n".join(area.render_line(y).text for y in range(area.size.height))


@pytest.mark.parametrize("text", ["[/]", "[@click=app.quit]", "<script>alert(1)</script>"])
async def test_markup_in_a_paragraph_is_stored_and_shown_as_typed(
    small_workshop: Workshop, text: str
) -> None:
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", *"Odd", "tab", "tab")
        form = app.screen
        role = form.query_one("#role", PlainTextArea)
        await pilot.press(*text, "enter", *text)
        await pilot.pause()
        assert text in drawn(role)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, GroupsScreen)
        assert app.is_running
    added = small_workshop.group(small_workshop.lookup_id("groups", "Odd"))
    assert added.role == f"{text}\n{text}"


async def test_control_characters_are_shown_harmlessly_and_refused(
    small_workshop: Workshop,
) -> None:
    """A pasted ESC sequence reaches no terminal: the field shows ␛ and keeps the text; the
    store refuses it with a sentence and the form keeps every character."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", *"Odd")
        form = app.screen
        role = form.query_one("#role", PlainTextArea)
        role.value = "\x1b[31mred\x07"
        await pilot.pause()
        shown = drawn(role)
        assert "\x1b" not in shown and "\x07" not in shown
        assert "\u241b[31mred\u2407" in shown
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "control character" in error_text(form)
        assert role.text == "\x1b[31mred\x07"
    assert small_workshop.lookup_id("groups", "Odd") is None


async def test_a_100_kb_paragraph_is_refused_quickly(small_workshop: Workshop) -> None:
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", *"Big")
        form = app.screen
        role = form.query_one("#role", PlainTextArea)
        started = time.monotonic()
        role.value = ("word " * 20_000)[:100_000]
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert time.monotonic() - started < 10
        assert app.screen is form
        assert "the limit is 10,000" in error_text(form)
        assert len(role.text) == 100_000
    assert small_workshop.lookup_id("groups", "Big") is None


# -- every form fits the screen --------------------------------------------------------------


def visible_widgets(form: RecordForm) -> list[Widget]:
    return [w for w in form.query("#form *") if w.display and w.region.area]


def assert_fits(form: RecordForm, size: tuple[int, int]) -> None:
    screen = Region(0, 0, *size)
    dialog = form.query_one("#form").region
    assert screen.contains_region(dialog), (size, dialog)
    for widget in visible_widgets(form):  # never wider than the dialog
        region = widget.region
        assert dialog.x <= region.x and region.right <= dialog.right, (size, widget, region)


async def assert_saves_in_reach(pilot, form: RecordForm, size: tuple[int, int]) -> None:
    """Taller than the screen, the dialog scrolls: its buttons come into view."""
    dialog = form.query_one("#form")
    dialog.scroll_end(animate=False)
    await pilot.pause()
    save = form.query_one("#save").region
    assert Region(0, 0, *size).contains_region(save), (size, save)
    assert dialog.region.contains_region(save), (size, save)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(FORMS))
async def test_each_form_fits_the_screen(
    small_workshop: Workshop, name: str, size: tuple[int, int]
) -> None:
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=size) as pilot:
        form = await open_form(pilot, FORMS[name])
        assert_fits(form, size)
        await assert_saves_in_reach(pilot, form, size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_join_form_fits_the_screen(
    small_workshop: Workshop, size: tuple[int, int]
) -> None:
    app = WorkshopApp(small_workshop, facilitator=False, web=True, key=new_participant_key())
    async with app.run_test(size=size) as pilot:
        for _ in range(100):
            if isinstance(app.screen, JoinForm) and app.screen.query("#error"):
                break
            await pilot.pause(0.05)
        form = app.screen
        assert isinstance(form, JoinForm)
        await pilot.pause(0.1)
        assert app.focused is form.query_one("#name", Input)
        assert_fits(form, size)
        await assert_saves_in_reach(pilot, form, size)


async def test_a_long_paragraph_grows_its_field_then_scrolls_in_it(
    small_workshop: Workshop,
) -> None:
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, FORMS["proposal"])
        area = form.query_one("#description", PlainTextArea)
        before = area.region.height
        area.value = "A sentence that goes on. " * 60
        await pilot.pause()
        assert area.region.height > before
        assert_fits(form, (80, 24))
        assert area.max_scroll_y > 0  # the rest is inside the field, not off the edge
