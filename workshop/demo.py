"""The demo workshop: a fictional home-energy company, ready to walk through."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .store import Workshop

DEMO_PLAN = Path(__file__).with_name("demo_plan.json")


def demo_plan() -> dict[str, Any]:
    """The demo's plan, as it would be imported."""
    return json.loads(DEMO_PLAN.read_text(encoding="utf-8"))


def default_demo_path() -> Path:
    """Where `workshop demo` keeps its file: the user data directory."""
    import platformdirs  # read only for the demo's place, not on every start

    return Path(platformdirs.user_data_dir("workshop", appauthor=False)) / "demo.db"


def open_demo(path: Path | None = None) -> Workshop:
    """Open the demo workshop at `path`, creating it from the demo plan if it is not there."""
    path = path or default_demo_path()
    if path.exists():
        return Workshop.open(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    plan = demo_plan()
    return Workshop.create(path, title=plan["workshop"]["title"], plan=plan)
