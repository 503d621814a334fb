"""`workshop serve`: participants join from a browser. textual-serve runs one `workshop join
--web` process per browser tab; each asks for the join code and a name before it shows
anything. The page needs nothing from the internet (fonts and scripts come from this server)."""

from __future__ import annotations

import shlex
import socket
import sys
from pathlib import Path
from typing import Any

import textual_serve
from aiohttp import WSCloseCode, web
from textual_serve.server import Server

PAGE_FOLDER = Path(__file__).with_name("web")
STATIC_FOLDER = Path(textual_serve.__file__).with_name("static")


class WorkshopServer(Server):
    """textual-serve with an offline page (relative addresses, so any host name works) and a
    prompt shutdown that closes the browsers' connections instead of waiting for them."""

    def __init__(self, command: str, *, greeting: str, **options: Any) -> None:
        super().__init__(command, statics_path=STATIC_FOLDER, templates_path=PAGE_FOLDER, **options)
        self.greeting = greeting
        self._sockets: set[web.WebSocketResponse] = set()

    async def on_startup(self, app: web.Application) -> None:
        print(self.greeting, flush=True)

    async def _process_messages(self, websocket: web.WebSocketResponse, app_service: Any) -> None:
        self._sockets.add(websocket)
        try:
            await super()._process_messages(websocket, app_service)
        finally:
            self._sockets.discard(websocket)

    async def on_shutdown(self, app: web.Application) -> None:
        for websocket in list(self._sockets):
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


def join_command(path: Path) -> str:
    """The shell command each browser session runs."""
    return shlex.join([sys.executable, "-m", "workshop", "join", str(path.resolve()), "--web"])


def serve(path: Path, *, host: str, port: int, title: str, greeting: str) -> None:
    """Serve the workshop until Ctrl+C (or SIGTERM); `greeting` is printed once listening.
    Raises OSError at once when the address cannot be listened on."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    server = WorkshopServer(
        join_command(path), host=host, port=port, title=title, greeting=greeting
    )
    server.serve()
