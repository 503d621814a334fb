"""The participant web room (`web_room`), over its real protocol: the aiohttp application runs
in-process on loopback against a real workshop file, browsers are aiohttp client sessions with
their own cookies, and the facilitator is another `Workshop` connection on the same file.

Every wait is bounded (a generous deadline, never a sleep that assumes speed)."""

from __future__ import annotations

import asyncio
import html
import json
import logging
import os
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from web_room import server as web_server
from web_room.server import (
    CROSS_SITE,
    HAS_KEY_COOKIE,
    KEY_COOKIE,
    MAX_BODY,
    MAX_FIELD,
    NO_KEY,
    WRONG_CODE,
    Room,
)
from web_room.watcher import FREED_MESSAGE, REMOVED_MESSAGE
from workshop import VoteRejected, Workshop, WorkshopError
from workshop.demo import demo_plan
from workshop.room import FREE_ATTEMPTS, TooManyAttempts

TITLE = "Secret <b>merger</b> {{ 7*7 }}"
WAIT = 15.0  # seconds: the most any live change may take to arrive (it takes ~0.1 s)
JSON = {"Accept": "application/json"}
SECTIONS = {"header", "phases", "me", "board", "work"}
CSRF_META = re.compile(r'<meta name="csrf-token" content="([0-9a-f]*)">')


# -- a browser and its event stream ---------------------------------------------------------


class Events:
    """An open `GET /events` stream, read event by event with a bounded wait."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self.seen: list[tuple[str, Any]] = []

    async def next(self, timeout: float = WAIT) -> tuple[str, Any]:
        """The next event (comments and `retry` skipped): (name, data as JSON)."""
        while True:
            raw = await asyncio.wait_for(self.response.content.readuntil(b"\n\n"), timeout)
            if not raw.endswith(b"\n\n"):
                raise EOFError("the stream ended")
            name, data = "message", []
            for line in raw.decode().splitlines():
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
            if data:
                event = (name, json.loads("\n".join(data)))
                self.seen.append(event)
                return event

    async def until(self, wanted: Callable[[str, Any], bool], timeout: float = WAIT):
        """The first event for which `wanted(name, data)` holds, within `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while True:
                name, data = await self.next(timeout)
                if wanted(name, data):
                    return name, data

    def close(self) -> None:
        self.response.close()


class Browser:
    """One browser: its own cookie jar (the key cookie), its CSRF token."""

    def __init__(self, server: TestServer) -> None:
        self.server = server
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def get(self, path: str = "/", **options: Any) -> tuple[int, str]:
        async with self.session.get(self.url(path), **options) as response:
            text = await response.text()
            found = CSRF_META.search(text)
            if found:
                self.csrf = found.group(1)
            return response.status, text

    async def post(
        self, path: str, data: dict[str, Any], *, token: bool = True, json_answer: bool = True,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:  # fmt: skip
        body = {**data, **({"csrf": self.csrf} if token else {})}
        async with self.session.post(
            self.url(path), data=body, allow_redirects=False,
            headers={**(JSON if json_answer else {}), **(headers or {})},
        ) as response:  # fmt: skip
            if json_answer and response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, (await response.text(), response.headers.get("Location"))

    async def join(self, code: str, name: str) -> tuple[int, Any]:
        await self.get("/")
        answer = await self.post("/join", {"code": code, "name": name})
        if answer[0] == 200:
            await self.get("/")
        return answer

    async def events(self) -> Events:
        response = await self.session.get(self.url("/events"))
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/event-stream")
        return Events(response)

    async def close(self) -> None:
        await self.session.close()


@pytest.fixture
def room_file(tmp_path: Path) -> Path:
    """The demo organisation, under a title that must never reach an unjoined browser."""
    path = tmp_path / "room.db"
    Workshop.create(path, title=TITLE, plan=demo_plan()).close()
    return path


@pytest.fixture
def facilitator(room_file: Path):
    ws = Workshop.open(room_file)
    yield ws
    ws.close()


@pytest.fixture
def code(facilitator: Workshop) -> str:
    return facilitator.join_code()


@pytest.fixture
async def room(room_file: Path) -> AsyncIterator[Room]:
    served = Room(room_file)
    server = TestServer(served.app)
    await server.start_server()
    served.test_server = server  # type: ignore[attr-defined]
    yield served
    await server.close()


@pytest.fixture
async def browsers(room: Room) -> AsyncIterator[Callable[[], Browser]]:
    """Make browsers of the served room; all closed at the end."""
    made: list[Browser] = []

    def make() -> Browser:
        made.append(Browser(room.test_server))  # type: ignore[attr-defined]
        return made[-1]

    yield make
    for browser in made:
        await browser.close()


@pytest.fixture
async def bea(browsers, code: str) -> Browser:
    """A browser joined as Bea."""
    browser = browsers()
    assert (await browser.join(code, "Bea"))[0] == 200
    return browser


def cookies_of(browser: Browser) -> dict[str, str]:
    """The cookies the browser holds for the server (name → value)."""
    return {
        n: m.value
        for n, m in browser.session.cookie_jar.filter_cookies(browser.server.make_url("/")).items()
    }


class FormReader(HTMLParser):
    """The fields of the first form of a page that posts to `action`, as a browser would send
    them: inputs (checked boxes only), textareas, each select's selected (else first) option."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = self.done = False
        self.fields: dict[str, str] = {}
        self._area: str | None = None
        self._select: str | None = None
        self._first = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.done and a.get("action") == self.action:
            self.inside = True
        elif not self.inside:
            return
        elif tag == "input" and "name" in a:
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._area = a["name"]
            self.fields[self._area] = ""
        elif tag == "select":
            self._select, self._first = a["name"], True
        elif tag == "option" and self._select is not None:
            if self._first or "selected" in a:
                self.fields[self._select] = a.get("value", "")
            self._first = False

    def handle_data(self, data: str) -> None:
        if self._area is not None:
            self.fields[self._area] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._area = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_of(page: str, action: str) -> dict[str, str]:
    reader = FormReader(action)
    reader.feed(page)
    assert reader.done, f"no form posting to {action} on the page"
    return reader.fields


def participant_id(ws: Workshop, name: str) -> int:
    found = ws.lookup_id("participants", name)
    assert found is not None
    return found


def as_participant(path: Path, name: str) -> Workshop:
    """A participant's own connection, as the terminal opens it (to learn the store's words)."""
    ws = Workshop.open(path, actor=name)
    ws.act_as_participant(ws.join(name))
    return ws


# -- nothing before the code ------------------------------------------------------------------


async def test_the_join_page_names_nothing_of_the_workshop(browsers, facilitator) -> None:
    browser = browsers()
    async with browser.session.get(browser.url("/")) as response:
        page = await response.text()
        headers = response.headers
        cookie = response.headers["Set-Cookie"]
    assert response.status == 200
    assert "<title>Join a workshop</title>" in page
    secrets = ["merger", "Secret", "7*7", *(g.name for g in facilitator.groups())]
    secrets += [p.title for p in facilitator.proposals()] + [facilitator.join_code()]
    assert [word for word in secrets if word in page] == []
    assert KEY_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Path=/" in cookie and "Max-Age=2592000" in cookie
    token = CSRF_META.search(page)
    assert token and f'name="csrf" value="{token.group(1)}"' in page
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    # nothing loaded from elsewhere: every address on the page is this server's
    addresses = [a for a in re.findall(r'(?:src|href|action)="([^"]*)"', page) if a != "data:,"]
    assert addresses and all(a.startswith("/") and not a.startswith("//") for a in addresses)


async def test_nothing_of_the_room_before_joining(browsers) -> None:
    browser = browsers()
    await browser.get("/")
    async with browser.session.get(browser.url("/events")) as response:
        assert response.status == 403
    status, (text, location) = await browser.post(
        "/vote", {"round_id": 1, "proposal_id": 1, "change": "add"}, json_answer=False
    )
    assert status == 303 and location == "/"
    status, answer = await browser.post("/proposal", {"title": "Sneaky"})
    assert status == 403 and answer == {"ok": False, "message": "Join the workshop first."}
    status, page = await browser.get("/edit?table=proposals&id=1")
    assert "<title>Join a workshop</title>" in page and "Survey checklist" not in page


async def test_a_wrong_code_is_refused_and_logged_with_its_source(browsers, facilitator) -> None:
    browser = browsers()
    await browser.get("/")
    status, answer = await browser.post("/join", {"code": "WRONG1", "name": "Bea"})
    assert status == 403 and answer == {"ok": False, "message": WRONG_CODE}
    status, (page, _) = await browser.post(
        "/join", {"code": "WRONG2", "name": "Bea"}, json_answer=False
    )
    assert status == 403 and WRONG_CODE in html.unescape(page)
    assert "<title>Join a workshop</title>" in page and "merger" not in page
    tried = facilitator.attempts()
    assert [(a.kind, a.ok) for a in tried] == [("join code", False)] * 2
    assert tried[0].source.startswith("browser 127.0.0.1")
    assert facilitator.lookup_id("participants", "Bea") is None


async def test_attempt_limits_are_the_stores_shared_with_every_process(
    browsers, facilitator, code
) -> None:
    browser = browsers()
    await browser.get("/")
    for n in range(FREE_ATTEMPTS):
        status, _ = await browser.post("/join", {"code": f"WRONG{n}", "name": "Bea"})
        assert status == 403
    status, answer = await browser.post("/join", {"code": code, "name": "Bea"})
    assert status == 429 and "Too many wrong join codes lately" in answer["message"]
    # the same wait holds for another process on the file…
    with pytest.raises(TooManyAttempts):
        facilitator.check_join_code(code, source="another process")
    # …and another browser of this server
    other = browsers()
    await other.get("/")
    async with other.session.post(
        other.url("/join"), headers=JSON, data={"code": code, "name": "Cy", "csrf": other.csrf}
    ) as r:
        assert r.status == 429 and int(r.headers["Retry-After"]) >= 1  # fmt: skip


# -- CSRF and the same-origin check ---------------------------------------------------------------


async def test_writes_need_the_token_of_this_browser(browsers, code, facilitator) -> None:
    browser = browsers()
    await browser.get("/")
    status, _ = await browser.post("/join", {"code": code, "name": "Bea"}, token=False)
    assert status == 403
    status, _ = await browser.post("/join", {"code": code, "name": "Bea", "csrf": "0" * 64},
                                   token=False)  # fmt: skip
    assert status == 403
    other = browsers()
    await other.get("/")  # another browser's token does not fit this browser's key
    status, _ = await browser.post("/join", {"code": code, "name": "Bea", "csrf": other.csrf},
                                   token=False)  # fmt: skip
    assert status == 403
    assert facilitator.attempts() == []  # refused before the code was even tried
    status, _ = await browser.post("/join", {"code": code, "name": "Bea"})
    assert status == 200


async def test_writes_from_another_origin_are_refused(bea, facilitator) -> None:
    facilitator.update_info(phase="proposals")
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                    {"Sec-Fetch-Site": "cross-site"}):  # fmt: skip
        status, answer = await bea.post("/proposal", {"title": "Forged"}, headers=headers)
        assert status == 403, headers
        assert answer["ok"] is False
    assert "Forged" not in [p.title for p in facilitator.proposals()]
    own = {"Origin": f"http://{bea.server.host}:{bea.server.port}"}
    status, answer = await bea.post("/proposal", {"title": "Honest"}, headers=own)
    assert status == 200 and answer["ok"]


async def test_a_post_from_another_site_never_replaces_the_key(bea, code, facilitator) -> None:
    """Another site's form auto-submitted to /join (or a write): refused, and no cookie set,
    whether the browser sent the key (a same-site page) or withheld it (SameSite=Strict)."""
    held = cookies_of(bea)
    assert set(held) == {KEY_COOKIE, HAS_KEY_COOKIE}
    elsewhere = {"Origin": "http://evil.example"}
    keyless = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
    try:
        for session in (bea.session, keyless):
            for path, data in (
                ("/join", {"code": code, "name": "Mallory"}),
                ("/ready", {"ready": "1"}),
            ):
                for accept in (JSON, {}):
                    headers = {**elsewhere, **accept}
                    async with session.post(
                        bea.url(path), data=data, allow_redirects=False, headers=headers
                    ) as response:
                        text = await response.text()
                        assert response.status == 403, (path, accept)
                        assert "Set-Cookie" not in response.headers, (path, accept)
                        assert CROSS_SITE in html.unescape(text)
        # a POST of this site that brings no key: refused, told, and still no cookie
        async with keyless.post(bea.url("/join"), data={"code": code, "name": "Mallory"},
                                allow_redirects=False) as response:  # fmt: skip
            assert response.status == 403 and "Set-Cookie" not in response.headers
            page = html.unescape(await response.text())
            assert NO_KEY in page and 'action="/join"' not in page and 'href="/"' in page
    finally:
        await keyless.close()
    assert cookies_of(bea) == held
    _, page = await bea.get("/")
    assert "You are <strong>Bea</strong>" in page  # still joined
    assert facilitator.lookup_id("participants", "Mallory") is None
    assert not facilitator.is_ready(participant_id(facilitator, "Bea"))


async def test_a_link_from_another_site_keeps_the_key(bea) -> None:
    """Following another site's link, a browser sends the Lax cookie but not the Strict key:
    the page reloads itself (as this site) rather than handing out a new key."""
    held = cookies_of(bea)
    lax_cookie = {"Cookie": f"{HAS_KEY_COOKIE}={held[HAS_KEY_COOKIE]}"}
    only_lax = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), headers=lax_cookie)
    try:
        async with only_lax.get(bea.url("/")) as response:
            page = await response.text()
            assert response.status == 200 and "Set-Cookie" not in response.headers
        found = re.search(r'<meta http-equiv="refresh" content="0; url=(/\?again=(\w+))">', page)
        assert found, page
        again, token = found.groups()
        assert "Join a workshop" not in page and "merger" not in page
        async with only_lax.get(bea.url("/?again=" + "0" * len(token))) as response:
            assert "Set-Cookie" not in response.headers  # a token of no one's: reload again
            assert 'http-equiv="refresh"' in await response.text()
        # The reload, a navigation of this site, brings the key: the room, at its plain address.
        async with bea.session.get(bea.url(again), allow_redirects=False) as response:
            assert response.status == 303 and response.headers["Location"] == "/"
            assert "Set-Cookie" not in response.headers
        _, page = await bea.get("/")
        assert "You are <strong>Bea</strong>" in page and cookies_of(bea) == held
        # A browser that really lost its key (the Lax cookie left) gets a fresh one there.
        async with only_lax.get(bea.url(again)) as response:
            page = await response.text()
            fresh = response.cookies
        assert "<title>Join a workshop</title>" in page and 'action="/join"' in page
        assert fresh[KEY_COOKIE].value != held[KEY_COOKIE]
        assert fresh[HAS_KEY_COOKIE].value != held[HAS_KEY_COOKIE]
        assert (
            fresh[HAS_KEY_COOKIE]["samesite"] == "Lax" and fresh[KEY_COOKIE]["samesite"] == "Strict"
        )
    finally:
        await only_lax.close()


async def test_the_token_may_also_come_in_a_header(bea, facilitator) -> None:
    status, _ = await bea.post("/ready", {"ready": "1", "csrf": ""}, token=False,
                               headers={"X-CSRF-Token": bea.csrf})  # fmt: skip
    assert status == 200
    assert facilitator.is_ready(participant_id(facilitator, "Bea"))


# -- joining and the room's records --------------------------------------------------------------


async def test_join_then_choose_a_group(browsers, code, facilitator) -> None:
    browser = browsers()
    status, answer = await browser.join(code, "Bea")
    assert status == 200 and answer == {"ok": True, "message": "Welcome, Bea."}
    status, page = await browser.get("/")
    assert "<title>Join a workshop</title>" not in page
    assert "You are <strong>Bea</strong>, in no group yet" in page
    assert html.escape(TITLE) in page  # the title, once joined, shown as typed
    sales = facilitator.lookup_id("groups", "Sales")
    status, answer = await browser.post("/group", {"group_id": sales})
    assert status == 200 and answer == {"ok": True, "message": "You are in Sales now."}
    assert facilitator.participant(participant_id(facilitator, "Bea")).group == "Sales"
    _, page = await browser.get("/")
    assert "You are <strong>Bea</strong>, of <strong>Sales</strong>" in page


async def test_a_joined_browser_keeps_its_name(bea, code, facilitator) -> None:
    status, answer = await bea.post("/join", {"code": code, "name": "Someone else"})
    assert status == 200 and answer["message"] == "Welcome, Bea."
    assert facilitator.lookup_id("participants", "Someone else") is None


async def test_a_name_someone_else_holds_is_refused(browsers, code) -> None:
    first, second = browsers(), browsers()
    assert (await first.join(code, "Bea"))[0] == 200
    status, answer = await second.join(code, "bea")
    assert status == 409 and "Someone has already joined as “Bea”" in answer["message"]
    assert (await second.join(code, "Cy"))[0] == 200


async def test_a_proposal_in_the_proposals_phase_and_not_in_another(
    bea, facilitator, room_file
) -> None:
    facilitator.update_info(phase="proposals")
    it = facilitator.lookup_id("groups", "IT")
    await bea.post("/group", {"group_id": it})
    status, answer = await bea.post("/proposal", {
        "title": "Text customers when the van leaves", "description": "A <b>bold</b> idea",
        "touchpoint_id": "", "impact": "high", "effort": "low"})  # fmt: skip
    assert status == 200 and answer["ok"], answer
    added = next(p for p in facilitator.proposals() if p.title.startswith("Text customers"))
    assert (added.owner, added.impact, added.effort) == ("IT", "high", "low")
    assert added.description == "A <b>bold</b> idea"

    facilitator.update_info(phase="groups & roles")
    status, answer = await bea.post("/proposal", {"title": "Too late"})
    with as_participant(room_file, "Zed") as zed, pytest.raises(WorkshopError) as refused:
        zed.add_proposal("Too late")
    assert status == 409 and answer == {"ok": False, "message": str(refused.value)}
    assert "proposals are changed in the proposals phase" in answer["message"]
    assert "Too late" not in [p.title for p in facilitator.proposals()]


async def test_without_script_a_write_returns_to_the_page_with_its_message(
    bea, facilitator
) -> None:
    facilitator.update_info(phase="proposals")
    status, (_, location) = await bea.post("/proposal", {"title": "Plain form post"},
                                           json_answer=False)  # fmt: skip
    assert status == 303 and location == "/"
    _, page = await bea.get("/")
    assert "Added the proposal “Plain form post”." in html.unescape(page)
    _, page = await bea.get("/")  # said once
    assert "Added the proposal" not in html.unescape(page)


async def test_without_script_a_refused_new_record_comes_back_as_typed(bea, facilitator) -> None:
    facilitator.update_info(phase="groups & roles")  # the room moved on: proposals are refused
    typed = {"title": "Text <customers> when the van leaves",
             "description": "Line one\nline two, & more", "touchpoint_id": "", "impact": "high",
             "effort": "low"}  # fmt: skip
    status, (page, _) = await bea.post("/proposal", typed, json_answer=False)
    assert status == 409
    text = html.unescape(page)
    assert "Not saved: " in text and "proposals are changed in the proposals phase" in text
    assert form_of(page, "/proposal") == {**typed, "csrf": bea.csrf}
    assert 'name="id"' not in page and 'action="/delete"' not in page
    _, room = await bea.get("/")
    assert "proposals are changed" not in html.unescape(room)  # said there, not again here
    # Sent again (as the browser would send that form) once the room is back: added as typed.
    facilitator.update_info(phase="proposals")
    status, (_, location) = await bea.post("/proposal", form_of(page, "/proposal"), token=False,
                                           json_answer=False)  # fmt: skip
    assert status == 303 and location == "/"
    added = next(p for p in facilitator.proposals() if p.title == typed["title"])
    assert (added.description, added.impact, added.effort) == (typed["description"], "high", "low")


async def test_without_script_a_refused_edit_comes_back_as_typed(bea, facilitator) -> None:
    facilitator.update_info(phase="proposals")
    await bea.post("/proposal", {"title": "Bea's idea"})
    mine = facilitator.lookup_id("proposals", "Bea's idea")
    typed = {"id": str(mine), "title": "t" * 81, "description": "A long, careful description",
             "touchpoint_id": str(facilitator.touchpoints()[1].id), "impact": "low",
             "effort": "high"}  # fmt: skip
    status, (page, _) = await bea.post("/proposal", typed, json_answer=False)
    assert status == 409
    assert "The proposal's title is 81 characters long; the limit is 80." in html.unescape(page)
    assert "<h1>Edit the proposal</h1>" in page and 'action="/delete"' in page
    assert form_of(page, "/proposal") == {**typed, "csrf": bea.csrf}
    assert facilitator.proposal(mine).title == "Bea's idea"


async def test_without_script_other_refused_forms_keep_what_was_typed(bea, facilitator) -> None:
    facilitator.update_info(phase="groups & roles")
    typed = {"role": "We <advise> households", "good_day": "Quotes out the same day"}
    status, (page, _) = await bea.post("/group-role", typed, json_answer=False)
    assert status == 400 and "Choose your group first" in html.unescape(page)  # in none yet
    assert form_of(page, "/group-role") == {**typed, "csrf": bea.csrf}

    await bea.post("/group", {"group_id": facilitator.lookup_id("groups", "Sales")})
    facilitator.update_info(phase="touchpoint onion")
    # A field no page sends (a touchpoint that is no number): the form cannot come back, but
    # what was typed is shown, to copy.
    status, (page, _) = await bea.post(
        "/contribution", {"touchpoint_id": "one", "what": "Accurate <surveys>"}, json_answer=False
    )
    assert status == 400 and "record's number" in html.unescape(page)
    assert "readonly>Accurate &lt;surveys&gt;</textarea>" in page and "to copy" in page
    assert 'action="/contribution"' not in page

    facilitator.update_info(phase="customers & hand-offs")
    typed = {"to": "Facilities", "provides": "Signed orders", "needs": "Clear dates",
             "expectation": "", "self_rating": "9", "customer_rating": ""}  # fmt: skip
    status, (page, _) = await bea.post("/handoff", typed, json_answer=False)
    assert status == 409 and "1 to 5" in html.unescape(page)
    kept = form_of(page, "/handoff")
    assert {k: kept[k] for k in ("to", "provides", "needs", "expectation")} == {
        k: typed[k] for k in ("to", "provides", "needs", "expectation")}  # fmt: skip
    assert "<strong>Sales</strong> hands to:" in page and 'name="id"' not in page

    facilitator.update_info(phase="touchpoint onion")
    facilitator.start_timer(60, lock=True, now=time.time() - 120)  # time is up: all refused
    point = next(t for t in facilitator.touchpoints() if t.owner != "Sales")
    typed = {"touchpoint_id": str(point.id), "supports_group_id": "", "what": "Accurate surveys",
             "effect": "weakens", "fail_point": "1"}  # fmt: skip
    status, (page, _) = await bea.post("/contribution", typed, json_answer=False)
    assert status == 409 and "Time is up" in html.unescape(page)
    assert form_of(page, "/contribution") == {**typed, "csrf": bea.csrf}
    assert f"<strong>Sales</strong>'s layer at <strong>{html.escape(point.name)}</strong>" in page

    facilitator.update_info(phase="customer comments")
    facilitator.start_timer(60, lock=True, now=time.time() - 120)
    typed = {"text": "Lovely <3", "touchpoint_id": str(point.id), "sentiment": "negative",
             "date": "2026-11-02"}  # fmt: skip
    status, (page, _) = await bea.post("/comment", typed, json_answer=False)
    assert status == 409 and "Time is up" in html.unescape(page)
    assert form_of(page, "/comment") == {**typed, "csrf": bea.csrf}


async def test_own_records_of_each_phase(bea, facilitator, room_file) -> None:
    sales = facilitator.lookup_id("groups", "Sales")
    await bea.post("/group", {"group_id": sales})

    facilitator.update_info(phase="groups & roles")
    status, answer = await bea.post(
        "/group-role", {"role": "We <advise> households.", "good_day": "Quotes out same day"}
    )
    assert status == 200, answer
    assert facilitator.group(sales).role == "We <advise> households."

    facilitator.update_info(phase="customers & hand-offs")
    served = {h.receiver for h in facilitator.handoffs_from(sales)} | {"Sales"}
    to = next(g.name for g in facilitator.groups() if g.name not in served)
    status, answer = await bea.post(
        "/handoff",
        {"to": to, "provides": "Signed orders", "self_rating": "4", "customer_rating": ""},
    )
    assert status == 200, answer
    made = next(h for h in facilitator.handoffs_from(sales) if h.receiver == to)
    assert (made.provides, made.self_rating, made.customer_rating) == ("Signed orders", 4, None)
    status, answer = await bea.post(
        "/handoff",
        {"id": made.id, "customer_rating": "2", "self_rating": "5", "provides": "Orders"},
    )
    assert status == 200, answer
    assert facilitator.handoff(made.id)[-2:] == (5, 2)
    status, page = await bea.get(f"/edit?table=handoffs&id={made.id}")
    assert status == 200 and "Edit the hand-off" in page and 'value="Orders"' in page
    status, answer = await bea.post("/handoff", {"to": "Facilities", "self_rating": "9"})
    assert status == 409 and "1 to 5" in answer["message"]

    facilitator.update_info(phase="touchpoint onion")
    onions = facilitator.onions()
    point = next(t for t in facilitator.touchpoints() if t.owner != "Sales"
                 and "Sales" not in [c.group for c in onions.get(t.id, [])])  # fmt: skip
    status, answer = await bea.post("/contribution", {
        "touchpoint_id": point.id, "supports_group_id": "", "what": "Accurate surveys",
        "effect": "weakens", "fail_point": "1"})  # fmt: skip
    assert status == 200, answer
    layer = next(c for c in facilitator.onion(point.id) if c.group == "Sales")
    assert (layer.what, layer.effect, layer.fail_point, layer.layer) == (
        "Accurate surveys", "weakens", True, 1)  # fmt: skip
    status, page = await bea.get(f"/edit?table=contributions&id={layer.id}")
    assert (
        status == 200
        and "Accurate surveys</textarea>" in page
        and 'value="weakens" checked' in page
    )

    facilitator.update_info(phase="customer comments")
    status, answer = await bea.post(
        "/comment",
        {"text": "Lovely <3", "sentiment": "positive", "touchpoint_id": point.id, "date": ""},
    )
    assert status == 200, answer
    said = next(c for c in facilitator.comments() if c.text == "Lovely <3")
    assert (said.sentiment, said.touchpoint) == ("positive", point.name)
    status, page = await bea.get(f"/edit?table=comments&id={said.id}")
    assert status == 200 and "Lovely &lt;3</textarea>" in page
    status, answer = await bea.post(
        "/comment", {"id": said.id, "text": "Lovely, really", "sentiment": "positive"}
    )
    assert status == 200, answer
    status, answer = await bea.post("/delete", {"table": "comments", "id": said.id})
    assert status == 200 and answer["message"] == "Deleted the comment."
    assert said.id not in [c.id for c in facilitator.comments()]

    status, answer = await bea.post("/delete", {"table": "participants", "id": 1})
    assert status == 400 and "must be handoffs" in answer["message"]
    status, answer = await bea.post("/comment", {"text": "x", "touchpoint_id": "one"})
    assert status == 400 and "record's number" in answer["message"]


async def test_editing_is_the_stores_decision(browsers, bea, code, facilitator) -> None:
    facilitator.update_info(phase="proposals")
    await bea.post("/group", {"group_id": facilitator.lookup_id("groups", "IT")})
    await bea.post("/proposal", {"title": "Bea's idea"})
    mine = facilitator.lookup_id("proposals", "Bea's idea")
    status, page = await bea.get(f"/edit?table=proposals&id={mine}")
    assert status == 200 and 'value="Bea&#39;s idea"' in page and 'action="/delete"' in page
    status, answer = await bea.post(
        "/proposal", {"id": mine, "title": "Bea's better idea", "impact": "low", "effort": "low"}
    )
    assert status == 200 and facilitator.proposal(mine).title == "Bea's better idea"

    cy = browsers()
    await cy.join(code, "Cy")
    await cy.post("/group", {"group_id": facilitator.lookup_id("groups", "HR")})
    async with cy.session.get(cy.url(f"/edit?table=proposals&id={mine}"),
                              allow_redirects=False) as response:  # fmt: skip
        assert response.status == 303 and response.headers["Location"] == "/"
    _, page = await cy.get("/")
    assert "You can change only your group&#39;s and what you added" in page
    status, answer = await cy.post("/proposal", {"id": mine, "title": "Hijacked"})
    assert status == 409 and "You can change only" in answer["message"]
    status, answer = await cy.post("/delete", {"table": "proposals", "id": mine})
    assert status == 409 and "Only the facilitator can delete" in answer["message"]
    assert facilitator.proposal(mine).title == "Bea's better idea"
    status, answer = await bea.post("/delete", {"table": "proposals", "id": mine})
    assert status == 200 and mine not in [p.id for p in facilitator.proposals()]


# -- the vote --------------------------------------------------------------------------------------


async def test_vote_until_the_budget_is_spent_then_take_back_and_say_done(
    bea, facilitator, room_file
) -> None:
    round_id = facilitator.open_vote("Which first?", votes_per_person=3, max_per_item=2)
    facilitator.update_info(phase="vote")
    first, second = facilitator.vote_round(round_id).proposal_ids[:2]
    me = participant_id(facilitator, "Bea")
    for proposal, left in ((first, 2), (first, 1), (second, 0)):
        status, answer = await bea.post("/vote", {"round_id": round_id, "proposal_id": proposal,
                                                  "change": "add"})  # fmt: skip
        assert status == 200 and answer["ok"], answer
        assert f"{left} dot" in answer["message"]
    status, answer = await bea.post("/vote", {"round_id": round_id, "proposal_id": second,
                                              "change": "add"})  # fmt: skip
    with as_participant(room_file, "Zed") as zed:
        for pid in (first, first, second):
            zed.cast_vote(round_id, zed.participant_id, pid)
        with pytest.raises(VoteRejected) as refused:
            zed.cast_vote(round_id, zed.participant_id, second)
    assert status == 409 and answer == {"ok": False, "message": str(refused.value)}
    assert answer["message"] == "No dots left: you have placed all 3."
    assert facilitator.ballot(round_id, me).dots == {first: 2, second: 1}

    _, page = await bea.get("/")
    assert "0 of 3 dots left" in page
    status, answer = await bea.post("/vote", {"round_id": round_id, "proposal_id": first,
                                              "change": "remove"})  # fmt: skip
    assert status == 200 and "1 dot left of 3" in answer["message"]
    assert facilitator.ballot(round_id, me).dots == {first: 1, second: 1}
    status, answer = await bea.post("/vote", {"round_id": round_id, "proposal_id": first,
                                              "change": "sideways"})  # fmt: skip
    assert status == 400

    status, answer = await bea.post("/ready", {"ready": "1"})
    assert status == 200 and facilitator.is_ready(me)
    _, page = await bea.get("/")
    assert "You said you are done with vote" in page
    status, answer = await bea.post("/ready", {"ready": "0"})
    assert status == 200 and not facilitator.is_ready(me)


async def test_hidden_tallies_and_other_peoples_dots_never_reach_a_page(
    browsers, code, facilitator
) -> None:
    round_id = facilitator.open_vote("Which first?", votes_per_person=3)
    facilitator.update_info(phase="vote")
    ann, bob = browsers(), browsers()
    await ann.join(code, "Ann")
    await bob.join(code, "Bob")
    target = facilitator.vote_round(round_id).proposal_ids[0]
    title = facilitator.proposal(target).title
    stream = await ann.events()
    _, first = await stream.next()
    for _ in range(3):
        await bob.post("/vote", {"round_id": round_id, "proposal_id": target, "change": "add"})
    await stream.until(lambda n, d: "1 person has voted" in d["sections"].get("board", ""))

    def tallies(text: str) -> list[str]:
        return re.findall(r"\d+ dots? from|class=\"results\"|3 of your dots", text)

    _, ann_page = await ann.get("/")
    _, bob_page = await bob.get("/")
    seen = [ann_page, json.dumps([d for _, d in stream.seen])]
    assert [tallies(text) for text in seen] == [[], []]
    assert "3 of your dots" in bob_page and "0 of 3 dots left" in bob_page  # his own, to him
    assert "0 of your dots" in ann_page and "3 of 3 dots left" in ann_page
    assert title in ann_page

    facilitator.reveal_vote(round_id)  # now they are public, and every page shows them
    _, data = await stream.until(lambda n, d: "board" in d["sections"])
    assert tallies(data["sections"]["board"]) and "3 dots from 1 person" in data["sections"][
        "board"]  # fmt: skip
    stream.close()


# -- the live channel ------------------------------------------------------------------------------


async def test_the_first_event_holds_every_section_then_only_what_changed(bea, facilitator) -> None:
    facilitator.update_info(phase="proposals")
    stream = await bea.events()
    name, first = await stream.next()
    assert name == "view" and set(first["sections"]) == SECTIONS
    assert first["phase"] == "proposals" and isinstance(first["version"], int)
    assert "Survey checklist gate" in first["sections"]["board"]

    facilitator.update_info(phase="groups & roles")  # another process moves the room
    name, moved = await stream.until(lambda n, d: d["phase"] == "groups & roles")
    assert {"header", "phases", "board", "work"} <= set(moved["sections"]) <= SECTIONS
    assert "Phase 2 of 9" in moved["sections"]["header"]

    facilitator.add_group("Night <shift>")  # a new group: the board and the group chooser
    name, added = await stream.until(lambda n, d: "Night" in json.dumps(d))
    assert set(added["sections"]) == {"board", "me"}
    assert "Night &lt;shift&gt;" in added["sections"]["board"]
    assert added["version"] > moved["version"] > first["version"]
    stream.close()


async def test_a_change_reaches_every_open_page_once_rendered(
    browsers, code, facilitator, room: Room
) -> None:
    pages = [browsers() for _ in range(5)]
    for n, page in enumerate(pages):
        assert (await page.join(code, f"P{n}"))[0] == 200
    streams = [await page.events() for page in pages]
    for stream in streams:
        await stream.next()
    before = room.watcher.passes
    facilitator.update_info(phase="summary")
    for stream in streams:
        await stream.until(lambda n, d: d["phase"] == "summary")
        stream.close()
    assert room.watcher.passes - before <= 3  # one pass for all pages (a beat or two aside)


async def test_a_page_served_meanwhile_does_not_swallow_a_change(
    browsers, code, facilitator, room: Room
) -> None:
    facilitator.update_info(phase="groups & roles")
    ann, bob = browsers(), browsers()
    await ann.join(code, "Ann")
    await bob.join(code, "Bob")
    stream = await ann.events()
    await stream.next()
    await room.watcher.stop()  # it looks again only when told to, below
    facilitator.add_group("Late shift")
    _, page = await bob.get("/")  # Bob's page reads the change before the watcher does
    assert "Late shift" in page
    await room.watcher.tick()
    await stream.until(lambda n, d: "Late shift" in d["sections"].get("board", ""))
    stream.close()


async def test_the_timer_is_sent_as_its_end_time(bea, facilitator) -> None:
    stream = await bea.events()
    await stream.next()
    timer = facilitator.start_timer(90, lock=True)
    _, data = await stream.until(lambda n, d: "data-ends" in d["sections"].get("header", ""))
    assert f'data-ends="{round(timer.ends_at, 3)}"' in data["sections"]["header"]
    assert 'data-seconds="90"' in data["sections"]["header"]
    assert abs(data["now"] - timer.now) < 60
    stream.close()


async def test_a_locking_timer_that_ran_out_stops_the_forms(bea, facilitator) -> None:
    facilitator.update_info(phase="proposals")
    facilitator.start_timer(60, lock=True, now=time.time() - 120)  # it ended a minute ago
    status, answer = await bea.post("/proposal", {"title": "Just in time"})
    assert status == 409 and answer["message"].startswith("Time is up")
    _, page = await bea.get("/")
    assert "Time is up: the facilitator has locked input" in page
    status, _ = await bea.post("/ready", {"ready": "1"})  # saying one is done still works
    assert status == 200


async def test_a_removed_participant_is_told_and_shut_out(bea, facilitator) -> None:
    stream = await bea.events()
    await stream.next()
    facilitator.remove_participant(participant_id(facilitator, "Bea"))
    name, message = await stream.until(lambda n, d: n == "removed")
    assert message == REMOVED_MESSAGE
    with pytest.raises(EOFError):
        await stream.next()  # the stream ended
    status, answer = await bea.post("/ready", {"ready": "1"})
    assert status == 403 and answer["message"] == REMOVED_MESSAGE
    _, page = await bea.get("/")
    assert "<title>Join a workshop</title>" in page and REMOVED_MESSAGE in page
    async with bea.session.get(bea.url("/events")) as response:
        assert response.status == 403


async def test_a_freed_name_ends_the_page_and_its_browser_joins_again(
    bea, code, facilitator
) -> None:
    me = participant_id(facilitator, "Bea")
    stream = await bea.events()
    await stream.next()
    facilitator.free_name(me)
    name, message = await stream.until(lambda n, d: n != "view")
    assert (name, message) == ("freed", FREED_MESSAGE)
    with pytest.raises(EOFError):
        await stream.next()  # the stream ended
    async with bea.session.get(bea.url("/events")) as response:
        assert response.status == 403
    status, answer = await bea.post("/ready", {"ready": "1"})
    assert status == 403 and answer["message"] == FREED_MESSAGE
    _, page = await bea.get("/")
    assert "<title>Join a workshop</title>" in page and FREED_MESSAGE in page
    status, answer = await bea.post("/join", {"code": code, "name": "Bea"})
    assert status == 200 and answer["message"] == "Welcome, Bea."
    assert participant_id(facilitator, "Bea") == me  # the same record, group and dots


async def test_the_server_reports_an_error_in_one_line_and_no_request(
    room_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    served = Room(room_file)

    async def broken(request: Any) -> Any:
        raise RuntimeError("the disk\nis full")

    served.app.router.add_get("/broken", broken)
    server = TestServer(served.app)  # its runner has aiohttp's access log, as by default
    with web_server.brief_logs():
        logging.getLogger("aiohttp.access").setLevel(logging.DEBUG)  # even told to log all
        await server.start_server()
        try:
            async with aiohttp.ClientSession() as session:
                async with session.get(server.make_url("/")) as response:
                    assert response.status == 200
                async with session.get(server.make_url("/broken")) as response:
                    assert response.status == 500
        finally:
            await server.close()
            logging.getLogger("aiohttp.access").setLevel(logging.NOTSET)
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ("workshop serve: Error handling request from 127.0.0.1: RuntimeError: the "
                   "disk is full\n")  # fmt: skip


async def test_presence_follows_the_open_pages(bea, facilitator, room: Room) -> None:
    me = participant_id(facilitator, "Bea")
    stream = await bea.events()
    await stream.next()
    assert [(p.participant_id, p.via) for p in facilitator.present()] == [(me, "browser")]
    await room.watcher.beat_once()
    assert [p.participant_id for p in facilitator.present()] == [me]
    stream.close()
    async with asyncio.timeout(WAIT):
        while facilitator.present():
            await asyncio.sleep(0.05)


async def test_too_many_pages_are_refused_clearly(browsers, code, monkeypatch) -> None:
    monkeypatch.setattr(web_server, "MAX_STREAMS", 1)
    ann, bob = browsers(), browsers()
    await ann.join(code, "Ann")
    await bob.join(code, "Bob")
    stream = await ann.events()
    await stream.next()
    async with bob.session.get(bob.url("/events")) as response:
        assert response.status == 503 and "The room is full" in await response.text()
    stream.close()


# -- hostile input ---------------------------------------------------------------------------


HOSTILE = ["<script>alert(1)</script>", "[/]", "{{ 7*7 }}", '"><img src=x onerror=alert(1)>']


async def test_hostile_text_is_shown_as_typed_in_every_section(browsers, code, facilitator) -> None:
    browser = browsers()
    assert (await browser.join(code, HOSTILE[0]))[0] == 200
    group = facilitator.add_group(HOSTILE[3], role=HOSTILE[2])
    await browser.post("/group", {"group_id": group})
    facilitator.update_info(phase="proposals")
    assert (await browser.post("/proposal", {"title": HOSTILE[1], "description": HOSTILE[0]}))[
        0] == 200  # fmt: skip
    facilitator.add_comment(HOSTILE[2] + HOSTILE[3])
    stream = await browser.events()
    _, first = await stream.next()
    texts = [json.dumps(first)]
    for phase in ("groups & roles", "customer comments", "proposals", "vote", "summary"):
        if phase == "vote":
            facilitator.open_vote("Pick " + HOSTILE[1])
        facilitator.update_info(phase=phase)
        _, data = await stream.until(lambda n, d, p=phase: d["phase"] == p)
        texts.append("".join(data["sections"].values()))
        texts.append((await browser.get("/"))[1])
    stream.close()
    everything = "\n".join(texts)
    for raw in ("<script>alert", "<img src=x", '"><img'):
        assert raw not in everything.replace("\\u003c", "<")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in everything
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in everything
    assert "{{ 7*7 }}" in everything and "[/]" in everything
    assert re.search(r">\s*49\s*<", everything) is None  # no template ever evaluated it


async def test_oversize_bodies_and_fields_are_refused_with_a_message(bea, facilitator) -> None:
    facilitator.update_info(phase="proposals")
    status, answer = await bea.post("/proposal", {"title": "x" * (11 * 1024 * 1024)})
    assert status == 413 and f"more than {MAX_BODY // 1024} KB" in answer["message"]
    status, answer = await bea.post("/proposal", {"title": "Long", "description": "y" *
                                                  (MAX_FIELD + 1)})  # fmt: skip
    assert status == 413 and "characters long" in answer["message"]
    status, answer = await bea.post("/proposal", {"title": "Long", "description": "y" * 100_000})
    assert status == 413
    status, answer = await bea.post("/proposal", {"title": "z" * 10_001})
    assert status == 409  # the store's own limit, in its own words
    assert answer["message"] == "The proposal's title is 10,001 characters long; the limit is 80."
    assert [p for p in facilitator.proposals() if p.title.startswith(("x", "z", "Long"))] == []
    status, (page, _) = await bea.post("/join", {"code": "A", "name": "n" * (2 * MAX_BODY)},
                                       json_answer=False)  # fmt: skip
    assert status == 413 and "too much to send" in page


async def test_a_busy_file_is_told_not_hung_on(bea, room_file, monkeypatch) -> None:
    monkeypatch.setattr("workshop.store.BUSY_TIMEOUT_SECONDS", 0.2)
    holder = sqlite3.connect(room_file, isolation_level=None)  # another program's long write
    try:
        holder.execute("begin immediate")
        status, answer = await bea.post("/ready", {"ready": "1"})
        assert status == 503 and "busy" in answer["message"]
        typed = {"title": "Busy <idea>", "description": "Typed while the file was held"}
        status, (page, _) = await bea.post("/proposal", typed, json_answer=False)
        assert status == 503 and "busy" in page  # what was typed is there to copy
        assert "readonly>Busy &lt;idea&gt;</textarea>" in page
        assert "readonly>Typed while the file was held</textarea>" in page
        async with bea.session.get(bea.url("/static/room.css")) as response:
            assert response.status == 200  # the server itself still answers
    finally:
        holder.execute("rollback")
        holder.close()
    status, answer = await bea.post("/ready", {"ready": "1"})
    assert status == 200


# -- a restart, and one process -----------------------------------------------------------------


async def test_a_restart_keeps_participants_joined(room_file, code, facilitator) -> None:
    first = Room(room_file)
    server = TestServer(first.app)
    await server.start_server()
    browser = Browser(server)
    try:
        assert (await browser.join(code, "Bea"))[0] == 200
        old_token = browser.csrf
        await server.close()
        again = Room(room_file)  # a new process: new secret, nothing remembered
        server = TestServer(again.app, port=server.port)
        await server.start_server()
        browser.server = server
        status, answer = await browser.post("/ready", {"ready": "1"})
        assert status == 403  # the old page's token: the page reloads it
        async with browser.session.get(browser.url("/token")) as response:
            fresh = await response.json()
        assert fresh["ok"] and fresh["joined"] and fresh["csrf"] != old_token
        browser.csrf = fresh["csrf"]
        status, answer = await browser.post("/ready", {"ready": "1"})
        assert status == 200
        _, page = await browser.get("/")
        assert "You are <strong>Bea</strong>" in page
    finally:
        await browser.close()
        await server.close()


async def test_the_server_stops_its_pages_with_bye(room_file, code) -> None:
    served = Room(room_file)
    server = TestServer(served.app)
    await server.start_server()
    browser = Browser(server)
    try:
        await browser.join(code, "Bea")
        stream = await browser.events()
        await stream.next()
        closing = asyncio.create_task(server.close())
        name, _ = await stream.until(lambda n, d: n == "bye")
        assert name == "bye"
        await asyncio.wait_for(closing, WAIT)
    finally:
        await browser.close()


def children() -> list[int]:
    """The processes this test process started (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == os.getpid():
                found.append(int(entry))
    return found


async def test_one_process_serves_the_whole_room(browsers, code, facilitator) -> None:
    before = children()
    pages = [browsers() for _ in range(4)]
    for n, page in enumerate(pages):
        await page.join(code, f"P{n}")
    streams = [await page.events() for page in pages]
    for stream in streams:
        await stream.next()
    assert children() == before
    for stream in streams:
        stream.close()


async def test_look_back_at_an_earlier_phase_read_only(bea, facilitator) -> None:
    facilitator.update_info(phase="proposals")
    status, page = await bea.get("/?phase=groups%20%26%20roles")
    assert status == 200 and "read only" in page and 'id="lookback"' in page
    assert "Installation" in page and 'id="work"' not in page and "/group-role" not in page
    async with bea.session.get(bea.url("/?phase=vote"), allow_redirects=False) as response:
        assert response.status == 303 and response.headers["Location"] == "/"
    async with bea.session.get(bea.url("/?phase=nonsense"), allow_redirects=False) as response:
        assert response.status == 303


async def test_static_files_come_from_this_server_only(browsers) -> None:
    browser = browsers()
    for name, kind in (("room.js", "javascript"), ("room.css", "text/css")):
        async with browser.session.get(browser.url(f"/static/{name}")) as response:
            assert response.status == 200 and kind in response.headers["Content-Type"]
            text = await response.text()
        assert "http://" not in text and "https://" not in text and "@import" not in text
        assert response.headers["Cache-Control"] == "no-cache"
    _, page = await browser.get("/")
    (address,) = re.findall(r'href="(/static/room.css\?v=\w+)"', page)
    async with browser.session.get(browser.url(address)) as response:
        assert "immutable" in response.headers["Cache-Control"]
    async with browser.session.get(browser.url("/static/../server.py")) as response:
        assert response.status == 404
