"""The facilitator's dialog for a dot-voting round: opening one, changing one's settings
before the first dot (prefilled with them), and choosing the dots of a runoff (its question and
proposals fixed, the dots prefilled with the defaults `runoff` would use).

Numbers are typed as text and checked here only for being whole numbers; the store checks their
range (and everything else), so the form says what it refuses in the store's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Input, Label, SelectionList

from screens.widgets.plain import PlainInput, PlainSelectionList, PlainStatic
from screens.widgets.record_form import RecordForm
from screens.widgets.short_text import cut
from screens.widgets.toggles import TickBox
from workshop.model import Proposal
from workshop.voting import (
    DEFAULT_MAX_PER_ITEM,
    DEFAULT_QUESTION,
    LIMIT,
    default_votes_per_person,
)

WHOLE = re.compile(r"[+-]?[0-9]{1,6}")  # longer would be far out of range anyway


@dataclass(frozen=True)
class VoteDraft:
    """The round as typed; numbers stay text until checked."""

    question: str
    proposal_ids: list[int]
    votes_per_person: str
    max_per_item: str
    hidden: bool


def whole(text: str) -> int | None:
    """A number field's value (checked by `VoteForm.validate_draft`), None when left blank."""
    return int(text) if text else None


class VoteForm(RecordForm):
    """Open a round: the question, which proposals, dots per person and per proposal, and
    whether tallies stay hidden until revealed. Given a round's settings it changes them
    instead; with `runoff` it asks only for the dots of a runoff over `proposals`."""

    CSS_PATH = [
        Path(__file__).with_name("widgets") / "record_form.tcss",
        Path(__file__).with_suffix(".tcss"),
    ]
    LAST_FIELD = "max"

    def __init__(
        self,
        save: Callable[[VoteDraft], None],
        proposals: list[Proposal],
        *,
        title: str = "Open a vote",
        question: str = DEFAULT_QUESTION,
        ticked: Iterable[int] | None = None,
        budget: str = "",
        cap: str = str(DEFAULT_MAX_PER_ITEM),
        hidden: bool = True,
        runoff: bool = False,
    ) -> None:
        super().__init__(save)
        self.proposals = proposals
        self.title_text = title
        self.question = question
        self.ticked = None if ticked is None else set(ticked)
        self.budget = budget
        self.cap = cap
        self.hidden = hidden
        self.runoff = runoff

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            yield PlainStatic(self.title_text, id="form-title")
            if self.runoff:
                yield from self._compose_runoff()
            else:
                yield Label("The question")
                yield PlainInput(self.question, id="question")
                yield Label("Over which proposals (space ticks and unticks)")
                yield PlainSelectionList(
                    *[
                        (Text(cut(p.title, 70)), p.id, self.ticked is None or p.id in self.ticked)
                        for p in self.proposals
                    ],
                    id="proposals",
                )
            with Horizontal(classes="pair"):
                with Vertical():
                    yield Label("Dots per person")
                    yield PlainInput(self.budget, id="budget", type="integer", max_length=3)
                with Vertical():
                    yield Label("Most dots on one proposal")
                    yield PlainInput(self.cap, id="max", type="integer", max_length=3)
            if not self.runoff:
                yield TickBox("Hide the tallies until I reveal them", self.hidden, id="hidden")
            yield from self.compose_footer()

    def _compose_runoff(self) -> ComposeResult:
        yield PlainStatic(Text.assemble(("The question: ", "bold"), self.question))
        yield PlainStatic(
            Text.assemble(
                ("Over the tied proposals:", "bold"),
                *[f"\n  • {cut(p.title, 70)}" for p in self.proposals],
            ),
            id="runoff-proposals",
        )
        yield PlainStatic(
            "Its tallies stay hidden until you reveal them, as in the round it resolves; "
            "the round closes as the runoff opens."
            if self.hidden
            else "Its tallies show as the dots come in, as in the round it resolves; "
            "the round closes as the runoff opens.",
            id="runoff-note",
        )

    def on_mount(self) -> None:
        self._suggest_budget()
        self.query_one("#budget" if self.runoff else "#question", Input).focus()

    @on(SelectionList.SelectedChanged)
    def _suggest_budget(self) -> None:
        chosen = len(self._chosen())
        self.query_one("#budget", Input).placeholder = f"default {default_votes_per_person(chosen)}"

    def _chosen(self) -> list[int]:
        """The proposals ticked, in the order listed (not the order they were ticked)."""
        if self.runoff:
            return [p.id for p in self.proposals]
        selected = set(self.query_one("#proposals", SelectionList).selected)
        return [p.id for p in self.proposals if p.id in selected]

    def draft(self) -> VoteDraft:
        return VoteDraft(
            question=self.question if self.runoff else self.query_one("#question", Input).value,
            proposal_ids=self._chosen(),
            votes_per_person=self.query_one("#budget", Input).value.strip(),
            max_per_item=self.query_one("#max", Input).value.strip(),
            hidden=self.hidden if self.runoff else self.query_one("#hidden", Checkbox).value,
        )

    def validate_draft(self, draft: VoteDraft) -> str | None:
        if not draft.proposal_ids:
            return "Tick at least one proposal to vote on."
        if not draft.max_per_item:
            return "Say how many dots one proposal may get (e.g. 3)."
        for text, what in (
            (draft.votes_per_person, "Dots per person"),
            (draft.max_per_item, "Most dots on one proposal"),
        ):
            if text and not WHOLE.fullmatch(text):
                return f"{what} must be a whole number from 1 to {LIMIT}."
        return None
