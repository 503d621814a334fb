"""The participant page of `workshop serve` in a real browser: Debian's chromium driven by
Playwright against a real `workshop serve` subprocess on a temp workshop, offline, at a phone
viewport (390x844, touch) and a desktop one (1280x800).

A participant joins with the code (a wrong one is refused with the message), chooses a group,
adds a proposal, places dots until the budget is spent (the next one refused with the store's
message on the page) and sees the facilitator's phase changes, made by another process (a
`Workshop` connection of the test), arrive on the page by themselves. No request leaves the
server. On the phone every button, link and field is at least 44 px tall, and nothing scrolls
sideways at 360 px. Another site's page (a form it submits to the room, a link to it) never
logs a participant out; a participant whose name the facilitator frees is told at once.

Needs /usr/bin/chromium (`.ci/run` installs it); skipped where it is missing."""

from __future__ import annotations

import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from workshop import Workshop
from workshop.demo import demo_plan

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium")
sync_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python")

WAIT_MS = 10_000  # a bounded wait for what the page shows: generous on a busy machine
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 2}  # fmt: skip
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
TOUCH_MIN_PX = 44

# Every control a finger may aim at, as the page lays it out: tag, text, height (px). Hidden
# ones (display none, visually-hidden clips of 1 px, the skip link parked left of the page
# until focused) are left out; those scrolled out of a sideways list (the phases) count.
CONTROLS = """
() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]')]
  .map(e => [e, e.getBoundingClientRect(), getComputedStyle(e)])
  .filter(([e, r, s]) => r.width > 1 && r.height > 1 && s.visibility !== 'hidden'
                         && r.right > 0)
  .map(([e, r]) => {
    const label = (e.type === 'checkbox' || e.type === 'radio') ? e.closest('label') : null;
    const height = label ? Math.max(r.height, label.getBoundingClientRect().height) : r.height;
    return [e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''),
            (e.innerText || e.value || '').trim().slice(0, 40), Math.round(height * 10) / 10];
  })
"""
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Room:
    url: str  # the server's origin, with a final /
    path: Path
    code: str


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def room(tmp_path: Path) -> Iterator[Room]:
    """The demo workshop in the proposals phase, served by `workshop serve` on a free port."""
    path = tmp_path / "room.db"
    with Workshop.create(path, title="Room test", plan=demo_plan()) as ws:
        ws.update_info(phase="proposals")
        code = ws.join_code()
    port = free_port()
    log = (tmp_path / "serve.log").open("w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "workshop", "serve", str(path), "--port", str(port)],
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
                server.kill()
                log.seek(0)
                pytest.fail(f"workshop serve did not start:\n{log.read()}")
            time.sleep(0.1)
    yield Room(url, path, code)
    server.send_signal(signal.SIGINT)
    try:
        assert server.wait(timeout=15) == 0
    finally:
        if server.poll() is None:
            server.kill()
        log.close()


@pytest.fixture
def page_for(browser: Any, room: Room, tmp_path: Path) -> Iterator[Any]:
    """`page_for(options)`: a fresh browser context (its own cookies) and page, recording
    every request that does not go to the server; checked when the test ends."""
    contexts: list[Any] = []
    outside: list[str] = []

    def make(options: dict[str, Any]) -> Any:
        context = browser.new_context(**options)
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("request", lambda r: None if r.url.startswith(room.url) else outside.append(r.url))
        return page

    yield make
    for n, context in enumerate(contexts):
        for page in context.pages:
            with_shot = tmp_path / f"last-{n}.png"
            page.screenshot(path=str(with_shot))
        context.close()
    assert outside == [], f"the page asked for something outside the server: {outside}"


def press(button: Any) -> None:
    """A tap on a touch screen, a click elsewhere."""
    if button.page.evaluate("'ontouchstart' in window"):
        button.tap()
    else:
        button.click()


def join(page: Any, room: Room, name: str) -> None:
    page.goto(room.url)
    page.get_by_label("Join code").fill(room.code.lower())  # case does not matter
    page.get_by_label("Your name").fill(name)
    press(page.get_by_role("button", name="Join"))
    sync_api.expect(page.locator("#me")).to_contain_text(f"You are {name}")


def choose_group(page: Any, group: str) -> None:
    page.get_by_label("Your group").select_option(label=group)
    press(page.get_by_role("button", name="Choose"))
    sync_api.expect(page.locator("#me")).to_contain_text(f"of {group}")


def facilitator(room: Room) -> Workshop:
    """The facilitator's own connection to the file (another process than the server)."""
    return Workshop.open(room.path)


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_participant_joins_proposes_votes_and_follows_the_room(
    page_for: Any, room: Room, device: dict[str, Any]
) -> None:
    expect = sync_api.expect
    page = page_for(device)
    page.goto(room.url)
    expect(page).to_have_title("Join a workshop")
    assert "Room test" not in page.content()  # nothing of the workshop before the code

    page.get_by_label("Join code").fill("WRONG1")
    page.get_by_label("Your name").fill("Ada")
    press(page.get_by_role("button", name="Join"))
    expect(page.get_by_role("alert")).to_contain_text("not this workshop's join code")
    expect(page).to_have_title("Join a workshop")
    assert "Room test" not in page.content()

    join(page, room, "Ada")
    expect(page).to_have_title("Room test")
    expect(page.locator("#header")).to_contain_text("proposals")
    choose_group(page, "Warehouse")

    page.get_by_label("Title").fill("Text customers when the van leaves")
    press(page.get_by_role("button", name="Add the proposal"))
    expect(page.locator("#work")).to_contain_text("Text customers when the van leaves")
    with facilitator(room) as ws:
        mine = [p for p in ws.proposals() if p.title == "Text customers when the van leaves"]
        assert [p.owner for p in mine] == ["Warehouse"]  # in the file, owned by her group

        # The facilitator opens a vote and moves the room to it, from another process.
        round_id = ws.open_vote("Which changes first?")
        budget = ws.vote_round(round_id).votes_per_person
        proposals = ws.vote_round(round_id).proposal_ids
        ws.update_info(phase="vote")
    expect(page.locator("#header .phase strong")).to_have_text("vote")
    budget_line = page.locator("#budget")
    expect(budget_line).to_contain_text(f"{budget} of {budget} dot")

    for n, proposal_id in enumerate(proposals[:budget]):  # one dot each: never the cap
        press(page.locator(f"#dot-add-{proposal_id}"))
        expect(budget_line).to_contain_text(f"{budget - n - 1} of {budget} dot")
    press(page.locator(f"#dot-add-{proposals[budget]}"))
    expect(page.locator("#status")).to_contain_text(f"No dots left: you have placed all {budget}")
    expect(budget_line).to_contain_text(f"0 of {budget} dot")
    with facilitator(room) as ws:
        ada = ws.lookup_id("participants", "Ada")
        assert ws.ballot(round_id, ada).used == budget  # the refused dot is not in the file

        ws.update_info(phase="action plans")  # the next phase, again from another process
    expect(page.locator("#header .phase strong")).to_have_text("action plans")
    expect(page.locator("#board-title")).to_have_text("Action plans")


def test_phone_page_fits_fingers_and_a_narrow_screen(page_for: Any, room: Room) -> None:
    page = page_for(PHONE)

    def check(where: str) -> None:
        page.wait_for_load_state()  # after a form post: the style sheet has loaded too
        small = [c for c in page.evaluate(CONTROLS) if c[2] < TOUCH_MIN_PX]
        assert small == [], f"{where}: controls under {TOUCH_MIN_PX} px tall: {small}"
        page.set_viewport_size({"width": 360, "height": 740})
        try:
            assert page.evaluate(SIDEWAYS) <= 0, f"{where}: scrolls sideways at 360 px"
        finally:
            page.set_viewport_size(PHONE["viewport"])

    page.goto(room.url)
    check("join page")
    page.get_by_label("Join code").fill("WRONG1")
    page.get_by_label("Your name").fill("Bea")
    press(page.get_by_role("button", name="Join"))
    sync_api.expect(page.get_by_role("alert")).to_be_visible()
    check("join page with an error")

    join(page, room, "Bea")
    choose_group(page, "Customer Support")
    # A long word (a typed address) must wrap, not widen the page.
    title = "Call back within the hour: example.org/support/callbacks-within-one-hour-always"
    page.get_by_label("Title").fill(title)
    press(page.get_by_role("button", name="Add the proposal"))
    sync_api.expect(page.locator("#work")).to_contain_text(title)
    check("proposals phase")

    with facilitator(room) as ws:
        round_id = ws.open_vote("Which changes first?")
        first = ws.vote_round(round_id).proposal_ids[0]
        ws.update_info(phase="vote")
    sync_api.expect(page.locator("#header .phase strong")).to_have_text("vote")
    press(page.locator(f"#dot-add-{first}"))
    sync_api.expect(page.locator(f"#dot-remove-{first}")).to_be_visible()
    check("vote phase")


@pytest.fixture
def elsewhere() -> Iterator[Any]:
    """`elsewhere(html)`: the address of a page with that HTML on another site (localhost, not
    127.0.0.1: another host, so another site), served from a thread of this process."""
    pages: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            body = pages.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def make(html: str) -> str:
        path = f"/page{len(pages)}"
        pages[path] = html.encode()
        return f"http://localhost:{server.server_address[1]}{path}"

    yield make
    server.shutdown()
    server.server_close()


def test_another_sites_pages_never_log_a_participant_out(
    browser: Any, room: Room, elsewhere: Any
) -> None:
    context = browser.new_context(**DESKTOP)
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        join(page, room, "Vic")

        def key() -> list[str]:
            return [c["value"] for c in context.cookies(room.url) if c["name"] == "workshop_key"]

        held = key()
        assert len(held) == 1
        # A page of another site submits a join form to the room as soon as it opens.
        post = elsewhere(
            f'<form id="f" method="post" action="{room.url}join"><input name="code" value="x">'
            '<input name="name" value="Mallory"></form><script>f.submit()</script>'
        )
        page.goto(post)
        page.wait_for_url(room.url + "join")
        sync_api.expect(page.get_by_role("alert")).to_contain_text("from another site")
        assert key() == held
        press(page.get_by_role("link", name="Open the workshop page"))
        sync_api.expect(page.locator("#me")).to_contain_text("You are Vic")
        # A link to the room on another site (a chat's, say): the browser withholds the key.
        link = elsewhere(f'<a id="room" href="{room.url}">The workshop</a>')
        page.goto(link)
        press(page.locator("#room"))
        sync_api.expect(page.locator("#me")).to_contain_text("You are Vic")
        assert page.url == room.url and key() == held
        with facilitator(room) as ws:
            assert ws.lookup_id("participants", "Mallory") is None
    finally:
        context.close()


def test_a_freed_name_is_told_at_once_and_joins_again(page_for: Any, room: Room) -> None:
    expect = sync_api.expect
    page = page_for(DESKTOP)
    join(page, room, "Flo")
    with facilitator(room) as ws:
        ws.free_name(ws.lookup_id("participants", "Flo"))
    banner = page.locator("#banner")
    expect(banner).to_contain_text("Your name was freed by the facilitator: join again")
    expect(page.locator("#main")).to_have_attribute("inert", "")
    press(banner.get_by_role("link", name="Open the join page"))
    expect(page).to_have_title("Join a workshop")
    expect(page.locator(".notice")).to_contain_text("Your name was freed by the facilitator")
    join(page, room, "Flo")  # the same browser takes the name back


def tab_to(page: Any, selector: str, most: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus (as a keyboard user
    would), failing after `most` presses."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_keyboard_alone_joins_and_votes(page_for: Any, room: Room) -> None:
    """No mouse, no touch: Tab, typing and Enter join the room, choose a group and place a
    dot; every field is named by its label (what a screen reader reads out)."""
    expect = sync_api.expect
    with facilitator(room) as ws:
        round_id = ws.open_vote("Which changes first?")
        first = ws.vote_round(round_id).proposal_ids[0]
        budget = ws.vote_round(round_id).votes_per_person
        ws.update_info(phase="vote")
    page = page_for(DESKTOP)
    page.goto(room.url)
    for label in ("Join code", "Your name"):
        expect(page.get_by_label(label)).to_be_visible()
    tab_to(page, "input[name=code]")
    page.keyboard.type(room.code)
    tab_to(page, "input[name=name]")
    page.keyboard.type("Kay")
    page.keyboard.press("Enter")
    expect(page.locator("#me")).to_contain_text("You are Kay")
    tab_to(page, "select[name=group_id]")
    page.keyboard.press("ArrowDown")  # the next group in the list
    group = page.evaluate("document.activeElement.selectedOptions[0].textContent.trim()")
    tab_to(page, "form[action='/group'] button")
    page.keyboard.press("Enter")
    expect(page.locator("#me")).to_contain_text(f"of {group}")
    tab_to(page, f"#dot-add-{first}")
    page.keyboard.press("Enter")
    expect(page.locator("#budget")).to_contain_text(f"{budget - 1} of {budget} dot")
    with facilitator(room) as ws:
        assert ws.ballot(round_id, ws.lookup_id("participants", "Kay")).used == 1
