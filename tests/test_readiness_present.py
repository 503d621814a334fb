"""Readiness counts only who is here now (issue 19, item 5): a follow-up workshop starts with
nobody here, not "0/12 done"; the room line says so. Real workshop files in tmp_path."""

from __future__ import annotations

import copy
import time
from pathlib import Path

from screens.widgets.room_bar import RoomState, room_line
from tests.conftest import SMALL_PLAN
from workshop import Workshop
from workshop.presence import PRESENCE_WINDOW
from workshop.room import Readiness


def small(path: Path) -> Workshop:
    return Workshop.create(path, title="Small org", plan=copy.deepcopy(SMALL_PLAN))


def line(readiness: Readiness, facilitator: bool = True) -> str:
    return room_line(RoomState(None, readiness, facilitator)).plain


def test_only_those_here_now_count(tmp_path: Path) -> None:
    ws = small(tmp_path / "w.db")
    ann, bob, cleo = ws.join("Ann"), ws.join("Bob"), ws.join("Cleo")
    assert ws.readiness() == Readiness(0, 0, ())
    ws.set_ready(cleo)  # done, but not here: not counted
    ws.seen([ann, bob], "terminal")
    assert ws.readiness() == Readiness(0, 2, ())
    ws.set_ready(ann)
    assert ws.readiness() == Readiness(1, 2, ("Ann",))
    ws.gone([bob], "terminal")
    assert ws.readiness() == Readiness(1, 1, ("Ann",))
    later = time.time() + PRESENCE_WINDOW + 1  # Ann's terminal stopped saying she is here
    assert ws.readiness(now=later) == Readiness(0, 0, ())
    ws.seen([cleo], "browser")
    assert ws.readiness() == Readiness(2, 2, ("Ann", "Cleo"))
    ws.close()


def test_the_facilitator_and_those_removed_do_not_count(tmp_path: Path) -> None:
    ws = small(tmp_path / "w.db")
    dana = ws.lookup_id("participants", "Dana K.")
    ann = ws.join("Ann")
    ws.seen([dana, ann], "terminal")
    ws.set_ready(dana)
    assert ws.readiness() == Readiness(0, 1, ())
    ws.remove_participant(ann)
    assert ws.readiness() == Readiness(0, 0, ())
    ws.close()


def test_a_follow_up_starts_with_nobody_here(tmp_path: Path) -> None:
    first = small(tmp_path / "q3.db")
    people = [first.join(name) for name in ("Ann", "Bob", "Cleo")]
    first.seen(people, "browser")
    first.set_ready(people[0])
    assert first.readiness().total == 3
    first.close()
    ws = Workshop.create(tmp_path / "q4.db", title="Q4", follow_up=tmp_path / "q3.db")
    assert len(ws.participants()) == 4  # carried over, Dana included
    assert ws.readiness() == Readiness(0, 0, ())
    assert line(ws.readiness()) == "nobody here yet"
    ws.close()
    again = Workshop.open(tmp_path / "q4.db")  # a participant joins again, by their terminal
    bob = again.lookup_id("participants", "Bob")
    again.seen([bob], "terminal")
    assert line(again.readiness()) == "✔ 0/1 done"
    again.close()


def test_the_room_line_words() -> None:
    assert Readiness(0, 0, ()).nobody and not Readiness(0, 1, ()).nobody
    assert line(Readiness(0, 0, ())) == "nobody here yet"
    assert line(Readiness(2, 5, ("A", "B"))) == "✔ 2/5 done"
    assert line(Readiness(0, 0, ()), facilitator=False) == "nobody here yet · press D when done"


def test_the_web_room_header_counts_the_same(tmp_path: Path) -> None:
    from web_room.views import header_view, snapshot

    ws = small(tmp_path / "w.db")
    ann = ws.join("Ann")
    ws.join("Bob")
    assert header_view(snapshot(ws))["readiness"]["total"] == 0
    ws.seen([ann], "browser")
    ws.set_ready(ann)
    view = header_view(snapshot(ws))["readiness"]
    assert (view["ready"], view["total"]) == (1, 1)
    ws.close()
