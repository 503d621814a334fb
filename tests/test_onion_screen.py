"""Pilot tests: the facilitator peels a touchpoint's onion with the room, by keyboard."""

from __future__ import annotations

import json

from textual.widgets import Checkbox, DataTable, Input, Select, Tree

from screens.app import WorkshopApp
from screens.contribution_form import ContributionForm
from screens.onion_screen import OnionScreen
from screens.touchpoint_form import TouchpointForm
from screens.widgets.confirm import ConfirmModal
from screens.widgets.plain_text_area import PlainTextArea


async def open_onion(pilot) -> OnionScreen:
    await pilot.press("4")
    await pilot.pause()
    assert isinstance(pilot.app.screen, OnionScreen)
    return pilot.app.screen


async def choose(pilot, select_id: str, value: object) -> None:
    pilot.app.screen.query_one(select_id, Select).value = value
    await pilot.pause()


def content(ws) -> dict:
    """The exported workshop without its header (the phase moves as the app does)."""
    data = json.loads(ws.export("json"))
    del data["workshop"]
    return data


def tree_lines(screen: OnionScreen) -> list[str]:
    """The onion as the room reads it: every node's label, depth-first."""
    lines: list[str] = []

    def walk(node, depth: int) -> None:
        lines.append("  " * depth + str(node.label))
        for child in node.children:
            walk(child, depth + 1)

    walk(screen.query_one("#onion-tree", Tree).root, 0)
    return lines


async def add_layer(pilot, group: str, helps: str | None, what: str, *, weak: bool = False):
    ws = pilot.app.ws
    await pilot.press("a")
    form = pilot.app.screen
    assert isinstance(form, ContributionForm)
    await choose(pilot, "#group", ws.lookup_id("groups", group))
    await choose(pilot, "#supports", ws.lookup_id("groups", helps) if helps else "owner")
    form.query_one("#what", PlainTextArea).value = what
    if weak:
        await choose(pilot, "#effect", "weakens")
        form.query_one("#fail_point", Checkbox).value = True
    await pilot.press("ctrl+s")
    await pilot.pause()


async def test_touchpoints_are_listed_per_customer(small_workshop):
    """The list shows the touchpoint with its customer, owner, channel and onion depth."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_onion(pilot)
        table = screen.query_one("#touchpoint-table", DataTable)
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[:5] == ["Homeowners", "First visit", "Sales", "on site", "2"]
        assert row[5] == "✖ 1"


async def test_add_a_touchpoint_then_undo(small_workshop):
    """n opens the form; saving adds the touchpoint; u takes it away again."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_onion(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, TouchpointForm)
        await pilot.press(*"Renewal call")
        await choose(pilot, "#customer", small_workshop.lookup_id("customers", "Homeowners"))
        await choose(pilot, "#owner", small_workshop.lookup_id("groups", "Sales"))
        app.screen.query_one("#channel", Input).value = "phone"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert [t.name for t in small_workshop.touchpoints()] == ["First visit", "Renewal call"]
        assert small_workshop.touchpoints()[1].channel == "phone"
        await pilot.press("u")
        await pilot.pause()
        assert [t.name for t in small_workshop.touchpoints()] == ["First visit"]


async def test_touchpoint_without_owner_is_refused_in_the_form(small_workshop):
    """The owner is the centre of the onion: the form says so and stays open."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_onion(pilot)
        await pilot.press("n", *"Ownerless")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, TouchpointForm)
        assert "owns this touchpoint" in str(app.screen.query_one("#error").render())
        assert len(small_workshop.touchpoints()) == 1


async def test_build_a_three_layer_onion_and_mark_a_weak_link(tmp_path):
    """From an empty onion: three layers by keyboard, the third marked weakening with w."""
    from workshop import Workshop

    ws = Workshop.create(tmp_path / "onion.db", title="Onion")
    customer = ws.add_customer("Tenants")
    owner = ws.add_group("Front desk", kind="front line")
    for name in ("Cleaning", "Laundry", "Purchasing"):
        ws.add_group(name)
    ws.add_touchpoint("Check-in", customer_id=customer, owner_id=owner, channel="in person")
    app = WorkshopApp(ws)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_onion(pilot)
        await pilot.press("enter")
        assert screen.query_one("#views").active == "onion"
        await add_layer(pilot, "Cleaning", None, "Rooms ready by two")
        await add_layer(pilot, "Laundry", "Cleaning", "Fresh linen by noon")
        await add_layer(pilot, "Purchasing", "Laundry", "Detergent in stock")
        layers = {c.group: c.layer for c in ws.onion(ws.touchpoints()[0].id)}
        assert layers == {"Cleaning": 1, "Laundry": 2, "Purchasing": 3}
        lines = tree_lines(screen)
        assert lines[0].startswith("0 Front desk")
        assert lines[1:] == [
            "  1 Cleaning — Rooms ready by two",
            "    2 Laundry — Fresh linen by noon",
            "      3 Purchasing — Detergent in stock",
        ]
        tree = screen.query_one("#onion-tree", Tree)
        tree.focus()
        tree.move_cursor(tree.root.children[0].children[0].children[0])
        await pilot.press("w", "f")
        await pilot.pause()
        purchasing = ws.onion(ws.touchpoints()[0].id)[2]
        assert purchasing.weakens and purchasing.fail_point
        assert "✖ WEAKENS" in tree_lines(screen)[3] and "⚠ fail point" in tree_lines(screen)[3]
        await pilot.press("u")
        await pilot.pause()
        purchasing = ws.onion(ws.touchpoints()[0].id)[2]
        assert purchasing.weakens and not purchasing.fail_point
    ws.close()


async def test_layer_form_offers_only_valid_choices(small_workshop):
    """Editing IT's layer: HR rests on IT, so HR is not offered as whom IT helps."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_onion(pilot)
        await pilot.press("enter")
        tree = screen.query_one("#onion-tree", Tree)
        tree.move_cursor(tree.root.children[0])
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, ContributionForm)
        offered = [label for label, _ in form.query_one("#supports", Select)._options]
        assert [str(label) for label in offered] == ["layer 0 · Sales (owner)"]
        groups = [str(label) for label, _ in form.query_one("#group", Select)._options][1:]
        assert groups == ["IT", "Audit"]
        await pilot.press("escape")


async def test_a_new_group_can_rest_on_any_layer(small_workshop):
    """Adding Audit to the onion: it may help the owner, IT or HR."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_onion(pilot)
        await pilot.press("o")
        await add_layer(pilot, "Audit", "HR", "Checks the training records")
        audit = next(c for c in small_workshop.onion(1) if c.group == "Audit")
        assert (audit.supports, audit.layer) == ("HR", 3)


async def test_deleting_a_layer_takes_what_rests_on_it_and_undo_restores(small_workshop):
    """d on IT's layer asks, names HR resting on it, deletes both; u brings both back."""
    before = content(small_workshop)
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_onion(pilot)
        await pilot.press("o")
        tree = screen.query_one("#onion-tree", Tree)
        tree.move_cursor(tree.root.children[0])
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmModal)
        assert "HR" in str(app.screen.query_one("#detail").render())
        await pilot.press("y")
        await pilot.pause()
        assert small_workshop.onion(1) == []
        await pilot.press("u")
        await pilot.pause()
        assert content(small_workshop) == before


async def test_group_view_shows_reach_and_weak_links(demo_workshop):
    """IT in the demo: five touchpoints at their layers; its weakening link is listed (at
    160 columns, where the names have room to show whole)."""
    app = WorkshopApp(demo_workshop)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_onion(pilot)
        await pilot.press("g")
        picker = screen.query_one("#group-picker")
        picker.highlighted = picker.get_option_index(str(demo_workshop.lookup_id("groups", "IT")))
        await pilot.pause()
        table = screen.query_one("#reach-table", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [(r[0], r[1]) for r in rows] == [
            ("First sales visit", "1"),
            ("Installation day", "3"),
            ("Fault hotline call", "1"),
            ("First invoice", "3"),
            ("Annual service visit", "2"),
        ]
        weak = str(screen.query_one("#weak-links").render())
        assert "First sales visit" in weak and "Fault hotline call" in weak
