"""The add/edit dialog for a proposal: the change, who owns it, whom it benefits, what it
answers, and its impact and effort."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select

from screens.widgets.plain import PlainInput, PlainSelect, PlainStatic, plain
from screens.widgets.plain_text_area import PlainTextArea
from screens.widgets.record_form import RecordForm
from screens.widgets.short_text import cut
from workshop.model import Comment, Contribution, Customer, Group, Proposal, Touchpoint
from workshop.vocabulary import LEVELS


@dataclass(frozen=True)
class ProposalChoices:
    """What a proposal can refer to, read from the workshop when the form opens."""

    groups: list[Group]
    customers: list[Customer]
    touchpoints: list[Touchpoint]
    links: list[Contribution]
    comments: list[Comment]


@dataclass(frozen=True)
class ProposalDraft:
    """The fields as typed or chosen; the store checks them."""

    title: str
    description: str
    owner_id: int | None
    beneficiary: str | None  # "g:ID" for a group, "c:ID" for a customer
    touchpoint_id: int | None
    contribution_id: int | None
    comment_id: int | None
    impact: str
    effort: str

    def fields(self) -> dict[str, Any]:
        """Keyword arguments for `Workshop.add_proposal` / `update_proposal`."""
        kind, _, number = (self.beneficiary or "").partition(":")
        return {
            "title": self.title,
            "description": self.description,
            "owner_id": self.owner_id,
            "beneficiary_group_id": int(number) if kind == "g" else None,
            "beneficiary_customer_id": int(number) if kind == "c" else None,
            "touchpoint_id": self.touchpoint_id,
            "contribution_id": self.contribution_id,
            "comment_id": self.comment_id,
            "impact": self.impact,
            "effort": self.effort,
        }


def _chosen(select: Select) -> Any:
    return None if select.value is Select.NULL else select.value


class ProposalForm(RecordForm):
    """Propose a process or policy change, or edit one."""

    CSS_PATH = [Path(__file__).with_name("widgets") / "record_form.tcss"]

    def __init__(
        self,
        save: Callable[[ProposalDraft], None],
        choices: ProposalChoices,
        proposal: Proposal | None = None,
    ) -> None:
        super().__init__(save)
        self.choices = choices
        self.proposal = proposal

    def compose(self) -> ComposeResult:
        p, c = self.proposal, self.choices
        beneficiary = None
        if p and p.beneficiary_group_id:
            beneficiary = f"g:{p.beneficiary_group_id}"
        elif p and p.beneficiary_customer_id:
            beneficiary = f"c:{p.beneficiary_customer_id}"
        with VerticalScroll(id="form"):
            yield PlainStatic("Edit proposal" if p else "Propose a change", id="form-title")
            yield Label("The change, in a few words")
            yield PlainInput(
                p.title if p else "", id="title", placeholder="e.g. Survey checklist gate"
            )
            yield Label("What would change, and why")
            yield PlainTextArea(p.description if p else "", id="description")
            with Horizontal(classes="pair"):
                with Vertical():
                    yield Label("Owning group")
                    yield PlainSelect(
                        [(g.name, g.id) for g in c.groups],
                        value=p.owner_id if p and p.owner_id else Select.NULL,
                        prompt="Not decided yet",
                        id="owner",
                    )
                with Vertical():
                    yield Label("Benefits")
                    yield PlainSelect(
                        [(f"{x.name} (customer)", f"c:{x.id}") for x in c.customers]
                        + [(g.name, f"g:{g.id}") for g in c.groups],
                        value=beneficiary or Select.NULL,
                        prompt="Not said",
                        id="beneficiary",
                    )
            yield Label("At which touchpoint (optional)")
            yield PlainSelect(
                [(t.name, t.id) for t in c.touchpoints],
                value=p.touchpoint_id if p and p.touchpoint_id else Select.NULL,
                prompt="No particular touchpoint",
                id="touchpoint",
            )
            yield Label("Answers a link of an onion (optional; ✖ marks weakening links)")
            yield PlainSelect(
                [
                    (
                        f"{'✖ ' if link.weakens else ''}{link.group} → {link.supports or '?'}"
                        f" at {link.touchpoint}",
                        link.id,
                    )
                    for link in c.links
                ],
                value=p.contribution_id if p and p.contribution_id else Select.NULL,
                prompt="No particular link",
                id="link",
            )
            yield Label("Answers a customer comment (optional)")
            yield PlainSelect(
                [(cut(x.text, 70), x.id) for x in c.comments],
                value=p.comment_id if p and p.comment_id else Select.NULL,
                prompt="No particular comment",
                id="comment",
            )
            with Horizontal(classes="pair"):
                for field in ("impact", "effort"):
                    with Vertical():
                        yield Label(plain(field.capitalize()))
                        yield PlainSelect(
                            [(level, level) for level in LEVELS],
                            value=getattr(p, field) if p else "medium",
                            allow_blank=False,
                            id=field,
                        )
            yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()

    def draft(self) -> ProposalDraft:
        return ProposalDraft(
            title=self.query_one("#title", Input).value,
            description=self.query_one("#description", PlainTextArea).text,
            owner_id=_chosen(self.query_one("#owner", Select)),
            beneficiary=_chosen(self.query_one("#beneficiary", Select)),
            touchpoint_id=_chosen(self.query_one("#touchpoint", Select)),
            contribution_id=_chosen(self.query_one("#link", Select)),
            comment_id=_chosen(self.query_one("#comment", Select)),
            impact=str(self.query_one("#impact", Select).value),
            effort=str(self.query_one("#effort", Select).value),
        )

    def validate_draft(self, draft: ProposalDraft) -> str | None:
        if not draft.title.strip():
            self.query_one("#title", Input).focus()
            return "Give the change a title."
        return None
