"""What the summary templates see: the JSON export's data plus the views a reader needs
(participants by group, whom each group serves, the chain, the onions, comment counts, votes and
the action plans under their proposals). Plain dicts and lists, so that a user's template can
rely on the same documented shape; everything in a stable order, so exports are deterministic."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any

from .chain import ChainLink, customer_chain
from .model import Contribution
from .vocabulary import SENTIMENTS

if TYPE_CHECKING:
    from .store import Workshop


def mermaid_label(text: str) -> str:
    """`text` as a quoted Mermaid label: every character that Mermaid or Markdown could read
    as syntax is written as an entity code, so typed text cannot break the chart."""
    safe = "".join(
        char if char.isalnum() or char in " .,-'()/&+" else f"#{ord(char)};" for char in text
    )
    return f'"{safe}"'


def _export_day() -> dt.date:
    from .export import export_day

    return export_day()


def _chain_node(node: ChainLink) -> dict[str, Any]:
    """A node of the chain: `seen` ("cycle", "above", "below": the group's suppliers are
    shown elsewhere in the tree) and `more` (a "… N more" stand-in) as in workshop.chain."""
    return {
        "name": node.name,
        "is_customer": node.is_customer,
        "distance": node.distance,
        "provides": node.provides,
        "seen": node.seen,
        "more": node.more,
        "children": [_chain_node(child) for child in node.children],  # type: ignore[arg-type]
    }


def _mermaid(data: dict[str, Any]) -> str:
    """A flowchart of who hands off to whom: customers as rounded boxes, orphans dashed."""
    ids = {}
    lines = ["flowchart RL"]
    for n, customer in enumerate(data["customers"], start=1):
        ids[customer["name"]] = f"c{n}"
        lines.append(f"  c{n}({mermaid_label(customer['name'])})")
    for n, group in enumerate(data["groups"], start=1):
        ids[group["name"]] = f"g{n}"
        lines.append(f"  g{n}[{mermaid_label(group['name'])}]")
    for handoff in data["handoffs"]:
        lines.append(f"  {ids[handoff['from']]} --> {ids[handoff['to']]}")
    orphans = [ids[g["name"]] for g in data["groups"] if g["customer_distance"] is None]
    if orphans:
        lines.append("  classDef orphan stroke-dasharray: 5 5")
        lines.append(f"  class {','.join(orphans)} orphan")
    return "\n".join(lines)


def _onion(peeled: list[Contribution]) -> list[dict[str, Any]]:
    """A touchpoint's layers as a tree: each layer with the layers that help it."""
    below: dict[int | None, list[dict[str, Any]]] = {}
    for c in peeled:
        node = {
            "group": c.group,
            "layer": c.layer,
            "what": c.what,
            "weakens": c.weakens,
            "fail_point": c.fail_point,
            "children": [],
            "_id": c.group_id,
        }
        below.setdefault(None if c.layer == 1 else c.supports_group_id, []).append(node)

    def attach(parent: int | None) -> list[dict[str, Any]]:
        nodes = below.get(parent, [])
        for node in nodes:
            node["children"] = attach(node.pop("_id"))
        return nodes

    return attach(None)


def summary(ws: Workshop, data: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    """The derived views, given the export data of the same workshop (whose actions say
    whether they are `overdue` as of `today`: the day is given for the report to name it)."""
    groups = [g["name"] for g in data["groups"]]
    people: dict[str | None, list[str]] = {}
    for p in data["participants"]:
        people.setdefault(p["group"], []).append(p["name"])
    by_group = [{"group": g, "names": people[g]} for g in groups if g in people]
    if None in people:
        by_group.append({"group": None, "names": people[None]})

    serves = [
        {
            "group": g["name"],
            "distance": g["customer_distance"],
            "handoffs": [h for h in data["handoffs"] if h["from"] == g["name"]],
        }
        for g in data["groups"]
    ]
    rated = [h for h in data["handoffs"] if h["gap"] is not None]
    gaps = sorted(rated, key=lambda h: (-abs(h["gap"]), -h["gap"], h["id"]))

    trees, orphans = customer_chain(ws)
    onions = ws.onions()
    counts: dict[str, Counter[str]] = {g: Counter() for g in groups}
    for comment in data["comments"]:
        for name in comment["routed_to"]:
            counts[name][comment["sentiment"]] += 1
    comment_counts = [
        {"group": g, "total": sum(c.values()), **{s: c[s] for s in SENTIMENTS}}
        for g, c in counts.items()
        if c
    ]

    by_proposal = [
        {"proposal": p, "actions": [a for a in data["actions"] if a["proposal"] == p["title"]]}
        for p in data["proposals"]
    ]
    carried = [a for a in data["actions"] if a["previous_status"]]
    return {
        "participants_by_group": by_group,
        "serves": [s for s in serves if s["handoffs"]],
        "gaps": gaps,
        "chain": [_chain_node(tree) for tree in trees],
        "orphans": [g.name for g in orphans],
        "mermaid": _mermaid(data),
        "onions": [{**t, "layers": _onion(onions.get(t["id"], []))} for t in data["touchpoints"]],
        "comment_counts": comment_counts,
        "unrouted_comments": sum(1 for c in data["comments"] if not c["routed_to"]),
        "votes": [r for r in data["vote_rounds"] if "results" in r],
        "proposals_with_actions": [x for x in by_proposal if x["actions"]],
        "actions_without_proposal": [a for a in data["actions"] if not a["proposal"]],
        "carried": carried,
        "moved": [a for a in carried if a["status"] != a["previous_status"]],
        "overdue": sum(1 for a in data["actions"] if a["overdue"]),
        "today": (today or _export_day()).isoformat(),
    }
