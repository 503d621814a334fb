"""The add/edit dialog for a group: name, kind, role statement and "a good day"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from workshop import Group, WorkshopError
from workshop.vocabulary import KINDS, NAME_MAX


@dataclass(frozen=True)
class GroupDraft:
    """What the form hands back: the fields as typed."""

    name: str
    kind: str
    role: str
    good_day: str


class GroupForm(ModalScreen[bool]):
    """Asks for a group's fields and hands them to `save`; a refusal (WorkshopError) is shown in
    the form, which stays open so that nothing typed is lost. Dismisses True once saved."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="group_form.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="group_form.cancel"),
    ]

    def __init__(self, save: Callable[[GroupDraft], None], group: Group | None = None) -> None:
        super().__init__()
        self.save = save
        self.group = group

    def compose(self) -> ComposeResult:
        group = self.group
        with VerticalScroll(id="form"):
            yield Static("Edit group" if group else "Add a group", id="form-title")
            yield Label("Name")
            yield Input(
                group.name if group else "",
                id="name",
                max_length=NAME_MAX,
                placeholder="e.g. Customer Support",
            )
            yield Label("Kind")
            yield Select(
                [(kind, kind) for kind in KINDS],
                value=group.kind if group else "support",
                allow_blank=False,
                id="kind",
            )
            yield Label("Role: what we do, and for whom")
            yield Input(group.role if group else "", id="role", placeholder="We … so that …")
            yield Label("A good day for our customers looks like…")
            yield Input(
                group.good_day if group else "", id="good_day", placeholder="Every … gets … by …"
            )
            yield Static("", id="error", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def draft(self) -> GroupDraft:
        return GroupDraft(
            name=self.query_one("#name", Input).value,
            kind=str(self.query_one("#kind", Select).value),
            role=self.query_one("#role", Input).value,
            good_day=self.query_one("#good_day", Input).value,
        )

    def show_error(self, message: str) -> None:
        """Keep the form open and say what is wrong."""
        error = self.query_one("#error", Static)
        error.update(message)
        error.display = True

    def action_save(self) -> None:
        if not self.draft().name.strip():
            self.show_error("A group needs a name.")
            self.query_one("#name", Input).focus()
            return
        try:
            self.save(self.draft())
        except WorkshopError as error:
            self.show_error(str(error))
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "good_day":
            self.action_save()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()
