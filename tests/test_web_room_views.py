"""What a participant sees, built from the `workshop` API (web_room.views) and rendered once
per change (web_room.render.Sections), on real workshop files; no server here."""

from __future__ import annotations

from pathlib import Path

import pytest

from web_room import render, views
from workshop import Workshop
from workshop.demo import demo_plan


@pytest.fixture
def demo(tmp_path: Path):
    ws = Workshop.create(tmp_path / "demo.db", title="Views", plan=demo_plan())
    yield ws
    ws.close()


def join(ws: Workshop, name: str, group: str | None = None) -> int:
    pid = ws.join(name)
    if group is not None:
        ws.set_participant_group(pid, ws.lookup_id("groups", group))
    return pid


def test_a_hidden_round_carries_no_tally(demo: Workshop) -> None:
    round_id = demo.open_vote("First?", votes_per_person=2)
    demo.update_info(phase="vote")
    ann = join(demo, "Ann")
    target = demo.vote_round(round_id).proposal_ids[0]
    demo.cast_vote(round_id, ann, target)
    shot = views.snapshot(demo)
    rows = shot.board["round"]["proposals"]
    assert rows and all(set(row) == {"id", "title"} for row in rows)
    assert shot.board["round"]["voters"] == 1  # how many voted is public; for what is not
    demo.reveal_vote(round_id)
    rows = views.snapshot(demo).board["round"]["proposals"]
    assert rows[0]["id"] == target and rows[0]["votes"] == 1 and rows[0]["rank"] == 1


def test_a_ballot_holds_the_viewers_own_dots_only(demo: Workshop) -> None:
    round_id = demo.open_vote("First?", votes_per_person=3)
    demo.update_info(phase="vote")
    ann, bob = join(demo, "Ann"), join(demo, "Bob")
    first, second = demo.vote_round(round_id).proposal_ids[:2]
    demo.cast_vote(round_id, ann, first)
    demo.cast_vote(round_id, bob, second)
    demo.cast_vote(round_id, bob, second)
    shot = views.snapshot(demo)
    mine = views.ballot_view(shot, demo.ballot(round_id, ann))
    assert mine is not None and (mine["used"], mine["left"], mine["budget"]) == (1, 2, 3)
    assert {p["id"]: p["mine"] for p in mine["proposals"]}[second] == 0
    assert {p["id"]: p["mine"] for p in mine["proposals"]}[first] == 1


def test_work_lists_the_groups_own_records(demo: Workshop) -> None:
    demo.update_info(phase="customers & hand-offs")
    it = demo.participant(join(demo, "Ivy", "IT"))
    shot = views.snapshot(demo)
    work = views.work_view(shot, it, None)
    it_id = demo.lookup_id("groups", "IT")
    assert work["mine"] and all(it_id in (h["provider_id"], h["receiver_group_id"])
                                for h in work["mine"])  # fmt: skip
    expected = [h.id for h in demo.handoffs() if it_id in (h.provider_id, h.receiver_group_id)]
    assert [h["id"] for h in work["mine"]] == expected
    assert "IT" not in work["receivers"] and "Sales" in work["receivers"]

    demo.update_info(phase="proposals")
    work = views.work_view(views.snapshot(demo), it, None)
    assert [p["title"] for p in work["mine"]] == [p.title for p in demo.proposals()
                                                  if p.owner == "IT"]  # fmt: skip


def test_only_earlier_phases_are_looked_back_at() -> None:
    assert views.may_look_back("proposals", "groups & roles")
    assert not views.may_look_back("proposals", "proposals")
    assert not views.may_look_back("proposals", "vote")
    assert not views.may_look_back("proposals", "nonsense")
    states = [p["state"] for p in views.phases_view("proposals")]
    assert states == ["earlier"] * 5 + ["current"] + ["later"] * 3


def test_every_phase_renders_its_board_and_work(demo: Workshop) -> None:
    demo.open_vote("First?")
    me = demo.participant(join(demo, "Ann", "Sales"))
    for phase in views.PHASES:
        demo.update_info(phase=phase)
        sections = render.Sections()
        frame = sections.frame(demo, [me.id])
        assert frame is not None and frame.phase == phase
        assert set(frame.sections(me.id)) == set(render.SECTIONS)
        assert f"<strong>{phase.replace('&', '&amp;')}</strong>" in frame.shared["header"]


def test_each_distinct_view_is_rendered_once_per_change(demo: Workshop) -> None:
    demo.update_info(phase="proposals")
    people = [join(demo, n, g) for n, g in (("A", "Sales"), ("B", "Sales"), ("C", "IT"))]
    sections = render.Sections()
    frame = sections.frame(demo, people)
    assert frame is not None
    assert len(sections._work) == 2  # Sales' and IT's, not one per person
    assert frame.personal[people[0]]["work"] is frame.personal[people[1]]["work"]
    assert sections.frame(demo, people) is None  # nothing changed: nothing rendered
    other = Workshop.open(demo.path)  # another process changes the file
    other.add_group("Night shift")
    other.close()
    frame = sections.frame(demo, people)
    assert frame is not None and "Night shift" in frame.personal[people[2]]["me"]  # a choice


def test_a_removed_participant_is_left_out_of_a_frame(demo: Workshop) -> None:
    ann, bob = join(demo, "Ann"), join(demo, "Bob")
    demo.remove_participant(bob)
    frame = render.Sections().frame(demo, [ann, bob])
    assert frame is not None and frame.removed == {bob} and set(frame.personal) == {ann}


def test_a_freed_name_is_told_apart_in_a_frame(demo: Workshop) -> None:
    ann, bob = demo.join("Ann", key="a" * 40), demo.join("Bob", key="b" * 40)
    sections = render.Sections()
    frame = sections.frame(demo, [ann, bob])
    assert frame is not None and frame.freed == set() and frame.removed == set()
    demo.free_name(bob)  # the facilitator's: Bob's browser key holds his name no more
    frame = sections.frame(demo, [ann, bob])
    assert frame is not None and frame.freed == {bob} and frame.removed == set()


def test_sections_escape_what_was_typed(demo: Workshop) -> None:
    demo.update_info(phase="groups & roles")
    demo.add_group("<script>x</script>", role="{{ 7*7 }} [b]bold[/b]")
    html = render.section("board", views.snapshot(demo).board)
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    assert "{{ 7*7 }} [b]bold[/b]" in html
