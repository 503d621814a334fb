"""Who leads the room: one facilitator at a time holds the lead, a lease kept in the file.

The facilitator whose screen leads the room (`workshop run`, `workshop demo`, a facilitator
joining with the PIN) takes the lead as it starts (`take_lead`), and a thread of its own says
every `LEAD_BEAT_SECONDS` that it is still there (`keep_leading`). A lead without a beat for
`LEAD_STALE_SECONDS` (a killed process, a machine asleep) counts as free: the next facilitator
takes it without being asked. A second facilitator who finds a live lead is told who leads since
when, and may take it over: the first one is then a follower.

The store enforces it (`LeadRecords._facilitator_only`): what moves the room live (the phase,
the timer, undo and redo, votes opening and closing, room access) is refused to a facilitator
connection while someone else holds a live lead. A connection that never asked to lead (a
script, the command line's one-shot commands) needs no lead while nobody leads, and data edits
(records, imports, exports, the workshop's title) never need one. See docs/decisions.md.

These marks are bookkeeping, like presence: they record no event.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import FileBusy, WorkshopError
from .room import RoomRecords

if TYPE_CHECKING:
    import threading

    from .store import Workshop

LEAD_BEAT_SECONDS = 5.0  # how often the leader's screen says it is still there
LEAD_STALE_SECONDS = 30.0  # a lead without a beat this long is free
SHOWN_MAX = 80  # characters of a holder's name or machine shown, at most

# What moves the room live: the `doing` of each `_facilitator_only` check that needs the lead
# (tests/test_lead_lease.py checks that every one is still asked for in workshop/).
ROOM_MOVES = frozenset(
    {
        "change the phase",
        "start the phase timer",
        "stop the phase timer",
        "undo changes",
        "redo changes",
        "open a vote",
        "change a vote",
        "reveal a vote",
        "close a vote",
        "reopen a vote",
        "start a runoff",
        "delete a vote",
        "change the join code",
        "set the facilitator PIN",
        "free a participant's name",
        "remove a participant",
    }
)


def shown(text: object, limit: int = SHOWN_MAX) -> str:
    """A name as a message shows it: one line (control characters and line breaks become
    spaces), at most `limit` characters."""
    words = "".join(ch if ch.isprintable() else " " for ch in str(text or "")).split()
    line = " ".join(words)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def this_process() -> tuple[str, str, int]:
    """(OS user, host, process id) of this process."""
    import getpass  # read only when a facilitator takes the lead
    import socket

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no such user in the password file, nor in the environment
        user = ""
    try:
        host = socket.gethostname()
    except OSError:
        host = ""
    return user, host, os.getpid()


@dataclass(frozen=True)
class Lead:
    """The lead as held now: `name` (the facilitator's name, or empty for `workshop run`), the
    OS `user`, `host` and `pid` of the process, since when (`since`, `time.time()`) and when
    it last said it is there (`beat_at`); `mine`: this connection holds it."""

    name: str
    user: str
    host: str
    pid: int | None
    since: float
    beat_at: float
    mine: bool = False

    @property
    def who(self) -> str:
        """Who leads, as a message names them: their name, else user@host."""
        if shown(self.name):
            return shown(self.name)
        machine = "@".join(part for part in (shown(self.user, 40), shown(self.host, 40)) if part)
        return machine or "another facilitator"

    @property
    def where(self) -> str:
        """The process that leads: "alice on laptop, process 4242"."""
        parts = [shown(self.user, 40) or "someone"]
        if shown(self.host):
            parts.append(f"on {shown(self.host, 40)}")
        text = " ".join(parts)
        return f"{text}, process {self.pid}" if self.pid else text

    def since_clock(self, now: float | None = None) -> str:
        """ "14:02", or "14:02 on 2026-03-01" when it was not today (local time)."""
        started = time.localtime(self.since)
        today = time.localtime(time.time() if now is None else now)
        clock = time.strftime("%H:%M", started)
        if started[:3] != today[:3]:
            clock += time.strftime(" on %Y-%m-%d", started)
        return clock

    def live(self, now: float | None = None) -> bool:
        """Whether it beat within the last `LEAD_STALE_SECONDS`."""
        now = time.time() if now is None else now
        return now - self.beat_at < LEAD_STALE_SECONDS


class LeadTaken(WorkshopError):
    """Someone else leads the room now: `lead` says who and since when."""

    def __init__(self, lead: Lead) -> None:
        super().__init__(f"{lead.who} leads this room since {lead.since_clock()} ({lead.where}).")
        self.lead = lead


class NotLeading(WorkshopError):
    """A room move by a facilitator connection while someone else leads the room."""


class LeadRecords(RoomRecords):
    """The lead (mixed into Workshop): it extends RoomRecords' facilitator check with the
    lead for what moves the room live."""

    _lead_token: str | None = None  # set while this connection holds (or last held) the lead

    def _facilitator_only(self: Workshop, doing: str) -> None:
        """RoomRecords' check, and for a room move (`ROOM_MOVES`) that nobody else leads."""
        super()._facilitator_only(doing)
        if doing in ROOM_MOVES:
            other = self.other_leader()
            if other is not None:
                raise NotLeading(
                    f"Someone else leads this room now ({other.who} since "
                    f"{other.since_clock()}), so you cannot {doing} from here; to lead it, "
                    "open it again with `workshop run` and take over."
                )

    def lead(self: Workshop) -> Lead | None:
        """The lead as the file holds it, live or stale (None: nobody ever took it, or the
        one who held it let it go)."""
        row = self.conn.execute(
            "select token, name, user, host, pid, since, beat_at from lead where id = 1"
        ).fetchone()
        if row is None:
            return None
        token, name, user, host, pid, since, beat_at = row
        mine = self._lead_token is not None and token == self._lead_token
        return Lead(name or "", user or "", host or "", pid, since or 0.0, beat_at or 0.0, mine)

    def leader(self: Workshop, now: float | None = None) -> Lead | None:
        """Who leads the room now: the live lead (this connection's too), else None."""
        found = self.lead()
        return found if found is not None and (found.mine or found.live(now)) else None

    def other_leader(self: Workshop, now: float | None = None) -> Lead | None:
        """The live lead, when another connection holds it."""
        found = self.leader(now)
        return found if found is not None and not found.mine else None

    def leads(self: Workshop) -> bool:
        """Whether this connection holds the lead (it may have been taken over meanwhile)."""
        found = self.lead()
        return found is not None and found.mine

    @property
    def lead_token(self: Workshop) -> str | None:
        """The secret of the lead this connection took (for its heartbeat's connection)."""
        return self._lead_token

    def take_lead(
        self: Workshop,
        name: str | None = None,
        *,
        take_over: bool = False,
        now: float | None = None,
    ) -> Lead:
        """Lead the room from this connection (a facilitator's); `name` is shown to the
        others (default: this connection's actor). LeadTaken, saying who, when someone else
        holds a live lead, unless `take_over`: their connection then leads no more. Taking
        it again while holding it keeps its start."""
        RoomRecords._facilitator_only(self, "lead the room")
        name = shown(self.actor if name is None else name)
        user, host, pid = this_process()
        now = time.time() if now is None else now
        with self.transaction(check_lock=False):
            held = self.lead()
            if held is not None and not held.mine and held.live(now) and not take_over:
                raise LeadTaken(held)
            keep = held is not None and held.mine
            token = self._lead_token if keep and self._lead_token else secrets.token_hex(16)
            since = held.since if keep and held is not None else now
            self.conn.execute(
                "insert into lead (id, token, name, user, host, pid, since, beat_at)"
                " values (1, ?, ?, ?, ?, ?, ?, ?) on conflict (id) do update set"
                " token = excluded.token, name = excluded.name, user = excluded.user,"
                " host = excluded.host, pid = excluded.pid, since = excluded.since,"
                " beat_at = excluded.beat_at",
                [token, name, shown(user, 40), shown(host, 40), pid, since, now],
            )
        self._lead_token = token
        return Lead(name, shown(user, 40), shown(host, 40), pid, since, now, True)

    def beat_lead(self: Workshop, token: str | None = None, *, now: float | None = None) -> bool:
        """Say that the lead of `token` (default: this connection's) is still there; False
        when someone else took it over meanwhile (nothing is changed then)."""
        token = self._lead_token if token is None else token
        if not token:
            return False
        now = time.time() if now is None else now
        with self.transaction(check_lock=False):
            cursor = self.conn.execute(
                "update lead set beat_at = ? where id = 1 and token = ?", [now, token]
            )
        return cursor.rowcount == 1

    def release_lead(self: Workshop, token: str | None = None) -> None:
        """Let the lead go (this connection's, or that of `token`): the room has no leader
        until the next facilitator starts. Nothing happens when someone else holds it."""
        token = self._lead_token if token is None else token
        if token and token == self._lead_token:
            self._lead_token = None
        if not token:
            return
        with self.transaction(check_lock=False):
            self.conn.execute("delete from lead where id = 1 and token = ?", [token])


def keep_leading(
    path: str | Path,
    token: str,
    stop: threading.Event,
    *,
    every: float = LEAD_BEAT_SECONDS,
) -> None:
    """Say every `every` seconds that the lead of `token` is still there, until `stop` is
    set or someone else takes it over. Runs in a thread of its own, through a connection it
    opens and closes; a busy file skips a beat, a file that cannot be opened ends it. It lets
    nothing go: the leader's own connection releases the lead as it closes."""
    from .store import Workshop

    ws: Workshop | None = None
    try:
        while not stop.wait(every):
            try:
                if ws is None:
                    ws = Workshop.open(path)
                if not ws.beat_lead(token):
                    return  # taken over: the leader's screen tells its facilitator
            except FileBusy:
                pass  # the next beat tries again
            except WorkshopError:
                return
    finally:
        if ws is not None:
            ws.close()
