"""The add/edit dialog for an action plan item: which proposal, one owning group, the due
date, the KPI, the status and notes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select

from screens.widgets.plain import PlainInput, PlainSelect, PlainStatic
from screens.widgets.plain_text_area import PlainTextArea
from screens.widgets.record_form import RecordForm
from workshop.model import Action, Group, Proposal
from workshop.vocabulary import STATUSES


@dataclass(frozen=True)
class ActionDraft:
    """The fields as typed or chosen; the store checks them."""

    proposal_id: int | None
    owner_id: int | None
    due: str
    kpi: str
    status: str
    notes: str

    def fields(self) -> dict[str, Any]:
        """Keyword arguments for `Workshop.add_action` / `update_action`."""
        return {
            "proposal_id": self.proposal_id,
            "owner_id": self.owner_id,
            "due": self.due,
            "kpi": self.kpi,
            "status": self.status,
            "notes": self.notes,
        }


class ActionForm(RecordForm):
    """Plan an action (optionally starting from a proposal), or edit one."""

    CSS_PATH = [Path(__file__).with_name("widgets") / "record_form.tcss"]

    def __init__(
        self,
        save: Callable[[ActionDraft], None],
        proposals: list[Proposal],
        groups: list[Group],
        action: Action | None = None,
        *,
        from_proposal: Proposal | None = None,
        title: str | None = None,
    ) -> None:
        super().__init__(save)
        self.proposals = proposals
        self.groups = groups
        self.action = action
        self.from_proposal = from_proposal
        self.title = title

    def compose(self) -> ComposeResult:
        a, p = self.action, self.from_proposal
        proposal_id = a.proposal_id if a else (p.id if p else None)
        owner_id = a.owner_id if a else (p.owner_id if p else None)
        with VerticalScroll(id="form"):
            yield PlainStatic(
                self.title or ("Edit action" if a else "Plan an action"),
                id="form-title",
            )
            yield Label("From the proposal")
            yield PlainSelect(
                [(x.title, x.id) for x in self.proposals],
                value=proposal_id if proposal_id else Select.NULL,
                prompt="No proposal",
                id="proposal",
            )
            with Horizontal(classes="pair"):
                with Vertical():
                    yield Label("Owning group (exactly one)")
                    yield PlainSelect(
                        [(g.name, g.id) for g in self.groups],
                        value=owner_id if owner_id else Select.NULL,
                        prompt="Choose the owner",
                        id="owner",
                    )
                with Vertical():
                    yield Label("Due (YYYY-MM-DD)")
                    yield PlainInput(
                        (a.due or "") if a else "",
                        id="due",
                        max_length=10,
                        placeholder="e.g. 2027-03-31",
                    )
            yield Label("KPI: how will we know it worked?")
            yield PlainInput(
                a.kpi if a else "", id="kpi", placeholder="e.g. first-time fix rate 80%"
            )
            yield Label("Status")
            yield PlainSelect(
                [(s, s) for s in STATUSES],
                value=a.status if a else "planned",
                allow_blank=False,
                id="status",
            )
            yield Label("Notes")
            yield PlainTextArea(a.notes if a else "", id="notes")
            yield from self.compose_footer()

    def on_mount(self) -> None:
        first = "#notes" if self.action and self.action.carried else "#owner"
        if self.action is None and self.from_proposal and self.from_proposal.owner_id:
            first = "#due"
        self.query_one(first).focus()

    def draft(self) -> ActionDraft:
        proposal = self.query_one("#proposal", Select).value
        owner = self.query_one("#owner", Select).value
        return ActionDraft(
            proposal_id=None if proposal is Select.NULL else int(proposal),  # type: ignore[arg-type]
            owner_id=None if owner is Select.NULL else int(owner),  # type: ignore[arg-type]
            due=self.query_one("#due", Input).value,
            kpi=self.query_one("#kpi", Input).value,
            status=str(self.query_one("#status", Select).value),
            notes=self.query_one("#notes", PlainTextArea).text,
        )
