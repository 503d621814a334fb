"""`workshop serve` in front of the terminal sessions: nothing of the workshop before the right
join code (not even its title), codes tried through the store's attempt limits, a cookie that
scripts cannot read, no session process before the code. Runs the real aiohttp application
in-process on loopback, with a real workshop file."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from screens.serve import KEY_COOKIE, WRONG_CODE, WorkshopServer
from workshop import Workshop
from workshop.demo import demo_plan
from workshop.room import FREE_ATTEMPTS

TITLE = "Secret <script>alert(1)</script> merger"


@pytest.fixture
def workshop_file(tmp_path: Path) -> Path:
    path = tmp_path / "served.db"
    Workshop.create(path, title=TITLE, plan=demo_plan()).close()
    return path


@pytest.fixture
async def client(workshop_file: Path):
    server = WorkshopServer(workshop_file, host="127.0.0.1", port=0, title=TITLE, greeting="")
    async with TestClient(TestServer(await server._make_app())) as test_client:
        yield test_client


def token_of(page: str) -> str:
    found = re.search(r'name="token" value="([0-9a-f]+)"', page)
    assert found, page
    return found.group(1)


async def join_page(client: TestClient) -> str:
    response = await client.get("/")
    assert response.status == 200
    return await response.text()


async def test_the_first_page_names_nothing_of_the_workshop(client, workshop_file) -> None:
    response = await client.get("/")
    page = await response.text()
    assert "<title>Join a workshop</title>" in page
    with Workshop.open(workshop_file) as ws:
        secrets = [ws.info().title, "merger", *(g.name for g in ws.groups())]
        secrets += [p.title for p in ws.proposals()]
    assert not [word for word in secrets if word in page]
    cookie = response.headers["Set-Cookie"]
    assert KEY_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert response.headers["Cache-Control"] == "no-store"


async def test_no_session_starts_before_the_right_code(client) -> None:
    await join_page(client)
    refused = await client.get("/ws")
    assert refused.status == 403


async def test_a_wrong_code_is_refused_and_logged(client, workshop_file) -> None:
    page = await join_page(client)
    response = await client.post("/join", data={"code": "WRONG1", "token": token_of(page)})
    assert response.status == 403
    assert WRONG_CODE in html.unescape(await response.text())
    assert (await client.get("/ws")).status == 403
    with Workshop.open(workshop_file) as ws:
        tried = ws.attempts()
    assert [(a.kind, a.ok) for a in tried] == [("join code", False)]
    assert tried[0].source.startswith("browser 127.0.0.1")


async def test_the_right_code_opens_the_terminal_page(client, workshop_file) -> None:
    with Workshop.open(workshop_file) as ws:
        code = ws.join_code()
    page = await join_page(client)
    response = await client.post(
        "/join", data={"code": code.lower(), "token": token_of(page)}, allow_redirects=False
    )
    assert response.status == 303
    terminal = await (await client.get("/")).text()
    assert "Secret &lt;script&gt;alert(1)&lt;/script&gt; merger" in terminal  # escaped
    assert "<script>alert(1)" not in terminal
    assert 'data-session-websocket-url="ws"' in terminal


async def test_a_join_without_the_pages_token_is_refused(client, workshop_file) -> None:
    with Workshop.open(workshop_file) as ws:
        code = ws.join_code()
    await join_page(client)
    for token in ("", "0" * 64):
        response = await client.post("/join", data={"code": code, "token": token})
        assert response.status == 403
        assert "session expired" in await response.text()
    assert (await client.get("/ws")).status == 403


async def test_a_join_from_another_site_is_refused(client, workshop_file) -> None:
    with Workshop.open(workshop_file) as ws:
        code = ws.join_code()
    page = await join_page(client)
    response = await client.post(
        "/join",
        data={"code": code, "token": token_of(page)},
        headers={"Origin": "http://evil.example"},
    )
    assert response.status == 403
    assert KEY_COOKIE not in response.cookies  # a refused post never replaces the key


async def test_a_refused_post_never_sets_a_key(client) -> None:
    """Another site's form, posted without the browser's cookie: refused, and no key is
    handed out (only the join page's GET gives one)."""
    client.session.cookie_jar.clear()
    response = await client.post("/join", data={"code": "ABCDEF", "token": ""})
    assert response.status == 403
    assert KEY_COOKIE not in response.cookies


async def test_wrong_codes_back_off_for_every_tab(client, workshop_file) -> None:
    with Workshop.open(workshop_file) as ws:
        code = ws.join_code()
    for _ in range(FREE_ATTEMPTS):
        client.session.cookie_jar.clear()  # a new tab, a new cookie: the count stays
        page = await join_page(client)
        await client.post("/join", data={"code": "NOPE99", "token": token_of(page)})
    client.session.cookie_jar.clear()
    page = await join_page(client)
    response = await client.post("/join", data={"code": code, "token": token_of(page)})
    assert response.status == 403
    assert "Too many wrong join codes lately: try again in" in await response.text()
    assert (await client.get("/ws")).status == 403


async def test_a_renewed_code_lets_the_room_in_again(client, workshop_file) -> None:
    for _ in range(FREE_ATTEMPTS + 1):
        page = await join_page(client)
        await client.post("/join", data={"code": "NOPE99", "token": token_of(page)})
    with Workshop.open(workshop_file) as ws:
        code = ws.renew_join_code()
    page = await join_page(client)
    response = await client.post(
        "/join", data={"code": code, "token": token_of(page)}, allow_redirects=False
    )
    assert response.status == 303


async def test_a_huge_or_hostile_code_is_just_wrong(client) -> None:
    for typed in ("x" * 100_000, "[/]", "{{ 7*7 }}", "<script>", "\x00\x1b[31m"):
        page = await join_page(client)
        response = await client.post("/join", data={"code": typed, "token": token_of(page)})
        assert response.status in (403, 413)
        body = await response.text()
        assert "<script>" not in body and typed[:50] not in body  # never echoed
