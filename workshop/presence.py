"""Who is here, and who was sent away.

Presence: the browser server (for every page it serves) and each participant's terminal say,
every few seconds, that these participants are still connected (`seen`), and that they left
(`gone`). Whoever was seen within `PRESENCE_WINDOW` seconds is present. These marks are
bookkeeping, not changes to the workshop: they record no event, so they are neither in the
history nor undone.

Removal: the facilitator removes someone from the room (`remove_participant`), e.g. a stranger
who found the join code. Their records and dots stay, they no longer count in the room, and
their key lets them in no more: `join` with it and `act_as_participant` raise `Removed`, and a
connection already acting for them can change nothing more. Undo brings them back.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import FileBusy, NotFound, Removed, WorkshopError
from .model import Participant
from .room import Readiness, RoomRecords, key_matches

if TYPE_CHECKING:
    import threading

    from .store import Workshop

PRESENCE_WINDOW = 30.0  # seconds since the last sign of life within which someone is present
BEAT_SECONDS = 10.0  # how often a browser server or a terminal says its people are still here
WAYS_IN = ("browser", "terminal")


@dataclass(frozen=True)
class Presence:
    """One participant connected now: by `via` ("browser" or "terminal") last, at `seen_at`
    (`time.time()`), and `ways` every way they are connected by (sorted); `ready`: done with
    the room's current phase."""

    participant_id: int
    name: str
    group: str | None
    via: str
    seen_at: float
    ready: bool
    ways: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attendee:
    """Someone in the room (not removed), for the facilitator's roll call: `ways` they are
    connected now ("browser", "terminal"; none: not connected) and whether they are done
    with the current phase (the facilitator is never counted as done)."""

    participant_id: int
    name: str
    group_id: int | None
    group: str | None
    facilitator: bool
    ways: tuple[str, ...]
    ready: bool


def _ids(participant_ids: Iterable[int]) -> list[int]:
    """Distinct participant ids, in the order given; anything else is refused."""
    ids = list(participant_ids)
    for pid in ids:
        if not isinstance(pid, int) or isinstance(pid, bool):
            raise WorkshopError(f"A participant is named by their id; got {pid!r}.")
    return list(dict.fromkeys(ids))


def _way(via: str) -> str:
    if via not in WAYS_IN:
        raise WorkshopError(f"One is here by browser or terminal, not by {via!r}.")
    return via


class PresenceRecords(RoomRecords):
    """Presence and removal (mixed into Workshop). It extends RoomRecords' check of a
    participant's writes: a removed participant's connection changes nothing more."""

    # -- presence ------------------------------------------------------------------------

    def _only_themselves(self: Workshop, ids: list[int], doing: str) -> None:
        """A participant's connection speaks only for its own participant; a guest for no one."""
        if self.is_facilitator:
            return
        if self.participant_id is None or any(pid != self.participant_id for pid in ids):
            raise WorkshopError(f"Only the facilitator's connection can {doing} for others.")

    def seen(
        self: Workshop, participant_ids: Iterable[int], via: str, *, now: float | None = None
    ) -> list[int]:
        """Mark these participants connected now by `via` ("browser" or "terminal"), in one
        short transaction that records no event; returns those marked. Removed and unknown
        ids are left out (the caller may tell those they are no longer in the room)."""
        ids, via = _ids(participant_ids), _way(via)
        self._only_themselves(ids, "say who is here")
        if not ids:
            return []
        now = time.time() if now is None else now
        with self.transaction(check_lock=False):
            marked = {
                row[0]
                for row in self.conn.execute(
                    "select id from participants where removed_at is null"
                    " and id in (select value from json_each(?))",
                    [json.dumps(ids)],
                )
            }
            self.conn.executemany(
                "insert into presence (participant_id, via, seen_at) values (?, ?, ?)"
                " on conflict (participant_id, via) do update set seen_at = excluded.seen_at",
                [(pid, via, now) for pid in marked],
            )
        return [pid for pid in ids if pid in marked]

    def gone(self: Workshop, participant_ids: Iterable[int], via: str) -> None:
        """Mark these participants no longer connected by `via` (a tab closed, a terminal
        quit); still present if connected another way."""
        ids, via = _ids(participant_ids), _way(via)
        self._only_themselves(ids, "say who left")
        if not ids:
            return
        with self.transaction(check_lock=False):
            self.conn.execute(
                "delete from presence where via = ? and participant_id in"
                " (select value from json_each(?))",
                [via, json.dumps(ids)],
            )

    def present(
        self: Workshop, within: float = PRESENCE_WINDOW, *, now: float | None = None
    ) -> list[Presence]:
        """Everyone seen within the last `within` seconds and not removed, by name."""
        now = time.time() if now is None else now
        rows = self.conn.execute(
            "select p.id, p.name, g.name, s.via, s.seen_at, r.participant_id is not null"
            " from presence s join participants p on p.id = s.participant_id"
            " left join groups g on g.id = p.group_id"
            " left join readiness r on r.participant_id = p.id"
            " and r.phase = (select phase from workshop where id = 1)"
            " where p.removed_at is null and s.seen_at > ?"
            " order by p.name collate nocase, p.id, s.seen_at desc, s.via",
            [now - within],
        ).fetchall()
        found: dict[int, Presence] = {}
        for pid, name, group, via, seen_at, ready in rows:
            if pid in found:  # connected another way too: the latest comes first
                first = found[pid]
                ways = tuple(sorted({*first.ways, via}))
                found[pid] = Presence(pid, name, group, first.via, first.seen_at, first.ready, ways)
            else:
                found[pid] = Presence(pid, name, group, via, seen_at, bool(ready), (via,))
        return list(found.values())

    def roll_call(
        self: Workshop, within: float = PRESENCE_WINDOW, *, now: float | None = None
    ) -> list[Attendee]:
        """Everyone in the room (those removed aside), by name: connected now or not, done
        with the current phase or not."""
        now = time.time() if now is None else now
        rows = self.conn.execute(
            "select p.id, p.name, p.group_id, g.name, p.facilitator,"
            " (select group_concat(via, ' ') from (select via from presence"
            "  where participant_id = p.id and seen_at > ? order by via)),"
            " r.participant_id is not null and not p.facilitator"
            " from participants p left join groups g on g.id = p.group_id"
            " left join readiness r on r.participant_id = p.id"
            " and r.phase = (select phase from workshop where id = 1)"
            " where p.removed_at is null order by p.name collate nocase, p.id",
            [now - within],
        ).fetchall()
        return [
            Attendee(pid, name, gid, group, bool(leads), tuple((ways or "").split()), bool(ready))
            for pid, name, gid, group, leads, ways, ready in rows
        ]

    def readiness(
        self: Workshop, within: float = PRESENCE_WINDOW, *, now: float | None = None
    ) -> Readiness:
        """Who of the participants here now (seen within the last `within` seconds, as in
        `present`) is done with the room's phase. The facilitator, those removed and those
        not connected now are not counted: a follow-up workshop's carried participants count
        once they join again."""
        now = time.time() if now is None else now
        rows = self.conn.execute(
            "select p.name, r.participant_id is not null from participants p"
            " left join readiness r on r.participant_id = p.id"
            " and r.phase = (select phase from workshop where id = 1)"
            " where not p.facilitator and p.removed_at is null"
            " and exists (select 1 from presence s where s.participant_id = p.id"
            " and s.seen_at > ?)"
            " order by p.name collate nocase, p.id",
            [now - within],
        ).fetchall()
        names = tuple(name for name, ready in rows if ready)
        return Readiness(len(names), len(rows), names)

    # -- removal -------------------------------------------------------------------------

    def remove_participant(self: Workshop, participant_id: int) -> None:
        """Remove someone from the room (the facilitator's): their key stops working, they
        leave the counts, their records and dots stay. Undoable; the facilitator (anyone
        who leads the room) cannot be removed."""
        with self.transaction():
            name = self.check_may_remove(participant_id)
            self.conn.execute(
                "update participants set removed_at = ? where id = ?",
                [time.time(), participant_id],
            )
            self.conn.execute("delete from presence where participant_id = ?", [participant_id])
            self._record(
                "remove",
                f"Removed {name} from the room",
                {"op": "update", "table": "participants", "id": participant_id,
                 "values": {"removed_at": None}},
            )  # fmt: skip

    def check_may_remove(self: Workshop, participant_id: int) -> str:
        """Refuse, as removing would, to remove this participant (a screen asks only then);
        returns their name."""
        self._facilitator_only("remove a participant")
        row = self.conn.execute(
            "select name, facilitator, removed_at from participants where id = ?",
            [participant_id],
        ).fetchone()
        if row is None:
            raise NotFound("That participant no longer exists.")
        name, leads, removed_at = row
        if leads or participant_id == self.participant_id:
            raise WorkshopError(f"{name} leads the room: the facilitator cannot be removed.")
        if removed_at is not None:
            raise WorkshopError(f"{name} was already removed from the room.")
        return name

    def is_removed(self: Workshop, participant_id: int) -> bool:
        """Whether the facilitator removed this participant (False for an unknown id)."""
        row = self.conn.execute(
            "select removed_at is not null from participants where id = ?", [participant_id]
        ).fetchone()
        return bool(row and row[0])

    def participant_for_key(self: Workshop, key: str) -> Participant | None:
        """The participant whose name `key` holds; None for a key nobody holds or one of a
        removed participant."""
        found = self._holder_of(key)
        if found is None or found[1]:
            return None
        return self.participant(found[0])

    def _holder_of(self: Workshop, key: object) -> tuple[int, bool] | None:
        """(id, removed) of the participant whose name `key` holds, or None."""
        if not isinstance(key, str) or not key:
            return None
        rows = self.conn.execute(
            "select id, key_hash, removed_at is not null from participants"
            " where key_hash is not null order by id"
        )
        for pid, held, removed in rows:
            if key_matches(key, held):
                return pid, bool(removed)
        return None

    def _refuse_removed(
        self: Workshop, participant_id: int | None = None, key: object = None
    ) -> None:
        """Removed, when the participant (or the holder of `key`) was removed."""
        holder = self._holder_of(key) if key is not None else None
        if (participant_id is not None and self.is_removed(participant_id)) or (
            holder is not None and holder[1]
        ):
            raise Removed()

    def _check_participant_may_write(self: Workshop) -> None:
        """Inside a participant's transaction: RoomRecords' check (the timer's lock), and
        nothing more once the facilitator has removed them."""
        if self.participant_id is not None:
            self._refuse_removed(self.participant_id)
        super()._check_participant_may_write()


def keep_present(
    path: str | Path,
    participant_id: int,
    via: str,
    stop: threading.Event,
    *,
    every: float = BEAT_SECONDS,
) -> None:
    """Say every `every` seconds that this participant is here by `via`, until `stop` is
    set; then that they left. Runs in a thread of its own (an SQLite connection belongs to
    the thread that opened it), through a connection it opens and closes. A busy file skips
    a beat; a file that cannot be opened, or a participant removed from the room, ends it."""
    from .store import Workshop

    ws: Workshop | None = None
    try:
        while True:
            try:
                if ws is None:
                    ws = Workshop.open(path)
                    ws.act_as_participant(participant_id)
                if not ws.seen([participant_id], via):
                    return  # removed meanwhile: no longer here, nor gone
            except FileBusy:
                pass  # the next beat tries again
            except WorkshopError:
                return
            if stop.wait(every):
                break
        if ws is not None:
            with contextlib.suppress(WorkshopError):
                ws.gone([participant_id], via)
    finally:
        if ws is not None:
            ws.close()
