"""Who is here, and who the facilitator sent away: presence marks and removal in the store.

Presence is told by the time a browser or terminal last said "still here" (`now=` stands for
the clock, so no test sleeps); removal stops a person's key and writes, and keeps their work.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from workshop import Removed, VoteRejected, Workshop, WorkshopError
from workshop.presence import BEAT_SECONDS, PRESENCE_WINDOW, keep_present
from workshop.room import NameTaken, new_participant_key

T0 = 1_800_000_000.0  # a fixed clock: the tests pass `now=` rather than wait


@pytest.fixture
def room(small_workshop: Workshop) -> dict[str, int]:
    """Ann (Sales) and Ben (IT) joined with their own keys; the room is in the vote phase,
    with a proposal of Ann's and an open round."""
    ws = small_workshop
    keys = {"ann": new_participant_key(), "ben": new_participant_key()}
    sales, it = ws.lookup_id("groups", "Sales"), ws.lookup_id("groups", "IT")
    ids = {
        "ann": ws.join("Ann", key=keys["ann"], group_id=sales),
        "ben": ws.join("Ben", key=keys["ben"], group_id=it),
        "dana": ws.lookup_id("participants", "Dana K."),
    }
    ws.update_info(phase="vote")
    ids["round"] = ws.open_vote("Which first?", votes_per_person=3, hidden=False)
    ids["proposal"] = ws.proposals()[0].id
    ws.keys = keys  # type: ignore[attr-defined]
    return ids


def names(found: list) -> list[str]:
    return [p.name for p in found]


# -- presence -------------------------------------------------------------------------------


def test_someone_seen_is_present_for_the_window_then_not(small_workshop, room) -> None:
    ws = small_workshop
    assert ws.seen([room["ann"], room["ben"]], "browser", now=T0) == [room["ann"], room["ben"]]
    assert names(ws.present(now=T0 + 1)) == ["Ann", "Ben"]
    assert names(ws.present(now=T0 + PRESENCE_WINDOW - 1)) == ["Ann", "Ben"]
    assert ws.present(now=T0 + PRESENCE_WINDOW + 1) == []
    assert names(ws.present(within=PRESENCE_WINDOW * 2, now=T0 + PRESENCE_WINDOW + 1)) == [
        "Ann",
        "Ben",
    ]
    # A heartbeat every BEAT_SECONDS keeps one present while the other fades.
    for beat in range(1, 6):
        ws.seen([room["ben"]], "browser", now=T0 + beat * BEAT_SECONDS)
    assert names(ws.present(now=T0 + 5 * BEAT_SECONDS + 1)) == ["Ben"]
    assert PRESENCE_WINDOW > 2 * BEAT_SECONDS  # one missed beat does not make anyone absent


def test_presence_says_who_how_which_group_and_whether_done(small_workshop, room) -> None:
    ws = small_workshop
    ws.set_ready(room["ann"])
    ws.seen([room["ann"]], "terminal", now=T0)
    ws.seen([room["ann"], room["ben"]], "browser", now=T0 + 5)
    ann, ben = ws.present(now=T0 + 6)
    assert (ann.participant_id, ann.name, ann.group, ann.ready) == (
        room["ann"],
        "Ann",
        "Sales",
        True,
    )
    assert (ann.via, ann.seen_at, ann.ways) == ("browser", T0 + 5, ("browser", "terminal"))
    assert (ben.name, ben.group, ben.ready, ben.via, ben.ways) == (
        "Ben",
        "IT",
        False,
        "browser",
        ("browser",),
    )
    ws.update_info(phase="action plans")  # done is per phase
    assert [p.ready for p in ws.present(now=T0 + 6)] == [False, False]


def test_gone_ends_one_way_in_and_leaves_the_other(small_workshop, room) -> None:
    ws = small_workshop
    ws.seen([room["ann"]], "terminal", now=T0)
    ws.seen([room["ann"], room["ben"]], "browser", now=T0)
    ws.gone([room["ann"], room["ben"]], "browser")
    (ann,) = ws.present(now=T0 + 1)
    assert (ann.name, ann.via, ann.ways) == ("Ann", "terminal", ("terminal",))
    ws.gone([room["ann"]], via="terminal")
    assert ws.present(now=T0 + 1) == []
    ws.gone([], "browser")  # nothing to do
    ws.seen([room["ann"]], "terminal", now=T0 + 2)  # and back again
    assert names(ws.present(now=T0 + 3)) == ["Ann"]


def test_presence_is_no_change_to_the_workshop(small_workshop, room) -> None:
    """Heartbeats record no event: not in the history, nothing for undo, the export the same."""
    ws = small_workshop
    history, undoable, export = ws.history(), ws.can_undo(), ws.export("json")
    for beat in range(20):
        ws.seen([room["ann"], room["ben"]], "browser", now=T0 + beat)
    ws.gone([room["ben"]], "browser")
    assert ws.history() == history
    assert ws.can_undo() == undoable
    assert ws.export("json") == export


def test_seen_refuses_what_is_not_a_way_in_or_an_id(small_workshop, room) -> None:
    ws = small_workshop
    with pytest.raises(WorkshopError, match="browser or terminal"):
        ws.seen([room["ann"]], "carrier pigeon")
    with pytest.raises(WorkshopError, match="browser or terminal"):
        ws.gone([room["ann"]], "")
    with pytest.raises(WorkshopError, match="by their id"):
        ws.seen(["Ann"], "browser")  # type: ignore[list-item]
    with pytest.raises(WorkshopError, match="by their id"):
        ws.seen([True], "browser")
    assert ws.seen([], "browser") == []
    assert ws.seen([room["ann"], 9999, room["ann"]], "browser", now=T0) == [room["ann"]]
    assert names(ws.present(now=T0)) == ["Ann"]


def test_a_participant_says_only_that_they_themselves_are_here(workshop_path: Path, room) -> None:
    with Workshop.open(workshop_path, actor="Ann") as ann:
        ann.act_as_participant(room["ann"])
        assert ann.seen([room["ann"]], "terminal", now=T0) == [room["ann"]]
        with pytest.raises(WorkshopError, match="Only the facilitator's connection"):
            ann.seen([room["ben"]], "terminal")
        with pytest.raises(WorkshopError, match="Only the facilitator's connection"):
            ann.gone([room["ann"], room["ben"]], "terminal")
        assert names(ann.present(now=T0)) == ["Ann"]  # who is here is no secret
        ann.gone([room["ann"]], "terminal")
        assert ann.present(now=T0) == []
    with Workshop.open(workshop_path) as guest:
        guest.act_as_guest()
        with pytest.raises(WorkshopError, match="Only the facilitator's connection"):
            guest.seen([room["ann"]], "browser")


def test_the_roll_call_lists_everyone_in_the_room(small_workshop, room) -> None:
    ws = small_workshop
    ws.seen([room["ben"]], "terminal", now=T0)
    ws.seen([room["ben"], room["dana"]], "browser", now=T0)
    ws.set_ready(room["ben"])
    ws.set_ready(room["dana"])  # the facilitator is never counted as done
    called = {a.name: a for a in ws.roll_call(now=T0 + 1)}
    assert list(called) == ["Ann", "Ben", "Dana K."]
    assert [(a.group, a.ways, a.ready, a.facilitator) for a in called.values()] == [
        ("Sales", (), False, False),
        ("IT", ("browser", "terminal"), True, False),
        ("Sales", ("browser",), False, True),
    ]
    assert called["Ben"].group_id == ws.lookup_id("groups", "IT")
    assert [a.ways for a in ws.roll_call(now=T0 + PRESENCE_WINDOW + 1)] == [(), (), ()]
    ws.remove_participant(room["ann"])
    assert [a.name for a in ws.roll_call(now=T0 + 1)] == ["Ben", "Dana K."]


def wait_until(condition, what: str) -> None:
    """Poll `condition` for up to a generous minute (no test depends on how fast)."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


def test_a_terminal_keeps_itself_present_until_it_stops(small_workshop, room, workshop_path):
    stop = threading.Event()
    beat = threading.Thread(
        target=keep_present, args=(workshop_path, room["ann"], "terminal", stop)
    )
    beat.start()
    try:
        wait_until(lambda: names(small_workshop.present()) == ["Ann"], "Ann is here")
    finally:
        stop.set()
        beat.join(60)
    assert not beat.is_alive()
    assert small_workshop.present() == []  # it said it was gone


def test_a_removed_terminal_stops_saying_it_is_here(small_workshop, room, workshop_path):
    stop = threading.Event()
    beat = threading.Thread(
        target=keep_present, args=(workshop_path, room["ann"], "terminal", stop),
        kwargs={"every": 0.01},
    )  # fmt: skip
    beat.start()
    try:
        wait_until(lambda: names(small_workshop.present()) == ["Ann"], "Ann is here")
        small_workshop.remove_participant(room["ann"])
        beat.join(60)
        assert not beat.is_alive()  # ended by itself: stop was never set
    finally:
        stop.set()
    assert small_workshop.present() == []


# -- removal --------------------------------------------------------------------------------


def test_the_facilitator_removes_someone_from_the_room(small_workshop, room) -> None:
    ws = small_workshop
    ws.seen([room["ann"], room["ben"]], "browser", now=T0)
    ws.set_ready(room["ann"])
    assert ws.readiness().total == 2 and ws.readiness().ready == 1
    ws.remove_participant(room["ann"])
    assert ws.is_removed(room["ann"]) and not ws.is_removed(room["ben"])
    assert not ws.is_removed(9999)
    assert ws.history(limit=1)[0]["summary"] == "Removed Ann from the room"
    assert names(ws.present(now=T0 + 1)) == ["Ben"]
    assert ws.seen([room["ann"], room["ben"]], "browser", now=T0 + 2) == [room["ben"]]
    # Out of the counts and the list of the room...
    readiness = ws.readiness()
    assert (readiness.ready, readiness.total, readiness.names) == (0, 1, ())
    assert names(ws.participants()) == ["Dana K.", "Ben"]
    assert names(ws.participants(removed=True)) == ["Dana K.", "Ann", "Ben"]
    # ...but still known by id, so what they did still names them.
    assert ws.participant(room["ann"]).name == "Ann"


def test_a_removed_persons_key_no_longer_lets_them_in(small_workshop, room) -> None:
    ws = small_workshop
    key = ws.keys["ann"]
    assert ws.participant_for_key(key).name == "Ann"
    ws.remove_participant(room["ann"])
    assert ws.participant_for_key(key) is None
    with pytest.raises(Removed, match="^The facilitator removed you from this workshop.$"):
        ws.join("Ann", key=key)
    with pytest.raises(Removed):
        ws.join("Anna", key=key)  # not under another name either
    with pytest.raises(Removed):
        ws.join("ANN", key=new_participant_key())  # nor is the removed name anyone else's
    with pytest.raises(Removed):
        ws.join("Ann")
    with pytest.raises(Removed):
        ws.act_as_participant(room["ann"])
    assert ws.is_facilitator  # the refused act changed nothing
    assert names(ws.participants(removed=True)) == ["Dana K.", "Ann", "Ben"]  # nobody added
    with pytest.raises(WorkshopError, match="removed"):
        ws.free_name(room["ann"])  # freeing would let the key back in under a new name
    assert isinstance(Removed(), WorkshopError)


def test_participant_for_key(small_workshop, room) -> None:
    ws = small_workshop
    assert ws.participant_for_key(ws.keys["ben"]).id == room["ben"]
    assert ws.participant_for_key(new_participant_key()) is None
    assert ws.participant_for_key("") is None
    assert ws.participant_for_key(None) is None  # type: ignore[arg-type]
    ws.free_name(room["ben"])
    assert ws.participant_for_key(ws.keys["ben"]) is None


def test_a_removed_participant_can_change_nothing_more(workshop_path: Path, room) -> None:
    """A connection already acting for someone (their open terminal) is stopped too."""
    with Workshop.open(workshop_path, actor="Ann") as ann, Workshop.open(workshop_path) as ws:
        ann.act_as_participant(room["ann"])
        ann.cast_vote(room["round"], room["ann"], room["proposal"])
        ws.remove_participant(room["ann"])
        with pytest.raises(Removed):
            ann.cast_vote(room["round"], room["ann"], room["proposal"])
        with pytest.raises(Removed):
            ann.retract_vote(room["round"], room["ann"], room["proposal"])
        with pytest.raises(Removed):
            ann.set_ready(room["ann"])
        with pytest.raises(Removed):
            ann.set_participant_group(room["ann"], None)
        assert ann.seen([room["ann"]], "terminal") == []  # and is not here
        # Their dot stays, and counts in the results.
        (first, *_) = ws.results(room["round"])
        assert (first.votes, first.voters) == (1, 1)


def test_a_removed_persons_records_and_dots_stay(small_workshop, room, workshop_path) -> None:
    with Workshop.open(workshop_path, actor="Ann") as ann:
        ann.act_as_participant(room["ann"])
        ann.cast_vote(room["round"], room["ann"], room["proposal"])
        ann.cast_vote(room["round"], room["ann"], room["proposal"])
    ws = small_workshop
    ws.update_info(phase="proposals")
    with Workshop.open(workshop_path, actor="Ann") as ann:
        ann.act_as_participant(room["ann"])
        mine = ann.add_proposal("Ann's idea")
    ws.update_info(phase="vote")
    before = ws.export("json")
    ws.remove_participant(room["ann"])
    assert ws.proposal(mine).title == "Ann's idea"
    votes = {r.proposal: r.votes for r in ws.results(room["round"])}
    assert votes[ws.proposal(room["proposal"]).title] == 2
    after = json.loads(ws.export("json"))
    was = json.loads(before)
    assert [p["name"] for p in after.pop("participants")] == [
        p["name"] for p in was.pop("participants") if p["name"] != "Ann"
    ]  # she is no longer listed in the room
    assert after == was  # and everything else in the workshop is unchanged


def test_removing_is_the_facilitators_alone(workshop_path: Path, room) -> None:
    with Workshop.open(workshop_path, actor="Ben") as ben:
        ben.act_as_participant(room["ben"])
        with pytest.raises(WorkshopError, match="Only the facilitator can remove"):
            ben.remove_participant(room["ann"])
        with pytest.raises(WorkshopError, match="Only the facilitator can remove"):
            ben.remove_participant(room["ben"])
    with Workshop.open(workshop_path) as ws:
        assert not ws.is_removed(room["ann"]) and not ws.is_removed(room["ben"])


def test_the_facilitator_cannot_be_removed(small_workshop, room, workshop_path) -> None:
    ws = small_workshop
    with pytest.raises(WorkshopError, match="Dana K. leads the room"):
        ws.remove_participant(room["dana"])
    # Nor the participant a facilitator's seat joined as.
    with Workshop.open(workshop_path) as lead:
        lead.participant_id = lead.join("Lee", key=new_participant_key())
        with pytest.raises(WorkshopError, match="Lee leads the room"):
            lead.remove_participant(lead.participant_id)
    assert not ws.is_removed(room["dana"])
    with pytest.raises(WorkshopError, match="no longer exists"):
        ws.remove_participant(9999)


def test_removing_twice_is_refused_and_undo_brings_them_back(small_workshop, room) -> None:
    ws = small_workshop
    ws.remove_participant(room["ben"])
    with pytest.raises(WorkshopError, match="Ben was already removed"):
        ws.remove_participant(room["ben"])
    assert ws.can_undo() == "Removed Ben from the room"
    assert ws.undo() == "Removed Ben from the room"
    assert not ws.is_removed(room["ben"])
    assert ws.join("Ben", key=ws.keys["ben"]) == room["ben"]
    with pytest.raises(NameTaken):
        ws.join("Ben", key=new_participant_key())  # the name is theirs again, as before


# -- many processes -------------------------------------------------------------------------


def _terminal(path: str, participant_id: int, beats: int, ready, go) -> None:
    """One participant's terminal in its own process: opens the file and says it is here."""
    with Workshop.open(path, actor=f"p{participant_id}") as ws:
        ws.act_as_participant(participant_id)
        ready.set()
        go.wait(60)
        for _ in range(beats):
            assert ws.seen([participant_id], "terminal") == [participant_id]


def test_presence_from_two_processes_on_one_file(small_workshop, room, workshop_path) -> None:
    history = small_workshop.history()
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    ready = [ctx.Event(), ctx.Event()]
    processes = [
        ctx.Process(target=_terminal, args=(str(workshop_path), room[who], 50, flag, go))
        for who, flag in zip(("ann", "ben"), ready, strict=True)
    ]
    for process in processes:
        process.start()
    try:
        assert all(flag.wait(60) for flag in ready)
        go.set()  # both beat at once
        for process in processes:
            process.join(60)
        assert [process.exitcode for process in processes] == [0, 0]
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
    found = small_workshop.present()
    assert [(p.name, p.via) for p in found] == [("Ann", "terminal"), ("Ben", "terminal")]
    assert small_workshop.history() == history


def test_a_removed_participant_is_neither_exported_nor_carried_into_a_follow_up(
    tmp_path: Path,
) -> None:
    path = tmp_path / "spring.db"
    with Workshop.create(path, title="Spring") as ws:
        stays, goes = ws.join("Stays"), ws.join("Goes")
        ws.remove_participant(goes)
        names = [p["name"] for p in json.loads(ws.export("json"))["participants"]]
        assert names == ["Stays"]
        ws.update_info(phase="vote")
        ws.import_plan({"proposals": [{"title": "One"}]})
        round_id = ws.open_vote("Which?")
        proposal = ws.proposals()[0].id
        with pytest.raises(VoteRejected, match="removed"):
            ws.cast_vote(round_id, goes, proposal)  # not even the facilitator casts for them
        ws.cast_vote(round_id, stays, proposal)
    follow = Workshop.create(tmp_path / "summer.db", title="Summer", follow_up=path)
    assert [p.name for p in follow.participants()] == ["Stays"]
    follow.close()
