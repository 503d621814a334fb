"""Pilot tests of the live room: joining (browser sessions, admitted by the server's join
code, ask for a name under their key; terminal participants choose their group), following
the facilitator's phase and looking back, the phase timer and its lock, readiness, the
presenter view, and what a participant cannot do."""

from __future__ import annotations

import functools
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Input, Static

from screens.app import PRESENTER, WorkshopApp
from screens.join_form import JoinForm
from screens.phase_screen import PhaseScreen
from screens.timer_form import TimerForm
from screens.widgets.plain_select import PlainSelect
from workshop import Workshop, WorkshopError
from workshop.demo import demo_plan, open_demo
from workshop.presenter import board
from workshop.room import FREE_ATTEMPTS, new_participant_key

SIZE = (120, 40)
PIN = "2468"
BROWSER_KEY, OTHER_BROWSER_KEY = new_participant_key(), new_participant_key()


def last_notice(app: WorkshopApp) -> str:
    return list(app._notifications)[-1].message


def lines_text(app: WorkshopApp) -> str:
    """The presenter's lines as plain text."""
    console = Console(width=100, no_color=True)
    with console.capture() as captured:
        console.print(app.screen.query_one("#lines", Static).content)
    return captured.get()


def room_line(app: WorkshopApp) -> str:
    return str(app.screen.query_one("#room-bar", Static).render())


@pytest.fixture
def path(tmp_path: Path) -> Path:
    plan = demo_plan()
    Workshop.create(tmp_path / "live.db", title="Live", plan=plan, pin=PIN).close()
    return tmp_path / "live.db"


def participant(path: Path, name: str) -> tuple[Workshop, int]:
    """A participant's own connection, as `workshop join` opens it."""
    ws = Workshop.open(path, actor=name)
    me = ws.join(name)
    ws.act_as_participant(me)
    return ws, me


async def wait_for(pilot, condition, seconds: float = 5.0) -> None:
    """Wait until `condition()` holds, then let the screen finish mounting (leaving the app
    while a new screen still mounts trips Textual up)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.2)


async def join_form(pilot) -> JoinForm:
    """The browser session's join form, once it is built (on a busy machine the test can
    begin before it is)."""
    app = pilot.app
    await wait_for(
        pilot, lambda: isinstance(app.screen, JoinForm) and bool(app.screen.query("#error"))
    )
    return app.screen


# -- joining ---------------------------------------------------------------------------------


async def test_browser_session_asks_a_name_and_joins_under_its_key(path: Path) -> None:
    ws = Workshop.open(path)
    app = WorkshopApp(ws, facilitator=False, web=True, key=BROWSER_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await join_form(pilot)
        assert not app.query(PhaseScreen)  # nothing of the workshop behind the form
        assert ws.role == "guest"
        assert not app.screen.query("#code")  # the server has checked the join code
        await pilot.press(*"Ann", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PhaseScreen))
        assert app.participant_id is not None and not app.facilitator
        assert ws.role == "participant" and ws.participant(app.participant_id).name == "Ann"
        assert ws.is_name_held(app.participant_id)
        assert "you are Ann" in app.sub_title
    ws.close()


async def test_browser_session_cannot_take_a_name_held_by_another_key(path: Path) -> None:
    with Workshop.open(path) as first:
        first.join("Marcus O.", key=OTHER_BROWSER_KEY)
    ws = Workshop.open(path)
    app = WorkshopApp(ws, facilitator=False, web=True, key=BROWSER_KEY)
    async with app.run_test(size=SIZE) as pilot:
        form = await join_form(pilot)
        await pilot.press(*"marcus o.", "ctrl+s")
        await wait_for(pilot, lambda: "already joined" in str(form.query_one("#error").render()))
        assert app.screen is form
        error = str(form.query_one("#error").render())
        assert "already joined as “Marcus O.”" in error and "free" in error
        assert ws.role == "guest" and app.participant_id is None
    ws.close()


async def test_browser_session_with_the_pin_leads_the_room(path: Path) -> None:
    ws = Workshop.open(path)
    app = WorkshopApp(ws, facilitator=False, web=True, key=BROWSER_KEY)
    async with app.run_test(size=SIZE) as pilot:
        form = await join_form(pilot)
        form.query_one("#name", Input).value = "Fran"
        form.query_one("#pin", Input).value = "9999"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: "not the facilitator PIN" in str(form.query_one("#error").render())
        )
        form.query_one("#pin", Input).value = PIN
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PhaseScreen))
        assert app.facilitator and ws.is_facilitator
        await pilot.press("right_square_bracket")
        assert ws.info().phase == "customers & hand-offs"
    ws.close()


async def test_wrong_pins_in_a_browser_session_are_limited_for_the_whole_room(
    path: Path,
) -> None:
    with Workshop.open(path) as other:  # another tab's wrong PINs count here too
        for _ in range(FREE_ATTEMPTS):
            assert not other.check_pin("0000", source="another tab")
    ws = Workshop.open(path)
    app = WorkshopApp(ws, facilitator=False, web=True, key=BROWSER_KEY)
    async with app.run_test(size=SIZE) as pilot:
        form = await join_form(pilot)
        form.query_one("#name", Input).value = "Mallory"
        form.query_one("#pin", Input).value = PIN  # even the right one waits now
        await pilot.press("ctrl+s")
        told = "Too many wrong PINs lately: try again in"
        await wait_for(pilot, lambda: told in str(form.query_one("#error").render()))
        assert isinstance(app.screen, JoinForm) and not ws.is_facilitator
    assert all(p.name != "Mallory" for p in ws.participants())
    ws.close()


async def test_terminal_participant_chooses_their_group_on_first_join(path: Path) -> None:
    ws, me = participant(path, "Zed")
    app = WorkshopApp(ws, facilitator=False, participant_id=me)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, JoinForm)
        select = app.screen.query_one("#group", PlainSelect)
        select.value = ws.lookup_id("groups", "Warehouse")
        await wait_for(pilot, lambda: isinstance(app.screen, PhaseScreen))
        assert ws.participant(me).group == "Warehouse"
        assert "you are Zed (Warehouse)" in app.sub_title
    ws.close()


# -- following and looking back --------------------------------------------------------------


async def test_participant_follows_a_phase_change_made_by_another_process(path: Path) -> None:
    ws, me = participant(path, "Ann")
    ws.set_participant_group(me, ws.lookup_id("groups", "Sales"))
    app = WorkshopApp(ws, facilitator=False, participant_id=me)
    async with app.run_test(size=SIZE) as pilot:
        assert app.current_mode == "groups & roles"
        script = (
            "from workshop import Workshop\n"
            f"ws = Workshop.open({str(path)!r})\n"
            "ws.update_info(phase='touchpoint onion')\nws.close()\n"
        )
        subprocess.run([sys.executable, "-c", script], check=True)
        await wait_for(pilot, lambda: app.current_mode == "touchpoint onion")
        assert "Phase 4/9" in app.sub_title
    ws.close()


async def test_participant_looks_back_reads_only_and_returns(path: Path) -> None:
    ws, me = participant(path, "Ann")
    ws.set_participant_group(me, ws.lookup_id("groups", "Sales"))
    leader = Workshop.open(path)
    leader.update_info(phase="proposals")
    app = WorkshopApp(ws, facilitator=False, participant_id=me)
    async with app.run_test(size=SIZE) as pilot:
        assert app.current_mode == "proposals"
        await wait_for(pilot, lambda: getattr(app.screen, "built", False))
        assert app.screen.check_action("add_proposal", ()) is True
        await pilot.press("2")  # look back at groups & roles
        assert app.current_mode == "groups & roles"
        assert leader.info().phase == "proposals"  # the room did not move
        assert "looking back at groups & roles" in room_line(app)
        assert app.screen.check_action("add_group", ()) is False  # read only
        await pilot.press("a")
        assert isinstance(app.screen, PhaseScreen)  # no form opened
        await pilot.press("8")  # a phase the room has not reached
        assert app.current_mode == "groups & roles"
        assert "has not reached action plans" in last_notice(app)
        leader.update_info(phase="vote")  # the room moves on while Ann looks back
        await wait_for(pilot, lambda: app.phase == "vote")
        assert app.current_mode == "groups & roles"  # she keeps reading
        await pilot.press("full_stop")
        assert app.current_mode == "vote"
    leader.close()
    ws.close()


async def test_participant_cannot_lead_through_any_key_or_the_store(path: Path) -> None:
    ws, me = participant(path, "Ann")
    ws.set_participant_group(me, ws.lookup_id("groups", "Sales"))
    app = WorkshopApp(ws, facilitator=False, participant_id=me)
    async with app.run_test(size=SIZE) as pilot:
        for key in ("right_square_bracket", "left_square_bracket", "u", "x", "T", "P"):
            await pilot.press(key)
        assert ws.info().phase == "groups & roles"
        assert ws.timer() is None and app.current_mode != PRESENTER
        for action in ("next_phase", "previous_phase", "undo", "export_summary",
                       "phase_timer", "toggle_presenter"):  # fmt: skip
            assert app.check_action(action, ()) is False
    with pytest.raises(WorkshopError, match="Only the facilitator"):
        ws.update_info(phase="vote")
    ws.close()


# -- timer and readiness ---------------------------------------------------------------------


async def test_facilitator_starts_a_timer_every_screen_shows_it(path: Path) -> None:
    ws = Workshop.open(path)
    other, me = participant(path, "Ann")
    other.set_participant_group(me, ws.lookup_id("groups", "Sales"))
    app = WorkshopApp(ws)
    joined = WorkshopApp(other, facilitator=False, participant_id=me)
    async with app.run_test(size=SIZE) as pilot, joined.run_test(size=SIZE) as them:
        await pilot.press("T")
        assert isinstance(app.screen, TimerForm)
        await pilot.press("ctrl+s")  # the default: 5 minutes
        await pilot.pause()
        timer = ws.timer()
        assert timer is not None and timer.seconds == 300 and not timer.lock
        assert "⏱ 4:5" in room_line(app) or "⏱ 5:00" in room_line(app)
        await wait_for(them, lambda: "⏱" in room_line(joined), seconds=3)
        await pilot.press("T")  # again: stops it
        assert ws.timer() is None
        assert "Timer stopped" in last_notice(app)
    other.close()
    ws.close()


async def test_custom_length_with_lock(path: Path) -> None:
    ws = Workshop.open(path)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        form = app.screen
        form.query_one("#custom", Input).value = "2:30"
        form.query_one("#lock").value = True
        await pilot.press("ctrl+s")
        await pilot.pause()
        timer = ws.timer()
        assert timer is not None and timer.seconds == 150 and timer.lock
        await pilot.press("T", "T")
        form = app.screen
        form.query_one("#custom", Input).value = "soon"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "not a timer length" in str(form.query_one("#error").render())
    ws.close()


async def test_locked_timer_stops_a_participants_changes_with_a_notice(path: Path) -> None:
    leader = Workshop.open(path)
    leader.update_info(phase="proposals")
    ws, me = participant(path, "Ann")
    ws.set_participant_group(me, ws.lookup_id("groups", "Sales"))
    leader.start_timer(60, lock=True, now=time.time() - 120)  # ran out a minute ago
    app = WorkshopApp(ws, facilitator=False, participant_id=me)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(1.2)  # one tick of the room clock
        assert "time is up · input locked" in room_line(app)
        with pytest.raises(WorkshopError, match="Time is up"):
            ws.add_proposal("Late idea")
        await pilot.press("D")  # saying one is done still works
        assert ws.is_ready(me)
        leader.add_proposal("The facilitator may still write")
    leader.close()
    ws.close()


async def test_readiness_meter_counts_who_is_done(path: Path) -> None:
    ws = Workshop.open(path)
    other, me = participant(path, "Ann")
    other.set_participant_group(me, ws.lookup_id("groups", "Sales"))
    assert ws.readiness().total == 0  # only those here count: Ann's terminal is not open yet
    total = 1
    app = WorkshopApp(ws)
    joined = WorkshopApp(other, facilitator=False, participant_id=me)
    async with app.run_test(size=SIZE) as pilot, joined.run_test(size=SIZE) as them:
        await wait_for(pilot, lambda: f"✔ 0/{total} done" in room_line(app))
        await them.press("D")
        assert "you are done" in room_line(joined)
        await wait_for(pilot, lambda: f"✔ 1/{total} done" in room_line(app))
        await them.press("D")
        await wait_for(pilot, lambda: f"✔ 0/{total} done" in room_line(app))
    other.close()
    ws.close()


# -- presenter view --------------------------------------------------------------------------


async def test_presenter_follows_the_phase_and_hides_tallies(tmp_path: Path) -> None:
    ws = open_demo(tmp_path / "demo.db")
    app = WorkshopApp(ws, presenter=True)
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.current_mode == PRESENTER
        await pilot.press("right_square_bracket")
        assert ws.info().phase == "customers & hand-offs"
        assert app.current_mode == PRESENTER
        assert "CUSTOMERS & HAND-OFFS" in str(app.screen.query_one("#phase").render())
        other = Workshop.open(ws.path)  # another process's connection
        other.update_info(phase="vote")
        round_id = other.open_vote(votes_per_person=3)
        ann = other.join("Ann")
        first = other.proposals()[0]
        other.cast_vote(round_id, ann, first.id)
        other.cast_vote(round_id, ann, first.id)
        await wait_for(pilot, lambda: "VOTE" in str(app.screen.query_one("#phase").render()))
        lines = lines_text(app)
        assert "hidden" in str(app.screen.query_one("#prompt").render())
        assert "●" not in lines and "1 person has voted" in lines
        other.reveal_vote(round_id)
        await wait_for(pilot, lambda: "●●" in lines_text(app))
        await pilot.press("p")
        assert app.current_mode == "vote"
        await wait_for(pilot, lambda: True)
    other.close()
    ws.close()


def test_board_never_names_who_voted_or_typed(tmp_path: Path) -> None:
    ws = open_demo(tmp_path / "demo.db")
    ws.update_info(phase="vote")
    round_id = ws.open_vote(votes_per_person=2)
    secret = ws.join("Secret Voter")
    ws.cast_vote(round_id, secret, ws.proposals()[0].id)
    for revealed in (False, True):
        if revealed:
            ws.reveal_vote(round_id)
        view = board(ws)
        text = " ".join(f"{line.text} {line.mark}" for line in view.lines) + view.prompt
        assert "Secret Voter" not in text
    ws.close()


def presenter_app(tmp_path: Path) -> WorkshopApp:
    ws = open_demo(tmp_path / "demo.db")
    ws.db["workshop"].update(1, {"join_code": "K7M2QX"})  # a fixed code for the picture
    started = time.time()
    ws.start_timer(300, now=started + 3600)  # ends in 1:05:00
    # The room's clock read at that moment only: however long the app takes to start and
    # draw (over a second on a busy machine), the picture shows 1:05:00, not 1:04:59.
    ws.timer = functools.partial(ws.timer, now=started)  # type: ignore[method-assign]
    return WorkshopApp(ws, presenter=True)


def test_presenter_snapshot_100x30(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(presenter_app(tmp_path), terminal_size=(100, 30))


def test_presenter_snapshot_160x50(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(presenter_app(tmp_path), terminal_size=(160, 50))


# -- two editors -----------------------------------------------------------------------------


async def test_a_second_editor_is_told_whose_change_they_replaced(path: Path) -> None:
    ws = Workshop.open(path)
    ann, ann_id = participant(path, "Ann")
    sales = ws.lookup_id("groups", "Sales")
    ann.set_participant_group(ann_id, sales)  # a participant edits their own group's role
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#groups")
        table.move_cursor(row=table.get_row_index(str(sales)))
        await pilot.press("e")
        await pilot.pause()
        ann.update_group(sales, role="Ann's wording")  # while the form is open
        role = app.screen.query_one("#role")
        role.value = "The facilitator's wording"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert ws.group(sales).role == "The facilitator's wording"
        assert "Ann changed this while you were editing" in last_notice(app)
        await pilot.press("u")  # and Ann's version comes back
        assert ws.group(sales).role == "Ann's wording"
    ann.close()
    ws.close()


async def test_an_editor_is_told_when_the_record_was_deleted_meanwhile(path: Path) -> None:
    ws = Workshop.open(path)
    other = Workshop.open(path)
    facilities = ws.lookup_id("groups", "Facilities")
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#groups")
        table.move_cursor(row=table.get_row_index(str(facilities)))
        await pilot.press("e")
        await pilot.pause()
        other.delete_group(facilities)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "no longer exists" in str(app.screen.query_one("#error").render())
    other.close()
    ws.close()


async def test_saving_after_a_vote_and_an_import_needs_no_undo_data(path: Path) -> None:
    """Changes without undo data (votes, joins, imports) sit between a form's opening and its
    save without tripping the check for others' edits."""
    ws = Workshop.open(path)
    other = Workshop.open(path)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        other.join("Newcomer")
        other.import_comments_csv("text\nA late comment\n")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PhaseScreen)
    other.close()
    ws.close()


async def test_a_browser_session_asks_no_pin_when_the_workshop_has_none(tmp_path: Path) -> None:
    Workshop.create(tmp_path / "open.db", title="Open", plan=demo_plan()).close()
    ws = Workshop.open(tmp_path / "open.db")
    app = WorkshopApp(ws, facilitator=False, web=True, key=BROWSER_KEY)
    async with app.run_test(size=SIZE) as pilot:
        form = await join_form(pilot)
        assert not form.query("#pin")
        await pilot.press(*"Ann", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PhaseScreen))
        assert not app.facilitator and ws.participant(app.participant_id).name == "Ann"
    ws.close()
