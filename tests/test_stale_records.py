"""A key pressed on a record that another terminal changed or deleted a moment before: on every
phase screen and for every writing key, the app lives on, says why in a notification and shows
the workshop afresh (screens/guarded.py). Also a participant's keys once a locking timer ran out.

Another process's change reaches the screen within a tenth of a second (the app polls the
file); the key here comes inside that tenth: `behind` makes the change through a second
connection and marks it as already seen, so the screen still shows the record as it was."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.css.query import NoMatches
from textual.widgets import DataTable, Input, TabbedContent, Tree

from screens.app import WorkshopApp
from screens.phase_screen import PhaseScreen
from screens.widgets.confirm import ConfirmModal
from screens.widgets.plain_text_area import PlainTextArea
from screens.widgets.record_form import RecordForm
from workshop import Workshop
from workshop.model import Contribution, Touchpoint

SIZE = (120, 40)
GONE = "no longer exists"


def behind(app: WorkshopApp, change: Callable[[Workshop], object]) -> None:
    """Change the workshop through another connection, before the app's poll sees it."""
    with Workshop.open(app.ws.path) as other:
        change(other)
    app._seen_version = app.ws.data_version()  # the key below comes before the next poll


def notices(app: WorkshopApp) -> list[str]:
    return [n.message for n in app._notifications]


async def press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()


async def refused(pilot, change: Callable[[Workshop], object], *keys: str, says: str = GONE):
    """Make `change` behind the app's back, press `keys`: the app is alive, no dialog is left
    open, and the latest notification says `says`."""
    app = pilot.app
    before = len(app._notifications)
    behind(app, change)
    await press(pilot, *keys)
    assert app.is_running
    assert isinstance(app.screen, PhaseScreen), app.screen
    told = notices(app)[before:]
    assert told and says in told[-1], told


async def go(pilot, phase_key: str, *keys: str) -> PhaseScreen:
    await press(pilot, phase_key, *keys)
    screen = pilot.app.screen
    assert isinstance(screen, PhaseScreen)
    return screen


def row_keys(screen: PhaseScreen, table_id: str) -> list[str]:
    table = screen.query_one(f"#{table_id}", DataTable)
    return [str(key.value) for key in table.rows]


@pytest.fixture
def ws(workshop_path: Path):
    """The small organisation with a few more records to act on, open as facilitator."""
    ws = Workshop.open(workshop_path)
    ids = {g.name: g.id for g in ws.groups()}
    for title in ("Second proposal", "Third proposal", "Fourth proposal"):
        proposal = ws.add_proposal(title, owner_id=ids["IT"])
        ws.add_action(owner_id=ids["IT"], proposal_id=proposal, due="2027-03-31", kpi=title)
        ws.add_comment(f"About {title}")
    for receiver in ("IT", "HR", "Audit"):
        ws.add_handoff(ids["Sales"], receiver, provides=f"Leads for {receiver}")
    yield ws
    ws.close()


# -- tables: each key on the highlighted row, deleted meanwhile ---------------------------------

TABLE_KEYS = [
    # phase key, view keys, table, key that acts, the deleting call by id
    ("2", (), "groups", "e", lambda w, i: w.delete_group(i)),
    ("2", (), "groups", "d", lambda w, i: w.delete_group(i)),
    ("3", (), "serves", "e", lambda w, i: w.delete_handoff(i)),
    ("3", (), "serves", "r", lambda w, i: w.delete_handoff(i)),
    ("3", (), "serves", "d", lambda w, i: w.delete_handoff(i)),
    ("3", ("p",), "gaps", "e", lambda w, i: w.delete_handoff(i)),
    ("4", ("t",), "touchpoint-table", "e", lambda w, i: w.delete_touchpoint(i)),
    ("4", ("t",), "touchpoint-table", "d", lambda w, i: w.delete_touchpoint(i)),
    ("5", (), "comment-table", "e", lambda w, i: w.delete_comment(i)),
    ("5", (), "comment-table", "r", lambda w, i: w.delete_comment(i)),
    ("5", (), "comment-table", "d", lambda w, i: w.delete_comment(i)),
    ("6", (), "proposal-table", "e", lambda w, i: w.delete_proposal(i)),
    ("6", (), "proposal-table", "d", lambda w, i: w.delete_proposal(i)),
    ("8", (), "action-table", "s", lambda w, i: w.delete_action(i)),
    ("8", (), "action-table", "e", lambda w, i: w.delete_action(i)),
    ("8", (), "action-table", "d", lambda w, i: w.delete_action(i)),
]


@pytest.mark.parametrize(
    ("phase", "view", "table", "key", "delete"),
    TABLE_KEYS,
    ids=[f"{t}-{k}" for _, _, t, k, _ in TABLE_KEYS],
)
async def test_a_key_on_a_row_deleted_meanwhile_is_told_and_the_screen_reloads(
    ws: Workshop, phase: str, view: tuple[str, ...], table: str, key: str, delete
) -> None:
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await go(pilot, phase, *view)
        grid = screen.query_one(f"#{table}", DataTable)
        grid.focus()
        await pilot.pause()
        highlighted = str(grid.coordinate_to_cell_key(grid.cursor_coordinate).row_key.value)
        await refused(pilot, lambda w: delete(w, int(highlighted)), key)
        assert highlighted not in row_keys(screen, table)  # shown afresh


async def test_the_highlighted_row_deleted_while_the_dialog_asks(ws: Workshop) -> None:
    """d asks; the action goes meanwhile; y: told, not a crash."""
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await go(pilot, "8")
        first = screen.rows[0]
        await press(pilot, "d")
        assert isinstance(app.screen, ConfirmModal)
        await refused(pilot, lambda w: w.delete_action(first.id), "y")
        assert str(first.id) not in row_keys(screen, "action-table")


async def test_an_edit_opens_with_what_another_terminal_saved_meanwhile(ws: Workshop) -> None:
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await go(pilot, "2")
        group = screen.groups[0]
        behind(app, lambda w: w.update_group(group.id, name="Renamed meanwhile"))
        await press(pilot, "e")
        assert isinstance(app.screen, RecordForm)
        assert app.screen.query_one("#name", Input).value == "Renamed meanwhile"


async def test_a_save_after_the_record_went_meanwhile_stays_in_the_form(ws: Workshop) -> None:
    """The form says so and keeps what was typed; escape returns to a reloaded screen."""
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await go(pilot, "6")
        proposal = screen.rows[0]
        await press(pilot, "e")
        form = app.screen
        assert isinstance(form, RecordForm)
        behind(app, lambda w: w.delete_proposal(proposal.id))
        await press(pilot, "ctrl+s")
        assert app.screen is form
        assert GONE in str(form.query_one("#error").render())
        await press(pilot, "escape")
        assert app.is_running and app.screen is screen
        assert str(proposal.id) not in row_keys(screen, "proposal-table")


async def test_adding_a_hand_off_from_a_group_deleted_meanwhile(ws: Workshop) -> None:
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await go(pilot, "3")
        group = screen.picked()
        assert group is not None
        await refused(pilot, lambda w: w.delete_group(group.id), "a")


@pytest.mark.parametrize("key", ["s", "e"])
async def test_the_review_keys_on_a_carried_action_deleted_meanwhile(
    tmp_path: Path, key: str
) -> None:
    previous = tmp_path / "q3.db"
    with Workshop.create(previous, title="Q3 chain") as old:
        it = old.add_group("IT")
        for title in ("Fix the CRM", "Laptops on day one"):
            proposal = old.add_proposal(title, owner_id=it)
            old.add_action(owner_id=it, proposal_id=proposal, due="2027-01-31")
    with Workshop.create(tmp_path / "q4.db", title="Q4 chain", follow_up=previous) as ws:
        app = WorkshopApp(ws)
        async with app.run_test(size=SIZE) as pilot:
            screen = await go(pilot, "1")
            carried = screen.rows[0]
            await refused(pilot, lambda w: w.delete_action(carried.id), key)
            assert str(carried.id) not in row_keys(screen, "action-table")


# -- the onion: layers in the tree, touchpoints in the picker and the list ----------------------


async def onion_layer(pilot) -> Contribution:
    """The onion view with the cursor on its first layer. A participant's app may still be
    building the room's phase screen as the test begins, so "o" is pressed until it shows."""
    await go(pilot, "4")
    deadline = time.monotonic() + 10
    while True:
        assert time.monotonic() < deadline, f"the onion never showed; focus: {pilot.app.focused}"
        screen = pilot.app.screen
        try:
            tree = screen.query_one("#onion-tree", Tree)
            view = screen.query_one(TabbedContent).active
        except NoMatches:  # still being built
            await pilot.pause(0.05)
            continue
        if view != "onion":
            await press(pilot, "o")
        elif tree.has_focus and any(isinstance(n.data, int) for n in tree.root.children):
            break
        await pilot.pause(0.05)
    for _ in range(3):  # from the touchpoint's line (or none, after a reload) to its first layer
        await press(pilot, "down")
        layer = screen.current()
        if isinstance(layer, Contribution):
            return layer
    raise AssertionError(f"the cursor is on {layer!r}, not on a layer")


@pytest.mark.parametrize("key", ["w", "f", "e", "enter", "d", "a"])
async def test_onion_keys_on_a_layer_deleted_meanwhile(ws: Workshop, key: str) -> None:
    """w and f toggle, e edits, d deletes, a adds a layer helping the highlighted one."""
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        layer = await onion_layer(pilot)
        if key == "a":  # the layer to help is gone, and with it the touchpoint
            await refused(pilot, lambda w: w.delete_touchpoint(layer.touchpoint_id), key)
        else:
            await refused(pilot, lambda w: w.delete_contribution(layer.id), key)
        tree = app.screen.query_one("#onion-tree", Tree)
        shown = [node.data for node in tree.root.children]
        assert layer.id not in shown


@pytest.mark.parametrize("key", ["w", "f"])
async def test_onion_toggles_on_a_layer_changed_meanwhile(ws: Workshop, key: str) -> None:
    """The toggle applies what the screen showed; the result is said and shown."""
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        layer = await onion_layer(pilot)
        before = len(app._notifications)
        behind(app, lambda w: w.update_contribution(layer.id, what="Changed meanwhile"))
        await press(pilot, key)
        assert app.is_running
        assert "Press u to undo" in notices(app)[before:][-1]
        tree = app.screen.query_one("#onion-tree", Tree)
        labels = [str(node.label) for node in tree.root.children]
        assert any("Changed meanwhile" in label for label in labels), labels


async def test_the_by_group_view_on_a_touchpoint_deleted_meanwhile(ws: Workshop) -> None:
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await go(pilot, "4", "g")
        screen.query_one("#reach-table").focus()
        await pilot.pause()
        found = screen.current()
        assert isinstance(found, Touchpoint | Contribution)
        point = found.touchpoint_id if isinstance(found, Contribution) else found.id
        await refused(pilot, lambda w: w.delete_touchpoint(point), "e")


# -- the vote ------------------------------------------------------------------------------------


def open_round(ws: Workshop) -> int:
    return ws.open_vote("Which first?", [p.id for p in ws.proposals()], 3, 2, False)


@pytest.mark.parametrize(
    ("key", "change", "says"),
    [
        ("r", lambda w, r: w.close_vote(r), "already closed"),
        ("c", lambda w, r: w.delete_vote(r), GONE),
        ("f", lambda w, r: w.delete_vote(r), GONE),
        ("r", lambda w, r: w.delete_vote(r), GONE),
    ],
    ids=["reveal-closed", "close-deleted", "runoff-deleted", "reveal-deleted"],
)
async def test_the_facilitators_vote_keys_on_a_round_changed_meanwhile(
    ws: Workshop, key: str, change, says: str
) -> None:
    round_id = open_round(ws)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await go(pilot, "7")
        await refused(pilot, lambda w: change(w, round_id), key, says=says)


async def test_making_an_action_of_a_proposal_deleted_meanwhile(ws: Workshop) -> None:
    open_round(ws)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        screen = await go(pilot, "7")
        proposal = screen.rows[0][0]
        await refused(pilot, lambda w: w.delete_proposal(proposal.id), "a")


async def test_opening_a_vote_over_a_proposal_deleted_while_the_form_is_open(
    ws: Workshop,
) -> None:
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await go(pilot, "7")
        await press(pilot, "o")
        form = app.screen
        assert isinstance(form, RecordForm)
        behind(app, lambda w: w.delete_proposal(w.proposals()[0].id))
        await press(pilot, "ctrl+s")
        assert app.is_running and app.screen is form
        assert GONE in str(form.query_one("#error").render())


# -- a participant's keys -------------------------------------------------------------------------


def participant_app(path: Path, phase: str, group: str = "Sales") -> WorkshopApp:
    """A participant's app, the room in `phase` (the facilitator moved it there)."""
    with Workshop.open(path) as lead:
        lead.update_info(phase=phase)
        group_id = lead.lookup_id("groups", group)
    ws = Workshop.open(path, actor="Pat")
    me = ws.join("Pat", group_id=group_id)
    ws.act_as_participant(me)
    return WorkshopApp(ws, facilitator=False, participant_id=me)


@pytest.mark.parametrize(
    ("key", "change", "says"),
    [
        ("space", lambda w, r, p: w.delete_proposal(p), "not part of the vote"),
        ("space", lambda w, r, p: w.close_vote(r), "closed; no more dots"),
        ("minus", lambda w, r, p: w.delete_vote(r), GONE),
    ],
    ids=["dot-on-deleted-proposal", "dot-in-closed-round", "take-back-in-deleted-round"],
)
async def test_a_participants_dot_on_something_changed_meanwhile(
    ws: Workshop, key: str, change, says: str
) -> None:
    round_id = open_round(ws)
    app = participant_app(ws.path, "vote")
    async with app.run_test(size=SIZE) as pilot:
        screen = await go(pilot, "7")
        proposal = screen.rows[0][0]
        await refused(pilot, lambda w: change(w, round_id, proposal.id), key, says=says)
    app.ws.close()


LOCKED = "Time is up"


def lock_the_room(path: Path) -> None:
    """A locking 10-second timer that ran out ten seconds ago."""
    with Workshop.open(path) as lead:
        lead.start_timer(10, lock=True, now=time.time() - 20)


@pytest.mark.parametrize("key", ["w", "f"])
async def test_a_participants_onion_toggle_after_a_locking_timer_ran_out(
    ws: Workshop, key: str
) -> None:
    app = participant_app(ws.path, "touchpoint onion", "IT")  # the first layer is IT's own
    async with app.run_test(size=SIZE) as pilot:
        layer = await onion_layer(pilot)
        assert layer.group == "IT"
        await refused(pilot, lambda w: w.start_timer(10, lock=True, now=time.time() - 20), key,
                      says=LOCKED)  # fmt: skip
        assert app.ws.contribution(layer.id) == layer
    app.ws.close()


async def test_a_participants_dot_after_a_locking_timer_ran_out(ws: Workshop) -> None:
    round_id = open_round(ws)
    app = participant_app(ws.path, "vote")
    async with app.run_test(size=SIZE) as pilot:
        await go(pilot, "7")
        lock_the_room(ws.path)
        await press(pilot, "space")
        assert app.is_running
        assert LOCKED in notices(app)[-1]
        assert app.ws.voter_count(round_id) == 0
    app.ws.close()


async def test_a_participants_form_after_a_locking_timer_ran_out(ws: Workshop) -> None:
    """The comment form opened before the time was up; saving after it says so in the form."""
    app = participant_app(ws.path, "customer comments")
    async with app.run_test(size=SIZE) as pilot:
        await go(pilot, "5")
        await press(pilot, "a")
        form = app.screen
        assert isinstance(form, RecordForm)
        await press(pilot, *"Too slow")
        lock_the_room(ws.path)
        await press(pilot, "ctrl+s")
        assert app.is_running and app.screen is form
        assert LOCKED in str(form.query_one("#error").render())
        assert form.query_one("#text", PlainTextArea).value == "Too slow"
    app.ws.close()


async def test_a_participants_d_after_a_locking_timer_ran_out_still_works(ws: Workshop) -> None:
    """Saying one is done is not input the lock stops."""
    app = participant_app(ws.path, "customer comments")
    async with app.run_test(size=SIZE) as pilot:
        await go(pilot, "5")
        lock_the_room(ws.path)
        await press(pilot, "D")
        assert app.is_running
        assert app.ws.is_ready(app.participant_id)
    app.ws.close()
