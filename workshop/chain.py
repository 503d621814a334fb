"""Customer-chain analytics: distances to the paying customer, the chain as a tree and onion
layers.

Pure functions over ids, so that the store, the screens and the exports share one definition.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import PlanError
from .model import ChainNode, Customer, Group, Handoff

if TYPE_CHECKING:
    from .store import Workshop


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


# -- the customer chain as a tree --------------------------------------------------------

MAX_CHAIN_NODES = 500  # nodes in all the chain's trees together, before "… N more"
MAX_CHAIN_DEPTH = 20  # steps from a customer, before "… N more"

CYCLE, ABOVE, BELOW = "cycle", "above", "below"


@dataclass
class ChainLink(ChainNode):
    """A node of the customer-chain tree (a ChainNode) and how it reads there.

    `distance`: steps from this tree's customer along this branch. `group_id`: the group
    (None for a customer or a stand-in). `seen`: "" when the group's own suppliers follow
    below it; otherwise they are shown once only, where the group is nearest this customer,
    and here the group is a leaf: "cycle" when that is on the path above (it serves a group
    that serves it: ↻), "above" or "below" when it is elsewhere in the same tree. `more`: a
    stand-in (named "… N more") for this many suppliers (or customers) left out to keep the
    tree within MAX_CHAIN_NODES and MAX_CHAIN_DEPTH.
    """

    group_id: int | None = None
    seen: str = ""
    more: int = 0


def _left_out(count: int, distance: int) -> ChainLink:
    return ChainLink(f"… {count} more", False, distance, more=count)


def chain_tree(
    customers: Iterable[Customer],
    handoffs: Iterable[Handoff],
    *,
    max_nodes: int = MAX_CHAIN_NODES,
    max_depth: int = MAX_CHAIN_DEPTH,
) -> list[ChainLink]:
    """The customer chain as trees: each customer at a root, every group that hands off to it
    below, and under each group every group that supplies it, and so on (hand-offs in the
    order they were added).

    A group appears under each group it serves, but its own suppliers follow only once per
    tree: where it is nearest the customer (the first such place). Elsewhere it is a leaf
    marked `seen` (see ChainLink), so mutual customers end and a tree holds at most one node
    per hand-off. The trees are built nearest layers first, within `max_nodes` nodes in all
    and `max_depth` steps, and whatever is left out is counted in a "… N more" stand-in.
    """
    to_customer: dict[int, list[Handoff]] = {}
    to_group: dict[int, list[Handoff]] = {}
    for h in handoffs:
        if h.receiver_customer_id is not None:
            to_customer.setdefault(h.receiver_customer_id, []).append(h)
        elif h.receiver_group_id is not None:
            to_group.setdefault(h.receiver_group_id, []).append(h)

    budget = max(max_nodes, 1)
    roots: list[ChainLink] = []
    # (node, the hand-offs to it, the groups on its path, its tree), nearest layers first
    queue: deque[tuple[ChainLink, list[Handoff], frozenset[int], int]] = deque()
    everyone = list(customers)
    for tree, customer in enumerate(everyone):
        if budget <= 0:
            roots.append(_left_out(len(everyone) - tree, 0))
            break
        budget -= 1
        root = ChainLink(customer.name, True, 0)
        roots.append(root)
        queue.append((root, to_customer.get(customer.id, []), frozenset(), tree))

    shown: dict[tuple[int, int], ChainLink] = {}  # (tree, group): where its suppliers are
    while queue:
        node, supplying, path, tree = queue.popleft()
        distance = node.distance + 1
        for n, h in enumerate(supplying):
            if budget <= 0:
                node.children.append(_left_out(len(supplying) - n, distance))
                break
            budget -= 1
            gid = h.provider_id
            child = ChainLink(h.provider, False, distance, h.provides, group_id=gid)
            node.children.append(child)
            own = to_group.get(gid, [])
            if not own:
                continue  # nobody supplies it: nothing to show, nothing to point at
            if gid in path:
                child.seen = CYCLE
            elif (tree, gid) in shown:
                child.seen = ABOVE  # or BELOW: settled below, in reading order
            elif distance >= max_depth:
                child.children.append(_left_out(len(own), distance + 1))
            else:
                shown[tree, gid] = child
                queue.append((child, own, path | {gid}, tree))

    # "see above" or "see below", as the tree reads from the top (nearest layers first is
    # not reading order: a group may be nearer the customer on a later branch).
    for tree, root in enumerate(roots):
        read: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if node.group_id is not None:
                if shown.get((tree, node.group_id)) is node:
                    read.add(node.group_id)
                elif node.seen == ABOVE and node.group_id not in read:
                    node.seen = BELOW
            stack.extend(reversed(node.children))  # type: ignore[arg-type]
    return roots


def customer_chain(ws: Workshop) -> tuple[list[ChainLink], list[Group]]:
    """The workshop's customer chain (see chain_tree) and the groups no chain reaches (the
    orphans), as the chain view and the summary show them."""
    groups = ws.groups()
    return chain_tree(ws.customers(), ws.handoffs()), [g for g in groups if g.is_orphan]
