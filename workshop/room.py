"""The live room: who leads (roles, the facilitator PIN, the join code), the phase timer and
how many participants are done with the phase.

A process opened by `workshop join` or a browser session acts as a participant
(`act_as_participant`): the store then refuses what only the facilitator may do, whichever
screen or script asks, and refuses a participant's changes once a locking timer has run out.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import NotFound, WorkshopError
from .vocabulary import name_key

if TYPE_CHECKING:
    from .store import Workshop

# No 0/O, 1/I/L: a code read off a projector must not be mistyped.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
PIN_MIN, PIN_MAX = 4, 64
TIMER_CHOICES = (60, 180, 300, 600)  # the quick picks: 1, 3, 5 and 10 minutes
TIMER_MAX_SECONDS = 4 * 60 * 60
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def new_join_code() -> str:
    """A fresh six-character code, easy to read aloud and to type."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """What was typed, without spaces or dashes and in capitals ("k7m 2qx" → "K7M2QX")."""
    return "".join(ch for ch in str(code).upper() if ch not in " -\t")


def hash_pin(pin: str) -> str:
    """The PIN, salted and hashed with scrypt: "scrypt$n$r$p$salt$hash" (hex)."""
    pin = clean_pin(pin)
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, **_SCRYPT)  # type: ignore[arg-type]
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    """Whether `pin` is the one hashed into `stored` (in constant time)."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        tried = hashlib.scrypt(
            str(pin).encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(tried.hex(), digest)


def clean_pin(pin: object) -> str:
    """A PIN of 4 to 64 visible characters, or a WorkshopError saying what is wrong."""
    if not isinstance(pin, str) or not pin.strip():
        raise WorkshopError("The facilitator PIN cannot be empty.")
    if not PIN_MIN <= len(pin) <= PIN_MAX:
        raise WorkshopError(f"The facilitator PIN needs {PIN_MIN} to {PIN_MAX} characters.")
    if any(not ch.isprintable() or ch.isspace() for ch in pin):
        raise WorkshopError("The facilitator PIN cannot hold spaces or control characters.")
    return pin


def timer_seconds(value: object) -> int:
    """A timer length in whole seconds, from 10 seconds to 4 hours: a number of seconds (an
    int), or text: "5" or "5m" minutes, "90s" seconds, "1:30" m:ss, "1:02:00" h:mm:ss."""
    text = str(value).strip().lower()[:40] if not isinstance(value, int) else ""
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, int):
            seconds = value
        elif ":" in text:
            parts = [int(part) for part in text.split(":")]
            if len(parts) > 3 or any(p < 0 for p in parts) or any(p > 59 for p in parts[1:]):
                raise ValueError
            seconds = 0
            for part in parts:
                seconds = seconds * 60 + part
        elif text.endswith("s"):
            seconds = int(text[:-1])
        else:
            minutes = float(text.removesuffix("min").removesuffix("m"))
            if not math.isfinite(minutes):
                raise ValueError
            seconds = round(minutes * 60)
    except (ValueError, OverflowError):
        raise WorkshopError(
            f"“{text[:20]}” is not a timer length: give minutes (5), seconds (90s) or m:ss (1:30)."
        ) from None
    if not 10 <= seconds <= TIMER_MAX_SECONDS:
        raise WorkshopError("A phase timer runs from 10 seconds to 4 hours.")
    return seconds


@dataclass(frozen=True)
class Timer:
    """The phase timer as the room sees it at one moment."""

    phase: str
    seconds: int
    ends_at: float
    lock: bool
    now: float

    @property
    def remaining(self) -> int:
        """Whole seconds left (0 once it has run out)."""
        return max(0, int(self.ends_at - self.now + 0.999))

    @property
    def ended(self) -> bool:
        return self.now >= self.ends_at

    @property
    def warning(self) -> bool:
        """Near the end: the last fifth, at most the last 30 seconds."""
        return not self.ended and self.remaining <= min(30, max(5, self.seconds // 5))

    @property
    def locked(self) -> bool:
        """Participants' input is locked: the timer ran out and was set to lock."""
        return self.ended and self.lock

    def clock(self) -> str:
        """ "4:59", "0:07" or "1:02:00"."""
        hours, rest = divmod(self.remaining, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@dataclass(frozen=True)
class Readiness:
    """How many participants said they are done with a phase."""

    ready: int
    total: int
    names: tuple[str, ...]


class RoomRecords:
    """Roles, PIN, join code, timer and readiness (mixed into Workshop)."""

    role: str = "facilitator"
    participant_id: int | None = None

    # -- roles ---------------------------------------------------------------------------

    def act_as_participant(self: Workshop, participant_id: int) -> None:
        """From now on this connection acts for one participant: facilitator-only changes
        are refused, and the participant's changes stop when a locking timer runs out."""
        self.participant(participant_id)
        self.role = "participant"
        self.participant_id = participant_id

    @property
    def is_facilitator(self: Workshop) -> bool:
        return self.role == "facilitator"

    def _facilitator_only(self: Workshop, doing: str) -> None:
        """Refuse `doing` ("reveal a vote") unless this connection is the facilitator's."""
        if not self.is_facilitator:
            raise WorkshopError(f"Only the facilitator can {doing}.")

    def _check_participant_may_write(self: Workshop) -> None:
        """Inside a participant's transaction: refused once a locking timer has run out."""
        timer = self.timer()
        if timer is not None and timer.locked:
            raise WorkshopError("Time is up: the facilitator has locked input for this phase.")

    def _added_by(self: Workshop, table: str, row_id: int) -> str | None:
        """Who added the row now at `table`.`row_id` through the app; None when it came from a
        plan or an import, or when its id was reused after a delete."""
        added = self.conn.execute(
            "select id, actor from events where kind = 'add' and undone = 0 and json_valid(undo)"
            " and json_extract(undo, '$.table') = ?"
            " and exists (select 1 from json_each(undo, '$.ids') where value = ?)"
            " order by id desc limit 1",
            [table, row_id],
        ).fetchone()
        if added is None:
            return None
        deleted_since = self.conn.execute(
            "select 1 from events d, json_each(case when json_valid(d.undo) then d.undo"
            " else '{}' end, '$.snapshot.rows') r where d.id > ? and d.kind = 'delete'"
            " and d.undone = 0"
            " and json_extract(r.value, '$.table') = ?"
            " and json_extract(r.value, '$.row.id') = ? limit 1",
            [added[0], table, row_id],
        ).fetchone()
        return None if deleted_since else added[1]

    def _check_may_delete(self: Workshop, rows: list[dict[str, Any]], what: str) -> None:
        """A participant may delete only what they added themselves, and only when the delete
        takes nothing with it that someone else added (layers resting on it, dots on it…).
        `rows` is the delete's snapshot: the row first, then what cascades from it."""
        if self.is_facilitator:
            return
        me = name_key(self.actor) if self.actor.strip() else None
        for position, item in enumerate(rows):
            row_id = item["row"].get("id")
            if row_id is None:
                continue  # a link row (a routing, a readiness mark): it goes with its parent
            author = self._added_by(item["table"], row_id)
            if me is not None and author is not None and name_key(author) == me:
                continue
            if position == 0:
                raise WorkshopError(f"Only the facilitator can delete a {what} someone else added.")
            raise WorkshopError(
                f"Only the facilitator can delete this {what}: it would take with it what "
                "someone else added."
            )

    # -- facilitator PIN and join code ---------------------------------------------------

    def _room(self: Workshop) -> dict[str, Any]:
        """The workshop row, read with one plain query: a participant's every write checks
        the timer through it."""
        row = next(self._rows("select * from workshop where id = 1"), None)
        if row is None:
            raise NotFound("The workshop file has lost its workshop row.")
        return row

    def set_pin(self: Workshop, pin: str) -> None:
        """Set (or change) the facilitator PIN; only its salted hash is stored."""
        self._facilitator_only("set the facilitator PIN")
        hashed = hash_pin(pin)
        with self.transaction():
            self.db["workshop"].update(1, {"pin_hash": hashed})

    def has_pin(self: Workshop) -> bool:
        return bool(self._room().get("pin_hash"))

    def check_pin(self: Workshop, pin: str) -> bool:
        """Whether `pin` is the facilitator PIN (False when none was set)."""
        stored = self._room().get("pin_hash")
        return bool(stored) and pin_matches(pin, stored)

    def join_code(self: Workshop) -> str:
        """The code participants type to join from a browser (shown on the projector)."""
        return self._room().get("join_code") or ""

    def check_join_code(self: Workshop, code: str) -> bool:
        """Whether `code` is this workshop's join code (case, spaces and dashes ignored)."""
        expected = self.join_code()
        typed = normalise_code(code).encode("utf-8", "replace")
        return bool(expected) and hmac.compare_digest(typed, expected.encode())

    def renew_join_code(self: Workshop) -> str:
        """A new join code (the old one stops working); returns it."""
        self._facilitator_only("change the join code")
        code = new_join_code()
        with self.transaction():
            self.db["workshop"].update(1, {"join_code": code})
        return code

    # -- the phase timer -----------------------------------------------------------------

    def start_timer(
        self: Workshop, seconds: object, *, lock: bool = False, now: float | None = None
    ) -> Timer:
        """Start a timer for the current phase (replacing a running one)."""
        self._facilitator_only("start the phase timer")
        length = timer_seconds(seconds)
        now = time.time() if now is None else now
        with self.transaction():
            phase = self.info().phase
            self.db["workshop"].update(
                1,
                {"timer_phase": phase, "timer_seconds": length,
                 "timer_ends": now + length, "timer_lock": int(lock)},
            )  # fmt: skip
        return Timer(phase, length, now + length, lock, now)

    def stop_timer(self: Workshop) -> None:
        """Stop the timer (and lift its lock)."""
        self._facilitator_only("stop the phase timer")
        with self.transaction():
            self.db["workshop"].update(1, {"timer_phase": None, "timer_ends": None})

    def timer(self: Workshop, now: float | None = None) -> Timer | None:
        """The current phase's timer, or None when none runs for it."""
        row = self._room()
        if row.get("timer_ends") is None or row.get("timer_phase") != row["phase"]:
            return None
        now = time.time() if now is None else now
        return Timer(row["timer_phase"], row["timer_seconds"], row["timer_ends"],
                     bool(row["timer_lock"]), now)  # fmt: skip

    # -- readiness -----------------------------------------------------------------------

    def set_ready(self: Workshop, participant_id: int, ready: bool = True) -> None:
        """Say that a participant is done with the current phase (or not yet)."""
        if not self.is_facilitator and participant_id != self.participant_id:
            raise WorkshopError("You can only mark yourself as done.")
        with self.transaction(check_lock=False):
            self.participant(participant_id)
            phase = self.info().phase
            if ready:
                self.conn.execute(
                    "insert or ignore into readiness (participant_id, phase) values (?, ?)",
                    [participant_id, phase],
                )
            else:
                self.conn.execute(
                    "delete from readiness where participant_id = ? and phase = ?",
                    [participant_id, phase],
                )

    def is_ready(self: Workshop, participant_id: int) -> bool:
        row = self.conn.execute(
            "select 1 from readiness where participant_id = ? and phase = "
            "(select phase from workshop where id = 1)",
            [participant_id],
        ).fetchone()
        return row is not None

    def readiness(self: Workshop) -> Readiness:
        """Done participants over all participants (the facilitator aside) in this phase."""
        rows = self.conn.execute(
            "select p.name, r.participant_id is not null from participants p"
            " left join readiness r on r.participant_id = p.id"
            " and r.phase = (select phase from workshop where id = 1)"
            " where not p.facilitator order by p.name collate nocase"
        ).fetchall()
        names = tuple(name for name, ready in rows if ready)
        return Readiness(len(names), len(rows), names)
