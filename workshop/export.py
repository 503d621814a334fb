"""Exports: the JSON shape of DESIGN.md, and text formats rendered from Jinja templates.

Exports are deterministic: rows in id order, keys in a fixed order, and one date only: the
day that decides which actions are overdue (`today`, the clock's date unless given).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils  # noqa: F401  the exports read through ws.db, which needs it
from jinja2 import (
    BaseLoader,
    DictLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.sandbox import SecurityError

from . import sandbox
from .actions import is_overdue
from .chain import onion_layers
from .errors import WorkshopError
from .model import Result
from .sandbox import LimitedSandbox

if TYPE_CHECKING:
    from .store import Workshop

FORMATS = ("md", "html", "json", "csv")


def templates_dir() -> Path:
    """Where the export templates are: inside the installed package, or the checkout's root."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise WorkshopError("The export templates are missing from this installation.")


def _names(ws: Workshop, table: str, column: str = "name") -> dict[int, str]:
    return {r[0]: r[1] for r in ws.db.execute(f'select id, "{column}" from "{table}"')}


def export_day() -> dt.date:
    """The day an export calls today, unless one is given (tests replace it)."""
    return dt.date.today()


def as_dict(ws: Workshop, today: dt.date | None = None) -> dict[str, Any]:
    """The whole workshop in the plan/export shape, references by name; an action is
    `overdue` when it is not finished and was due before `today` (default: export_day())."""
    today = today or export_day()
    db = ws.db
    groups = _names(ws, "groups")
    customers = _names(ws, "customers")
    touchpoints = _names(ws, "touchpoints")
    proposals = _names(ws, "proposals", "title")
    distances = ws.customer_distances()
    info = ws.info()

    def rows(table: str) -> list[dict[str, Any]]:
        return list(db[table].rows_where(order_by="id"))

    def ref(mapping: dict[int, str], key: int | None) -> str | None:
        return mapping.get(key) if key is not None else None

    def gap(row: dict[str, Any]) -> int | None:
        if row["self_rating"] is None or row["customer_rating"] is None:
            return None
        return row["self_rating"] - row["customer_rating"]

    layers: dict[tuple[int, int], int] = {}
    owners = {r[0]: r[1] for r in db.execute("select id, owner_id from touchpoints")}
    for tp_id in owners:
        supports = dict(
            db.execute(
                "select group_id, supports_group_id from contributions where touchpoint_id = ?",
                [tp_id],
            ).fetchall()
        )
        for gid, layer in onion_layers(supports, owners[tp_id], groups).items():
            layers[(tp_id, gid)] = layer

    comments = _names(ws, "comments", "text")
    link_groups = {
        cid: groups[gid] for cid, gid in db.execute("select id, group_id from contributions")
    }

    routes: dict[int, list[str]] = {}
    for cid, gid in db.execute(
        "select comment_id, group_id from comment_routes order by comment_id, group_id"
    ):
        routes.setdefault(cid, []).append(groups[gid])

    return {
        "workshop": {
            "title": info.title,
            "purpose": info.purpose,
            "date": info.date,
            "phase": info.phase,
            "schema_version": info.schema_version,
            "follows": info.follows,
        },
        "groups": [
            {
                "id": r["id"],
                "name": r["name"],
                "role": r["role"],
                "kind": r["kind"],
                "good_day": r["good_day"],
                "customer_distance": distances.get(r["id"]),
            }
            for r in rows("groups")
        ],
        "customers": [
            {"id": r["id"], "name": r["name"], "segment": r["segment"]} for r in rows("customers")
        ],
        "handoffs": [
            {
                "id": r["id"],
                "from": groups[r["provider_id"]],
                "to": ref(groups, r["receiver_group_id"])
                or ref(customers, r["receiver_customer_id"]),
                "provides": r["provides"],
                "needs": r["needs"],
                "expectation": r["expectation"],
                "self_rating": r["self_rating"],
                "customer_rating": r["customer_rating"],
                "gap": gap(r),
            }
            for r in rows("handoffs")
        ],
        "touchpoints": [
            {
                "id": r["id"],
                "name": r["name"],
                "customer": ref(customers, r["customer_id"]),
                "owner": ref(groups, r["owner_id"]),
                "channel": r["channel"],
            }
            for r in rows("touchpoints")
        ],
        "contributions": [
            {
                "id": r["id"],
                "touchpoint": touchpoints[r["touchpoint_id"]],
                "group": groups[r["group_id"]],
                "supports": ref(groups, r["supports_group_id"])
                or ref(groups, owners[r["touchpoint_id"]]),
                "what": r["what"],
                "effect": r["effect"],
                "fail_point": bool(r["fail_point"]),
                "layer": layers.get((r["touchpoint_id"], r["group_id"])),
            }
            for r in rows("contributions")
        ],
        "comments": [
            {
                "id": r["id"],
                "text": r["text"],
                "touchpoint": ref(touchpoints, r["touchpoint_id"]),
                "sentiment": r["sentiment"],
                "date": r["date"],
                "routed_to": routes.get(r["id"], []),
            }
            for r in rows("comments")
        ],
        "participants": [
            {
                "id": r["id"],
                "name": r["name"],
                "group": ref(groups, r["group_id"]),
                "facilitator": bool(r["facilitator"]),
            }
            for r in rows("participants")
            if r.get("removed_at") is None  # removed from the room: not listed, not carried on
        ],
        "proposals": [
            {
                "id": r["id"],
                "title": r["title"],
                "description": r["description"],
                "touchpoint": ref(touchpoints, r["touchpoint_id"]),
                "owner": ref(groups, r["owner_id"]),
                "beneficiary": ref(customers, r["beneficiary_customer_id"])
                or ref(groups, r["beneficiary_group_id"]),
                "impact": r["impact"],
                "effort": r["effort"],
                "weak_link": link_groups.get(r["contribution_id"]),
                "comment": comments.get(r["comment_id"]),
            }
            for r in rows("proposals")
        ],
        "vote_rounds": [
            {
                "id": r.id,
                "question": r.question,
                "state": r.state,
                "hidden": r.hidden,
                "votes_per_person": r.votes_per_person,
                "max_per_item": r.max_per_item,
                "proposals": [proposals[pid] for pid in r.proposal_ids],
                "runoff_of": r.runoff_of,
                **(
                    {"results": [_result_dict(x) for x in ws.results(r.id)]}
                    if r.shows_tallies
                    else {}
                ),
            }
            for r in ws.rounds()
        ],
        "actions": [
            {
                "id": r["id"],
                "proposal": ref(proposals, r["proposal_id"]),
                "owner": ref(groups, r["owner_id"]),
                "due": r["due"],
                "kpi": r["kpi"],
                "status": r["status"],
                "overdue": is_overdue(r["status"], r["due"], today),
                "notes": r["notes"],
                "previous_status": r["previous_status"],
            }
            for r in rows("actions")
        ],
    }


def _result_dict(result: Result) -> dict[str, Any]:
    return {
        "proposal": result.proposal,
        "votes": result.votes,
        "voters": result.voters,
        "rank": result.rank,
        "tied": result.tied,
    }


LIST_START = re.compile(r"\s*([-+=]|\d+[.)])")


MARKDOWN_ESCAPES = str.maketrans({"&": "&amp;", **{c: "\\" + c for c in "\\`*_[]<>#|~"}})


def _markdown_text(value: object) -> str:
    """Typed text made safe inside a Markdown table cell or line: metacharacters escaped,
    HTML neutralised, newlines turned into line breaks."""
    if value is None:
        return ""
    text = str(value).translate(MARKDOWN_ESCAPES)
    lines = [
        re.sub(r"^(\s*\d*)([-+=.)])", r"\1\\\2", line) if LIST_START.match(line) else line
        for line in text.splitlines()
    ]
    return "<br>".join(lines)


def _environment(loader: BaseLoader, *, html: bool, sandbox: bool = True) -> Environment:
    env = (LimitedSandbox if sandbox else Environment)(
        loader=loader,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=html,
    )
    env.filters["md"] = _markdown_text
    return env


@functools.cache
def _bundled(directory: str, html: bool) -> Environment:
    """One environment per template folder and escaping mode, so templates compile once. The
    bundled templates are ours, so they skip the sandbox that users' templates run in."""
    return _environment(FileSystemLoader(directory), html=html, sandbox=False)


def render(template: str, data: dict[str, Any], *, directory: Path | None = None) -> str:
    """Render one of the bundled templates with the workshop data; `.html` templates escape
    every value."""
    env = _bundled(str(directory or templates_dir()), ".html" in template)
    return env.get_template(template).render(**data)


def render_user_template(text: str, name: str, data: dict[str, Any]) -> str:
    """Render a user's template in the sandbox, with no access to files or Python internals
    (it cannot include or extend anything, itself included) and within the limits of
    workshop/sandbox.py (time, output, memory, nesting). Errors name the template and the line."""
    env = _environment(DictLoader({}), html=".htm" in name.lower())
    assert isinstance(env, LimitedSandbox)
    try:
        return sandbox.render(env, text, data)
    except sandbox.LimitExceeded as error:
        line = error.lineno or _template_line_number(error, name)
        where = f", line {line}" if line else ""
        raise WorkshopError(f"{name}{where}: {_sentence(str(error))}") from None
    except TemplateSyntaxError as error:
        raise WorkshopError(f"{name}, line {error.lineno}: {_sentence(error.message)}") from None
    except SecurityError as error:
        where = _template_line(error, name)
        raise WorkshopError(
            f"{name}{where}: not allowed in a template: {_sentence(str(error))}"
        ) from None
    except TemplateNotFound as error:
        raise WorkshopError(
            f"{name}: a template cannot include, import or extend other files ({error})."
        ) from None
    except TemplateError as error:
        where = _template_line(error, name)
        raise WorkshopError(f"{name}{where}: {_sentence(error.message or str(error))}") from None
    except (ArithmeticError, LookupError, TypeError, ValueError) as error:
        where = _template_line(error, name)
        raise WorkshopError(
            f"{name}{where}: {type(error).__name__}: {_sentence(str(error))}"
        ) from None
    except (RecursionError, SyntaxError) as error:  # SyntaxError: Python's, on compiling it
        where = _template_line(error, name)
        raise WorkshopError(
            f"{name}{where}: nested too deeply (limit {sandbox.NESTING_LIMIT} levels)."
        ) from None
    except MemoryError:
        raise WorkshopError(f"{name}: the template ran out of memory.") from None


def _sentence(text: str | None) -> str:
    """`text` ending with exactly one full stop."""
    return (text or "").rstrip().rstrip(".") + "."


def _template_line_number(error: BaseException, name: str) -> int | None:
    """The line of the deepest traceback frame inside the template, if any."""
    line = None
    for frame, lineno in traceback.walk_tb(error.__traceback__):
        if frame.f_code.co_filename in (name, "<template>"):
            line = lineno
    return line


def _template_line(error: BaseException, name: str) -> str:
    """ ", line N" for the deepest traceback frame inside the template, if any."""
    line = _template_line_number(error, name)
    return f", line {line}" if line else ""


def template_data(ws: Workshop, today: dt.date | None = None) -> dict[str, Any]:
    """What templates see: the JSON export's data and `summary` (derived views), with
    overdue actions as of `today` (default: export_day())."""
    from .summary import summary

    today = today or export_day()
    data = as_dict(ws, today)
    data["summary"] = summary(ws, data, today)
    return data


# CSV: one row per item, for spreadsheets and trackers.
CSV_TABLES: dict[str, tuple[str, ...]] = {
    "actions": (
        "proposal", "owner", "due", "kpi", "status", "notes", "previous_status", "overdue",
    ),
    "handoffs": (
        "from", "to", "provides", "needs", "expectation", "self_rating", "customer_rating", "gap",
    ),
    "comments": ("date", "sentiment", "touchpoint", "text", "routed_to"),
    "votes": ("question", "state", "rank", "proposal", "votes", "voters", "tied"),
}  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: object) -> str:
    """A cell as text; one that a spreadsheet would run as a formula is prefixed with '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_rows(data: dict[str, Any], what: str) -> list[dict[str, Any]]:
    if what == "votes":
        return [
            {"question": r["question"], "state": r["state"], **result}
            for r in data["vote_rounds"]
            for result in r.get("results", [])
        ]
    return data[what]


def export_csv(data: dict[str, Any], what: str = "actions") -> str:
    """One table as CSV (header row first); revealed vote tallies only."""
    if what not in CSV_TABLES:
        raise WorkshopError(f"Unknown CSV table {what!r}; choose one of {', '.join(CSV_TABLES)}.")
    return table_csv(CSV_TABLES[what], _csv_rows(data, what))


def table_csv(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    """A header row of `columns`, then each row's values in that order, formulas neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in columns])
    return out.getvalue()


def export(
    ws: Workshop,
    fmt: str,
    *,
    template: tuple[str, str] | None = None,
    what: str = "actions",
    today: dt.date | None = None,
) -> str:
    """The workshop as `fmt` (json, md, html or csv); with `template` (its name and text), the
    user's template renders the same data instead of the bundled one. Actions due before
    `today` (default: export_day()) and not finished are marked overdue."""
    if fmt not in FORMATS:
        raise WorkshopError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    if template is not None:
        name, text = template
        return render_user_template(text, name, template_data(ws, today))
    if fmt == "json":
        return json.dumps(as_dict(ws, today), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return export_csv(as_dict(ws, today), what)
    text = render(f"summary.{fmt}.j2", template_data(ws, today))
    return text.rstrip("\n") + "\n"
