"""Export → import → export gives the same content, for hand-made and generated plans."""

from __future__ import annotations

import json
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workshop import PlanError, Workshop
from workshop.vocabulary import EFFECTS, KINDS, LEVELS, SENTIMENTS, STATUSES, name_key

IDS_AND_DERIVED = {"id", "customer_distance", "layer", "gap"}


def content(ws: Workshop) -> dict[str, Any]:
    """The export without ids and derived values (the header's phase and version kept)."""
    data = json.loads(ws.export("json"))
    return {
        key: [{k: v for k, v in row.items() if k not in IDS_AND_DERIVED} for row in value]
        if isinstance(value, list)
        else value
        for key, value in data.items()
    }


def round_trip(plan: dict[str, Any], folder: Path) -> tuple[dict, dict, str, str]:
    with Workshop.create(folder / "a.db", title="A", plan=plan) as first:
        exported = first.export("json")
        again = first.export("json")
        one = content(first)
    with Workshop.create(folder / "b.db", title="A", plan=json.loads(exported)) as second:
        two = content(second)
    return one, two, exported, again


def test_small_plan_round_trips(tmp_path: Path, small_plan: dict) -> None:
    one, two, exported, again = round_trip(small_plan, tmp_path)
    assert one == two and exported == again
    assert one["comments"][0]["routed_to"] == ["Sales", "IT"]


def test_demo_round_trips(tmp_path: Path) -> None:
    from workshop.demo import demo_plan

    one, two, _, _ = round_trip(demo_plan(), tmp_path)
    assert one == two and len(one["contributions"]) == 29


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=30).map(
    str.strip
)
NAME = TEXT.filter(
    lambda s: (
        "".join(c for c in s if unicodedata.category(c) != "Cf").strip()
        and not any(unicodedata.category(c) in ("Zl", "Zp") for c in s)
    )
)  # what a name may be: one line, not blank or invisible


@st.composite
def plans(draw) -> dict[str, Any]:
    """A valid plan: unique names (ignoring case and form), references to existing names, an
    onion with no cycle, routes to existing groups."""
    names = draw(st.lists(NAME, min_size=2, max_size=8, unique_by=name_key))
    cut = draw(st.integers(1, len(names) - 1))
    groups, customers = names[:cut], names[cut:]
    plan: dict[str, Any] = {
        "workshop": {"title": "Generated", "purpose": draw(TEXT), "date": "2026-11-23"},
        "groups": [
            {"name": g, "role": draw(TEXT), "kind": draw(st.sampled_from(KINDS)), "good_day": ""}
            for g in groups
        ],
        "customers": [{"name": c, "segment": draw(TEXT)} for c in customers],
    }
    rating = st.one_of(st.none(), st.integers(1, 5))
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(groups), st.sampled_from(names)).filter(
                lambda p: p[0] != p[1]
            ),
            unique_by=lambda p: (name_key(p[0]), name_key(p[1])),
            max_size=10,
        )
    )
    plan["handoffs"] = [
        {
            "from": a,
            "to": b,
            "provides": draw(TEXT),
            "needs": "",
            "expectation": draw(TEXT),
            "self_rating": draw(rating),
            "customer_rating": draw(rating),
        }
        for a, b in pairs
    ]
    owner = draw(st.sampled_from(groups))
    plan["touchpoints"] = [
        {"name": "Moment", "customer": customers[0], "owner": owner, "channel": draw(TEXT)}
    ]
    helpers = [g for g in groups if g != owner]
    placed: list[str] = []
    plan["contributions"] = []
    for g in draw(st.permutations(helpers))[: draw(st.integers(0, len(helpers)))]:
        plan["contributions"].append(
            {
                "touchpoint": "Moment",
                "group": g,
                "supports": draw(st.sampled_from([owner, *placed])),
                "what": draw(TEXT),
                "effect": draw(st.sampled_from(EFFECTS)),
                "fail_point": draw(st.booleans()),
            }
        )
        placed.append(g)
    plan["comments"] = [
        {
            "text": draw(NAME),
            "touchpoint": draw(st.sampled_from([None, "Moment"])),
            "sentiment": draw(st.sampled_from(SENTIMENTS)),
            "date": None,
            "routed_to": draw(st.lists(st.sampled_from(groups), unique_by=name_key)),
        }
        for _ in range(draw(st.integers(0, 3)))
    ]
    plan["proposals"] = [
        {
            "title": "Change it",
            "description": draw(TEXT),
            "touchpoint": "Moment",
            "owner": owner,
            "beneficiary": customers[0],
            "impact": draw(st.sampled_from(LEVELS)),
            "effort": draw(st.sampled_from(LEVELS)),
        }
    ]
    plan["actions"] = [
        {
            "proposal": "Change it",
            "owner": owner,
            "due": "2027-01-31",
            "kpi": draw(TEXT),
            "status": draw(st.sampled_from(STATUSES)),
            "notes": draw(TEXT),
        }
    ]
    return plan


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans())
def test_generated_plans_round_trip(plan: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        one, two, exported, again = round_trip(plan, Path(folder))
    assert one == two and exported == again
    assert len(one["groups"]) == len(plan["groups"])
    assert len(one["contributions"]) == len(plan["contributions"])


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [
        ("handoffs", "to", "Nobody"),
        ("handoffs", "from", "Ghosts"),
        ("touchpoints", "owner", "Ghosts"),
        ("contributions", "supports", "Ghosts"),
        ("comments", "touchpoint", "Nowhere"),
        ("proposals", "beneficiary", "Nobody"),
        ("actions", "proposal", "Never proposed"),
    ],
)
def test_unknown_reference_refuses_the_whole_plan(
    tmp_path: Path, small_plan: dict, section: str, field: str, value: str
) -> None:
    small_plan[section][0][field] = value
    with Workshop.create(tmp_path / "w.db", title="W") as ws:
        before = ws.export("json")
        with pytest.raises(PlanError, match=f"{section} #1.*{value}"):
            ws.import_plan(small_plan)
        assert ws.export("json") == before
