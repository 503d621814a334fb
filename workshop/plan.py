"""Importing a prepared plan: the JSON export's shape, checked entry by entry.

`parse_plan` reads the JSON text, refusing one too large or nested too deep before it is parsed.
`import_plan` runs inside the caller's transaction: the first error raises PlanError naming the
entry and the reference, and the caller rolls back, so a plan is never half-imported.
"""

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING, Any

import sqlite_utils  # noqa: F401  the plan is read and written through ws.db, which needs it

from .chain import onion_layers
from .errors import PlanError
from .vocabulary import (
    EFFECTS,
    KINDS,
    LEVELS,
    SENTIMENTS,
    STATUSES,
    choice,
    clean_name,
    clean_text,
    flag,
    iso_date,
    one_line,
    rating,
)

if TYPE_CHECKING:
    from .store import Workshop

PLAN_LIMIT_MB = 20  # the largest plan file (a JSON export of the largest workshops is ~4 MB)
PLAN_DEPTH_LIMIT = 20  # lists and objects inside one another (the plan shape needs 5)
_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*+"|[\[\]{}]')  # strings are skipped whole

IMPORTED = (
    "groups",
    "customers",
    "handoffs",
    "touchpoints",
    "contributions",
    "comments",
    "participants",
    "proposals",
    "actions",
)
SECTIONS = (
    "groups",
    "customers",
    "handoffs",
    "touchpoints",
    "contributions",
    "comments",
    "participants",
    "proposals",
    "vote_rounds",
    "actions",
)


def parse_plan(text: str, name: str) -> dict[str, Any]:
    """The plan in JSON `text` (from the file `name`, for messages) as a dict; refused with one
    line when it is over PLAN_LIMIT_MB, nested deeper than PLAN_DEPTH_LIMIT, not JSON or not
    one object. Depth is checked before parsing, without recursion."""
    if len(text) > PLAN_LIMIT_MB * 1_000_000:
        raise PlanError(f"The plan {name} is larger than the {PLAN_LIMIT_MB} MB limit for a plan.")
    depth = 0
    for match in _BRACKETS.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            if depth > PLAN_DEPTH_LIMIT:
                line = text.count("\n", 0, match.start()) + 1
                raise PlanError(
                    f"The plan {name} nests lists and objects deeper than {PLAN_DEPTH_LIMIT} "
                    f"levels (the limit), at line {line}."
                )
        elif bracket in "]}":
            depth -= 1
    try:
        plan = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as error:
        raise PlanError(
            f"The plan {name} is not valid JSON: {error.msg} at line "
            f"{error.lineno}, column {error.colno}."
        ) from None
    except RecursionError:  # not reached: the scan above refuses deep nesting first
        raise PlanError(f"The plan {name} nests lists and objects too deeply.") from None
    except ValueError:  # the one ValueError json.loads leaves: an integer too long to convert
        raise PlanError(
            f"The plan {name} holds a number of more than {sys.get_int_max_str_digits():,} digits."
        ) from None
    if not isinstance(plan, dict):
        raise PlanError(f"The plan {name} must hold one JSON object.")
    return plan


def _entries(plan: dict[str, Any], section: str) -> list[tuple[str, dict[str, Any]]]:
    items = plan.get(section) or []
    if not isinstance(items, list):
        raise PlanError(f"“{section}” must be a list.")
    labelled = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise PlanError(f"{section} #{index} must be an object with named fields.")
        labelled.append((f"{section} #{index}", item))
    return labelled


class _Importer:
    def __init__(self, ws: Workshop) -> None:
        self.ws = ws
        self.db = ws.db

    def ref(
        self,
        where: str,
        field: str,
        name: object,
        tables: tuple[str, ...],
        *,
        required: bool = True,
    ) -> tuple[str, int] | None:
        """Resolve a reference by name (ignoring case) to (table, id)."""
        if name in (None, ""):
            if required:
                raise PlanError(f"{where}: “{field}” is missing.")
            return None
        if not isinstance(name, str):
            raise PlanError(f"{where}: “{field}” must be a name; got {name!r}.")
        try:
            clean_text(name, field, multiline=False)  # no name holds control characters
        except PlanError:
            pass
        else:
            for table in tables:
                found = self.ws.lookup_id(table, name)
                if found is not None:
                    return table, found
        kinds = " or ".join(
            {
                "groups": "group",
                "customers": "customer",
                "touchpoints": "touchpoint",
                "proposals": "proposal",
                "participants": "participant",
            }[t]
            for t in tables
        )
        raise PlanError(f"{where}: “{field}” names an unknown {kinds} “{one_line(name)}”.")

    def ref_id(
        self, where: str, field: str, name: object, table: str, *, required: bool = True
    ) -> int | None:
        found = self.ref(where, field, name, (table,), required=required)
        return found[1] if found else None

    def named(self, table: str, where: str, item: dict[str, Any], field: str = "name") -> dict:
        name = clean_name(item.get(field), f"{where}: the {field}")
        try:
            key = self.ws._check_name_free(table, name)
        except PlanError as error:
            raise PlanError(f"{where}: {error}") from None
        return {field: name, "key": key}

    def text(self, where: str, item: dict[str, Any], field: str) -> str:
        return clean_text(item.get(field), f"{where}: “{field}”")

    def run(self, plan: dict[str, Any]) -> dict[str, int]:
        if not isinstance(plan, dict):
            raise PlanError("A plan must be a JSON object with lists such as “groups”.")
        unknown = sorted(set(plan) - set(SECTIONS) - {"workshop"})
        if unknown:
            raise PlanError(f"The plan has unknown sections: {', '.join(unknown)}.")
        counts = dict.fromkeys(IMPORTED, 0)
        self.workshop_fields(plan.get("workshop"))
        for section in counts:
            add = getattr(self, f"add_{section}")
            entries = _entries(plan, section)
            for where, item in entries:
                try:
                    add(where, item)
                except PlanError as error:
                    message = str(error)
                    raise PlanError(
                        message if message.startswith(where) else f"{where}: {message}"
                    ) from None
            counts[section] = len(entries)
            if section == "contributions":
                self.check_onions()
        return counts

    def workshop_fields(self, meta: object) -> None:
        """Fill the workshop's purpose and date from the plan where they are still empty."""
        if meta is None:
            return
        if not isinstance(meta, dict):
            raise PlanError("“workshop” must be an object.")
        current = self.db["workshop"].get(1)
        updates = {}
        if meta.get("purpose") and not current["purpose"]:
            updates["purpose"] = clean_text(meta["purpose"], "workshop: “purpose”")
        if meta.get("date") and not current["date"]:
            updates["date"] = iso_date(meta["date"], "workshop: “date”")
        if updates:
            self.db["workshop"].update(1, updates)

    def add_groups(self, where: str, item: dict[str, Any]) -> None:
        self.db["groups"].insert(
            {
                **self.named("groups", where, item),
                "role": self.text(where, item, "role"),
                "kind": choice(item.get("kind"), "“kind”", KINDS, default="support"),
                "good_day": self.text(where, item, "good_day"),
            }
        )

    def add_customers(self, where: str, item: dict[str, Any]) -> None:
        self.db["customers"].insert(
            {**self.named("customers", where, item), "segment": self.text(where, item, "segment")}
        )

    def add_handoffs(self, where: str, item: dict[str, Any]) -> None:
        provider = self.ref_id(where, "from", item.get("from"), "groups")
        table, receiver = self.ref(where, "to", item.get("to"), ("groups", "customers"))  # type: ignore[misc]
        if table == "groups" and receiver == provider:
            raise PlanError(f"{where}: a group cannot hand off to itself.")
        column = "receiver_group_id" if table == "groups" else "receiver_customer_id"
        duplicate = self.db.execute(
            f"select 1 from handoffs where provider_id = ? and {column} = ?", [provider, receiver]
        ).fetchone()
        if duplicate:
            raise PlanError(f"{where}: “{item['from']}” already hands off to “{item['to']}”.")
        self.db["handoffs"].insert(
            {
                "provider_id": provider,
                column: receiver,
                "provides": self.text(where, item, "provides"),
                "needs": self.text(where, item, "needs"),
                "expectation": self.text(where, item, "expectation"),
                "self_rating": rating(item.get("self_rating"), "“self_rating”"),
                "customer_rating": rating(item.get("customer_rating"), "“customer_rating”"),
            }
        )

    def add_touchpoints(self, where: str, item: dict[str, Any]) -> None:
        self.db["touchpoints"].insert(
            {
                **self.named("touchpoints", where, item),
                "customer_id": self.ref_id(
                    where, "customer", item.get("customer"), "customers", required=False
                ),
                "owner_id": self.ref_id(
                    where, "owner", item.get("owner"), "groups", required=False
                ),
                "channel": self.text(where, item, "channel"),
            }
        )

    def add_contributions(self, where: str, item: dict[str, Any]) -> None:
        touchpoint = self.ref_id(where, "touchpoint", item.get("touchpoint"), "touchpoints")
        group = self.ref_id(where, "group", item.get("group"), "groups")
        supports = self.ref_id(where, "supports", item.get("supports"), "groups", required=False)
        owner = self.db["touchpoints"].get(touchpoint)["owner_id"]
        if group == owner:
            raise PlanError(
                f"{where}: “{item['group']}” owns “{item['touchpoint']}”; the owner "
                "is the centre of the onion, not a layer."
            )
        taken = self.db.execute(
            "select 1 from contributions where touchpoint_id = ? and group_id = ?",
            [touchpoint, group],
        ).fetchone()
        if taken:
            raise PlanError(
                f"{where}: “{item['group']}” already contributes to "
                f"“{item['touchpoint']}” (one contribution per group)."
            )
        self.db["contributions"].insert(
            {
                "touchpoint_id": touchpoint,
                "group_id": group,
                "supports_group_id": None if supports == owner else supports,
                "what": self.text(where, item, "what"),
                "effect": choice(item.get("effect"), "“effect”", EFFECTS, default="strengthens"),
                "fail_point": int(flag(item.get("fail_point"), "“fail_point”")),
            }
        )

    def check_onions(self) -> None:
        """Every touchpoint's supports must lead back to its owner without a cycle."""
        names = {r[0]: r[1] for r in self.db.execute("select id, name from groups")}
        for tp_id, tp_name, owner in self.db.execute(
            "select id, name, owner_id from touchpoints order by id"
        ).fetchall():
            supports = dict(
                self.db.execute(
                    "select group_id, supports_group_id from contributions where touchpoint_id = ?",
                    [tp_id],
                ).fetchall()
            )
            try:
                onion_layers(supports, owner, names)
            except PlanError as error:
                raise PlanError(f"contributions at “{tp_name}”: {error}") from None

    def add_comments(self, where: str, item: dict[str, Any]) -> None:
        text = clean_text(item.get("text"), "“text”")
        if not text.strip():
            raise PlanError(f"{where}: “text” must not be empty.")
        routed = item.get("routed_to") or []
        if not isinstance(routed, list):
            raise PlanError(f"{where}: “routed_to” must be a list of group names.")
        group_ids = [self.ref_id(where, "routed_to", name, "groups") for name in routed]
        cid = (
            self.db["comments"]
            .insert(
                {
                    "text": text,
                    "touchpoint_id": self.ref_id(
                        where, "touchpoint", item.get("touchpoint"), "touchpoints", required=False
                    ),
                    "sentiment": choice(
                        item.get("sentiment"), "“sentiment”", SENTIMENTS, default="neutral"
                    ),
                    "date": iso_date(item.get("date"), "“date”"),
                }
            )
            .last_pk
        )
        for gid in dict.fromkeys(group_ids):
            self.db["comment_routes"].insert({"comment_id": cid, "group_id": gid})

    def add_participants(self, where: str, item: dict[str, Any]) -> None:
        self.db["participants"].insert(
            {
                **self.named("participants", where, item),
                "group_id": self.ref_id(
                    where, "group", item.get("group"), "groups", required=False
                ),
                "facilitator": int(flag(item.get("facilitator"), "“facilitator”")),
            }
        )

    def add_proposals(self, where: str, item: dict[str, Any]) -> None:
        beneficiary = self.ref(
            where, "beneficiary", item.get("beneficiary"), ("customers", "groups"), required=False
        )
        self.db["proposals"].insert(
            {
                **self.named("proposals", where, item, "title"),
                "description": self.text(where, item, "description"),
                "touchpoint_id": self.ref_id(
                    where, "touchpoint", item.get("touchpoint"), "touchpoints", required=False
                ),
                "owner_id": self.ref_id(
                    where, "owner", item.get("owner"), "groups", required=False
                ),
                "beneficiary_group_id": beneficiary[1]
                if beneficiary and beneficiary[0] == "groups"
                else None,
                "beneficiary_customer_id": beneficiary[1]
                if beneficiary and beneficiary[0] == "customers"
                else None,
                "impact": choice(item.get("impact"), "“impact”", LEVELS, default="medium"),
                "effort": choice(item.get("effort"), "“effort”", LEVELS, default="medium"),
                "contribution_id": self.weak_link(where, item),
                "comment_id": self.answered_comment(where, item),
            }
        )

    def weak_link(self, where: str, item: dict[str, Any]) -> int | None:
        """The contribution a proposal answers: `weak_link` names its group at the proposal's
        touchpoint."""
        group = self.ref_id(where, "weak_link", item.get("weak_link"), "groups", required=False)
        if group is None:
            return None
        touchpoint = self.ref_id(where, "touchpoint", item.get("touchpoint"), "touchpoints")
        row = self.db.execute(
            "select id from contributions where touchpoint_id = ? and group_id = ?",
            [touchpoint, group],
        ).fetchone()
        if row is None:
            raise PlanError(
                f"{where}: “weak_link” names {item['weak_link']}, which has no layer at "
                f"{item['touchpoint']}."
            )
        return row[0]

    def answered_comment(self, where: str, item: dict[str, Any]) -> int | None:
        """The comment a proposal answers, by its exact text (the first such comment)."""
        text = item.get("comment")
        if text in (None, ""):
            return None
        row = self.db.execute(
            "select id from comments where text = ? order by id limit 1", [text]
        ).fetchone()
        if row is None:
            raise PlanError(f"{where}: “comment” names no comment with that text.")
        return row[0]

    def add_actions(self, where: str, item: dict[str, Any]) -> None:
        self.db["actions"].insert(
            {
                "proposal_id": self.ref_id(
                    where, "proposal", item.get("proposal"), "proposals", required=False
                ),
                "owner_id": self.ref_id(where, "owner", item.get("owner"), "groups"),
                "due": iso_date(item.get("due"), "“due”"),
                "kpi": self.text(where, item, "kpi"),
                "status": choice(item.get("status"), "“status”", STATUSES, default="planned"),
                "notes": self.text(where, item, "notes"),
                "previous_status": choice(
                    item.get("previous_status"), "“previous_status”", STATUSES, default=""
                )
                or None,
            }
        )


def import_plan(ws: Workshop, plan: dict[str, Any]) -> dict[str, int]:
    """Add every entry of `plan` to `ws`; call inside a transaction."""
    return _Importer(ws).run(plan)
