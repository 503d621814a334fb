"""Thirty real browser pages on one `workshop serve` process, with the facilitator changing
things: how long until every page shows each change.

One headless Debian chromium (/usr/bin/chromium, driven by Playwright), 30 browser contexts
(each its own cookies: its own participant), each with one page on the room. Each context joins
with the code through its own request API (the key cookie and the CSRF token as a page gets
them), then opens the room page, which follows the live channel. The facilitator (a
`Workshop.open` connection in this process) moves the phase and adds proposals and groups, each
with a unique marker; a MutationObserver in every page notes the moment the marker is first
rendered (`innerText`), so the figure does not depend on the order in which the pages are asked.
The delay is that moment minus the facilitator's commit (both on this machine's clock).

Figures: room_browsers_pages, room_browsers_join_failures, room_browsers_update_p50_ms /
_p95_ms / _max_ms (over every page and change), room_browsers_update_missed (a page that did not
show a change within `UPDATE_TIMEOUT`, counted as that timeout), the same for the phase moves
alone (room_browsers_phase_move_p95_ms / _max_ms: every section is replaced), and the server's
room_browsers_server_processes (must be 1: one process however many join), _rss_mb, _cpu_s.

Not in the default `python -m benchmarks` run (OPTIONAL there): thirty chromium renderers take
about a minute of the two cores (measured: 55-60 s for the suite); run it with
`python -m benchmarks --only room_browsers`. Skipped (no figures, a line on stderr) where
/usr/bin/chromium or Playwright is missing."""

from __future__ import annotations

import functools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.room import Server, csrf_token, percentile
from workshop import Workshop
from workshop.demo import demo_plan

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-background-timer-throttling",
                 "--disable-renderer-backgrounding",
                 "--disable-backgrounding-occluded-windows"]  # fmt: skip
PAGES = 30
UPDATE_TIMEOUT = 10.0  # seconds for every page to show one change
JOIN_TIMEOUT_MS = 30_000

# Notes in window.__seen the moment `text` is first rendered in `where` (epoch ms).
WATCH = """
([where, text]) => {
  window.__seen = null;
  const check = () => {
    const found = document.querySelector(where);
    if (window.__seen === null && found && found.innerText.includes(text)) {
      window.__seen = performance.timeOrigin + performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document.documentElement,
                   {subtree: true, childList: true, characterData: true, attributes: true});
  check();
}
"""


def join(context: Any, base: str, code: str, name: str) -> str:
    """Join through the context's request API (its cookies are the page's): '' or the error."""
    page = context.request.get(base + "/", timeout=JOIN_TIMEOUT_MS)
    token = csrf_token(page.text()) or ""
    answer = context.request.post(
        base + "/join",
        form={"code": code, "name": name, "csrf": token},
        headers={"Accept": "application/json"},
        timeout=JOIN_TIMEOUT_MS,
        max_redirects=0,
    )
    if answer.status != 200:
        return f"{answer.status}: {answer.text()[:200]}"
    return ""


def changes(ws: Workshop, count: int) -> list[tuple[str, str, Any]]:
    """(where to look, the text every page must show there, the facilitator's commit): phase
    moves (the header's phase), then new proposals (the proposals phase's board) and new
    groups (the groups phase's), each with a unique marker, as in benchmarks/room.py."""
    owner = ws.lookup_id("groups", "Sales")
    plan: list[tuple[str, str, Any]] = []
    steps = ["proposals", "proposal", "proposal", "proposal", "proposal",
             "groups & roles", "group", "group", "group", "group"]  # fmt: skip
    for n in range(count):
        step = steps[n % len(steps)]
        marker = f"Pg{n:03d}x{os.getpid() % 1000:03d}"
        if step == "proposal":
            title = f"Browser change {marker}"
            commit = functools.partial(ws.add_proposal, title, owner_id=owner)
            plan.append(("#board", title, commit))
        elif step == "group":
            name = f"Crew {marker}"
            plan.append(("#board", name, functools.partial(ws.add_group, name)))
        else:
            commit = functools.partial(ws.update_info, phase=step)
            plan.append(("#header .phase strong", step, commit))
    return plan


def measure(pages: int = PAGES, change_count: int = 10) -> dict[str, object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("room_browsers: skipped, Playwright is not installed", file=sys.stderr)
        return {}
    if not os.path.exists(CHROMIUM):
        print(f"room_browsers: skipped, no {CHROMIUM}", file=sys.stderr)
        return {}
    figures: dict[str, object] = {"room_browsers_pages": pages}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "room.db"
        plan = demo_plan()
        Workshop.create(path, title=plan["workshop"]["title"], plan=plan).close()
        with Server(path) as server, sync_playwright() as playwright:
            ws = Workshop.open(path)
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                code = ws.join_code()
                opened, failures = [], []
                for n in range(pages):
                    context = browser.new_context(viewport={"width": 390, "height": 844})
                    error = join(context, server.base, code, f"Page {n:02d}")
                    if error:
                        failures.append(error)
                        continue
                    page = context.new_page()
                    page.goto(server.base + "/", wait_until="load")
                    opened.append(page)
                figures["room_browsers_join_failures"] = len(failures)
                if failures:
                    print(f"room_browsers: join failures: {failures[:3]}", file=sys.stderr)
                time.sleep(1.0)  # every page's live channel open and settled
                delays: list[float] = []
                phase_moves: list[float] = []  # the same, for the phase moves alone
                missed = 0
                for n, (where, text, commit) in enumerate(changes(ws, change_count)):
                    for page in opened:
                        page.evaluate(WATCH, [where, text])
                    commit()
                    committed = time.time() * 1000
                    deadline = time.monotonic() + UPDATE_TIMEOUT
                    for page in opened:
                        left = max(1, int((deadline - time.monotonic()) * 1000))
                        try:
                            page.wait_for_function("() => window.__seen !== null", timeout=left)
                            delay = page.evaluate("window.__seen") - committed
                        except Exception:  # a timeout: it did not show the change in time
                            missed += 1
                            delay = UPDATE_TIMEOUT * 1000
                        delays.append(delay)
                        if where.startswith("#header"):
                            phase_moves.append(delay)
                    time.sleep(0.2 + (n % 7) * 0.037)  # land all over the server's poll cycle
                figures["room_browsers_update_p50_ms"] = percentile(delays, 50)
                figures["room_browsers_update_p95_ms"] = percentile(delays, 95)
                figures["room_browsers_update_max_ms"] = round(max(delays), 1) if delays else 0
                figures["room_browsers_update_mean_ms"] = (
                    round(statistics.mean(delays), 1) if delays else 0
                )
                figures["room_browsers_update_missed"] = missed
                figures["room_browsers_phase_move_p95_ms"] = percentile(phase_moves, 95)
                figures["room_browsers_phase_move_max_ms"] = (
                    round(max(phase_moves), 1) if phase_moves else 0
                )
                figures["room_browsers_server_processes"] = len(server.processes())
                figures["room_browsers_server_rss_mb"] = server.rss_mb(peak=True)
                figures["room_browsers_server_cpu_s"] = server.cpu_s()
            finally:
                browser.close()
                ws.close()
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=2))
