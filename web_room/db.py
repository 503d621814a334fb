"""The server's one thread for the workshop file.

SQLite connections belong to the thread that opened them, and a busy file makes a call wait
(up to the store's busy timeout): so every call to the store runs on this one worker thread,
never on the event loop. The thread owns two connections:

- `seat`: every participant's requests. Its role is set per call, synchronously and with no
  await in between (`as_participant`: `act_as_participant` with the participant's name as the
  actor, then back to a guest), so the store enforces the room's rules for whoever asks. The
  page's sections are read through it too (as a guest), so that its `change_token` sees the
  participants' own changes as well as everybody else's.
- `room`: the server's own bookkeeping, as the process that the facilitator started: presence
  (`seen` and `gone` for all connected browsers in one call), nothing on a participant's
  behalf.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from web_room.render import Sections
from workshop import FileBusy, Workshop, WorkshopError
from workshop.model import Participant

T = TypeVar("T")
MAX_WAITING = 2000  # calls queued for the thread at once


class NotJoined(WorkshopError):
    """The browser's key holds no participant (never joined, freed, or removed)."""


class Database:
    """Runs functions on the worker thread: `await db.call(fn, *args)` calls `fn(db, *args)`
    there, where `db.seat`, `db.room` and `db.sections` may be used."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workshop-db")
        self._thread: threading.Thread | None = None
        self.seat: Workshop | None = None
        self.room: Workshop | None = None
        self.sections = Sections()
        self.waiting = 0  # calls queued or running

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(self, *args)` on the worker thread; its exception is raised here. FileBusy at
        once when `MAX_WAITING` calls wait already (a flood of requests is refused, not
        queued without end)."""
        if self.waiting >= MAX_WAITING:
            raise FileBusy("The workshop server is busy; try again in a moment.")
        loop = asyncio.get_running_loop()
        self.waiting += 1
        try:
            return await loop.run_in_executor(self._pool, functools.partial(fn, self, *args))
        finally:
            self.waiting -= 1

    async def open(self) -> None:
        await self.call(Database._open)

    def _open(self) -> None:
        self._thread = threading.current_thread()
        self.seat = Workshop.open(self.path)
        self.seat.act_as_guest()
        self.room = Workshop.open(self.path)  # the facilitator's process: presence only

    async def close(self) -> None:
        """Close both connections and end the thread."""
        try:
            await self.call(Database._close)
        finally:
            self._pool.shutdown(wait=True)

    def _close(self) -> None:
        for ws in (self.seat, self.room):
            if ws is not None:
                ws.close()
        self.seat = self.room = None

    # -- on the worker thread ------------------------------------------------------------

    def _check_thread(self) -> Workshop:
        assert threading.current_thread() is self._thread, "store calls run on the db thread"
        assert self.seat is not None, "the database is closed"
        return self.seat

    def participant(self, key: str) -> Participant | None:
        """The participant whose name the browser's key holds (proved against the store)."""
        return self._check_thread().participant_for_key(key)

    def as_participant(
        self, key: str, action: Callable[[Workshop, Participant], T]
    ) -> tuple[Participant, T]:
        """Run `action(ws, participant)` with the store acting for the key's participant;
        NotJoined when the key holds none."""
        ws = self._check_thread()
        me = ws.participant_for_key(key)
        if me is None:
            raise NotJoined("Join the workshop first.")
        ws.actor = me.name
        try:
            ws.act_as_participant(me.id)
            return me, action(ws, me)
        finally:
            ws.act_as_guest()
            ws.actor = ""

    def as_guest(self, action: Callable[[Workshop], T]) -> T:
        """Run `action(ws)` as a guest (read, try the join code, join)."""
        ws = self._check_thread()
        ws.act_as_guest()
        return action(ws)

    def join(self, key: str, code: str, name: str, source: str) -> tuple[bool, Participant | None]:
        """Try the join code (its attempt limits are the store's), then join under `name`
        with the browser's key: (False, None) for a wrong code. A browser whose key holds a
        participant already stays that participant (one key, one name)."""
        ws = self._check_thread()
        ws.act_as_guest()
        already = ws.participant_for_key(key)
        if already is not None:
            return True, already
        if not ws.check_join_code(code, source=source):
            return False, None
        ws.actor = name.strip()
        try:
            participant_id = ws.join(name, key=key)
        finally:
            ws.actor = ""
        return True, ws.participant(participant_id)

    def seen(self, participant_ids: list[int]) -> list[int]:
        self._check_thread()
        assert self.room is not None
        return self.room.seen(participant_ids, via="browser")

    def gone(self, participant_ids: list[int]) -> None:
        self._check_thread()
        assert self.room is not None
        self.room.gone(participant_ids, via="browser")


def digest(key: str) -> str:
    """What the server keeps of a browser's key in memory (never the key itself)."""
    return hashlib.sha256(key.encode()).hexdigest()
