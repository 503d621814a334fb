"""A small dialog that asks which group: enter picks the highlighted one, escape cancels."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from screens.widgets.plain import PlainOptionList, PlainStatic
from workshop import Group


class GroupPicker(ModalScreen["int | None"]):
    """Dismisses with the chosen group's id, or None when cancelled."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="group_picker.cancel")]

    def __init__(self, question: str, groups: list[Group], current: int | None = None) -> None:
        super().__init__()
        self.question = question
        self.groups = groups
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield PlainStatic(self.question, id="question")
            yield PlainOptionList(
                *[Option(self._label(group), str(group.id)) for group in self.groups], id="groups"
            )
            yield PlainStatic("enter choose · esc cancel", id="keys")

    def _label(self, group: Group) -> str:
        return group.name + ("  (now)" if group.id == self.current else "")

    def on_mount(self) -> None:
        options = self.query_one("#groups", OptionList)
        ids = [group.id for group in self.groups]
        if self.current in ids:
            options.highlighted = ids.index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(str(event.option.id)))

    def action_cancel(self) -> None:
        self.dismiss(None)
