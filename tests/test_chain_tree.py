"""The customer chain as a tree (issue 19, item 10): each group under every group it serves,
loops of internal customers marked and not followed, the tree bounded; the chain view and the
summary read the same way. Real workshop files in tmp_path."""

from __future__ import annotations

import copy
import time
from pathlib import Path

from textual.widgets import Tree

from tests.conftest import SMALL_PLAN
from workshop import Workshop
from workshop.chain import ChainLink, chain_tree, customer_chain
from workshop.demo import open_demo
from workshop.model import Customer, Handoff


def names(nodes: list[ChainLink]) -> list[str]:
    return [n.name for n in nodes]


def walk(nodes: list[ChainLink]):
    for node in nodes:
        yield node
        yield from walk(node.children)  # type: ignore[arg-type]


def find(nodes: list[ChainLink], *path: str) -> ChainLink:
    node = None
    for name in path:
        (node,) = [n for n in nodes if n.name == name and not n.seen]
        nodes = node.children  # type: ignore[assignment]
    assert node is not None
    return node


def test_demo_sales_shows_every_supplier(tmp_path: Path) -> None:
    ws = open_demo(tmp_path / "demo.db")
    ws.add_group("Legal")
    ws.add_handoff(ws.lookup_id("groups", "Legal"), "Sales", provides="Contract terms")
    ws.close()
    ws = Workshop.open(tmp_path / "demo.db")  # read back from the file
    roots, orphans = customer_chain(ws)
    assert names(roots) == ["Homeowners", "Landlords", "Small businesses"]
    sales = find(roots, "Homeowners", "Sales")
    assert {"IT", "Finance", "Installation", "Legal"} <= set(names(sales.children))
    assert [g.name for g in orphans] == ["Facilities"]
    # every hand-off to a group shows up under that group, in every customer's tree
    for h in ws.handoffs():
        if h.receiver_group_id is None:
            continue
        for root in roots:
            for node in walk([root]):
                if node.group_id == h.receiver_group_id and not node.seen and node.children:
                    assert h.provider in names(node.children)  # type: ignore[arg-type]
    ws.close()


def test_each_group_expanded_once_per_tree_nearest_the_customer(tmp_path: Path) -> None:
    ws = open_demo(tmp_path / "demo.db")
    roots, _ = customer_chain(ws)
    distances = {g.name: g.customer_distance for g in ws.groups()}
    for root in roots:
        expanded = [n for n in walk(root.children) if not n.seen and n.children]
        assert len({n.name for n in expanded}) == len(expanded)
        for node in expanded:  # Homeowners: every group reaches it as near as it can
            if root.name == "Homeowners":
                assert node.distance == distances[node.name]
    # Installation serves Sales but is nearer Homeowners on its own branch: Sales points there
    sales = find(roots, "Homeowners", "Sales")
    (installation,) = [n for n in sales.children if n.name == "Installation"]
    assert installation.seen == "below" and not installation.children
    ws.close()


def test_a_loop_is_marked_and_not_followed(workshop_path: Path) -> None:
    ws = Workshop.open(workshop_path)
    roots, orphans = customer_chain(ws)
    hr = find(roots, "Homeowners", "Sales", "IT", "HR")
    (loop,) = hr.children
    assert (loop.name, loop.seen, loop.children, loop.distance) == ("IT", "cycle", [], 4)
    assert [g.name for g in orphans] == ["Audit"]
    md = ws.export("md")
    assert "        - ↻ IT: Accounts (see above)\n" in md
    html = ws.export("html")
    assert '↻ <span class="text">IT</span>' in html and "(see above)" in html
    ws.close()


def test_summary_and_screen_share_one_tree(workshop_path: Path) -> None:
    from workshop.export import template_data

    ws = Workshop.open(workshop_path)
    roots, _ = customer_chain(ws)
    data = template_data(ws)["summary"]["chain"]

    def flat(nodes, key):
        out = []
        for n in nodes:
            out.append((key(n, "name"), key(n, "seen"), key(n, "more")))
            out.extend(flat(key(n, "children"), key))
        return out

    assert flat(roots, getattr) == flat(data, lambda d, k: d[k])
    ws.close()


def test_a_customer_nobody_serves_and_a_supplier_with_no_suppliers(small_plan, tmp_path) -> None:
    small_plan["customers"].append({"name": "Landlords", "segment": ""})
    ws = Workshop.create(tmp_path / "w.db", title="T", plan=small_plan)
    roots, _ = customer_chain(ws)
    assert [(r.name, r.children) for r in roots][1] == ("Landlords", [])
    ws.close()


def hostile(groups: int) -> tuple[list[Customer], list[Handoff]]:
    """Every group hands off to the customer and to every other group."""
    customers = [Customer(1, "C")]
    handoffs = []
    hid = 0
    for g in range(1, groups + 1):
        hid += 1
        handoffs.append(Handoff(hid, g, f"G{g}", "C", receiver_customer_id=1))
        for other in range(1, groups + 1):
            if other != g:
                hid += 1
                handoffs.append(Handoff(hid, g, f"G{g}", f"G{other}", receiver_group_id=other))
    return customers, handoffs


def test_a_hostile_plan_is_cut_with_a_count() -> None:
    customers, handoffs = hostile(60)  # 3,600 hand-offs
    start = time.perf_counter()
    roots = chain_tree(customers, handoffs, max_nodes=200)
    assert time.perf_counter() - start < 2
    nodes = list(walk(roots))
    real = [n for n in nodes if not n.more]
    assert len(real) == 200
    stand_ins = [n for n in nodes if n.more]
    assert stand_ins and all(n.name == f"… {n.more} more" for n in stand_ins)
    # what is shown plus what is counted covers every supplier of each node shown
    for node in nodes:
        if node.group_id is not None and not node.seen and node.children:
            assert sum(c.more or 1 for c in node.children) == 59  # type: ignore[attr-defined]


def test_a_long_chain_stops_at_the_depth_limit() -> None:
    customers = [Customer(1, "C")]
    handoffs = [Handoff(1, 1, "G1", "C", receiver_customer_id=1)]
    handoffs += [
        Handoff(g, g, f"G{g}", f"G{g - 1}", receiver_group_id=g - 1) for g in range(2, 5001)
    ]
    roots = chain_tree(customers, handoffs, max_depth=20)
    deepest = max(n.distance for n in walk(roots))
    assert deepest == 21
    (last,) = [n for n in walk(roots) if n.more]
    assert (last.more, last.distance) == (1, 21)


def test_too_many_customers_are_counted_at_the_top() -> None:
    customers = [Customer(i, f"C{i}") for i in range(1, 11)]
    roots = chain_tree(customers, [], max_nodes=4)
    assert names(roots) == ["C1", "C2", "C3", "C4", "… 6 more"]
    assert roots[-1].more == 6


async def test_the_chain_view_reads_the_same(tmp_path: Path) -> None:
    """Press 3 then t: the loop under HR is marked, as in the summary."""
    from screens.app import WorkshopApp
    from screens.handoffs_screen import HandoffsScreen

    path = tmp_path / "small.db"
    Workshop.create(path, title="Small org", plan=copy.deepcopy(SMALL_PLAN)).close()
    ws = Workshop.open(path)
    app = WorkshopApp(ws)
    lines: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(app.screen, HandoffsScreen)
        await pilot.press("t")
        await pilot.pause()

        def visit(node, depth: int) -> None:
            lines.append("  " * depth + str(node.label))
            for child in node.children:
                visit(child, depth + 1)

        visit(app.screen.query_one("#chain-tree", Tree).root, 0)
    ws.close()
    assert "          4 ↻ IT — Accounts (see above)" in lines
    assert "      2 IT — Laptops" in lines
