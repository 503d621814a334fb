"""The add/edit dialog for a hand-off: whom it serves, what, what matters, the agreed level,
and the two ratings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select

from screens.widgets.plain import PlainInput, PlainSelect, PlainStatic
from screens.widgets.plain_text_area import PlainTextArea
from screens.widgets.record_form import RecordForm
from workshop.model import Handoff

FIELDS = ("provides", "needs", "expectation", "self_rating", "customer_rating")
PARAGRAPHS = ("needs", "expectation")  # the fields that hold a sentence or more


@dataclass(frozen=True)
class HandoffDraft:
    """The fields as typed; the store checks them."""

    receiver: str
    provides: str
    needs: str
    expectation: str
    self_rating: str
    customer_rating: str

    def fields(self) -> dict[str, str]:
        """The texts and ratings, as keyword arguments for the store."""
        return {name: getattr(self, name) for name in FIELDS}


class HandoffForm(RecordForm):
    """Add a hand-off for one group, or edit one (optionally starting at the ratings)."""

    CSS_PATH = [
        Path(__file__).with_name("widgets") / "record_form.tcss",
        Path(__file__).with_suffix(".tcss"),
    ]
    LAST_FIELD = "customer_rating"

    def __init__(
        self,
        provider: str,
        receivers: list[tuple[str, str]],
        save: Callable[[HandoffDraft], None],
        handoff: Handoff | None = None,
        *,
        ratings_first: bool = False,
    ) -> None:
        super().__init__(save)
        self.provider = provider
        self.receivers = receivers
        self.handoff = handoff
        self.ratings_first = ratings_first

    def compose(self) -> ComposeResult:
        h = self.handoff
        title = f"{self.provider} → {h.receiver}" if h else f"{self.provider} serves…"
        with VerticalScroll(id="form"):
            yield PlainStatic(
                ("Edit hand-off: " if h else "New hand-off: ") + title,
                id="form-title",
            )
            yield Label("Whom it serves (a customer or another group)")
            yield PlainSelect(
                self.receivers,
                value=h.receiver if h else Select.NULL,
                prompt="Choose a customer or group",
                id="receiver",
            )
            yield Label("What we provide")
            yield PlainInput(h.provides if h else "", id="provides", placeholder="e.g. laptops")
            yield Label("What matters most to them")
            yield PlainTextArea(
                h.needs if h else "", id="needs", placeholder="e.g. ready on day one"
            )
            yield Label("Agreed expectation (service level)")
            yield PlainTextArea(
                h.expectation if h else "",
                id="expectation",
                placeholder="e.g. access ready on the new hire's first day",
            )
            with Horizontal(id="ratings"):
                with Vertical(classes="rating"):
                    yield Label("Our own rating (1-5)")
                    yield PlainInput(
                        _rating_text(h.self_rating if h else None),
                        id="self_rating",
                        max_length=3,
                        placeholder="blank = not rated",
                    )
                with Vertical(classes="rating"):
                    yield Label("Their rating of us (1-5)")
                    yield PlainInput(
                        _rating_text(h.customer_rating if h else None),
                        id="customer_rating",
                        max_length=3,
                        placeholder="blank = not rated",
                    )
            yield from self.compose_footer()

    def on_mount(self) -> None:
        first = "#self_rating" if self.ratings_first else "#receiver"
        self.query_one(first).focus()

    def draft(self) -> HandoffDraft:
        receiver = self.query_one("#receiver", Select).value
        return HandoffDraft(
            receiver="" if receiver is Select.NULL else str(receiver),
            **{name: self._text(name) for name in FIELDS},
        )

    def _text(self, name: str) -> str:
        if name in PARAGRAPHS:
            return self.query_one(f"#{name}", PlainTextArea).text
        return self.query_one(f"#{name}", Input).value

    def validate_draft(self, draft: HandoffDraft) -> str | None:
        if not draft.receiver:
            return "Choose whom this hand-off serves."
        return None


def _rating_text(value: int | None) -> str:
    return "" if value is None else str(value)
