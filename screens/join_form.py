"""Who is joining: in a browser session (the server has checked the join code), a name, a
group and (to lead the room) the facilitator PIN; in a terminal, on first join, the group one
belongs to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, Label

from screens.widgets.plain import PlainInput, PlainStatic
from screens.widgets.plain_select import PlainSelect
from screens.widgets.record_form import RecordForm
from workshop.model import Group

NO_GROUP = 0


@dataclass(frozen=True)
class JoinDraft:
    """What was typed; the store decides whether the name and PIN are right."""

    name: str
    group_id: int | None
    pin: str


class JoinForm(RecordForm):
    """The first thing a browser session shows once its join code was right, or a terminal
    participant's group choice on first join."""

    CSS_PATH = [
        Path(__file__).with_name("widgets") / "record_form.tcss",
        Path(__file__).with_suffix(".tcss"),
    ]
    BINDINGS = [
        # Tab moves at once, so keys typed right after it land in the next field (a browser
        # types faster than the focus would otherwise move).
        Binding("tab", "app.focus_next", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", show=False, priority=True),
        Binding("ctrl+s", "save", "Join", id="form.save", tooltip="Join the room"),
        Binding("escape", "cancel", "Leave", id="form.cancel", tooltip="Leave without joining"),
    ]
    LAST_FIELD = "pin"

    def __init__(
        self,
        save: Callable[[JoinDraft], None],
        groups: list[Group],
        *,
        web: bool,
        name: str = "",
        ask_pin: bool = True,
    ) -> None:
        super().__init__(save)
        self.groups = groups
        self.web = web
        self.person = name
        self.ask_pin = web and ask_pin  # a workshop without a PIN is led from its terminal only
        if not self.ask_pin:
            self.LAST_FIELD = "group"

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            if self.web:
                yield PlainStatic("Join the workshop", id="form-title")
                yield Label("Your name")
                yield PlainInput(id="name", max_length=80)
            else:
                yield PlainStatic(f"Welcome, {self.person}", id="form-title")
            yield Label("Your group")
            yield PlainSelect(
                [(g.name, g.id) for g in self.groups] + [("No group (a guest)", NO_GROUP)],
                id="group",
                prompt="Choose your group",
            )
            if self.ask_pin:
                yield Label("Facilitator PIN (leave empty to join as a participant)")
                yield PlainInput(id="pin", password=True, max_length=64)
            yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#save").label = "Join (ctrl+s)"  # type: ignore[attr-defined]
        self.query_one("#cancel").label = "Leave (esc)" if self.web else "Skip (esc)"  # type: ignore[attr-defined]
        self.query_one("#name" if self.web else "#group").focus()

    def on_select_changed(self) -> None:
        if not self.web:
            self.action_save()

    def draft(self) -> JoinDraft:
        group = self.query_one("#group", PlainSelect).value
        return JoinDraft(
            name=self.query_one("#name", Input).value if self.web else self.person,
            group_id=group if isinstance(group, int) and group != NO_GROUP else None,
            pin=self.query_one("#pin", Input).value if self.ask_pin else "",
        )

    def validate_draft(self, draft: JoinDraft) -> str | None:
        if self.web and not draft.name.strip():
            return "Type your name, as the room knows you."
        return None
