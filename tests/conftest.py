"""Fixtures: a small organisation in a real workshop file, and the demo workshop."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from workshop import Workshop, cli
from workshop.demo import open_demo

SMALL_PLAN: dict[str, Any] = {
    "workshop": {"title": "Small org", "purpose": "Who is our customer?", "date": "2026-11-24"},
    "groups": [
        {
            "name": "Sales",
            "role": "We sell heat pumps.",
            "kind": "front line",
            "good_day": "Every quote goes out the same day.",
        },
        {
            "name": "IT",
            "role": "We keep the tools running.",
            "kind": "support",
            "good_day": "Nobody notices us.",
        },
        {"name": "HR", "role": "We hire and train people.", "kind": "support", "good_day": ""},
        {"name": "Audit", "role": "We check the books.", "kind": "support", "good_day": ""},
    ],
    "customers": [{"name": "Homeowners", "segment": "Private households"}],
    "handoffs": [
        {
            "from": "Sales",
            "to": "Homeowners",
            "provides": "Quotes",
            "needs": "Speed",
            "expectation": "Quote within 2 days",
            "self_rating": 4,
            "customer_rating": 2,
        },
        {
            "from": "IT",
            "to": "Sales",
            "provides": "Laptops",
            "needs": "Working CRM",
            "expectation": "Fixed within 4 hours",
            "self_rating": 5,
            "customer_rating": 3,
        },
        {
            "from": "IT",
            "to": "HR",
            "provides": "Accounts",
            "needs": "On day one",
            "expectation": "Access ready on the new hire's first day",
            "self_rating": 3,
            "customer_rating": None,
        },
        {
            "from": "HR",
            "to": "IT",
            "provides": "New-hire list",
            "needs": "A week ahead",
            "expectation": "Five working days' notice",
            "self_rating": None,
            "customer_rating": None,
        },
    ],
    "touchpoints": [
        {"name": "First visit", "customer": "Homeowners", "owner": "Sales", "channel": "on site"}
    ],
    "contributions": [
        {
            "touchpoint": "First visit",
            "group": "IT",
            "supports": "Sales",
            "what": "CRM on the tablet",
            "effect": "weakens",
            "fail_point": True,
        },
        {
            "touchpoint": "First visit",
            "group": "HR",
            "supports": "IT",
            "what": "Trains the tablet users",
            "effect": "strengthens",
            "fail_point": False,
        },
    ],
    "comments": [
        {
            "text": "The quote took | two weeks *again*",
            "touchpoint": "First visit",
            "sentiment": "negative",
            "date": "2026-10-01",
            "routed_to": ["Sales", "IT"],
        }
    ],
    "participants": [{"name": "Dana K.", "group": "Sales", "facilitator": True}],
    "proposals": [
        {
            "title": "Quote on the spot",
            "description": "Tablets price on site.",
            "touchpoint": "First visit",
            "owner": "Sales",
            "beneficiary": "Homeowners",
            "impact": "high",
            "effort": "medium",
        }
    ],
    "actions": [
        {
            "proposal": "Quote on the spot",
            "owner": "IT",
            "due": "2027-01-31",
            "kpi": "80% of quotes on the day",
            "status": "planned",
            "notes": "",
        }
    ],
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "build_ahead: the app builds the other phases' screens in the background, as in use",
    )


@pytest.fixture(autouse=True)
def _build_ahead(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app builds and draws the other phases' screens in the background, one per half
    second of quiet: when it does depends on how busy the machine is, so a test's keys,
    dialogs and pictures would meet it at a different moment in each run (a key handled
    while a screen is put together, a slow start taken for quiet). Only the tests marked
    `build_ahead`, the ones of the background building itself, have it."""
    if request.node.get_closest_marker("build_ahead") is None:
        monkeypatch.setattr("screens.app.WorkshopApp.BUILD_AHEAD", False)


@pytest.fixture
def small_plan() -> dict[str, Any]:
    """A fresh copy of the small organisation's plan, safe to change."""
    return copy.deepcopy(SMALL_PLAN)


@pytest.fixture
def workshop_path(tmp_path: Path) -> Path:
    """A workshop file holding the small organisation (closed; open it yourself)."""
    path = tmp_path / "small.db"
    Workshop.create(path, title="Small org", plan=copy.deepcopy(SMALL_PLAN)).close()
    return path


@pytest.fixture
def small_workshop(workshop_path: Path):
    """The small organisation, open."""
    ws = Workshop.open(workshop_path)
    yield ws
    ws.close()


@pytest.fixture
def demo_workshop(tmp_path: Path):
    """The demo workshop in a temporary file, open."""
    ws = open_demo(tmp_path / "demo.db")
    yield ws
    ws.close()


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace only the Textual launch of the command line: record who would be shown what
    (the workshop, the seat, the mode), then close the workshop."""
    seen: list[dict[str, Any]] = []

    def fake_launch(
        ws: Workshop,
        *,
        participant_id: int | None = None,
        facilitator: bool | None = None,
        web: bool = False,
        presenter: bool = False,
        key: str | None = None,
    ) -> None:
        seen.append(
            {
                "path": Path(ws.path),
                "title": ws.info().title,
                "groups": sorted(g.name for g in ws.groups()),
                "facilitator": participant_id is None if facilitator is None else facilitator,
                "role": ws.role,
                "actor": ws.actor,
                "participant": None
                if participant_id is None
                else ws.participant(participant_id).name,
                "web": web,
                "presenter": presenter,
            }
        )
        ws.close()

    monkeypatch.setattr(cli, "_launch", fake_launch)
    return seen


@pytest.fixture(autouse=True)
def participant_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's terminal participant key lives in its own temporary folder, never in the
    user's data folder (`workshop join` makes one there on first use)."""
    path = tmp_path / "keys" / "participant-key"
    monkeypatch.setenv("WORKSHOP_KEY_FILE", str(path))
    return path


@pytest.fixture
def connect() -> Iterator[Callable[..., Workshop]]:
    """Open connections to a workshop file (as separate programs would); all closed after."""
    opened: list[Workshop] = []

    def open_(path: Path, actor: str = "") -> Workshop:
        ws = Workshop.open(path, actor=actor)
        opened.append(ws)
        return ws

    yield open_
    for ws in opened:
        ws.close()
