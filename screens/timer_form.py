"""The facilitator's dialog for the phase timer: 1, 3, 5 or 10 minutes or a length typed in,
and whether participants' input locks when it runs out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, Input, Label, RadioButton, RadioSet

from screens.widgets.plain import PlainInput, PlainStatic, plain
from screens.widgets.record_form import RecordForm
from screens.widgets.toggles import RadioChoice, TickBox
from workshop.room import TIMER_CHOICES


@dataclass(frozen=True)
class TimerDraft:
    """The length chosen (seconds as text, or what was typed) and the lock."""

    length: str
    lock: bool


class TimerForm(RecordForm):
    """Start the timer for the room's phase; a running one is replaced."""

    CSS_PATH = [
        Path(__file__).with_name("widgets") / "record_form.tcss",
        Path(__file__).with_suffix(".tcss"),
    ]
    LAST_FIELD = "custom"

    SAVE_LABEL = "Start"
    BINDINGS = [Binding("ctrl+s", "save", "Start", id="form.save", tooltip="Start the timer")]

    def __init__(self, save: Callable[[TimerDraft], None], phase: str) -> None:
        super().__init__(save)
        self.phase = phase

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            yield PlainStatic(f"Phase timer: {self.phase}", id="form-title")
            yield Label("How long (↑ ↓ move, space or enter picks)")
            with RadioSet(id="length"):
                for seconds in TIMER_CHOICES:
                    minutes = seconds // 60
                    yield RadioChoice(
                        plain(f"{minutes} minute{'s' if minutes > 1 else ''}"),
                        value=seconds == 300,
                    )
                yield RadioChoice("Other length:", id="other")
            yield PlainInput(placeholder="e.g. 7, 90s or 2:30", id="custom", max_length=12)
            yield TickBox("Lock participants' input when the time is up", False, id="lock")
            yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#length", RadioSet).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.value.strip():
            self.query_one("#other", RadioButton).value = True

    def draft(self) -> TimerDraft:
        """A length typed in wins over the choice above it."""
        typed = self.query_one("#custom", Input).value.strip()
        chosen = self.query_one("#length", RadioSet).pressed_index
        if not typed and 0 <= chosen < len(TIMER_CHOICES):
            typed = f"{TIMER_CHOICES[chosen]}s"
        return TimerDraft(typed, self.query_one("#lock", Checkbox).value)

    def validate_draft(self, draft: TimerDraft) -> str | None:
        if not draft.length:
            return "Type a length (minutes, like 7, or 90s, or 2:30), or pick one above."
        return None
