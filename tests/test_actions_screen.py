"""Pilot tests of phase 8, action plans (plan, move along, delete, the winners of the vote) and of
phase 1, the review of a follow-up workshop's carried actions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select, Static

from screens.action_form import ActionForm
from screens.actions_screen import ActionsScreen
from screens.app import WorkshopApp
from screens.review_screen import ReviewScreen
from screens.widgets.confirm import ConfirmModal
from workshop import Workshop

SIZE = (120, 40)
TODAY = dt.date(2027, 2, 10)


async def open_actions(pilot) -> ActionsScreen:
    await pilot.press("8")
    await pilot.pause()
    assert type(pilot.app.screen) is ActionsScreen
    return pilot.app.screen


async def pick(pilot, select_id: str, downs: int) -> None:
    """Open a Select with the keyboard, move down `downs` options and choose."""
    pilot.app.screen.query_one(f"#{select_id}", Select).focus()
    await pilot.press("enter", *["down"] * downs, "enter")
    await pilot.pause()


async def retype(pilot, input_id: str, text: str) -> None:
    """Empty an input with backspace and type `text` into it."""
    field = pilot.app.screen.query_one(f"#{input_id}", Input)
    field.focus()
    await pilot.press("end", *["backspace"] * len(field.value), *text)


def rows(screen: ActionsScreen) -> list[list[str]]:
    table = screen.query_one("#action-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def shown_row(screen: ActionsScreen, row: int) -> str:
    """The table row as it is drawn on screen (line 0 is the header)."""
    return screen.query_one("#action-table", DataTable).render_line(row + 1).text


def headline(screen: ActionsScreen) -> str:
    return str(screen.query_one("#actions-title", Static).render())


def error_text(app: WorkshopApp) -> str:
    return str(app.screen.query_one("#error", Static).render())


def last_notice(app: WorkshopApp) -> str:
    return list(app._notifications)[-1].message


# -- action plans --------------------------------------------------------------------------


async def test_plan_an_action_by_keyboard(small_workshop: Workshop) -> None:
    """a: proposal and owner chosen in their lists, due date and KPI typed, ctrl+s."""
    app = WorkshopApp(small_workshop, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_actions(pilot)
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, ActionForm)
        assert app.focused is form.query_one("#owner", Select)
        await pick(pilot, "owner", 3)  # Sales, IT, HR
        await pilot.press("tab", *"2027-03-31", "tab", *"Hired in 5 days")
        await pick(pilot, "proposal", 1)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen) is ActionsScreen
        planned = small_workshop.actions()[-1]
        assert len(small_workshop.actions()) == 2
        assert (planned.owner, planned.due, planned.kpi) == ("HR", "2027-03-31", "Hired in 5 days")
        assert (planned.proposal, planned.status, planned.notes) == (
            "Quote on the spot",
            "planned",
            "",
        )
        assert rows(screen)[1] == [
            "Quote on the spot",
            "HR",
            "2027-03-31",
            "Hired in 5 days",
            "○ planned",
        ]
        assert headline(screen).startswith("2 action(s): 2 planned.")


async def test_refused_entries_keep_the_form_open(small_workshop: Workshop) -> None:
    """No owner, an impossible date, a date in another format: the store's message shows, the
    form keeps what was typed and nothing is stored; once right, it all saves."""
    before = small_workshop.actions()
    app = WorkshopApp(small_workshop, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await open_actions(pilot)
        await pilot.press("a", "tab", *"2027-03-31", "tab", *"Zero complaints")
        form = app.screen
        assert isinstance(form, ActionForm)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert error_text(app) == "An action needs exactly one owning group."
        assert small_workshop.actions() == before

        await pick(pilot, "owner", 2)  # IT
        for bad in ("2026-13-40", "31/12/2026"):
            await retype(pilot, "due", bad)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is form, bad
            assert error_text(app) == f"The due date must be a date like 2026-03-31; got '{bad}'."
            assert form.query_one("#due", Input).value == bad
            assert form.query_one("#kpi", Input).value == "Zero complaints"
            assert form.query_one("#owner", Select).value == small_workshop.lookup_id(
                "groups", "IT"
            )
            assert small_workshop.actions() == before

        await retype(pilot, "due", "2027-04-30")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen) is ActionsScreen
        planned = small_workshop.actions()[-1]
        assert (planned.owner, planned.due, planned.kpi) == ("IT", "2027-04-30", "Zero complaints")
        assert len(small_workshop.actions()) == 2


async def test_w_plans_the_best_ranked_winner_without_an_action(small_workshop: Workshop) -> None:
    """w: nothing while the tallies are hidden; once revealed, the best-ranked proposal with
    dots and no action yet, its owner filled in; then the next one."""
    ws = small_workshop
    sales, it, hr = (ws.lookup_id("groups", name) for name in ("Sales", "IT", "HR"))
    crm = ws.add_proposal("Fix the CRM", owner_id=it, impact="high", effort="high")
    hire = ws.add_proposal("Hire faster", owner_id=hr)
    ws.add_proposal("Nobody's favourite", owner_id=sales)
    quote = ws.lookup_id("proposals", "Quote on the spot")  # the best, but already planned
    round_id = ws.open_vote(proposals=None, votes_per_person=5, max_per_item=3, hidden=True)
    ann, bob, cy = (ws.join(name) for name in ("Ann", "Bob", "Cy"))
    for voter, proposal in [
        (ann, quote),
        (bob, quote),
        (cy, quote),
        (ann, crm),
        (ann, crm),  # CRM: 2 dots from 1 voter
        (bob, hire),
        (cy, hire),  # Hire faster: 2 dots from 2 voters, so ranked above the CRM
    ]:
        ws.cast_vote(round_id, voter, proposal)
    app = WorkshopApp(ws, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_actions(pilot)
        await pilot.press("w")
        await pilot.pause()
        assert type(app.screen) is ActionsScreen
        assert "reveal or close a vote first" in last_notice(app)

        ws.reveal_vote(round_id)
        assert [r.proposal for r in ws.results(round_id)][:3] == [
            "Quote on the spot",
            "Hire faster",
            "Fix the CRM",
        ]
        await pilot.press("w")
        form = app.screen
        assert isinstance(form, ActionForm)
        assert "“Hire faster”" in str(form.query_one("#form-title", Static).render())
        assert form.query_one("#proposal", Select).value == hire
        assert form.query_one("#owner", Select).value == hr
        assert app.focused is form.query_one("#due", Input)
        await pilot.press(*"2027-06-30", "tab", *"Offer in 10 days", "ctrl+s")
        await pilot.pause()
        assert type(app.screen) is ActionsScreen
        planned = ws.actions()[-1]
        assert (planned.proposal_id, planned.owner_id) == (hire, hr)
        assert (planned.due, planned.kpi) == ("2027-06-30", "Offer in 10 days")
        assert [row[0] for row in rows(screen)] == ["Quote on the spot", "Hire faster"]

        await pilot.press("w")
        form = app.screen
        assert isinstance(form, ActionForm)
        assert form.query_one("#proposal", Select).value == crm
        assert form.query_one("#owner", Select).value == it
        await pilot.press("escape")
        await pilot.pause()
        assert len(ws.actions()) == 2


async def test_s_cycles_the_status(small_workshop: Workshop) -> None:
    """s: planned → doing → done → dropped → planned, stored and shown each time; u steps
    back."""
    app = WorkshopApp(small_workshop, today=dt.date(2026, 12, 1))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_actions(pilot)
        assert rows(screen)[0][4] == "○ planned"
        for status, mark in [
            ("doing", "◐ doing"),
            ("done", "● done"),
            ("dropped", "✖ dropped"),
            ("planned", "○ planned"),
        ]:
            await pilot.press("s")
            await pilot.pause()
            assert small_workshop.actions()[0].status == status
            assert rows(screen)[0][4] == mark
            assert headline(screen) == f"1 action(s): 1 {status}."
        await pilot.press("u")
        await pilot.pause()
        assert small_workshop.actions()[0].status == "dropped"
        assert rows(screen)[0][4] == "✖ dropped"


async def test_delete_asks_then_undo_restores(small_workshop: Workshop) -> None:
    before = small_workshop.actions()
    app = WorkshopApp(small_workshop, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_actions(pilot)
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmModal)
        assert "Quote on the spot" in str(app.screen.query_one("#question").render())
        await pilot.press("n")
        await pilot.pause()
        assert small_workshop.actions() == before
        await pilot.press("d", "y")
        await pilot.pause()
        assert type(app.screen) is ActionsScreen
        assert small_workshop.actions() == []
        assert rows(screen) == []
        assert headline(screen).startswith("No actions yet.")
        await pilot.press("u")
        await pilot.pause()
        assert small_workshop.actions() == before
        assert rows(screen)[0][:3] == ["Quote on the spot", "IT", "⚠ 2027-01-31"]


async def test_overdue_actions_are_marked(small_workshop: Workshop) -> None:
    """Due before today and still planned or doing: ⚠ in the row and a count in the headline;
    done, future and due-today actions are not marked; finishing one clears its mark."""
    ws = small_workshop
    it = ws.lookup_id("groups", "IT")
    ws.add_action(owner_id=it, due="2027-01-15", kpi="Done late", status="done")
    ws.add_action(owner_id=it, due="2027-02-09", kpi="Started", status="doing")
    ws.add_action(owner_id=it, due=TODAY.isoformat(), kpi="Due today")
    ws.add_action(owner_id=it, due="2027-03-01", kpi="Next month")
    app = WorkshopApp(ws, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_actions(pilot)
        due = [row[2] for row in rows(screen)]
        assert due == ["⚠ 2027-01-31", "2027-01-15", "⚠ 2027-02-09", "2027-02-10", "2027-03-01"]
        assert "⚠ 2027-01-31" in shown_row(screen, 0)
        assert "⚠" not in shown_row(screen, 1)
        assert headline(screen).endswith("⚠ 2 overdue.")
        await pilot.press("s", "s")  # the first one: planned → doing → done
        await pilot.pause()
        assert ws.actions()[0].status == "done"
        assert rows(screen)[0][2] == "2027-01-31"
        assert headline(screen).endswith("⚠ 1 overdue.")


@pytest.fixture
def bracketed(small_workshop: Workshop) -> Workshop:
    """A planned proposal and a revealed winner whose titles hold square brackets."""
    ws = small_workshop
    it = ws.lookup_id("groups", "IT")
    planned = ws.add_proposal("[b]Loud[/b] plan", owner_id=it)
    ws.add_action(owner_id=it, due="2027-05-01", proposal_id=planned, kpi="[i]On time[/i]")
    ws.add_action(owner_id=it, due="2027-05-02", kpi="A [/] B")
    winner = ws.add_proposal("[i]Quiet[/i] win", owner_id=it)
    round_id = ws.open_vote(proposals=[winner], votes_per_person=1)
    ws.cast_vote(round_id, ws.join("Ann"), winner)
    ws.reveal_vote(round_id)
    return ws


async def test_square_brackets_in_the_table_are_shown_as_typed(bracketed: Workshop) -> None:
    """Proposal titles and KPIs are not Rich markup: "[b]" stays, a stray "[/]" is harmless."""
    app = WorkshopApp(bracketed, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_actions(pilot)
        assert rows(screen)[1][:4] == ["[b]Loud[/b] plan", "IT", "2027-05-01", "[i]On time[/i]"]
        shown = shown_row(screen, 1)
        assert "[b]Loud[/b] plan" in shown and "[i]On time[/i]" in shown
        assert rows(screen)[2][3] == "A [/] B" and "A [/] B" in shown_row(screen, 2)


async def test_square_brackets_in_the_winner_form_title_are_shown_as_typed(
    bracketed: Workshop,
) -> None:
    app = WorkshopApp(bracketed, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await open_actions(pilot)
        await pilot.press("w")
        form = app.screen
        assert isinstance(form, ActionForm)
        assert form.query_one("#proposal", Select).value == bracketed.lookup_id(
            "proposals", "[i]Quiet[/i] win"
        )
        title = str(form.query_one("#form-title", Static).render())
        assert title == "Turn the winner “[i]Quiet[/i] win” into an action"


async def test_square_brackets_in_the_chosen_proposal_are_shown_as_typed(
    bracketed: Workshop,
) -> None:
    app = WorkshopApp(bracketed, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await open_actions(pilot)
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, ActionForm)
        await pick(pilot, "proposal", 2)  # Quote on the spot, [b]Loud[/b] plan
        chosen = form.query_one("#proposal", Select)
        assert chosen.value == bracketed.lookup_id("proposals", "[b]Loud[/b] plan")
        label = chosen.query_one("SelectCurrent #label", Static)
        assert str(label.render()) == "[b]Loud[/b] plan"


# -- the review of a follow-up workshop ----------------------------------------------------


@pytest.fixture
def follow_up(tmp_path: Path):
    """A follow-up of a workshop that left actions in all four statuses, open."""
    previous = tmp_path / "q3.db"
    with Workshop.create(previous, title="Q3 chain") as old:
        sales = old.add_group("Sales", kind="front line")
        it = old.add_group("IT")
        for title, owner, status in [
            ("Fix the CRM", it, "doing"),
            ("Quote on the spot", sales, "planned"),
            ("Laptops on day one", it, "done"),
            ("Weekly newsletter", sales, "dropped"),
        ]:
            proposal = old.add_proposal(title, owner_id=owner)
            old.add_action(owner_id=owner, due="2027-01-31", proposal_id=proposal, status=status)
    ws = Workshop.create(tmp_path / "q4.db", title="Q4 chain", follow_up=previous)
    ws.add_action(owner_id=ws.lookup_id("groups", "IT"), due="2027-05-31", kpi="New this time")
    yield ws
    ws.close()


async def test_review_lists_the_carried_actions_and_counts_moves(follow_up: Workshop) -> None:
    """The follow-up opens on the review: only the actions left planned or doing; s moves one
    to done, which is stored and counted as moved."""
    app = WorkshopApp(follow_up, today=dt.date(2026, 12, 1))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert type(screen) is ReviewScreen
        assert rows(screen) == [
            ["Fix the CRM", "IT", "2027-01-31", "◐ doing", "◐ doing"],
            ["Quote on the spot", "Sales", "2027-01-31", "○ planned", "○ planned"],
        ]
        assert headline(screen) == "2 action(s) carried over from “Q3 chain”; 0 moved so far."
        await pilot.press("s")
        await pilot.pause()
        crm = next(a for a in follow_up.actions() if a.proposal == "Fix the CRM")
        assert (crm.previous_status, crm.status, crm.moved) == ("doing", "done", True)
        assert rows(screen)[0][3:] == ["◐ doing", "● done"]
        assert headline(screen) == "2 action(s) carried over from “Q3 chain”; 1 moved so far."
        assert "Was doing at the last workshop; now done." in str(
            screen.query_one("#action-detail", Static).render()
        )


async def test_review_does_not_plan_or_delete(follow_up: Workshop) -> None:
    """a, w and d belong to the action-plans phase: hidden from the review, and doing nothing
    there; s and e stay."""
    before = follow_up.actions()
    app = WorkshopApp(follow_up, today=dt.date(2026, 12, 1))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert type(screen) is ReviewScreen
        keys = screen.active_bindings
        assert {"a", "w", "d", "delete"}.isdisjoint(keys)
        assert keys["s"].binding.action == "next_status"
        assert keys["e"].binding.action == "edit_action"
        for key in ("a", "w", "d", "delete"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen, key
        assert follow_up.actions() == before


async def test_w_says_so_when_every_winner_has_an_action(small_workshop: Workshop) -> None:
    """The only proposal with dots is planned already: w says that, not "reveal a vote"."""
    ws = small_workshop
    quote = ws.lookup_id("proposals", "Quote on the spot")  # already planned
    round_id = ws.open_vote(proposals=None, votes_per_person=2, max_per_item=2, hidden=True)
    ws.cast_vote(round_id, ws.join("Ann"), quote)
    ws.reveal_vote(round_id)
    ws.close_vote(round_id)
    app = WorkshopApp(ws, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await open_actions(pilot)
        await pilot.press("w")
        await pilot.pause()
        assert type(app.screen) is ActionsScreen
        assert "has an action already" in last_notice(app)
        assert "reveal" not in last_notice(app)
