"""Asked as a facilitator's screen starts while another facilitator leads the room: who leads
since when, and whether to take over, join as a participant instead, or quit."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from screens.widgets.plain import PlainInput, PlainStatic
from workshop import WorkshopError
from workshop.lead import Lead
from workshop.vocabulary import NAME_MAX


class LeadQuestion(ModalScreen[str]):
    """Dismisses with "take", "join" or "quit". `act(choice, name)` does what was chosen
    (take the lead, join under `name`); a WorkshopError it raises is shown here, and the
    question stays open. `ask_name`: joining needs a name (a facilitator who joined under
    one, with the PIN, follows under it)."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [
        Binding("t", "choose('take')", "Take over", id="lead.take",
                tooltip="Lead the room from here: the other facilitator then follows"),
        Binding("j", "choose('join')", "Join", id="lead.join",
                tooltip="Join the room as a participant instead"),
        Binding("q,escape", "choose('quit')", "Quit", id="lead.quit",
                tooltip="Quit: the other facilitator goes on leading"),
    ]  # fmt: skip

    def __init__(
        self, lead: Lead, act: Callable[[str, str], None], *, ask_name: bool = True
    ) -> None:
        super().__init__()
        self.lead = lead
        self.answer = act
        self.ask_name = ask_name

    def compose(self) -> ComposeResult:
        lead = self.lead
        quiet = max(0, int(time.time() - lead.beat_at))
        with Vertical(id="dialog"):
            yield PlainStatic("Someone else leads this room", id="question")
            yield PlainStatic(f"{lead.who} has led it since {lead.since_clock()}.", id="who")
            yield PlainStatic(
                f"From {lead.where}; last heard from {quiet} s ago.", id="detail", classes="muted"
            )
            yield PlainStatic(
                "One facilitator at a time moves the room (the phase, the timer, undo, votes, "
                "room access). Taking over tells them within a few seconds, and they follow.",
                id="rule",
                classes="muted",
            )
            if self.ask_name:
                yield Label("Your name, to join as a participant")
                yield PlainInput(id="name", max_length=NAME_MAX, placeholder="e.g. Ann")
            yield PlainStatic("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Take over (t)", variant="primary", id="take")
                yield Button("Join as a participant (j)", id="join")
                yield Button("Quit (q)", id="quit")

    def on_mount(self) -> None:
        self.query_one("#take", Button).focus()

    def _typed_name(self) -> str:
        return self.query_one("#name", Input).value if self.ask_name else ""

    def action_choose(self, choice: str) -> None:
        if choice == "join" and self.ask_name and not self._typed_name().strip():
            self.show_error("Type your name first, as the room knows you (then enter).")
            self.query_one("#name", Input).focus()
            return
        if choice != "quit":
            try:
                self.answer(choice, self._typed_name())
            except WorkshopError as error:
                self.show_error(str(error))
                return
        self.dismiss(choice)

    def show_error(self, message: str) -> None:
        error = self.query_one("#error", PlainStatic)
        error.update(message)
        error.display = True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_choose(str(event.button.id))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_choose("join")
