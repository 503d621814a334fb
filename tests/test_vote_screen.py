"""Pilot tests of the vote phase: participants place and take back dots with the keyboard,
the facilitator opens, reveals, closes and runs a runoff, and nothing private shows where it
must not."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from screens.app import WorkshopApp
from workshop import Workshop
from workshop.demo import open_demo

SIZE = (120, 40)


def columns(app: WorkshopApp) -> list[str]:
    table = app.screen.query_one("#vote-table", DataTable)
    return [str(c.label) for c in table.columns.values()]


def cells(app: WorkshopApp) -> list[list[str]]:
    table = app.screen.query_one("#vote-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def last_notice(app: WorkshopApp) -> str:
    return list(app._notifications)[-1].message


def shown(app: WorkshopApp, widget_id: str) -> str:
    return str(app.screen.query_one(f"#{widget_id}", Static).render())


def demo(tmp_path: Path, **vote) -> tuple[Workshop, int]:
    ws = open_demo(tmp_path / "demo.db")
    ws.update_info(phase="vote")
    return ws, ws.open_vote(**vote)


async def test_participant_places_and_takes_back_dots(tmp_path: Path) -> None:
    ws, round_id = demo(tmp_path, votes_per_person=3, max_per_item=2)
    me = ws.join("Ann")
    first, second = [p.id for p in ws.proposals()][:2]
    app = WorkshopApp(ws, facilitator=False, participant_id=me)
    async with app.run_test(size=SIZE) as pilot:
        assert "3 of 3 left" in shown(app, "my-dots")
        await pilot.press("space", "space")
        assert ws.ballot(round_id, me).dots == {first: 2}
        await pilot.press("space")  # a third dot on one proposal is over the cap of 2
        await pilot.pause()
        assert ws.ballot(round_id, me).dots == {first: 2}
        assert "At most 2 dots on one proposal" in last_notice(app)
        await pilot.press("down", "space")
        assert ws.ballot(round_id, me).dots == {first: 2, second: 1}
        assert "0 of 3 left" in shown(app, "my-dots")
        await pilot.press("up", "space")  # over budget: refused, nothing stored
        await pilot.pause()
        assert ws.ballot(round_id, me).used == 3
        assert "No dots left" in last_notice(app)
        await pilot.press("minus")
        assert ws.ballot(round_id, me).dots == {first: 1, second: 1}
        assert "1 of 3 left" in shown(app, "my-dots")
        assert cells(app)[0][3] == "●"  # the participant's own dots, on their own screen
        assert "Votes" not in columns(app)  # hidden round: no tallies
    ws.close()


async def test_facilitator_opens_a_round_participant_votes_facilitator_reveals(
    tmp_path: Path,
) -> None:
    ws = open_demo(tmp_path / "d.db")
    ws.update_info(phase="vote")
    projector = WorkshopApp(ws)
    async with projector.run_test(size=SIZE) as pilot:
        assert "No vote yet" in shown(projector, "round-status")
        await pilot.press("o")
        await pilot.pause()
        form = projector.screen
        form.query_one("#budget").value = "2"
        await pilot.press("ctrl+s")
        await pilot.pause()
        (round_,) = ws.rounds()
        assert round_.hidden and round_.votes_per_person == 2 and round_.state == "open"

        # A participant in their own connection to the same file votes.
        other = Workshop.open(tmp_path / "d.db")
        me = other.join("Bea")
        participant = WorkshopApp(other, facilitator=False, participant_id=me)
        async with participant.run_test(size=SIZE) as p2:
            await p2.press("space", "down", "space")
            assert other.ballot(round_.id, me).used == 2
            assert "Votes" not in columns(participant)
        other.close()

        projector.refresh_workshop()
        await pilot.pause()
        assert "1 person has voted" in shown(projector, "round-status")
        assert "Votes" not in columns(projector) and "Yours" not in columns(projector)
        assert all("1" not in row[3:] for row in cells(projector))
        await pilot.press("r")
        await pilot.pause()
        assert ws.vote_round(round_.id).state == "revealed"
        assert columns(projector)[-3:] == ["Votes", "Voters", "Tie"]
        assert "Yours" not in columns(projector)
        top = cells(projector)[:2]
        assert [row[3:5] for row in top] == [["1", "1"], ["1", "1"]]
        assert all("tie" in row[5] for row in top)
        await pilot.press("c")
        await pilot.pause()
        assert ws.vote_round(round_.id).state == "closed"
    ws.close()


async def test_runoff_over_a_tie_in_one_key(tmp_path: Path) -> None:
    ws, round_id = demo(tmp_path, hidden=False)
    people = [p.id for p in ws.participants()]
    first, second, third = [p.id for p in ws.proposals()][:3]
    for person, proposal in zip(people[:4], [first, second, first, second], strict=True):
        ws.cast_vote(round_id, person, proposal)
    ws.cast_vote(round_id, people[5], third)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        assert [row[5].strip() for row in cells(app)[:3]] == ["= tie", "= tie", ""]
        await pilot.press("f")
        await pilot.pause()
        old, runoff = ws.rounds()
        assert old.state == "closed"
        assert runoff.proposal_ids == (first, second) and runoff.runoff_of == old.id
        assert "Round 2 of 2" in shown(app, "round-status")
        assert len(cells(app)) == 2
        await pilot.press("n")  # the earlier round can still be read
        assert "Round 1 of 2" in shown(app, "round-status")
    ws.close()


async def test_participant_cannot_lead_the_room(tmp_path: Path) -> None:
    ws, round_id = demo(tmp_path)
    me = ws.join("Cy")
    app = WorkshopApp(ws, facilitator=False, participant_id=me)
    async with app.run_test(size=SIZE) as pilot:
        for key in ("o", "r", "c", "f", "a", "right_square_bracket", "3", "u", "full_stop"):
            await pilot.press(key)  # "3" only looks back at phase 3; "." returns to the room
            await pilot.pause()
        assert ws.vote_round(round_id).state == "open" and len(ws.rounds()) == 1
        assert ws.info().phase == "vote" and type(app.screen).__name__ == "VoteScreen"
        offered = {a.binding.action for a in app.screen.active_bindings.values()}
        assert "place_dot" in offered
        assert not offered & {"open_vote", "reveal_vote", "close_vote", "runoff", "undo"}
    ws.close()


async def test_projector_casts_no_dots(tmp_path: Path) -> None:
    ws, round_id = demo(tmp_path)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "plus")
        await pilot.pause()
        assert ws.db["votes"].count == 0
        assert "Participants vote from their own screens" in shown(app, "my-dots")
    ws.close()


async def test_make_an_action_from_the_winner(tmp_path: Path) -> None:
    ws, round_id = demo(tmp_path, hidden=False)
    people = [p.id for p in ws.participants()]
    winner = ws.proposals()[4]
    ws.cast_vote(round_id, people[0], winner.id)
    ws.close_vote(round_id)
    before = len(ws.actions())
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        assert cells(app)[0][1].startswith(winner.title[:20])
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert form.query_one("#owner").value == winner.owner_id
        form.query_one("#due").value = "2027-05-31"
        form.query_one("#kpi").value = "Callbacks within 2 hours"
        await pilot.press("ctrl+s")
        await pilot.pause()
    actions = ws.actions()
    assert len(actions) == before + 1
    new = actions[-1]
    assert (new.proposal_id, new.owner_id, new.due, new.status) == (
        winner.id,
        winner.owner_id,
        "2027-05-31",
        "planned",
    )
    ws.close()
