"""Who is your customer: distances to the paying customer, ratings, gaps and the chain tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workshop import Workshop, WorkshopError
from workshop.chain import customer_distances

CUSTOMER = None


def distances(groups: int, edges: list[tuple[int, int | None]]) -> dict[int, int | None]:
    """Edges (provider, receiver group); a receiver of None means the paying customer."""
    return customer_distances(
        range(1, groups + 1),
        [(a, b, 1 if b is None else None) for a, b in edges],
    )


def test_line_cycle_several_customers_and_disconnected() -> None:
    # 1 serves the customer; 2 serves 1; 3 and 4 serve each other, 4 also serves 2;
    # 5 and 6 serve only each other; 7 serves nobody.
    edges = [(1, CUSTOMER), (2, 1), (3, 4), (4, 3), (4, 2), (5, 6), (6, 5)]
    assert distances(7, edges) == {1: 1, 2: 2, 3: 4, 4: 3, 5: None, 6: None, 7: None}


def test_the_nearest_customer_wins() -> None:
    edges = [(1, CUSTOMER), (2, 1), (3, 2), (3, CUSTOMER)]
    assert distances(3, edges)[3] == 1


def test_a_500_group_chain() -> None:
    edges = [(1, CUSTOMER)] + [(n, n - 1) for n in range(2, 501)]
    result = distances(500, edges)
    assert result[500] == 500 and result[250] == 250


@given(
    st.integers(2, 25).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(st.integers(1, n), st.one_of(st.none(), st.integers(1, n))), max_size=60
            ),
        )
    )
)
def test_distances_follow_the_definition(case: tuple[int, list]) -> None:
    n, edges = case
    edges = [(a, b) for a, b in edges if a != b]
    result = distances(n, edges)
    for group, d in result.items():
        served = [b for a, b in edges if a == group]
        if CUSTOMER in served and any(b is None for b in served):
            assert d == 1
        elif d is not None:
            known = [result[b] for b in served if b is not None and result[b] is not None]
            assert d == 1 + min(known)
        else:
            assert all(result[b] is None for b in served if b is not None)
            assert CUSTOMER not in served


@pytest.mark.parametrize("bad", [0, 6, -1, "abc", 3.5, True, "4.0", [], "five"])
def test_out_of_range_and_non_numeric_ratings_are_refused(small_workshop: Workshop, bad) -> None:
    sales = small_workshop.lookup_id("groups", "Sales")
    handoff = small_workshop.handoffs_from(sales)[0]
    with pytest.raises(WorkshopError, match="whole number from 1 to 5"):
        small_workshop.update_handoff(handoff.id, self_rating=bad)
    with pytest.raises(WorkshopError, match="whole number from 1 to 5"):
        small_workshop.add_handoff(sales, "IT", customer_rating=bad)
    assert small_workshop.handoff(handoff.id).self_rating == 4


def test_ratings_gap_and_undo(small_workshop: Workshop) -> None:
    hr = small_workshop.lookup_id("groups", "HR")
    handoff = small_workshop.handoffs_from(hr)[0]
    small_workshop.update_handoff(handoff.id, self_rating="5", customer_rating=1)
    assert small_workshop.handoff(handoff.id).gap == 4
    assert small_workshop.perception_gaps()[0].id == handoff.id
    small_workshop.undo()
    assert small_workshop.handoff(handoff.id).gap is None


def test_gaps_rank_largest_first_with_unrated_last(small_workshop: Workshop) -> None:
    ranked = [(h.provider, h.receiver, h.gap) for h in small_workshop.perception_gaps()]
    assert ranked == [
        ("IT", "Sales", 2),
        ("Sales", "Homeowners", 2),
        ("IT", "HR", None),
        ("HR", "IT", None),
    ]
    averages = {g.group.name: (g.average, g.rated, g.unrated) for g in small_workshop.group_gaps()}
    assert averages["IT"] == (2.0, 1, 1) and averages["Audit"] == (None, 0, 0)


def test_pairs_self_service_and_unknown_receivers_are_refused(small_workshop: Workshop) -> None:
    it = small_workshop.lookup_id("groups", "IT")
    with pytest.raises(WorkshopError, match="already hands off"):
        small_workshop.add_handoff(it, "sales")
    with pytest.raises(WorkshopError, match="its own customer"):
        small_workshop.add_handoff(it, "IT")
    with pytest.raises(WorkshopError, match="“Aliens” is neither"):
        small_workshop.add_handoff(it, "Aliens")


def test_suppliers_and_whom_a_group_serves(small_workshop: Workshop) -> None:
    it = small_workshop.lookup_id("groups", "IT")
    assert [h.receiver for h in small_workshop.handoffs_from(it)] == ["Sales", "HR"]
    assert [h.provider for h in small_workshop.handoffs_to(it)] == ["HR"]


def test_chain_tree_and_orphans(small_workshop: Workshop) -> None:
    roots, orphans = small_workshop.customer_chain()
    (root,) = roots
    assert root.name == "Homeowners" and root.is_customer
    sales = root.children[0]
    assert (sales.name, sales.distance) == ("Sales", 1)
    assert [(c.name, c.distance) for c in sales.children] == [("IT", 2)]
    assert [(c.name, c.distance) for c in sales.children[0].children] == [("HR", 3)]
    assert [g.name for g in orphans] == ["Audit"]


def test_demo_chain_covers_every_group_but_the_orphan(demo_workshop: Workshop) -> None:
    roots, orphans = demo_workshop.customer_chain()
    seen: list[str] = []

    def walk(nodes) -> None:
        for node in nodes:
            seen.append(node.name)
            walk(node.children)

    for root in roots:
        walk(root.children)
    assert [g.name for g in orphans] == ["Facilities"]
    assert set(seen) == {g.name for g in demo_workshop.groups()} - {"Facilities"}


def test_json_export_agrees_with_the_screens_data(demo_workshop: Workshop, tmp_path: Path) -> None:
    import json

    data = json.loads(demo_workshop.export("json"))
    assert {g["name"]: g["customer_distance"] for g in data["groups"]} == {
        g.name: g.customer_distance for g in demo_workshop.groups()
    }
    assert [h["gap"] for h in data["handoffs"]] == [h.gap for h in demo_workshop.handoffs()]
