"""One facilitator leads the room at a time: the lead is a lease in the workshop file, kept
alive by a heartbeat; a second facilitator is told who leads since when and chooses; the
store refuses the room's moves to a facilitator connection while someone else leads."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from screens.app import WorkshopApp
from screens.lead_question import LeadQuestion
from screens.phase_screen import PhaseScreen
from workshop import Workshop, WorkshopError, cli
from workshop.lead import (
    LEAD_STALE_SECONDS,
    ROOM_MOVES,
    LeadTaken,
    NotLeading,
    keep_leading,
    shown,
)

ROOT = Path(__file__).resolve().parent.parent
SIZE = (120, 40)
HOSTILE = ["[/]", "[@click=app.quit]", "<script>alert(1)</script>", "{{ 7*7 }}"]


@pytest.fixture
def two(workshop_path: Path, connect: Callable[..., Workshop]) -> tuple[Workshop, Workshop]:
    """Two facilitators' connections to one real file, as two programs would have."""
    return connect(workshop_path, "Dana"), connect(workshop_path, "Sam")


# -- the lease in the store ------------------------------------------------------------------


def test_a_second_facilitator_is_told_who_leads_since_when(two) -> None:
    dana, sam = two
    held = dana.take_lead()
    assert (held.name, held.mine, held.pid) == ("Dana", True, os.getpid())
    with pytest.raises(LeadTaken) as taken:
        sam.take_lead()
    lead = taken.value.lead
    assert (lead.who, lead.mine) == ("Dana", False)
    assert f"Dana leads this room since {held.since_clock()}" in str(taken.value)
    assert held.since_clock() == time.strftime("%H:%M", time.localtime(held.since))
    assert str(os.getpid()) in str(taken.value)
    assert dana.leads() and not sam.leads()
    assert sam.other_leader() == lead and dana.other_leader() is None


# Every room move, as a facilitator's script would ask for it.
MOVES: dict[str, Callable[[Workshop], Any]] = {
    "phase": lambda ws: ws.update_info(phase="vote"),
    "timer": lambda ws: ws.start_timer(60),
    "stop timer": lambda ws: ws.stop_timer(),
    "undo": lambda ws: ws.undo(),
    "redo": lambda ws: ws.redo(),
    "open a vote": lambda ws: ws.open_vote("First?"),
    "renew the code": lambda ws: ws.renew_join_code(),
    "set the PIN": lambda ws: ws.set_pin("2468"),
    "free a name": lambda ws: ws.free_name(ws.lookup_id("participants", "Dana K.")),
    "remove": lambda ws: ws.remove_participant(ws.lookup_id("participants", "Ann")),
}


@pytest.mark.parametrize("move", MOVES, ids=list(MOVES))
def test_the_room_moves_are_refused_to_a_facilitator_who_does_not_lead(two, move: str) -> None:
    dana, sam = two
    sam.add_group("Legal")  # something to undo
    sam.join("Ann")  # someone to remove
    dana.take_lead()
    before = (sam.info(), sam.timer(), sam.history(), sam.join_code())
    with pytest.raises(NotLeading) as refused:
        MOVES[move](sam)
    message = str(refused.value)
    assert message.startswith(
        f"Someone else leads this room now (Dana since {dana.lead().since_clock()})"
    )
    assert "\n" not in message and "workshop run" in message
    assert (sam.info(), sam.timer(), sam.history(), sam.join_code()) == before


def test_data_edits_reads_and_one_shot_commands_need_no_lead(two) -> None:
    """What a script or the command line's one-shot commands do (add and edit records,
    import, export, rename the workshop) works while someone else leads."""
    dana, sam = two
    dana.take_lead()
    legal = sam.add_group("Legal", role="Contracts")
    sam.update_group(legal, role="Contracts and claims")
    assert sam.import_plan({"groups": [{"name": "Finance"}]})["groups"] == 1
    assert sam.import_comments_csv("text\nSlow again\n") == 1
    sam.update_info(title="Renamed by a script")
    assert "Renamed by a script" in sam.export("md")
    assert sam.attempts() == []
    sam.delete_group(legal)
    assert dana.info().title == "Renamed by a script"


def test_without_a_leader_a_plain_script_moves_the_room(small_workshop: Workshop) -> None:
    assert small_workshop.leader() is None
    small_workshop.update_info(phase="vote")
    small_workshop.start_timer(60)
    small_workshop.add_group("Legal")
    assert small_workshop.undo() == "Added group Legal"
    assert small_workshop.info().phase == "vote"


def test_the_leader_itself_moves_the_room(two) -> None:
    dana, _ = two
    dana.take_lead()
    dana.update_info(phase="vote")
    dana.start_timer(60)
    assert dana.open_vote("First?") > 0


def test_taking_over_moves_the_lead_and_the_first_one_can_no_longer_move_the_room(two) -> None:
    dana, sam = two
    first = dana.take_lead()
    taken = sam.take_lead(take_over=True)
    assert (taken.name, taken.mine) == ("Sam", True)
    assert taken.since >= first.since
    assert sam.leads() and not dana.leads()
    assert dana.beat_lead() is False  # its heartbeat learns it too
    assert dana.leader() is not None and dana.leader().who == "Sam"
    with pytest.raises(NotLeading, match=r"Someone else leads this room now \(Sam since"):
        dana.update_info(phase="vote")
    sam.update_info(phase="vote")
    assert dana.info().phase == "vote"


def test_a_stale_lead_is_free(two) -> None:
    """No beat for LEAD_STALE_SECONDS (a killed process, a machine asleep): the next
    facilitator takes it without being asked, and the room moves again meanwhile."""
    dana, sam = two
    dana.take_lead(now=time.time() - LEAD_STALE_SECONDS - 1)
    assert sam.other_leader() is None and dana.leads()
    sam.update_info(phase="vote")  # nobody leads live
    assert sam.take_lead().name == "Sam"
    assert not dana.leads()


def test_a_beat_keeps_the_lead_alive(two) -> None:
    dana, sam = two
    started = time.time() - LEAD_STALE_SECONDS - 1
    dana.take_lead(now=started)
    assert dana.beat_lead()
    with pytest.raises(LeadTaken):
        sam.take_lead()
    again = dana.take_lead()  # taking it again keeps its start
    assert again.since == pytest.approx(started)


def test_releasing_lets_the_next_one_lead_and_spares_someone_elses_lead(two) -> None:
    dana, sam = two
    dana.take_lead()
    token = dana.lead_token
    sam.release_lead(token="not theirs")  # nothing happens
    assert dana.leads()
    dana.release_lead()
    assert dana.lead() is None and dana.lead_token is None
    sam.take_lead()
    dana.release_lead(token=token)  # an old token lets nothing go
    assert sam.leads()


def test_only_a_facilitator_leads(workshop_path: Path, connect) -> None:
    ann = connect(workshop_path, "Ann")
    ann.act_as_participant(ann.join("Ann"))
    with pytest.raises(WorkshopError, match="Only the facilitator can lead the room"):
        ann.take_lead()


@pytest.mark.parametrize("name", [*HOSTILE, "x" * 100_000, "two\nlines\x1b[31m"])
def test_a_holders_name_is_shown_on_one_line_and_short(two, name: str) -> None:
    dana, sam = two
    dana.take_lead(name=name)
    with pytest.raises(LeadTaken) as taken:
        sam.take_lead()
    who = taken.value.lead.who
    assert who == shown(name) and len(who) <= 80 and "\n" not in str(taken.value)
    assert who.isprintable()
    if len(name) > 80:
        assert who.endswith("…")
    else:
        assert who == name.replace("\n", " ").replace("\x1b", " ").replace("  ", " ")


def test_every_room_move_is_still_asked_for_by_the_store() -> None:
    """ROOM_MOVES names `_facilitator_only` checks by their words: each must still be one."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "workshop").glob("*.py"))
    for doing in ROOM_MOVES:
        assert f'"{doing}"' in source, doing


def test_the_heartbeat_beats_until_stopped_or_taken_over(two) -> None:
    dana, sam = two
    dana.take_lead(now=time.time() - 20)
    stop = threading.Event()
    beat = threading.Thread(
        target=keep_leading, args=(dana.path, dana.lead_token, stop), kwargs={"every": 0.05}
    )
    beat.start()
    deadline = time.time() + 10
    while dana.lead().beat_at < time.time() - 5 and time.time() < deadline:
        time.sleep(0.02)
    assert dana.lead().beat_at > time.time() - 5
    sam.take_lead(take_over=True)
    beat.join(timeout=10)
    assert not beat.is_alive()  # it ends by itself once taken over
    assert sam.leads()
    stop.set()


# -- real processes ----------------------------------------------------------------------------


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CI")}
    env |= {"PYTHONPATH": str(ROOT), "WORKSHOP_KEY_FILE": str(tmp_path / "key")}
    return env


LEADER_SCRIPT = """
import sys, threading, time
from workshop import Workshop
from workshop.lead import keep_leading
ws = Workshop.open(sys.argv[1])
ws.take_lead(name="Dana in another process")
stop = threading.Event()
threading.Thread(target=keep_leading, args=(ws.path, ws.lead_token, stop),
                 kwargs={"every": 0.2}, daemon=True).start()
print("leading", flush=True)
deadline = time.time() + 60
while ws.leads() and time.time() < deadline:
    time.sleep(0.1)
other = ws.leader()
try:
    ws.update_info(phase="vote")
    print("moved", flush=True)
except Exception as error:
    print("refused:", error, flush=True)
print("lost to", other.who if other else None, flush=True)
"""


def test_a_leader_in_another_process_is_told_within_seconds(workshop_path: Path, tmp_path):
    """A real second process leads with its heartbeat; this one is refused, takes over, and
    the other process finds out within a few seconds and can no longer move the room."""
    leader = subprocess.Popen(
        [sys.executable, "-c", LEADER_SCRIPT, str(workshop_path)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert leader.stdout is not None
        assert leader.stdout.readline().strip() == "leading"
        with Workshop.open(workshop_path, actor="Sam") as sam:
            other = sam.other_leader()
            assert other is not None and other.who == "Dana in another process"
            assert other.pid == leader.pid
            with pytest.raises(NotLeading):
                sam.update_info(phase="proposals")
            time.sleep(0.5)
            assert sam.lead().beat_at > other.beat_at  # the other process beats
            sam.take_lead(take_over=True)
            started = time.monotonic()
            out, err = leader.communicate(timeout=30)
            assert time.monotonic() - started < 5
            assert "refused: Someone else leads this room now (Sam since" in out, err
            assert "lost to Sam" in out
            assert sam.info().phase == "groups & roles" and sam.leads()
    finally:
        if leader.poll() is None:
            leader.kill()
            leader.wait()


def _cli(*args: object, env: dict[str, str | None] | None = None):
    return CliRunner().invoke(cli.main, [str(a) for a in args], env=env, prog_name="workshop")


def test_a_second_run_without_a_terminal_is_refused_at_once(two, launched) -> None:
    dana, _ = two
    dana.take_lead(name="{{ 7*7 }} [/]")
    result = _cli("run", dana.path)
    assert result.exit_code == 1 and launched == []
    line = result.stderr
    assert line.count("\n") == 1 and line.startswith("workshop: {{ 7*7 }} [/] leads this room")
    assert "--take-over" in line and "workshop join" in line and "Traceback" not in line
    assert dana.leads()


@pytest.mark.parametrize("command", [("run",), ("demo", "--path")])
def test_take_over_from_the_command_line(two, launched, command: tuple[str, ...]) -> None:
    dana, _ = two
    dana.take_lead()
    result = _cli(*command, dana.path, "--take-over")
    assert result.exit_code == 0, result.stderr
    assert len(launched) == 1 and not dana.leads()
    lead = dana.leader()
    assert lead is not None and lead.pid == os.getpid() and not lead.mine


def test_the_first_run_needs_no_answer_without_a_terminal(workshop_path: Path, launched):
    """Nobody leads: the command starts the screen as before (which takes the lead)."""
    assert _cli("run", workshop_path).exit_code == 0
    assert len(launched) == 1


def test_a_real_second_run_without_a_terminal_ends_quickly(two, tmp_path: Path) -> None:
    dana, _ = two
    dana.take_lead()
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "workshop", "run", str(dana.path)],
        env={**_env(tmp_path), "CI": "true"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert time.monotonic() - started < 30
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("workshop: Dana leads this room since"), done.stderr
    assert dana.leads()


class Terminal:
    """A program in a pseudo-terminal of 120×40, its output read as it comes."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.output = b""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.output += data

    def text(self) -> str:
        """What it wrote, without the terminal's escape sequences."""
        text = self.output.decode("utf-8", "replace")
        return re.sub(r"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][A-Z0-9])",
                      "", text)  # fmt: skip

    def wait_for(self, fragment: str, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if fragment in self.text():
                return True
            if self.proc.poll() is not None:
                return fragment in self.text()
            time.sleep(0.1)
        return False

    def press(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.press(b"\x11")  # ctrl+q
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.close(self.master)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminals of Linux")
def test_two_real_runs_the_second_is_asked_and_takes_over(workshop_path: Path, tmp_path) -> None:
    """Two `workshop run` processes in terminals: the second is asked, takes over (t), the
    first is told within seconds and follows; both let the lead go as they quit."""
    env = {**_env(tmp_path), "TERM": "xterm-256color"}
    first = Terminal([sys.executable, "-m", "workshop", "run", str(workshop_path)], env)
    second = None
    try:
        assert first.wait_for("Sales"), first.text()[-2000:]
        with Workshop.open(workshop_path) as ws:
            lead = ws.leader()
            assert lead is not None and lead.pid == first.proc.pid
        second = Terminal([sys.executable, "-m", "workshop", "run", str(workshop_path)], env)
        assert second.wait_for("Someone else leads this room"), second.text()[-2000:]
        assert second.wait_for(f"since {time.strftime('%H:%M', time.localtime(lead.since))}")
        second.press(b"t")
        assert first.wait_for("took over", timeout=15), first.text()[-2000:]
        with Workshop.open(workshop_path) as ws:
            lead = ws.leader()
            assert lead is not None and lead.pid == second.proc.pid
        first.press(b"]")  # the follower's key moves nothing
        time.sleep(1)
        with Workshop.open(workshop_path) as ws:
            assert ws.info().phase == "groups & roles"
    finally:
        first.close()
        if second is not None:
            second.close()
    assert first.proc.returncode == 0 and second is not None and second.proc.returncode == 0
    with Workshop.open(workshop_path) as ws:
        assert ws.lead() is None


# -- the app -----------------------------------------------------------------------------------


async def settle(pilot, until: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not until() and time.monotonic() < deadline:
        await pilot.pause(0.05)
    assert until()


def notices(app: WorkshopApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_leading_screen_takes_the_lead_and_lets_it_go(workshop_path: Path) -> None:
    ws = Workshop.open(workshop_path)
    app = WorkshopApp(ws, lead=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, PhaseScreen))
        assert ws.leads() and app._leading is not None
    assert ws.lead() is None  # let go as it closed
    ws.close()


async def test_the_second_screen_is_asked_takes_over_and_the_first_follows(
    workshop_path: Path,
) -> None:
    first_ws = Workshop.open(workshop_path, actor="Dana")
    second_ws = Workshop.open(workshop_path)
    first, second = WorkshopApp(first_ws, lead=True), WorkshopApp(second_ws, lead=True)
    async with first.run_test(size=SIZE) as one, second.run_test(size=SIZE) as two:
        await settle(two, lambda: isinstance(second.screen, LeadQuestion))
        texts = [str(w.render()) for w in second.screen.query("PlainStatic")]
        assert f"Dana has led it since {first_ws.lead().since_clock()}." in texts
        assert not second_ws.leads()
        await two.press("t")
        await settle(two, lambda: isinstance(second.screen, PhaseScreen))
        assert second_ws.leads() and second.offers("next_phase")
        await settle(one, lambda: first.following)
        assert any("took over; you now follow the room" in n for n in notices(first))
        assert not first.offers("next_phase") and not first.offers("undo")
        assert not first.offers("redo") and not first.offers("phase_timer")
        await one.press("right_square_bracket", "T", "u")
        await one.pause()
        assert first_ws.info().phase == "groups & roles" and first_ws.timer() is None
        await two.press("right_square_bracket")
        await settle(one, lambda: first.current_mode == "customers & hand-offs")
        # The follower's room line says who leads now.
        await settle(
            one, lambda: "leads the room" in str(first.screen.query_one("#room-bar").render())
        )
        assert "following:" in str(first.screen.query_one("#room-bar").render())
    assert second_ws.lead() is None
    first_ws.close()
    second_ws.close()


async def test_the_second_screen_joins_as_a_participant_instead(workshop_path: Path) -> None:
    with Workshop.open(workshop_path, actor="Dana") as dana:
        dana.take_lead()
        ws = Workshop.open(workshop_path)
        app = WorkshopApp(ws, lead=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: isinstance(app.screen, LeadQuestion))
            await pilot.press("j")  # no name yet: asked for it
            assert "Type your name first" in str(app.screen.query_one("#error").render())
            await pilot.press(*"Ann", "enter")
            await settle(pilot, lambda: not isinstance(app.screen, LeadQuestion))
            assert (app.facilitator, ws.role) == (False, "participant")
            assert ws.participant(app.participant_id).name == "Ann"
            assert not app.offers("next_phase") and app.offers("toggle_ready")
            await pilot.press("escape")  # the group question: skipped
            await settle(pilot, lambda: isinstance(app.screen, PhaseScreen))
            assert dana.leads()
        ws.close()


async def test_the_second_screen_quits_and_leaves_the_lead_alone(workshop_path: Path) -> None:
    with Workshop.open(workshop_path, actor="Dana") as dana:
        dana.take_lead()
        ws = Workshop.open(workshop_path)
        app = WorkshopApp(ws, lead=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: isinstance(app.screen, LeadQuestion))
            await pilot.press("q")
            await settle(pilot, lambda: not app.is_running)
        assert dana.leads()
        ws.close()


@pytest.mark.parametrize("name", [*HOSTILE, "y" * 100_000])
async def test_the_question_shows_a_hostile_holders_name_as_typed(
    workshop_path: Path, name: str
) -> None:
    with Workshop.open(workshop_path) as dana:
        dana.take_lead(name=name)
        ws = Workshop.open(workshop_path)
        app = WorkshopApp(ws, lead=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: isinstance(app.screen, LeadQuestion))
            texts = [str(w.render()) for w in app.screen.query("PlainStatic")]
            assert f"{shown(name)} has led it since {dana.lead().since_clock()}." in texts
            assert app.is_running
            await pilot.press("q")
        ws.close()
