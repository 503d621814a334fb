"""Snapshot tests: each screen's look at 120x40, pinned. Each pairs with Pilot tests that
assert the behaviour (tests/test_groups_screen.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import Input

from screens.app import WorkshopApp
from workshop import Workshop
from workshop.demo import open_demo

SIZE = (120, 40)


@pytest.fixture
def demo_app(tmp_path: Path):
    ws = open_demo(tmp_path / "demo.db")
    yield WorkshopApp(ws)
    ws.close()


async def no_blink(pilot) -> None:
    """Stop text cursors blinking so that the picture is stable."""
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()


class TestGroupsAndRoles:
    """The Groups & roles phase of the demo workshop."""

    def test_demo_groups_on_the_projector(self, snap_compare, demo_app):
        """The first screen a newcomer sees: every group, kind, role and distance."""
        assert snap_compare(demo_app, terminal_size=SIZE)

    def test_orphan_group_highlighted(self, snap_compare, demo_app):
        """Moving to the group no chain connects shows it flagged in the detail pane."""

        async def run_before(pilot) -> None:
            await pilot.pause()  # the first screen is shown on the app's first message
            orphan = next(g for g in demo_app.ws.groups() if g.is_orphan)
            table = pilot.app.screen.query_one("#groups")
            table.move_cursor(row=table.get_row_index(str(orphan.id)))
            await pilot.pause()

        assert snap_compare(demo_app, terminal_size=SIZE, run_before=run_before)

    def test_add_group_form(self, snap_compare, demo_app):
        """The add form, with a name typed."""

        async def run_before(pilot) -> None:
            await pilot.press("a", *"Legal")
            await no_blink(pilot)

        assert snap_compare(demo_app, terminal_size=SIZE, run_before=run_before)

    def test_delete_confirmation(self, snap_compare, demo_app):
        """Deleting asks first and says what goes with the group."""
        assert snap_compare(demo_app, terminal_size=SIZE, press=["d"])


class TestShell:
    """The app shell: help and a phase whose screen comes later."""

    def test_help_screen(self, snap_compare, demo_app):
        """The help screen lists every key."""
        assert snap_compare(demo_app, terminal_size=SIZE, press=["question_mark"])

    def test_projector_dark_theme(self, snap_compare, demo_app):
        """The dark high-contrast theme, chosen from the command palette."""

        async def run_before(pilot) -> None:
            pilot.app.action_toggle_projector_theme()
            await pilot.pause()

        assert snap_compare(demo_app, terminal_size=SIZE, run_before=run_before)


class TestCustomersAndHandoffs:
    """The customers & hand-offs phase of the demo workshop: its three views."""

    def test_whom_we_serve(self, snap_compare, demo_app):
        """Sales picked: whom it serves, its suppliers, the highlighted hand-off in full."""
        assert snap_compare(demo_app, terminal_size=SIZE, press=["3"])

    def test_perception_gap(self, snap_compare, demo_app):
        """Hand-offs ranked by gap, largest first, and each group's average."""
        assert snap_compare(demo_app, terminal_size=SIZE, press=["3", "p"])

    def test_customer_chain(self, snap_compare, demo_app):
        """Customers at the roots, the groups that serve them below, the orphan flagged."""
        assert snap_compare(demo_app, terminal_size=SIZE, press=["3", "t"])

    def test_rating_form(self, snap_compare, demo_app):
        """r on a hand-off opens the form at the ratings."""

        async def run_before(pilot) -> None:
            await pilot.press("3", "tab", "r")
            await no_blink(pilot)

        assert snap_compare(demo_app, terminal_size=SIZE, run_before=run_before)


class TestTouchpointOnion:
    """The touchpoint onion phase of the demo workshop: its three views and the layer form."""

    def test_touchpoints_by_customer(self, snap_compare, demo_app):
        """Every touchpoint with its customer, owner, channel, depth and weak links."""
        assert snap_compare(demo_app, terminal_size=SIZE, press=["4"])

    def test_onion_of_a_touchpoint(self, snap_compare, demo_app):
        """First sales visit peeled three layers deep; IT's layer highlighted in the detail."""
        assert snap_compare(
            demo_app,
            terminal_size=SIZE,
            press=["4", "enter", "down", "down", "down", "down", "down"],
        )

    def test_where_a_group_touches_the_customer(self, snap_compare, demo_app):
        """IT's reach: each touchpoint at its layer, and the weakening links it owns."""

        async def run_before(pilot) -> None:
            await pilot.press("4", "g")
            picker = pilot.app.screen.query_one("#group-picker")
            picker.highlighted = picker.get_option_index(str(demo_app.ws.lookup_id("groups", "IT")))
            await pilot.pause()

        assert snap_compare(demo_app, terminal_size=SIZE, run_before=run_before)

    def test_add_layer_form(self, snap_compare, demo_app):
        """Adding a layer asks "whom does this help?" with only valid choices."""

        async def run_before(pilot) -> None:
            await pilot.press("4", "enter", "a")
            await no_blink(pilot)

        assert snap_compare(demo_app, terminal_size=SIZE, run_before=run_before)


class TestCustomerComments:
    """The customer comments phase of the demo workshop."""

    def test_all_comments(self, snap_compare, demo_app):
        """Every comment newest first, its sentiment in words, and where it is routed."""
        assert snap_compare(demo_app, terminal_size=SIZE, press=["5"])

    def test_group_stream(self, snap_compare, demo_app):
        """A group's own stream with counts by sentiment."""
        assert snap_compare(demo_app, terminal_size=SIZE, press=["5", "g", "down", "down"])

    def test_route_dialog(self, snap_compare, demo_app):
        """Routing suggests the groups of the touchpoint's onion, by layer."""
        assert snap_compare(demo_app, terminal_size=SIZE, press=["5", "down", "r"])


def demo_with_votes(tmp_path: Path, *, reveal: bool):
    """The demo with a hidden round in which four participants placed their dots, leaving the
    first two proposals tied; revealed when asked."""
    ws = open_demo(tmp_path / "demo.db")
    round_id = ws.open_vote()
    people = [p.id for p in ws.participants()][:4]
    first, second, third = [p.id for p in ws.proposals()][:3]
    for person, dots in zip(people, [[first, first, second], [second, second, first],
                                     [third, first], [second]], strict=True):  # fmt: skip
        for proposal in dots:
            ws.cast_vote(round_id, person, proposal)
    if reveal:
        ws.reveal_vote(round_id)
    return ws, people


class TestProposals:
    """The proposals phase of the demo workshop."""

    def test_proposal_list(self, snap_compare, demo_app):
        """Every proposal with its owner, whom it benefits, impact and effort."""
        assert snap_compare(demo_app, terminal_size=SIZE, press=["6"])

    def test_impact_effort_grid(self, snap_compare, demo_app):
        """The proposals laid out by impact and effort, the corners named."""
        assert snap_compare(demo_app, terminal_size=SIZE, press=["6", "m"])

    def test_add_proposal_form(self, snap_compare, demo_app):
        """Proposing a change: owner, beneficiary, touchpoint, what it answers."""

        async def run_before(pilot) -> None:
            await pilot.press("6", "a", *"Weekend hotline")
            await no_blink(pilot)

        assert snap_compare(demo_app, terminal_size=SIZE, run_before=run_before)


class TestVote:
    """Dot voting: what the projector, a participant and the revealed round show."""

    def test_projector_shows_no_hidden_tallies(self, snap_compare, tmp_path):
        """While the round is hidden the projector shows who may vote, never counts."""
        ws, _ = demo_with_votes(tmp_path, reveal=False)
        assert snap_compare(WorkshopApp(ws), terminal_size=SIZE, press=["7"])
        ws.close()

    def test_participant_sees_own_dots(self, snap_compare, tmp_path):
        """A participant sees their own dots and how many are left, and no tallies."""
        ws, people = demo_with_votes(tmp_path, reveal=False)
        ws.update_info(phase="vote")
        app = WorkshopApp(ws, facilitator=False, participant_id=people[3])
        assert snap_compare(app, terminal_size=SIZE)
        ws.close()

    def test_revealed_round_with_a_tie(self, snap_compare, tmp_path):
        """Revealed: ranked by dots then voters, the tie flagged for a runoff."""
        ws, _ = demo_with_votes(tmp_path, reveal=True)
        assert snap_compare(WorkshopApp(ws), terminal_size=SIZE, press=["7"])
        ws.close()

    def test_open_vote_form(self, snap_compare, demo_app):
        """Opening a round: question, proposals, dots per person and per proposal, hidden."""

        async def run_before(pilot) -> None:
            await pilot.press("7", "o")
            await no_blink(pilot)

        assert snap_compare(demo_app, terminal_size=SIZE, run_before=run_before)


class TestActionPlans:
    """Action plans and the review of a follow-up workshop."""

    def test_action_plans(self, snap_compare, tmp_path):
        """Each action's proposal, owner, due date (overdue marked), KPI and status."""
        ws = open_demo(tmp_path / "demo.db")
        app = WorkshopApp(ws, today=dt.date(2027, 2, 10))
        assert snap_compare(app, terminal_size=SIZE, press=["8"])
        ws.close()

    def test_follow_up_review(self, snap_compare, tmp_path):
        """A follow-up workshop opens on last time's open actions, one moved."""
        open_demo(tmp_path / "demo.db").close()
        ws = Workshop.create(
            tmp_path / "next.db", title="Q1 follow-up", follow_up=tmp_path / "demo.db"
        )
        first = ws.actions()[0]
        ws.update_action(first.id, status="done", notes="Rolled out to every queue.")
        app = WorkshopApp(ws, today=dt.date(2027, 2, 10))
        assert snap_compare(app, terminal_size=SIZE)
        ws.close()


class TestSummary:
    """The summary phase: the Markdown export, laid out for reading."""

    def test_summary_phase(self, snap_compare, demo_app):
        """Title, participants by group and the groups, as a manager would read them."""

        async def run_before(pilot) -> None:
            await pilot.press("9")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

        assert snap_compare(demo_app, terminal_size=SIZE, run_before=run_before)
