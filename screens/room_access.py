"""The facilitator's view of who may get in: the join code (renew it with `r`), the recent
tries of join codes and PINs with whether the tries are waiting, and the participants whose
names a key holds (`f` frees the highlighted one, for someone back on another device)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen

from screens.guarded import refusals
from screens.widgets.plain import PlainStatic, PlainTable
from workshop import Workshop
from workshop.room import ATTEMPT_KINDS, ATTEMPT_WINDOW

RESULT = {True: "right", False: "wrong", None: "refused: waiting"}


class RoomAccess(ModalScreen[None]):
    """Join code, join attempts and held names, for the facilitator."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [
        Binding("r", "renew", "Renew join code", tooltip="A new join code; the old one stops"),
        Binding("f", "free", "Free name", tooltip="Let the highlighted name be joined again"),
        Binding("escape,J", "close", "Close"),
    ]

    def __init__(self, ws: Workshop) -> None:
        super().__init__()
        self.ws = ws

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield PlainStatic("Room access", id="title")
            yield PlainStatic("", id="code")
            yield PlainStatic("", id="waits")
            yield PlainStatic("Recent tries, newest first", classes="heading")
            yield PlainTable(id="attempts", cursor_type="none", zebra_stripes=True)
            yield PlainStatic("Participants (f frees the highlighted name)", classes="heading")
            yield PlainTable(id="people", cursor_type="row", zebra_stripes=True)
            yield PlainStatic("r renew the join code · f free a name · esc close", id="keys")

    def on_mount(self) -> None:
        attempts = self.query_one("#attempts", PlainTable)
        for label, width, grow in (
            ("When", 8, 0),
            ("What", 9, 0),
            ("From", 30, 2),
            ("Result", 16, 1),
        ):
            attempts.add_column(label, width=width, grow=grow)
        people = self.query_one("#people", PlainTable)
        for label, width, grow in (("Name", 24, 2), ("Group", 16, 1), ("Name held by", 20, 1)):
            people.add_column(label, width=width, grow=grow)
        self.load()
        people.focus()

    def load(self) -> None:
        """Read the code, the tries and the participants afresh."""
        ws = self.ws
        self.query_one("#code", PlainStatic).update(f"Join code: {ws.join_code()}")
        minutes = ATTEMPT_WINDOW // 60
        waits = []
        for kind in ATTEMPT_KINDS:
            wrong, wait = ws.wrong_attempts(kind), ws.attempt_wait(kind)
            state = f", tries wait {wait:.0f} s" if wait else ""
            waits.append(f"{wrong} wrong {kind}s in {minutes} min{state}")
        self.query_one("#waits", PlainStatic).update(" · ".join(waits))
        attempts = self.query_one("#attempts", PlainTable)
        attempts.clear()
        for tried in ws.attempts(limit=30):
            when = dt.datetime.fromtimestamp(tried.at).strftime("%H:%M:%S")
            attempts.add_row(when, tried.kind, tried.source or "-", RESULT[tried.ok])
        people = self.query_one("#people", PlainTable)
        people.clear()
        for person in ws.participants():
            held = "a key" if ws.is_name_held(person.id) else "nobody (free)"
            people.add_row(person.name, person.group or "-", held, key=str(person.id))

    def action_renew(self) -> None:
        with refusals(self):
            code = self.ws.renew_join_code()
            self.app.notify(f"New join code: {code}. The old one no longer works.")
            self.load()

    def action_free(self) -> None:
        people = self.query_one("#people", PlainTable)
        if not people.row_count:
            self.app.notify("Nobody has joined yet.", severity="warning")
            return
        row_key = people.coordinate_to_cell_key(people.cursor_coordinate).row_key
        with refusals(self):
            participant_id = int(str(row_key.value))
            name = self.ws.participant(participant_id).name
            self.ws.free_name(participant_id)
            self.app.notify(f"The next person to join as {name} takes the name.")
            self.load()

    def action_close(self) -> None:
        self.dismiss(None)
