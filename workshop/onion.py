"""Touchpoints and their onions: which groups, layer by layer, make each moment with the
customer succeed or fail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .chain import onion_layers
from .errors import PlanError
from .model import Contribution, Reach, Touchpoint
from .vocabulary import EFFECTS, choice, clean_name, clean_text, flag

if TYPE_CHECKING:
    from .store import Workshop

_TOUCHPOINT_SQL = """
select t.id, t.name, t.customer_id, c.name, t.owner_id, g.name, t.channel
from touchpoints t
left join customers c on c.id = t.customer_id
left join groups g on g.id = t.owner_id
"""

_CONTRIBUTION_SQL = """
select k.id, k.touchpoint_id, t.name, k.group_id, g.name, k.supports_group_id, s.name,
       k.what, k.effect, k.fail_point
from contributions k
join touchpoints t on t.id = k.touchpoint_id
join groups g on g.id = k.group_id
left join groups s on s.id = k.supports_group_id
"""


def layers_of(supports: dict[int, int | None], owner_id: int | None) -> dict[int, int | None]:
    """Layers of one touchpoint's contributions by group; never raises on stored data (a
    dangling or circular link, which the store refuses, would show as None)."""
    try:
        return dict(onion_layers(supports, owner_id))
    except PlanError:
        return {gid: None for gid in supports}


def _peel(contributions: list[Contribution]) -> list[Contribution]:
    """One touchpoint's contributions in peeling order: layer 1 first, each followed by the
    ones that support it (depth first), siblings by group name."""
    below: dict[int | None, list[Contribution]] = {}
    for item in contributions:
        parent = None if item.layer == 1 else item.supports_group_id
        below.setdefault(parent, []).append(item)
    ordered: list[Contribution] = []

    def walk(parent: int | None) -> None:
        for item in sorted(below.get(parent, []), key=lambda c: (c.group.casefold(), c.id)):
            ordered.append(item)
            walk(item.group_id)

    walk(None)
    return ordered


class OnionRecords:
    """The touchpoints half of `Workshop` (mixed into it)."""

    # -- touchpoints ---------------------------------------------------------------------

    def _touchpoints(self: Workshop, where: str = "", params: list[Any] | None = None):
        sql = _TOUCHPOINT_SQL + (f" where {where}" if where else "") + " order by t.id"
        return [
            Touchpoint(r[0], r[1], r[2], r[3], r[4], r[5], r[6] or "")
            for r in self.conn.execute(sql, params or []).fetchall()
        ]

    def touchpoints(self: Workshop) -> list[Touchpoint]:
        """Every touchpoint, in the order they were added."""
        return self._touchpoints()

    def touchpoint(self: Workshop, touchpoint_id: int) -> Touchpoint:
        """One touchpoint by id."""
        return self._only(self._touchpoints("t.id = ?", [touchpoint_id]), "touchpoint")

    def _clean_touchpoint(self: Workshop, values: dict[str, Any]) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        for key, value in values.items():
            if key == "name":
                clean["name"] = clean_name(value, "The touchpoint's name")
            elif key == "channel":
                clean["channel"] = clean_text(value, "The channel", multiline=False).strip()
            elif key == "customer_id":
                if value is not None:
                    self._row("customers", value, "customer")
                clean[key] = value
            elif key == "owner_id":
                if value is not None:
                    self._row("groups", value, "group")
                clean[key] = value
            else:
                raise PlanError(f"A touchpoint has no field {key!r}.")
        return clean

    def add_touchpoint(
        self: Workshop,
        name: str,
        *,
        customer_id: int | None = None,
        owner_id: int | None = None,
        channel: str = "",
    ) -> int:
        """Add a touchpoint for a customer, owned by a group; returns its id."""
        with self.transaction():
            clean = self._clean_touchpoint(
                {"name": name, "customer_id": customer_id, "owner_id": owner_id, "channel": channel}
            )
            clean["key"] = self._check_name_free("touchpoints", clean["name"])
            return self._insert("touchpoints", clean, f"Added touchpoint {clean['name']}")

    def update_touchpoint(self: Workshop, touchpoint_id: int, **values: Any) -> None:
        """Change a touchpoint's name, customer, owner or channel.

        The owner is the centre of the onion, so a group that contributes a layer to this
        touchpoint cannot become its owner until that contribution is gone.
        """
        with self.transaction():
            clean = self._clean_touchpoint(values)
            if "name" in clean:
                clean["key"] = self._check_name_free(
                    "touchpoints", clean["name"], exclude_id=touchpoint_id
                )
            owner = clean.get("owner_id")
            if owner is not None:
                layer = self._contribution_of(touchpoint_id, owner)
                if layer is not None:
                    raise PlanError(
                        f"{layer.group} contributes a layer to “{layer.touchpoint}”; remove "
                        "that contribution before making it the owner."
                    )
            self._update("touchpoints", touchpoint_id, clean, "touchpoint")

    def delete_touchpoint(self: Workshop, touchpoint_id: int) -> None:
        """Delete a touchpoint and its onion; comments and proposals keep their text; undoable."""
        self._delete("touchpoints", touchpoint_id, "touchpoint")

    # -- the onion -----------------------------------------------------------------------

    def _contributions(
        self: Workshop, where: str = "", params: list[Any] | None = None
    ) -> list[Contribution]:
        sql = _CONTRIBUTION_SQL + (f" where {where}" if where else "") + " order by k.id"
        rows = self.conn.execute(sql, params or []).fetchall()
        owners = {r[0]: r[1] for r in self.conn.execute("select id, owner_id from touchpoints")}
        owner_names = dict(
            self.conn.execute(
                "select t.id, g.name from touchpoints t join groups g on g.id = t.owner_id"
            ).fetchall()
        )
        supports: dict[int, dict[int, int | None]] = {}
        if where:  # a few touchpoints: read their whole onions
            for tp_id in {r[1] for r in rows}:
                supports[tp_id] = dict(
                    self.conn.execute(
                        "select group_id, supports_group_id from contributions"
                        " where touchpoint_id = ?",
                        [tp_id],
                    ).fetchall()
                )
        else:  # every contribution is in `rows` already
            for r in rows:
                supports.setdefault(r[1], {})[r[3]] = r[5]
        layers = {tp: layers_of(links, owners.get(tp)) for tp, links in supports.items()}
        return [
            Contribution(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6] if r[5] is not None else owner_names.get(r[1]),
                r[7] or "",
                r[8],
                bool(r[9]),
                layers[r[1]].get(r[3]),
            )
            for r in rows
        ]

    def contribution(self: Workshop, contribution_id: int) -> Contribution:
        """One contribution by id, with its layer."""
        return self._only(self._contributions("k.id = ?", [contribution_id]), "contribution")

    def _contribution_of(self: Workshop, touchpoint_id: int, group_id: int) -> Contribution | None:
        found = self._contributions(
            "k.touchpoint_id = ? and k.group_id = ?", [touchpoint_id, group_id]
        )
        return found[0] if found else None

    def onion(self: Workshop, touchpoint_id: int) -> list[Contribution]:
        """A touchpoint's contributions as the room peels them: layer 1 first, each followed by
        the contributions that support it (depth first), siblings by group name."""
        return _peel(self._contributions("k.touchpoint_id = ?", [touchpoint_id]))

    def onions(self: Workshop) -> dict[int, list[Contribution]]:
        """Every touchpoint's onion, ordered as `onion` orders it, read in one pass."""
        by_touchpoint: dict[int, list[Contribution]] = {}
        for item in self._contributions():
            by_touchpoint.setdefault(item.touchpoint_id, []).append(item)
        return {tp: _peel(items) for tp, items in by_touchpoint.items()}

    def support_choices(
        self: Workshop, touchpoint_id: int, group_id: int | None = None
    ) -> list[tuple[int | None, str, int]]:
        """Whom a contribution at this touchpoint may help: the owner (layer 0, given as None)
        and every other contribution that does not, through its own chain, rest on `group_id`.
        Each choice is (group id or None, name, its layer)."""
        point = self.touchpoint(touchpoint_id)
        choices: list[tuple[int | None, str, int]] = [(None, point.owner or "the owner", 0)]
        onion = self.onion(touchpoint_id)
        supported_by = {c.group_id: c.supports_group_id for c in onion}
        for item in onion:
            if item.layer is None or item.group_id == group_id:
                continue
            current: int | None = item.group_id
            while current is not None and current != group_id:
                current = supported_by.get(current)
            if current is None:
                choices.append((item.group_id, item.group, item.layer))
        return choices

    def contributor_choices(
        self: Workshop, touchpoint_id: int, group_id: int | None = None
    ) -> list[tuple[int, str]]:
        """Groups that may add a layer here: not the owner, not already contributing (but
        `group_id`, when editing its own contribution)."""
        point = self.touchpoint(touchpoint_id)
        taken = {c.group_id for c in self._contributions("k.touchpoint_id = ?", [touchpoint_id])}
        return [
            (g.id, g.name)
            for g in self.groups()
            if g.id != point.owner_id and (g.id not in taken or g.id == group_id)
        ]

    def _clean_contribution(
        self: Workshop, touchpoint_id: int, values: dict[str, Any]
    ) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        for key, value in values.items():
            if key == "what":
                clean[key] = clean_text(value, "What the group does").strip()
            elif key == "effect":
                clean[key] = choice(value, "The effect", EFFECTS, default="strengthens")
            elif key == "fail_point":
                clean[key] = int(flag(value, "The fail point"))
            elif key in ("group_id", "supports_group_id"):
                if value is not None:
                    self._row("groups", value, "group")
                clean[key] = value
            else:
                raise PlanError(f"A contribution has no field {key!r}.")
        return clean

    def _check_onion(
        self: Workshop, touchpoint_id: int, group_id: int, supports: int | None, own_id: int | None
    ) -> int | None:
        """Refuse a contribution that would break the onion; returns `supports` as stored."""
        point = self.touchpoint(touchpoint_id)
        names = {g.id: g.name for g in self.groups()}
        if group_id == point.owner_id:
            raise PlanError(
                f"{names[group_id]} owns “{point.name}”; the owner is the centre of the onion, "
                "not a layer."
            )
        rows = self._contributions("k.touchpoint_id = ?", [touchpoint_id])
        if any(c.group_id == group_id and c.id != own_id for c in rows):
            raise PlanError(
                f"{names[group_id]} already contributes to “{point.name}”; edit that contribution."
            )
        if supports == point.owner_id:
            supports = None
        graph = {c.group_id: c.supports_group_id for c in rows if c.id != own_id}
        graph[group_id] = supports
        if supports is not None and supports not in graph:
            raise PlanError(
                f"{names.get(supports, 'That group')} has no contribution at “{point.name}”; "
                "a layer helps the owner or a group already in the onion."
            )
        onion_layers(graph, point.owner_id, names)
        return supports

    def add_contribution(
        self: Workshop,
        touchpoint_id: int,
        group_id: int,
        *,
        supports_group_id: int | None = None,
        what: str = "",
        effect: str = "strengthens",
        fail_point: object = False,
    ) -> int:
        """Add a group's layer to a touchpoint's onion, helping the owner (None) or another
        contributing group; a cycle of supports is refused with the groups named."""
        with self.transaction():
            clean = self._clean_contribution(
                touchpoint_id,
                {
                    "group_id": group_id,
                    "supports_group_id": supports_group_id,
                    "what": what,
                    "effect": effect,
                    "fail_point": fail_point,
                },
            )
            clean["supports_group_id"] = self._check_onion(
                touchpoint_id, group_id, clean["supports_group_id"], None
            )
            point = self.touchpoint(touchpoint_id)
            group = self._row("groups", group_id, "group")
            return self._insert(
                "contributions",
                {"touchpoint_id": touchpoint_id, **clean},
                f"Added {group['name']}'s layer at {point.name}",
            )

    def update_contribution(self: Workshop, contribution_id: int, **values: Any) -> None:
        """Change a contribution's group, whom it helps, what it does, its effect or fail point."""
        with self.transaction():
            old = self.contribution(contribution_id)
            clean = self._clean_contribution(old.touchpoint_id, values)
            if "group_id" in clean or "supports_group_id" in clean:
                group_id = clean.get("group_id", old.group_id)
                if group_id is None:
                    raise PlanError("Say which group contributes.")
                supports = clean.get("supports_group_id", old.supports_group_id)
                if group_id != old.group_id and any(
                    c.supports_group_id == old.group_id
                    for c in self._contributions("k.touchpoint_id = ?", [old.touchpoint_id])
                ):
                    raise PlanError(
                        f"Other layers rest on {old.group}'s contribution here; move them "
                        "before changing the group."
                    )
                clean["supports_group_id"] = self._check_onion(
                    old.touchpoint_id, group_id, supports, contribution_id
                )
            self._update(
                "contributions",
                contribution_id,
                clean,
                f"contribution of {old.group} at {old.touchpoint}",
            )

    def resting_on(self: Workshop, contribution_id: int) -> list[Contribution]:
        """The contributions that rest, directly or further out, on this one."""
        old = self.contribution(contribution_id)
        onion = self.onion(old.touchpoint_id)
        found: list[Contribution] = []
        frontier = {old.group_id}
        while frontier:
            layer = [c for c in onion if c.supports_group_id in frontier and c not in found]
            found.extend(layer)
            frontier = {c.group_id for c in layer}
        return found

    def delete_contribution(self: Workshop, contribution_id: int) -> None:
        """Delete a contribution and the layers resting on it (they would help nobody);
        one undo puts them all back."""
        from . import undo

        with self.transaction():
            self._check_room_phase("contributions")
            old = self.contribution(contribution_id)
            doomed = [old, *self.resting_on(contribution_id)]
            snap: dict[str, list[dict[str, Any]]] = {"rows": [], "blanked": []}
            for item in doomed:
                part = undo.snapshot(self.db, "contributions", item.id)
                snap["rows"].extend(part["rows"])
                snap["blanked"].extend(part["blanked"])
            self._check_may_delete(snap["rows"], "layer")
            for item in doomed:
                self.conn.execute("delete from contributions where id = ?", [item.id])
            more = f" and {len(doomed) - 1} resting on it" if len(doomed) > 1 else ""
            self._record(
                "delete",
                f"Deleted {old.group}'s layer at {old.touchpoint}{more}",
                {"op": "restore", "snapshot": snap},
            )

    # -- where a group touches the customer ----------------------------------------------

    def group_reach(self: Workshop, group_id: int) -> list[Reach]:
        """Every touchpoint a group owns (layer 0) or feeds (its layer), by touchpoint order."""
        self._row("groups", group_id, "group")
        reach = [Reach(t, 0) for t in self._touchpoints("t.owner_id = ?", [group_id])]
        for item in self._contributions("k.group_id = ?", [group_id]):
            reach.append(Reach(self.touchpoint(item.touchpoint_id), item.layer, item))
        return sorted(reach, key=lambda r: r.touchpoint.id)
