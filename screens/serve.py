"""`workshop serve`: participants join from a browser.

The server itself asks for the join code, on a plain page that names nothing of the workshop
(not even its title); the code is tried through the store, so its attempt limits hold for every
tab and process. Only a browser that gave the right code gets the terminal page, and only then
does textual-serve start a `workshop join --web` process for it, which asks for a name (and, to
lead the room, the PIN). No process is started before the code, and at most `MAX_SESSIONS` run at
once.

Each browser keeps a participant key in an HttpOnly, SameSite=Strict cookie: it proves, when
the tab is closed and opened again, that its holder is the one who joined under a name. The
page needs nothing from the internet (fonts and scripts come from this server).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import shlex
import socket
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import textual_serve
from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from workshop import Workshop, WorkshopError
from workshop.cli import BROWSER_KEY_VARIABLE

PAGE_FOLDER = Path(__file__).with_name("web")
STATIC_FOLDER = Path(textual_serve.__file__).with_name("static")
KEY_COOKIE = "workshop_key"
KEY_MAX_AGE = 30 * 24 * 3600  # a participant's key outlives a closed tab (a month)
MAX_SESSIONS = 60  # browser sessions (app processes) at once
MAX_ADMITTED = 5000  # browsers remembered as having given the code (oldest forgotten first)
MAX_CHECKS = 4  # join codes checked at once (each is a write to the file)
WRONG_CODE = "That is not this workshop's join code; check the projector."


class KeyedAppService(AppService):
    """textual-serve's app process, told the browser's participant key in its environment
    (not on its command line, which other users of the machine can read)."""

    def __init__(self, command: str, *, key: str, **options: Any) -> None:
        super().__init__(command, **options)
        self.key = key

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        return super()._build_environment(width, height) | {BROWSER_KEY_VARIABLE: self.key}


class WorkshopServer(Server):
    """textual-serve behind the join code, with an offline page (relative addresses, so any
    host name works) and a prompt shutdown that closes the browsers' connections."""

    def __init__(self, path: Path, *, greeting: str, title: str, **options: Any) -> None:
        super().__init__(
            join_command(path),
            statics_path=STATIC_FOLDER,
            templates_path=PAGE_FOLDER,
            title=title,
            **options,
        )
        self.path = path
        self.greeting = greeting
        self._secret = secrets.token_bytes(32)
        self._admitted: OrderedDict[str, None] = OrderedDict()  # hashes of admitted keys
        self._sockets: set[web.WebSocketResponse] = set()
        self._checks = asyncio.Semaphore(MAX_CHECKS)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_post("/join", self.handle_join)
        return app

    async def on_startup(self, app: web.Application) -> None:
        print(self.greeting, flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        for websocket in list(self._sockets):
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")

    # -- who is admitted -----------------------------------------------------------------

    def _key(self, request: web.Request) -> str | None:
        key = request.cookies.get(KEY_COOKIE, "")
        return key if 32 <= len(key) <= 100 and key.isascii() and key.isprintable() else None

    def _digest(self, key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def _admitted_key(self, request: web.Request) -> str | None:
        key = self._key(request)
        return key if key is not None and self._digest(key) in self._admitted else None

    def _admit(self, key: str) -> None:
        self._admitted[self._digest(key)] = None
        while len(self._admitted) > MAX_ADMITTED:
            self._admitted.popitem(last=False)

    def _form_token(self, key: str) -> str:
        """The join form's token against cross-site requests: tied to the browser's key."""
        return hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _same_origin(request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        return origin is None or origin.split("://", 1)[-1] == request.host

    # -- pages ---------------------------------------------------------------------------

    async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        """The terminal page for an admitted browser; else the join page."""
        if self._admitted_key(request) is None:
            return self._join_page(request)
        response = await super().handle_index(request)
        _no_store(response)
        return response

    def _join_page(
        self, request: web.Request, error: str = "", status: int = 200
    ) -> web.StreamResponse:
        """The join page. Only a GET gives a browser without a key a fresh one: a refused post
        (from another site, say) never touches the cookie, so it cannot log anyone out."""
        key = self._key(request)
        fresh = key is None and request.method == "GET"
        if fresh:
            key = secrets.token_urlsafe(32)
        token = self._form_token(key) if key is not None else ""
        response = aiohttp_jinja2.render_template(
            "join.html", request, {"error": error, "token": token}, status=status
        )
        if fresh:
            response.set_cookie(KEY_COOKIE, key, max_age=KEY_MAX_AGE, httponly=True,
                                samesite="Strict", path="/")  # fmt: skip
        _no_store(response)
        return response

    async def handle_join(self, request: web.Request) -> web.StreamResponse:
        """The join code, checked through the store (its attempt limits apply)."""
        key = self._key(request)
        if key is None or not self._same_origin(request):
            return self._join_page(request, "Your browser's session expired; try again.", 403)
        form = await request.post()
        token = str(form.get("token", ""))
        if not hmac.compare_digest(token, self._form_token(key)):
            return self._join_page(request, "Your browser's session expired; try again.", 403)
        code = str(form.get("code", ""))[:40]
        async with self._checks:
            error = await asyncio.to_thread(self._check_code, code, request.remote or "")
        if error:
            return self._join_page(request, error, 403)
        self._admit(key)
        raise web.HTTPSeeOther("./")

    def _check_code(self, code: str, source: str) -> str:
        """The empty text when `code` is right, else the reason to show (a fresh connection per
        check: this runs in a worker thread)."""
        try:
            with Workshop.open(self.path) as ws:
                return "" if ws.check_join_code(code, source=f"browser {source}") else WRONG_CODE
        except WorkshopError as error:
            return str(error)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """The admitted browser's session: one `workshop join --web` process, while fewer
        than MAX_SESSIONS run."""
        key = self._admitted_key(request)
        if key is None or not self._same_origin(request):
            raise web.HTTPForbidden(text="Give the join code first.")
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        if len(self._sockets) >= MAX_SESSIONS:
            await websocket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"room full")
            return websocket
        self._sockets.add(websocket)
        service = KeyedAppService(
            self.command,
            key=key,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
            debug=self.debug,
        )
        try:
            width = to_int(request.query.get("width", "80"), 80)
            height = to_int(request.query.get("height", "24"), 24)
            await service.start(max(20, min(width, 500)), max(10, min(height, 300)))
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        finally:
            self._sockets.discard(websocket)
            await service.stop()
        return websocket


def _no_store(response: web.StreamResponse) -> None:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"


def join_command(path: Path) -> str:
    """The shell command each admitted browser session runs."""
    return shlex.join([sys.executable, "-m", "workshop", "join", str(path.resolve()), "--web"])


def serve(path: Path, *, host: str, port: int, title: str, greeting: str) -> None:
    """Serve the workshop until Ctrl+C (or SIGTERM); `greeting` is printed once listening.
    Raises OSError at once when the address cannot be listened on."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    server = WorkshopServer(path, host=host, port=port, title=title, greeting=greeting)
    server.serve()
