"""A room of N participants on one `workshop serve` process, over the real protocol.

A demo-size workshop in a temp dir is served by `python -m workshop serve FILE --port P` (a real
subprocess; its URL is read from the greeting it prints). N simulated participants, each an
aiohttp session with its own cookie jar, all in one asyncio loop of this process:

1. all join with the code (GET / for the key cookie and CSRF token, POST /join): join failures
   and the join times are reported;
2. each opens GET /events (Server-Sent Events) and waits for its first `view` event;
3. the facilitator (a `Workshop.open` connection in this process) opens a vote round and moves
   the phase to vote; each participant places more dots than its budget via POST /vote (the
   extra must be refused, with 409) and marks itself done (POST /ready); the store is then asked
   how many dots each participant has: accepted dots missing from it are lost, more than the
   budget is over budget;
4. the facilitator makes a series of changes (phase moves, new proposals, new groups, each with
   a unique marker), and for each the time from its commit until every participant's stream has
   delivered an event containing it is measured (p50 / p95 over all deliveries; a delivery that
   has not come within `UPDATE_TIMEOUT` counts as that timeout and as missed).

The server's peak RSS (VmHWM, with any child process: there must be none) and CPU seconds are
read from /proc. Every wait is bounded: a stuck server gives a figure of a timeout, not a hang.

The client is kept light (it shares the two cores with the server): one loop, raw chunks of the
event stream searched for the one marker awaited, no SSE parsing beyond that.

`python -m benchmarks --only room` runs 100 participants (room_*) and 300 (room300_*);
`python -m benchmarks.room --participants N` runs one size."""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import functools
import json
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.terminal import ROOT
from workshop import Workshop
from workshop.demo import demo_plan

EXTRA = 2  # dots each participant tries beyond its budget, which the store must refuse
CHANGES = 10  # the facilitator's changes measured after the vote (the vote's opening aside)
UPDATE_TIMEOUT = 10.0  # seconds to wait for every stream to deliver one change
REQUEST_TIMEOUT = 30.0  # seconds for one HTTP request (joins of 300 at once queue up)
START_TIMEOUT = 30.0  # seconds for the server to print its greeting
FIRST_VIEW_TIMEOUT = 30.0  # seconds for every stream to deliver its first view
TAIL = 200  # bytes of a stream kept to find a marker split between two chunks
CSRF_META = re.compile(r'<meta\s+name="csrf-token"\s+content="([^"]*)"')
CSRF_FIELD = re.compile(r'name="csrf"\s+value="([^"]*)"|value="([^"]*)"\s+name="csrf"')
GREETING_URL = re.compile(r"http://(\S+?):(\d+)/")
FIRST_VIEW = b"event: view"
JSON = {"Accept": "application/json"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def csrf_token(page: str) -> str | None:
    """The CSRF token of a page: its meta tag, else a form's hidden field."""
    found = CSRF_META.search(page)
    if found:
        return found.group(1)
    found = CSRF_FIELD.search(page)
    return (found.group(1) or found.group(2)) if found else None


# -- the server process ------------------------------------------------------------------


class Server:
    """`python -m workshop serve FILE --port P` as a subprocess; `base` is its URL, read from
    its greeting. Its output is drained by a thread (the last lines kept for a failure)."""

    def __init__(self, path: Path, port: int | None = None, timeout: float = START_TIMEOUT):
        self.port = port or free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "workshop", "serve", str(path), "--port", str(self.port)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env=env, cwd=ROOT, start_new_session=True,
        )  # fmt: skip
        self.pid = self.process.pid
        self.output: collections.deque[str] = collections.deque(maxlen=200)
        self._url = threading.Event()
        self.base = ""
        threading.Thread(target=self._drain, daemon=True).start()
        if not self._url.wait(timeout) or not self.base:
            self.stop()
            raise RuntimeError(f"workshop serve printed no URL within {timeout:.0f} s:\n"
                               + self.log())  # fmt: skip

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.output.append(line)
            found = GREETING_URL.search(line)
            if found and not self.base:
                host = found.group(1)
                host = "127.0.0.1" if host in ("localhost", "127.0.0.1") else host
                self.base = f"http://{host}:{found.group(2)}"
                self._url.set()
        self._url.set()  # ended without a URL

    def log(self) -> str:
        return "\n".join(self.output)

    def processes(self) -> list[int]:
        """The server's pid and those of all its descendants."""
        parents: dict[int, list[int]] = collections.defaultdict(list)
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(stat[stat.rindex(")") + 2 :].split()[1])].append(int(entry))
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(parents.get(pid, []))
        return found

    def rss_mb(self, peak: bool = True) -> float:
        """The resident memory of the server and its descendants (peak: VmHWM, else VmRSS)."""
        field_name = "VmHWM:" if peak else "VmRSS:"
        total = 0
        for pid in self.processes():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith(field_name):
                        total += int(line.split()[1])
            except OSError:
                continue
        return round(total / 1024, 1)

    def cpu_s(self) -> float:
        """CPU seconds (user + system) of the server, with any children it waited for."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks = sum(int(fields[n]) for n in (11, 12, 13, 14))  # utime stime cutime cstime
        return round(ticks / os.sysconf("SC_CLK_TCK"), 2)

    def stop(self) -> int | None:
        """Ctrl+C, as a facilitator stops it; killed past 15 s. Its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        return self.process.returncode

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- the participants --------------------------------------------------------------------


@dataclass
class Probe:
    """The change awaited: `needle` searched in every stream's chunks since `committed`."""

    needle: re.Pattern[bytes] | None = None
    committed: float = 0.0
    delays: dict[int, float] = field(default_factory=dict)
    expected: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def start(self, needle: re.Pattern[bytes], expected: int) -> None:
        self.needle, self.expected = needle, expected
        self.delays, self.done = {}, asyncio.Event()
        self.committed = time.perf_counter()

    def seen(self, index: int) -> None:
        self.delays[index] = (time.perf_counter() - self.committed) * 1000
        if len(self.delays) >= self.expected:
            self.done.set()


@dataclass
class Person:
    index: int
    name: str
    session: aiohttp.ClientSession
    csrf: str = ""
    joined: bool = False
    join_ms: float = 0.0
    join_error: str = ""
    streaming: bool = False
    first_view: asyncio.Event = field(default_factory=asyncio.Event)
    ended: str = ""  # why its stream ended, if it did
    events: int = 0
    bytes: int = 0
    accepted: int = 0
    refused: int = 0
    vote_errors: int = 0
    vote_ms: list[float] = field(default_factory=list)
    ready: bool = False


class Room:
    """N participants of one server, in this process's loop."""

    def __init__(self, base: str, code: str, participants: int) -> None:
        self.base, self.code = base, code
        self.timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        self.people = [
            Person(n, f"Bench {n:03d}", self._session()) for n in range(participants)
        ]  # fmt: skip
        self.probe = Probe()
        self.tasks: list[asyncio.Task[None]] = []

    def _session(self) -> aiohttp.ClientSession:
        # unsafe: the jar must keep cookies from an IP address (127.0.0.1).
        return aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            connector=aiohttp.TCPConnector(limit=4),
            read_bufsize=2**20,
        )

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await asyncio.gather(*(p.session.close() for p in self.people), return_exceptions=True)

    async def post(self, person: Person, route: str, data: dict[str, Any]) -> tuple[int, dict]:
        async with person.session.post(
            self.base + route, data={**data, "csrf": person.csrf}, headers=JSON,
            timeout=self.timeout, allow_redirects=False,
        ) as response:  # fmt: skip
            try:
                body = json.loads(await response.read())
            except ValueError:
                body = {}
            return response.status, body if isinstance(body, dict) else {}

    # -- joining ------------------------------------------------------------------------

    async def join(self, person: Person) -> None:
        started = time.perf_counter()
        try:
            async with person.session.get(self.base + "/", timeout=self.timeout) as response:
                person.csrf = csrf_token(await response.text()) or ""
            if not person.csrf:
                person.join_error = "no CSRF token on the join page"
                return
            status, body = await self.post(person, "/join", {"code": self.code,
                                                             "name": person.name})  # fmt: skip
            if status != 200 or not body.get("ok"):
                person.join_error = f"{status}: {body.get('message', '')}"
                return
            async with person.session.get(self.base + "/", timeout=self.timeout) as response:
                page = await response.text()
            person.csrf = csrf_token(page) or person.csrf
            if "<title>Join a workshop</title>" in page:
                person.join_error = "joined, but / still shows the join page"
                return
            person.joined = True
            person.join_ms = (time.perf_counter() - started) * 1000
        except (TimeoutError, aiohttp.ClientError) as error:
            person.join_error = f"{type(error).__name__}: {error}"

    # -- the live channel ---------------------------------------------------------------

    async def listen(self, person: Person) -> None:
        probe = self.probe
        try:
            response = await person.session.get(
                self.base + "/events",
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=REQUEST_TIMEOUT),
            )
            async with response:
                if response.status != 200:
                    person.ended = f"GET /events answered {response.status}"
                    return
                person.streaming = True
                tail = b""
                async for chunk in response.content.iter_any():
                    person.bytes += len(chunk)
                    person.events += chunk.count(b"\n\n")
                    data = tail + chunk
                    if not person.first_view.is_set() and FIRST_VIEW in data:
                        person.first_view.set()
                    needle = probe.needle
                    if (
                        needle is not None
                        and person.index not in probe.delays
                        and needle.search(data)
                    ):
                        probe.seen(person.index)
                    tail = data[-TAIL:]
                person.ended = "the server ended the stream"
        except asyncio.CancelledError:
            raise
        except (TimeoutError, aiohttp.ClientError) as error:
            person.ended = f"{type(error).__name__}: {error}"
        finally:
            person.streaming = False

    async def until_delivered(self, needle: re.Pattern[bytes], commit: Any) -> list[float]:
        """Run `commit` (the facilitator's change), then wait until every joined stream has
        delivered `needle`: the delays in ms, a missed delivery counting as the timeout."""
        listening = [p for p in self.people if p.joined]
        commit()
        self.probe.start(needle, len(listening))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.probe.done.wait(), UPDATE_TIMEOUT)
        delays = dict(self.probe.delays)
        self.probe.needle = None
        return [delays.get(p.index, UPDATE_TIMEOUT * 1000) for p in listening]

    # -- voting -------------------------------------------------------------------------

    async def vote(self, person: Person, round_id: int, picks: list[int]) -> None:
        for proposal_id in picks:
            started = time.perf_counter()
            try:
                status, body = await self.post(person, "/vote", {
                    "round_id": round_id, "proposal_id": proposal_id, "change": "add"})  # fmt: skip
            except (TimeoutError, aiohttp.ClientError):
                person.vote_errors += 1
                continue
            person.vote_ms.append((time.perf_counter() - started) * 1000)
            if status == 200 and body.get("ok"):
                person.accepted += 1
            elif status == 409:
                person.refused += 1
            else:
                person.vote_errors += 1
        try:
            status, body = await self.post(person, "/ready", {"ready": "1"})
            person.ready = status == 200 and bool(body.get("ok"))
        except (TimeoutError, aiohttp.ClientError):
            person.ready = False


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (q of 100) of `values`; 0 for none."""
    if not values:
        return 0.0
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1)


def phase_is(phase: str) -> re.Pattern[bytes]:
    """The `phase` field of a view event's JSON (a quote inside its html is escaped: \\")."""
    return re.compile(rb'"phase":\s*' + re.escape(json.dumps(phase).encode()))


def changes(ws: Workshop, count: int) -> list[tuple[re.Pattern[bytes], Any]]:
    """The facilitator's changes: (what every stream must deliver, the commit). Phase moves,
    then new proposals (shown in the proposals phase) and new groups (the groups phase)."""
    owner = ws.lookup_id("groups", "Sales")
    plan: list[tuple[re.Pattern[bytes], Any]] = []
    steps = ["proposals", "proposal", "proposal", "proposal", "proposal",
             "groups & roles", "group", "group", "group", "group"]  # fmt: skip
    for n in range(count):
        step = steps[n % len(steps)]
        marker = f"Mk{n:03d}x{os.getpid() % 1000:03d}"
        if step == "proposal":
            commit = functools.partial(ws.add_proposal, f"Room change {marker}", owner_id=owner)
            plan.append((re.compile(re.escape(marker.encode())), commit))
        elif step == "group":
            commit = functools.partial(ws.add_group, f"Team {marker}")
            plan.append((re.compile(re.escape(marker.encode())), commit))
        else:
            plan.append((phase_is(step), functools.partial(ws.update_info, phase=step)))
    return plan


async def drive(server: Server, path: Path, participants: int, change_count: int) -> dict:
    ws = Workshop.open(path)
    room = Room(server.base, ws.join_code(), participants)
    figures: dict[str, Any] = {}
    try:
        started = time.perf_counter()
        await asyncio.gather(*(room.join(p) for p in room.people))
        figures["join_s"] = round(time.perf_counter() - started, 2)
        joined = [p for p in room.people if p.joined]
        figures["join_failures"] = participants - len(joined)
        figures["join_p95_ms"] = percentile([p.join_ms for p in joined], 95)
        errors = collections.Counter(p.join_error for p in room.people if p.join_error)
        if errors:
            print(f"room: join failures: {dict(errors.most_common(3))}", file=sys.stderr)

        room.tasks = [asyncio.create_task(room.listen(p)) for p in joined]
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(p.first_view.wait() for p in joined)), FIRST_VIEW_TIMEOUT
            )
        figures["stream_failures"] = sum(not p.first_view.is_set() for p in joined)
        figures["server_rss_joined_mb"] = server.rss_mb(peak=False)

        # The vote: its opening and the phase move are the first change measured.
        round_id = ws.open_vote("Which changes first?")
        budget = ws.vote_round(round_id).votes_per_person
        proposals = [p.id for p in ws.proposals()]
        delays = await room.until_delivered(phase_is("vote"), lambda: ws.update_info(phase="vote"))
        started = time.perf_counter()
        await asyncio.gather(*(
            room.vote(p, round_id, [proposals[(p.index + k // 2) % len(proposals)]
                                    for k in range(budget + EXTRA)])
            for p in joined
        ))  # fmt: skip
        figures["vote_s"] = round(time.perf_counter() - started, 2)
        stored = dict(ws.conn.execute(
            "select p.name, count(v.id) from participants p left join votes v"
            " on v.participant_id = p.id and v.round_id = ? where p.name like 'Bench %'"
            " group by p.id", [round_id]).fetchall())  # fmt: skip
        figures["dots_accepted"] = sum(p.accepted for p in joined)
        figures["dots_refused"] = sum(p.refused for p in joined)
        figures["lost_dots"] = sum(max(0, p.accepted - stored.get(p.name, 0)) for p in joined)
        figures["over_budget"] = sum(1 for n in stored.values() if n > budget)
        figures["vote_errors"] = sum(p.vote_errors for p in joined)
        figures["vote_p95_ms"] = percentile([ms for p in joined for ms in p.vote_ms], 95)
        done = {name for name in ws.readiness().names if name.startswith("Bench ")}
        figures["ready_failures"] = sum(p.name not in done for p in joined)

        for n, (needle, commit) in enumerate(changes(ws, change_count)):
            await asyncio.sleep(0.05 + (n % 7) * 0.023)  # commits land all over a poll cycle
            delays += await room.until_delivered(needle, commit)
        limit = UPDATE_TIMEOUT * 1000
        figures["updates"] = change_count + 1
        figures["update_p50_ms"] = percentile(delays, 50)
        figures["update_p95_ms"] = percentile(delays, 95)
        figures["update_max_ms"] = round(max(delays), 1) if delays else 0.0
        figures["update_missed"] = sum(1 for d in delays if d >= limit)
        figures["streams_ended"] = sum(1 for p in joined if p.ended)
        figures["events_per_participant"] = round(
            statistics.mean(p.events for p in joined), 1) if joined else 0  # fmt: skip
        figures["sse_kb_per_participant"] = round(
            statistics.mean(p.bytes for p in joined) / 1024, 1) if joined else 0  # fmt: skip
        ended = collections.Counter(p.ended for p in joined if p.ended)
        if ended:
            print(f"room: streams ended: {dict(ended.most_common(3))}", file=sys.stderr)
    finally:
        await room.close()
        ws.close()
    return figures


def raise_open_files() -> None:
    """Each participant holds two sockets here and two in the server: lift the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def measure(
    participants: int = 100, changes: int = CHANGES, prefix: str = "room"
) -> dict[str, object]:
    raise_open_files()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "room.db"
        plan = demo_plan()
        Workshop.create(path, title=plan["workshop"]["title"], plan=plan).close()
        with Server(path) as server:
            client = time.process_time()
            figures = asyncio.run(drive(server, path, participants, changes))
            figures["client_cpu_s"] = round(time.process_time() - client, 2)
            figures["server_processes"] = len(server.processes())
            figures["server_rss_mb"] = server.rss_mb(peak=True)
            figures["server_cpu_s"] = server.cpu_s()
            alive = server.process.poll() is None
            stopping = time.perf_counter()
            figures["server_exit"] = server.stop()
            figures["server_stop_s"] = round(time.perf_counter() - stopping, 1)
        if not alive:
            print(f"room: the server had ended:\n{server.log()}", file=sys.stderr)
    figures["participants"] = participants
    order = ["participants", "join_failures", "join_s", "join_p95_ms", "stream_failures",
             "update_p50_ms", "update_p95_ms", "update_max_ms", "update_missed", "updates",
             "lost_dots", "over_budget", "dots_accepted", "dots_refused", "vote_errors",
             "vote_s", "vote_p95_ms", "ready_failures", "server_rss_mb", "server_rss_joined_mb",
             "server_cpu_s", "server_processes", "server_exit", "server_stop_s", "client_cpu_s",
             "streams_ended", "events_per_participant",
             "sse_kb_per_participant"]  # fmt: skip
    return {f"{prefix}_{key}": figures[key] for key in order if key in figures}


def suite(quick: bool = False) -> dict[str, object]:
    """The `room` suite: 100 participants (room_*) and 300 (room300_*, left out when quick)."""
    figures = measure(100, changes=5 if quick else CHANGES)
    if not quick:
        figures.update(measure(300, prefix="room300"))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.room",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--changes", type=int, default=CHANGES)
    args = parser.parse_args()
    print(json.dumps(measure(args.participants, changes=args.changes), indent=2))


if __name__ == "__main__":
    main()
