"""Pilot tests of phase 6, proposals: the room proposes, edits and deletes changes by keyboard,
and sees them laid out by impact and effort."""

from __future__ import annotations

import re

from textual import events
from textual.keys import _character_to_key
from textual.widgets import DataTable, Input, Select, Static

from screens.app import WorkshopApp
from screens.proposal_form import ProposalForm
from screens.proposals_screen import ProposalsScreen
from screens.widgets.confirm import ConfirmModal
from screens.widgets.plain_text_area import PlainTextArea
from workshop import Workshop

SIZE = (120, 40)


async def open_proposals(pilot) -> ProposalsScreen:
    await pilot.press("6")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ProposalsScreen)
    return pilot.app.screen


async def type_text(pilot, text: str) -> None:
    """Type `text` key by key. Pilot.press cannot name every character (an emoji has no key
    name it can look up), so those are sent as the key event a terminal would send."""
    for char in text:
        if char.isascii():
            await pilot.press(char)
        else:
            pilot.app.post_message(events.Key(_character_to_key(char), char))
            await pilot.pause()


async def pick(pilot, select_id: str, downs: int) -> None:
    """Open a Select with the keyboard, move down `downs` options and choose."""
    pilot.app.screen.query_one(f"#{select_id}", Select).focus()
    await pilot.press("enter", *["down"] * downs, "enter")
    await pilot.pause()


def error_text(app: WorkshopApp) -> str:
    return str(app.screen.query_one("#error", Static).render())


def table_rows(screen: ProposalsScreen) -> list[list[str]]:
    table = screen.query_one("#proposal-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def shown_row(screen: ProposalsScreen, row: int) -> str:
    """The table row as it is drawn on screen (line 0 is the header)."""
    return screen.query_one("#proposal-table", DataTable).render_line(row + 1).text


def cell_text(screen: ProposalsScreen, impact: str, effort: str) -> str:
    return str(screen.query_one(f"#cell-{impact}-{effort}", Static).render())


async def test_add_a_proposal_by_keyboard(small_workshop: Workshop) -> None:
    """a, the title, a description, owner and beneficiary and impact chosen in their lists,
    ctrl+s: the proposal is stored with every field, and listed; enter in the title moves on
    to the description, where enter starts a new line and ctrl+s saves."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_proposals(pilot)
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, ProposalForm)
        assert app.focused is form.query_one("#title", Input)
        await pilot.press(*"CRM fix", "tab", *"In 1h")
        await pick(pilot, "owner", 2)  # Sales, IT
        await pick(pilot, "beneficiary", 1)  # Homeowners (customer), first
        await pick(pilot, "impact", 1)  # from medium to high
        await pick(pilot, "effort", 1)  # from medium to high
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ProposalsScreen)
        added = small_workshop.proposals()[-1]
        assert added.title == "CRM fix"
        assert added.description == "In 1h"
        assert added.owner == "IT"
        assert added.beneficiary_customer_id == small_workshop.lookup_id("customers", "Homeowners")
        assert added.beneficiary_group_id is None
        assert (added.impact, added.effort) == ("high", "high")
        assert len(small_workshop.proposals()) == 2
        assert table_rows(screen)[1] == ["CRM fix", "IT", "Homeowners", "high", "high"]
        assert "2 proposal(s)" in str(screen.query_one("#list-title", Static).render())

        # Enter in the title moves to the description; there it starts a new line.
        await pilot.press("a", *"Price list", "enter", *"Current", "enter", *"list", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ProposalsScreen)
        added = small_workshop.proposals()[-1]
        assert (added.title, added.description) == ("Price list", "Current\nlist")
        assert (added.owner_id, added.impact, added.effort) == (None, "medium", "medium")


async def test_empty_title_keeps_the_form_open(small_workshop: Workshop) -> None:
    """No title, or only spaces: the form says so, keeps the rest and stores nothing."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposals(pilot)
        await pilot.press("a", "tab", *"Vague")
        await pick(pilot, "impact", 1)
        for title in ("", "   "):
            form = app.screen
            form.query_one("#title", Input).focus()
            await pilot.press(*title, "ctrl+s")
            await pilot.pause()
            assert app.screen is form, repr(title)
            assert "Give the change a title." in error_text(app)
            assert form.query_one("#title", Input).value == title
            assert form.query_one("#description", PlainTextArea).value == "Vague"
            assert form.query_one("#impact", Select).value == "high"
            assert app.focused is form.query_one("#title", Input)
            assert [p.title for p in small_workshop.proposals()] == ["Quote on the spot"]
        await pilot.press("escape")  # something was typed: it asks first
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ProposalsScreen)
        assert len(small_workshop.proposals()) == 1


async def test_duplicate_title_is_refused_and_nothing_typed_is_lost(
    small_workshop: Workshop,
) -> None:
    """A title already used (in another case) is refused with the store's message; the form
    keeps everything; a new title then saves it all."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposals(pilot)
        await pilot.press("a", *"QUOTE on the SPOT", "tab", *"Tablets")
        await pick(pilot, "owner", 3)  # HR
        await pick(pilot, "effort", 1)  # from medium to high
        await pilot.press("ctrl+s")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ProposalForm)
        assert error_text(app) == "The name “Quote on the spot” is already used by a proposal."
        assert form.query_one("#title", Input).value == "QUOTE on the SPOT"
        assert form.query_one("#description", PlainTextArea).value == "Tablets"
        assert form.query_one("#owner", Select).value == small_workshop.lookup_id("groups", "HR")
        assert form.query_one("#effort", Select).value == "high"
        assert [p.title for p in small_workshop.proposals()] == ["Quote on the spot"]

        title = form.query_one("#title", Input)
        title.focus()
        await pilot.press("end", *" 2")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ProposalsScreen)
        added = small_workshop.proposals()[-1]
        assert added.title == "QUOTE on the SPOT 2"
        assert (added.description, added.owner, added.effort) == (
            "Tablets",
            "HR",
            "high",
        )


async def test_edit_changes_impact_and_effort(small_workshop: Workshop) -> None:
    """e on the highlighted proposal: the form shows its values; new levels are stored and
    move it to another cell of the grid; u puts them back."""
    small_workshop.add_proposal("Fix the CRM", impact="low", effort="low")
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_proposals(pilot)
        await pilot.press("down", "e")
        form = app.screen
        assert isinstance(form, ProposalForm)
        assert form.query_one("#title", Input).value == "Fix the CRM"
        assert form.query_one("#impact", Select).value == "low"
        await pick(pilot, "impact", 2)  # low → high
        await pick(pilot, "effort", 1)  # low → medium
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ProposalsScreen)
        crm = small_workshop.proposals()[1]
        assert (crm.title, crm.impact, crm.effort) == ("Fix the CRM", "high", "medium")
        assert table_rows(screen)[1][3:] == ["high", "medium"]
        untouched = small_workshop.proposals()[0]
        assert (untouched.impact, untouched.effort) == ("high", "medium")
        await pilot.press("m")
        await pilot.pause()
        assert "Fix the CRM" in cell_text(screen, "high", "medium")
        assert "Fix the CRM" not in cell_text(screen, "low", "low")
        await pilot.press("u")
        await pilot.pause()
        crm = small_workshop.proposals()[1]
        assert (crm.impact, crm.effort) == ("low", "low")
        assert "Fix the CRM" in cell_text(screen, "low", "low")


async def test_delete_asks_then_undo_restores_the_proposal_and_its_action(
    small_workshop: Workshop,
) -> None:
    """d asks; n keeps it; d, y deletes it (its action stays, unlinked); u restores both."""
    before = small_workshop.proposals()
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_proposals(pilot)
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmModal)
        assert "Quote on the spot" in str(app.screen.query_one("#question").render())
        await pilot.press("n")
        await pilot.pause()
        assert small_workshop.proposals() == before
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ProposalsScreen)
        assert small_workshop.proposals() == []
        assert small_workshop.actions()[0].proposal_id is None
        assert table_rows(screen) == []
        assert "No proposals yet" in str(screen.query_one("#list-title", Static).render())
        await pilot.press("u")
        await pilot.pause()
        assert small_workshop.proposals() == before
        assert small_workshop.actions()[0].proposal == "Quote on the spot"
        assert table_rows(screen)[0][0] == "Quote on the spot"


async def test_impact_effort_grid_puts_each_title_in_its_cell(tmp_path) -> None:
    """m: every proposal sits in the cell of its impact and effort, and only there; the
    corners carry their names; a crowded cell says how many more it holds."""
    ws = Workshop.create(tmp_path / "grid.db", title="Grid")
    placed = {
        ("high", "low"): ["Quick one"],
        ("high", "high"): ["Rebuild the CRM"],
        ("low", "high"): ["Gold-plated portal"],
        ("medium", "medium"): ["Middle of the road"],
        ("low", "low"): [f"Small thing {n}" for n in range(1, 31)],
    }
    for (impact, effort), titles in placed.items():
        for title in titles:
            ws.add_proposal(title, impact=impact, effort=effort)
    app = WorkshopApp(ws)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_proposals(pilot)
            await pilot.press("m")
            await pilot.pause()
            assert screen.query_one("#views").active == "grid"
            all_titles = [t for titles in placed.values() for t in titles]
            for impact in ("low", "medium", "high"):
                for effort in ("low", "medium", "high"):
                    text = cell_text(screen, impact, effort)
                    here = placed.get((impact, effort), [])
                    shown = [t for t in all_titles if f"• {t}\n" in text]
                    assert shown == here[: len(shown)], (impact, effort, shown)
                    more = re.search(r"\+(\d+) more", text)
                    assert len(shown) + (int(more[1]) if more else 0) == len(here)
            assert cell_text(screen, "high", "low").startswith("Quick wins\n")
            assert cell_text(screen, "high", "high").startswith("Big bets\n")
            assert cell_text(screen, "low", "high").startswith("Money pits\n")
            assert cell_text(screen, "low", "low").startswith("Fill-ins\n")
            assert cell_text(screen, "medium", "low") == ""
            assert re.search(r"\+\d+ more", cell_text(screen, "low", "low"))
            await pilot.press("l")
            await pilot.pause()
            assert screen.query_one("#views").active == "list"
            assert app.focused is screen.query_one("#proposal-table", DataTable)
    finally:
        ws.close()


# Emoji, right-to-left script, HTML, template and Markdown syntax, and Rich markup (which a
# table would read as styles, dropping "[b]", and crash on with a stray "[/]").
HOSTILE = ["🎉 <script> {{ x }} | * #", "שלום مرحبا", "[b]Loud[/b] A [/] B"]


async def test_hostile_titles_are_stored_and_shown_as_typed(small_workshop: Workshop) -> None:
    """Titles typed key by key are stored exactly as typed, and shown as typed in the list, the
    detail and the grid."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_proposals(pilot)
        for title in HOSTILE:
            await pilot.press("a")
            await type_text(pilot, title)
            assert app.screen.query_one("#title", Input).value == title
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, ProposalsScreen), title
            assert screen.current().title == title  # the cursor follows what was added
        assert [p.title for p in small_workshop.proposals()] == ["Quote on the spot", *HOSTILE]
        assert [row[0] for row in table_rows(screen)][1:] == HOSTILE
        screen.query_one("#proposal-table", DataTable).move_cursor(row=0)
        for row, title in enumerate(HOSTILE, start=1):
            assert title in shown_row(screen, row), title
            await pilot.press("down")
            await pilot.pause()
            detail = str(screen.query_one("#proposal-detail", Static).render())
            assert detail.startswith(f"{title}\n"), title
        await pilot.press("m")
        await pilot.pause()
        cell = cell_text(screen, "medium", "medium")
        lines = cell.splitlines()
        assert len(lines) == len(HOSTILE)
        for line, title in zip(lines, HOSTILE, strict=True):  # whole, or cut at a word
            shown = line.removeprefix("• ")
            cut_at_word = title[len(shown) - 1 : len(shown)] == " "
            assert shown == title or (
                shown.endswith("…") and title.startswith(shown[:-1]) and cut_at_word
            ), line
