"""Concurrent voting: 50 processes at once, each trying more dots than its budget allows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.terminal import ROOT
from workshop import Workshop

VOTERS = 50
PROPOSALS = 30
BUDGET = 10
CAP = 3
EXTRA = 4  # attempts beyond the budget, which the rules must refuse


def measure(voters: int = VOTERS) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "votes.db"
        with Workshop.create(path, title="Votes") as ws:
            owner = ws.add_group("Sales")
            proposals = [ws.add_proposal(f"Change {n}", owner_id=owner) for n in range(PROPOSALS)]
            people = [ws.join(f"Voter {n}") for n in range(voters)]
            ws.update_info(phase="vote")  # where a room's dots are placed
            round_id = ws.open_vote(votes_per_person=BUDGET, max_per_item=CAP)
        start = str(Path(folder) / "start")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        children = []
        for n, person in enumerate(people):
            # Spread dots over proposals, with some piling onto one to hit the cap.
            picks = [proposals[(n + k // 2) % PROPOSALS] for k in range(BUDGET + EXTRA)]
            children.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "benchmarks.voter",
                        str(path),
                        str(round_id),
                        str(person),
                        json.dumps(picks),
                        start,
                    ],  # fmt: skip
                    stdout=subprocess.PIPE,
                    env=env,
                    cwd=ROOT,
                )
            )
        while sum(Path(f"{start}.{p}").exists() for p in people) < voters:
            time.sleep(0.01)
        Path(start).touch()
        reports = [json.loads(child.communicate(timeout=120)[0]) for child in children]
        with Workshop.open(path) as ws:
            stored = ws.db["votes"].count
            per_person = dict(
                ws.db.execute(
                    "select participant_id, count(*) from votes group by participant_id"
                ).fetchall()
            )
            over_cap = ws.db.execute(
                "select count(*) from (select count(*) n from votes"
                " group by participant_id, proposal_id having n > ?)",
                [CAP],
            ).fetchone()[0]
    accepted = sum(r["accepted"] for r in reports)
    seconds = (max(r["ended"] for r in reports) - min(r["began"] for r in reports)) / 1e9
    return {
        "vote_processes": voters,
        "vote_attempts": sum(
            r["accepted"] + r["rejected"] + r["busy"] + r["errors"] for r in reports
        ),  # fmt: skip
        "votes_accepted": accepted,
        "vote_throughput": round(accepted / seconds, 1),
        "lost_votes": accepted - stored,
        "over_budget": sum(1 for n in per_person.values() if n > BUDGET) + over_cap,
        "lock_errors": sum(r["busy"] for r in reports),
        "vote_errors": sum(r["errors"] for r in reports),
    }
