"""The live room: who leads (roles, the facilitator PIN, the join code), who is who
(participant keys), attempt limits, the phase timer and how many participants are done.

A process opened by `workshop join` or a browser session acts as a participant
(`act_as_participant`): the store then refuses what only the facilitator may do, whichever
screen or script asks; a participant changes only what belongs to the room's phase, places only
themselves in a group, deletes only what they added and places only their own dots; and their
changes stop once a locking timer has run out.

Join codes and PINs are tried through `check_join_code` and `check_pin`, which log every attempt
in the file: past `FREE_ATTEMPTS` wrong ones in `ATTEMPT_WINDOW` seconds, each further try waits
twice as long as the one before (up to `MAX_WAIT`), for every tab and process on the file.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import NotFound, WorkshopError
from .vocabulary import PHASES, name_key

if TYPE_CHECKING:
    from .store import Workshop

# No 0/O, 1/I/L: a code read off a projector must not be mistyped.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
PIN_MIN, PIN_MAX = 4, 64
TIMER_CHOICES = (60, 180, 300, 600)  # the quick picks: 1, 3, 5 and 10 minutes
TIMER_MAX_SECONDS = 4 * 60 * 60
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}

# Attempt limits, per workshop file and kind ("join code" or "PIN"), shared by every process.
FREE_ATTEMPTS = 5  # wrong tries within the window before the waits start
ATTEMPT_WINDOW = 15 * 60  # seconds a wrong try counts against the next ones
MAX_WAIT = 60  # the longest wait between two tries, in seconds
ATTEMPT_KINDS = ("join code", "PIN")

# Which phase a participant may change which records in (the facilitator: any, always).
PHASE_OF_TABLE: dict[str, tuple[str, ...]] = {
    "groups": ("groups & roles",),
    "customers": ("customers & hand-offs",),
    "handoffs": ("customers & hand-offs",),
    "touchpoints": ("touchpoint onion",),
    "contributions": ("touchpoint onion",),
    "comments": ("customer comments",),
    "proposals": ("proposals",),
    "votes": ("vote",),
    "actions": ("review", "action plans"),
    "participants": PHASES,
}
_RECORDS = {"groups": "groups", "customers": "customers", "handoffs": "hand-offs",
            "touchpoints": "touchpoints", "contributions": "onion layers",
            "comments": "comments", "proposals": "proposals", "votes": "dots",
            "actions": "action plans"}  # fmt: skip


# The columns that make a record a group's own: a participant edits their group's records
# (and what they added themselves); hand-offs belong to both ends.
OWNER_COLUMNS: dict[str, tuple[str, ...]] = {
    "groups": ("id",),
    "handoffs": ("provider_id", "receiver_group_id"),
    "touchpoints": ("owner_id",),
    "contributions": ("group_id",),
    "proposals": ("owner_id",),
    "actions": ("owner_id",),
}


class TooManyAttempts(WorkshopError):
    """Too many wrong join codes or PINs lately: the next try must wait `wait` seconds."""

    def __init__(self, message: str, wait: int) -> None:
        super().__init__(message)
        self.wait = wait


class NameTaken(WorkshopError):
    """Someone else, proved by their participant key, already joined under this name."""


def attempt_wait(failures: list[float], now: float) -> float:
    """Seconds the next try must still wait, given the times of the recent wrong tries:
    none for the first `FREE_ATTEMPTS`, then 2, 4, 8… seconds after the latest, up to
    `MAX_WAIT`."""
    recent = sorted(t for t in failures if t > now - ATTEMPT_WINDOW)
    over = len(recent) - FREE_ATTEMPTS
    if over < 0:
        return 0.0
    wait = min(MAX_WAIT, 2 ** (over + 1))
    return min(float(wait), max(0.0, recent[-1] + wait - now))  # a clock set back waits no more


def code_matches(typed: str, expected: str) -> bool:
    """Whether `typed` is the join code `expected` (case, spaces and dashes ignored), in
    constant time; no attempt is counted (see `RoomRecords.check_join_code`)."""
    cleaned = normalise_code(typed).encode("utf-8", "replace")
    return bool(expected) and hmac.compare_digest(cleaned, expected.encode())


def new_participant_key() -> str:
    """A participant's secret key: proves, on their next join, that they are the same person."""
    return secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """A participant key as stored: "sha256$salt$digest" (a random 256-bit key needs no
    slow hash; the salt keeps the same key from matching across files)."""
    salt = secrets.token_hex(8)
    return f"sha256${salt}${hashlib.sha256((salt + key).encode()).hexdigest()}"


def key_matches(key: str, stored: str) -> bool:
    """Whether `key` is the one hashed into `stored` (in constant time)."""
    try:
        kind, salt, digest = stored.split("$")
    except ValueError:
        return False
    tried = hashlib.sha256((salt + str(key)).encode()).hexdigest()
    return kind == "sha256" and hmac.compare_digest(tried, digest)


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
class Attempt:
    """One try of a join code or PIN: when, what kind, from where, and whether it was right
    (None: refused unchecked, while the tries were waiting)."""

    at: float
    kind: str
    source: str
    ok: bool | None


@dataclass(frozen=True)
class Readiness:
    """How many of the participants here now said they are done with the room's phase:
    `total` counts those present (see `PresenceRecords.readiness`), `ready` and `names` those
    of them who are done."""

    ready: int
    total: int
    names: tuple[str, ...]

    @property
    def nobody(self) -> bool:
        """No participant is here (the facilitator is not counted)."""
        return self.total == 0

    def label(self) -> str:
        """The count in a few words: "✔ 2/5 done", or "nobody here yet"."""
        return "nobody here yet" if self.nobody else f"✔ {self.ready}/{self.total} done"


class RoomRecords:
    """Roles, PIN, join code, timer and readiness (mixed into Workshop)."""

    role: str = "facilitator"
    participant_id: int | None = None

    # -- roles ---------------------------------------------------------------------------

    def act_as_participant(self: Workshop, participant_id: int) -> None:
        """From now on this connection acts for one participant: facilitator-only changes
        are refused, and the participant's changes stop when a locking timer runs out.
        Removed (a WorkshopError) for someone the facilitator removed from the room."""
        self.participant(participant_id)
        self._refuse_removed(participant_id)
        self.role = "participant"
        self.participant_id = participant_id

    def act_as_guest(self: Workshop) -> None:
        """From now on this connection may only read, try the join code and PIN, and join:
        a browser session before its visitor has said who they are."""
        self.role = "guest"
        self.participant_id = None

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

    def _check_room_phase(self: Workshop, table: str) -> None:
        """Inside a participant's transaction: `table`'s records change only in their phase
        (hand-offs in "customers & hand-offs", dots in "vote"…); a guest changes nothing."""
        if self.is_facilitator:
            return
        if self.role == "guest":
            raise WorkshopError("Join the workshop first.")
        phases = PHASE_OF_TABLE.get(table, ())
        phase = self._room()["phase"]
        if phase in phases:
            return
        what = _RECORDS.get(table, "these records")
        where = " or ".join(f"the {p} phase" for p in phases) or "no phase"
        raise WorkshopError(f"The room is in the {phase} phase: {what} are changed in {where}.")

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

    def _is_mine(self: Workshop, table: str, row_id: int) -> bool:
        """Whether this connection's participant added the row now at `table`.`row_id`."""
        author = self._added_by(table, row_id)
        me = self.actor.strip()
        return bool(me) and author is not None and name_key(author) == name_key(me)

    def _check_may_edit(self: Workshop, table: str, row: dict[str, Any], what: str) -> None:
        """A participant edits only what they added and their own group's records (a group's
        role, hand-offs from or to it, its touchpoints, layers, proposals and actions)."""
        if self.is_facilitator or table == "participants":
            return
        group = None
        if self.participant_id is not None:
            group = self.participant(self.participant_id).group_id
        columns = OWNER_COLUMNS.get(table, ())
        if group is not None and any(row.get(column) == group for column in columns):
            return
        if self._is_mine(table, row["id"]):
            return
        theirs = "your group's and " if columns else ""
        raise WorkshopError(
            f"You can change only {theirs}what you added; ask the facilitator to change "
            f"this {what}."
        )

    def check_may_edit(self: Workshop, table: str, row_id: int, what: str) -> None:
        """Refuse, as saving would, to edit the row at `table`.`row_id` (a `what`): a screen
        says so before its form is filled in; the store checks again on saving."""
        self._check_room_phase(table)
        self._check_may_edit(table, self._row(table, row_id, what), what)

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

    def check_pin(self: Workshop, pin: str, *, source: str = "") -> bool:
        """Whether `pin` is the facilitator PIN (False when none was set). Every try is
        logged; TooManyAttempts while the tries are waiting (see `attempt_wait`)."""
        return self._attempt(
            "PIN",
            source,
            lambda room: bool(room.get("pin_hash")) and pin_matches(pin, room["pin_hash"]),
        )

    def join_code(self: Workshop) -> str:
        """The code participants type to join from a browser (shown on the projector)."""
        return self._room().get("join_code") or ""

    def check_join_code(self: Workshop, code: str, *, source: str = "") -> bool:
        """Whether `code` is this workshop's join code (case, spaces and dashes ignored).
        Every try is logged; TooManyAttempts while the tries are waiting."""
        return self._attempt(
            "join code", source, lambda room: code_matches(code, room.get("join_code") or "")
        )

    def renew_join_code(self: Workshop) -> str:
        """A new join code (the old one stops working, and the wrong tries of the old one no
        longer count); returns it."""
        self._facilitator_only("change the join code")
        code = new_join_code()
        with self.transaction():
            self.db["workshop"].update(1, {"join_code": code, "code_renewed_at": time.time()})
            self._record("room", "Renewed the join code", None)
        return code

    # -- attempts ------------------------------------------------------------------------

    def _attempt(
        self: Workshop, kind: str, source: str, right: Callable[[dict[str, Any]], bool]
    ) -> bool:
        """Log a try of `kind` (as wrong until proved right, so that tries made at once from
        many processes all count), refuse it while the tries are waiting, then check it."""
        now = time.time()
        with self.transaction(check_lock=False):
            wait = attempt_wait(self._failures(kind, now), now)
            cursor = self.conn.execute(
                "insert into attempts (at, kind, source, ok) values (?, ?, ?, ?)",
                [now, kind, str(source)[:200], -1 if wait else 0],
            )
        if wait:
            seconds = math.ceil(wait)
            raise TooManyAttempts(
                f"Too many wrong {kind}s lately: try again in {seconds} s.", seconds
            )
        ok = right(self._room())
        if ok:
            with self.transaction(check_lock=False):
                self.conn.execute("update attempts set ok = 1 where id = ?", [cursor.lastrowid])
        return ok

    def _failures(self: Workshop, kind: str, now: float) -> list[float]:
        """When the recent wrong tries of `kind` were made (a join code's: since its renewal)."""
        since = now - ATTEMPT_WINDOW
        if kind == "join code":
            since = max(since, self._room().get("code_renewed_at") or 0.0)
        rows = self.conn.execute(
            "select at from attempts where kind = ? and ok = 0 and at > ? order by at",
            [kind, since],
        ).fetchall()
        return [row[0] for row in rows]

    def attempts(self: Workshop, limit: int = 50) -> list[Attempt]:
        """The latest tries of join codes and PINs, newest first (the facilitator's)."""
        self._facilitator_only("see the join attempts")
        rows = self.conn.execute(
            "select at, kind, source, ok from attempts order by id desc limit ?", [limit]
        ).fetchall()
        return [Attempt(at, kind, source, None if ok < 0 else bool(ok))
                for at, kind, source, ok in rows]  # fmt: skip

    def attempt_wait(self: Workshop, kind: str, now: float | None = None) -> float:
        """Seconds the next try of `kind` ("join code" or "PIN") must wait (0: none)."""
        now = time.time() if now is None else now
        return attempt_wait(self._failures(kind, now), now)

    def wrong_attempts(self: Workshop, kind: str, now: float | None = None) -> int:
        """How many wrong tries of `kind` count now (within the window; a join code's since
        its renewal)."""
        now = time.time() if now is None else now
        return len(self._failures(kind, now))

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
            self._refuse_removed(participant_id)
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

    # readiness(): who of those here now is done; in presence.py, as it needs who is here
