"""The facilitator's "Who is here": everyone in the room, whether their browser or terminal is
connected now and whether they are done with this phase; `g` moves the highlighted person to
another group, `r` removes them from the room (after asking). It follows the room live: the app
reloads it when the file changes, and it looks again every few seconds for those whose
connection went quiet."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen

from screens.guarded import refusals
from screens.widgets.plain import PlainStatic, PlainTable
from workshop import Workshop
from workshop.presence import Attendee

COLUMNS = (("Name", 24, 2), ("Group", 18, 1), ("Connected now", 18, 0), ("Done", 6, 0))
LOOK_AGAIN_SECONDS = 5.0  # a connection that went quiet shows as gone this much later


def connected(person: Attendee) -> str:
    """ "browser", "terminal", "browser / terminal" or "—"."""
    return " / ".join(person.ways) or "—"


def done(person: Attendee) -> str:
    """ "yes" or "no"; the facilitator "leads" (never counted as done)."""
    return "leads" if person.facilitator else ("yes" if person.ready else "no")


class PeopleScreen(ModalScreen[None]):
    """Who is here, for the facilitator: move someone to another group, or remove them."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [
        Binding("g", "move", "Move to group", id="people.move",
                tooltip="Move the highlighted person to another group"),
        Binding("r", "remove", "Remove", id="people.remove",
                tooltip="Remove the highlighted person from the room (asks first; undoable)"),
        Binding("escape,W", "close", "Close", id="people.close"),
    ]  # fmt: skip

    def __init__(self, ws: Workshop) -> None:
        super().__init__()
        self.ws = ws
        self.people: list[Attendee] = []
        self._shown: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield PlainStatic("Who is here", id="title")
            yield PlainStatic("", id="summary")
            yield PlainTable(id="people", cursor_type="row", zebra_stripes=True)
            yield PlainStatic(
                "g move to another group · r remove from the room · esc close", id="keys"
            )

    def on_mount(self) -> None:
        table = self.query_one("#people", PlainTable)
        for label, width, grow in COLUMNS:
            table.add_column(label, width=width, grow=grow)
        self.refresh_data()
        table.focus()
        self.set_interval(LOOK_AGAIN_SECONDS, self.refresh_data)

    def refresh_data(self) -> None:
        """Read the room afresh; the table is rebuilt only when what it shows changed, and
        the highlight stays on the same person."""
        people = self.ws.roll_call()
        readiness, phase = self.ws.readiness(), self.ws.info().phase
        here = sum(1 for person in people if person.ways)
        summary = (
            f"{here} of {len(people)} connected now · {readiness.ready} of {readiness.total} "
            f"done with {phase}"
        )
        shown = (summary, tuple(people))
        if shown == self._shown:
            return
        highlighted = self.highlighted()
        self._shown, self.people = shown, people
        self.query_one("#summary", PlainStatic).update(summary)
        table = self.query_one("#people", PlainTable)
        table.clear()
        for person in people:
            table.add_row(
                person.name, person.group or "—", connected(person), done(person),
                key=str(person.participant_id),
            )  # fmt: skip
        ids = [person.participant_id for person in people]
        if highlighted is not None and highlighted.participant_id in ids:
            table.move_cursor(row=ids.index(highlighted.participant_id))

    def highlighted(self) -> Attendee | None:
        """The person under the cursor (None: nobody has joined)."""
        table = self.query_one("#people", PlainTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((p for p in self.people if str(p.participant_id) == key), None)

    def action_move(self) -> None:
        person = self.highlighted()
        if person is None:
            self.app.notify("Nobody has joined yet.", severity="warning")
            return
        groups = self.ws.groups()
        if not groups:
            self.app.notify("There are no groups yet; add them in the groups phase.")
            return
        from screens.group_picker import GroupPicker

        def chosen(group_id: int | None) -> None:
            if group_id is None:
                return
            with refusals(self):
                self.ws.set_participant_group(person.participant_id, group_id)
                group = self.ws.group(group_id).name
                self.app.notify(f"Moved {person.name} to {group}.")
                self.refresh_data()

        question = f"Move {person.name} to which group?"
        self.app.push_screen(GroupPicker(question, groups, person.group_id), chosen)

    def action_remove(self) -> None:
        person = self.highlighted()
        if person is None:
            self.app.notify("Nobody has joined yet.", severity="warning")
            return
        with refusals(self):
            self.ws.check_may_remove(person.participant_id)  # the facilitator, say: not asked

            def answered(yes: bool | None) -> None:
                if not yes:
                    return
                with refusals(self):
                    self.ws.remove_participant(person.participant_id)
                    self.refresh_data()
                    self.app.notify(
                        f"Removed {person.name} from the room; close this and press u to undo."
                    )

            from screens.widgets.confirm import ConfirmModal

            detail = (
                "Their key stops letting them in and they leave the counts; what they added "
                "and their dots stay."
            )
            self.app.push_screen(
                ConfirmModal(f"Remove {person.name} from the room?", detail, yes="Remove"),
                answered,
            )

    def action_close(self) -> None:
        self.dismiss(None)
