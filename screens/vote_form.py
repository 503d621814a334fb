"""The facilitator's dialog for opening a dot-voting round."""

from __future__ import annotations

from collections.abc import Callable
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
from workshop.voting import DEFAULT_MAX_PER_ITEM, DEFAULT_QUESTION, default_votes_per_person


@dataclass(frozen=True)
class VoteDraft:
    """The round as typed; numbers stay text until checked."""

    question: str
    proposal_ids: list[int]
    votes_per_person: str
    max_per_item: str
    hidden: bool


class VoteForm(RecordForm):
    """Open a round: the question, which proposals, dots per person and per proposal, and
    whether tallies stay hidden until revealed."""

    CSS_PATH = [
        Path(__file__).with_name("widgets") / "record_form.tcss",
        Path(__file__).with_suffix(".tcss"),
    ]
    LAST_FIELD = "max"

    def __init__(self, save: Callable[[VoteDraft], None], proposals: list[Proposal]) -> None:
        super().__init__(save)
        self.proposals = proposals

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            yield PlainStatic("Open a vote", id="form-title")
            yield Label("The question")
            yield PlainInput(DEFAULT_QUESTION, id="question")
            yield Label("Over which proposals (space ticks and unticks)")
            yield PlainSelectionList(
                *[(Text(cut(p.title, 70)), p.id, True) for p in self.proposals], id="proposals"
            )
            with Horizontal(classes="pair"):
                with Vertical():
                    yield Label("Dots per person")
                    yield PlainInput(id="budget", type="integer", max_length=3)
                with Vertical():
                    yield Label("Most dots on one proposal")
                    yield PlainInput(
                        str(DEFAULT_MAX_PER_ITEM), id="max", type="integer", max_length=3
                    )
            yield TickBox("Hide the tallies until I reveal them", True, id="hidden")
            yield from self.compose_footer()

    def on_mount(self) -> None:
        self._suggest_budget()
        self.query_one("#question", Input).focus()

    @on(SelectionList.SelectedChanged)
    def _suggest_budget(self) -> None:
        chosen = len(self.query_one("#proposals", SelectionList).selected)
        self.query_one("#budget", Input).placeholder = f"default {default_votes_per_person(chosen)}"

    def draft(self) -> VoteDraft:
        return VoteDraft(
            question=self.query_one("#question", Input).value,
            proposal_ids=list(self.query_one("#proposals", SelectionList).selected),
            votes_per_person=self.query_one("#budget", Input).value.strip(),
            max_per_item=self.query_one("#max", Input).value.strip(),
            hidden=self.query_one("#hidden", Checkbox).value,
        )

    def validate_draft(self, draft: VoteDraft) -> str | None:
        if not draft.proposal_ids:
            return "Tick at least one proposal to vote on."
        if not draft.max_per_item:
            return "Say how many dots one proposal may get (e.g. 3)."
        return None
