"""Proposals (process or policy changes) and the participants who propose and vote on them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import PlanError, WorkshopError
from .model import Participant, Proposal
from .vocabulary import LEVELS, choice, clean_name, clean_text, name_key

if TYPE_CHECKING:
    from .store import Workshop

_PROPOSAL_SQL = """
select p.id, p.title, p.description, p.touchpoint_id, t.name, p.owner_id, o.name,
       p.beneficiary_group_id, p.beneficiary_customer_id, coalesce(bc.name, bg.name),
       p.impact, p.effort, p.contribution_id, lg.name || ' at ' || lt.name, p.comment_id, c.text
from proposals p
left join touchpoints t on t.id = p.touchpoint_id
left join groups o on o.id = p.owner_id
left join groups bg on bg.id = p.beneficiary_group_id
left join customers bc on bc.id = p.beneficiary_customer_id
left join contributions l on l.id = p.contribution_id
left join groups lg on lg.id = l.group_id
left join touchpoints lt on lt.id = l.touchpoint_id
left join comments c on c.id = p.comment_id
"""

# Where each reference of a proposal must point, for the message when it does not.
_REFERENCES = {
    "touchpoint_id": ("touchpoints", "touchpoint"),
    "owner_id": ("groups", "group"),
    "beneficiary_group_id": ("groups", "group"),
    "beneficiary_customer_id": ("customers", "customer"),
    "contribution_id": ("contributions", "onion layer"),
    "comment_id": ("comments", "comment"),
}


def clean_proposal_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Check a proposal's own fields; references are checked by the store."""
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key == "title":
            clean[key] = clean_name(value, "The proposal's title")
        elif key == "description":
            clean[key] = clean_text(value, "The description").strip()
        elif key in ("impact", "effort"):
            clean[key] = choice(value, f"The {key}", LEVELS, default="medium")
        elif key in _REFERENCES:
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise PlanError(f"A proposal refers to {key[:-3]} by id; got {value!r}.")
            clean[key] = value
        else:
            raise PlanError(f"A proposal has no field {key!r}.")
    if clean.get("beneficiary_group_id") and clean.get("beneficiary_customer_id"):
        raise PlanError("A proposal benefits one customer or one group, not both.")
    return clean


class ProposalRecords:
    """The proposals and participants half of `Workshop` (mixed into it)."""

    # -- participants --------------------------------------------------------------------

    def _participants(self: Workshop, where: str, params: list[Any]) -> list[Participant]:
        rows = self.conn.execute(
            "select p.id, p.name, p.group_id, g.name, p.facilitator from participants p "
            f"left join groups g on g.id = p.group_id where {where} order by p.id",
            params,
        ).fetchall()
        return [Participant(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]

    def participants(self: Workshop, *, removed: bool = False) -> list[Participant]:
        """Everyone who joined, in the order they joined; those the facilitator removed from
        the room only with `removed`."""
        return self._participants("true" if removed else "p.removed_at is null", [])

    def participant(self: Workshop, participant_id: int) -> Participant:
        """One participant by id (also one removed from the room: their records stay)."""
        return self._only(self._participants("p.id = ?", [participant_id]), "participant")

    def join(
        self: Workshop,
        name: str,
        *,
        key: str | None = None,
        group_id: int | None = None,
        facilitator: bool = False,
    ) -> int:
        """The id of the participant called `name` (ignoring case), added on first join.

        `key` (see `room.new_participant_key`) proves who they are: the first join with a key
        holds the name for it (only the key's hash is stored), and a later join under that name
        needs the same key: NameTaken otherwise, until the facilitator frees the name. A name
        that no key holds (added by a plan, or freed) is taken by the first key that joins.
        Removed for a name, or a key, of someone the facilitator removed from the room."""
        from .room import NameTaken, hash_key, key_matches

        name = clean_name(name, "Your name")
        if key is not None and (not isinstance(key, str) or len(key) < 32):
            raise WorkshopError("A participant key is a random text of at least 32 characters.")
        with self.transaction(check_lock=False):
            found = self.conn.execute(
                "select id, name, key_hash from participants where key = ?", [name_key(name)]
            ).fetchone()
            self._refuse_removed(found[0] if found else None, key)
            if found is not None:
                participant_id, held_name, held = found
                if held and (key is None or not key_matches(key, held)):
                    raise NameTaken(
                        f"Someone has already joined as “{held_name}” from another terminal or "
                        "browser: choose another name, or ask the facilitator to free this one."
                    )
                if not held and key is not None:
                    self.conn.execute(
                        "update participants set key_hash = ? where id = ?",
                        [hash_key(key), participant_id],
                    )
                return participant_id
            if group_id is not None:
                self._row("groups", group_id, "group")
            row = {"name": name, "key": self._check_name_free("participants", name),
                   "group_id": group_id, "facilitator": int(facilitator),
                   "key_hash": hash_key(key) if key is not None else None}  # fmt: skip
            participant_id = int(self.db["participants"].insert(row).last_pk)  # type: ignore[arg-type]
            self._record("join", f"{name} joined", None)  # not undone: their dots hang on it
            return participant_id

    def free_name(self: Workshop, participant_id: int) -> None:
        """Let the next person to join under this participant's name take it (their record,
        group and dots), e.g. when they come back on another device (the facilitator's)."""
        self._facilitator_only("free a participant's name")
        with self.transaction():
            me = self.participant(participant_id)
            if self.is_removed(participant_id):
                raise WorkshopError(
                    f"{me.name} was removed from the room; their name stays theirs."
                )
            self.conn.execute(
                "update participants set key_hash = null where id = ?", [participant_id]
            )
            self._record("room", f"Freed the name {me.name}", None)

    def is_name_held(self: Workshop, participant_id: int) -> bool:
        """Whether a participant key holds this participant's name."""
        row = self.conn.execute(
            "select key_hash is not null from participants where id = ?", [participant_id]
        ).fetchone()
        return bool(row and row[0])

    def set_participant_group(self: Workshop, participant_id: int, group_id: int | None) -> None:
        """Say which group a participant belongs to (a participant: only their own)."""
        if not self.is_facilitator and participant_id != self.participant_id:
            raise WorkshopError("You can choose only your own group.")
        with self.transaction():
            if group_id is not None:
                self._row("groups", group_id, "group")
            self._update("participants", participant_id, {"group_id": group_id}, "participant")

    # -- proposals -----------------------------------------------------------------------

    def _proposals(self: Workshop, where: str = "", params: list[Any] | None = None):
        sql = _PROPOSAL_SQL + (f" where {where}" if where else "") + " order by p.id"
        return [Proposal(*row) for row in self.conn.execute(sql, params or []).fetchall()]

    def proposals(self: Workshop) -> list[Proposal]:
        """Every proposal in the order it was made."""
        return self._proposals()

    def proposal(self: Workshop, proposal_id: int) -> Proposal:
        """One proposal by id."""
        return self._only(self._proposals("p.id = ?", [proposal_id]), "proposal")

    def _check_references(
        self: Workshop, clean: dict[str, Any], old: Proposal | None = None
    ) -> None:
        """Every reference must exist; a proposal answering an onion link sits at that link's
        touchpoint (placed there when no touchpoint is given, refused at another one)."""
        for key, (table, what) in _REFERENCES.items():
            if clean.get(key) is not None:
                self._row(table, clean[key], what)
        link_id = clean.get("contribution_id", old.contribution_id if old else None)
        if link_id is None:
            return
        link = self.contribution(link_id)
        touchpoint = clean.get("touchpoint_id", old.touchpoint_id if old else None)
        if touchpoint is None:
            clean["touchpoint_id"] = link.touchpoint_id
        elif touchpoint != link.touchpoint_id:
            raise PlanError(
                f"{link.group}'s onion link is at the touchpoint {link.touchpoint}; a proposal "
                "that answers it belongs to that touchpoint too."
            )

    def add_proposal(
        self: Workshop,
        title: str,
        *,
        description: str = "",
        touchpoint_id: int | None = None,
        owner_id: int | None = None,
        beneficiary_group_id: int | None = None,
        beneficiary_customer_id: int | None = None,
        impact: str = "medium",
        effort: str = "medium",
        contribution_id: int | None = None,
        comment_id: int | None = None,
    ) -> int:
        """Add a proposal; returns its id. Titles are unique, ignoring case."""
        clean = clean_proposal_fields(
            {
                "title": title,
                "description": description,
                "touchpoint_id": touchpoint_id,
                "owner_id": owner_id,
                "beneficiary_group_id": beneficiary_group_id,
                "beneficiary_customer_id": beneficiary_customer_id,
                "impact": impact,
                "effort": effort,
                "contribution_id": contribution_id,
                "comment_id": comment_id,
            }
        )
        with self.transaction():
            self._check_references(clean)
            clean["key"] = self._check_name_free("proposals", clean["title"])
            return self._insert("proposals", clean, f"Added proposal {clean['title']}")

    def update_proposal(self: Workshop, proposal_id: int, **values: Any) -> None:
        """Change some of a proposal's fields (the keyword names of `add_proposal`)."""
        clean = clean_proposal_fields(values)
        with self.transaction():
            old = self.proposal(proposal_id)
            self._check_references(clean, old)
            if clean.get("beneficiary_group_id"):
                clean.setdefault("beneficiary_customer_id", None)
            if clean.get("beneficiary_customer_id"):
                clean.setdefault("beneficiary_group_id", None)
            if "title" in clean:
                clean["key"] = self._check_name_free(
                    "proposals", clean["title"], exclude_id=proposal_id
                )
            self._update("proposals", proposal_id, clean, "proposal")

    def delete_proposal(self: Workshop, proposal_id: int) -> None:
        """Delete a proposal with its dots; its actions stay, without a proposal. Undoable."""
        self._delete("proposals", proposal_id, "proposal")

    def impact_effort(self: Workshop) -> dict[tuple[str, str], list[Proposal]]:
        """Proposals by (impact, effort), every combination present (for the 2x2 view)."""
        grid: dict[tuple[str, str], list[Proposal]] = {(i, e): [] for i in LEVELS for e in LEVELS}
        for proposal in self.proposals():
            grid[(proposal.impact, proposal.effort)].append(proposal)
        return grid
