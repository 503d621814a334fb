"""The add/edit dialog for a group: name, kind, role statement and "a good day"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Select

from screens.widgets.plain import PlainInput, PlainSelect, PlainStatic
from screens.widgets.plain_text_area import PlainTextArea
from screens.widgets.record_form import RecordForm
from workshop import Group
from workshop.vocabulary import KINDS, NAME_MAX


@dataclass(frozen=True)
class GroupDraft:
    """What the form hands over: the fields as typed."""

    name: str
    kind: str
    role: str
    good_day: str


class GroupForm(RecordForm):
    """Add a group, or edit one."""

    CSS_PATH = [Path(__file__).with_name("widgets") / "record_form.tcss"]

    def __init__(self, save: Callable[[GroupDraft], None], group: Group | None = None) -> None:
        super().__init__(save)
        self.group = group

    def compose(self) -> ComposeResult:
        group = self.group
        with VerticalScroll(id="form"):
            yield PlainStatic("Edit group" if group else "Add a group", id="form-title")
            yield Label("Name")
            yield PlainInput(
                group.name if group else "",
                id="name",
                max_length=NAME_MAX,
                placeholder="e.g. Customer Support",
            )
            yield Label("Kind")
            yield PlainSelect(
                [(kind, kind) for kind in KINDS],
                value=group.kind if group else "support",
                allow_blank=False,
                id="kind",
            )
            yield Label("Role: what we do, and for whom")
            yield PlainTextArea(
                group.role if group else "", id="role", placeholder="We … so that …"
            )
            yield Label("A good day for our customers looks like…")
            yield PlainTextArea(
                group.good_day if group else "", id="good_day", placeholder="Every … gets … by …"
            )
            yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def draft(self) -> GroupDraft:
        return GroupDraft(
            name=self.query_one("#name", Input).value,
            kind=str(self.query_one("#kind", Select).value),
            role=self.query_one("#role", PlainTextArea).text,
            good_day=self.query_one("#good_day", PlainTextArea).text,
        )

    def validate_draft(self, draft: GroupDraft) -> str | None:
        if not draft.name.strip():
            self.query_one("#name", Input).focus()
            return "A group needs a name."
        return None
