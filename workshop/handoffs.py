"""Hand-offs and customers: whom each group serves, how well, and the chain to the customer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import PlanError
from .model import Customer, Group, GroupGap, Handoff
from .vocabulary import clean_name, clean_text, rating

if TYPE_CHECKING:
    from .chain import ChainLink
    from .store import Workshop

HANDOFF_TEXT = {
    "provides": "What is provided",
    "needs": "What matters most to the receiver",
    "expectation": "The agreed expectation",
}


def clean_handoff_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Check a hand-off's text and rating fields; raises PlanError naming the field."""
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key in HANDOFF_TEXT:
            clean[key] = clean_text(value, HANDOFF_TEXT[key]).strip()
        elif key == "self_rating":
            clean[key] = rating(value, "The self rating")
        elif key == "customer_rating":
            clean[key] = rating(value, "The receiver's rating")
        else:
            raise PlanError(f"A hand-off has no field {key!r}.")
    return clean


_HANDOFF_SQL = """
select h.id, h.provider_id, p.name, coalesce(rg.name, rc.name), h.receiver_group_id,
       h.receiver_customer_id, h.provides, h.needs, h.expectation, h.self_rating,
       h.customer_rating
from handoffs h
join groups p on p.id = h.provider_id
left join groups rg on rg.id = h.receiver_group_id
left join customers rc on rc.id = h.receiver_customer_id
"""


class HandoffRecords:
    """The customers and hand-offs half of `Workshop` (mixed into it)."""

    # -- customers -----------------------------------------------------------------------

    def customers(self: Workshop) -> list[Customer]:
        """Every paying customer or segment, in the order they were added."""
        return [
            Customer(r["id"], r["name"], r["segment"] or "")
            for r in self.db["customers"].rows_where(order_by="id")
        ]

    def add_customer(self: Workshop, name: str, segment: str = "") -> int:
        """Add a paying customer (segment); names are shared with groups, ignoring case."""
        values = {
            "name": clean_name(name, "The customer's name"),
            "segment": clean_text(segment, "The segment").strip(),
        }
        with self.transaction():
            values["key"] = self._check_name_free("customers", values["name"])
            return self._insert("customers", values, f"Added customer {values['name']}")

    def update_customer(self: Workshop, customer_id: int, **values: Any) -> None:
        """Change a customer's name or segment."""
        clean: dict[str, Any] = {}
        for key, value in values.items():
            if key == "name":
                clean["name"] = clean_name(value, "The customer's name")
            elif key == "segment":
                clean["segment"] = clean_text(value, "The segment").strip()
            else:
                raise PlanError(f"A customer has no field {key!r}.")
        with self.transaction():
            if "name" in clean:
                clean["key"] = self._check_name_free(
                    "customers", clean["name"], exclude_id=customer_id
                )
            self._update("customers", customer_id, clean, "customer")

    def delete_customer(self: Workshop, customer_id: int) -> None:
        """Delete a customer and the hand-offs to it; undoable."""
        self._delete("customers", customer_id, "customer")

    # -- hand-offs -----------------------------------------------------------------------

    def _handoffs(
        self: Workshop, where: str = "", params: list[Any] | None = None
    ) -> list[Handoff]:
        sql = _HANDOFF_SQL + (f" where {where}" if where else "") + " order by h.id"
        return [Handoff(*row) for row in self.conn.execute(sql, params or []).fetchall()]

    def handoffs(self: Workshop) -> list[Handoff]:
        """Every hand-off, in the order they were added."""
        return self._handoffs()

    def handoff(self: Workshop, handoff_id: int) -> Handoff:
        """One hand-off by id."""
        return self._only(self._handoffs("h.id = ?", [handoff_id]), "hand-off")

    def handoffs_from(self: Workshop, group_id: int) -> list[Handoff]:
        """Whom a group serves: its hand-offs to customers and to other groups."""
        return self._handoffs("h.provider_id = ?", [group_id])

    def handoffs_to(self: Workshop, group_id: int) -> list[Handoff]:
        """Who hands work to a group: its suppliers."""
        return self._handoffs("h.receiver_group_id = ?", [group_id])

    def _receiver(self: Workshop, provider_id: int, name: object) -> dict[str, int | None]:
        if not isinstance(name, str) or not name.strip():
            raise PlanError("Say whom the hand-off serves: a group or a customer.")
        group = self.lookup_id("groups", name.strip())
        customer = None if group else self.lookup_id("customers", name.strip())
        if group is None and customer is None:
            raise PlanError(f"“{name.strip()}” is neither a group nor a customer of this workshop.")
        if group == provider_id:
            raise PlanError("A group cannot be its own customer.")
        return {"receiver_group_id": group, "receiver_customer_id": customer}

    def _check_pair_free(
        self: Workshop,
        provider_id: int,
        receiver: dict[str, int | None],
        exclude_id: int | None = None,
    ) -> None:
        row = self.conn.execute(
            "select id from handoffs where provider_id = ? and receiver_group_id is ? "
            "and receiver_customer_id is ?",
            [provider_id, receiver["receiver_group_id"], receiver["receiver_customer_id"]],
        ).fetchone()
        if row and row[0] != exclude_id:
            raise PlanError("This group already hands off to that customer; edit that hand-off.")

    def add_handoff(
        self: Workshop,
        provider_id: int,
        receiver: str,
        *,
        provides: str = "",
        needs: str = "",
        expectation: str = "",
        self_rating: object = None,
        customer_rating: object = None,
    ) -> int:
        """Add a hand-off from a group to a group or customer (by name); returns its id."""
        clean = clean_handoff_fields(
            {
                "provides": provides,
                "needs": needs,
                "expectation": expectation,
                "self_rating": self_rating,
                "customer_rating": customer_rating,
            }
        )
        with self.transaction():
            provider = self._row("groups", provider_id, "group")
            target = self._receiver(provider_id, receiver)
            self._check_pair_free(provider_id, target)
            return self._insert(
                "handoffs",
                {"provider_id": provider_id, **target, **clean},
                f"Added hand-off {provider['name']} → {receiver.strip()}",
            )

    def update_handoff(self: Workshop, handoff_id: int, **values: Any) -> None:
        """Change a hand-off's receiver (by name), texts or ratings."""
        receiver = values.pop("receiver", None)
        clean = clean_handoff_fields(values)
        with self.transaction():
            old = self.handoff(handoff_id)
            if receiver is not None:
                target = self._receiver(old.provider_id, receiver)
                self._check_pair_free(old.provider_id, target, exclude_id=handoff_id)
                clean.update(target)
            self._update("handoffs", handoff_id, clean, f"hand-off {old.provider} → {old.receiver}")

    def delete_handoff(self: Workshop, handoff_id: int) -> None:
        """Delete a hand-off; undoable."""
        old = self.handoff(handoff_id)
        self._delete("handoffs", handoff_id, f"hand-off {old.provider} → {old.receiver}")

    # -- the perception gap and the chain ------------------------------------------------

    def perception_gaps(self: Workshop) -> list[Handoff]:
        """Hand-offs by perception gap, largest first; unrated ones last, in their order."""
        handoffs = self.handoffs()
        rated = sorted(
            (h for h in handoffs if h.gap is not None),
            key=lambda h: (-h.gap, h.provider.casefold(), h.id),
        )  # type: ignore[operator]
        return rated + [h for h in handoffs if h.gap is None]

    def group_gaps(self: Workshop) -> list[GroupGap]:
        """Each group's average gap over the hand-offs it provides, largest first."""
        by_group: dict[int, list[Handoff]] = {}
        for handoff in self.handoffs():
            by_group.setdefault(handoff.provider_id, []).append(handoff)
        summary = []
        for group in self.groups():
            gaps = [h.gap for h in by_group.get(group.id, []) if h.gap is not None]
            unrated = len(by_group.get(group.id, [])) - len(gaps)
            average = round(sum(gaps) / len(gaps), 2) if gaps else None
            summary.append(GroupGap(group, average, len(gaps), unrated))
        return sorted(
            summary, key=lambda s: (s.average is None, -(s.average or 0), s.group.name.casefold())
        )

    def customer_chain(self: Workshop) -> tuple[list[ChainLink], list[Group]]:
        """The chain as a tree: each customer at a root, every group serving it below, and so
        on (a group appears under each group it serves; see `chain.chain_tree`). Returns the
        trees and the groups no chain reaches (the orphans)."""
        from .chain import customer_chain

        return customer_chain(self)
