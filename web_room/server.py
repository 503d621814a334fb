"""`workshop serve`: the participant page, served by one asyncio process (aiohttp).

The protocol as built (shared with the room benchmark and the browser tests):

Pages (GET; `Cache-Control: no-store`)
- `/`: without a participant key that the store knows, the join page ("Join a workshop",
  nothing of the workshop; sets the key cookie `workshop_key`, HttpOnly, SameSite=Strict,
  Path=/, a month, when the browser has none). With one, the room page: sections `header`,
  `phases`, `me`, `board`, `work`, each a container whose inner HTML the live channel
  replaces; an aria-live `status` line and an alert `banner`.
  Only this page (a GET) ever sets the key cookie, and only for a browser that has none: a
  browser withholds a SameSite=Strict cookie when another site links or posts here, so the
  key is paired with `workshop_has_key` (SameSite=Lax, sent on a link from elsewhere; a
  random value). A GET of `/` that brings that cookie but no key gets a page that reloads
  itself (`<meta http-equiv="refresh">`: a navigation of this site, so the key comes along)
  to `/?again=TOKEN` (TOKEN: an HMAC of that cookie, so no other site can make one); only
  there a browser that still sends no key is given a fresh one.
- `/?phase=NAME`: an earlier phase, read only (section `lookback` instead of `board` and
  `work`); the room's phase or a later one redirect (303) to `/`.
- `/edit?table=T&id=N` (T: handoffs, contributions, comments, proposals): the edit form of a
  record, after the store said this participant may edit it (`check_may_edit`); else 303 to `/`
  with the store's message. The form posts to the record's route with `id`; a delete button
  posts `/delete`. A record form posted without script and refused (400, 409, 429, 503) is
  answered with that status and the form again, as typed, under the message (the edit page's
  layout; for a new record, the same form without `id`).
- `/token`: JSON `{"ok": true, "csrf": "...", "joined": true|false}` for the browser's key
  (the script reloads its token after the server restarted).
- `/static/room.js`, `/static/room.css` (and nothing else: no CDN, no fonts).

CSRF: every POST carries `csrf` (form field) or `X-CSRF-Token` (header), HMAC-SHA256 of the key
cookie with a secret made at each start (so a restart invalidates tokens: the page reloads
its token from `/token` when its stream reconnects, and after a 403), and passes the
same-origin check (Origin, when sent, must be this Host; Sec-Fetch-Site, when sent, must not be
cross-site). Otherwise 403, and never a cookie: a refused POST (or one that brings no key)
is answered with a page that says why and links to `/`, not a redirect.

Writes (form-encoded POSTs; with `Accept: application/json` the answer is
`{"ok": bool, "message": "..."}`: 200 done, 400 a malformed field, 403 CSRF / not joined /
removed / wrong code, 409 the store refused (its own message), 413 too large, 429 attempt
limits (with Retry-After), 503 busy; without that header 303 to `/` and the message shown on
the next page; a refused join shows the join page again, with its status):
- `/join`: `code`, `name`. `/group`: `group_id` ("" for none). `/ready`: `ready` (1 or 0).
- `/vote`: `round_id`, `proposal_id`, `change` (add or remove).
- `/group-role`: `role`, `good_day` (the participant's own group).
- `/handoff`: `id` (to edit; absent to add from the participant's group), `to` (a group's or
  customer's name), `provides`, `needs`, `expectation`, `self_rating`, `customer_rating`
  ("" or 1-5).
- `/contribution`: `id` or `touchpoint_id` (to add the group's layer), `supports_group_id`
  ("": the touchpoint's owner), `what`, `effect` (strengthens or weakens), `fail_point` (1 or
  absent).
- `/comment`: `id`?, `text`, `touchpoint_id` (""), `sentiment`, `date` ("" or YYYY-MM-DD).
- `/proposal`: `id`?, `title`, `description`, `touchpoint_id` (""), `impact`, `effort` (a new
  proposal is owned by the participant's group, if any).
- `/delete`: `table` (handoffs, contributions, comments or proposals), `id`.
Bodies above `MAX_BODY` bytes and fields above `MAX_FIELD` characters: 413; the store's own
limits (names 80, texts 10,000 characters) answer 409 with its message.

Live channel: `GET /events` (a joined key, else 403; at most `MAX_STREAMS` at once and
`MAX_TABS` per participant, else 503 / 429): `retry: 2000`, then `event: view` with
`data: {"version": N, "phase": "...", "now": <server epoch seconds>, "sections": {...}}`
(the first holds every section, later ones only those that changed for this participant);
`event: removed` (data: the message) then the end of the stream when the facilitator removed
the participant, `event: freed` (data: the message) likewise when the facilitator freed the
participant's name (the browser's key holds it no more: join again); `event: bye` when the
server stops; `: keep-alive` every 15 s.

The server prints its greeting and nothing for each request (no access log); an error is one
line on stderr (`workshop serve: ...`), without a traceback.

Any page, stream or write answers 503 with the store's message when the file stays busy past
the store's timeout (or when `db.MAX_WAITING` calls already wait for the database thread).

Headers on every answer: a strict Content-Security-Policy (`default-src 'self'`, no inline
script or style, `frame-ancestors 'none'`, `form-action 'self'`), X-Content-Type-Options,
Referrer-Policy, X-Frame-Options.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import signal
import sys
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiohttp import web

from web_room import render, views
from web_room.db import Database, NotJoined, digest
from web_room.watcher import FREED_MESSAGE, REMOVED_MESSAGE, Stream, Watcher
from web_room.writes import WRITES, BadForm
from workshop import FileBusy, Removed, Workshop, WorkshopError
from workshop.room import NameTaken, TooManyAttempts

KEY_COOKIE = "workshop_key"
# SameSite=Lax, beside the Strict key: a link from another site brings this one, not the key.
HAS_KEY_COOKIE = "workshop_has_key"
KEY_MAX_AGE = 30 * 24 * 3600  # a participant's key outlives a closed tab (a month)
MAX_BODY = 256 * 1024  # bytes of a request body
MAX_FIELDS = 40  # fields of a form
MAX_FIELD = 20_000  # characters of one field (the store's limits are lower still)
MAX_CHECKS = 4  # join codes checked at once (each is a write to the file)
MAX_STREAMS = 1000  # event streams open at once
MAX_TABS = 8  # event streams of one participant
MAX_REMEMBERED = 10_000  # flash messages and known keys kept in memory (oldest dropped)
KEEPALIVE_SECONDS = 15.0
WRITE_TIMEOUT = 30.0  # seconds a stream may take to accept one event before it is dropped
WRONG_CODE = "That is not this workshop's join code; check the projector."
EXPIRED = "This page had expired (the server may have restarted); it is fresh now, try again."
NOT_JOINED = "Join the workshop first."
CROSS_SITE = ("That form was sent from another site, so nothing was done here. Open the "
              "workshop page to go on.")  # fmt: skip
NO_KEY = ("Your browser sent no key with this form (it may have been blocked or cleared): "
          "open the workshop page again, and let it keep its cookie.")  # fmt: skip
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")  # fmt: skip
STATIC_FILES = ("room.css", "room.js")


class TooLarge(Exception):
    """A request body or field over the limits."""


class Room:
    """The participant page of one workshop file: the aiohttp application and its state."""

    def __init__(self, path: Path, *, secret: bytes | None = None) -> None:
        self.path = Path(path)
        self.db = Database(self.path)
        self.watcher = Watcher(self.db)
        self._secret = secret or secrets.token_bytes(32)
        self._checks = asyncio.Semaphore(MAX_CHECKS)
        self._flash: OrderedDict[str, tuple[bool, str]] = OrderedDict()
        self._known: OrderedDict[str, int] = OrderedDict()  # key digest → participant id
        self.app = self._make_app()

    # -- the application -----------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(
            client_max_size=MAX_BODY, client_max_fields=MAX_FIELDS, middlewares=[_unavailable]
        )
        app.router.add_get("/", self.index)
        app.router.add_post("/join", self.join)
        for route in WRITES:
            app.router.add_post(route, self.write)
        app.router.add_get("/edit", self.edit)
        app.router.add_get("/events", self.events)
        app.router.add_get("/token", self.token)
        app.router.add_get("/static/{name}", self.static)
        app.on_response_prepare.append(_headers)
        app.on_startup.append(self._startup)
        app.on_shutdown.append(self._shutdown)
        app.on_cleanup.append(self._cleanup)
        return app

    async def _startup(self, app: web.Application) -> None:
        await self.db.open()
        self.watcher.start()

    async def _shutdown(self, app: web.Application) -> None:
        """Tell every page the server stops, and let the streams end (briefly)."""
        self.watcher.end_all("bye", "The workshop server has stopped.")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(3):
                while self.watcher.count:
                    await asyncio.sleep(0.02)

    async def _cleanup(self, app: web.Application) -> None:
        await self.watcher.stop()
        ids = list(self.watcher.streams)
        if ids:
            with contextlib.suppress(WorkshopError):
                await self.db.call(lambda db: db.gone(ids))
        await self.db.close()

    # -- who is asking -------------------------------------------------------------------

    @staticmethod
    def _key(request: web.Request) -> str | None:
        key = request.cookies.get(KEY_COOKIE, "")
        return key if 32 <= len(key) <= 100 and key.isascii() and key.isprintable() else None

    def _csrf(self, key: str) -> str:
        return hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()

    def _csrf_ok(self, request: web.Request, key: str, form: dict[str, str]) -> bool:
        expected = self._csrf(key)
        given = [form.get("csrf", ""), request.headers.get("X-CSRF-Token", "")]
        return any(t and hmac.compare_digest(t.encode(), expected.encode()) for t in given)

    @staticmethod
    def _same_origin(request: web.Request) -> bool:
        if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return False
        origin = request.headers.get("Origin")
        return origin is None or origin.split("://", 1)[-1] == request.host

    @staticmethod
    def _wants_json(request: web.Request) -> bool:
        return "application/json" in request.headers.get("Accept", "")

    def _remember(self, key: str, participant_id: int) -> None:
        self._known[digest(key)] = participant_id
        _trim(self._known)

    def _say(self, key: str, ok: bool, message: str) -> None:
        """A message for the next page this browser loads (forms posted without script)."""
        self._flash[digest(key)] = (ok, message)
        _trim(self._flash)

    async def _why_out(self, key: str) -> str:
        """Why a key that holds no participant any more holds none (as this server knew it):
        REMOVED_MESSAGE, FREED_MESSAGE, or "" (never joined, or unknown here)."""
        known = self._known.get(digest(key))
        if known is None:
            return ""
        removed = await self.db.call(lambda db: db.as_guest(lambda ws: ws.is_removed(known)))
        return REMOVED_MESSAGE if removed else FREED_MESSAGE

    def _again(self, marker: str) -> str:
        """The token of the self-reload of a browser that sent `HAS_KEY_COOKIE` but no key."""
        return hmac.new(self._secret, b"again:" + marker.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _marker(request: web.Request) -> str | None:
        marker = request.cookies.get(HAS_KEY_COOKIE, "")
        well_formed = 16 <= len(marker) <= 100 and marker.isascii() and marker.isalnum()
        return marker if well_formed else None

    async def _form(self, request: web.Request, fields: tuple[str, ...]) -> dict[str, str]:
        """The posted fields named in `fields` (and `csrf`), as text within the limits."""
        try:
            posted = await request.post()
        except web.HTTPRequestEntityTooLarge:
            raise TooLarge(
                f"That is too much to send at once (more than {MAX_BODY // 1024} KB)."
            ) from None
        except ValueError:
            raise BadForm("The form could not be read; reload the page and try again.") from None
        form: dict[str, str] = {}
        for name in (*fields, "csrf"):
            value = posted.get(name)
            if value is None:
                continue
            if not isinstance(value, str):
                raise BadForm(f"The field “{name}” must be text, not a file.")
            if len(value) > MAX_FIELD:
                raise TooLarge(
                    f"The field “{name}” is {len(value):,} characters long; at most "
                    f"{MAX_FIELD:,} are accepted."
                )
            form[name] = value
        return form

    def _answer(
        self, request: web.Request, key: str | None, ok: bool, message: str, status: int,
        *, back: str = "/", headers: dict[str, str] | None = None,
    ) -> web.StreamResponse:  # fmt: skip
        """JSON for a script; else 303 back to the page, the message kept for it."""
        if self._wants_json(request):
            return web.json_response({"ok": ok, "message": message}, status=status,
                                     headers=headers)  # fmt: skip
        if key is not None:
            self._say(key, ok, message)
        raise web.HTTPSeeOther(back)

    # -- pages ---------------------------------------------------------------------------

    def _join_page(
        self, request: web.Request, *, key: str | None, error: str = "", notice: str = "",
        status: int = 200, form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> web.Response:  # fmt: skip
        """The join page: nothing of the workshop, and never a cookie (`_fresh_join_page`
        gives one). Without `key` (a refused POST that brought none) it has no form: the
        message and a link to `/`."""
        form = form or {}
        if self._wants_json(request) and request.method == "POST":
            return web.json_response(
                {"ok": False, "message": error or notice}, status=status, headers=headers
            )
        text = render.page(
            "join.html", csrf=self._csrf(key) if key else "", error=error, notice=notice,
            code=form.get("code", "")[:20], name=form.get("name", "")[:80],
        )  # fmt: skip
        return web.Response(text=text, content_type="text/html", status=status,
                            headers=headers)  # fmt: skip

    def _fresh_join_page(self, request: web.Request) -> web.Response:
        """The join page for a browser that has no key (only `GET /` comes here): a fresh
        key cookie, and the Lax cookie that tells its absence from a withheld one."""
        key = secrets.token_urlsafe(32)
        response = self._join_page(request, key=key)
        response.set_cookie(KEY_COOKIE, key, max_age=KEY_MAX_AGE, httponly=True,
                            samesite="Strict", path="/")  # fmt: skip
        _set_has_key(response)
        return response

    def _reload_page(self, marker: str) -> web.Response:
        """For a browser that has a key but did not send it (another site linked here): the
        page reloads itself, a navigation of this site, which brings the key."""
        text = render.page("reload.html", target=f"/?again={self._again(marker)}")
        return web.Response(text=text, content_type="text/html")

    def _refused_elsewhere(self, request: web.Request) -> web.Response:
        """A POST that failed the same-origin check: 403, no cookie, no redirect (a redirect
        would go on as the other site's navigation, without the key)."""
        return self._join_page(request, key=None, error=CROSS_SITE, status=403)

    async def index(self, request: web.Request) -> web.StreamResponse:
        """The room page for a joined browser; else the join page."""
        key = self._key(request)
        if key is None:
            marker = self._marker(request)
            again = request.query.get("again", "").encode()
            if marker is not None and not hmac.compare_digest(again, self._again(marker).encode()):
                return self._reload_page(marker)
            return self._fresh_join_page(request)
        if "again" in request.query:
            raise web.HTTPSeeOther("/")  # the reload brought the key: the plain address
        me = await self.db.call(lambda db: db.participant(key))
        if me is None:
            response = self._join_page(request, key=key, notice=await self._why_out(key))
        else:
            response = await self._room_page(request, key, me)
        if self._marker(request) is None:  # a key given before the Lax cookie was
            _set_has_key(response)
        return response

    async def _room_page(self, request: web.Request, key: str, me: Any) -> web.Response:
        self._remember(key, me.id)
        phase = request.query.get("phase", "")[:40]

        def read(db: Database) -> tuple[dict[str, Any], dict[str, Any] | None]:
            return db.as_guest(
                lambda ws: (
                    db.sections.page_sections(ws, me),
                    db.sections.lookback(ws, phase) if phase else None,
                )
            )

        sections, lookback = await self.db.call(read)
        if phase and lookback is None:
            raise web.HTTPSeeOther("/")
        ok, flash = self._flash.pop(digest(key), (True, ""))
        text = render.page(
            "room.html", csrf=self._csrf(key), now=round(time.time(), 3), flash=flash,
            flash_ok=ok, lookback=lookback, **sections,
        )  # fmt: skip
        return web.Response(text=text, content_type="text/html")

    async def edit(self, request: web.Request) -> web.StreamResponse:
        """The edit form of one record of the room's phase, if the store lets them edit it."""
        key = self._key(request)
        if key is None:
            raise web.HTTPSeeOther("/")
        table = request.query.get("table", "")
        what = views.EDIT_TABLES.get(table)
        number = request.query.get("id", "")
        if what is None or not number.isascii() or not number.isdigit() or len(number) > 18:
            self._say(key, False, "There is no such record to edit.")
            raise web.HTTPSeeOther("/")
        record_id = int(number)

        def open_form(ws: Workshop, me: Any) -> dict[str, Any]:
            ws.check_may_edit(table, record_id, what)
            return views.edit_view(ws, table, record_id)

        try:
            _, data = await self.db.call(lambda db: db.as_participant(key, open_form))
        except WorkshopError as error:
            self._say(key, False, str(error))
            raise web.HTTPSeeOther("/") from None
        text = render.page("edit.html", csrf=self._csrf(key), edit=data)
        return web.Response(text=text, content_type="text/html")

    async def token(self, request: web.Request) -> web.StreamResponse:
        """The CSRF token of this browser's key, and whether the key is joined."""
        key = self._key(request)
        if key is None or not self._same_origin(request):
            return web.json_response({"ok": False, "message": NOT_JOINED}, status=403)
        me = await self.db.call(lambda db: db.participant(key))
        return web.json_response({"ok": True, "csrf": self._csrf(key), "joined": me is not None})

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in STATIC_FILES:
            raise web.HTTPNotFound()
        return web.FileResponse(render.STATIC / name)

    # -- writes --------------------------------------------------------------------------

    async def join(self, request: web.Request) -> web.StreamResponse:
        """The join code, tried through the store (its attempt limits), then the name."""
        if not self._same_origin(request):
            return self._refused_elsewhere(request)
        key = self._key(request)
        if key is None:
            return self._join_page(request, key=None, error=NO_KEY, status=403)
        try:
            form = await self._form(request, ("code", "name"))
        except TooLarge as error:
            return self._join_page(request, key=key, error=str(error), status=413)
        except BadForm as error:
            return self._join_page(request, key=key, error=str(error), status=400)
        if not self._csrf_ok(request, key, form):
            return self._join_page(request, key=key, error=EXPIRED, status=403, form=form)
        code, name = form.get("code", "")[:40], form.get("name", "")
        source = f"browser {request.remote or ''}".strip()
        try:
            async with self._checks:
                right, me = await self.db.call(lambda db: db.join(key, code, name, source))
        except TooManyAttempts as error:
            return self._join_page(request, key=key, error=str(error), status=429, form=form,
                                   headers={"Retry-After": str(error.wait)})  # fmt: skip
        except Removed as error:
            return self._join_page(request, key=key, error=str(error), status=403, form=form)
        except FileBusy as error:
            return self._join_page(request, key=key, error=str(error), status=503, form=form)
        except (NameTaken, WorkshopError) as error:
            return self._join_page(request, key=key, error=str(error), status=409, form=form)
        if not right or me is None:
            return self._join_page(request, key=key, error=WRONG_CODE, status=403, form=form)
        self._remember(key, me.id)
        self.watcher.poke()
        return self._answer(request, key, True, f"Welcome, {me.name}.", 200)

    async def write(self, request: web.Request) -> web.StreamResponse:
        """A participant's change (see WRITES), made by the store acting for them."""
        action, fields = WRITES[request.path]
        if not self._same_origin(request):
            return self._refused_elsewhere(request)
        key = self._key(request)
        if key is None:
            return self._answer(request, None, False, NO_KEY, 403)
        try:
            form = await self._form(request, fields)
        except TooLarge as error:
            return self._answer(request, key, False, str(error), 413)
        except BadForm as error:
            return self._answer(request, key, False, str(error), 400)
        if not self._csrf_ok(request, key, form):
            return self._answer(request, key, False, EXPIRED, 403)
        try:
            _, message = await self.db.call(
                lambda db: db.as_participant(key, lambda ws, me: action(ws, me, form))
            )
        except NotJoined:
            why = await self._why_out(key)
            return self._answer(request, key, False, why or NOT_JOINED, 403)
        except Removed as error:
            return self._answer(request, key, False, str(error), 403)
        except BadForm as error:
            return await self._refused(request, key, form, str(error), 400)
        except TooManyAttempts as error:
            return await self._refused(request, key, form, str(error), 429,
                                       headers={"Retry-After": str(error.wait)})  # fmt: skip
        except FileBusy as error:
            return await self._refused(request, key, form, str(error), 503)
        except WorkshopError as error:
            return await self._refused(request, key, form, str(error), 409)
        self.watcher.poke()
        return self._answer(request, key, True, message, 200)

    async def _refused(
        self, request: web.Request, key: str, form: dict[str, str], message: str, status: int,
        *, headers: dict[str, str] | None = None,
    ) -> web.StreamResponse:  # fmt: skip
        """A write refused by the store (or for a field's shape): JSON for a script; without
        script a record form comes back as it was typed, under the message (nothing typed is
        lost), any other form goes back to the page with the message."""
        route = request.path
        if self._wants_json(request) or route not in views.KEPT_ROUTES:
            return self._answer(request, key, False, message, status, headers=headers)

        def again(db: Database) -> dict[str, Any]:
            return db.as_guest(
                lambda ws: views.kept_view(ws, db.participant(key), route, form, message)
            )

        try:
            if status == 503:  # the file is busy: no second wait for it
                raise FileBusy(message)
            data = await self.db.call(again)
        except (WorkshopError, ValueError):  # the file busy, the record gone, an id malformed
            data = views.copy_view(route, form, message)
        text = render.page("edit.html", csrf=self._csrf(key), edit=data)
        return web.Response(text=text, content_type="text/html", status=status,
                            headers=headers)  # fmt: skip

    # -- the live channel ----------------------------------------------------------------

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-Sent Events: the participant's view, then what changes in it."""
        key = self._key(request)
        if key is None or not self._same_origin(request):
            raise web.HTTPForbidden(text=NOT_JOINED)
        me = await self.db.call(lambda db: db.participant(key))
        if me is None:
            raise web.HTTPForbidden(text=NOT_JOINED)
        if self.watcher.count >= MAX_STREAMS:
            raise web.HTTPServiceUnavailable(
                text=f"The room is full: at most {MAX_STREAMS} pages follow it live at once. "
                "Try again in a moment.",
                headers={"Retry-After": "10"},
            )
        if len(self.watcher.streams.get(me.id, ())) >= MAX_TABS:
            raise web.HTTPTooManyRequests(
                text=f"You have {MAX_TABS} pages of this workshop open; close one first."
            )
        self._remember(key, me.id)
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream; charset=utf-8", "X-Accel-Buffering": "no"}
        )
        await response.prepare(request)
        stream = self.watcher.add(me.id)
        try:
            await _send(response, "retry: 2000\n\n")
            await self.watcher.seen_now(me.id)
            await self._feed(request, response, stream)
        except (ConnectionError, TimeoutError, RuntimeError):
            pass  # the browser went away (or stopped reading)
        finally:
            await self.watcher.remove(stream)
        return response

    async def _feed(self, request: web.Request, response: web.StreamResponse, stream: Stream):
        last = time.monotonic()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stream.wake.wait(), 1.0)
            stream.wake.clear()
            transport = request.transport
            if transport is None or transport.is_closing():
                return
            event = stream.take()
            if event is not None:
                await _send(response, event)
                last = time.monotonic()
            if stream.ending is not None:
                name, message = stream.ending
                await _send(response, f"event: {name}\ndata: {json.dumps(message)}\n\n")
                return
            if time.monotonic() - last >= KEEPALIVE_SECONDS:
                await _send(response, ": keep-alive\n\n")
                last = time.monotonic()


@web.middleware
async def _unavailable(request: web.Request, handler: Any) -> web.StreamResponse:
    """A file busy past the store's timeout (or a server flooded with requests) answers 503
    with the store's message, never a traceback."""
    try:
        return await handler(request)
    except WorkshopError as error:
        if "application/json" in request.headers.get("Accept", ""):
            return web.json_response({"ok": False, "message": str(error)}, status=503)
        return web.Response(text=str(error), status=503, headers={"Retry-After": "2"})


async def _send(response: web.StreamResponse, text: str) -> None:
    async with asyncio.timeout(WRITE_TIMEOUT):
        await response.write(text.encode())


def _set_has_key(response: web.StreamResponse) -> None:
    """The Lax cookie beside the key (a fresh random value: see `Room._again`)."""
    response.set_cookie(HAS_KEY_COOKIE, secrets.token_hex(16), max_age=KEY_MAX_AGE,
                        httponly=True, samesite="Lax", path="/")  # fmt: skip


def _trim(memory: OrderedDict[str, Any]) -> None:
    while len(memory) > MAX_REMEMBERED:
        memory.popitem(last=False)


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    """Security headers on every answer; pages and data are never cached (the static files,
    addressed by their digest, for good)."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if request.path.startswith("/static/") and response.status in (200, 304):
        # The pages ask for /static/NAME?v=DIGEST: that address never changes its content.
        versioned = request.query.get("v") == render.STATIC_VERSION
        response.headers["Cache-Control"] = (
            "public, max-age=31536000, immutable" if versioned else "no-cache"
        )
    else:
        response.headers["Cache-Control"] = "no-store"


class _Brief(logging.Formatter):
    """One line per record: the message, and an exception's type and text (no traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            text += f": {type(error).__name__}: {error}"
        return "workshop serve: " + " ".join(text.split())


BRIEF_LOGGERS = ("aiohttp", "web_room", "asyncio")


@contextlib.contextmanager
def brief_logs() -> Iterator[None]:
    """While the server runs in the facilitator's terminal: nothing per request (the access
    log is off, and only warnings pass), and each warning or error of aiohttp, the room or
    asyncio as one line on stderr, not passed on to the root logger. Restores the loggers as
    they were."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Brief())
    handler.setLevel(logging.WARNING)
    loggers = [logging.getLogger(name) for name in BRIEF_LOGGERS]
    saved = [(logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)
        logger.propagate = False
    try:
        yield
    finally:
        for logger, (level, propagate) in zip(loggers, saved, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate


def serve(path: Path, *, host: str, port: int, greeting: str) -> None:
    """Serve the room until Ctrl+C or SIGTERM; `greeting` is printed (flushed) once the server
    listens. Raises OSError at once when the address cannot be listened on."""
    with brief_logs():
        asyncio.run(_serve(path, host=host, port=port, greeting=greeting))


async def _serve(path: Path, *, host: str, port: int, greeting: str) -> None:
    room = Room(path)
    runner = web.AppRunner(room.app, shutdown_timeout=5.0, access_log=None)  # no line per request
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        print(greeting, flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()
