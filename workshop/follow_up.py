"""A follow-up workshop: next quarter's file starts from this quarter's chain and open actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CARRIED = ("groups", "customers", "handoffs", "touchpoints", "contributions", "participants")
FINISHED = ("done", "dropped")


def carry_over(previous: Path) -> tuple[dict[str, Any], str]:
    """The plan a follow-up of `previous` starts from, and the previous workshop's title.

    Carries the chain (groups, customers, hand-offs, touchpoints and their onions), the
    participants, and every action not done or dropped with the proposal it came from; each
    carried action remembers its status so the summary can say what moved.
    """
    from .export import as_dict
    from .store import Workshop

    with Workshop.open(previous) as old:
        data = as_dict(old)
    still_open = [a for a in data["actions"] if a["status"] not in FINISHED]
    wanted = {a["proposal"] for a in still_open if a["proposal"]}
    plan: dict[str, Any] = {section: data[section] for section in CARRIED}
    plan["proposals"] = [{**p, "comment": None} for p in data["proposals"] if p["title"] in wanted]
    plan["actions"] = [{**a, "previous_status": a["status"]} for a in still_open]
    return plan, data["workshop"]["title"]
