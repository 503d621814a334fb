"""The workshop's own form (E): its title, date and purpose, saved as typed, shown in the
header at once, refused with a clear sentence when wrong, and undoable."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from screens.app import WorkshopApp
from screens.phase_screen import PhaseScreen
from screens.widgets.plain_text_area import PlainTextArea
from screens.workshop_form import WorkshopForm
from workshop import Workshop

SIZE = (120, 40)
HOSTILE = ["[/]", "[@click=app.quit]", "<script>alert(1)</script>", "{{ 7*7 }}"]


async def open_form(pilot) -> WorkshopForm:
    await pilot.press("E")
    await pilot.pause()
    form = pilot.app.screen
    assert isinstance(form, WorkshopForm)
    return form


def fill(form: WorkshopForm, *, title: str | None = None, date: str | None = None,
         purpose: str | None = None) -> None:  # fmt: skip
    if title is not None:
        form.query_one("#title", Input).value = title
    if date is not None:
        form.query_one("#date", Input).value = date
    if purpose is not None:
        form.query_one("#purpose", PlainTextArea).text = purpose


def error_of(form: WorkshopForm) -> str:
    return str(form.query_one("#error").render())


async def test_rename_redate_and_repurpose_the_header_follows_at_once(small_workshop: Workshop):
    ws = small_workshop
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        assert app.title == "Small org"
        form = await open_form(pilot)
        assert form.query_one("#title", Input).value == "Small org"
        assert form.query_one("#date", Input).value == "2026-11-24"
        assert form.query_one("#purpose", PlainTextArea).text == "Who is our customer?"
        form.query_one("#title", Input).value = ""
        await pilot.press(*"Q4 chain")
        fill(form, date="2026-12-01", purpose="Whom do we serve?\nAnd how well?")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PhaseScreen)
        info = ws.info()
        assert (info.title, info.date, info.purpose) == (
            "Q4 chain",
            "2026-12-01",
            "Whom do we serve?\nAnd how well?",
        )
        assert app.title == "Q4 chain"
        await pilot.pause()
        assert "Q4 chain" in str(app.screen.query_one("HeaderTitle").render())
        await pilot.press("u")  # the rename is undoable
        await pilot.pause()
        assert ws.info().title == "Small org" and app.title == "Small org"
        await pilot.press("U")  # and redoable
        await pilot.pause()
        assert ws.info().title == "Q4 chain" and app.title == "Q4 chain"


@pytest.mark.parametrize("text", HOSTILE)
async def test_hostile_text_is_stored_and_shown_as_typed(small_workshop: Workshop, text: str):
    ws = small_workshop
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        fill(form, title=f"{text} title", purpose=f"{text} purpose")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, PhaseScreen)
        assert ws.info().title == f"{text} title"
        assert ws.info().purpose == f"{text} purpose"
        assert app.title == f"{text} title"
        form = await open_form(pilot)  # shown again as typed
        assert form.query_one("#title", Input).value == f"{text} title"
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"title": ""}, "The workshop needs a title."),
        ({"title": "   "}, "The workshop needs a title."),
        ({"date": ""}, "Give the day the workshop meets"),
        ({"date": "2026-13-45"}, "The date must be a date like 2026-03-31"),
        ({"date": "tomorrow"}, "The date must be a date like 2026-03-31"),
        ({"purpose": "x" * 100_000}, "The purpose is 100,000 characters long; the limit is"),
        ({"purpose": "bell \x07"}, "The purpose contains a control character (U+0007)"),
    ],
    ids=["empty", "blank", "no-date", "bad-date", "words", "100KB", "control"],
)
async def test_wrong_values_are_refused_in_the_form(small_workshop: Workshop, fields, says):
    ws = small_workshop
    before = ws.info()
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        fill(form, **fields)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and says in error_of(form)
        assert ws.info() == before and app.title == "Small org"


async def test_a_title_of_100_kb_is_cut_by_the_field_or_refused(small_workshop: Workshop):
    ws = small_workshop
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        fill(form, title="t" * 100_000)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.is_running
        title = ws.info().title
        assert title == "Small org" or (len(title) <= 80 and set(title) == {"t"})
        if app.screen is form:
            assert "80" in error_of(form)


async def test_only_the_leading_facilitator_gets_the_form(small_workshop: Workshop) -> None:
    ws = small_workshop
    ann = ws.join("Ann")
    participant = Workshop.open(ws.path, actor="Ann")
    participant.act_as_participant(ann)
    app = WorkshopApp(participant, facilitator=False, participant_id=ann)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("E")
        await pilot.pause()
        assert not isinstance(app.screen, WorkshopForm)
        assert not app.offers("edit_workshop")
    participant.close()
    leader = WorkshopApp(ws)
    leader.following = True  # another facilitator took the lead over
    assert not leader.offers("edit_workshop")


def test_the_form_key_is_in_the_help() -> None:
    from screens.help_screen import help_markdown

    text = help_markdown()
    assert "`E`" in text and "Workshop details: change its title, date and purpose" in text
