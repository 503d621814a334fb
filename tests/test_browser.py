"""End to end in a real browser: `workshop serve --terminal` (the terminal screens through
textual-serve) on loopback, Debian's chromium driven by Playwright, offline. The server asks
for the join code before showing anything (a plain page), the session then asks for a name,
and the participant adds a proposal, which lands in the workshop file.

Needs /usr/bin/chromium (`.ci/run` installs it); skipped where it is missing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from workshop import Workshop
from workshop.demo import demo_plan

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium")

# xterm.js paints on a canvas, so the page has no text to read: record what the server sends
# to the terminal instead, to wait for what the app has drawn.
RECORD_TERMINAL = """
(() => {
  window.__tty = "";
  const Native = window.WebSocket;
  const decoder = new TextDecoder();
  window.WebSocket = function (...args) {
    const socket = new Native(...args);
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") {
        window.__tty += decoder.decode(new Uint8Array(event.data), {stream: true});
      }
    });
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    """A workshop in the proposals phase, served on a free loopback port."""
    path = tmp_path / "live.db"
    with Workshop.create(path, title="Browser test", plan=demo_plan()) as ws:
        ws.update_info(phase="proposals")
        code = ws.join_code()
    port = free_port()
    log = (tmp_path / "serve.log").open("w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "workshop", "serve", str(path), "--port", str(port), "--terminal"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"workshop serve did not start:\n{log.read()}")
            time.sleep(0.1)
    yield url, path, code
    server.send_signal(signal.SIGINT)
    try:
        assert server.wait(timeout=15) == 0
    finally:
        if server.poll() is None:
            server.kill()
        log.close()


def test_browser_joins_with_the_code_and_adds_a_proposal(served, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    url, path, code = served
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            outside: list[str] = []
            page.on("request", lambda r: None if r.url.startswith(url) else outside.append(r.url))
            page.add_init_script(RECORD_TERMINAL)

            def wait_for_text(text: str) -> None:
                try:
                    page.wait_for_function(
                        "t => window.__tty.includes(t)", arg=text, timeout=45_000
                    )
                except Exception:
                    page.screenshot(path=str(tmp_path / "failure.png"))
                    raise

            page.goto(url)
            assert page.title() == "Join a workshop"  # nothing of the workshop yet
            assert "Browser test" not in page.content()
            page.get_by_label("Join code").fill("WRONG1")
            page.get_by_role("button", name="Join").click()
            page.get_by_role("alert").wait_for()
            assert "not this workshop's join code" in page.get_by_role("alert").inner_text()
            assert page.title() == "Join a workshop"
            page.get_by_label("Join code").fill(code.lower())  # case does not matter
            page.keyboard.press("Enter")
            page.wait_for_selector("body.-first-byte", timeout=45_000)
            assert page.title() == "Browser test"
            wait_for_text("Your name")
            page.locator(".xterm-helper-textarea").focus()
            page.keyboard.type("Bea")
            wait_for_text("Bea")
            page.keyboard.press("Control+s")
            wait_for_text("you are Bea")
            page.keyboard.press("a")
            wait_for_text("Propose a change")
            page.keyboard.type("Text customers when the van leaves")
            wait_for_text("van leaves")
            page.keyboard.press("Control+s")
            deadline = time.monotonic() + 20
            while True:  # a fresh look each time, as another program would
                with Workshop.open(path) as ws:
                    titles = [p.title for p in ws.proposals()]
                    latest = ws.history(limit=1)[0]
                if "Text customers when the van leaves" in titles or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert "Text customers when the van leaves" in titles
            assert latest["actor"] == "Bea" and latest["kind"] == "add"
            assert outside == [], f"the page asked for outside resources: {outside}"
        finally:
            browser.close()
