"""The roll-up: many workshop files, quarter after quarter, read without changing any of them.

The same group, customer or hand-off in several workshops is recognised by its name ignoring
case (and Unicode form); a name spelled differently stays separate. A file that cannot be read
(missing, not an ordinary file, damaged or inconsistent, not a workshop, another schema) is
listed as skipped, with the reason in one line.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from .errors import WorkshopError
from .export import as_dict
from .integrity import recover_hint
from .store import Workshop
from .vocabulary import SENTIMENTS, STATUSES, name_key, one_line

OPEN = ("planned", "doing")


def quarter(date: str | None) -> str:
    """ "2026-Q4" for a date in October to December 2026; "undated" without a date."""
    if not date:
        return "undated"
    year, month = int(date[:4]), int(date[5:7])
    return f"{year}-Q{(month - 1) // 3 + 1}"


def workshop_files(paths: list[Path]) -> list[Path]:
    """The files to roll up: each path given, a folder meaning every `*.db` file in it, and a
    pattern the shell left unexpanded (`"2026/*.db"`) meaning the files it matches."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.glob("*.db") if p.is_file())
        elif not path.exists() and set("*?[") & set(str(path)):
            matches = sorted(Path(p) for p in glob.glob(str(path)) if Path(p).is_file())
            found += matches or [path]  # no match: listed as skipped, not silently dropped
        else:
            found.append(path)
    unique: dict[Path, Path] = {}  # the same file reached twice (a link, ./x and x) counts once
    for path in found:
        unique.setdefault(path.resolve() if path.exists() else path, path)
    return list(unique.values())


def _by_group_then_quarter(display: dict[str, str]):
    """Sort key for ((group key, quarter), …) items: group name, then quarter."""
    return lambda item: (display[item[0][0]].casefold(), item[0][1])


def _read(path: Path) -> dict[str, Any]:
    ws = Workshop.open_read_only(path)
    try:
        return as_dict(ws)
    finally:
        ws.close()


def rollup(paths: list[Path], today: dt.date | None = None) -> dict[str, Any]:
    """Everything the roll-up reports, as plain data (the templates' context)."""
    today = today or dt.date.today()
    workshops: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for path in workshop_files(paths):
        try:
            data = _read(path)
        except WorkshopError as error:  # damaged or inconsistent files too (open checks them)
            skipped.append({"file": str(path), "reason": one_line(str(error))})
            continue
        except sqlite3.DatabaseError as error:  # damage the open-time checks did not see
            reason = f"{path} is damaged ({error}): {recover_hint(path)}."
            skipped.append({"file": str(path), "reason": reason})
            continue
        info = data["workshop"]
        workshops.append({**data, "file": str(path), "quarter": quarter(info["date"])})
    workshops.sort(key=lambda w: (w["workshop"]["date"] or "", w["file"]))
    quarters = sorted({w["quarter"] for w in workshops})
    display: dict[str, str] = {}  # the first spelling seen of each name, for the report

    def named(name: str) -> str:
        return display.setdefault(name_key(name), name)

    actions = []
    for w in workshops:
        for a in w["actions"]:
            overdue = a["status"] in OPEN and bool(a["due"]) and a["due"] < today.isoformat()
            actions.append(
                {
                    **a,
                    "owner": named(a["owner"]) if a["owner"] else None,
                    "workshop": w["workshop"]["title"],
                    "file": w["file"],
                    "quarter": w["quarter"],
                    "overdue": overdue,
                    "moved": bool(a["previous_status"]) and a["previous_status"] != a["status"],
                }
            )
    # An action carried into a later workshop is the same action: the list shows its latest
    # state, while the counts per quarter keep each workshop's view.
    # Within one workshop, alike actions stay apart: the n-th of them in a later workshop
    # stands for the n-th in an earlier one.
    latest: dict[tuple[str, str, str, int], dict[str, Any]] = {}
    seen: Counter[tuple[str, str, str, str]] = Counter()
    for a in actions:  # workshops oldest first
        alike = (name_key(a["proposal"] or ""), name_key(a["owner"] or ""), name_key(a["kpi"]))
        seen[(*alike, a["file"])] += 1
        latest[(*alike, seen[(*alike, a["file"])])] = a
    current = sorted(
        latest.values(),
        key=lambda a: (not a["overdue"], a["due"] or "9999", a["workshop"], a["id"]),
    )

    status_counts: dict[tuple[str, str], Counter[str]] = {}  # statuses, and "moved"
    for a in actions:
        if a["owner"]:
            counts = status_counts.setdefault((name_key(a["owner"]), a["quarter"]), Counter())
            counts[a["status"]] += 1
            counts["moved"] += a["moved"]
    by_group = [
        {"group": display[key], "quarter": q, **{s: counts[s] for s in STATUSES},
         "moved": counts["moved"]}
        for (key, q), counts in sorted(status_counts.items(), key=_by_group_then_quarter(display))
    ]  # fmt: skip

    gaps: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for w in workshops:
        for h in w["handoffs"]:
            if h["gap"] is None:
                continue
            key = (name_key(named(h["from"])), name_key(named(h["to"])))
            gaps.setdefault(key, []).append(
                {"quarter": w["quarter"], "workshop": w["workshop"]["title"], "gap": h["gap"]}
            )
    gap_trends = []
    for (giver, receiver), points in gaps.items():
        first, last = abs(points[0]["gap"]), abs(points[-1]["gap"])
        trend = (
            "only once"
            if len(points) == 1
            else ("closing" if last < first else "widening" if last > first else "unchanged")
        )
        gap_trends.append({"from": display[giver], "to": display[receiver], "points": points,
                           "trend": trend})  # fmt: skip
    gap_trends.sort(key=lambda g: (g["from"].casefold(), g["to"].casefold()))

    latest_orphan: dict[str, tuple[str, bool]] = {}
    for w in workshops:  # oldest first, so the latest workshop naming a group decides
        for g in w["groups"]:
            orphan = g["customer_distance"] is None
            latest_orphan[name_key(named(g["name"]))] = (w["workshop"]["title"], orphan)
    orphans = sorted(
        ({"group": display[k], "workshop": title} for k, (title, orphan) in latest_orphan.items()
         if orphan),
        key=lambda o: o["group"].casefold(),
    )  # fmt: skip

    comment_counts: dict[tuple[str, str], Counter[str]] = {}
    for w in workshops:
        for c in w["comments"]:
            for group in c["routed_to"]:
                comment_counts.setdefault((name_key(named(group)), w["quarter"]), Counter())[
                    c["sentiment"]
                ] += 1
    comments = [
        {"group": display[key], "quarter": q, "total": sum(c.values()),
         **{s: c[s] for s in SENTIMENTS}}
        for (key, q), c in sorted(comment_counts.items(), key=_by_group_then_quarter(display))
    ]  # fmt: skip

    return {
        "today": today.isoformat(),
        "quarters": quarters,
        "workshops": [
            {
                "title": w["workshop"]["title"],
                "date": w["workshop"]["date"],
                "quarter": w["quarter"],
                "file": w["file"],
                "actions": len(w["actions"]),
            }
            for w in workshops
        ],  # fmt: skip
        "skipped": skipped,
        "actions": current,
        "overdue": sum(a["overdue"] for a in current),
        "by_group": by_group,
        "gaps": gap_trends,
        "orphans": orphans,
        "comments": comments,
    }


ROLLUP_CSV = ("overdue", "proposal", "owner", "workshop", "quarter", "due", "kpi", "status",
              "previous_status", "file")  # fmt: skip


def report(data: dict[str, Any], fmt: str) -> str:
    """The roll-up as md, html, json or csv (the action plans, one row each)."""
    from .export import render, table_csv

    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return table_csv(ROLLUP_CSV, data["actions"])
    if fmt in ("md", "html"):
        return render(f"rollup.{fmt}.j2", data).rstrip("\n") + "\n"
    raise WorkshopError(f"The roll-up has no {fmt!r} report; choose md, html, csv or json.")
