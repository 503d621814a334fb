"""`workshop serve` starts the participant web room (one process), `--terminal` the old
textual-serve screens; loopback unless told otherwise, with a warning on stderr then."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from click.testing import CliRunner

from workshop import Workshop, cli
from workshop.demo import demo_plan

ROOT = Path(__file__).resolve().parent.parent
GREETING_URL = re.compile(r"at (http://\S+?:\d+/)")


@pytest.fixture
def served_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Only the start of the server is replaced: record how `serve` would start it."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(cli, "_serve", lambda file, **options: calls.append(options))
    return calls


def invoke(*args: object):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def test_serve_help_names_both_servers() -> None:
    result = invoke("serve", "--help")
    assert result.exit_code == 0
    assert "--terminal" in result.output and "--host" in result.output
    assert "phone" in result.output and "browser" in result.output


def test_serve_starts_the_web_room_on_loopback_by_default(workshop_path, served_calls) -> None:
    result = invoke("serve", workshop_path, "--port", "8765")
    assert result.exit_code == 0, result.output
    (options,) = served_calls
    assert options["host"] == "127.0.0.1" and options["port"] == 8765
    assert options["terminal"] is False
    assert "Serving “Small org” at http://localhost:8765/" in options["greeting"]
    with Workshop.open(workshop_path) as ws:
        assert f"Join code: {ws.join_code()}" in options["greeting"]
    assert "warning" not in result.output


def test_serve_terminal_keeps_the_old_server(workshop_path, served_calls) -> None:
    assert invoke("serve", workshop_path, "--terminal").exit_code == 0
    assert served_calls[0]["terminal"] is True


def test_serve_warns_on_stderr_when_others_can_reach_it(workshop_path, served_calls) -> None:
    result = CliRunner().invoke(cli.main, ["serve", str(workshop_path), "--host", "0.0.0.0"])
    assert result.exit_code == 0
    assert "warning: listening on 0.0.0.0" in result.stderr
    assert "warning" not in result.stdout
    assert served_calls[0]["host"] == "0.0.0.0"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("example.org", False)],
)  # fmt: skip
def test_which_addresses_are_this_machine_only(host: str, loopback: bool) -> None:
    assert cli._is_loopback(host) is loopback


def test_serve_says_so_when_the_port_is_taken(workshop_path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("serve", workshop_path, "--port", port)
    assert result.exit_code == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in result.output


def child_processes(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry))
    return found


async def test_workshop_serve_is_one_process_that_stops_on_ctrl_c(tmp_path: Path) -> None:
    path = tmp_path / "served.db"
    with Workshop.create(path, title="Served", plan=demo_plan()) as ws:
        code = ws.join_code()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workshop", "serve", str(path), "--port", str(port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        line = (await asyncio.wait_for(server.stdout.readline(), 60)).decode()
        url = GREETING_URL.search(line)
        assert url, line
        base = url.group(1).replace("localhost", "127.0.0.1")
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as session:
            async with session.get(base) as response:
                page = await response.text()
            token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', page)
            assert token and "<title>Join a workshop</title>" in page
            data = {"code": code, "name": "Bea", "csrf": token.group(1)}
            json_please = {"Accept": "application/json"}
            async with session.post(base + "join", data=data, headers=json_please) as response:
                assert response.status == 200 and (await response.json())["ok"]
            async with session.get(base + "events") as stream:
                assert stream.status == 200
                first = await asyncio.wait_for(stream.content.readuntil(b"event: view"), 30)
                assert first.endswith(b"event: view")
                assert child_processes(server.pid) == []  # no process per participant
                server.send_signal(signal.SIGINT)
                rest = await asyncio.wait_for(stream.content.read(), 30)
                assert b"event: bye" in rest
        assert await asyncio.wait_for(server.wait(), 30) == 0
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()


async def test_workshop_serve_prints_its_greeting_and_nothing_per_request(tmp_path: Path) -> None:
    """The facilitator's terminal shows the greeting, then nothing for pages, writes, refusals,
    streams, missing addresses or the stop (no access log)."""
    path = tmp_path / "quiet.db"
    with Workshop.create(path, title="Quiet", plan=demo_plan()) as ws:
        code = ws.join_code()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workshop", "serve", str(path), "--port", str(port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    try:
        assert server.stdout is not None and server.stderr is not None
        greeting = [(await asyncio.wait_for(server.stdout.readline(), 60)).decode()]
        base = f"http://127.0.0.1:{port}/"
        json_please = {"Accept": "application/json"}
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            async with session.get(base) as response:
                token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', await response.text())
            assert token
            for data in ({"code": "WRONG1", "name": "Bea"}, {"code": code, "name": "Bea"}):
                async with session.post(base + "join", headers=json_please,
                                        data={**data, "csrf": token.group(1)}):  # fmt: skip
                    pass
            for address in ("static/room.css", "static/nothing.js", "edit?table=x", ""):
                async with session.get(base + address) as response:
                    assert response.status in (200, 404)
            async with session.post(base + "proposal", data={"title": "No token"}) as response:
                assert response.status == 200  # after the redirect to the page
            async with session.get(base + "events") as stream:
                await asyncio.wait_for(stream.content.readuntil(b"event: view"), 30)
                server.send_signal(signal.SIGINT)
                await asyncio.wait_for(stream.content.read(), 30)
        assert await asyncio.wait_for(server.wait(), 30) == 0
        greeting.append((await server.stdout.read()).decode())
        printed = "".join(greeting).splitlines()
        assert printed[0].startswith("Serving “Quiet” at http://localhost:")
        assert printed[1:] == [f"Join code: {code}", "Press Ctrl+C to stop."]
        assert (await server.stderr.read()).decode() == ""
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
