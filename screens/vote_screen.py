"""Phase "vote": dot voting over the proposals.

Participants place and take back dots and always see how many they have left; their own dots
are shown only on their own screen. The facilitator opens a round, changes its settings until
the first dot (e), reveals and closes it, reopens a closed one (O), and runs a runoff over a
tie, in one key with the default dots (f) or choosing them (F); tallies appear only once a
round shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from screens.action_form import ActionDraft, ActionForm
from screens.phase_screen import PhaseScreen
from screens.vote_form import VoteDraft, VoteForm, whole
from screens.widgets.plain import PlainStatic, PlainTable
from screens.widgets.short_text import cut
from workshop.model import Ballot, Proposal, Result, VoteRound
from workshop.vocabulary import NAME_MAX
from workshop.voting import default_votes_per_person, places, tie_groups

STATE_WORDS = {"open": "open", "revealed": "open, tallies revealed", "closed": "closed"}
FACILITATOR_ACTIONS = {"open_vote", "reveal_vote", "close_vote", "runoff", "plan_action",
                       "edit_round", "open_vote_again", "runoff_with_dots"}  # fmt: skip
PARTICIPANT_ACTIONS = {"place_dot", "take_back_dot"}
TITLE_WIDTH = 30


def dots(count: int, filled: str = "●") -> str:
    return filled * count


class VoteScreen(PhaseScreen):
    """One round at a time: its rules, its proposals, your dots, and (when shown) the tallies."""

    CSS_PATH = [PhaseScreen.CSS_PATH, Path(__file__).with_suffix(".tcss")]
    PHASE = "vote"
    BINDINGS = [
        Binding(
            "space,plus,equals_sign",
            "place_dot",
            "Dot",
            id="vote.dot",
            tooltip="Place one of your dots on the highlighted proposal",
        ),
        Binding(
            "minus,backspace",
            "take_back_dot",
            "Take back",
            id="vote.take_back",
            tooltip="Take back one of your dots from the highlighted proposal",
        ),
        Binding(
            "n",
            "other_round",
            "Other round",
            id="vote.other_round",
            tooltip="Show the next voting round (they cycle; the newest is shown first)",
        ),
        Binding(
            "o",
            "open_vote",
            "Open vote",
            id="vote.open",
            tooltip="Open a voting round (facilitator)",
        ),
        Binding(
            "r",
            "reveal_vote",
            "Reveal",
            id="vote.reveal",
            tooltip="Reveal the tallies of the round (facilitator)",
        ),
        Binding(
            "c",
            "close_vote",
            "Close",
            id="vote.close",
            tooltip="Close the round: no more dots (facilitator)",
        ),
        Binding(
            "f",
            "runoff",
            "Runoff",
            id="vote.runoff",
            tooltip="Close the round and open a runoff over the tie (facilitator)",
        ),
        Binding(
            "a",
            "plan_action",
            "Make action",
            id="vote.plan_action",
            tooltip="Turn the highlighted proposal into an action plan (facilitator)",
        ),
        Binding(
            "e",
            "edit_round",
            "Edit round",
            show=False,  # the bar is full: in the help (?) and the palette
            id="vote.edit_round",
            tooltip="Change the round's question, proposals, dots or hiding, until the first "
            "dot (facilitator)",
        ),
        Binding(
            "O",
            "open_vote_again",
            "Reopen",
            show=False,  # the bar is full: in the help (?) and the palette
            id="vote.reopen",
            tooltip="Reopen the closed round shown, keeping its dots; a hidden round hides its "
            "tallies again (facilitator)",
        ),
        Binding(
            "F",
            "runoff_with_dots",
            "Runoff…",
            show=False,  # the bar is full: in the help (?) and the palette
            id="vote.runoff_dots",
            tooltip="Choose the runoff's dots per person and per proposal, then close the round "
            "and open the runoff over the tie (facilitator)",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(name=self.PHASE)
        self.rounds: list[VoteRound] = []
        self.round: VoteRound | None = None
        self.follow_latest = True
        self.rows: list[tuple[Proposal, Result | None]] = []
        self.ballot: Ballot | None = None

    def compose_body(self) -> ComposeResult:
        yield PlainStatic("Dot voting", classes="phase-title")
        yield PlainStatic(id="round-status")
        yield PlainStatic(id="my-dots")
        yield PlainTable(id="vote-table", cursor_type="row", zebra_stripes=True)
        yield PlainStatic(id="vote-detail", classes="detail")

    def on_mount(self) -> None:
        self.query_one("#vote-table").focus()

    # -- who is looking ------------------------------------------------------------------

    @property
    def participant_id(self) -> int | None:
        return getattr(self.app, "participant_id", None)

    @property
    def facilitator(self) -> bool:
        return bool(getattr(self.app, "facilitator", True))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Participants do not see the facilitator's keys; the projector casts no dots."""
        if action in FACILITATOR_ACTIONS and not self.facilitator:
            return False
        if action in PARTICIPANT_ACTIONS and self.participant_id is None:
            return False
        return super().check_action(action, parameters)

    # -- loading -------------------------------------------------------------------------

    def refresh_data(self) -> None:
        self.rounds = self.ws.rounds()
        current = self.ws.current_round()
        known = {r.id for r in self.rounds}
        if self.follow_latest or self.round is None or self.round.id not in known:
            self.round = current
        else:
            self.round = next(r for r in self.rounds if r.id == self.round.id)
        self.load_round()
        self.refresh_bindings()

    def load_round(self) -> None:
        status = self.query_one("#round-status", Static)
        mine = self.query_one("#my-dots", Static)
        table = self.query_one("#vote-table", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        self.rows = []
        self.ballot = None
        if self.round is None:
            status.update(
                "No vote yet. The facilitator opens one with o once the proposals are in."
            )
            mine.update("")
            self.show_detail()
            return
        r = self.round
        shows = r.shows_tallies
        voters = self.ws.voter_count(r.id)
        number = [x.id for x in self.rounds].index(r.id) + 1
        status.update(
            Text.assemble(
                (f"Round {number} of {len(self.rounds)}: ", "bold"),
                (f"“{r.question}”", "bold"),
                f"  {STATE_WORDS[r.state]}",
                "" if shows else ", tallies hidden",
                f"\n{r.votes_per_person} dot(s) per person, at most {r.max_per_item} on one "
                f"proposal · {voters} {'person has' if voters == 1 else 'people have'} voted",
            )
        )
        results = {x.proposal_id: x for x in self.ws.results(r.id)} if shows else {}
        by_id = {p.id: p for p in self.ws.proposals()}
        self.rows = [(by_id[pid], results.get(pid)) for pid in r.proposal_ids if pid in by_id]
        if shows:
            self.rows.sort(key=lambda pair: pair[1].rank if pair[1] else 0)
        if self.participant_id is not None:
            self.ballot = self.ws.ballot(r.id, self.participant_id)
            left = self.ballot.left
            mine.update(
                Text.assemble(
                    ("Your dots: ", "bold"),
                    (dots(self.ballot.used), "bold"),
                    dots(max(left, 0), "○"),
                    f"   {left} of {self.ballot.budget} left"
                    + ("" if r.accepts_votes else " (the round is closed)"),
                )
            )
        else:
            mine.update(
                "Participants vote from their own screens (workshop join FILE --as NAME)."
                if r.accepts_votes
                else ""
            )
        # Before the tallies show, proposals are listed by number; after, by place. The
        # numbers keep their columns at every width; the title and owner share the rest.
        columns = [("Rank" if shows else "No.", 4, 0), ("Proposal", TITLE_WIDTH, 3),
                   ("Owner", 12, 1)]  # fmt: skip
        if self.ballot is not None:
            columns.append(("Yours", 5, 0))
        if shows:
            columns += [("Votes", 5, 0), ("Voters", 6, 0), ("Tie", 5, 0)]
        for label, width, grow in columns:
            table.add_column(label, width=width, grow=grow)
        place = places([result for _, result in self.rows if result])
        for n, (proposal, result) in enumerate(self.rows, start=1):
            cells: list[str | Text] = [
                place.get(proposal.id, str(n)) if shows else str(n),
                Text(proposal.title),
                Text(proposal.owner or "—"),
            ]
            if self.ballot is not None:
                cells.append(dots(self.ballot.dots.get(proposal.id, 0)))
            if shows and result is not None:
                cells += [
                    str(result.votes),
                    str(result.voters),
                    Text("= tie", style="bold") if result.tied else "",
                ]
            table.add_row(*cells, key=str(proposal.id))
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        self.show_detail()

    def current(self) -> tuple[Proposal, Result | None] | None:
        table = self.query_one("#vote-table", DataTable)
        if not self.rows or table.row_count == 0:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def show_detail(self) -> None:
        detail = self.query_one("#vote-detail", Static)
        found = self.current()
        if found is None:
            detail.update("")
            return
        proposal, result = found
        ties = (
            " Tied with another proposal: the facilitator can run a runoff with f."
            if result and result.tied
            else ""
        )
        detail.update(
            Text.assemble(
                (proposal.title, "bold"),
                "\n",
                proposal.description or "(no description)",
                f"\nImpact {proposal.impact}, effort {proposal.effort}.{ties}",
            )
        )

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def action_other_round(self) -> None:
        if len(self.rounds) < 2 or self.round is None:
            self.app.notify("There is no other round to show.", severity="warning")
            return
        ids = [r.id for r in self.rounds]
        self.round = self.rounds[(ids.index(self.round.id) + 1) % len(ids)]
        self.follow_latest = self.round == self.ws.current_round()
        self.load_round()

    # -- a participant's keys ------------------------------------------------------------

    def _vote(self, cast: bool) -> None:
        found = self.current()
        if self.round is None or found is None or self.participant_id is None:
            self.app.notify("There is nothing to vote on yet.", severity="warning")
            return
        proposal = found[0]
        if cast:
            self.ws.cast_vote(self.round.id, self.participant_id, proposal.id)
        else:
            self.ws.retract_vote(self.round.id, self.participant_id, proposal.id)
        self.load_round()

    def action_place_dot(self) -> None:
        self._vote(cast=True)

    def action_take_back_dot(self) -> None:
        self._vote(cast=False)

    # -- the facilitator's keys ----------------------------------------------------------

    def _round_action(self, act: Callable[[int], object], done: str) -> None:
        if self.round is None:
            self.app.notify("There is no vote yet; open one with o.", severity="warning")
            return
        act(self.round.id)
        self.follow_latest = True
        self.refresh_data()
        self.app.notify(done)

    def action_reveal_vote(self) -> None:
        self._round_action(self.ws.reveal_vote, "Revealed the tallies.")

    def action_close_vote(self) -> None:
        self._round_action(self.ws.close_vote, "Closed the vote: the results stand.")

    def _highlighted_tie(self) -> list[int] | None:
        """The tie the highlighted proposal is in (None: the best-ranked tie)."""
        found = self.current()
        highlighted = found[1] if found else None
        ties = tie_groups([result for _, result in self.rows if result])
        return next((g for g in ties if highlighted and highlighted.proposal_id in g), None)

    def action_runoff(self) -> None:
        tied = self._highlighted_tie()
        self._round_action(
            lambda rid: self.ws.runoff(rid, tied),
            "Opened a runoff over the tied proposals; everyone has fresh dots.",
        )

    def _after_round_form(self, saved: bool | None) -> None:
        if saved:
            self.follow_latest = True
            self.refresh_data()

    def action_runoff_with_dots(self) -> None:
        """The runoff `f` would open, its dots chosen in the form first (defaults filled in)."""
        if self.round is None:
            self.app.notify("There is no vote yet; open one with o.", severity="warning")
            return
        found = self.ws.vote_round(self.round.id)
        ids, budget, cap = self.ws.runoff_defaults(found.id, self._highlighted_tie())
        by_id = {p.id: p for p in self.ws.proposals()}

        def save(draft: VoteDraft) -> None:
            self.ws.runoff(found.id, ids, whole(draft.votes_per_person), whole(draft.max_per_item))
            self.app.notify("Opened a runoff over the tied proposals; everyone has fresh dots.")

        form = VoteForm(
            save,
            [by_id[pid] for pid in ids if pid in by_id],
            title="Runoff over the tie",
            question=f"Runoff: {found.question}"[:NAME_MAX],
            budget=str(budget),
            cap=str(cap),
            hidden=found.hidden,
            runoff=True,
        )
        self.app.push_screen(form, self._after_round_form)

    def action_edit_round(self) -> None:
        """Change the shown round's settings in the form it was opened with, prefilled; the
        store refuses once a dot is placed (told before the form opens, and on saving)."""
        if self.round is None:
            self.app.notify("There is no vote yet; open one with o.", severity="warning")
            return
        found = self.ws.check_may_change_vote(self.round.id)
        proposals = self.ws.proposals()
        by_id = {p.id: p for p in proposals}
        listed = [by_id[pid] for pid in found.proposal_ids if pid in by_id]
        if found.runoff_of is None:  # a runoff stays among its tied proposals
            listed += [p for p in proposals if p.id not in found.proposal_ids]

        def save(draft: VoteDraft) -> None:
            budget = whole(draft.votes_per_person)
            self.ws.update_vote(
                found.id,
                question=draft.question,
                proposals=draft.proposal_ids,
                votes_per_person=default_votes_per_person(len(draft.proposal_ids))
                if budget is None
                else budget,
                max_per_item=whole(draft.max_per_item),
                hidden=draft.hidden,
            )
            self.app.notify("Changed the round's settings.")

        form = VoteForm(
            save,
            listed,
            title="Change the round (until the first dot)",
            question=found.question,
            ticked=found.proposal_ids,
            budget=str(found.votes_per_person),
            cap=str(found.max_per_item),
            hidden=found.hidden,
        )
        self.app.push_screen(form, self._after_round_form)

    def action_open_vote_again(self) -> None:
        """Reopen the closed round on show (see `Workshop.reopen_vote`)."""
        hidden = self.round is not None and self.round.hidden
        self._round_action(
            self.ws.reopen_vote,
            "Reopened the vote: people can place dots again"
            + ("; the tallies are hidden until you reveal them." if hidden else "."),
        )

    def action_open_vote(self) -> None:
        proposals = self.ws.proposals()
        if not proposals:
            self.app.notify("Add proposals first (phase 6).", severity="warning")
            return

        def save(draft: VoteDraft) -> None:
            self.ws.open_vote(
                draft.question,
                draft.proposal_ids,
                int(draft.votes_per_person) if draft.votes_per_person else None,
                int(draft.max_per_item),
                draft.hidden,
            )
            self.app.notify("The vote is open: participants can place their dots.")

        def opened(saved: bool | None) -> None:
            if saved:
                self.follow_latest = True
                self.refresh_data()

        self.app.push_screen(VoteForm(save, proposals), opened)

    def action_plan_action(self) -> None:
        found = self.current()
        if found is None:
            self.app.notify("No proposal is highlighted.", severity="warning")
            return
        proposal = self.fresh(found[0])

        def save(draft: ActionDraft) -> None:
            self.ws.add_action(**draft.fields())
            self.app.notify(f"Planned an action for “{cut(proposal.title, 40)}” (phase 8).")

        self.app.push_screen(
            ActionForm(
                save,
                self.ws.proposals(),
                self.ws.groups(),
                from_proposal=proposal,
                title=f"Turn “{cut(proposal.title, 50)}” into an action",
            )
        )
