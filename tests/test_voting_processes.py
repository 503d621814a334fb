"""Many real processes voting on one workshop file at the same moment.

Every process opens the file itself (as a participant's terminal or browser session would) and
tries to spend more dots than its budget, some beyond the per-proposal cap; a few participants
vote from two processes at once. The store must refuse exactly the dots the rules refuse, never
lose an accepted one, and never report the file as busy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from workshop import Workshop

PROPOSALS = 6
PARTICIPANTS = 24
TWICE = 6  # the first participants vote from two processes at once
BUDGET = 4
CAP = 2
ROOT = Path(__file__).resolve().parent.parent

# One voter process: load workshop, say it is ready, wait for the start signal, then open the file,
# try every dot and report in JSON.
VOTER = r"""
import json, os, sys, time
from workshop import VoteRejected, Workshop
path, start, ready, round_id, participant, attempts = sys.argv[1:7]
attempts = [int(x) for x in attempts.split(",")]
out = {"participant": int(participant), "accepted": [], "rejected": [], "errors": []}
open(ready, "w").close()
deadline = time.monotonic() + 60
while not os.path.exists(start):
    if time.monotonic() > deadline:
        out["errors"].append("never started")
        print(json.dumps(out))
        sys.exit(0)
    time.sleep(0.002)
try:
    ws = Workshop.open(path, actor=f"voter {participant}")
    ws.act_as_participant(int(participant))  # held to a participant's rules, as in the room
except Exception as error:
    out["errors"].append(f"open: {type(error).__name__}: {error}")
else:
    with ws:
        for proposal in attempts:
            try:
                ws.cast_vote(int(round_id), int(participant), proposal)
            except VoteRejected as error:
                out["rejected"].append([proposal, str(error)])
            except Exception as error:
                out["errors"].append(f"cast: {type(error).__name__}: {error}")
            else:
                out["accepted"].append(proposal)
print(json.dumps(out))
"""


def attempts_for(index: int, proposals: list[int]) -> list[int]:
    """Seven attempts against a budget of four: the third on one proposal is over the cap."""
    a, b, c, d = (proposals[(index + k) % len(proposals)] for k in range(4))
    return [a, a, a, b, b, c, d]


def test_concurrent_voters_never_exceed_a_budget_or_lose_a_dot(tmp_path: Path) -> None:
    path = tmp_path / "concurrent.db"
    start = tmp_path / "go"
    with Workshop.create(path, title="Concurrent vote") as ws:
        proposals = [ws.add_proposal(f"Proposal {i}") for i in range(PROPOSALS)]
        people = [ws.join(f"Voter {i}") for i in range(PARTICIPANTS)]
        ws.update_info(phase="vote")  # participants place dots only in the vote phase
        round_id = ws.open_vote(
            "Which first?", votes_per_person=BUDGET, max_per_item=CAP, hidden=True
        )
        assert ws.vote_round(round_id).max_per_item == CAP

    jobs = [(i, people[i]) for i in range(PARTICIPANTS)] + [(i, people[i]) for i in range(TWICE)]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                VOTER,
                str(path),
                str(start),
                str(tmp_path / f"ready-{n}"),
                str(round_id),
                str(person),
                ",".join(map(str, attempts_for(index, proposals))),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=str(tmp_path),
            env=env,
        )
        for n, (index, person) in enumerate(jobs)
    ]
    assert len(processes) >= 20
    # the barrier: every interpreter has loaded workshop and waits for the start file
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < len(processes):
        assert time.monotonic() < deadline, "the voters never got ready"
        assert all(p.poll() is None for p in processes), "a voter died before the start"
        time.sleep(0.01)
    started = time.monotonic()
    start.write_text("go")

    reports = []
    try:
        for process in processes:
            stdout, stderr = process.communicate(timeout=60)
            assert process.returncode == 0, f"a voter crashed:\n{stderr}"
            assert stdout.strip(), f"a voter reported nothing:\n{stderr}"
            reports.append(json.loads(stdout))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"voting took {elapsed:.1f}s"

    errors = [e for r in reports for e in r["errors"]]
    assert errors == [], f"errors other than VoteRejected: {errors}"

    accepted: Counter[int] = Counter()
    for report in reports:
        accepted[report["participant"]] += len(report["accepted"])
        for _, reason in report["rejected"]:
            assert reason.startswith(("No dots left", f"At most {CAP} dots")), reason
        total = len(report["accepted"]) + len(report["rejected"])
        assert total == 7
    # a participant with one process: exactly the 4 dots the rules allow, 3 refused
    for report in reports:
        if report["participant"] not in people[:TWICE]:
            assert len(report["accepted"]) == BUDGET
            assert len(report["rejected"]) == 3
    # with two processes at once, still exactly the budget between them
    assert dict(accepted) == dict.fromkeys(people, BUDGET)

    with Workshop.open(path) as ws:
        rows = ws.db.execute("select count(*) from votes").fetchone()[0]
        assert rows == sum(accepted.values()) == PARTICIPANTS * BUDGET  # no dot lost
        per_person = dict(
            ws.db.execute("select participant_id, count(*) from votes group by participant_id")
        )
        assert per_person == dict.fromkeys(people, BUDGET)
        worst = ws.db.execute(
            "select max(n) from (select count(*) as n from votes"
            " group by participant_id, proposal_id)"
        ).fetchone()[0]
        assert worst <= CAP
        for person in people:
            ballot = ws.ballot(round_id, person)
            assert ballot.used == BUDGET and ballot.left == 0
            assert max(ballot.dots.values()) <= CAP
        # what each process reported as accepted is what the file holds, dot for dot
        reported: Counter[tuple[int, int]] = Counter(
            (r["participant"], p) for r in reports for p in r["accepted"]
        )
        stored = Counter(
            {
                (who, pid): n
                for who, pid, n in ws.db.execute(
                    "select participant_id, proposal_id, count(*) from votes"
                    " group by participant_id, proposal_id"
                )
            }
        )
        assert stored == reported
        assert ws.db.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert ws.db.execute("pragma foreign_key_check").fetchall() == []
