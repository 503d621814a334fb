"""Open every phase screen of a workshop in the app (headless, 120x40) and report how long each
took to open and render, the Markdown export time and the process's peak memory, as JSON."""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from pathlib import Path

from screens.app import WorkshopApp
from workshop import Workshop
from workshop.vocabulary import PHASES


async def main(path: Path) -> None:
    ws = Workshop.open(path)
    started = time.perf_counter()
    ws.export("md")
    export_ms = (time.perf_counter() - started) * 1000
    app = WorkshopApp(ws)
    opened: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for number, phase in enumerate(PHASES, start=1):
            started = time.perf_counter()
            await pilot.press(str(number))
            await pilot.pause()
            opened[phase] = round((time.perf_counter() - started) * 1000, 1)
    ws.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"screens_ms": opened, "export_md_ms": round(export_ms, 1),
                      "peak_rss_mb": round(peak, 1)}))  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
