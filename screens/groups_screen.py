"""Phase "groups & roles": every group, its role, its kind and what a good day looks like."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from screens.phase_screen import PhaseScreen
from screens.widgets.plain import PlainStatic, PlainTable
from workshop import Group

if TYPE_CHECKING:
    from screens.group_form import GroupDraft

ROW_LINES = 2  # a role's first two lines show in the table, all of it below


def distance_label(group: Group) -> Text:
    """The distance to the paying customer as words, so it reads without colour."""
    if group.customer_distance is None:
        return Text("✖ not connected", style="bold reverse")
    steps = group.customer_distance
    return Text(f"{steps} step" + ("" if steps == 1 else "s"))


class GroupsScreen(PhaseScreen):
    """List, add, edit and delete groups, all by keyboard; deletes confirm and can be undone."""

    CSS_PATH = [PhaseScreen.CSS_PATH, Path(__file__).with_suffix(".tcss")]
    PHASE = "groups & roles"
    BINDINGS = [
        Binding("a", "add_group", "Add", id="groups.add", tooltip="Add a group"),
        Binding(
            "e,enter", "edit_group", "Edit", id="groups.edit", tooltip="Edit the highlighted group"
        ),
        Binding(
            "d,delete",
            "delete_group",
            "Delete",
            id="groups.delete",
            tooltip="Delete the highlighted group (asks first; undo with u)",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(name=self.PHASE)
        self.groups: list[Group] = []

    def compose_body(self) -> ComposeResult:
        yield PlainStatic("Groups & roles", classes="phase-title")
        yield PlainStatic(
            "Every group either serves the paying customer or serves someone who does.",
            classes="phase-hint",
        )
        table = PlainTable(id="groups", cursor_type="row", zebra_stripes=True)
        table.add_column("Group", key="name", width=18)  # names: short, and whole
        table.add_column("Kind", key="kind", width=10)
        table.add_column("Role", key="role", width=30, grow=3)
        table.add_column("To customer", key="distance", width=15)
        yield table
        yield PlainStatic(id="detail")
        yield PlainStatic("", id="empty")

    @property
    def table(self) -> DataTable:
        return self.query_one("#groups", DataTable)

    def refresh_data(self) -> None:
        """Reload the groups, keeping the cursor on the same group where it still exists."""
        table = self.table
        keep = self.highlighted_group()
        self.groups = self.ws.groups()
        table.clear()
        for group in self.groups:
            table.add_row(
                Text(group.name, style="bold"),
                group.kind,
                group.role,
                distance_label(group),
                key=str(group.id),
                height=ROW_LINES,
            )
        empty = self.query_one("#empty", Static)
        empty.update("" if self.groups else "No groups yet. Press a to add the first one.")
        empty.display = not self.groups
        if keep is not None and any(g.id == keep.id for g in self.groups):
            table.move_cursor(row=table.get_row_index(str(keep.id)))
        self.show_detail()

    def highlighted_group(self) -> Group | None:
        table = self.table
        if not self.groups or table.row_count == 0:
            return None
        row = min(table.cursor_row, len(self.groups) - 1)
        return self.groups[row] if row >= 0 else None

    def show_detail(self) -> None:
        group = self.highlighted_group()
        detail = self.query_one("#detail", Static)
        if group is None:
            detail.update("")
            return
        reach = (
            "NOT CONNECTED to a paying customer: no chain of hand-offs reaches one."
            if group.is_orphan
            else f"Distance to the paying customer: {group.customer_distance}"
        )
        detail.update(
            Text.assemble(
                (group.name, "bold"),
                f"  ({group.kind})\n",
                ("Role: ", "bold"),
                (group.role or "—") + "\n",
                ("A good day for our customers looks like: ", "bold"),
                (group.good_day or "—") + "\n",
                (reach, "bold" if group.is_orphan else ""),
            )
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_edit_group()

    # -- actions -------------------------------------------------------------------------

    def action_add_group(self) -> None:
        def save(draft: GroupDraft) -> None:
            self.ws.add_group(draft.name, draft.role, draft.kind, draft.good_day)
            self.app.notify(f"Added {draft.name.strip()}.")

        from screens.group_form import GroupForm  # the first screen: its form loads on use

        self.app.push_screen(GroupForm(save), self._after_form)

    def action_edit_group(self) -> None:
        group = self.highlighted_group()
        if group is None:
            self.app.notify("No group to edit yet. Press a to add one.", severity="warning")
            return
        group = self.editable(group)

        def save(draft: GroupDraft) -> None:
            self.ws.update_group(
                group.id, name=draft.name, role=draft.role, kind=draft.kind, good_day=draft.good_day
            )
            self.app.notify(f"Saved {draft.name.strip()}.")

        from screens.group_form import GroupForm

        self.app.push_screen(GroupForm(save, group), self._after_form)

    def action_delete_group(self) -> None:
        group = self.highlighted_group()
        if group is None:
            self.app.notify("No group to delete.", severity="warning")
            return
        group = self.fresh(group)

        self.confirm_and_delete(
            f"Delete the group “{group.name}”?",
            "Its hand-offs and onion contributions go with it. You can undo this with u.",
            lambda: self.ws.delete_group(group.id),
            f"Deleted {group.name}.",
        )
