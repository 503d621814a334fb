"""Action plans (owner, due date, KPI, status; undoable) and follow-up workshops, which carry the
chain, the participants and the open actions of a previous workshop file into a new one."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from workshop import NotFound, PlanError, Workshop, WorkshopError

# -- action plans --------------------------------------------------------------------------


@pytest.fixture
def planning(tmp_path: Path):
    """A workshop with two groups and two proposals."""
    ws = Workshop.create(tmp_path / "plan.db", title="Planning")
    sales = ws.add_group("Sales", kind="front line")
    it = ws.add_group("IT")
    quote = ws.add_proposal("Quote on the spot", owner_id=sales)
    crm = ws.add_proposal("Fix the CRM", owner_id=it)
    yield ws, {"Sales": sales, "IT": it}, {"quote": quote, "crm": crm}
    ws.close()


def test_add_action_and_read_it_back(planning) -> None:
    ws, groups, proposals = planning
    aid = ws.add_action(
        owner_id=groups["IT"],
        due="2027-01-31",
        proposal_id=proposals["quote"],
        kpi="  80% of quotes on the day ",
        notes="Start with the tablets",
    )
    action = ws.action(aid)
    assert action.id == aid
    assert (action.owner_id, action.owner) == (groups["IT"], "IT")
    assert (action.proposal_id, action.proposal) == (proposals["quote"], "Quote on the spot")
    assert action.due == "2027-01-31"
    assert action.kpi == "80% of quotes on the day"
    assert action.notes == "Start with the tablets"
    assert action.status == "planned"
    assert action.previous_status is None and not action.carried and not action.moved
    assert ws.actions() == [action]
    assert ws.can_undo() == "Planned an action: Quote on the spot"


def test_action_without_a_proposal(planning) -> None:
    ws, groups, _ = planning
    aid = ws.add_action(owner_id=groups["Sales"], due="2026-12-01", kpi="Call back in a day")
    action = ws.action(aid)
    assert action.proposal_id is None and action.proposal is None
    assert ws.can_undo() == "Planned an action: Call back in a day"


@pytest.mark.parametrize("status", ["planned", "doing", "done", "dropped", " Doing "])
def test_every_status_is_accepted(planning, status: str) -> None:
    ws, groups, _ = planning
    aid = ws.add_action(owner_id=groups["IT"], due="2026-12-01", status=status)
    assert ws.action(aid).status == status.strip().lower()


def test_missing_owner_refused(planning) -> None:
    ws, groups, proposals = planning
    with pytest.raises(PlanError, match="owning group"):
        ws.add_action(owner_id=None, due="2026-12-01", proposal_id=proposals["quote"])
    aid = ws.add_action(owner_id=groups["IT"], due="2026-12-01")
    with pytest.raises(PlanError, match="owning group"):
        ws.update_action(aid, owner_id=None)
    assert ws.action(aid).owner_id == groups["IT"]
    assert len(ws.actions()) == 1


@pytest.mark.parametrize("missing", [None, ""])
def test_missing_due_date_refused(planning, missing: str | None) -> None:
    ws, groups, _ = planning
    with pytest.raises(PlanError, match="needs a due date"):
        ws.add_action(owner_id=groups["IT"], due=missing)
    aid = ws.add_action(owner_id=groups["IT"], due="2026-12-01")
    with pytest.raises(PlanError, match="needs a due date"):
        ws.update_action(aid, due=missing)
    assert ws.action(aid).due == "2026-12-01"
    assert len(ws.actions()) == 1


@pytest.mark.parametrize(
    "bad", ["2026-13-01", "31/12/2026", "20261103", "tomorrow", "2026-02-30", "2026-1-5"]
)
def test_invalid_due_date_refused_naming_it(planning, bad: str) -> None:
    ws, groups, _ = planning
    with pytest.raises(PlanError) as caught:
        ws.add_action(owner_id=groups["IT"], due=bad)
    message = str(caught.value)
    assert "due date" in message and repr(bad) in message and "2026-03-31" in message
    aid = ws.add_action(owner_id=groups["IT"], due="2026-12-01")
    with pytest.raises(PlanError, match="due date"):
        ws.update_action(aid, due=bad)
    assert ws.action(aid).due == "2026-12-01"
    assert len(ws.actions()) == 1


@pytest.mark.parametrize("bad", ["finished", "todo", "PLANNED!", 3])
def test_invalid_status_refused(planning, bad: object) -> None:
    ws, groups, _ = planning
    with pytest.raises(PlanError) as caught:
        ws.add_action(owner_id=groups["IT"], due="2026-12-01", status=bad)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "status" in message
    for status in ("planned", "doing", "done", "dropped"):
        assert status in message
    aid = ws.add_action(owner_id=groups["IT"], due="2026-12-01", status="doing")
    with pytest.raises(PlanError, match="status"):
        ws.update_action(aid, status=bad)
    assert ws.action(aid).status == "doing"


def test_unknown_owner_or_proposal_refused(planning) -> None:
    ws, groups, proposals = planning
    with pytest.raises(NotFound, match="group"):
        ws.add_action(owner_id=999, due="2026-12-01")
    with pytest.raises(NotFound, match="proposal"):
        ws.add_action(owner_id=groups["IT"], due="2026-12-01", proposal_id=999)
    with pytest.raises(WorkshopError, match="by id"):
        ws.add_action(owner_id="IT", due="2026-12-01")  # type: ignore[arg-type]
    aid = ws.add_action(owner_id=groups["IT"], due="2026-12-01", proposal_id=proposals["crm"])
    with pytest.raises(NotFound, match="group"):
        ws.update_action(aid, owner_id=999)
    with pytest.raises(NotFound, match="proposal"):
        ws.update_action(aid, proposal_id=999)
    with pytest.raises(NotFound, match="action"):
        ws.update_action(999, status="done")
    with pytest.raises(NotFound, match="action"):
        ws.delete_action(999)
    with pytest.raises(PlanError, match="no field"):
        ws.update_action(aid, colour="red")
    action = ws.action(aid)
    assert (action.owner_id, action.proposal_id) == (groups["IT"], proposals["crm"])
    assert len(ws.actions()) == 1


def test_update_action_and_undo(planning) -> None:
    ws, groups, proposals = planning
    aid = ws.add_action(owner_id=groups["IT"], due="2026-12-01", proposal_id=proposals["crm"])
    before = ws.action(aid)
    ws.update_action(
        aid, status="doing", owner_id=groups["Sales"], due="2027-02-28", kpi="Uptime 99%"
    )
    after = ws.action(aid)
    assert (after.status, after.owner, after.due, after.kpi) == (
        "doing",
        "Sales",
        "2027-02-28",
        "Uptime 99%",
    )
    assert ws.can_undo() == "Edited action Fix the CRM"
    assert ws.undo() == "Edited action Fix the CRM"
    assert ws.action(aid) == before
    ws.update_action(aid, notes="No change to the rest")
    assert ws.action(aid).notes == "No change to the rest"
    assert ws.action(aid).status == "planned"


def test_delete_action_and_undo(planning) -> None:
    ws, groups, proposals = planning
    keep = ws.add_action(owner_id=groups["Sales"], due="2026-11-30", kpi="Keep me")
    aid = ws.add_action(
        owner_id=groups["IT"], due="2026-12-01", proposal_id=proposals["crm"], status="doing"
    )
    before = ws.action(aid)
    ws.delete_action(aid)
    assert [a.id for a in ws.actions()] == [keep]
    with pytest.raises(NotFound):
        ws.action(aid)
    assert ws.can_undo() == "Deleted action Fix the CRM"
    ws.undo()
    assert ws.action(aid) == before
    assert [a.id for a in ws.actions()] == [keep, aid]


def test_undo_of_an_add_removes_the_action(planning) -> None:
    ws, groups, _ = planning
    aid = ws.add_action(owner_id=groups["IT"], due="2026-12-01", kpi="Gone soon")
    ws.undo()
    assert ws.actions() == []
    with pytest.raises(NotFound):
        ws.action(aid)


def test_deleting_a_proposal_keeps_its_actions(planning) -> None:
    ws, groups, proposals = planning
    aid = ws.add_action(owner_id=groups["IT"], due="2026-12-01", proposal_id=proposals["crm"])
    ws.delete_proposal(proposals["crm"])
    action = ws.action(aid)
    assert action.proposal_id is None and action.owner == "IT"
    ws.undo()
    assert ws.action(aid).proposal_id == proposals["crm"]


def test_actions_for_a_proposal(planning) -> None:
    ws, groups, proposals = planning
    first = ws.add_action(owner_id=groups["IT"], due="2026-12-01", proposal_id=proposals["quote"])
    ws.add_action(owner_id=groups["IT"], due="2026-12-02", proposal_id=proposals["crm"])
    third = ws.add_action(
        owner_id=groups["Sales"], due="2026-12-03", proposal_id=proposals["quote"]
    )
    ws.add_action(owner_id=groups["Sales"], due="2026-12-04")
    assert [a.id for a in ws.actions_for(proposals["quote"])] == [first, third]
    assert [a.due for a in ws.actions_for(proposals["crm"])] == ["2026-12-02"]
    assert ws.actions_for(999) == []
    assert len(ws.actions()) == 4


# -- follow-up workshops -------------------------------------------------------------------


def build_previous(path: Path) -> dict[str, Any]:
    """A previous quarter's workshop built through the API; returns the ids of what was made."""
    ids: dict[str, Any] = {}
    with Workshop.create(path, title="Q3 customer chain", date="2026-09-30") as ws:
        sales = ws.add_group("Sales", role="We sell", kind="front line", good_day="Quick quotes")
        it = ws.add_group("IT", role="Tools", good_day="Nobody notices us")
        hr = ws.add_group("HR", role="People")
        homeowners = ws.add_customer("Homeowners", segment="Households")
        ws.add_handoff(
            sales,
            "Homeowners",
            provides="Quotes",
            needs="Speed",
            expectation="Within 2 days",
            self_rating=4,
            customer_rating=2,
        )
        ws.add_handoff(it, "Sales", provides="Laptops", self_rating=5, customer_rating=3)
        ws.add_handoff(hr, "IT", provides="New-hire list", self_rating=3)
        visit = ws.add_touchpoint(
            "First visit", customer_id=homeowners, owner_id=sales, channel="on site"
        )
        link = ws.add_contribution(
            visit, it, what="CRM on the tablet", effect="weakens", fail_point=True
        )
        ws.add_contribution(visit, hr, supports_group_id=it, what="Trains the users")
        comment = ws.add_comment(
            "The quote took two weeks",
            touchpoint_id=visit,
            sentiment="negative",
            date="2026-09-01",
            routed_to=[sales, it],
        )
        ws.join("Dana", group_id=sales, facilitator=True)
        ws.join("Eli", group_id=it)
        planned_p = ws.add_proposal(
            "Quote on the spot",
            description="Tablets price on site",
            touchpoint_id=visit,
            owner_id=sales,
            beneficiary_customer_id=homeowners,
            impact="high",
            effort="medium",
            contribution_id=link,
            comment_id=comment,
        )
        doing_p = ws.add_proposal("Faster laptops", owner_id=it, beneficiary_group_id=sales)
        done_p = ws.add_proposal("Done already", owner_id=hr)
        dropped_p = ws.add_proposal("Dropped idea")
        ws.add_proposal("Never planned")
        rid = ws.open_vote("Which first?", hidden=False)
        ws.cast_vote(rid, ws.participants()[0].id, planned_p)
        ws.close_vote(rid)
        ids["planned"] = ws.add_action(
            owner_id=it, due="2026-12-31", proposal_id=planned_p, kpi="80% same day"
        )
        ids["doing"] = ws.add_action(
            owner_id=it,
            due="2026-11-30",
            proposal_id=doing_p,
            kpi="Boot in 30 s",
            status="doing",
            notes="Half the fleet done",
        )
        ids["done"] = ws.add_action(
            owner_id=hr, due="2026-10-01", proposal_id=done_p, status="done"
        )
        ids["dropped"] = ws.add_action(
            owner_id=sales, due="2026-10-15", proposal_id=dropped_p, status="dropped"
        )
        # a done action on a proposal that also has an open one: the proposal is still carried
        ids["done_too"] = ws.add_action(
            owner_id=sales, due="2026-10-20", proposal_id=planned_p, status="done"
        )
        ids["loose"] = ws.add_action(owner_id=hr, due="2027-01-15", kpi="No proposal behind it")
    return ids


def snapshot(ws: Workshop) -> dict[str, Any]:
    """What a follow-up carries, as plain comparable values (no ids)."""
    return {
        "groups": [(g.name, g.role, g.kind, g.good_day, g.customer_distance) for g in ws.groups()],
        "customers": [(c.name, c.segment) for c in ws.customers()],
        "handoffs": [
            (
                h.provider,
                h.receiver,
                h.to_customer,
                h.provides,
                h.needs,
                h.expectation,
                h.self_rating,
                h.customer_rating,
            )
            for h in ws.handoffs()
        ],
        "touchpoints": [(t.name, t.customer, t.owner, t.channel) for t in ws.touchpoints()],
        "contributions": [
            (c.touchpoint, c.group, c.supports, c.what, c.effect, c.fail_point, c.layer)
            for t in ws.touchpoints()
            for c in ws.onion(t.id)
        ],
        "participants": [(p.name, p.group, p.facilitator) for p in ws.participants()],
    }


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    path = tmp_path / "q3.db"
    build_previous(path)
    return path


def test_follow_up_carries_the_chain_and_open_actions(tmp_path: Path, previous: Path) -> None:
    with Workshop.open(previous) as old:
        expected = snapshot(old)
        old_actions = {a.kpi: a for a in old.actions()}
    assert len(expected["contributions"]) == 2 and len(expected["handoffs"]) == 3

    with Workshop.create(tmp_path / "q4.db", title="Q4 customer chain", follow_up=previous) as ws:
        info = ws.info()
        assert info.title == "Q4 customer chain"
        assert info.phase == "review"
        assert info.follows == "Q3 customer chain"
        assert snapshot(ws) == expected

        actions = ws.actions()
        assert [(a.proposal, a.kpi) for a in actions] == [
            ("Quote on the spot", "80% same day"),
            ("Faster laptops", "Boot in 30 s"),
            (None, "No proposal behind it"),
        ]
        for action in actions:
            old = old_actions[action.kpi]
            assert action.previous_status == old.status
            assert action.status == old.status
            assert (action.owner, action.due, action.notes) == (old.owner, old.due, old.notes)
            assert action.carried and not action.moved
        assert [a.previous_status for a in actions] == ["planned", "doing", "planned"]

        # only the proposals of carried actions, with their fields; no comments
        assert [p.title for p in ws.proposals()] == ["Quote on the spot", "Faster laptops"]
        quote = ws.proposals()[0]
        assert quote.description == "Tablets price on site"
        assert (quote.touchpoint, quote.owner, quote.beneficiary) == (
            "First visit",
            "Sales",
            "Homeowners",
        )
        assert (quote.impact, quote.effort) == ("high", "medium")
        assert quote.weak_link == "IT at First visit"
        assert quote.comment_id is None
        assert ws.proposals()[1].beneficiary == "Sales"
        assert ws.comments() == []
        assert ws.rounds() == []
        assert ws.db.execute("select count(*) from votes").fetchone()[0] == 0

        # the review can move a carried action; it then shows as moved
        ws.update_action(actions[0].id, status="done")
        assert ws.action(actions[0].id).moved
        # the carry-over is not an undo target
        assert ws.can_undo() == "Edited action Quote on the spot"


def test_follow_up_leaves_the_previous_file_alone(tmp_path: Path, previous: Path) -> None:
    before = previous.read_bytes()
    with Workshop.open(previous) as old:
        content = json.loads(old.export("json"))
    assert previous.read_bytes() == before
    with Workshop.create(tmp_path / "q4.db", title="Q4", follow_up=previous):
        pass
    assert previous.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q3.db", "q4.db"]
    with Workshop.open(previous) as old:
        assert json.loads(old.export("json")) == content
        assert old.info().phase != "review" and old.info().follows is None
        assert len(old.actions()) == 6


def test_follow_up_of_a_follow_up_remembers_the_latest_status(
    tmp_path: Path, previous: Path
) -> None:
    second = tmp_path / "q4.db"
    with Workshop.create(second, title="Q4", follow_up=previous) as ws:
        first, doing, loose = ws.actions()
        ws.update_action(first.id, status="doing")
        ws.update_action(doing.id, status="done")
        ws.update_action(loose.id, status="dropped")
    with Workshop.create(tmp_path / "q1.db", title="Q1", follow_up=second) as ws:
        assert ws.info().follows == "Q4"
        actions = ws.actions()
        assert [(a.proposal, a.status, a.previous_status) for a in actions] == [
            ("Quote on the spot", "doing", "doing")
        ]
        assert [p.title for p in ws.proposals()] == ["Quote on the spot"]


def test_follow_up_of_a_workshop_without_open_actions(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    with Workshop.create(old, title="Nothing open") as ws:
        ws.add_group("Sales")
        ws.add_action(owner_id=ws.groups()[0].id, due="2026-10-01", status="done")
    with Workshop.create(tmp_path / "new.db", title="New", follow_up=old) as ws:
        assert ws.actions() == [] and ws.proposals() == []
        assert [g.name for g in ws.groups()] == ["Sales"]
        assert ws.info().phase == "review" and ws.info().follows == "Nothing open"


def test_a_proposal_answering_a_link_sits_at_its_touchpoint_and_keeps_it(
    tmp_path: Path,
) -> None:
    """Answering an onion link places the proposal at that link's touchpoint (another one is
    refused), so the link survives the follow-up unchanged."""
    old = tmp_path / "old.db"
    with Workshop.create(old, title="Old") as ws:
        sales = ws.add_group("Sales", kind="front line")
        it = ws.add_group("IT")
        visit = ws.add_touchpoint("First visit", owner_id=sales)
        call = ws.add_touchpoint("Service call", owner_id=sales)
        link = ws.add_contribution(visit, it, what="CRM", effect="weakens")
        ws.add_contribution(call, it, what="Phone system")
        with pytest.raises(PlanError, match="First visit"):
            ws.add_proposal("Elsewhere", contribution_id=link, touchpoint_id=call)
        proposal = ws.add_proposal("Fix the CRM", contribution_id=link)
        assert ws.proposal(proposal).touchpoint == "First visit"
        with pytest.raises(PlanError, match="First visit"):
            ws.update_proposal(proposal, touchpoint_id=call)
        ws.add_action(owner_id=it, due="2026-12-01", proposal_id=proposal)
        assert ws.proposal(proposal).weak_link == "IT at First visit"
    new = tmp_path / "new.db"
    with Workshop.create(new, title="New", follow_up=old) as ws:
        (carried,) = ws.proposals()
        assert carried.title == "Fix the CRM"
        assert carried.weak_link == "IT at First visit"
        assert [a.proposal for a in ws.actions()] == ["Fix the CRM"]


def test_follow_up_of_a_missing_file_refused_leaving_nothing(tmp_path: Path) -> None:
    new = tmp_path / "new.db"
    with pytest.raises(WorkshopError, match="does not exist"):
        Workshop.create(new, title="New", follow_up=tmp_path / "missing.db")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content",
    [b"just some text, not a database\n", b"", "sqlite without workshop"],
    ids=["text", "empty", "other-sqlite"],
)
def test_follow_up_of_a_non_workshop_file_refused_leaving_nothing(
    tmp_path: Path, content: bytes | str
) -> None:
    other = tmp_path / "other.db"
    if isinstance(content, bytes):
        other.write_bytes(content)
    else:
        conn = sqlite3.connect(other)
        conn.execute("create table notes (text)")
        conn.execute("insert into notes values ('hello')")
        conn.commit()
        conn.close()
    before = other.read_bytes()
    new = tmp_path / "new.db"
    with pytest.raises(WorkshopError) as caught:
        Workshop.create(new, title="New", follow_up=other)
    assert "other.db" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]
    assert other.read_bytes() == before


def test_follow_up_onto_the_same_path_refused(previous: Path) -> None:
    before = previous.read_bytes()
    with pytest.raises(WorkshopError, match="new file"):
        Workshop.create(previous, title="Again", follow_up=previous)
    same_by_another_name = previous.parent / "." / previous.name
    with pytest.raises(WorkshopError, match="new file"):
        Workshop.create(same_by_another_name, title="Again", follow_up=previous)
    assert previous.read_bytes() == before
    assert sorted(p.name for p in previous.parent.iterdir()) == ["q3.db"]


def test_follow_up_onto_an_existing_file_refused(tmp_path: Path, previous: Path) -> None:
    taken = tmp_path / "taken.db"
    with Workshop.create(taken, title="Taken"):
        pass
    before = taken.read_bytes()
    with pytest.raises(WorkshopError, match="already exists"):
        Workshop.create(taken, title="Q4", follow_up=previous)
    assert taken.read_bytes() == before


def test_follow_up_with_a_bad_title_leaves_nothing(tmp_path: Path, previous: Path) -> None:
    new = tmp_path / "new.db"
    with pytest.raises(PlanError, match="title"):
        Workshop.create(new, title="   ", follow_up=previous)
    assert not new.exists()


def test_json_round_trip_keeps_previous_status(tmp_path: Path, previous: Path) -> None:
    followed = tmp_path / "q4.db"
    with Workshop.create(followed, title="Q4", follow_up=previous) as ws:
        ws.update_action(ws.actions()[1].id, status="done")
        exported = json.loads(ws.export("json"))
        original = [
            (a.proposal, a.owner, a.due, a.kpi, a.status, a.previous_status) for a in ws.actions()
        ]
    assert [a["previous_status"] for a in exported["actions"]] == ["planned", "doing", "planned"]
    assert [a["status"] for a in exported["actions"]] == ["planned", "done", "planned"]
    assert exported["workshop"]["follows"] == "Q3 customer chain"

    with Workshop.create(tmp_path / "copy.db", title="Copy", plan=exported) as copy:
        actions = copy.actions()
        assert [
            (a.proposal, a.owner, a.due, a.kpi, a.status, a.previous_status) for a in actions
        ] == original
        assert [a.moved for a in actions] == [False, True, False]
        again = json.loads(copy.export("json"))
    for key in (
        "groups",
        "customers",
        "handoffs",
        "touchpoints",
        "contributions",
        "participants",
        "proposals",
        "actions",
    ):
        assert again[key] == exported[key], key


def test_import_refuses_an_unknown_previous_status(tmp_path: Path) -> None:
    plan = {
        "groups": [{"name": "IT"}],
        "actions": [{"owner": "IT", "due": "2026-12-01", "previous_status": "finished"}],
    }
    path = tmp_path / "bad.db"
    with pytest.raises(PlanError, match="previous_status"):
        Workshop.create(path, title="Bad", plan=plan)
    assert not path.exists()
