"""The facilitator's "Who is here" dialog (W), and the presence of a participant's own app.

Keys are pressed as a facilitator would: open the dialog, move someone to another group with
the picker, remove someone after the confirmation; the table follows the file live. A
participant has no such key, their terminal says it is here while it runs, and once removed
their app tells them and closes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.command import CommandList
from textual.widgets import OptionList

from screens.app import WorkshopApp
from screens.group_picker import GroupPicker
from screens.people_screen import PeopleScreen
from screens.widgets.confirm import ConfirmModal
from screens.widgets.plain import PlainTable
from workshop import Workshop
from workshop.room import new_participant_key

SIZE = (120, 40)
HOSTILE = "[/] <script>x</script> [@click=app.quit]"
# Seen "a day ahead", so that they are connected whatever the time the test takes.
AHEAD = 24 * 3600


@pytest.fixture
def room(workshop_path: Path) -> dict[str, int]:
    """Ann (Sales, in a browser, done), Ben (IT, in a terminal) and a hostile name, not
    connected, have joined the small organisation's workshop (Dana K. leads it)."""
    with Workshop.open(workshop_path) as ws:
        sales, it = ws.lookup_id("groups", "Sales"), ws.lookup_id("groups", "IT")
        ids = {
            "ann": ws.join("Ann", key=new_participant_key(), group_id=sales),
            "ben": ws.join("Ben", key=new_participant_key(), group_id=it),
            "hostile": ws.join(HOSTILE, key=new_participant_key()),
            "dana": ws.lookup_id("participants", "Dana K."),
        }
        ws.seen([ids["ann"]], "browser", now=time.time() + AHEAD)
        ws.seen([ids["ben"]], "terminal", now=time.time() + AHEAD)
        ws.set_ready(ids["ann"])
    return ids


def rows(dialog: PeopleScreen) -> list[list[str]]:
    table = dialog.query_one("#people", PlainTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def summary(dialog: PeopleScreen) -> str:
    return str(dialog.query_one("#summary").render())


async def settle(pilot, condition, what: str) -> None:
    """Let the app run until `condition()` holds (a generous bound, never a timing)."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        await pilot.pause(0.05)


async def open_people(pilot) -> PeopleScreen:
    await pilot.pause()
    await pilot.press("W")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, PeopleScreen)
    return dialog


def highlight(dialog: PeopleScreen, name: str) -> None:
    table = dialog.query_one("#people", PlainTable)
    table.move_cursor(row=[row[0] for row in rows(dialog)].index(name))


async def test_the_facilitator_sees_who_is_here_and_done(workshop_path: Path, room) -> None:
    with Workshop.open(workshop_path) as ws:
        app = WorkshopApp(ws)
        async with app.run_test(size=SIZE) as pilot:
            dialog = await open_people(pilot)
            assert rows(dialog) == [
                [HOSTILE, "—", "—", "no"],
                ["Ann", "Sales", "browser", "yes"],
                ["Ben", "IT", "terminal", "no"],
                ["Dana K.", "Sales", "—", "leads"],
            ]
            assert summary(dialog) == "2 of 4 connected now · 1 of 2 done with groups & roles"
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, PeopleScreen)
            assert app.is_running  # the hostile name's [@click=app.quit] did nothing


async def test_moving_someone_to_another_group(workshop_path: Path, room) -> None:
    with Workshop.open(workshop_path) as ws:
        app = WorkshopApp(ws)
        async with app.run_test(size=SIZE) as pilot:
            dialog = await open_people(pilot)
            highlight(dialog, "Ben")
            await pilot.press("g")
            await pilot.pause()
            picker = app.screen
            assert isinstance(picker, GroupPicker)
            options = picker.query_one("#groups", OptionList)
            prompts = [str(options.get_option_at_index(i).prompt) for i in range(4)]
            assert prompts == ["Sales", "IT  (now)", "HR", "Audit"]
            assert options.highlighted == 1  # the group Ben is in now
            await pilot.press("down", "enter")
            await pilot.pause()
            assert app.screen is dialog
            assert ws.participant(room["ben"]).group == "HR"
            assert rows(dialog)[2] == ["Ben", "HR", "terminal", "no"]
            assert dialog.highlighted().name == "Ben"  # the highlight stays on him
            # Escape in the picker moves nobody.
            await pilot.press("g", "up", "escape")
            await pilot.pause()
            assert app.screen is dialog and ws.participant(room["ben"]).group == "HR"


async def test_removing_someone_asks_first(workshop_path: Path, room) -> None:
    with Workshop.open(workshop_path) as ws:
        app = WorkshopApp(ws)
        async with app.run_test(size=SIZE) as pilot:
            dialog = await open_people(pilot)
            highlight(dialog, "Ann")
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmModal)
            assert "Remove Ann from the room?" in str(app.screen.query_one("#question").render())
            await pilot.press("n")  # kept
            await pilot.pause()
            assert app.screen is dialog and not ws.is_removed(room["ann"])
            await pilot.press("r")
            await pilot.pause()
            await pilot.press("y")
            await pilot.pause()
            assert app.screen is dialog
            assert ws.is_removed(room["ann"])
            assert [row[0] for row in rows(dialog)] == [HOSTILE, "Ben", "Dana K."]
            assert summary(dialog) == "1 of 3 connected now · 0 of 1 done with groups & roles"
            await pilot.press("escape", "u")  # undo brings Ann back
            await pilot.pause()
            assert not ws.is_removed(room["ann"])


async def test_the_facilitator_is_not_offered_for_removal(workshop_path: Path, room) -> None:
    with Workshop.open(workshop_path) as ws:
        app = WorkshopApp(ws)
        async with app.run_test(size=SIZE) as pilot:
            dialog = await open_people(pilot)
            highlight(dialog, "Dana K.")
            await pilot.press("r")
            await pilot.pause()
            assert app.screen is dialog  # refused before asking
            assert any("cannot be removed" in n.message for n in app._notifications)
            assert not ws.is_removed(room["dana"])


async def test_the_dialog_follows_the_room_live(workshop_path: Path, room) -> None:
    with Workshop.open(workshop_path) as ws:
        app = WorkshopApp(ws)
        async with app.run_test(size=SIZE) as pilot:
            dialog = await open_people(pilot)
            with Workshop.open(workshop_path) as other:
                cleo = other.join("Cleo", key=new_participant_key())
                other.seen([cleo], "browser", now=time.time() + AHEAD)
                other.set_ready(room["ben"])
            await settle(pilot, lambda: ["Cleo", "—", "browser", "no"] in rows(dialog), "Cleo")
            assert ["Ben", "IT", "terminal", "yes"] in rows(dialog)
            with Workshop.open(workshop_path) as other:
                other.gone([room["ann"]], "browser")
            await settle(pilot, lambda: ["Ann", "Sales", "—", "yes"] in rows(dialog), "Ann left")


async def test_the_palette_opens_who_is_here(workshop_path: Path, room) -> None:
    with Workshop.open(workshop_path) as ws:
        app = WorkshopApp(ws)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("ctrl+p", *"Who", "space", *"is", "space", *"here")

            def first_hit() -> str:
                hits = app.screen.query_one(CommandList)
                if hits.highlighted is None:
                    return ""
                return str(hits.get_option_at_index(hits.highlighted).prompt)

            await settle(pilot, lambda: first_hit().startswith("Who is here"), "the command")
            await pilot.press("enter")
            await settle(pilot, lambda: isinstance(app.screen, PeopleScreen), "the dialog")


# -- a participant's app ----------------------------------------------------------------------


def participant_app(path: Path, participant_id: int) -> tuple[Workshop, WorkshopApp]:
    ws = Workshop.open(path, actor="Ben")
    ws.act_as_participant(participant_id)
    return ws, WorkshopApp(ws, facilitator=False, participant_id=participant_id)


async def test_a_participant_has_no_who_is_here(workshop_path: Path, room) -> None:
    ws, app = participant_app(workshop_path, room["ben"])
    with ws:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("W")
            await pilot.pause()
            assert not isinstance(app.screen, PeopleScreen)
            assert not app.check_action("people", ())


async def test_a_participants_terminal_is_present_while_it_runs(workshop_path: Path) -> None:
    with Workshop.open(workshop_path) as lead:
        eve = lead.join("Eve", key=new_participant_key(), group_id=lead.lookup_id("groups", "HR"))
        ws, app = participant_app(workshop_path, eve)
        with ws:
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot, lambda: [p.name for p in lead.present()] == ["Eve"], "Eve")
                assert lead.present()[0].via == "terminal"
        deadline = time.monotonic() + 60
        while lead.present():  # the app's heartbeat says it left, from its own thread
            assert time.monotonic() < deadline, "Eve never left"
            time.sleep(0.02)


async def test_a_removed_participant_is_told_and_the_app_closes(workshop_path: Path, room) -> None:
    ws, app = participant_app(workshop_path, room["ben"])
    with ws, Workshop.open(workshop_path) as lead:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            lead.remove_participant(room["ben"])
            await settle(pilot, lambda: app.return_code is not None, "the app closes")
            assert app.return_code == 1
            assert [str(m) for m in app._exit_renderables] == [
                "The facilitator removed you from this workshop."
            ]
        assert lead.history(limit=1)[0]["summary"] == "Removed Ben from the room"


# -- the picture ------------------------------------------------------------------------------


class TestWhoIsHere:
    """The dialog at 100x30: names as typed, groups, who is connected and who is done."""

    def test_who_is_here_dialog(self, snap_compare, workshop_path: Path, room) -> None:
        ws = Workshop.open(workshop_path)
        try:
            app = WorkshopApp(ws)
            assert snap_compare(app, terminal_size=(100, 30), press=["W"])
        finally:
            ws.close()
