"""The room rules the store enforces, on real SQLite files.

A participant changes each kind of record only in its phase (`PHASE_OF_TABLE`) and places only
themselves in a group; the facilitator is never limited. Join codes and PINs are limited for the
whole file, whichever connection or process tries them: `FREE_ATTEMPTS` wrong tries, then waits
that grow, counted afresh for a renewed join code and forgotten after `ATTEMPT_WINDOW`. A
participant key holds the name it first joined under, and only its hash is stored.
"""

from __future__ import annotations

import copy
import json
import math
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workshop.room as room_module
from tests.conftest import SMALL_PLAN
from tests.test_room import PIN, ROOT, dump, file_bytes, refused
from workshop import VoteRejected, Workshop, WorkshopError
from workshop.room import (
    ATTEMPT_KINDS,
    ATTEMPT_WINDOW,
    FREE_ATTEMPTS,
    MAX_WAIT,
    PHASE_OF_TABLE,
    Attempt,
    NameTaken,
    TooManyAttempts,
    attempt_wait,
    new_participant_key,
)
from workshop.vocabulary import PHASES

# -- fixtures --------------------------------------------------------------------------------


@dataclass
class Ctx:
    """A copy of the small organisation (PIN set, one open vote) and its connections."""

    path: Path
    fac: Workshop
    ann: Workshop  # a participant's connection
    ann_id: int
    bob_id: int
    guest: Workshop  # a browser session before its visitor joined
    groups: dict[str, int]
    homeowners: int
    first_visit: int
    proposal: int
    round_id: int


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workshop file every test starts from (built once: the PIN hash is slow)."""
    path = tmp_path_factory.mktemp("rules") / "template.db"
    with Workshop.create(path, title="Rules", plan=copy.deepcopy(SMALL_PLAN), pin=PIN) as ws:
        ws.add_group("Legal")
        ws.open_vote("Which first?", votes_per_person=10, max_per_item=5, hidden=False)
        ws.join("Ann")
        ws.join("Bob")
    return path


@pytest.fixture
def ctx(template: Path, tmp_path: Path, connect: Callable[..., Workshop]) -> Ctx:
    path = tmp_path / "room.db"
    shutil.copyfile(template, path)
    fac = connect(path)
    ann = connect(path, actor="Ann")
    ann_id = ann.join("Ann")
    ann.act_as_participant(ann_id)
    guest = connect(path)
    guest.act_as_guest()

    def id_of(table: str, name: str) -> int:
        found = fac.lookup_id(table, name)
        assert found is not None, name
        return found

    (round_id,) = fac.db.execute("select id from vote_rounds").fetchone()
    return Ctx(
        path=path,
        fac=fac,
        ann=ann,
        ann_id=ann_id,
        bob_id=id_of("participants", "Bob"),
        guest=guest,
        groups={g.name: g.id for g in fac.groups()},
        homeowners=id_of("customers", "Homeowners"),
        first_visit=id_of("touchpoints", "First visit"),
        proposal=id_of("proposals", "Quote on the spot"),
        round_id=round_id,
    )


# -- the records of each phase ---------------------------------------------------------------

Call = Callable[[Workshop, Ctx, int], object]


@dataclass(frozen=True)
class Kind:
    """How to add, edit and delete one kind of record (`tag` tells two added rows apart), how
    many there are, and, for each edit, how to see that it was made."""

    table: str
    add: Callable[[Workshop, Ctx, str], int]
    edits: tuple[tuple[str, Call, Callable[[Ctx, int], bool]], ...]
    delete: Call
    count: Callable[[Ctx], int]


def rows(table: str) -> Callable[[Ctx], int]:
    return lambda c: c.fac.db.execute(f'select count(*) from "{table}"').fetchone()[0]


def column(table: str, name: str, value: object) -> Callable[[Ctx, int], bool]:
    return lambda c, i: c.fac.db[table].get(i)[name] == value


# Two hand-offs and two layers at "First visit" that the small plan does not have yet (one
# added in the setup, the other later), so that a second add can be refused for the phase alone.
PROVIDER = {"setup": "Audit", "other": "Legal"}
RECEIVER = {"setup": "Sales", "other": "Homeowners"}


def _vote(ws: Workshop, c: Ctx) -> int:
    ws.cast_vote(c.round_id, c.ann_id, c.proposal)
    return c.proposal


KINDS: list[Kind] = [
    Kind(
        "groups",
        lambda ws, c, tag: ws.add_group(f"{tag} team"),
        (("update_group", lambda ws, c, i: ws.update_group(i, role="Edited"),
          column("groups", "role", "Edited")),),
        lambda ws, c, i: ws.delete_group(i),
        rows("groups"),
    ),
    Kind(
        "customers",
        lambda ws, c, tag: ws.add_customer(f"{tag} customers"),
        (("update_customer", lambda ws, c, i: ws.update_customer(i, segment="Edited"),
          column("customers", "segment", "Edited")),),
        lambda ws, c, i: ws.delete_customer(i),
        rows("customers"),
    ),
    Kind(
        "handoffs",
        lambda ws, c, tag: ws.add_handoff(
            c.groups[PROVIDER[tag]], RECEIVER[tag], provides=f"{tag} notes"
        ),
        (("update_handoff", lambda ws, c, i: ws.update_handoff(i, provides="Edited"),
          column("handoffs", "provides", "Edited")),),
        lambda ws, c, i: ws.delete_handoff(i),
        rows("handoffs"),
    ),
    Kind(
        "touchpoints",
        lambda ws, c, tag: ws.add_touchpoint(f"{tag} desk", customer_id=c.homeowners),
        (("update_touchpoint", lambda ws, c, i: ws.update_touchpoint(i, channel="Edited"),
          column("touchpoints", "channel", "Edited")),),
        lambda ws, c, i: ws.delete_touchpoint(i),
        rows("touchpoints"),
    ),
    Kind(
        "contributions",
        lambda ws, c, tag: ws.add_contribution(
            c.first_visit, c.groups[PROVIDER[tag]], what=f"{tag} helps"
        ),
        (("update_contribution", lambda ws, c, i: ws.update_contribution(i, what="Edited"),
          column("contributions", "what", "Edited")),),
        lambda ws, c, i: ws.delete_contribution(i),
        rows("contributions"),
    ),
    Kind(
        "comments",
        lambda ws, c, tag: ws.add_comment(f"{tag} heard this"),
        (
            ("update_comment", lambda ws, c, i: ws.update_comment(i, sentiment="positive"),
             column("comments", "sentiment", "positive")),
            ("route_comment", lambda ws, c, i: ws.route_comment(i, [c.groups["IT"]]),
             lambda c, i: set(c.fac.comment(i).routed_to) == {"IT"}),
        ),
        lambda ws, c, i: ws.delete_comment(i),
        rows("comments"),
    ),
    Kind(
        "proposals",
        lambda ws, c, tag: ws.add_proposal(f"{tag} idea"),
        (("update_proposal", lambda ws, c, i: ws.update_proposal(i, description="Edited"),
          column("proposals", "description", "Edited")),),
        lambda ws, c, i: ws.delete_proposal(i),
        rows("proposals"),
    ),
    Kind(  # a dot: placed (cast) and taken back (retract); a dot has nothing to edit
        "votes",
        lambda ws, c, tag: _vote(ws, c),
        (),
        lambda ws, c, i: ws.retract_vote(c.round_id, c.ann_id, i),
        rows("votes"),
    ),
    Kind(
        "actions",
        lambda ws, c, tag: ws.add_action(
            owner_id=c.groups["Audit"], due="2027-01-31", kpi=f"{tag} KPI"
        ),
        (("update_action", lambda ws, c, i: ws.update_action(i, kpi="Edited"),
          column("actions", "kpi", "Edited")),),
        lambda ws, c, i: ws.delete_action(i),
        rows("actions"),
    ),
]  # fmt: skip

# How the refusals name each kind of record.
WORDS = {"groups": "groups", "customers": "customers", "handoffs": "hand-offs",
         "touchpoints": "touchpoints", "contributions": "onion layers", "comments": "comments",
         "proposals": "proposals", "votes": "dots", "actions": "action plans"}  # fmt: skip


def refusal(table: str, phase: str) -> str:
    where = " or ".join(f"the {p} phase" for p in PHASE_OF_TABLE[table])
    return f"The room is in the {phase} phase: {WORDS[table]} are changed in {where}."


def test_each_table_belongs_to_its_phases_and_is_tested() -> None:
    assert PHASE_OF_TABLE == {
        "groups": ("groups & roles",),
        "customers": ("customers & hand-offs",),
        "handoffs": ("customers & hand-offs",),
        "touchpoints": ("touchpoint onion",),
        "contributions": ("touchpoint onion",),
        "comments": ("customer comments",),
        "proposals": ("proposals",),
        "votes": ("vote",),
        "actions": ("review", "action plans"),
        "participants": PHASES,  # their own group, in any phase
    }
    assert {kind.table for kind in KINDS} | {"participants"} == set(PHASE_OF_TABLE)
    assert set(WORDS) == {kind.table for kind in KINDS}
    assert PHASE_OF_TABLE["participants"] == PHASES
    for phases in PHASE_OF_TABLE.values():
        assert phases and set(phases) <= set(PHASES)


def test_the_refusal_names_the_phase_and_where_the_records_belong(ctx: Ctx) -> None:
    assert ctx.fac.info().phase == "groups & roles"
    message = refused(lambda: ctx.ann.add_contribution(ctx.first_visit, ctx.groups["Audit"]))
    assert message == (
        "The room is in the groups & roles phase: onion layers are changed in the touchpoint "
        "onion phase."
    )
    ctx.fac.update_info(phase="vote")
    message = refused(
        lambda: ctx.ann.add_action(owner_id=ctx.groups["IT"], due="2027-01-31", kpi="Late")
    )
    assert message == (
        "The room is in the vote phase: action plans are changed in the review phase or the "
        "action plans phase."
    )


def own_record(kind: Kind, c: Ctx) -> int:
    """A record Ann adds herself in its phase (so that only the phase can refuse her edit or
    delete of it later)."""
    c.fac.update_info(phase=PHASE_OF_TABLE[kind.table][0])
    return kind.add(c.ann, c, "setup")


REFUSED = [(k, p) for k in KINDS for p in PHASES if p not in PHASE_OF_TABLE[k.table]]
ALLOWED = [(k, p) for k in KINDS for p in PHASE_OF_TABLE[k.table]]


@pytest.mark.parametrize(
    ("kind", "phase"), REFUSED, ids=[f"{k.table}-{p}" for k, p in REFUSED]
)  # fmt: skip
def test_a_participant_is_refused_outside_the_records_phase(
    ctx: Ctx, kind: Kind, phase: str
) -> None:
    mine = own_record(kind, ctx)
    ctx.fac.update_info(phase=phase)
    exc = VoteRejected if kind.table == "votes" else WorkshopError
    calls: list[tuple[str, Callable[[], object]]] = [
        ("add", lambda: kind.add(ctx.ann, ctx, "other")),
        *((label, lambda e=edit: e(ctx.ann, ctx, mine)) for label, edit, _ in kind.edits),
        ("delete", lambda: kind.delete(ctx.ann, ctx, mine)),
    ]
    for label, call in calls:
        before = dump(ctx.fac)
        assert refused(call, exc) == refusal(kind.table, phase), label
        assert dump(ctx.fac) == before, label


@pytest.mark.parametrize(
    ("kind", "phase"), ALLOWED, ids=[f"{k.table}-{p}" for k, p in ALLOWED]
)  # fmt: skip
def test_a_participant_adds_edits_and_deletes_in_the_records_phase(
    ctx: Ctx, kind: Kind, phase: str
) -> None:
    mine = own_record(kind, ctx)
    ctx.fac.update_info(phase=phase)
    count = kind.count(ctx)
    kind.add(ctx.ann, ctx, "other")
    assert kind.count(ctx) == count + 1
    for label, edit, made in kind.edits:
        assert not made(ctx, mine), label
        edit(ctx.ann, ctx, mine)
        assert made(ctx, mine), label
    kind.delete(ctx.ann, ctx, mine)
    assert kind.count(ctx) == count


@pytest.mark.parametrize("phase", PHASES)
def test_the_facilitator_changes_every_kind_of_record_in_every_phase(ctx: Ctx, phase: str) -> None:
    ctx.fac.update_info(phase=phase)
    for kind in KINDS:
        count = kind.count(ctx)
        row = kind.add(ctx.fac, ctx, "setup")
        assert kind.count(ctx) == count + 1, kind.table
        for label, edit, made in kind.edits:
            edit(ctx.fac, ctx, row)
            assert made(ctx, row), label
        kind.delete(ctx.fac, ctx, row)
        assert kind.count(ctx) == count, kind.table
    assert ctx.fac.info().phase == phase


def test_a_guest_changes_nothing_in_any_phase(ctx: Ctx) -> None:
    for phase in PHASES:
        ctx.fac.update_info(phase=phase)
        before = dump(ctx.fac)
        assert refused(lambda: ctx.guest.add_group("Sneaky")) == "Join the workshop first."
        assert refused(lambda: ctx.guest.add_proposal("Sneaky")) == "Join the workshop first."
        assert dump(ctx.fac) == before, phase


# -- groups: only one's own ------------------------------------------------------------------


@pytest.mark.parametrize("phase", PHASES)
def test_a_participant_places_themselves_in_a_group_in_any_phase(
    ctx: Ctx, connect: Callable[..., Workshop], phase: str
) -> None:
    ctx.fac.update_info(phase=phase)
    ctx.ann.set_participant_group(ctx.ann_id, ctx.groups["Sales"])
    assert ctx.fac.participant(ctx.ann_id).group == "Sales"
    ctx.ann.set_participant_group(ctx.ann_id, None)
    assert ctx.fac.participant(ctx.ann_id).group_id is None
    newcomer = connect(ctx.path, actor="Cleo")  # and anyone may join in any phase
    cleo = newcomer.join("Cleo")
    newcomer.act_as_participant(cleo)
    newcomer.set_participant_group(cleo, ctx.groups["IT"])
    assert ctx.fac.participant(cleo).group == "IT"


@pytest.mark.parametrize("phase", ["groups & roles", "vote"])
def test_a_participant_cannot_move_another_participant(ctx: Ctx, phase: str) -> None:
    ctx.fac.update_info(phase=phase)
    dana = ctx.fac.lookup_id("participants", "Dana K.")
    ctx.fac.set_participant_group(ctx.bob_id, ctx.groups["IT"])
    for other in (ctx.bob_id, dana):
        for group in (ctx.groups["Sales"], ctx.groups["Legal"], None):
            before = dump(ctx.fac)
            message = refused(lambda o=other, g=group: ctx.ann.set_participant_group(o, g))
            assert message == "You can choose only your own group."
            assert dump(ctx.fac) == before
    assert ctx.fac.participant(ctx.bob_id).group == "IT"
    ctx.fac.set_participant_group(ctx.bob_id, ctx.groups["Sales"])  # the facilitator may
    assert ctx.fac.participant(ctx.bob_id).group == "Sales"


# -- attempt limits --------------------------------------------------------------------------


class Clock:
    """Stands in for the `time` module inside workshop.room: `time()` is `now`."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The room's clock, pinned (a multiple of 1/8: sums of seconds stay exact)."""
    pinned = Clock(float(int(time.time())))
    monkeypatch.setattr(room_module, "time", pinned)
    return pinned


WRONG = {"join code": "WRONG9", "PIN": "0000"}  # never right: a code has no O, the PIN is 2468


def right(ws: Workshop, kind: str) -> str:
    return ws.join_code() if kind == "join code" else PIN


def attempt(ws: Workshop, kind: str, typed: str, source: str = "test") -> bool:
    if kind == "join code":
        return ws.check_join_code(typed, source=source)
    return ws.check_pin(typed, source=source)


def waits(ws: Workshop, kind: str, typed: str, source: str = "test") -> int:
    """Try `typed`, which must be refused unchecked; the seconds it must wait."""
    with pytest.raises(TooManyAttempts) as caught:
        attempt(ws, kind, typed, source)
    wait = caught.value.wait
    assert str(caught.value) == f"Too many wrong {kind}s lately: try again in {wait} s."
    return wait


def other_kind(kind: str) -> str:
    (other,) = set(ATTEMPT_KINDS) - {kind}
    return other


@pytest.mark.parametrize("kind", ATTEMPT_KINDS)
def test_five_wrong_tries_then_the_next_waits(ctx: Ctx, clock: Clock, kind: str) -> None:
    for n in range(1, FREE_ATTEMPTS + 1):
        assert attempt(ctx.guest, kind, WRONG[kind]) is False
        assert ctx.fac.wrong_attempts(kind) == n
        assert ctx.fac.attempt_wait(kind) == (0 if n < FREE_ATTEMPTS else 2)
    clock.now += 0.5
    assert ctx.fac.attempt_wait(kind) == 1.5
    assert waits(ctx.guest, kind, WRONG[kind]) == 2
    assert ctx.fac.wrong_attempts(kind) == FREE_ATTEMPTS  # a refused try is not checked
    other = other_kind(kind)  # each kind has its own count
    assert ctx.fac.wrong_attempts(other) == 0
    assert attempt(ctx.guest, other, right(ctx.fac, other)) is True


@pytest.mark.parametrize("kind", ATTEMPT_KINDS)
def test_the_limit_is_shared_by_every_connection(ctx: Ctx, clock: Clock, kind: str) -> None:
    for ws, tries in ((ctx.guest, 3), (ctx.ann, FREE_ATTEMPTS - 3)):
        for _ in range(tries):
            assert attempt(ws, kind, WRONG[kind]) is False
    for ws in (ctx.guest, ctx.ann, ctx.fac):  # the facilitator's connection too
        assert waits(ws, kind, WRONG[kind]) == 2


# One process trying codes or PINs on its own connection (a browser session before it joined),
# with the room's clock pinned to the parent's; it says "ready", then tries all of them once
# it reads the start line, and reports each answer.
TRIER = r"""
import json, sys, time
import workshop.room as room
from workshop import Workshop

path, kind, tries, name = sys.argv[1], sys.argv[2], sys.argv[4], sys.argv[5]
at = float(sys.argv[3])

class Clock:
    def time(self):
        return at
    def __getattr__(self, name):
        return getattr(time, name)

room.time = Clock()
ws = Workshop.open(path)
ws.act_as_guest()
check = ws.check_join_code if kind == "join code" else ws.check_pin
print("ready", flush=True)
sys.stdin.readline()
out = []
for typed in json.loads(tries):
    try:
        out.append("right" if check(typed, source=name) else "wrong")
    except room.TooManyAttempts as error:
        out.append(f"wait {error.wait}")
ws.close()
print(json.dumps(out), flush=True)
"""


def in_processes(path: Path, kind: str, at: float, tries: list[list[str]]) -> list[list[str]]:
    """Run one process per list of tries, all starting at once; their answers."""
    children = [
        subprocess.Popen(
            [sys.executable, "-c", TRIER, str(path), kind, repr(at), json.dumps(t), f"p{n}"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, t in enumerate(tries)
    ]
    try:
        for child in children:  # the barrier: every process has opened the file
            assert child.stdout is not None and child.stdin is not None
            line = child.stdout.readline()
            assert line == "ready\n", (line, child.stderr.read() if child.stderr else "")
        for child in children:
            child.stdin.write("go\n")  # type: ignore[union-attr]
            child.stdin.flush()  # type: ignore[union-attr]
        answers = []
        for child in children:
            out, err = child.communicate(timeout=120)
            assert child.returncode == 0, err
            answers.append(json.loads(out))
        return answers
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


@pytest.mark.parametrize("kind", ATTEMPT_KINDS)
def test_the_limit_is_shared_by_processes(ctx: Ctx, clock: Clock, kind: str) -> None:
    wrong = WRONG[kind]
    assert in_processes(ctx.path, kind, clock.now, [[wrong] * 3]) == [["wrong"] * 3]
    assert in_processes(ctx.path, kind, clock.now, [[wrong] * 2]) == [["wrong"] * 2]
    assert ctx.fac.wrong_attempts(kind) == FREE_ATTEMPTS
    assert waits(ctx.fac, kind, wrong) == 2  # this process waits for the other two's tries
    assert in_processes(ctx.path, kind, clock.now, [[right(ctx.fac, kind)]]) == [["wait 2"]]


@pytest.mark.parametrize("kind", ATTEMPT_KINDS)
def test_tries_made_at_once_from_many_processes_all_count(
    ctx: Ctx, clock: Clock, kind: str
) -> None:
    processes, each = FREE_ATTEMPTS + 1, 2  # more processes than free tries
    answers = in_processes(ctx.path, kind, clock.now, [[WRONG[kind]] * each] * processes)
    flat = [a for answer in answers for a in answer]
    assert len(flat) == processes * each
    assert flat.count("wrong") == FREE_ATTEMPTS  # no try slipped past the count
    assert flat.count("wait 2") == processes * each - FREE_ATTEMPTS
    logged = [a for a in ctx.fac.attempts(limit=100) if a.kind == kind]
    assert len(logged) == processes * each
    assert sorted(a.source for a in logged) == sorted([f"p{n}" for n in range(processes)] * each)
    assert [a.ok for a in logged].count(False) == FREE_ATTEMPTS
    assert ctx.fac.wrong_attempts(kind) == FREE_ATTEMPTS


@pytest.mark.parametrize("kind", ATTEMPT_KINDS)
def test_the_wait_grows_with_each_wrong_try(ctx: Ctx, clock: Clock, kind: str) -> None:
    for _ in range(FREE_ATTEMPTS):
        assert attempt(ctx.guest, kind, WRONG[kind]) is False
    expected = [2, 4, 8, 16, 32, MAX_WAIT, MAX_WAIT]
    seen = []
    for wait in expected:
        seen.append(waits(ctx.guest, kind, WRONG[kind]))
        clock.now += wait / 2  # a try refused meanwhile does not lengthen the wait
        assert waits(ctx.guest, kind, WRONG[kind]) == math.ceil(wait / 2)
        clock.now += wait / 2
        assert attempt(ctx.guest, kind, WRONG[kind]) is False  # checked, and counted
    assert seen == expected
    assert ctx.fac.wrong_attempts(kind) == FREE_ATTEMPTS + len(expected)


def test_a_renewed_join_code_starts_the_count_afresh(ctx: Ctx, clock: Clock) -> None:
    for _ in range(FREE_ATTEMPTS):
        assert attempt(ctx.guest, "join code", WRONG["join code"]) is False
        assert attempt(ctx.guest, "PIN", WRONG["PIN"]) is False
    assert waits(ctx.guest, "join code", ctx.fac.join_code()) == 2
    clock.now += 0.5
    code = ctx.fac.renew_join_code()
    assert ctx.fac.wrong_attempts("join code") == 0 and ctx.fac.attempt_wait("join code") == 0
    assert attempt(ctx.guest, "join code", code) is True
    clock.now += 0.5
    for _ in range(FREE_ATTEMPTS):  # a full count of wrong tries again
        assert attempt(ctx.guest, "join code", WRONG["join code"]) is False
    assert waits(ctx.guest, "join code", code) == 2
    assert ctx.fac.wrong_attempts("PIN") == FREE_ATTEMPTS  # the PIN's count is its own
    assert waits(ctx.guest, "PIN", PIN) == 1  # 2 s after its fifth wrong try, 1 s ago


@pytest.mark.parametrize("kind", ATTEMPT_KINDS)
def test_a_right_try_during_the_wait_is_refused_too(ctx: Ctx, clock: Clock, kind: str) -> None:
    for _ in range(FREE_ATTEMPTS):
        assert attempt(ctx.guest, kind, WRONG[kind]) is False
    clock.now += 1
    assert waits(ctx.guest, kind, right(ctx.fac, kind)) == 1
    assert ctx.fac.attempts(limit=1)[0].ok is None  # refused unchecked
    clock.now += 1  # the wait is over
    assert attempt(ctx.guest, kind, right(ctx.fac, kind)) is True
    assert ctx.fac.attempts(limit=1)[0].ok is True


def test_attempts_are_listed_for_the_facilitator_only(ctx: Ctx, clock: Clock) -> None:
    start = clock.now
    browser, ann = "browser 10.0.0.7", "workshop join --as Ann"
    assert not attempt(ctx.guest, "join code", WRONG["join code"], source=browser)
    assert attempt(ctx.guest, "join code", ctx.fac.join_code(), source=browser)
    clock.now += 1
    assert attempt(ctx.ann, "PIN", PIN, source=ann)
    for _ in range(FREE_ATTEMPTS):
        assert not attempt(ctx.ann, "PIN", WRONG["PIN"], source=ann)
    clock.now += 1
    assert waits(ctx.ann, "PIN", PIN, source=ann) == 1
    listed = ctx.fac.attempts()
    assert listed == [
        Attempt(start + 2, "PIN", ann, None),
        *[Attempt(start + 1, "PIN", ann, False)] * FREE_ATTEMPTS,
        Attempt(start + 1, "PIN", ann, True),
        Attempt(start, "join code", browser, True),
        Attempt(start, "join code", browser, False),
    ]
    assert ctx.fac.attempts(limit=2) == listed[:2]
    before = dump(ctx.fac)
    for ws in (ctx.ann, ctx.guest):
        assert refused(ws.attempts) == "Only the facilitator can see the join attempts."
    assert dump(ctx.fac) == before


@pytest.mark.parametrize("kind", ATTEMPT_KINDS)
def test_wrong_tries_older_than_the_window_stop_counting(ctx: Ctx, clock: Clock, kind: str) -> None:
    start = clock.now
    for _ in range(FREE_ATTEMPTS):
        assert attempt(ctx.guest, kind, WRONG[kind]) is False
    clock.now = start + ATTEMPT_WINDOW - 1  # the five still count, their wait is over
    assert ctx.fac.wrong_attempts(kind) == FREE_ATTEMPTS
    assert attempt(ctx.guest, kind, WRONG[kind]) is False
    assert waits(ctx.guest, kind, WRONG[kind]) == 4  # the sixth counts double
    clock.now = start + ATTEMPT_WINDOW + 4  # the first five are past the window
    assert ctx.fac.wrong_attempts(kind) == 1 and ctx.fac.attempt_wait(kind) == 0
    for _ in range(FREE_ATTEMPTS - 1):
        assert attempt(ctx.guest, kind, WRONG[kind]) is False
    assert waits(ctx.guest, kind, WRONG[kind]) == 2


@pytest.mark.parametrize("kind", ATTEMPT_KINDS)
def test_old_wrong_tries_in_the_file_do_not_count(ctx: Ctx, kind: str) -> None:
    """The same with the real clock, from tries written into the file as another process
    would have logged them."""

    def log(age: float) -> None:
        with ctx.fac.transaction():
            ctx.fac.conn.execute(
                "insert into attempts (at, kind, source, ok) values (?, ?, 'old', 0)",
                [time.time() - age, kind],
            )

    for _ in range(10):
        log(ATTEMPT_WINDOW + 5)
    assert ctx.fac.wrong_attempts(kind) == 0 and ctx.fac.attempt_wait(kind) == 0
    assert attempt(ctx.guest, kind, right(ctx.fac, kind)) is True
    for _ in range(FREE_ATTEMPTS):
        log(ATTEMPT_WINDOW - 60)  # inside the window: they count, their wait long over
    assert ctx.fac.wrong_attempts(kind) == FREE_ATTEMPTS and ctx.fac.attempt_wait(kind) == 0
    assert attempt(ctx.guest, kind, WRONG[kind]) is False
    assert waits(ctx.guest, kind, WRONG[kind]) in (3, 4)  # 4 s after the sixth, now


TIMES = st.integers(min_value=0, max_value=3 * ATTEMPT_WINDOW * 8).map(lambda n: n / 8)


@settings(max_examples=300, deadline=None)
@given(
    now=st.integers(min_value=0, max_value=2**40).map(lambda n: n / 8),
    ages=st.lists(TIMES, max_size=3 * FREE_ATTEMPTS),
    extra=TIMES,
)
def test_attempt_wait_is_bounded_and_grows_with_the_failures(
    now: float, ages: list[float], extra: float
) -> None:
    """For wrong tries made up to `now` (`ages` seconds before it): never negative, none
    while fewer than FREE_ATTEMPTS are within the window, at most MAX_WAIT, and one more
    wrong try never shortens it."""
    failures = [now - age for age in ages]
    wait = attempt_wait(failures, now)
    assert 0 <= wait <= MAX_WAIT
    if sum(1 for age in ages if age < ATTEMPT_WINDOW) < FREE_ATTEMPTS:
        assert wait == 0
    assert attempt_wait([*failures, now - extra], now) >= wait
    assert attempt_wait([], now) == 0


# -- participant keys ------------------------------------------------------------------------


def test_the_same_key_rejoins_and_holds_the_name(
    ctx: Ctx, connect: Callable[..., Workshop]
) -> None:
    key = new_participant_key()
    marcus = ctx.fac.join("Marcus O.", key=key)
    assert ctx.fac.is_name_held(marcus)
    for typed in ("Marcus O.", "marcus o.", " MARCUS O. "):  # from another terminal or tab
        assert connect(ctx.path).join(typed, key=key) == marcus
    assert [p.name for p in ctx.fac.participants()].count("Marcus O.") == 1


def test_a_held_name_refuses_another_key_and_no_key(
    ctx: Ctx, connect: Callable[..., Workshop]
) -> None:
    marcus = ctx.fac.join("Marcus O.", key=new_participant_key())
    other = connect(ctx.path)
    for typed, key in (("Marcus O.", new_participant_key()), ("marcus o.", None),
                       ("MARCUS O.", "x" * 40)):  # fmt: skip
        before = dump(ctx.fac)
        message = refused(lambda t=typed, k=key: other.join(t, key=k), NameTaken)
        assert "“Marcus O.”" in message and "free" in message, message
        assert dump(ctx.fac) == before
    for short in ("", "not a key at all"):  # too short to be a key: refused before anything
        before = dump(ctx.fac)
        assert "at least 32" in refused(lambda k=short: other.join("Marcus O.", key=k))
        assert "at least 32" in refused(lambda k=short: other.join("Newcomer", key=k))
        assert dump(ctx.fac) == before
    assert ctx.fac.is_name_held(marcus)


def test_free_name_lets_the_next_key_take_it(ctx: Ctx) -> None:
    first, second = new_participant_key(), new_participant_key()
    marcus = ctx.fac.join("Marcus O.", key=first)
    before = dump(ctx.fac)
    message = refused(lambda: ctx.ann.free_name(marcus))
    assert message == "Only the facilitator can free a participant's name."
    assert dump(ctx.fac) == before and ctx.fac.is_name_held(marcus)
    ctx.fac.free_name(marcus)
    assert not ctx.fac.is_name_held(marcus)
    assert ctx.fac.join("Marcus O.", key=second) == marcus  # the same record, a new key
    assert ctx.fac.is_name_held(marcus)
    refused(lambda: ctx.fac.join("Marcus O.", key=first), NameTaken)
    assert ctx.fac.join("Marcus O.", key=second) == marcus


def test_a_name_no_key_holds_works_without_a_key_until_a_key_takes_it(ctx: Ctx) -> None:
    dana = ctx.fac.lookup_id("participants", "Dana K.")  # from the plan
    assert dana is not None and not ctx.fac.is_name_held(dana)
    assert ctx.fac.join("Dana K.") == dana == ctx.fac.join("dana k.")
    assert not ctx.fac.is_name_held(dana)  # joining without a key holds nothing
    assert ctx.fac.join("Ann") == ctx.ann_id  # as before the keys
    key = new_participant_key()
    assert ctx.fac.join("Dana K.", key=key) == dana
    assert ctx.fac.is_name_held(dana)
    refused(lambda: ctx.fac.join("Dana K."), NameTaken)


def test_only_the_keys_hash_is_in_the_file(tmp_path: Path) -> None:
    key = new_participant_key()
    stored = []
    for name in ("a.db", "b.db"):
        path = tmp_path / name
        with Workshop.create(path, title=name) as ws:
            me = ws.join("Ann", key=key)
            assert ws.join("Ann", key=key) == me
            (held,) = ws.db.execute(
                "select key_hash from participants where id = ?", [me]
            ).fetchone()
            assert re.fullmatch(r"sha256\$[0-9a-f]{16}\$[0-9a-f]{64}", held), held
            stored.append(held)
            assert key not in dump(ws)
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                assert key.encode(encoding) not in file_bytes(path)  # with -wal and -shm
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert key.encode(encoding) not in file_bytes(path)  # closed: checkpointed
    assert stored[0] != stored[1]  # salted: the same key does not match across files


def test_a_clock_set_back_never_waits_past_the_longest_wait() -> None:
    later = [1000.0 + 3600 + i for i in range(FREE_ATTEMPTS + 3)]  # logged an hour "ahead"
    assert 0 < attempt_wait(later, now=1000.0) <= MAX_WAIT


# -- whose records a participant edits -------------------------------------------------------


def test_a_participant_edits_their_groups_records_and_what_they_added(ctx: Ctx) -> None:
    ann, fac, groups = ctx.ann, ctx.fac, ctx.groups
    fac.update_info(phase="groups & roles")
    refused(lambda: ann.update_group(groups["Sales"], role="Ann was here"))
    ann.set_participant_group(ctx.ann_id, groups["Sales"])
    ann.update_group(groups["Sales"], role="We sell heat pumps, says Ann")  # her group's
    before = dump(fac)
    message = refused(lambda: ann.update_group(groups["IT"], role="Mine now"))
    assert message.startswith("You can change only your group's and what you added")
    refused(lambda: ann.check_may_edit("groups", groups["IT"], "group"))
    assert dump(fac) == before
    ann.check_may_edit("groups", groups["Sales"], "group")  # no refusal
    mine = ann.add_group("Ann's corner")
    ann.update_group(mine, role="Added and edited by Ann")
    fac.update_info(phase="customers & hand-offs")
    handoffs = {(h.provider, h.receiver): h.id for h in fac.handoffs()}
    ann.update_handoff(handoffs[("IT", "Sales")], customer_rating=2)  # Sales receives it
    before = dump(fac)
    refused(lambda: ann.update_customer(ctx.homeowners, segment="Ann's segment"))
    assert dump(fac) == before
    fac.update_group(groups["IT"], role="The facilitator edits anything")


def test_a_participants_edits_stop_outside_the_phase_before_a_form_opens(ctx: Ctx) -> None:
    ctx.fac.update_info(phase="vote")
    ctx.ann.set_participant_group(ctx.ann_id, ctx.groups["Sales"])
    message = refused(lambda: ctx.ann.check_may_edit("groups", ctx.groups["Sales"], "group"))
    assert "groups & roles phase" in message
