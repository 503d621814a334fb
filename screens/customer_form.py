"""The dialog for a paying customer (segment): name and a short description."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Label

from screens.widgets.plain import PlainInput, PlainStatic
from screens.widgets.record_form import RecordForm
from workshop.vocabulary import NAME_MAX


@dataclass(frozen=True)
class CustomerDraft:
    """The fields as typed."""

    name: str
    segment: str


class CustomerForm(RecordForm):
    """Add a paying customer or segment."""

    CSS_PATH = [Path(__file__).with_name("widgets") / "record_form.tcss"]
    LAST_FIELD = "segment"

    def __init__(self, save: Callable[[CustomerDraft], None]) -> None:
        super().__init__(save)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            yield PlainStatic("Add a paying customer (segment)", id="form-title")
            yield Label("Name")
            yield PlainInput(id="name", max_length=NAME_MAX, placeholder="e.g. Landlords")
            yield Label("Who they are")
            yield PlainInput(id="segment", placeholder="e.g. letting agents with 5+ homes")
            yield from self.compose_footer()

    def draft(self) -> CustomerDraft:
        return CustomerDraft(
            self.query_one("#name", Input).value, self.query_one("#segment", Input).value
        )

    def validate_draft(self, draft: CustomerDraft) -> str | None:
        return None if draft.name.strip() else "A customer needs a name."
