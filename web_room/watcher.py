"""The one change watcher of the server, and the open event streams it feeds.

Every `POLL_SECONDS` the watcher asks the database thread whether the workshop file changed
(`change_token`: a commit by any process, this server's own included). When it did, the room's
sections are rendered once (`render.Sections.frame`) and each open stream is given only the
sections whose HTML differs from what it last sent. A stream that is slow to read never holds
a backlog: its pending sections are replaced by the latest ones (what it lacks, against what
it sent). Streams just opened get their first, whole view at the next tick without a new read
of the room. Participants the facilitator removed get `removed`, those whose name the
facilitator freed (their key holds it no more) get `freed`, and their streams end.

Every `BEAT_SECONDS` the connected participants are marked seen in the store (one call for
all); a participant's last stream closing marks them gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workshop import WorkshopError
from workshop.presence import BEAT_SECONDS

if TYPE_CHECKING:
    from web_room.db import Database
    from web_room.render import Frame

POLL_SECONDS = 0.1
REMOVED_MESSAGE = "The facilitator removed you from this workshop."
FREED_MESSAGE = "Your name was freed by the facilitator: join again."
log = logging.getLogger("web_room")


@dataclass(eq=False)
class Stream:
    """One open event stream (one browser tab) of one participant."""

    participant_id: int
    sent: dict[str, str] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)
    phase: str = ""
    version: int = 0
    now: float = 0.0
    first: bool = True  # its first view is still to come
    ending: tuple[str, str] | None = None  # (event, message) to send last
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, frame: Frame) -> None:
        """Take what changed for this stream in `frame` (everything, for its first view)."""
        sections = frame.sections(self.participant_id)
        if self.first:
            changed = dict(sections)
        else:
            changed = {k: v for k, v in sections.items() if self.sent.get(k) != v}
        if not changed and frame.phase == self.phase:
            self.pending = {}
            return
        self.pending = changed
        self.phase, self.version, self.now = frame.phase, frame.version, frame.now
        self.wake.set()

    def take(self) -> str | None:
        """The `view` event to write now (None: nothing pending), marked as sent."""
        if not self.pending:
            return None
        sections, self.pending = self.pending, {}
        self.sent.update(sections)
        self.first = False
        body = {"version": self.version, "phase": self.phase, "now": round(self.now, 3),
                "sections": sections}  # fmt: skip
        return f"event: view\ndata: {json.dumps(body, ensure_ascii=False)}\n\n"

    def end(self, event: str, message: str) -> None:
        self.ending = (event, message)
        self.wake.set()


class Watcher:
    """Polls the file for changes, renders once per change, feeds every stream."""

    def __init__(self, db: Database, *, poll: float = POLL_SECONDS, beat: float = BEAT_SECONDS):
        self.db = db
        self.poll = poll
        self.beat = beat
        self.streams: dict[int, set[Stream]] = {}
        self._poke = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.passes = 0  # render passes so far (for tests and curiosity)

    # -- streams -------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return sum(len(s) for s in self.streams.values())

    def add(self, participant_id: int) -> Stream:
        stream = Stream(participant_id)
        self.streams.setdefault(participant_id, set()).add(stream)
        self.poke()
        return stream

    async def remove(self, stream: Stream) -> None:
        """Forget a closed stream; the participant's last one marks them gone."""
        mine = self.streams.get(stream.participant_id)
        if mine is None:
            return
        mine.discard(stream)
        if not mine:
            del self.streams[stream.participant_id]
            with contextlib.suppress(WorkshopError):
                await self.db.call(lambda db: db.gone([stream.participant_id]))

    def poke(self) -> None:
        """Look at the file now rather than at the next tick (after a write of ours)."""
        self._poke.set()

    def end_all(self, event: str, message: str) -> None:
        for streams in self.streams.values():
            for stream in streams:
                stream.end(event, message)

    # -- running -------------------------------------------------------------------------

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._watch()), asyncio.create_task(self._beat())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _watch(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poke.wait(), self.poll)
            self._poke.clear()
            try:
                await self.tick()
            except WorkshopError as error:  # the file busy for long: try again next tick
                log.warning("The room could not be read: %s", error)

    async def tick(self) -> None:
        """One look at the file: render and feed if it changed or streams are new."""
        everyone = list(self.streams)
        new = [pid for pid, streams in self.streams.items() if any(s.first for s in streams)]
        frame = await self.db.call(lambda db: db.sections.frame(db.seat, everyone, only_new=new))
        if frame is None:
            return
        self.passes += 1
        for pid in frame.removed:
            for stream in self.streams.get(pid, ()):
                stream.end("removed", REMOVED_MESSAGE)
        for pid in frame.freed:
            for stream in self.streams.get(pid, ()):
                stream.end("freed", FREED_MESSAGE)
        for pid, streams in self.streams.items():
            if pid in frame.personal and pid not in frame.freed:
                for stream in streams:
                    stream.offer(frame)

    async def _beat(self) -> None:
        """Say, every `beat` seconds, who is connected (one call for all)."""
        while True:
            await asyncio.sleep(self.beat)
            await self.beat_once()

    async def beat_once(self) -> None:
        ids = list(self.streams)
        if not ids:
            return
        try:
            await self.db.call(lambda db: db.seen(ids))
        except WorkshopError as error:
            log.warning("Presence not recorded: %s", error)

    async def seen_now(self, participant_id: int) -> None:
        """A participant's stream just opened: the facilitator sees them at once."""
        with contextlib.suppress(WorkshopError):
            await self.db.call(lambda db: db.seen([participant_id]))
