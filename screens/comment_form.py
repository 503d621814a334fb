"""The add/edit dialog for a customer comment: the words, where they were said, the sentiment
and the date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Select

from screens.widgets.plain import PlainInput, PlainSelect, PlainStatic
from screens.widgets.plain_text_area import PlainTextArea
from screens.widgets.record_form import RecordForm
from workshop.model import Comment, Touchpoint
from workshop.vocabulary import SENTIMENTS


@dataclass(frozen=True)
class CommentDraft:
    """The fields as typed; the store checks them."""

    text: str
    touchpoint_id: int | None
    sentiment: str
    date: str


class CommentForm(RecordForm):
    """Add a customer's comment, or edit one."""

    CSS_PATH = [Path(__file__).with_name("widgets") / "record_form.tcss"]
    LAST_FIELD = "date"

    def __init__(
        self,
        save: Callable[[CommentDraft], None],
        touchpoints: list[Touchpoint],
        comment: Comment | None = None,
    ) -> None:
        super().__init__(save)
        self.touchpoints = touchpoints
        self.comment = comment

    def compose(self) -> ComposeResult:
        c = self.comment
        with VerticalScroll(id="form"):
            yield PlainStatic("Edit comment" if c else "Add a customer comment", id="form-title")
            yield Label("What the customer said")
            yield PlainTextArea(c.text if c else "", id="text", placeholder="in their own words")
            yield Label("At which touchpoint (optional)")
            yield PlainSelect(
                [(f"{t.name} ({t.customer or 'no customer'})", t.id) for t in self.touchpoints],
                value=c.touchpoint_id if c and c.touchpoint_id is not None else Select.NULL,
                prompt="No particular touchpoint",
                id="touchpoint",
            )
            yield Label("Sentiment")
            yield PlainSelect(
                [(s, s) for s in SENTIMENTS],
                value=c.sentiment if c else "neutral",
                allow_blank=False,
                id="sentiment",
            )
            yield Label("Date said (YYYY-MM-DD, optional)")
            yield PlainInput(
                (c.date or "") if c else dt.date.today().isoformat(),
                id="date",
                max_length=10,
                placeholder="e.g. 2026-10-03",
            )
            yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#text", PlainTextArea).focus()

    def draft(self) -> CommentDraft:
        touchpoint = self.query_one("#touchpoint", Select).value
        return CommentDraft(
            text=self.query_one("#text", PlainTextArea).text,
            touchpoint_id=None if touchpoint is Select.NULL else int(touchpoint),  # type: ignore[arg-type]
            sentiment=str(self.query_one("#sentiment", Select).value),
            date=self.query_one("#date", Input).value,
        )

    def validate_draft(self, draft: CommentDraft) -> str | None:
        if not draft.text.strip():
            self.query_one("#text", PlainTextArea).focus()
            return "Type what the customer said."
        return None
