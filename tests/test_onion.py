"""Touchpoints and their onions through the Workshop API, on real SQLite files.

Layers, depth-first order, the supports rules (owner, one layer per group, no cycles), the
choices the screens offer, deletes with their undo, and where a group touches the customer.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workshop import NotFound, PlanError, Workshop
from workshop.demo import demo_plan

GROUPS = ("Sales", "IT", "HR", "Audit", "Finance", "Legal")


def gid(ws: Workshop, name: str, table: str = "groups") -> int:
    """The id of a named entity, which must exist."""
    found = ws.lookup_id(table, name)
    assert found is not None, f"{name} is missing from {table}"
    return found


def shape(ws: Workshop, point: int) -> list[tuple[str, str | None, int | None]]:
    """A touchpoint's onion as (group, supports, layer), in the order `onion` gives."""
    return [(c.group, c.supports, c.layer) for c in ws.onion(point)]


def json_layers(ws: Workshop, touchpoint: str) -> dict[str, int | None]:
    """Layer of each group at `touchpoint`, as the JSON export reports it."""
    data = json.loads(ws.export("json"))
    return {c["group"]: c["layer"] for c in data["contributions"] if c["touchpoint"] == touchpoint}


@pytest.fixture
def ws(tmp_path: Path):
    """A workshop with six groups, one customer and a touchpoint owned by Sales, no onion yet."""
    workshop = Workshop.create(tmp_path / "onion.db", title="Onion")
    for name in GROUPS:
        workshop.add_group(name, kind="front line" if name == "Sales" else "support")
    workshop.add_customer("Homeowners")
    yield workshop
    workshop.close()


@pytest.fixture
def point(ws: Workshop) -> int:
    """The touchpoint “Renewal call”, owned by Sales, for Homeowners."""
    return ws.add_touchpoint(
        "Renewal call",
        customer_id=gid(ws, "Homeowners", "customers"),
        owner_id=gid(ws, "Sales"),
        channel="phone",
    )


@pytest.fixture
def built(ws: Workshop, point: int) -> dict[str, int]:
    """A three-layer onion at “Renewal call” (owner Sales):

    Finance → Sales (1); IT → Sales (1); HR → IT (2); Legal → IT (2); Audit → HR (3).
    Returns contribution ids by group name.
    """
    ids: dict[str, int] = {}
    for group, helps in [
        ("IT", None),
        ("HR", "IT"),
        ("Audit", "HR"),
        ("Finance", "Sales"),
        ("Legal", "IT"),
    ]:
        ids[group] = ws.add_contribution(
            point,
            gid(ws, group),
            supports_group_id=gid(ws, helps) if helps else None,
            what=f"{group} helps",
        )
    return ids


# -- touchpoints ---------------------------------------------------------------------------


def test_add_touchpoint_keeps_customer_owner_and_channel(ws: Workshop, point: int) -> None:
    touchpoint = ws.touchpoint(point)
    assert (touchpoint.name, touchpoint.customer, touchpoint.owner, touchpoint.channel) == (
        "Renewal call",
        "Homeowners",
        "Sales",
        "phone",
    )
    assert touchpoint.customer_id == gid(ws, "Homeowners", "customers")
    assert touchpoint.owner_id == gid(ws, "Sales")
    second = ws.add_touchpoint("  Web chat  ")
    assert [t.name for t in ws.touchpoints()] == ["Renewal call", "Web chat"]
    assert ws.touchpoint(second).owner is None and ws.touchpoint(second).customer is None


def test_add_touchpoint_refuses_unknown_owner_or_customer(ws: Workshop) -> None:
    with pytest.raises(NotFound, match="group no longer exists"):
        ws.add_touchpoint("Ghost", owner_id=999)
    with pytest.raises(NotFound, match="customer no longer exists"):
        ws.add_touchpoint("Ghost", customer_id=999)
    assert ws.touchpoints() == []


@pytest.mark.parametrize("name", ["renewal CALL", "  Renewal call ", "RENEWAL CALL"])
def test_touchpoint_names_are_unique_ignoring_case(ws: Workshop, point: int, name: str) -> None:
    with pytest.raises(PlanError, match="“Renewal call” is already used by a touchpoint"):
        ws.add_touchpoint(name)
    other = ws.add_touchpoint("Web chat")
    with pytest.raises(PlanError, match="already used by a touchpoint"):
        ws.update_touchpoint(other, name=name)
    assert [t.name for t in ws.touchpoints()] == ["Renewal call", "Web chat"]


def test_a_touchpoint_may_share_a_groups_name(ws: Workshop) -> None:
    """Touchpoints have their own namespace."""
    assert ws.touchpoint(ws.add_touchpoint("sales")).name == "sales"


def test_update_touchpoint_renames_and_changes_owner_undoably(
    ws: Workshop, point: int, built: dict[str, int]
) -> None:
    ws.update_touchpoint(point, name="RENEWAL call")  # its own name in another case
    assert ws.touchpoint(point).name == "RENEWAL call"
    ws.update_touchpoint(point, owner_id=gid(ws, "Sales"))  # no change: nothing recorded
    assert ws.can_undo() == "Edited touchpoint Renewal call"
    ws.delete_contribution(built["Finance"])
    ws.update_touchpoint(point, owner_id=gid(ws, "Finance"))
    assert ws.touchpoint(point).owner == "Finance"
    # The layer-1 contributions now help the new owner.
    assert {c.group: (c.supports, c.layer) for c in ws.onion(point)}["IT"] == ("Finance", 1)
    ws.undo()
    assert ws.touchpoint(point).owner == "Sales"


@pytest.mark.parametrize("group", ["IT", "HR", "Audit"])
def test_a_contributing_group_cannot_become_the_owner(
    ws: Workshop, point: int, built: dict[str, int], group: str
) -> None:
    before = ws.export("json")
    with pytest.raises(PlanError) as caught:
        ws.update_touchpoint(point, owner_id=gid(ws, group), name="Renamed")
    message = str(caught.value)
    assert f"{group} contributes a layer to “Renewal call”" in message
    assert "remove that contribution" in message
    assert ws.export("json") == before, "a refused update changed something"


def test_delete_touchpoint_removes_its_onion_keeps_comments_and_undoes(
    small_workshop: Workshop,
) -> None:
    ws = small_workshop
    point = gid(ws, "First visit", "touchpoints")
    comment = ws.add_comment("Second visit was better", touchpoint_id=point, sentiment="positive")
    before = ws.export("json")
    ws.delete_touchpoint(point)
    data = json.loads(ws.export("json"))
    assert data["touchpoints"] == [] and data["contributions"] == []
    assert {c["text"]: c["touchpoint"] for c in data["comments"]} == {
        "The quote took | two weeks *again*": None,
        "Second visit was better": None,
    }
    assert data["proposals"][0]["touchpoint"] is None
    assert ws.comment(comment).touchpoint_id is None
    assert ws.undo() == "Deleted touchpoint First visit"
    assert ws.export("json") == before
    assert ws.comment(comment).touchpoint == "First visit"


# -- building the onion ---------------------------------------------------------------------


def test_three_layers_in_depth_first_order(ws: Workshop, point: int, built: dict[str, int]) -> None:
    """Layer 1 first, each followed by what rests on it, siblings by group name."""
    assert shape(ws, point) == [
        ("Finance", "Sales", 1),
        ("IT", "Sales", 1),
        ("HR", "IT", 2),
        ("Audit", "HR", 3),
        ("Legal", "IT", 2),
    ]
    assert json_layers(ws, "Renewal call") == {
        "IT": 1,
        "HR": 2,
        "Audit": 3,
        "Finance": 1,
        "Legal": 2,
    }
    assert ws.contribution(built["Audit"]).layer == 3
    assert ws.contribution(built["Audit"]).what == "Audit helps"
    data = json.loads(ws.export("json"))
    assert {c["group"]: c["supports"] for c in data["contributions"]}["IT"] == "Sales"


def test_supporting_the_owner_by_id_is_layer_one(ws: Workshop, point: int) -> None:
    cid = ws.add_contribution(point, gid(ws, "IT"), supports_group_id=gid(ws, "Sales"))
    item = ws.contribution(cid)
    assert (item.supports_group_id, item.supports, item.layer) == (None, "Sales", 1)


def test_the_owner_cannot_contribute(ws: Workshop, point: int) -> None:
    with pytest.raises(PlanError, match="Sales owns “Renewal call”; the owner is the centre"):
        ws.add_contribution(point, gid(ws, "Sales"))
    assert ws.onion(point) == []


def test_one_contribution_per_group_per_touchpoint(
    ws: Workshop, point: int, built: dict[str, int]
) -> None:
    with pytest.raises(PlanError, match="HR already contributes to “Renewal call”"):
        ws.add_contribution(point, gid(ws, "HR"), supports_group_id=gid(ws, "Finance"))
    with pytest.raises(PlanError, match="Legal already contributes"):
        ws.update_contribution(built["Finance"], group_id=gid(ws, "Legal"))
    # The same group may contribute at another touchpoint.
    other = ws.add_touchpoint("Web chat", owner_id=gid(ws, "Sales"))
    assert ws.contribution(ws.add_contribution(other, gid(ws, "HR"))).layer == 1
    assert len(ws.onion(point)) == 5


def test_supports_must_be_a_contributing_group(
    ws: Workshop, point: int, built: dict[str, int]
) -> None:
    ws.delete_contribution(built["Finance"])
    with pytest.raises(PlanError, match="Finance has no contribution at “Renewal call”"):
        ws.add_contribution(point, ws.add_group("Extra"), supports_group_id=gid(ws, "Finance"))
    with pytest.raises(PlanError, match="Finance has no contribution at “Renewal call”"):
        ws.update_contribution(built["Legal"], supports_group_id=gid(ws, "Finance"))
    with pytest.raises(NotFound, match="group no longer exists"):
        ws.add_contribution(point, gid(ws, "Finance"), supports_group_id=999)
    assert ws.contribution(built["Legal"]).supports == "IT"


def test_a_group_cannot_support_itself(ws: Workshop, point: int, built: dict[str, int]) -> None:
    extra = ws.add_group("Extra")
    with pytest.raises(PlanError, match="A cycle of supports: Extra → Extra"):
        ws.add_contribution(point, extra, supports_group_id=extra)
    with pytest.raises(PlanError, match="A cycle of supports: Finance → Finance"):
        ws.update_contribution(built["Finance"], supports_group_id=gid(ws, "Finance"))
    assert len(ws.onion(point)) == 5


def test_a_two_group_cycle_is_refused_naming_the_groups(
    ws: Workshop, point: int, built: dict[str, int]
) -> None:
    before = ws.export("json")
    with pytest.raises(PlanError) as caught:
        ws.update_contribution(built["IT"], supports_group_id=gid(ws, "HR"))
    assert str(caught.value).startswith("A cycle of supports: ")
    assert "IT → HR → IT" in str(caught.value) or "HR → IT → HR" in str(caught.value)
    assert ws.export("json") == before


def test_a_longer_cycle_names_every_group_in_it(
    ws: Workshop, point: int, built: dict[str, int]
) -> None:
    with pytest.raises(PlanError, match="A cycle of supports") as caught:
        ws.update_contribution(built["IT"], supports_group_id=gid(ws, "Audit"))
    message = str(caught.value)
    chain = message.removeprefix("A cycle of supports: ").rstrip(".").split(" → ")
    assert chain[0] == chain[-1]
    assert sorted(chain[:-1]) == ["Audit", "HR", "IT"]
    assert "Finance" not in message and "Legal" not in message
    assert ws.contribution(built["IT"]).layer == 1


def test_contributor_choices_exclude_owner_and_contributors(
    ws: Workshop, point: int, built: dict[str, int]
) -> None:
    assert ws.contributor_choices(point) == []
    ws.delete_contribution(built["Finance"])
    assert ws.contributor_choices(point) == [(gid(ws, "Finance"), "Finance")]
    # Editing HR's own contribution: HR may keep its place.
    assert [name for _, name in ws.contributor_choices(point, gid(ws, "HR"))] == [
        "HR",
        "Finance",
    ]
    fresh = ws.add_touchpoint("Web chat", owner_id=gid(ws, "IT"))
    assert [name for _, name in ws.contributor_choices(fresh)] == [n for n in GROUPS if n != "IT"]


def test_support_choices_offer_the_owner_and_what_does_not_rest_on_the_group(
    ws: Workshop, point: int, built: dict[str, int]
) -> None:
    everyone = ws.support_choices(point)
    assert everyone[0] == (None, "Sales", 0)
    assert sorted(name for _, name, _ in everyone[1:]) == ["Audit", "Finance", "HR", "IT", "Legal"]
    for_it = ws.support_choices(point, gid(ws, "IT"))
    assert [(name, layer) for _, name, layer in for_it] == [("Sales", 0), ("Finance", 1)]
    for_hr = {name: layer for _, name, layer in ws.support_choices(point, gid(ws, "HR"))}
    assert for_hr == {"Sales": 0, "Finance": 1, "IT": 1, "Legal": 2}


# -- deleting and editing contributions -----------------------------------------------------


def test_delete_contribution_takes_the_sub_onion_and_one_undo_restores_it(
    ws: Workshop, point: int, built: dict[str, int]
) -> None:
    before_export = ws.export("json")
    before_onion = ws.onion(point)
    ws.delete_contribution(built["IT"])
    assert shape(ws, point) == [("Finance", "Sales", 1)]
    assert ws.can_undo() == "Deleted IT's layer at Renewal call and 3 resting on it"
    for cid in (built["IT"], built["HR"], built["Audit"], built["Legal"]):
        with pytest.raises(NotFound):
            ws.contribution(cid)
    ws.undo()
    assert ws.onion(point) == before_onion
    assert ws.export("json") == before_export
    assert ws.can_undo() == "Added Legal's layer at Renewal call"


def test_delete_a_leaf_takes_only_itself(ws: Workshop, point: int, built: dict[str, int]) -> None:
    ws.delete_contribution(built["Audit"])
    assert ws.can_undo() == "Deleted Audit's layer at Renewal call"
    assert [c.group for c in ws.onion(point)] == ["Finance", "IT", "HR", "Legal"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"effect": "weakens", "fail_point": True}, ("weakens", True)),
        ({"effect": " WEAKENS ", "fail_point": "yes"}, ("weakens", True)),
        ({"fail_point": 1}, ("strengthens", True)),
        ({"effect": "weakens"}, ("weakens", False)),
    ],
)
def test_marking_a_weak_link_persists_and_undoes(
    ws: Workshop,
    point: int,
    built: dict[str, int],
    values: dict[str, Any],
    expected: tuple[str, bool],
) -> None:
    cid = built["HR"]
    before = ws.contribution(cid)
    ws.update_contribution(cid, **values)
    with Workshop.open(ws.path) as other:
        item = other.contribution(cid)
        assert (item.effect, item.fail_point, item.weakens) == (*expected, expected[0] == "weakens")
        assert json_layers(other, "Renewal call")["HR"] == 2
    assert ws.undo() == "Edited contribution of HR at Renewal call"
    assert ws.contribution(cid) == before


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"effect": "neutral"}, "The effect must be one of strengthens, weakens"),
        ({"effect": 1}, "The effect must be one of"),
        ({"fail_point": "maybe"}, "The fail point must be true or false"),
        ({"colour": "red"}, "no field 'colour'"),
        ({"what": "bad\x07bell"}, "control character"),
    ],
)
def test_invalid_contribution_edits_are_refused(
    ws: Workshop, point: int, built: dict[str, int], values: dict[str, Any], fragment: str
) -> None:
    extra = ws.add_group("Extra")
    before = ws.export("json")
    with pytest.raises(PlanError, match=fragment):
        ws.update_contribution(built["HR"], **values)
    if "colour" not in values:
        with pytest.raises(PlanError, match=fragment):
            ws.add_contribution(point, extra, **values)
    assert ws.export("json") == before


def test_moving_a_contribution_with_layers_on_it_to_another_group_is_refused(
    ws: Workshop, point: int, built: dict[str, int]
) -> None:
    extra = ws.add_group("Extra")
    with pytest.raises(PlanError, match="Other layers rest on IT's contribution"):
        ws.update_contribution(built["IT"], group_id=extra)
    ws.update_contribution(built["Audit"], group_id=extra)
    assert ws.contribution(built["Audit"]).group == "Extra"


# -- where a group touches the customer -----------------------------------------------------


def test_group_reach_on_the_demo(demo_workshop: Workshop) -> None:
    """IT owns nothing and feeds every touchpoint (demo_plan.json, supports chains by hand)."""
    ws = demo_workshop
    it = [(r.touchpoint.name, r.layer, r.owns) for r in ws.group_reach(gid(ws, "IT"))]
    assert it == [
        ("First sales visit", 1, False),  # IT → Sales (owner)
        ("Installation day", 3, False),  # IT → Finance → Customer Support → Installation
        ("Fault hotline call", 1, False),  # IT → Customer Support (owner)
        ("First invoice", 3, False),  # IT → Sales → Finance → Customer Support
        ("Annual service visit", 2, False),  # IT → Customer Support → Field Service
    ]
    support = ws.group_reach(gid(ws, "Customer Support"))
    assert [(r.touchpoint.name, r.layer, r.owns) for r in support] == [
        ("Installation day", 1, False),
        ("Fault hotline call", 0, True),
        ("First invoice", 0, True),
        ("Annual service visit", 1, False),
    ]
    assert all(r.contribution is None for r in support if r.owns)
    assert ws.group_reach(gid(ws, "Facilities")) == []
    with pytest.raises(NotFound):
        ws.group_reach(999)


def expected_layers(plan: dict[str, Any]) -> dict[tuple[str, str], int]:
    """Layers computed straight from a plan's contributions, without the store."""
    owners = {t["name"]: t["owner"] for t in plan["touchpoints"]}
    supports = {(c["touchpoint"], c["group"]): c["supports"] for c in plan["contributions"]}

    def layer(point: str, group: str) -> int:
        helps = supports[(point, group)]
        return 1 if helps in (None, owners[point]) else 1 + layer(point, helps)

    return {key: layer(*key) for key in supports}


def test_demo_layers_agree_with_the_plan_everywhere(demo_workshop: Workshop) -> None:
    expected = expected_layers(demo_plan())
    data = json.loads(demo_workshop.export("json"))
    assert {(c["touchpoint"], c["group"]): c["layer"] for c in data["contributions"]} == expected
    for touchpoint in demo_workshop.touchpoints():
        for item in demo_workshop.onion(touchpoint.id):
            assert item.layer == expected[(touchpoint.name, item.group)]


def test_demo_group_reach_matches_the_plan(demo_workshop: Workshop) -> None:
    plan = demo_plan()
    expected = expected_layers(plan)
    order = [t["name"] for t in plan["touchpoints"]]
    for group in demo_workshop.groups():
        want = sorted(
            [(t["name"], 0) for t in plan["touchpoints"] if t["owner"] == group.name]
            + [(point, n) for (point, g), n in expected.items() if g == group.name],
            key=lambda pair: order.index(pair[0]),
        )
        got = [(r.touchpoint.name, r.layer) for r in demo_workshop.group_reach(group.id)]
        assert got == want, group.name


# -- deleting a group the onion leans on ----------------------------------------------------


def test_deleting_a_supported_group_reattaches_its_supporters_to_the_owner(
    ws: Workshop, point: int, built: dict[str, int]
) -> None:
    """Actual behaviour: IT's own contribution goes with IT (cascade), while HR and Legal,
    which supported IT, lose their `supports` (SET NULL) and so help the owner directly at
    layer 1, with Audit moving in to layer 2. Unlike delete_contribution, nothing else is
    removed. One undo restores IT, its layer and the links."""
    before = ws.export("json")
    ws.delete_group(gid(ws, "IT"))
    assert shape(ws, point) == [
        ("Finance", "Sales", 1),
        ("HR", "Sales", 1),
        ("Audit", "HR", 2),
        ("Legal", "Sales", 1),
    ]
    assert json_layers(ws, "Renewal call") == {"HR": 1, "Audit": 2, "Finance": 1, "Legal": 1}
    assert ws.support_choices(point)[0] == (None, "Sales", 0)
    assert ws.undo() == "Deleted group IT"
    assert ws.export("json") == before


def test_deleting_the_owner_leaves_an_ownerless_onion(
    ws: Workshop, point: int, built: dict[str, int]
) -> None:
    """Actual behaviour: the touchpoint keeps its onion with no owner; layers are unchanged and
    layer-1 contributions support nobody."""
    before = ws.onion(point)
    ws.delete_group(gid(ws, "Sales"))
    assert ws.touchpoint(point).owner is None
    after = ws.onion(point)
    assert [(c.group, c.layer) for c in after] == [(c.group, c.layer) for c in before]
    assert [c.supports for c in after if c.layer == 1] == [None, None]
    assert ws.support_choices(point)[0] == (None, "the owner", 0)
    ws.undo()
    assert ws.onion(point) == before


# -- property: what is offered is exactly what is accepted ----------------------------------

NAMES = ("alpha", "Bravo", "charlie", "Delta", "echo", "Foxtrot", "golf")


def preorder(supports: dict[str, str | None]) -> list[str]:
    """Depth-first order by hand: roots, then children, siblings by case-folded name."""
    children: dict[str | None, list[str]] = {}
    for group, helps in supports.items():
        children.setdefault(helps, []).append(group)
    order: list[str] = []

    def walk(parent: str | None) -> None:
        for group in sorted(children.get(parent, []), key=str.casefold):
            order.append(group)
            walk(group)

    walk(None)
    return order


def depth(supports: dict[str, str | None], group: str) -> int:
    """Layer by hand: one more than the group it helps."""
    helps = supports[group]
    return 1 if helps is None else 1 + depth(supports, helps)


def rests_on(supports: dict[str, str | None], group: str, base: str) -> bool:
    """Whether `group`'s chain of supports passes through `base` (or is `base`)."""
    current: str | None = group
    while current is not None:
        if current == base:
            return True
        current = supports[current]
    return False


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_support_choices_are_exactly_the_acceptable_supports(data: st.DataObject) -> None:
    """Random onions: layers, order and export agree with a hand computation; for every group,
    support_choices offers exactly the groups that do not rest on it; for one group, every
    offered choice is accepted (and undone) and every other contributing group is refused."""
    names = data.draw(st.permutations(NAMES))[: data.draw(st.integers(2, len(NAMES)))]
    with tempfile.TemporaryDirectory() as folder:
        ws = Workshop.create(Path(folder) / "o.db", title="Onion")
        try:
            owner = ws.add_group("Owner", kind="front line")
            point = ws.add_touchpoint("Moment", owner_id=owner)
            ids: dict[str, int] = {}
            supports: dict[str, str | None] = {}
            for name in names:
                helps = data.draw(st.sampled_from([None, "Owner", *supports]))
                ids[name] = ws.add_group(name)
                target = owner if helps == "Owner" else ids[helps] if helps else None
                ws.add_contribution(point, ids[name], supports_group_id=target)
                supports[name] = None if helps == "Owner" else helps
            by_id = {v: k for k, v in ids.items()}

            onion = ws.onion(point)
            assert [c.group for c in onion] == preorder(supports)
            assert {c.group: c.layer for c in onion} == {g: depth(supports, g) for g in supports}
            assert {c.group: c.supports for c in onion} == {
                g: supports[g] or "Owner" for g in supports
            }
            assert json_layers(ws, "Moment") == {g: depth(supports, g) for g in supports}
            assert [by_id[g] for g, _ in ws.contributor_choices(point)] == []
            assert len(ws.support_choices(point)) == len(supports) + 1

            for name in supports:
                offered = {
                    choice_name: layer
                    for _, choice_name, layer in ws.support_choices(point, ids[name])
                }
                assert offered == {"Owner": 0} | {
                    g: depth(supports, g) for g in supports if not rests_on(supports, g, name)
                }

            mover = data.draw(st.sampled_from(sorted(supports)))
            item = next(c for c in onion if c.group == mover)
            offered_ids = {g for g, _, _ in ws.support_choices(point, ids[mover])}
            for target in [None, *(ids[g] for g in supports)]:
                if target in offered_ids:
                    mark = ws.history(1)[0]["id"]
                    ws.update_contribution(item.id, supports_group_id=target)
                    assert all(c.layer is not None for c in ws.onion(point))
                    assert ws.contribution(item.id).supports_group_id == target
                    if ws.history(1)[0]["id"] != mark:
                        ws.undo()
                    assert ws.onion(point) == onion
                else:
                    with pytest.raises(PlanError, match="A cycle of supports") as caught:
                        ws.update_contribution(item.id, supports_group_id=target)
                    assert mover in str(caught.value)
                    assert target is not None and by_id[target] in str(caught.value)
                    assert ws.onion(point) == onion
        finally:
            ws.close()
