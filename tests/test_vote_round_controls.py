"""A facilitator's control of vote rounds (issue 19, item 9): changing a round's settings until
the first dot, reopening a closed round, and choosing a runoff's dots. The rules through the
public Workshop API on real SQLite files, then the keys a facilitator presses (Pilot)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Checkbox, Input, SelectionList, Static

from screens.app import WorkshopApp
from workshop import NotFound, VoteRejected, Workshop, WorkshopError
from workshop.demo import open_demo
from workshop.voting import DEFAULT_QUESTION

HOSTILE = ("[/]", "[@click=app.quit]", "[bold red]loud[/]")


def new_workshop(path: Path, proposals: int = 6, participants: int = 5):
    ws = Workshop.create(path, title="Round controls")
    pids = [ws.add_proposal(f"P{i}") for i in range(1, proposals + 1)]
    people = [ws.join(f"Voter {i}") for i in range(participants)]
    return ws, pids, people


@pytest.fixture
def voting(tmp_path: Path):
    ws, pids, people = new_workshop(tmp_path / "vote.db")
    yield ws, pids, people
    ws.close()


def rejected(call: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    with pytest.raises(VoteRejected) as caught:
        call(*args, **kwargs)
    message = str(caught.value)
    assert message.strip() and "\n" not in message and len(message) < 300
    return message


def stored(ws: Workshop, rid: int) -> tuple[Any, ...]:
    r = ws.vote_round(rid)
    return (r.question, r.proposal_ids, r.votes_per_person, r.max_per_item, r.hidden, r.state)


def vote_events(ws: Workshop) -> list[dict[str, Any]]:
    return [e for e in ws.history(200) if e["kind"] == "vote"]


def tied_round(ws: Workshop, pids: list[int], people: list[int], **kwargs: Any) -> int:
    """P1 and P2 tie at the top (2 dots, 2 voters), P3 and P4 below."""
    rid = ws.open_vote("Which first?", votes_per_person=2, max_per_item=2, **kwargs)
    for person, proposal in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (3, 3)]:
        ws.cast_vote(rid, people[person], pids[proposal])
    return rid


# -- changing a round's settings until the first dot -----------------------------------------


def test_settings_change_before_the_first_dot(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Q", votes_per_person=2, max_per_item=2)
    ws.update_vote(
        rid,
        question="Which fix first?",
        proposals=[pids[3], pids[1], pids[3], pids[0]],  # duplicates dropped, order kept
        votes_per_person=5,
        max_per_item=4,
        hidden=False,
    )
    assert stored(ws, rid) == (
        "Which fix first?",
        (pids[3], pids[1], pids[0]),
        5,
        4,
        False,
        "open",
    )
    assert vote_events(ws)[0]["summary"] == "Changed the vote “Which fix first?”"
    ws.cast_vote(rid, people[0], pids[3])  # voting works under the new rules
    assert "not part of the vote" in rejected(ws.cast_vote, rid, people[0], pids[2])


def test_only_what_is_given_changes(voting) -> None:
    ws, pids, _ = voting
    rid = ws.open_vote("Q", proposals=pids[:3], votes_per_person=3, max_per_item=2)
    ws.update_vote(rid, votes_per_person=4)
    assert stored(ws, rid) == ("Q", tuple(pids[:3]), 4, 2, True, "open")
    events = len(vote_events(ws))
    ws.update_vote(rid, question="Q", votes_per_person=4)  # nothing changes: nothing logged
    assert len(vote_events(ws)) == events


def test_a_cap_above_the_budget_means_no_cap(voting) -> None:
    ws, _, _ = voting
    rid = ws.open_vote("Q", votes_per_person=5, max_per_item=3)
    ws.update_vote(rid, votes_per_person=2)
    assert ws.vote_round(rid).max_per_item == 2
    ws.update_vote(rid, max_per_item=9)
    assert ws.vote_round(rid).max_per_item == 2


def test_an_empty_question_becomes_the_default(voting) -> None:
    ws, _, _ = voting
    rid = ws.open_vote("Q")
    ws.update_vote(rid, question="")
    assert ws.vote_round(rid).question == DEFAULT_QUESTION


def test_settings_refused_once_a_dot_is_placed(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Q", votes_per_person=3)
    ws.cast_vote(rid, people[0], pids[0])
    before = stored(ws, rid)
    message = rejected(ws.update_vote, rid, votes_per_person=1)
    assert "already has dots" in message and "close it and open a new one" in message
    assert "already has dots" in rejected(ws.check_may_change_vote, rid)
    assert stored(ws, rid) == before
    ws.reveal_vote(rid)
    assert "already has dots" in rejected(ws.update_vote, rid, question="Other")
    assert stored(ws, rid)[:5] == before[:5]


def test_settings_change_again_once_every_dot_is_taken_back(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Q", votes_per_person=3)
    ws.cast_vote(rid, people[0], pids[0])
    ws.retract_vote(rid, people[0], pids[0])
    ws.update_vote(rid, votes_per_person=1)  # no dot stands under the old rules
    assert ws.vote_round(rid).votes_per_person == 1


def test_a_dot_from_another_program_stops_the_change(tmp_path: Path, connect) -> None:
    path = tmp_path / "w.db"
    ws, pids, people = new_workshop(path)
    ws.close()
    fac, voter = connect(path), connect(path, actor="Voter 0")
    rid = fac.open_vote("Q", votes_per_person=3)
    voter.act_as_participant(people[0])
    fac.update_info(phase="vote")
    voter.cast_vote(rid, people[0], pids[0])
    assert "already has dots" in rejected(fac.update_vote, rid, votes_per_person=1)
    assert fac.vote_round(rid).votes_per_person == 3


def test_a_closed_round_is_reopened_before_it_changes(voting) -> None:
    ws, _, _ = voting
    rid = ws.open_vote("Q")
    ws.close_vote(rid)
    assert "reopen it" in rejected(ws.update_vote, rid, votes_per_person=1)
    ws.reopen_vote(rid)
    ws.update_vote(rid, votes_per_person=1)
    assert ws.vote_round(rid).votes_per_person == 1


@pytest.mark.parametrize("bad", [0, -1, 101, 10**100, True, "3", 2.5, "x" * 100_000])
def test_hostile_numbers_refused(voting, bad: object) -> None:
    ws, _, _ = voting
    rid = ws.open_vote("Q", votes_per_person=2, max_per_item=2)
    before = stored(ws, rid)
    assert "Dots per person" in rejected(ws.update_vote, rid, votes_per_person=bad)
    assert "Dots per proposal" in rejected(ws.update_vote, rid, max_per_item=bad)
    assert stored(ws, rid) == before


@pytest.mark.parametrize("bad", ["12", 3, [True], [None], ["1"], None.__class__])
def test_hostile_proposal_lists_refused(voting, bad: Any) -> None:
    ws, _, _ = voting
    rid = ws.open_vote("Q")
    before = stored(ws, rid)
    with pytest.raises((VoteRejected, NotFound)):
        ws.update_vote(rid, proposals=bad)
    assert stored(ws, rid) == before


def test_proposals_that_are_gone_or_none_refused(voting) -> None:
    ws, pids, _ = voting
    rid = ws.open_vote("Q")
    with pytest.raises(NotFound):
        ws.update_vote(rid, proposals=[pids[0], 999])
    assert "at least one proposal" in rejected(ws.update_vote, rid, proposals=[])
    assert "true or false" in rejected(ws.update_vote, rid, hidden="no")
    assert ws.vote_round(rid).proposal_ids == tuple(pids)


@pytest.mark.parametrize("question", HOSTILE)
def test_questions_stored_as_typed(voting, question: str) -> None:
    ws, _, _ = voting
    rid = ws.open_vote("Q")
    ws.update_vote(rid, question=question)
    assert ws.vote_round(rid).question == question


def test_huge_question_refused(voting) -> None:
    ws, _, _ = voting
    rid = ws.open_vote("Q")
    with pytest.raises(WorkshopError) as caught:
        ws.update_vote(rid, question="x" * 100_000)
    assert len(str(caught.value)) < 300
    assert ws.vote_round(rid).question == "Q"


def test_a_runoff_stays_among_its_tie(voting) -> None:
    ws, pids, people = voting
    rid = tied_round(ws, pids, people, hidden=False)
    new = ws.runoff(rid)
    assert "tied" in rejected(ws.update_vote, new, proposals=[pids[0], pids[2]])
    assert "tied" in rejected(ws.update_vote, new, proposals=[pids[0]])
    ws.update_vote(new, proposals=[pids[1], pids[0]], votes_per_person=2, hidden=True)
    assert stored(ws, new)[1:5] == ((pids[1], pids[0]), 2, 1, True)


def test_unknown_round_refused(voting) -> None:
    ws, _, _ = voting
    assert "no longer exists" in rejected(ws.update_vote, 42, votes_per_person=2)


# -- reopening a closed round ----------------------------------------------------------------


def test_reopen_keeps_the_dots_and_hides_a_hidden_round_again(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Q", votes_per_person=2)
    ws.cast_vote(rid, people[0], pids[0])
    ws.reveal_vote(rid)
    ws.close_vote(rid)
    assert ws.results(rid)[0].votes == 1
    ws.reopen_vote(rid)
    assert ws.vote_round(rid).state == "open"
    assert "hidden" in rejected(ws.results, rid)  # hidden again until revealed or closed
    assert ws.ballot(rid, people[0]).dots == {pids[0]: 1}  # the dots stay, budgets too
    ws.cast_vote(rid, people[0], pids[1])
    assert "No dots left" in rejected(ws.cast_vote, rid, people[0], pids[2])
    ws.cast_vote(rid, people[1], pids[1])
    ws.close_vote(rid)
    assert [(r.proposal_id, r.votes) for r in ws.results(rid)][:2] == [(pids[1], 2), (pids[0], 1)]
    assert "Reopened the vote “Q”" in [e["summary"] for e in vote_events(ws)]


def test_reopened_open_tally_round_shows_its_tallies(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Q", hidden=False)
    ws.cast_vote(rid, people[0], pids[0])
    ws.close_vote(rid)
    ws.reopen_vote(rid)
    assert ws.results(rid)[0].votes == 1


def test_reopen_refused_when_it_makes_no_sense(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Q")
    assert "still open" in rejected(ws.reopen_vote, rid)
    ws.reveal_vote(rid)
    assert "still open" in rejected(ws.reopen_vote, rid)
    ws.close_vote(rid)
    other = ws.open_vote("Other")
    message = rejected(ws.reopen_vote, rid)
    assert "“Other” is open" in message and "close it" in message
    assert ws.vote_round(rid).state == "closed"
    ws.close_vote(other)
    assert "no longer exists" in rejected(ws.reopen_vote, 999)


def test_reopen_refused_while_a_runoff_resolves_the_round(voting) -> None:
    ws, pids, people = voting
    rid = tied_round(ws, pids, people, hidden=False)
    runoff = ws.runoff(rid)
    ws.close_vote(runoff)
    message = rejected(ws.reopen_vote, rid)
    assert "Runoff: Which first?" in message and "delete that runoff" in message
    ws.delete_vote(runoff)
    ws.reopen_vote(rid)
    assert ws.vote_round(rid).state == "open"


# -- choosing a runoff's dots ----------------------------------------------------------------


def test_runoff_with_chosen_dots(voting) -> None:
    ws, pids, people = voting
    rid = tied_round(ws, pids, people)
    ws.reveal_vote(rid)
    assert ws.runoff_defaults(rid) == ([pids[0], pids[1]], 1, 1)
    assert ws.runoff_defaults(rid, [pids[2], pids[3]]) == ([pids[2], pids[3]], 1, 1)
    new = ws.runoff(rid, votes_per_person=3, max_per_item=2)
    fresh = ws.vote_round(new)
    assert (fresh.votes_per_person, fresh.max_per_item) == (3, 2)
    assert fresh.proposal_ids == (pids[0], pids[1]) and fresh.runoff_of == rid
    assert ws.vote_round(rid).state == "closed"


def test_runoff_cap_defaults_to_the_rounds_own(voting) -> None:
    ws, pids, people = voting
    rid = tied_round(ws, pids, people, hidden=False)
    new = ws.runoff(rid, votes_per_person=4)
    assert (ws.vote_round(new).votes_per_person, ws.vote_round(new).max_per_item) == (4, 2)


def test_runoff_cap_above_its_budget_means_no_cap(voting) -> None:
    ws, pids, people = voting
    rid = tied_round(ws, pids, people, hidden=False)
    new = ws.runoff(rid, votes_per_person=2, max_per_item=50)
    assert ws.vote_round(new).max_per_item == 2


@pytest.mark.parametrize("bad", [0, -3, 101, 10**100, True, "2", 1.5, "[/]" * 30_000])
def test_runoff_hostile_dots_refused_and_nothing_changes(voting, bad: object) -> None:
    ws, pids, people = voting
    rid = tied_round(ws, pids, people)
    ws.reveal_vote(rid)
    assert "Dots per person" in rejected(ws.runoff, rid, votes_per_person=bad)
    assert "Dots per proposal" in rejected(ws.runoff, rid, max_per_item=bad)
    assert ws.vote_round(rid).state == "revealed" and len(ws.rounds()) == 1


def test_runoff_refuses_a_tie_of_one(voting) -> None:
    ws, pids, people = voting
    rid = tied_round(ws, pids, people, hidden=False)
    assert "tied" in rejected(ws.runoff, rid, [pids[0], pids[0]])
    assert "list of ids" in rejected(ws.runoff, rid, "12")
    assert ws.vote_round(rid).state == "open" and len(ws.rounds()) == 1


# -- who may, and what undo does -------------------------------------------------------------


def test_only_the_facilitator(tmp_path: Path, connect) -> None:
    path = tmp_path / "w.db"
    ws, pids, people = new_workshop(path)
    rid = tied_round(ws, pids, people, hidden=False)
    ws.close()
    fac, ann = connect(path), connect(path, actor="Voter 0")
    ann.act_as_participant(people[0])
    for call, args in [
        (ann.update_vote, (rid,)),
        (ann.reopen_vote, (rid,)),
        (ann.runoff, (rid, None, 2, 1)),
    ]:
        with pytest.raises(WorkshopError, match="Only the facilitator"):
            call(*args)
    fac.close_vote(rid)
    with pytest.raises(WorkshopError, match="Only the facilitator"):
        ann.reopen_vote(rid)
    assert fac.vote_round(rid).state == "closed" and len(fac.rounds()) == 1


def test_round_changes_are_logged_never_undo_targets(voting) -> None:
    ws, pids, people = voting
    group = ws.add_group("Late group")
    rid = ws.open_vote("Q", votes_per_person=2, max_per_item=2, hidden=False)
    ws.update_vote(rid, votes_per_person=3)
    for person, proposal in [(0, 0), (1, 1)]:
        ws.cast_vote(rid, people[person], pids[proposal])
    ws.close_vote(rid)
    ws.reopen_vote(rid)
    ws.reveal_vote(rid)
    new = ws.runoff(rid, votes_per_person=2)
    assert ws.can_undo() == "Added group Late group"
    assert ws.undo() == "Added group Late group"
    assert group not in [g.id for g in ws.groups()]
    assert ws.vote_round(rid).votes_per_person == 3 and ws.vote_round(new).votes_per_person == 2
    summaries = [e["summary"] for e in vote_events(ws)]
    assert "Changed the vote “Q”" in summaries and "Reopened the vote “Q”" in summaries
    assert all(e["undo"] == "" for e in vote_events(ws))
    exported = json.loads(ws.export("json"))["vote_rounds"]
    assert [(r["votes_per_person"], r["runoff_of"]) for r in exported] == [(3, None), (2, rid)]


# -- the keys a facilitator presses ----------------------------------------------------------

SIZE = (120, 40)
CLEAR = ("end", "ctrl+u")  # empty the focused field, as a person would


def demo(tmp_path: Path, **vote: Any) -> tuple[Workshop, int]:
    ws = open_demo(tmp_path / "demo.db")
    ws.update_info(phase="vote")
    return ws, ws.open_vote(**vote)


def last_notice(app: WorkshopApp) -> str:
    return list(app._notifications)[-1].message


def shown(app: WorkshopApp, widget_id: str) -> str:
    return str(app.screen.query_one(f"#{widget_id}", Static).render())


async def test_edit_a_round_by_keyboard(tmp_path: Path) -> None:
    ws, rid = demo(tmp_path, votes_per_person=2, max_per_item=2)
    first = ws.proposals()[0]
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert type(form).__name__ == "VoteForm"
        assert form.query_one("#question", Input).value == DEFAULT_QUESTION
        assert form.query_one("#budget", Input).value == "2"
        assert form.query_one("#max", Input).value == "2"
        assert form.query_one("#hidden", Checkbox).value is True
        assert len(form.query_one("#proposals", SelectionList).selected) == len(ws.proposals())
        await pilot.press(*CLEAR, *"[/] first?")
        await pilot.press("tab", "space")  # untick the first proposal
        await pilot.press("tab", *CLEAR, "4", "tab", *CLEAR, "3", "tab", "space")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "VoteScreen"
        found = ws.vote_round(rid)
        assert (found.question, found.votes_per_person, found.max_per_item) == ("[/] first?", 4, 3)
        assert found.hidden is False and first.id not in found.proposal_ids
        assert "“[/] first?”" in shown(app, "round-status")
        assert "4 dot(s) per person, at most 3" in shown(app, "round-status")
        assert last_notice(app) == "Changed the round's settings."
    ws.close()


async def test_blank_budget_means_the_default_for_the_ticked_proposals(tmp_path: Path) -> None:
    ws, rid = demo(tmp_path, votes_per_person=9)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#budget", Input).value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
    expected = min(10, max(1, -(-len(ws.proposals()) // 3)))
    assert ws.vote_round(rid).votes_per_person == expected
    ws.close()


@pytest.mark.parametrize(
    ("field", "value", "told"),
    [
        ("budget", "-", "whole number"),
        ("budget", "abc", "whole number"),
        ("budget", "9" * 100_000, "whole number"),
        ("budget", "-5", "from 1 to 100"),
        ("max", "0", "from 1 to 100"),
        ("max", "", "Say how many"),
        ("question", "x" * 100_000, "The question"),
    ],
)
async def test_hostile_form_input_is_refused_in_the_form(
    tmp_path: Path, field: str, value: str, told: str
) -> None:
    ws, rid = demo(tmp_path, votes_per_person=2)
    before = stored(ws, rid)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        form.query_one(f"#{field}", Input).value = value
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # still open, saying why
        error = str(form.query_one("#error", Static).render())
        assert told in error and len(error) < 300
    assert stored(ws, rid) == before
    ws.close()


@pytest.mark.parametrize("question", HOSTILE)
async def test_hostile_questions_shown_as_typed(tmp_path: Path, question: str) -> None:
    ws, rid = demo(tmp_path)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#question", Input).value = question
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.is_running and type(app.screen).__name__ == "VoteScreen"
        assert f"“{question}”" in shown(app, "round-status")
        await pilot.press("e")  # the form opens again with it, as typed
        await pilot.pause()
        assert app.screen.query_one("#question", Input).value == question
    assert ws.vote_round(rid).question == question
    ws.close()


async def test_edit_after_a_dot_is_refused_before_the_form(tmp_path: Path) -> None:
    ws, rid = demo(tmp_path)
    ws.cast_vote(rid, ws.participants()[0].id, ws.proposals()[0].id)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert type(app.screen).__name__ == "VoteScreen"
        assert "already has dots; close it and open a new one" in last_notice(app)
    ws.close()


async def test_reopen_a_closed_round_by_keyboard(tmp_path: Path) -> None:
    ws, rid = demo(tmp_path)
    ws.cast_vote(rid, ws.participants()[0].id, ws.proposals()[0].id)
    ws.close_vote(rid)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        assert "closed" in shown(app, "round-status")
        await pilot.press("O")
        await pilot.pause()
        assert ws.vote_round(rid).state == "open"
        assert "tallies hidden" in shown(app, "round-status")
        assert "hidden until you reveal" in last_notice(app)
        await pilot.press("O")  # open already: told, nothing changes
        await pilot.pause()
        assert "still open" in last_notice(app)
        assert ws.vote_round(rid).state == "open"
    ws.close()


async def test_runoff_with_chosen_dots_by_keyboard(tmp_path: Path) -> None:
    ws, rid = demo(tmp_path, hidden=False)
    people = [p.id for p in ws.participants()]
    first, second, third = [p.id for p in ws.proposals()][:3]
    for person, proposal in zip(people[:4], [first, second, first, second], strict=True):
        ws.cast_vote(rid, person, proposal)
    ws.cast_vote(rid, people[5], third)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("F")
        await pilot.pause()
        form = app.screen
        assert type(form).__name__ == "VoteForm"
        assert form.query_one("#budget", Input).value == "1"  # the defaults, shown
        assert form.query_one("#max", Input).value == "1"
        assert not form.query("#question") and not form.query("#hidden")
        listed = shown_in(form, "runoff-proposals")
        assert ws.proposal(first).title[:30] in listed and ws.proposal(third).title not in listed
        await pilot.press(*CLEAR, "3", "tab", *CLEAR, "2")
        await pilot.press("ctrl+s")
        await pilot.pause()
        old, runoff = ws.rounds()
        assert old.state == "closed" and runoff.runoff_of == old.id
        assert (runoff.votes_per_person, runoff.max_per_item) == (3, 2)
        assert runoff.proposal_ids == (first, second)
        assert "Round 2 of 2" in shown(app, "round-status")
    ws.close()


def shown_in(screen: Any, widget_id: str) -> str:
    return str(screen.query_one(f"#{widget_id}", Static).render())


async def test_runoff_form_refuses_hostile_dots_and_opens_nothing(tmp_path: Path) -> None:
    ws, rid = demo(tmp_path, hidden=False)
    people = [p.id for p in ws.participants()]
    first, second = [p.id for p in ws.proposals()][:2]
    for person, proposal in zip(people[:2], [first, second], strict=True):
        ws.cast_vote(rid, person, proposal)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("F")
        await pilot.pause()
        form = app.screen
        for value, told in [("-", "whole number"), ("0", "from 1 to 100"), ("999", "from 1")]:
            form.query_one("#budget", Input).value = value
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is form and told in shown_in(form, "error")
        form.query_one("#budget", Input).value = ""  # blank: the default
        await pilot.press("ctrl+s")
        await pilot.pause()
    old, runoff = ws.rounds()
    assert runoff.votes_per_person == 1 and old.state == "closed"
    ws.close()


async def test_runoff_form_without_a_tie_is_told(tmp_path: Path) -> None:
    ws, rid = demo(tmp_path, hidden=False)
    ws.cast_vote(rid, ws.participants()[0].id, ws.proposals()[0].id)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("F")
        await pilot.pause()
        assert type(app.screen).__name__ == "VoteScreen"
        assert "no tie" in last_notice(app)
    assert len(ws.rounds()) == 1
    ws.close()


async def test_participant_has_none_of_these_keys(tmp_path: Path) -> None:
    ws, rid = demo(tmp_path)
    ws.close_vote(rid)
    ws.reopen_vote(rid)
    me = ws.join("Cy")
    app = WorkshopApp(ws, facilitator=False, participant_id=me)
    before = stored(ws, rid)
    async with app.run_test(size=SIZE) as pilot:
        for key in ("e", "O", "F"):
            await pilot.press(key)
            await pilot.pause()
        assert type(app.screen).__name__ == "VoteScreen"
        offered = {a.binding.action for a in app.screen.active_bindings.values()}
        assert not offered & {"edit_round", "open_vote_again", "runoff_with_dots"}
    assert stored(ws, rid) == before and len(ws.rounds()) == 1
    ws.close()


async def test_new_keys_are_in_the_help_and_the_palette(tmp_path: Path) -> None:
    from screens.help_screen import help_markdown
    from screens.vote_screen import VoteScreen

    text = help_markdown()
    ids = {b.id for b in VoteScreen.BINDINGS}  # type: ignore[union-attr]
    assert {"vote.edit_round", "vote.reopen", "vote.runoff_dots"} <= ids
    for binding in VoteScreen.BINDINGS:
        assert binding.tooltip and binding.tooltip in text  # type: ignore[union-attr]


@pytest.mark.parametrize("question", HOSTILE)
async def test_runoff_form_shows_a_hostile_question_as_typed(tmp_path: Path, question: str) -> None:
    ws, rid = demo(tmp_path, question=question, hidden=False)
    people = [p.id for p in ws.participants()]
    first, second = [p.id for p in ws.proposals()][:2]
    for person, proposal in zip(people[:2], [first, second], strict=True):
        ws.cast_vote(rid, person, proposal)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("F")
        await pilot.pause()
        assert type(app.screen).__name__ == "VoteForm"
        assert f"Runoff: {question}" in "".join(str(w.render()) for w in app.screen.query(Static))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.is_running
    assert ws.rounds()[-1].question == f"Runoff: {question}"
    ws.close()
