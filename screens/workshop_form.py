"""The facilitator's dialog for the workshop itself: its title, the day it meets and its
purpose (the header shows them as soon as they are saved)."""

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
from workshop.model import Info
from workshop.vocabulary import NAME_MAX


@dataclass(frozen=True)
class WorkshopDraft:
    """The fields as typed; the store checks them."""

    title: str
    date: str
    purpose: str


class WorkshopForm(RecordForm):
    """Rename the workshop, change its date or its purpose."""

    CSS_PATH = [Path(__file__).with_name("widgets") / "record_form.tcss"]
    LAST_FIELD = "date"

    def __init__(self, save: Callable[[WorkshopDraft], None], info: Info) -> None:
        super().__init__(save)
        self.info = info

    def compose(self) -> ComposeResult:
        info = self.info
        with VerticalScroll(id="form"):
            yield PlainStatic("The workshop", id="form-title")
            yield Label("Title")
            yield PlainInput(
                info.title, id="title", max_length=NAME_MAX, placeholder="e.g. Q3 customer chain"
            )
            yield Label("Purpose")
            yield PlainTextArea(info.purpose, id="purpose", placeholder="Why the room meets")
            yield Label("Date it meets (YYYY-MM-DD)")
            yield PlainInput(info.date or "", id="date", max_length=10, placeholder="2026-03-31")
            yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()

    def draft(self) -> WorkshopDraft:
        return WorkshopDraft(
            title=self.query_one("#title", Input).value,
            date=self.query_one("#date", Input).value.strip(),
            purpose=self.query_one("#purpose", PlainTextArea).text,
        )

    def validate_draft(self, draft: WorkshopDraft) -> str | None:
        if not draft.title.strip():
            self.query_one("#title", Input).focus()
            return "The workshop needs a title."
        if not draft.date:
            self.query_one("#date", Input).focus()
            return "Give the day the workshop meets, like 2026-03-31."
        return None
