"""Redo after undo: the latest undone change comes back while nothing else changed since,
it is logged, and undo takes it back again, as often as one likes."""

from __future__ import annotations

from pathlib import Path

import pytest

from screens.app import WorkshopApp
from screens.groups_screen import GroupsScreen
from screens.widgets.confirm import ConfirmModal
from workshop import Workshop, WorkshopError

SIZE = (120, 40)


def state(ws: Workshop) -> tuple[str, list[tuple[object, ...]]]:
    """Everything the workshop holds, ids included, as an export and the raw rows."""
    rows = [
        row
        for table in ("groups", "handoffs", "contributions", "comment_routes", "participants",
                      "votes", "proposals", "actions", "comments", "workshop")
        for row in ws.conn.execute(f'select * from "{table}" order by rowid')
    ]  # fmt: skip
    return ws.export("json"), rows


def round_trip(ws: Workshop, change, summary: str) -> None:
    """Make a change, then undo, redo, undo, redo it: the states alternate exactly."""
    before = state(ws)
    change()
    after = state(ws)
    assert ws.can_undo() == summary and ws.can_redo() is None
    for _ in range(2):
        assert ws.undo() == summary
        assert state(ws) == before
        assert ws.can_redo() == summary
        assert ws.redo() == summary
        assert state(ws) == after
        assert ws.can_redo() is None and ws.can_undo() == summary


def test_redo_an_added_group(small_workshop: Workshop) -> None:
    round_trip(small_workshop, lambda: small_workshop.add_group("Legal"), "Added group Legal")


def test_redo_a_delete_with_everything_that_cascades(small_workshop: Workshop) -> None:
    ws = small_workshop
    it = ws.lookup_id("groups", "IT")
    round_trip(ws, lambda: ws.delete_group(it), "Deleted group IT")


def test_redo_an_edit_routes_and_a_layer_delete(small_workshop: Workshop) -> None:
    ws = small_workshop
    sales = ws.lookup_id("groups", "Sales")
    round_trip(ws, lambda: ws.update_group(sales, role="New words"), "Edited group Sales")
    comment = ws.comments()[0]
    hr = ws.lookup_id("groups", "HR")
    round_trip(ws, lambda: ws.route_comment(comment.id, [hr]), f"Routed “{comment.text}” to HR")
    layer = ws.onion(ws.touchpoints()[0].id)[0]
    ws_summary = f"Deleted {layer.group}'s layer at {layer.touchpoint} and 1 resting on it"
    round_trip(ws, lambda: ws.delete_contribution(layer.id), ws_summary)


def test_redo_a_comments_import_and_a_renamed_workshop(small_workshop: Workshop) -> None:
    ws = small_workshop
    csv = "text,sentiment\nSlow,negative\nKind,positive\n"
    round_trip(ws, lambda: ws.import_comments_csv(csv), "Imported 2 comments from the CSV")
    round_trip(
        ws,
        lambda: ws.update_info(title="Renamed", date="2027-01-02"),
        "Changed the workshop's title and date",
    )
    assert ws.info().title == "Renamed"


def test_redo_several_undos_in_turn_newest_undo_first(small_workshop: Workshop) -> None:
    ws = small_workshop
    start = state(ws)
    ws.add_group("Legal")
    one = state(ws)
    ws.add_group("Finance")
    two = state(ws)
    assert ws.undo() == "Added group Finance" and ws.undo() == "Added group Legal"
    assert state(ws) == start
    assert ws.redo() == "Added group Legal" and state(ws) == one
    assert ws.redo() == "Added group Finance" and state(ws) == two
    with pytest.raises(WorkshopError, match=r"^Nothing to redo\.$"):
        ws.redo()


def test_a_change_after_the_undo_ends_redo(small_workshop: Workshop, connect) -> None:
    ws = small_workshop
    ws.add_group("Legal")
    ws.undo()
    other = connect(ws.path, "Ann")  # another program's change counts too
    other.act_as_participant(other.join("Ann"))
    assert ws.can_redo() is None
    with pytest.raises(WorkshopError, match="Nothing to redo: the workshop changed since the undo"):
        ws.redo()
    assert ws.lookup_id("groups", "Legal") is None


def test_nothing_to_redo_on_a_fresh_file_or_after_redoing(small_workshop: Workshop) -> None:
    ws = small_workshop
    with pytest.raises(WorkshopError, match=r"^Nothing to redo\.$"):
        ws.redo()
    ws.add_group("Legal")
    ws.undo()
    ws.redo()
    ws.add_group("Finance")  # a change after a redo: nothing was undone since
    with pytest.raises(WorkshopError, match=r"^Nothing to redo\.$"):
        ws.redo()


def test_redo_is_logged(small_workshop: Workshop) -> None:
    ws = small_workshop
    ws.add_group("Legal")
    ws.undo()
    ws.redo()
    kinds = [(e["kind"], e["summary"], e["undone"]) for e in ws.history(3)]
    assert kinds == [
        ("redo", "Redid: Added group Legal", 0),
        ("undo", "Undid: Added group Legal", 1),  # redone
        ("add", "Added group Legal", 0),
    ]


def test_redo_deletes_rows_that_came_back_under_new_ids(small_workshop: Workshop) -> None:
    """A deleted proposal's dots free their ids; a dot placed meanwhile takes one; undo puts
    the dots back under new ids, and redo deletes those, not the newer dot."""
    ws = small_workshop
    second = ws.add_proposal("Second idea")
    first = ws.lookup_id("proposals", "Quote on the spot")
    round_id = ws.open_vote("First?", votes_per_person=3)
    ann = ws.join("Ann")
    ws.cast_vote(round_id, ann, first)
    ws.cast_vote(round_id, ann, first)
    ws.delete_proposal(first)
    ws.cast_vote(round_id, ann, second)  # a dot (not undone) takes the first freed id

    def votes() -> list[tuple[int, int]]:
        return ws.conn.execute("select id, proposal_id from votes order by id").fetchall()

    assert votes() == [(1, second)]
    assert ws.undo() == "Deleted proposal Quote on the spot"
    assert votes() == [(1, second), (2, first), (3, first)]
    assert ws.redo() == "Deleted proposal Quote on the spot"
    assert votes() == [(1, second)] and ws.lookup_id("proposals", "Quote on the spot") is None
    assert ws.undo() == "Deleted proposal Quote on the spot"
    assert [v[1] for v in votes()] == [second, first, first]


def test_a_participant_cannot_redo(workshop_path: Path, connect) -> None:
    fac, ann = connect(workshop_path), connect(workshop_path, "Ann")
    ann.act_as_participant(ann.join("Ann"))
    fac.add_group("Legal")
    fac.undo()
    with pytest.raises(WorkshopError, match="Only the facilitator can redo changes"):
        ann.redo()
    assert fac.redo() == "Added group Legal"


def test_an_undo_of_an_older_release_has_nothing_to_redo(small_workshop: Workshop) -> None:
    """Undos logged before redo existed carry no redo data: nothing to redo, no error."""
    ws = small_workshop
    ws.add_group("Legal")
    ws.undo()
    ws.conn.execute("update events set redo = '' where kind = 'undo'")
    ws.conn.commit()
    assert ws.can_redo() is None
    with pytest.raises(WorkshopError, match=r"^Nothing to redo\.$"):
        ws.redo()


# -- the app -----------------------------------------------------------------------------------


def group_names(ws: Workshop) -> list[str]:
    return [g.name for g in ws.groups()]


async def add_group(pilot, name: str) -> None:
    await pilot.press("a")
    await pilot.pause()
    await pilot.press(*name, "ctrl+s")
    await pilot.pause()


@pytest.mark.parametrize("redo_key", ["U", "ctrl+y"])
async def test_add_undo_redo_then_delete_undo_redo(small_workshop: Workshop, redo_key: str):
    ws = small_workshop
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, GroupsScreen)
        await add_group(pilot, "Legal")
        assert "Legal" in group_names(ws)
        await pilot.press("u")
        await pilot.pause()
        assert "Legal" not in group_names(ws)
        await pilot.press(redo_key)
        await pilot.pause()
        assert "Legal" in group_names(ws)
        assert "Redone: Added group Legal." in [n.message for n in app._notifications]
        table = app.screen.query_one("#groups")
        assert str(ws.lookup_id("groups", "Legal")) in [k.value for k in table.rows]
        # delete, undo, redo
        table.move_cursor(row=table.get_row_index(str(ws.lookup_id("groups", "Legal"))))
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert "Legal" not in group_names(ws)
        await pilot.press("u")
        await pilot.pause()
        assert "Legal" in group_names(ws)
        await pilot.press(redo_key)
        await pilot.pause()
        assert "Legal" not in group_names(ws)
        await pilot.press(redo_key)  # nothing more: told, nothing changes
        await pilot.pause()
        assert "Nothing to redo." in [n.message for n in app._notifications]
        assert app.is_running


async def test_the_redo_key_is_the_facilitators_and_waits_behind_a_dialog(
    small_workshop: Workshop,
) -> None:
    ws = small_workshop
    ws.add_group("Legal")
    ws.undo()
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")  # a form is open: U is typed into it
        await pilot.pause()
        await pilot.press("U")
        await pilot.pause()
        assert "Legal" not in group_names(ws)
        assert "redo" in WorkshopApp.ROOM_ACTIONS
        assert app.check_action("redo", ()) is False  # behind a dialog
    participant = Workshop.open(ws.path, actor="Ann")
    me = participant.join("Ann")
    participant.act_as_participant(me)
    joined = WorkshopApp(participant, facilitator=False, participant_id=me)
    assert not joined.offers("redo")
    participant.close()


def test_redo_is_in_the_help_and_the_palette() -> None:
    from screens.help_screen import help_markdown

    text = help_markdown()
    assert "`U`" in text and "`ctrl+y`" in text and "Redo what the last undo took back" in text
    binding = next(b for b in WorkshopApp.BINDINGS if getattr(b, "id", None) == "app.redo")
    assert binding.tooltip and binding.action == "redo"
