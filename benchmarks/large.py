"""A large workshop, written straight into the tables (the API checks every row, which would
make building 20,000 votes slow): 200 groups, 2,000 hand-offs, 500 touchpoints, 5,000 onion
layers, 1,000 proposals and 20,000 votes at full size."""

from __future__ import annotations

import random
from pathlib import Path

from workshop import Workshop
from workshop.vocabulary import name_key

FULL = {"groups": 200, "handoffs": 2000, "touchpoints": 500, "layers_per_touchpoint": 10,
        "proposals": 1000, "participants": 200, "votes_each": 100, "customers": 5}  # fmt: skip


def build(path: Path, scale: float = 1.0) -> dict[str, int]:
    """Write the large workshop to `path` (scale 0.1 for a tenth); returns the row counts."""
    size = {k: max(1, round(v * scale)) if k != "layers_per_touchpoint" else v
            for k, v in FULL.items()}  # fmt: skip
    rng = random.Random(7)
    with Workshop.create(path, title=f"Large workshop ×{scale:g}") as ws, ws.transaction():
        db = ws.db

        def named(table: str, names: list[str], **extra) -> list[int]:
            rows = [{"name": n, "key": name_key(n), **extra} for n in names]
            db[table].insert_all(rows)
            return [r[0] for r in db.execute(f"select id from {table} order by id")]

        groups = named("groups", [f"Group {n:03d}" for n in range(size["groups"])],
                       role="We do our part for the customer.", kind="support")  # fmt: skip
        customers = named("customers", [f"Segment {n}" for n in range(size["customers"])])
        db["groups"].update(groups[0], {"kind": "front line"})
        handoffs = []
        for n in range(size["handoffs"]):
            to_customer = n % 5 == 0
            handoffs.append({
                "provider_id": rng.choice(groups),
                "receiver_group_id": None if to_customer else rng.choice(groups),
                "receiver_customer_id": rng.choice(customers) if to_customer else None,
                "provides": f"Deliverable {n}", "needs": "On time", "expectation": "Weekly",
                "self_rating": rng.randint(1, 5), "customer_rating": rng.randint(1, 5),
            })  # fmt: skip
        db["handoffs"].insert_all(handoffs)
        touchpoints = []
        for n in range(size["touchpoints"]):
            owner = groups[n % len(groups)]
            db["touchpoints"].insert({"name": f"Touchpoint {n:03d}",
                                      "key": name_key(f"Touchpoint {n:03d}"),
                                      "customer_id": customers[n % len(customers)],
                                      "owner_id": owner, "channel": "phone"})  # fmt: skip
            tp = db.execute("select max(id) from touchpoints").fetchone()[0]
            touchpoints.append(tp)
            helpers = rng.sample([g for g in groups if g != owner],
                                 min(size["layers_per_touchpoint"], len(groups) - 1))  # fmt: skip
            layers = []
            for k, group in enumerate(helpers):
                layers.append({"touchpoint_id": tp, "group_id": group,
                               "supports_group_id": helpers[k - 1] if k else None,
                               "what": f"Helps with step {k}",
                               "effect": "weakens" if k % 4 == 3 else "strengthens",
                               "fail_point": int(k % 7 == 6)})  # fmt: skip
            db["contributions"].insert_all(layers)
        proposals = []
        for n in range(size["proposals"]):
            title = f"Proposal {n:04d}"
            proposals.append({"title": title, "key": name_key(title),
                              "owner_id": rng.choice(groups),
                              "touchpoint_id": rng.choice(touchpoints),
                              "impact": rng.choice(["low", "medium", "high"]),
                              "effort": rng.choice(["low", "medium", "high"])})  # fmt: skip
        db["proposals"].insert_all(proposals)
        proposal_ids = [r[0] for r in db.execute("select id from proposals order by id")]
        people = named("participants", [f"Person {n:03d}" for n in range(size["participants"])])
        db["vote_rounds"].insert({"question": "Which first?", "votes_per_person": 100,
                                  "max_per_item": 3, "hidden": 0, "state": "revealed"})  # fmt: skip
        round_id = db.execute("select max(id) from vote_rounds").fetchone()[0]
        db["vote_round_proposals"].insert_all(
            {"round_id": round_id, "proposal_id": p, "position": i}
            for i, p in enumerate(proposal_ids)
        )
        votes_each = min(size["votes_each"], 100)
        db["votes"].insert_all(
            {
                "round_id": round_id,
                "participant_id": person,
                "proposal_id": proposal_ids[(i * 7 + k) % len(proposal_ids)],
            }  # fmt: skip
            for i, person in enumerate(people)
            for k in range(votes_each)
        )
        db["actions"].insert_all(
            {"proposal_id": p, "owner_id": rng.choice(groups), "due": "2027-03-31",
             "kpi": "Measured monthly", "status": rng.choice(["planned", "doing", "done"])}
            for p in proposal_ids[:100]
        )  # fmt: skip
        return {t: db[t].count for t in ("groups", "handoffs", "touchpoints", "contributions",
                                         "proposals", "votes")}  # fmt: skip
