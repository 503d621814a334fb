"""The add/edit dialog for a touchpoint: its name, the customer, the owning group, the channel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Select

from screens.widgets.plain import PlainInput, PlainSelect, PlainStatic
from screens.widgets.record_form import RecordForm
from workshop import Group
from workshop.model import Customer, Touchpoint
from workshop.vocabulary import NAME_MAX


@dataclass(frozen=True)
class TouchpointDraft:
    """The fields as chosen; ids are None when left blank."""

    name: str
    customer_id: int | None
    owner_id: int | None
    channel: str


class TouchpointForm(RecordForm):
    """Add a touchpoint, or edit one."""

    CSS_PATH = [Path(__file__).with_name("widgets") / "record_form.tcss"]
    LAST_FIELD = "channel"

    def __init__(
        self,
        save: Callable[[TouchpointDraft], None],
        customers: list[Customer],
        groups: list[Group],
        touchpoint: Touchpoint | None = None,
    ) -> None:
        super().__init__(save)
        self.customers = customers
        self.groups = sorted(groups, key=lambda g: (g.kind != "front line", g.name.casefold()))
        self.touchpoint = touchpoint

    def compose(self) -> ComposeResult:
        t = self.touchpoint
        with VerticalScroll(id="form"):
            yield PlainStatic(
                f"Edit touchpoint “{t.name}”" if t else "Add a touchpoint",
                id="form-title",
            )
            yield Label("Name: the moment the customer meets us")
            yield PlainInput(
                t.name if t else "", id="name", max_length=NAME_MAX, placeholder="e.g. Renewal call"
            )
            yield Label("Customer")
            yield PlainSelect(
                [(c.name, c.id) for c in self.customers],
                value=t.customer_id if t and t.customer_id is not None else Select.NULL,
                prompt="Which customer (segment)?",
                id="customer",
            )
            yield Label("Owner: the front-line group at the centre of the onion")
            yield PlainSelect(
                [(f"{g.name} ({g.kind})", g.id) for g in self.groups],
                value=t.owner_id if t and t.owner_id is not None else Select.NULL,
                prompt="Which group owns it?",
                id="owner",
            )
            yield Label("Channel")
            yield PlainInput(
                t.channel if t else "", id="channel", placeholder="e.g. phone, on site"
            )
            yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def draft(self) -> TouchpointDraft:
        customer = self.query_one("#customer", Select).value
        owner = self.query_one("#owner", Select).value
        return TouchpointDraft(
            name=self.query_one("#name", Input).value,
            customer_id=None if customer is Select.NULL else int(customer),  # type: ignore[arg-type]
            owner_id=None if owner is Select.NULL else int(owner),  # type: ignore[arg-type]
            channel=self.query_one("#channel", Input).value,
        )

    def validate_draft(self, draft: TouchpointDraft) -> str | None:
        if not draft.name.strip():
            self.query_one("#name", Input).focus()
            return "A touchpoint needs a name."
        if draft.owner_id is None:
            return "Choose the group that owns this touchpoint: the centre of its onion."
        return None
