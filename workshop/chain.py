"""Customer-chain analytics: distances to the paying customer and onion layers.

Pure functions over ids, so that the store, the screens and the exports share one definition.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

from .errors import PlanError


def customer_distances(
    group_ids: Iterable[int],
    edges: Iterable[tuple[int, int | None, int | None]],
) -> dict[int, int | None]:
    """Distance of each group to a paying customer.

    `edges` are hand-offs as (provider group, receiver group or None, receiver customer or None).
    A group that hands off to a customer is at distance 1; otherwise it is one more than the
    nearest group it hands off to; None when no chain reaches a customer. Cycles of internal
    customers are fine: a breadth-first search from the customers outwards visits each group once.
    """
    distance: dict[int, int | None] = {gid: None for gid in group_ids}
    providers_of: dict[int, list[int]] = {}
    queue: deque[int] = deque()
    for provider, to_group, to_customer in edges:
        if to_customer is not None and distance.get(provider, 0) is None:
            distance[provider] = 1
            queue.append(provider)
        elif to_group is not None:
            providers_of.setdefault(to_group, []).append(provider)
    while queue:
        current = queue.popleft()
        for provider in providers_of.get(current, ()):
            if provider in distance and distance[provider] is None:
                distance[provider] = distance[current] + 1  # type: ignore[operator]
                queue.append(provider)
    return distance


def onion_layers(
    supports: Mapping[int, int | None], owner_id: int | None, names: Mapping[int, str] | None = None
) -> dict[int, int]:
    """Layer of each contributing group at one touchpoint.

    `supports` maps a contributing group to the group it supports (None or the owner: layer 1).
    A group that supports a group with no contribution here, or a cycle of supports, is refused
    with a message naming the groups involved.
    """
    names = names or {}

    def label(gid: int | None) -> str:
        return names.get(gid, f"group {gid}") if gid is not None else "?"

    layers: dict[int, int] = {}
    for start in supports:
        path: list[int] = []
        current: int | None = start
        while current not in layers:
            if current in path:
                cycle = path[path.index(current) :] + [current]
                raise PlanError("A cycle of supports: " + " → ".join(label(g) for g in cycle) + ".")
            path.append(current)  # type: ignore[arg-type]
            target = supports[current]  # type: ignore[index]
            if target is None or target == owner_id:
                layers[current] = 1  # type: ignore[index]
                path.pop()
                break
            if target not in supports:
                raise PlanError(
                    f"{label(current)} supports {label(target)}, "
                    "which has no contribution at this touchpoint."
                )
            current = target
        base = layers[current]  # type: ignore[index]
        for offset, gid in enumerate(reversed(path), start=1):
            layers[gid] = base + offset
    return layers
