"""Pilot tests: customer comments entered, routed to the groups they concern, and read per group."""

from __future__ import annotations

from textual.widgets import DataTable, Input, OptionList, Select, SelectionList

from screens.app import WorkshopApp
from screens.comment_form import CommentForm
from screens.comments_screen import CommentsScreen
from screens.route_form import RouteForm
from screens.widgets.confirm import ConfirmModal
from screens.widgets.plain_text_area import PlainTextArea


async def open_comments(pilot) -> CommentsScreen:
    await pilot.press("5")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommentsScreen)
    return pilot.app.screen


async def add_comment(pilot, text: str, touchpoint_id: int | None, sentiment: str) -> None:
    await pilot.press("a")
    form = pilot.app.screen
    assert isinstance(form, CommentForm)
    form.query_one("#text", PlainTextArea).value = text
    if touchpoint_id is not None:
        form.query_one("#touchpoint", Select).value = touchpoint_id
    form.query_one("#sentiment", Select).value = sentiment
    form.query_one("#date", Input).value = "2026-11-20"
    await pilot.press("ctrl+s")
    await pilot.pause()


async def test_enter_a_comment_and_route_it_to_the_suggested_groups(small_workshop):
    """A new comment at First visit: routing ticks the onion (Sales, IT, HR); saving routes it."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_comments(pilot)
        await add_comment(pilot, "Nobody called back", 1, "negative")
        assert isinstance(app.screen, CommentsScreen)
        table = screen.query_one("#comment-table", DataTable)
        assert [str(c) for c in table.get_row_at(0)][:4] == [
            "2026-11-20",
            "− negative",
            "First visit",
            "Nobody called back",
        ]
        assert str(table.get_row_at(0)[4]) == "✖ not routed"
        await pilot.press("r")
        form = app.screen
        assert isinstance(form, RouteForm)
        routes = form.query_one("#routes", SelectionList)
        names = {g.id: g.name for g in small_workshop.groups()}
        assert sorted(names[g] for g in routes.selected) == ["HR", "IT", "Sales"]
        assert "Routed to: Sales, IT, HR" in str(form.query_one("#route-summary").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        newest = small_workshop.comments()[0]
        assert (newest.text, set(newest.routed_to)) == ("Nobody called back", {"Sales", "IT", "HR"})
        assert str(table.get_row_at(0)[4]) == "Sales, IT, HR"


async def test_facilitator_changes_the_routing_and_undoes_it(small_workshop):
    """Unticking Sales with the keyboard routes the comment to IT only; u restores Sales, IT."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_comments(pilot)
        await pilot.press("r")
        form = app.screen
        assert isinstance(form, RouteForm)
        routes = form.query_one("#routes", SelectionList)
        sales = small_workshop.lookup_id("groups", "Sales")
        routes.highlighted = [routes.get_option_at_index(i).value for i in range(4)].index(sales)
        await pilot.press("space")
        assert "Routed to: IT" in str(form.query_one("#route-summary").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert small_workshop.comments()[0].routed_to == ("IT",)
        await pilot.press("u")
        await pilot.pause()
        assert small_workshop.comments()[0].routed_to == ("Sales", "IT")


async def test_bad_date_is_refused_in_the_form(small_workshop):
    """A date that is not YYYY-MM-DD: the form says so and keeps what was typed."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_comments(pilot)
        await pilot.press("a", *"Great crew")
        app.screen.query_one("#date", Input).value = "31/12/2026"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CommentForm)
        assert "2026-03-31" in str(app.screen.query_one("#error").render())
        assert app.screen.query_one("#text", PlainTextArea).value == "Great crew"
        assert len(small_workshop.comments()) == 1


async def test_each_group_sees_its_own_stream(demo_workshop):
    """The streams view: Customer Support's comments newest first, counts by sentiment."""
    app = WorkshopApp(demo_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_comments(pilot)
        await pilot.press("g")
        support = demo_workshop.lookup_id("groups", "Customer Support")
        picker = screen.query_one("#stream-picker", OptionList)
        picker.highlighted = picker.get_option_index(str(support))
        await pilot.pause()
        stream, counts = demo_workshop.comment_stream(support)
        table = screen.query_one("#stream-table", DataTable)
        dates = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert dates == [c.date for c in stream] and dates == sorted(dates, reverse=True)
        title = str(screen.query_one("#stream-title").render())
        assert f"{len(stream)} comment(s)" in title
        assert f"− negative {counts['negative']}" in title


async def test_delete_a_comment_and_undo(small_workshop):
    """d asks first; the comment and its routes go; u brings both back."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_comments(pilot)
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert small_workshop.comments() == []
        await pilot.press("u")
        await pilot.pause()
        assert small_workshop.comments()[0].routed_to == ("Sales", "IT")
