"""Dot voting: rounds over proposals, budgets and caps enforced inside write transactions.

Every check and the dot it guards happen in one `BEGIN IMMEDIATE` transaction, so many processes
voting on one file at once can never overspend a budget, exceed a cap or lose a dot.

A round's life: opened (`open_vote`), its settings changed until the first dot
(`update_vote`), revealed, closed, reopened (`reopen_vote`) while no runoff resolves it, and
resolved by a runoff whose dots the facilitator may choose (`runoff`). Each of these is the
facilitator's, logged as a "vote" event and, like dots, never an undo target: undo would
otherwise reach past the dots placed since (a round's budget restored under its voters, a
reopened round closed behind their backs). The facilitator changes a round back by hand (edit
it again, close it again); deleting a round is undoable.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any

from .errors import NotFound, VoteRejected, WorkshopError
from .model import Ballot, Result, VoteRound
from .vocabulary import NAME_MAX, clean_name

if TYPE_CHECKING:
    from .store import Workshop

DEFAULT_QUESTION = "Which changes first?"
DEFAULT_MAX_PER_ITEM = 3
LIMIT = 100  # the most dots per person or per item a round may allow


def default_votes_per_person(proposal_count: int) -> int:
    """A third of the proposals, rounded up, from 1 to 10."""
    return min(10, max(1, math.ceil(proposal_count / 3)))


def _shown(value: object) -> str:
    """A value as a refusal quotes it: its repr, cut short (a pasted page stays one line)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= LIMIT:
        raise VoteRejected(f"{what} must be a whole number from 1 to {LIMIT}; got {_shown(value)}.")
    return value


def _id_list(proposals: object) -> list[int]:
    """Proposal ids as a list, refusing anything else (a string, a number, a bool)."""
    if isinstance(proposals, str | bytes) or not isinstance(proposals, list | tuple):
        raise VoteRejected(f"The proposals must be a list of ids; got {_shown(proposals)}.")
    for pid in proposals:
        if isinstance(pid, bool) or not isinstance(pid, int):
            raise NotFound("A proposal chosen for the vote no longer exists.")
    return list(proposals)


def rank(tallies: list[tuple[int, str, int, int]]) -> list[Result]:
    """Rank (proposal id, title, votes, voters) given in proposal order: by votes, then
    distinct voters, then that order. Proposals with votes that equal another's votes and
    voters are tied (never ones without votes)."""
    order = sorted(enumerate(tallies), key=lambda item: (-item[1][2], -item[1][3], item[0]))
    same = Counter((votes, voters) for _, _, votes, voters in tallies)
    return [
        Result(pid, title, votes, voters, position, votes > 0 and same[(votes, voters)] > 1)
        for position, (_, (pid, title, votes, voters)) in enumerate(order, start=1)
    ]


def tie_groups(results: list[Result]) -> list[list[int]]:
    """The tied proposals, as groups of equal results, best first."""
    groups: dict[tuple[int, int], list[int]] = {}
    for result in results:
        if result.tied:
            groups.setdefault((result.votes, result.voters), []).append(result.proposal_id)
    return list(groups.values())


def places(results: list[Result]) -> dict[int, str]:
    """Each proposal's place as a room reads it: tied proposals share the better place,
    marked with "=" ("1", "=2", "=2", "4"), so a tie never reads as first and second. The
    results are ranked (as `results()` gives them)."""
    shown: dict[int, str] = {}
    first_of: dict[tuple[int, int], int] = {}
    for result in results:
        if result.tied:
            place = first_of.setdefault((result.votes, result.voters), result.rank)
            shown[result.proposal_id] = f"={place}"
        else:
            shown[result.proposal_id] = str(result.rank)
    return shown


class VotingRecords:
    """The voting half of `Workshop` (mixed into it)."""

    # -- reading -------------------------------------------------------------------------

    def _rounds(self: Workshop, where: str = "", params: list[Any] | None = None):
        members: dict[int, list[int]] = {}
        for rid, pid in self.conn.execute(
            "select round_id, proposal_id from vote_round_proposals"
            + (" where round_id = ?" if where else "")
            + " order by round_id, position",
            params or [],
        ):
            members.setdefault(rid, []).append(pid)
        return [
            VoteRound(
                r["id"],
                r["question"],
                r["votes_per_person"],
                r["max_per_item"],
                bool(r["hidden"]),
                r["state"],
                tuple(members.get(r["id"], [])),
                r["runoff_of"],
            )
            for r in self.db["vote_rounds"].rows_where(
                "id = ?" if where else None, params or None, order_by="id"
            )
        ]

    def rounds(self: Workshop) -> list[VoteRound]:
        """Every voting round, oldest first."""
        return self._rounds()

    def vote_round(self: Workshop, round_id: int) -> VoteRound:
        """One round by id; VoteRejected when there is no such round."""
        found = self._rounds("id", [round_id])
        if not found:
            raise VoteRejected("That vote no longer exists; someone may have deleted it.")
        return found[0]

    def current_round(self: Workshop) -> VoteRound | None:
        """The round still open (or revealed) if any, else the latest round, else None."""
        rounds = self.rounds()
        live = [r for r in rounds if r.state != "closed"]
        return (live or rounds or [None])[-1]

    def ballot(self: Workshop, round_id: int, participant_id: int) -> Ballot:
        """A participant's own dots in a round and their budget."""
        found = self.vote_round(round_id)
        dots = dict(
            self.conn.execute(
                "select proposal_id, count(*) from votes where round_id = ? and participant_id = ?"
                " group by proposal_id",
                [round_id, participant_id],
            ).fetchall()
        )
        return Ballot(round_id, participant_id, dots, found.votes_per_person)

    def voter_count(self: Workshop, round_id: int) -> int:
        """How many people have placed at least one dot (safe to show in a hidden round)."""
        return self.conn.execute(
            "select count(distinct participant_id) from votes where round_id = ?", [round_id]
        ).fetchone()[0]

    def results(self: Workshop, round_id: int) -> list[Result]:
        """The round's proposals ranked; refused while the tallies are hidden."""
        found = self.vote_round(round_id)
        if not found.shows_tallies:
            raise VoteRejected(
                f"The tallies of “{found.question}” are hidden until the facilitator reveals them."
            )
        return self._tally(round_id)

    def _tally(self: Workshop, round_id: int) -> list[Result]:
        rows = self.conn.execute(
            "select rp.proposal_id, p.title, coalesce(t.dots, 0), coalesce(t.voters, 0)"
            " from vote_round_proposals rp join proposals p on p.id = rp.proposal_id"
            " left join (select proposal_id, count(*) dots,"
            " count(distinct participant_id) voters from votes where round_id = ?"
            " group by proposal_id) t on t.proposal_id = rp.proposal_id"
            " where rp.round_id = ? order by rp.position",
            [round_id, round_id],
        ).fetchall()
        return rank([tuple(r) for r in rows])

    # -- the facilitator's part ----------------------------------------------------------

    def open_vote(
        self: Workshop,
        question: str = DEFAULT_QUESTION,
        proposals: list[int] | None = None,
        votes_per_person: int | None = None,
        max_per_item: int = DEFAULT_MAX_PER_ITEM,
        hidden: bool = True,
        *,
        runoff_of: int | None = None,
    ) -> int:
        """Open a round over some proposals (default: all); returns its id.

        Only one round is open at a time; close the last one first.
        """
        self._facilitator_only("open a vote")
        question = clean_name(question or DEFAULT_QUESTION, "The question")
        max_per_item = _count(max_per_item, "Dots per proposal")
        with self.transaction():
            live = [r for r in self.rounds() if r.state != "closed"]
            if live:
                raise VoteRejected(
                    f"The vote “{live[-1].question}” is still open; close it before opening "
                    "another."
                )
            ids = self._round_proposals(proposals)
            budget = (
                default_votes_per_person(len(ids))
                if votes_per_person is None
                else _count(votes_per_person, "Dots per person")
            )
            max_per_item = min(max_per_item, budget)  # a cap above the budget means no cap
            round_id = int(
                self.db["vote_rounds"]
                .insert(
                    {
                        "question": question,
                        "votes_per_person": budget,
                        "max_per_item": max_per_item,
                        "hidden": int(bool(hidden)),
                        "state": "open",
                        "runoff_of": runoff_of,
                    }
                )
                .last_pk  # type: ignore[arg-type]
            )
            for position, pid in enumerate(ids):
                self.db["vote_round_proposals"].insert(
                    {"round_id": round_id, "proposal_id": pid, "position": position}
                )
            self._record("vote", f"Opened the vote “{question}”", None)
            return round_id

    def update_vote(
        self: Workshop,
        round_id: int,
        *,
        question: str | None = None,
        proposals: list[int] | None = None,
        votes_per_person: int | None = None,
        max_per_item: int | None = None,
        hidden: bool | None = None,
    ) -> None:
        """Change a round's settings (what `open_vote` takes; None keeps one as it is) while
        the round holds no dot (one placed and taken back again leaves none); the dots and the
        settings they were placed under belong together, so afterwards the round is closed and
        a new one opened instead.

        Refused for a closed round (reopen it first) and, for a runoff, proposals that are not
        at least two of one tie of the round it resolves. A cap above the budget means no cap,
        as when opening. An empty question becomes the default one.
        """
        self._facilitator_only("change a vote")
        clean: dict[str, Any] = {}
        if question is not None:
            clean["question"] = clean_name(question or DEFAULT_QUESTION, "The question")
        if votes_per_person is not None:
            clean["votes_per_person"] = _count(votes_per_person, "Dots per person")
        if max_per_item is not None:
            clean["max_per_item"] = _count(max_per_item, "Dots per proposal")
        if hidden is not None:
            if not isinstance(hidden, bool):
                raise VoteRejected(f"Hidden must be true or false; got {_shown(hidden)}.")
            clean["hidden"] = int(hidden)
        with self.transaction():
            found = self.check_may_change_vote(round_id)
            ids = list(found.proposal_ids)
            if proposals is not None:
                ids = self._round_proposals(_id_list(proposals))
                if found.runoff_of is not None:
                    self._check_runoff_choice(found.runoff_of, ids)
            budget = clean.get("votes_per_person", found.votes_per_person)
            clean["max_per_item"] = min(clean.get("max_per_item", found.max_per_item), budget)
            old = {
                "question": found.question,
                "votes_per_person": found.votes_per_person,
                "max_per_item": found.max_per_item,
                "hidden": int(found.hidden),
            }
            changed: dict[str, Any] = {k: v for k, v in clean.items() if old[k] != v}
            if changed:
                self.db["vote_rounds"].update(round_id, changed)
            if ids != list(found.proposal_ids):
                self.conn.execute("delete from vote_round_proposals where round_id = ?", [round_id])
                for position, pid in enumerate(ids):
                    self.db["vote_round_proposals"].insert(
                        {"round_id": round_id, "proposal_id": pid, "position": position}
                    )
                changed["proposals"] = ids
            if changed:
                question_now = clean.get("question", found.question)
                self._record("vote", f"Changed the vote “{question_now}”", None)

    def check_may_change_vote(self: Workshop, round_id: int) -> VoteRound:
        """The round, if its settings may still change (see `update_vote`); else VoteRejected
        with the reason, so that a screen can say so before a form is filled in."""
        found = self.vote_round(round_id)
        if found.state == "closed":
            raise VoteRejected(
                f"The vote “{found.question}” is closed; reopen it to change its settings."
            )
        dots = self.conn.execute(
            "select count(*) from votes where round_id = ?", [round_id]
        ).fetchone()[0]
        if dots:
            raise VoteRejected(
                f"The round “{found.question}” already has dots; close it and open a new one "
                "to vote under other settings."
            )
        return found

    def _round_proposals(self: Workshop, proposals: list[int] | None) -> list[int]:
        known = [r[0] for r in self.conn.execute("select id from proposals order by id")]
        if proposals is None:
            ids = known
        else:
            ids = list(dict.fromkeys(proposals))
            for pid in ids:
                if pid not in known:
                    raise NotFound("A proposal chosen for the vote no longer exists.")
        if not ids:
            raise VoteRejected("A vote needs at least one proposal; add proposals first.")
        return ids

    def _set_state(self: Workshop, round_id: int, state: str, verb: str) -> None:
        self._facilitator_only({"revealed": "reveal a vote", "closed": "close a vote"}[state])
        with self.transaction():
            found = self.vote_round(round_id)
            if found.state == "closed" and state != "closed":
                raise VoteRejected(f"The vote “{found.question}” is already closed.")
            if found.state != state:
                self.db["vote_rounds"].update(round_id, {"state": state})
                self._record("vote", f"{verb} the vote “{found.question}”", None)

    def reveal_vote(self: Workshop, round_id: int) -> None:
        """Show the tallies; the round keeps accepting dots until it is closed."""
        self._set_state(round_id, "revealed", "Revealed")

    def close_vote(self: Workshop, round_id: int) -> None:
        """Stop the round; its tallies are shown from now on."""
        self._set_state(round_id, "closed", "Closed")

    def reopen_vote(self: Workshop, round_id: int) -> None:
        """Open a closed round again, so that people can place (and take back) dots once more.

        The dots already placed stay, and so does everyone's budget. The round goes back to
        "open": a hidden round hides its tallies again until the facilitator reveals or closes
        it (new dots are placed without seeing the live count, as in the first pass); an
        open-tally round shows them throughout. Refused when the round is not closed, while
        another round is open (one at a time), and when a runoff resolves it (delete the
        runoff first: its result would otherwise stand on a tie that may no longer be one).
        """
        self._facilitator_only("reopen a vote")
        with self.transaction():
            found = self.vote_round(round_id)
            if found.state != "closed":
                raise VoteRejected(f"The vote “{found.question}” is still open.")
            live = [r for r in self.rounds() if r.state != "closed"]
            if live:
                raise VoteRejected(
                    f"The vote “{live[-1].question}” is open; close it before reopening "
                    f"“{found.question}”."
                )
            runoffs = [r for r in self.rounds() if r.runoff_of == round_id]
            if runoffs:
                raise VoteRejected(
                    f"“{runoffs[-1].question}” resolves the tie of “{found.question}”; delete "
                    "that runoff first to reopen this round."
                )
            self.db["vote_rounds"].update(round_id, {"state": "open"})
            self._record("vote", f"Reopened the vote “{found.question}”", None)

    def runoff_defaults(
        self: Workshop, round_id: int, proposals: list[int] | None = None
    ) -> tuple[list[int], int, int]:
        """The runoff `runoff` would open now: (its proposals, dots per person, most dots on
        one proposal), the defaults a form shows; VoteRejected when there is no runoff to hold."""
        found = self.vote_round(round_id)
        ids = self._runoff_choice(found, proposals)
        budget = default_votes_per_person(len(ids))
        return ids, budget, min(found.max_per_item, budget)

    def _runoff_choice(self: Workshop, found: VoteRound, proposals: list[int] | None) -> list[int]:
        groups = tie_groups(self.results(found.id))
        if proposals is None:
            if not groups:
                raise VoteRejected(f"There is no tie to resolve in “{found.question}”.")
            return groups[0]
        ids = _id_list(proposals)
        if not any(set(ids) <= set(g) for g in groups) or len(set(ids)) < 2:
            raise VoteRejected("A runoff is held among proposals that are tied.")
        return ids

    def _check_runoff_choice(self: Workshop, parent_id: int, ids: list[int]) -> None:
        """A runoff's proposals stay at least two of one tie of the round it resolves (when
        that round still exists)."""
        parent = self._rounds("id", [parent_id])
        if parent:
            self._runoff_choice(parent[0], ids)

    def runoff(
        self: Workshop,
        round_id: int,
        proposals: list[int] | None = None,
        votes_per_person: int | None = None,
        max_per_item: int | None = None,
    ) -> int:
        """Close a round and open a runoff over its tied proposals (default: the best-ranked
        tie) in one step; returns the new round's id.

        Dots per person default to a third of the runoff's proposals (as for any round), the
        most on one proposal to the round's own cap; either may be chosen (1 to LIMIT, a cap
        above the budget meaning no cap). The runoff's tallies are hidden if the round's were.
        """
        self._facilitator_only("start a runoff")
        if votes_per_person is not None:
            _count(votes_per_person, "Dots per person")
        if max_per_item is not None:
            _count(max_per_item, "Dots per proposal")
        with self.transaction():
            found = self.vote_round(round_id)
            ids = self._runoff_choice(found, proposals)
            if found.state != "closed":
                self.close_vote(round_id)
            question = f"Runoff: {found.question}"[:NAME_MAX]
            return self.open_vote(
                question,
                ids,
                votes_per_person,
                found.max_per_item if max_per_item is None else max_per_item,
                hidden=found.hidden,
                runoff_of=round_id,
            )

    def delete_vote(self: Workshop, round_id: int) -> None:
        """Delete a round with its dots; undoable."""
        self._facilitator_only("delete a vote")
        found = self.vote_round(round_id)
        self._delete("vote_rounds", round_id, f"vote “{found.question}”")

    # -- a participant's part ------------------------------------------------------------

    def _own_dots_only(self: Workshop, participant_id: int) -> None:
        if not self.is_facilitator and participant_id != self.participant_id:
            raise VoteRejected("You can place and take back only your own dots.")

    def _check_voter(self: Workshop, round_id: int, participant_id: Any, proposal_id: Any):
        """The round's (question, budget, cap) and the voter's name, or the reason to refuse."""
        try:
            self._check_room_phase("votes")
        except WorkshopError as error:
            raise VoteRejected(str(error)) from None
        found = self.conn.execute(
            "select question, state, votes_per_person, max_per_item from vote_rounds where id = ?",
            [round_id],
        ).fetchone()
        if found is None:
            raise VoteRejected("That vote no longer exists; someone may have deleted it.")
        question, state, budget, cap = found
        if state == "closed":
            raise VoteRejected(f"The vote “{question}” is closed; no more dots.")
        row = self.conn.execute(
            "select name, removed_at from participants where id = ?", [participant_id]
        ).fetchone()
        if row is None:
            raise VoteRejected("Only participants can vote; join the workshop first.")
        if row[1] is not None:
            raise VoteRejected(f"{row[0]} was removed from this workshop: no more dots.")
        member = self.conn.execute(
            "select 1 from vote_round_proposals where round_id = ? and proposal_id = ?",
            [round_id, proposal_id],
        ).fetchone()
        if member is None:
            raise VoteRejected(f"That proposal is not part of the vote “{question}”.")
        return (question, budget, cap), row[0]

    def cast_vote(self: Workshop, round_id: int, participant_id: int, proposal_id: int) -> None:
        """Place one dot; VoteRejected with the reason when the rules refuse it."""
        self._own_dots_only(participant_id)
        with self.transaction():
            (question, budget, cap), name = self._check_voter(round_id, participant_id, proposal_id)
            used, here = self.conn.execute(
                "select count(*), coalesce(sum(proposal_id = ?), 0) from votes"
                " where round_id = ? and participant_id = ?",
                [proposal_id, round_id, participant_id],
            ).fetchone()
            if used >= budget:
                raise VoteRejected(f"No dots left: you have placed all {budget}.")
            if here >= cap:
                raise VoteRejected(f"At most {cap} dot{'s' if cap > 1 else ''} on one proposal.")
            self.conn.execute(
                "insert into votes (round_id, participant_id, proposal_id) values (?, ?, ?)",
                [round_id, participant_id, proposal_id],
            )
            self._record("vote", f"{name} placed a dot in “{question}”", None)

    def retract_vote(self: Workshop, round_id: int, participant_id: int, proposal_id: int) -> None:
        """Take back one of your dots from a proposal."""
        self._own_dots_only(participant_id)
        with self.transaction():
            (question, _, _), name = self._check_voter(round_id, participant_id, proposal_id)
            row = self.conn.execute(
                "select max(id) from votes where round_id = ? and participant_id = ?"
                " and proposal_id = ?",
                [round_id, participant_id, proposal_id],
            ).fetchone()
            if row[0] is None:
                raise VoteRejected("You have no dot on that proposal to take back.")
            self.conn.execute("delete from votes where id = ?", [row[0]])
            self._record("vote", f"{name} took back a dot in “{question}”", None)
