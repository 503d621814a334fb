"""The voting rules of DESIGN.md, through the public Workshop API on real SQLite files.

Budgets and caps, closed rounds, unknown voters, hidden tallies (in every export), ranking, ties
and runoffs, and a stateful property test that no sequence of casts and retractions ever breaks a
budget or a cap or loses a dot.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from workshop import NotFound, VoteRejected, Workshop
from workshop.voting import DEFAULT_QUESTION, default_votes_per_person, rank, tie_groups

# Distinctive names, so that a leak of who voted for what is easy to spot in an export.
VOTERS = ("Quentin Ballot", "Rosalind Dotwell", "Ignatius Tally", "Henrietta Marks", "Osric Pick")


def new_workshop(
    path: Path, proposals: int, participants: int = 3
) -> tuple[Workshop, list[int], list[int]]:
    """A fresh workshop file with `proposals` proposals (P1, P2, …) and some participants."""
    ws = Workshop.create(path, title="Voting test")
    pids = [ws.add_proposal(f"P{i}") for i in range(1, proposals + 1)]
    names = list(VOTERS) + [f"Voter {i}" for i in range(len(VOTERS), participants)]
    people = [ws.join(names[i]) for i in range(participants)]
    return ws, pids, people


@pytest.fixture
def voting(tmp_path: Path):
    """Six proposals and five participants; no round yet."""
    ws, pids, people = new_workshop(tmp_path / "vote.db", 6, 5)
    yield ws, pids, people
    ws.close()


def votes_in(ws: Workshop, round_id: int) -> int:
    return ws.db.execute("select count(*) from votes where round_id = ?", [round_id]).fetchone()[0]


def rejected(call, *args: Any) -> str:
    """Run `call`, which must raise VoteRejected; the message."""
    with pytest.raises(VoteRejected) as caught:
        call(*args)
    message = str(caught.value)
    assert message.strip(), "a refusal needs a reason"
    assert "\n" not in message
    return message


# -- default votes per person ------------------------------------------------------------


@pytest.mark.parametrize(
    ("proposals", "expected"),
    [
        (1, 1),
        (2, 1),
        (3, 1),
        (4, 2),
        (6, 2),
        (7, 3),
        (10, 4),
        (27, 9),
        (28, 10),
        (30, 10),
        (31, 10),
    ],
)
def test_default_budget_is_a_third_of_the_round_rounded_up(
    tmp_path: Path, proposals: int, expected: int
) -> None:
    ws, pids, _ = new_workshop(tmp_path / "w.db", proposals, 1)
    with ws:
        rid = ws.open_vote()
        found = ws.vote_round(rid)
        assert found.votes_per_person == expected
        assert found.proposal_ids == tuple(pids)
        assert found.question == DEFAULT_QUESTION
        assert found.hidden is True and found.state == "open"
        # the default cap of 3, but never above the budget
        assert found.max_per_item == min(3, expected)


def test_default_budget_counts_the_round_not_every_proposal(voting) -> None:
    ws, pids, _ = voting
    rid = ws.open_vote("Two of six", proposals=pids[:4])
    assert ws.vote_round(rid).votes_per_person == 2  # ceil(4/3), not ceil(6/3)
    assert ws.vote_round(rid).proposal_ids == tuple(pids[:4])


@given(st.integers(min_value=0, max_value=5000))
def test_default_votes_per_person_property(n: int) -> None:
    votes = default_votes_per_person(n)
    assert isinstance(votes, int)
    assert 1 <= votes <= 10
    if 1 <= n <= 30:
        # exactly a third rounded up: enough dots for a third, not one more than needed
        assert 3 * (votes - 1) < n <= 3 * votes
    if n >= 28:
        assert votes == 10
    if n <= 3:
        assert votes == 1
    assert default_votes_per_person(n + 1) >= votes  # never fewer dots for more proposals
    assert votes == min(10, max(1, math.ceil(n / 3)))


def test_explicit_budget_and_cap_are_kept(voting) -> None:
    ws, pids, _ = voting
    rid = ws.open_vote("Q", votes_per_person=5, max_per_item=2, hidden=False)
    found = ws.vote_round(rid)
    assert (found.votes_per_person, found.max_per_item, found.hidden) == (5, 2, False)


@pytest.mark.parametrize("bad", [0, -1, 101, True, "3", 2.5])
def test_invalid_budget_or_cap_refused(voting, bad: object) -> None:
    ws, _, _ = voting
    assert "Dots per person" in rejected(
        lambda: ws.open_vote("Q", votes_per_person=bad)  # type: ignore[arg-type]
    )
    assert "Dots per proposal" in rejected(
        lambda: ws.open_vote("Q", max_per_item=bad)  # type: ignore[arg-type]
    )
    assert ws.rounds() == []


def test_a_round_needs_existing_proposals(tmp_path: Path) -> None:
    ws, _, _ = new_workshop(tmp_path / "empty.db", 0, 1)
    with ws:
        assert "at least one proposal" in rejected(ws.open_vote)
        ws.add_proposal("Only one")
        with pytest.raises(NotFound):
            ws.open_vote("Q", proposals=[999])
        assert "at least one proposal" in rejected(lambda: ws.open_vote("Q", proposals=[]))
        assert ws.rounds() == []


# -- casting: budget, cap and refusals -----------------------------------------------------


def test_budget_refused_with_a_clear_message(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Q", votes_per_person=3, max_per_item=3)
    me = people[0]
    for pid in pids[:3]:
        ws.cast_vote(rid, me, pid)
    message = rejected(ws.cast_vote, rid, me, pids[3])
    assert "No dots left" in message and "3" in message
    ballot = ws.ballot(rid, me)
    assert ballot.dots == {pids[0]: 1, pids[1]: 1, pids[2]: 1}
    assert (ballot.used, ballot.left, ballot.budget) == (3, 0, 3)
    assert votes_in(ws, rid) == 3
    # someone else's budget is their own
    ws.cast_vote(rid, people[1], pids[3])
    assert ws.ballot(rid, people[1]).left == 2


def test_per_item_cap_refused_with_a_clear_message(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Q", votes_per_person=5, max_per_item=2)
    me = people[0]
    ws.cast_vote(rid, me, pids[0])
    ws.cast_vote(rid, me, pids[0])
    message = rejected(ws.cast_vote, rid, me, pids[0])
    assert message == "At most 2 dots on one proposal."
    assert ws.ballot(rid, me).dots == {pids[0]: 2}
    ws.cast_vote(rid, me, pids[1])  # other proposals still take dots
    assert ws.ballot(rid, me).used == 3


def test_cap_of_one_message_is_singular(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Q", votes_per_person=3, max_per_item=1)
    ws.cast_vote(rid, people[0], pids[0])
    assert rejected(ws.cast_vote, rid, people[0], pids[0]) == "At most 1 dot on one proposal."


def test_cap_above_budget_means_no_cap(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Q", votes_per_person=2, max_per_item=5)
    assert ws.vote_round(rid).max_per_item == 2
    ws.cast_vote(rid, people[0], pids[0])
    ws.cast_vote(rid, people[0], pids[0])
    assert "No dots left" in rejected(ws.cast_vote, rid, people[0], pids[0])


def test_closed_round_refuses_casting_and_retracting(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Closing soon", votes_per_person=3)
    ws.cast_vote(rid, people[0], pids[0])
    ws.close_vote(rid)
    message = rejected(ws.cast_vote, rid, people[1], pids[0])
    assert "closed" in message and "Closing soon" in message
    assert "closed" in rejected(ws.retract_vote, rid, people[0], pids[0])
    assert votes_in(ws, rid) == 1


def test_unknown_participant_refused(voting) -> None:
    ws, pids, _ = voting
    rid = ws.open_vote("Q")
    assert "Only participants can vote" in rejected(ws.cast_vote, rid, 9999, pids[0])
    assert "Only participants can vote" in rejected(ws.retract_vote, rid, 9999, pids[0])
    assert votes_in(ws, rid) == 0


def test_proposal_not_in_the_round_refused(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Only the first three", proposals=pids[:3])
    message = rejected(ws.cast_vote, rid, people[0], pids[4])
    assert "not part of the vote" in message and "Only the first three" in message
    assert "not part of the vote" in rejected(ws.cast_vote, rid, people[0], 9999)
    assert votes_in(ws, rid) == 0


def test_unknown_round_refused(voting) -> None:
    ws, pids, people = voting
    assert "no longer exists" in rejected(ws.cast_vote, 4242, people[0], pids[0])
    assert "no longer exists" in rejected(ws.results, 4242)


def test_retract_takes_back_one_dot(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Q", votes_per_person=3, max_per_item=3)
    me = people[0]
    for _ in range(3):
        ws.cast_vote(rid, me, pids[0])
    assert "No dots left" in rejected(ws.cast_vote, rid, me, pids[1])
    ws.retract_vote(rid, me, pids[0])
    assert ws.ballot(rid, me).dots == {pids[0]: 2}
    ws.cast_vote(rid, me, pids[1])  # the dot taken back can be placed again
    assert ws.ballot(rid, me).dots == {pids[0]: 2, pids[1]: 1}
    assert "no dot on that proposal" in rejected(ws.retract_vote, rid, me, pids[2])
    assert "no dot on that proposal" in rejected(ws.retract_vote, rid, people[1], pids[0])
    assert votes_in(ws, rid) == 3


# -- rounds: one at a time, reveal, close --------------------------------------------------


def test_only_one_round_open_at_a_time(voting) -> None:
    ws, pids, _ = voting
    first = ws.open_vote("First question")
    message = rejected(lambda: ws.open_vote("Second question"))
    assert "First question" in message and "still open" in message
    ws.reveal_vote(first)  # revealed is still live
    assert "still open" in rejected(lambda: ws.open_vote("Second question"))
    assert [r.question for r in ws.rounds()] == ["First question"]
    ws.close_vote(first)
    second = ws.open_vote("Second question")
    assert ws.current_round().id == second  # type: ignore[union-attr]
    assert [r.state for r in ws.rounds()] == ["closed", "open"]


def test_reveal_and_close_change_state(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Q", votes_per_person=2)
    assert ws.vote_round(rid).state == "open"
    assert not ws.vote_round(rid).shows_tallies
    ws.reveal_vote(rid)
    assert ws.vote_round(rid).state == "revealed"
    assert ws.vote_round(rid).shows_tallies and ws.vote_round(rid).accepts_votes
    ws.cast_vote(rid, people[0], pids[0])  # a revealed round keeps accepting dots
    ws.reveal_vote(rid)  # again: nothing changes
    assert ws.vote_round(rid).state == "revealed"
    ws.close_vote(rid)
    assert ws.vote_round(rid).state == "closed"
    assert not ws.vote_round(rid).accepts_votes
    ws.close_vote(rid)  # closing twice is harmless
    assert ws.vote_round(rid).state == "closed"
    assert "already closed" in rejected(ws.reveal_vote, rid)
    assert ws.vote_round(rid).state == "closed"
    assert votes_in(ws, rid) == 1


def test_state_changes_are_seen_by_another_connection(tmp_path: Path) -> None:
    ws, pids, people = new_workshop(tmp_path / "w.db", 3, 2)
    with ws, Workshop.open(tmp_path / "w.db") as other:
        rid = ws.open_vote("Q")
        other.cast_vote(rid, people[0], pids[0])
        ws.reveal_vote(rid)
        assert other.results(rid)[0].votes == 1
        ws.close_vote(rid)
        assert "closed" in rejected(other.cast_vote, rid, people[1], pids[0])


# -- results: hidden until revealed, ranked, ties flagged ----------------------------------


def test_results_refused_while_hidden_and_open(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Secret question", votes_per_person=2)
    ws.cast_vote(rid, people[0], pids[0])
    message = rejected(ws.results, rid)
    assert "hidden" in message and "Secret question" in message
    assert ws.voter_count(rid) == 1  # how many have voted is safe to show
    ws.reveal_vote(rid)
    assert [r.votes for r in ws.results(rid)][0] == 1


def test_results_after_close_of_a_hidden_round(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Q", votes_per_person=2)
    ws.cast_vote(rid, people[0], pids[1])
    rejected(ws.results, rid)
    ws.close_vote(rid)  # closing without revealing shows the tallies too
    results = ws.results(rid)
    assert results[0].proposal_id == pids[1] and results[0].votes == 1


def test_open_tally_round_shows_results_while_open(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Open tally", votes_per_person=2, hidden=False)
    ws.cast_vote(rid, people[0], pids[2])
    results = ws.results(rid)
    assert results[0].proposal == "P3" and results[0].votes == 1 and results[0].voters == 1


def test_ranking_by_votes_then_voters_then_proposal_order(tmp_path: Path) -> None:
    ws, pids, people = new_workshop(tmp_path / "rank.db", 6, 5)
    a, b, c, d, e, f = pids
    with ws:
        rid = ws.open_vote("Q", votes_per_person=5, max_per_item=3)
        plan = {
            # d: 3 dots from 3 voters beats a: 3 dots from 2 voters
            a: [0, 0, 1],
            d: [1, 2, 3],
            # c and b: 2 dots from 2 voters each -> tied, c after b by proposal order
            c: [2, 4],
            b: [3, 4],
            # e and f: no dots, never tied
        }
        for pid, voters in plan.items():
            for who in voters:
                ws.cast_vote(rid, people[who], pid)
        ws.reveal_vote(rid)
        results = ws.results(rid)
        assert [r.proposal_id for r in results] == [d, a, b, c, e, f]
        assert [r.proposal for r in results] == ["P4", "P1", "P2", "P3", "P5", "P6"]
        assert [r.votes for r in results] == [3, 3, 2, 2, 0, 0]
        assert [r.voters for r in results] == [3, 2, 2, 2, 0, 0]
        assert [r.rank for r in results] == [1, 2, 3, 4, 5, 6]
        assert [r.tied for r in results] == [False, False, True, True, False, False]
        assert tie_groups(results) == [[b, c]]


def test_zero_vote_proposals_are_never_tied(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Nobody votes", hidden=False)
    results = ws.results(rid)
    assert all(r.votes == 0 and not r.tied for r in results)
    assert [r.proposal_id for r in results] == pids  # proposal order
    assert tie_groups(results) == []
    assert "no tie" in rejected(ws.runoff, rid)


def test_tie_groups_best_first(tmp_path: Path) -> None:
    ws, pids, people = new_workshop(tmp_path / "ties.db", 5, 4)
    a, b, c, d, e = pids
    with ws:
        rid = ws.open_vote("Q", votes_per_person=3, max_per_item=1, hidden=False)
        for who in (0, 1):
            ws.cast_vote(rid, people[who], c)
            ws.cast_vote(rid, people[who], e)
        ws.cast_vote(rid, people[2], a)
        ws.cast_vote(rid, people[3], b)
        ws.cast_vote(rid, people[3], d)
        results = ws.results(rid)
        assert [(r.proposal_id, r.votes, r.tied) for r in results] == [
            (c, 2, True),
            (e, 2, True),
            (a, 1, True),
            (b, 1, True),
            (d, 1, True),
        ]
        assert tie_groups(results) == [[c, e], [a, b, d]]


@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6)).map(lambda t: (max(t), min(t))),
        max_size=12,
    )
)
def test_rank_property(tallies: list[tuple[int, int]]) -> None:
    """Any tallies: ranks 1..n, sorted by (votes, voters) then order, ties exactly as defined."""
    rows = [(100 + i, f"P{i}", votes, voters) for i, (votes, voters) in enumerate(tallies)]
    results = rank(rows)
    assert [r.rank for r in results] == list(range(1, len(rows) + 1))
    assert sorted(r.proposal_id for r in results) == [row[0] for row in rows]
    keys = [(-r.votes, -r.voters, r.proposal_id) for r in results]
    assert keys == sorted(keys)
    for r in results:
        others = [x for x in results if x is not r]
        expected = r.votes > 0 and any((x.votes, x.voters) == (r.votes, r.voters) for x in others)
        assert r.tied == expected
    for group in tie_groups(results):
        assert len(group) >= 2
        assert len({(x.votes, x.voters) for x in results if x.proposal_id in group}) == 1


# -- runoff --------------------------------------------------------------------------------


def tied_round(ws: Workshop, pids: list[int], people: list[int], **kwargs: Any) -> int:
    """A round where P1 and P2 tie at the top (2 dots, 2 voters) and P3, P4 tie below."""
    rid = ws.open_vote("Which first?", votes_per_person=2, max_per_item=2, **kwargs)
    ws.cast_vote(rid, people[0], pids[0])
    ws.cast_vote(rid, people[0], pids[1])
    ws.cast_vote(rid, people[1], pids[0])
    ws.cast_vote(rid, people[1], pids[1])
    ws.cast_vote(rid, people[2], pids[2])
    ws.cast_vote(rid, people[3], pids[3])
    return rid


def test_runoff_over_the_best_tie(voting) -> None:
    ws, pids, people = voting
    rid = tied_round(ws, pids, people)
    ws.reveal_vote(rid)
    assert tie_groups(ws.results(rid)) == [[pids[0], pids[1]], [pids[2], pids[3]]]
    new = ws.runoff(rid)
    assert new != rid
    old, fresh = ws.vote_round(rid), ws.vote_round(new)
    assert old.state == "closed"
    assert fresh.state == "open"
    assert fresh.proposal_ids == (pids[0], pids[1])
    assert fresh.runoff_of == rid
    assert fresh.question == "Runoff: Which first?"
    assert fresh.hidden is True  # like the round it resolves
    assert fresh.votes_per_person == 1  # the default for two proposals
    assert fresh.max_per_item == 1
    assert ws.current_round().id == new  # type: ignore[union-attr]
    # the old round's dots and results are untouched
    assert votes_in(ws, rid) == 6 and votes_in(ws, new) == 0
    assert [r.votes for r in ws.results(rid)][:2] == [2, 2]
    # the runoff takes dots on the tied proposals only
    ws.cast_vote(new, people[0], pids[0])
    assert "not part of the vote" in rejected(ws.cast_vote, new, people[1], pids[2])
    exported = json.loads(ws.export("json"))["vote_rounds"]
    assert [r["runoff_of"] for r in exported] == [None, rid]
    assert exported[1]["proposals"] == ["P1", "P2"]


def test_runoff_among_a_chosen_tie(voting) -> None:
    ws, pids, people = voting
    rid = tied_round(ws, pids, people, hidden=False)
    new = ws.runoff(rid, [pids[2], pids[3]])
    assert ws.vote_round(new).proposal_ids == (pids[2], pids[3])
    assert ws.vote_round(new).hidden is False
    assert ws.vote_round(rid).state == "closed"


@pytest.mark.parametrize("choice", [[0, 2], [0], [4, 5], [0, 1, 2]])
def test_runoff_refused_among_proposals_that_are_not_tied(voting, choice: list[int]) -> None:
    ws, pids, people = voting
    rid = tied_round(ws, pids, people)
    ws.reveal_vote(rid)
    assert "tied" in rejected(ws.runoff, rid, [pids[i] for i in choice])
    assert ws.vote_round(rid).state == "revealed"  # nothing changed
    assert len(ws.rounds()) == 1


def test_runoff_refused_without_a_tie(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Clear winner", votes_per_person=2)
    ws.cast_vote(rid, people[0], pids[0])
    ws.cast_vote(rid, people[1], pids[0])
    ws.cast_vote(rid, people[2], pids[1])
    ws.reveal_vote(rid)
    message = rejected(ws.runoff, rid)
    assert "no tie" in message and "Clear winner" in message
    assert ws.vote_round(rid).state == "revealed"
    assert len(ws.rounds()) == 1


def test_runoff_refused_while_hidden(voting) -> None:
    ws, pids, people = voting
    rid = tied_round(ws, pids, people)
    assert "hidden" in rejected(ws.runoff, rid)
    assert ws.vote_round(rid).state == "open"  # not closed by the refused runoff
    assert len(ws.rounds()) == 1
    assert votes_in(ws, rid) == 6


def test_runoff_of_a_closed_round(voting) -> None:
    ws, pids, people = voting
    rid = tied_round(ws, pids, people)
    ws.close_vote(rid)
    new = ws.runoff(rid)
    assert ws.vote_round(new).runoff_of == rid
    assert ws.vote_round(new).proposal_ids == (pids[0], pids[1])


def test_runoff_question_stays_a_name(voting) -> None:
    ws, pids, people = voting
    long_question = "Q" * 80
    rid = ws.open_vote(long_question, proposals=pids[:2], votes_per_person=1, hidden=False)
    ws.cast_vote(rid, people[0], pids[0])
    ws.cast_vote(rid, people[1], pids[1])
    new = ws.runoff(rid)
    question = ws.vote_round(new).question
    assert question.startswith("Runoff: Q") and len(question) == 80


# -- hidden tallies never leave the store; who voted for what is never exported ------------


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _votes_section(markdown: str) -> str:
    if "## Votes" not in markdown:
        return ""
    rest = markdown.split("## Votes", 1)[1]
    return rest.split("\n## ", 1)[0]


def test_hidden_tallies_are_absent_from_every_export(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Hidden question", votes_per_person=3)
    before = {fmt: ws.export(fmt) for fmt in ("json", "md", "html")}
    before["csv"] = ws.export("csv", what="votes")
    for who, pid in [(0, 0), (0, 0), (1, 0), (2, 1), (3, 2), (4, 0)]:
        ws.cast_vote(rid, people[who], pids[pid])
    after = {fmt: ws.export(fmt) for fmt in ("json", "md", "html")}
    after["csv"] = ws.export("csv", what="votes")
    # the dots change nothing that any export shows
    assert after == before

    data = json.loads(after["json"])
    (round_data,) = data["vote_rounds"]
    assert round_data["question"] == "Hidden question"
    assert round_data["state"] == "open" and round_data["hidden"] is True
    assert "results" not in round_data
    assert not {"results", "votes", "voters", "rank", "tied"} & _keys(data)
    assert "## Votes" not in after["md"]
    assert "Dots" not in after["md"] and "Voters" not in after["md"]
    assert after["csv"].splitlines() == ["question,state,rank,proposal,votes,voters,tied"]

    ws.reveal_vote(rid)
    data = json.loads(ws.export("json"))
    results = data["vote_rounds"][0]["results"]
    assert results[0] == {"proposal": "P1", "votes": 4, "voters": 3, "rank": 1, "tied": False}
    assert [(r["proposal"], r["votes"], r["voters"]) for r in results][1:3] == [
        ("P2", 1, 1),
        ("P3", 1, 1),
    ]
    assert [r["tied"] for r in results][1:3] == [True, True]
    md = ws.export("md")
    section = _votes_section(md)
    assert "Hidden question" in section and "| 1 | P1 | 4 | 3 |" in section
    csv_lines = ws.export("csv", what="votes").splitlines()
    assert csv_lines[1] == "Hidden question,revealed,1,P1,4,3,no"


def test_who_voted_for_what_is_never_exported(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Q", votes_per_person=3, hidden=False)

    def exports() -> dict[str, str]:
        found = {fmt: ws.export(fmt) for fmt in ("json", "md", "html")}
        found["csv"] = ws.export("csv", what="votes")
        return found

    before = exports()
    for who in range(5):
        ws.cast_vote(rid, people[who], pids[who % 3])
    ws.close_vote(rid)
    after = exports()
    assert after != before  # the tallies are shown now
    # the names appear (in the participants' list) exactly as often as before anyone voted
    for fmt in after:
        for name in VOTERS:
            assert after[fmt].count(name) == before[fmt].count(name), (fmt, name)
    assert "| 1 (tie) | P1 | 2 | 2 |" in _votes_section(after["md"])

    data = json.loads(after["json"])
    vote_data = json.dumps(data["vote_rounds"], ensure_ascii=False)
    assert [r["votes"] for r in data["vote_rounds"][0]["results"]] == [2, 2, 1, 0, 0, 0]
    for name in VOTERS:
        assert name not in vote_data
        assert name not in _votes_section(after["md"])
        assert name not in after["csv"]
    for result in data["vote_rounds"][0]["results"]:
        assert set(result) == {"proposal", "votes", "voters", "rank", "tied"}
    # nobody's dots sit in the participants' entries either
    for person in data["participants"]:
        assert set(person) == {"id", "name", "group", "facilitator"}


# -- votes are not undo targets --------------------------------------------------------------


def test_votes_do_not_become_undo_targets(voting) -> None:
    ws, pids, people = voting
    rid = ws.open_vote("Q", votes_per_person=3)
    group = ws.add_group("Late group")
    ws.cast_vote(rid, people[0], pids[0])
    ws.cast_vote(rid, people[1], pids[0])
    ws.retract_vote(rid, people[1], pids[0])
    ws.cast_vote(rid, people[2], pids[1])
    ws.reveal_vote(rid)
    target = ws.can_undo()
    assert target == "Added group Late group"
    for word in ("dot", "vote", "Revealed", "Opened"):
        assert word not in target
    assert ws.undo() == "Added group Late group"
    assert group not in [g.id for g in ws.groups()]
    # the dots and the round are exactly as they were
    assert votes_in(ws, rid) == 2
    assert ws.ballot(rid, people[0]).dots == {pids[0]: 1}
    assert ws.ballot(rid, people[2]).dots == {pids[1]: 1}
    assert ws.vote_round(rid).state == "revealed"
    kinds = [e["kind"] for e in ws.history() if e["kind"] == "vote"]
    assert len(kinds) == 6  # opened, 4 dots/retractions, revealed: logged, never undone
    assert all(e["undo"] == "" for e in ws.history() if e["kind"] == "vote")


def test_nothing_to_undo_after_only_votes(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with Workshop.create(path, title="T") as ws:
        ws.import_plan({"proposals": [{"title": "A"}, {"title": "B"}]})
        ws.join("Ann")
    with Workshop.open(path) as ws:
        rid = ws.open_vote("Q")
        ann = ws.participants()[0].id
        ws.cast_vote(rid, ann, ws.proposals()[0].id)
        assert ws.can_undo() is None
        assert votes_in(ws, rid) == 1


# -- any sequence of casts and retractions keeps the rules -----------------------------------


class VotingMachine(RuleBasedStateMachine):
    """Random casts and retractions by several participants (and by nobody), against a model."""

    PEOPLE = 4

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="voting-machine-"))
        self.ws: Workshop | None = None

    @initialize(
        budget=st.integers(1, 5),
        cap=st.integers(1, 4),
        size=st.integers(1, 5),
        hidden=st.booleans(),
    )
    def open_round(self, budget: int, cap: int, size: int, hidden: bool) -> None:
        ws, pids, people = new_workshop(self.folder / "m.db", size + 1, self.PEOPLE)
        self.ws = ws
        self.in_round = pids[:size]
        self.outside = pids[size]
        self.people = people
        self.round = ws.open_vote("Machine", self.in_round, budget, cap, hidden)
        self.budget = budget
        self.cap = min(cap, budget)
        self.dots: dict[tuple[int, int], int] = {}
        self.accepted = 0
        self.retracted = 0
        self.revealed = False

    def used(self, who: int) -> int:
        return sum(n for (person, _), n in self.dots.items() if person == who)

    def target(self, who: int, which: int) -> tuple[int, int]:
        person = self.people[who] if who < self.PEOPLE else 10_000 + who
        proposal = self.in_round[which] if which < len(self.in_round) else self.outside
        return person, proposal

    @rule(who=st.integers(0, PEOPLE), which=st.integers(0, 5))
    def cast(self, who: int, which: int) -> None:
        assert self.ws is not None
        person, proposal = self.target(who, which)
        try:
            self.ws.cast_vote(self.round, person, proposal)
        except VoteRejected as error:
            message = str(error)
            if person not in self.people:
                assert "Only participants" in message
            elif proposal not in self.in_round:
                assert "not part of the vote" in message
            elif self.used(person) >= self.budget:
                assert "No dots left" in message
            else:
                assert self.dots.get((person, proposal), 0) >= self.cap
                assert message.startswith(f"At most {self.cap} dot")
        else:
            assert person in self.people and proposal in self.in_round
            assert self.used(person) < self.budget
            assert self.dots.get((person, proposal), 0) < self.cap
            self.dots[(person, proposal)] = self.dots.get((person, proposal), 0) + 1
            self.accepted += 1

    @rule(who=st.integers(0, PEOPLE), which=st.integers(0, 5))
    def retract(self, who: int, which: int) -> None:
        assert self.ws is not None
        person, proposal = self.target(who, which)
        try:
            self.ws.retract_vote(self.round, person, proposal)
        except VoteRejected:
            assert (
                person not in self.people
                or proposal not in self.in_round
                or self.dots.get((person, proposal), 0) == 0
            )
        else:
            assert self.dots.get((person, proposal), 0) > 0
            self.dots[(person, proposal)] -= 1
            self.retracted += 1

    @precondition(lambda self: not self.revealed)
    @rule()
    def reveal(self) -> None:
        assert self.ws is not None
        self.ws.reveal_vote(self.round)
        self.revealed = True

    @invariant()
    def rules_hold(self) -> None:
        assert self.ws is not None
        total = self.ws.db.execute("select count(*) from votes").fetchone()[0]
        assert total == self.accepted - self.retracted == sum(self.dots.values())
        for person in self.people:
            ballot = self.ws.ballot(self.round, person)
            assert ballot.used <= self.budget
            assert all(0 < n <= self.cap for n in ballot.dots.values())
            expected = {p: n for (who, p), n in self.dots.items() if who == person and n}
            assert ballot.dots == expected
            assert ballot.left == self.budget - ballot.used
        voters = {who for (who, _), n in self.dots.items() if n}
        assert self.ws.voter_count(self.round) == len(voters)
        round_now = self.ws.vote_round(self.round)
        if round_now.shows_tallies:
            tallies = {r.proposal_id: (r.votes, r.voters) for r in self.ws.results(self.round)}
            for pid in self.in_round:
                on_it = [n for (_, p), n in self.dots.items() if p == pid and n]
                assert tallies[pid] == (sum(on_it), len(on_it))
        else:
            with pytest.raises(VoteRejected):
                self.ws.results(self.round)

    def teardown(self) -> None:
        if self.ws is not None:
            self.ws.close()
        shutil.rmtree(self.folder, ignore_errors=True)


VotingMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestVotingSequences = VotingMachine.TestCase


def test_tied_proposals_share_the_better_place() -> None:
    from workshop.model import Result
    from workshop.voting import places

    ranked = [Result(1, "A", 5, 3, 1, False), Result(2, "B", 4, 2, 2, True),
              Result(3, "C", 4, 2, 3, True), Result(4, "D", 1, 1, 4, False),
              Result(5, "E", 1, 1, 5, False)]  # fmt: skip
    assert places(ranked) == {1: "1", 2: "=2", 3: "=2", 4: "4", 5: "5"}
