"""The participant web room: `workshop serve`'s light, phone-friendly page for participants,
served by one asyncio process (aiohttp, Jinja2 templates, a small script, Server-Sent Events).

`web_room.server` has the routes and the protocol; `web_room.views` builds what a participant
sees from the `workshop` API; `web_room.render` turns it into sections of HTML;
`web_room.watcher` is the one change watcher that pushes changed sections to every page;
`web_room.db` is the one thread that talks to the workshop file. Never imports textual.
"""

from __future__ import annotations

from pathlib import Path


def serve(path: Path, *, host: str, port: int, greeting: str) -> None:
    """Serve the participant page of workshop `path` until Ctrl+C (see web_room.server)."""
    from web_room.server import serve as run

    run(path, host=host, port=port, greeting=greeting)
