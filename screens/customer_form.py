"""The dialog for a paying customer (segment): name and a short description."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Label

from screens.widgets.plain import PlainInput, PlainStatic
from screens.widgets.plain_text_area import PlainTextArea
from screens.widgets.record_form import RecordForm
from workshop.model import Customer
from workshop.vocabulary import NAME_MAX


@dataclass(frozen=True)
class CustomerDraft:
    """The fields as typed."""

    name: str
    segment: str


class CustomerForm(RecordForm):
    """Add a paying customer or segment, or edit one."""

    CSS_PATH = [Path(__file__).with_name("widgets") / "record_form.tcss"]

    def __init__(
        self, save: Callable[[CustomerDraft], None], customer: Customer | None = None
    ) -> None:
        super().__init__(save)
        self.customer = customer

    def compose(self) -> ComposeResult:
        c = self.customer
        title = f"Edit the customer {c.name}" if c else "Add a paying customer (segment)"
        with VerticalScroll(id="form"):
            yield PlainStatic(title, id="form-title")
            yield Label("Name")
            yield PlainInput(
                c.name if c else "", id="name", max_length=NAME_MAX, placeholder="e.g. Landlords"
            )
            yield Label("Who they are")
            yield PlainTextArea(
                c.segment if c else "",
                id="segment",
                placeholder="e.g. letting agents with 5+ homes",
            )
            yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()  # the first words typed land in the name

    def draft(self) -> CustomerDraft:
        return CustomerDraft(
            self.query_one("#name", Input).value, self.query_one("#segment", PlainTextArea).text
        )

    def validate_draft(self, draft: CustomerDraft) -> str | None:
        return None if draft.name.strip() else "A customer needs a name."
