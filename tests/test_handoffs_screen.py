"""Pilot tests: the facilitator walks the room through "who is your customer?" by keyboard."""

from __future__ import annotations

from textual.widgets import DataTable, Input, OptionList, Select, TabbedContent, Tree

from screens.app import WorkshopApp
from screens.handoff_form import HandoffForm
from screens.handoffs_screen import HandoffsScreen
from screens.widgets.confirm import ConfirmModal
from screens.widgets.plain_text_area import PlainTextArea
from screens.widgets.record_form import RecordForm


async def open_handoffs(pilot) -> HandoffsScreen:
    await pilot.press("3")
    await pilot.pause()
    assert isinstance(pilot.app.screen, HandoffsScreen)
    return pilot.app.screen


async def pick_group(pilot, screen: HandoffsScreen, name: str) -> None:
    picker = screen.query_one("#picker", OptionList)
    picker.focus()
    picker.highlighted = [g.name for g in screen.groups].index(name)
    await pilot.pause()


async def test_picking_a_group_shows_whom_it_serves_and_its_suppliers(small_workshop):
    """IT serves Sales and HR; HR hands work to IT."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_handoffs(pilot)
        await pick_group(pilot, screen, "IT")
        serves = screen.query_one("#serves", DataTable)
        suppliers = screen.query_one("#suppliers", DataTable)
        assert [str(serves.get_row_at(i)[0]) for i in range(serves.row_count)] == ["Sales", "HR"]
        assert [str(suppliers.get_row_at(i)[0]) for i in range(suppliers.row_count)] == ["HR"]
        assert "IT serves 2" in str(screen.query_one("#serves-title").render())


async def test_facilitator_edits_a_handoff_expectation(small_workshop):
    """Edit the highlighted hand-off: the new expectation is saved in the file."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_handoffs(pilot)
        await pick_group(pilot, screen, "IT")
        screen.query_one("#serves", DataTable).focus()
        await pilot.press("e")
        assert isinstance(app.screen, HandoffForm)
        expectation = app.screen.query_one("#expectation", PlainTextArea)
        expectation.value = "Fixed within 2 hours"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, HandoffsScreen)
        it = small_workshop.lookup_id("groups", "IT")
        assert small_workshop.handoffs_from(it)[0].expectation == "Fixed within 2 hours"


async def test_entering_ratings_updates_the_gap(small_workshop):
    """r opens the ratings; typing 5 and 1 gives a gap of +4 everywhere."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_handoffs(pilot)
        await pick_group(pilot, screen, "HR")
        screen.query_one("#serves", DataTable).focus()
        await pilot.press("r")
        assert isinstance(app.screen, HandoffForm)
        assert app.focused is app.screen.query_one("#self_rating", Input)
        await pilot.press("5", "tab", "1", "enter")
        await pilot.pause()
        assert isinstance(app.screen, HandoffsScreen)
        hr = small_workshop.lookup_id("groups", "HR")
        handoff = small_workshop.handoffs_from(hr)[0]
        assert (handoff.self_rating, handoff.customer_rating, handoff.gap) == (5, 1, 4)
        assert str(screen.query_one("#serves", DataTable).get_row_at(0)[4]) == "▲ +4"
        assert small_workshop.perception_gaps()[0].id == handoff.id


async def test_out_of_range_and_non_numeric_ratings_are_refused(small_workshop):
    """7 and "abc" are refused with a message; the form stays open and nothing changes."""
    before = small_workshop.handoffs()
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_handoffs(pilot)
        screen.query_one("#serves", DataTable).focus()
        await pilot.press("r", "ctrl+a", "backspace", "7", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, HandoffForm)
        assert "from 1 to 5" in str(app.screen.query_one("#error").render())
        rating = app.screen.query_one("#self_rating", Input)
        rating.value = "abc"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "from 1 to 5" in str(app.screen.query_one("#error").render())
        assert rating.value == "abc"
        await pilot.press("escape")
    assert small_workshop.handoffs() == before


async def test_adding_a_handoff_to_a_customer(small_workshop):
    """a, choose a customer, describe it: the group now serves that customer."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_handoffs(pilot)
        await pick_group(pilot, screen, "Audit")
        await pilot.press("a")
        assert isinstance(app.screen, HandoffForm)
        app.screen.query_one("#receiver", Select).value = "Homeowners"
        app.screen.query_one("#provides", Input).value = "Clean annual accounts"
        await pilot.press("ctrl+s")
        await pilot.pause()
        audit = small_workshop.group(small_workshop.lookup_id("groups", "Audit"))
        assert audit.customer_distance == 1
        assert not any(g.is_orphan for g in small_workshop.groups())


async def test_a_handoff_needs_a_receiver(small_workshop):
    """Saving without choosing whom it serves says so."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_handoffs(pilot)
        await pilot.press("a", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)
        assert "whom this hand-off serves" in str(app.screen.query_one("#error").render())


async def test_deleting_a_handoff_asks_and_can_be_undone(small_workshop):
    """d asks; y deletes; u brings it back."""
    count = len(small_workshop.handoffs())
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_handoffs(pilot)
        screen.query_one("#serves", DataTable).focus()
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert len(small_workshop.handoffs()) == count - 1
        await pilot.press("u")
        await pilot.pause()
        assert len(small_workshop.handoffs()) == count


async def test_gap_view_ranks_largest_first_and_reads_without_colour(small_workshop):
    """p shows the gaps: +2 (IT → Sales) first, unrated ones last and written as such."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_handoffs(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert screen.query_one(TabbedContent).active == "gap"
        gaps = screen.query_one("#gaps", DataTable)
        rows = [[str(cell) for cell in gaps.get_row_at(i)] for i in range(gaps.row_count)]
        assert rows[0][4] == "▲ +2" and rows[1][4] == "▲ +2"
        assert rows[-1][4] == "unrated" and rows[-2][4] == "unrated"
        summary = screen.query_one("#group-gaps", DataTable)
        assert str(summary.get_row_at(0)[0]) in ("Sales", "IT")


async def test_chain_view_shows_the_tree_and_flags_the_orphan(small_workshop):
    """t shows customers at the roots, groups below by distance, and the orphan in words."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_handoffs(pilot)
        await pilot.press("t")
        await pilot.pause()
        assert "NOT CONNECTED" in str(screen.query_one("#orphans").render())
        assert "Audit" in str(screen.query_one("#orphans").render())
        tree = screen.query_one("#chain-tree", Tree)
        homeowners = tree.root.children[0]
        assert "Homeowners" in str(homeowners.label)
        sales = homeowners.children[0]
        assert "Sales" in str(sales.label)
        assert "IT" in str(sales.children[0].label)
        assert "HR" in str(sales.children[0].children[0].label)


async def test_new_customer_can_be_served(small_workshop):
    """n adds a paying customer, which the hand-off form then offers."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_handoffs(pilot)
        await pilot.press("n")
        app.screen.query_one("#name", Input).value = "Landlords"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert [c.name for c in small_workshop.customers()] == ["Homeowners", "Landlords"]
        await pilot.press("a")
        options = [value for _, value in app.screen.query_one("#receiver", Select)._options]
        assert "Landlords" in options


async def test_the_new_customer_form_takes_the_first_words_typed(small_workshop):
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_handoffs(pilot)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Tenants", "ctrl+s")
        await pilot.pause()
        assert [c.name for c in small_workshop.customers()] == ["Homeowners", "Tenants"]


async def test_a_customer_is_edited_and_deleted_from_the_chain_view(small_workshop):
    """In the chain view, e on a paying customer edits it and d deletes it (asks first; the
    hand-offs to it go too; u brings everything back)."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_handoffs(pilot)
        await pilot.press("t")
        await pilot.pause()
        tree = screen.query_one("#chain-tree", Tree)
        tree.focus()
        tree.move_cursor(tree.root.children[0])
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordForm)
        assert form.query_one("#name", Input).value == "Homeowners"
        form.query_one("#name", Input).value = "Households"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert [c.name for c in small_workshop.customers()] == ["Households"]
        served = [h for h in small_workshop.handoffs() if h.to_customer]
        assert served
        tree.move_cursor(tree.root.children[0])
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert small_workshop.customers() == []
        assert not [h for h in small_workshop.handoffs() if h.to_customer]
        await pilot.press("u")
        await pilot.pause()
        assert [c.name for c in small_workshop.customers()] == ["Households"]
        assert len([h for h in small_workshop.handoffs() if h.to_customer]) == len(served)
