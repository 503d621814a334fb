"""The participant page as HTML: Jinja2 templates (autoescaped: typed text is shown as typed)
and `Sections`, which renders the page's live sections once per change of the workshop file.

The page is made of sections, each a container with a fixed id whose inner HTML the server
renders and the live channel replaces: `header` (title, phase, timer, how many are done),
`phases` (the phase list, earlier ones to look back at), `me` (who you are, your group, done),
`board` (the phase's question and public content) and `work` (what you can do in the phase:
forms, your group's records, your dots). The first three and `board` are the same for
everybody; `me` and `work` are rendered once per distinct (name, group, done) and (group,
dots) among those connected.

Sections pushed over the live channel carry an empty CSRF field (the script sends the token
from the page's meta tag); a page served whole carries the token in every form.

No aiohttp here; `Sections` runs on the server's database thread only.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from web_room import views

if TYPE_CHECKING:
    from workshop import Workshop
    from workshop.model import Ballot, Participant

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
SHARED = ("header", "phases", "board")
PERSONAL = ("me", "work")
SECTIONS = SHARED + PERSONAL


def _pair(item: Any, value: str | None = None, text: str | None = None) -> tuple[Any, Any]:
    """An (option value, shown text) pair: of a plain value, or of two keys of a dict."""
    if value is None:
        return item, item
    return item[value], item[text or value]


def environment() -> Environment:
    """The templates' environment: autoescape on for every template, undefined names refused."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pair"] = _pair
    return env


ENV = environment()


def static_version() -> str:
    """A short digest of the static files: their addresses change when they do."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


STATIC_VERSION = static_version()


def page(template: str, **context: Any) -> str:
    """A whole page (base layout) from templates/`template`."""
    context.setdefault("static_version", STATIC_VERSION)
    context.setdefault("csrf", "")
    return ENV.get_template(template).render(context)


def section(name: str, data: Any, *, csrf: str = "") -> str:
    """The inner HTML of one section, from templates/sections/`name`.html."""
    return ENV.get_template(f"sections/{name}.html").render({name: data, "csrf": csrf})


@dataclass
class Frame:
    """One render pass: every connected participant's sections and what else the watcher
    needs to know (who was removed, whose name was freed, when to render again for a running
    timer)."""

    token: Any
    version: int
    phase: str
    now: float
    shared: dict[str, str]
    personal: dict[int, dict[str, str]] = field(default_factory=dict)
    removed: set[int] = field(default_factory=set)
    freed: set[int] = field(default_factory=set)
    wake_at: float | None = None

    def sections(self, participant_id: int) -> dict[str, str]:
        return {**self.shared, **self.personal.get(participant_id, {})}


class Sections:
    """The room's sections, rendered once per change of the file (`change_token`), each
    distinct personal section once per change; looked-back boards likewise."""

    def __init__(self) -> None:
        self.token: Any = None
        self.version = 0
        self._framed = 0  # the version the last frame was made of
        self.shot: views.Snapshot | None = None
        self.shared: dict[str, str] = {}
        self._me: dict[tuple[Any, ...], str] = {}
        self._work: dict[tuple[Any, ...], str] = {}
        self._boards: dict[str, dict[str, Any]] = {}
        self._rendered_at = 0.0

    def refresh(self, ws: Workshop, *, force: bool = False) -> bool:
        """Read the room again if the file changed (or `force`); True when it did."""
        token = ws.change_token()
        if token == self.token and not force and self.shot is not None:
            return False
        shot = views.snapshot(ws)
        self.token, self.shot = token, shot
        self.version += 1
        self._me.clear()
        self._work.clear()
        self._boards.clear()
        self._rendered_at = time.time()
        self.shared = {
            "header": section("header", views.header_view(shot)),
            "phases": section("phases", views.phases_view(shot.phase)),
            "board": section("board", shot.board),
        }
        return True

    def wake_at(self) -> float | None:
        """When a running timer ends (the header and the lock change then), else None."""
        timer = self.shot.timer if self.shot else None
        if timer is None or timer["ended"]:
            return None
        return float(timer["ends_at"])

    def _ballot(self, ws: Workshop, me: Participant) -> Ballot | None:
        shot = self.shot
        if shot is None or shot.phase != "vote" or shot.round is None:
            return None
        return ws.ballot(shot.round.id, me.id)

    def personal(self, ws: Workshop, me: Participant) -> dict[str, str]:
        """The `me` and `work` sections of one participant (from the cache when another
        participant has the same view)."""
        assert self.shot is not None
        ready = ws.is_ready(me.id)
        ballot = self._ballot(ws, me)
        me_key, work_key = views.me_key(me, ready), views.work_key(me, ballot)
        if me_key not in self._me:
            self._me[me_key] = section("me", views.me_view(self.shot, me, ready))
        if work_key not in self._work:
            self._work[work_key] = section("work", views.work_view(self.shot, me, ballot))
        return {"me": self._me[me_key], "work": self._work[work_key]}

    def frame(
        self, ws: Workshop, participant_ids: list[int], *, only_new: list[int] | None = None
    ) -> Frame | None:
        """Render for `participant_ids` when the file changed or a timer ended; else only for
        `only_new` (streams just opened), or None when there is nothing to send."""
        due = self.wake_at()
        self.refresh(ws, force=due is not None and time.time() >= due)
        # A page served meanwhile may have read the change already: it is still to be sent.
        changed = self.version != self._framed
        self._framed = self.version
        targets = participant_ids if changed else (only_new or [])
        if not targets and not changed:
            return None
        assert self.shot is not None
        frame = Frame(self.token, self.version, self.shot.phase, time.time(), dict(self.shared))
        frame.wake_at = self.wake_at()
        people = {p.id: p for p in ws.participants()}  # the removed left out
        for pid in targets:
            me = people.get(pid)
            if me is None:
                frame.removed.add(pid)
                continue
            if not ws.is_name_held(pid):  # no key holds the name: a browser's was freed
                frame.freed.add(pid)
            frame.personal[pid] = self.personal(ws, me)
        return frame

    def page_sections(self, ws: Workshop, me: Participant) -> dict[str, Any]:
        """The data of a whole room page for one participant (rendered with their token)."""
        self.refresh(ws)
        assert self.shot is not None
        shot = self.shot
        ready = ws.is_ready(me.id)
        return {
            "header": views.header_view(shot),
            "phases": views.phases_view(shot.phase),
            "me": views.me_view(shot, me, ready),
            "board": shot.board,
            "work": views.work_view(shot, me, self._ballot(ws, me)),
        }

    def lookback(self, ws: Workshop, phase: str) -> dict[str, Any] | None:
        """The public content of an earlier phase, or None when `phase` is not one."""
        self.refresh(ws)
        assert self.shot is not None
        if not views.may_look_back(self.shot.phase, phase):
            return None
        if phase not in self._boards:
            self._boards[phase] = views.board(ws, phase, groups=self.shot.groups)
        return self._boards[phase]
