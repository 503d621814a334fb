"""Action plans: the winning proposals turned into work with an owner, a due date and a KPI."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from .errors import PlanError
from .model import Action
from .vocabulary import STATUSES, choice, clean_text, iso_date

if TYPE_CHECKING:
    from .store import Workshop

_ACTION_SQL = """
select a.id, a.proposal_id, p.title, a.owner_id, g.name, a.due, a.kpi, a.status, a.notes,
       a.previous_status
from actions a
left join proposals p on p.id = a.proposal_id
left join groups g on g.id = a.owner_id
"""


OPEN_STATUSES = ("planned", "doing")  # not finished: done and dropped are never overdue


def is_overdue(status: str, due: str | None, today: dt.date) -> bool:
    """An action is overdue when it is not finished and its due date is before `today`."""
    return status in OPEN_STATUSES and bool(due) and due < today.isoformat()  # type: ignore[operator]


def clean_action_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Check an action's fields; an owner and a due date are required."""
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key == "owner_id":
            if value is None:
                raise PlanError("An action needs exactly one owning group.")
            clean[key] = value
        elif key == "due":
            clean[key] = iso_date(value, "The due date")
            if clean[key] is None:
                raise PlanError("An action needs a due date (like 2026-03-31).")
        elif key == "kpi":
            clean[key] = clean_text(value, "The KPI").strip()
        elif key == "notes":
            clean[key] = clean_text(value, "The notes").strip()
        elif key == "status":
            clean[key] = choice(value, "The status", STATUSES, default="planned")
        elif key == "proposal_id":
            clean[key] = value
        else:
            raise PlanError(f"An action has no field {key!r}.")
        is_id = isinstance(value, int) and not isinstance(value, bool)
        if key in ("owner_id", "proposal_id") and clean[key] is not None and not is_id:
            raise PlanError(f"An action refers to its {key[:-3]} by id; got {value!r}.")
    return clean


class ActionRecords:
    """The action-plan half of `Workshop` (mixed into it)."""

    def _actions(self: Workshop, where: str = "", params: list[Any] | None = None):
        sql = _ACTION_SQL + (f" where {where}" if where else "") + " order by a.id"
        return [Action(*row) for row in self.conn.execute(sql, params or []).fetchall()]

    def actions(self: Workshop) -> list[Action]:
        """Every action in the order it was planned."""
        return self._actions()

    def action(self: Workshop, action_id: int) -> Action:
        """One action by id."""
        return self._only(self._actions("a.id = ?", [action_id]), "action")

    def _check_action_refs(self: Workshop, clean: dict[str, Any]) -> None:
        if clean.get("owner_id") is not None:
            self._row("groups", clean["owner_id"], "group")
        if clean.get("proposal_id") is not None:
            self._row("proposals", clean["proposal_id"], "proposal")

    def add_action(
        self: Workshop,
        *,
        owner_id: int | None,
        due: str | None,
        proposal_id: int | None = None,
        kpi: str = "",
        status: str = "planned",
        notes: str = "",
    ) -> int:
        """Plan an action; returns its id. Refused without an owner or a valid due date."""
        clean = clean_action_fields(
            {
                "proposal_id": proposal_id,
                "owner_id": owner_id,
                "due": due,
                "kpi": kpi,
                "status": status,
                "notes": notes,
            }
        )
        with self.transaction():
            self._check_action_refs(clean)
            what = self.proposal(proposal_id).title if proposal_id else clean["kpi"][:40]
            return self._insert("actions", clean, f"Planned an action: {what}".rstrip(": "))

    def update_action(self: Workshop, action_id: int, **values: Any) -> None:
        """Change an action's owner, due date, KPI, status, notes or proposal."""
        clean = clean_action_fields(values)
        with self.transaction():
            old = self.action(action_id)
            self._check_action_refs(clean)
            self._update("actions", action_id, clean, f"action {old.proposal or ''}".rstrip())

    def delete_action(self: Workshop, action_id: int) -> None:
        """Delete an action; undoable."""
        old = self.action(action_id)
        self._delete("actions", action_id, f"action {old.proposal or ''}".rstrip())

    def actions_for(self: Workshop, proposal_id: int) -> list[Action]:
        """The actions planned from one proposal."""
        return self._actions("a.proposal_id = ?", [proposal_id])
