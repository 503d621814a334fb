"""A participant who presses `e` on a record they may not change hears why at once, before
filling in a form that could never be saved (the store's `check_may_edit`, the same rule that
refuses the save); on their own group's record the form opens."""

from __future__ import annotations

import time
from pathlib import Path

from textual.widgets import DataTable

from screens.app import WorkshopApp
from screens.groups_screen import GroupsScreen
from screens.phase_screen import PhaseScreen
from screens.proposals_screen import ProposalsScreen
from screens.widgets.record_form import RecordForm
from workshop import Workshop
from workshop.demo import demo_plan

SIZE = (120, 40)


def participant(path: Path, name: str, group: str) -> tuple[Workshop, int]:
    ws = Workshop.open(path, actor=name)
    me = ws.join(name)
    ws.act_as_participant(me)
    ws.set_participant_group(me, ws.lookup_id("groups", group))
    return ws, me


async def until(pilot, condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)
    await pilot.wait_for_scheduled_animations()


def notices(app: WorkshopApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_editing_another_groups_role_is_refused_before_the_form(tmp_path: Path) -> None:
    Workshop.create(tmp_path / "w.db", title="Rules", plan=demo_plan()).close()
    ws, me = participant(tmp_path / "w.db", "Ann", "Sales")
    app = WorkshopApp(ws, facilitator=False, participant_id=me)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, GroupsScreen))
        screen = app.screen
        names = [g.name for g in screen.groups]
        screen.table.move_cursor(row=names.index("Warehouse"))
        await pilot.press("e")
        await until(pilot, lambda: any("only your group's" in n for n in notices(app)))
        assert isinstance(app.screen, PhaseScreen), "no form opens for another group's record"
        screen.table.move_cursor(row=names.index("Sales"))
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
    ws.close()


async def test_editing_someone_elses_proposal_is_refused_before_the_form(tmp_path: Path) -> None:
    Workshop.create(tmp_path / "w.db", title="Rules", plan=demo_plan()).close()
    with Workshop.open(tmp_path / "w.db") as facilitator:
        facilitator.update_info(phase="proposals")
    bea, bea_id = participant(tmp_path / "w.db", "Bea", "Warehouse")
    bea.add_proposal("Bea's own idea")
    bea.close()
    ws, me = participant(tmp_path / "w.db", "Ann", "Sales")
    app = WorkshopApp(ws, facilitator=False, participant_id=me)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ProposalsScreen))
        screen = app.screen
        titles = [p.title for p in screen.rows]
        screen.query_one("#proposal-table", DataTable).move_cursor(
            row=titles.index("Bea's own idea")
        )
        await pilot.press("e")
        await until(pilot, lambda: any("what you added" in n for n in notices(app)))
        assert isinstance(app.screen, PhaseScreen)
    ws.close()
