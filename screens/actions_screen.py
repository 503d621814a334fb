"""Phase "action plans": the winning proposals turned into actions, each with one owning group,
a due date, a KPI and a status."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from screens.action_form import ActionDraft, ActionForm
from screens.phase_screen import PhaseScreen, data_table
from screens.widgets.plain import PlainStatic
from screens.widgets.short_text import cut
from workshop.model import Action, Proposal
from workshop.vocabulary import STATUSES

STATUS_MARKS = {
    "planned": "○ planned",
    "doing": "◐ doing",
    "done": "● done",
    "dropped": "✖ dropped",
}


def is_overdue(action: Action, today: dt.date) -> bool:
    """Due before today and not finished."""
    return (
        action.status in ("planned", "doing")
        and action.due is not None
        and action.due < today.isoformat()
    )


def due_label(action: Action, today: dt.date) -> Text:
    """The due date, marked (in words as well as colour) when overdue."""
    if action.due is None:
        return Text("—")
    if is_overdue(action, today):
        return Text(f"⚠ {action.due}", style="bold red")
    return Text(action.due)


def next_status(status: str) -> str:
    return STATUSES[(STATUSES.index(status) + 1) % len(STATUSES)]


class ActionsScreen(PhaseScreen):
    """List, plan, edit and delete actions; move their status along with one key."""

    CSS_PATH = [PhaseScreen.CSS_PATH, Path(__file__).with_suffix(".tcss")]
    PHASE = "action plans"
    HEADING = "Action plans: who does what by when, and how we will know"
    COLUMNS = [("Proposal", 22, 3), ("Owner", 12, 1), ("Due", 12), ("KPI", 16, 2), ("Status", 10)]
    BINDINGS = [
        Binding(
            "w",
            "plan_winner",
            "From winners",
            id="actions.winner",
            tooltip="Plan an action for the next winning proposal of the vote",
        ),
        Binding("a", "add_action", "Add", id="actions.add", tooltip="Plan an action"),
        Binding(
            "e,enter",
            "edit_action",
            "Edit",
            id="actions.edit",
            tooltip="Edit the highlighted action",
        ),
        Binding(
            "s",
            "next_status",
            "Status",
            id="actions.status",
            tooltip="Move the highlighted action to its next status",
        ),
        Binding(
            "d,delete",
            "delete_action",
            "Delete",
            id="actions.delete",
            tooltip="Delete the highlighted action (asks first; undo with u)",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(name=self.PHASE)
        self.rows: list[Action] = []

    def compose_body(self) -> ComposeResult:
        yield PlainStatic(self.HEADING, classes="phase-title")
        yield PlainStatic(id="actions-title", classes="table-title")
        yield data_table("action-table", self.COLUMNS)
        yield PlainStatic(id="action-detail", classes="detail")

    def on_mount(self) -> None:
        self.query_one("#action-table").focus()

    # -- loading -------------------------------------------------------------------------

    @property
    def today(self) -> dt.date:
        return self.workshop_app.today()

    def load_actions(self) -> list[Action]:
        return self.ws.actions()

    def headline(self) -> str:
        if not self.rows:
            return "No actions yet. Press w to plan one for a winning proposal, or a to add one."
        counts = Counter(a.status for a in self.rows)
        overdue = sum(is_overdue(a, self.today) for a in self.rows)
        parts = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s])
        return f"{len(self.rows)} action(s): {parts}." + (
            f"  ⚠ {overdue} overdue." if overdue else ""
        )

    def cells(self, action: Action) -> list[str | Text]:
        return [
            Text(action.proposal or "(no proposal)"),
            Text(action.owner or "—"),
            due_label(action, self.today),
            Text(action.kpi or "—"),
            STATUS_MARKS[action.status],
        ]

    def refresh_data(self) -> None:
        self.rows = self.load_actions()
        self.query_one("#actions-title", Static).update(self.headline())
        table = self.query_one("#action-table", DataTable)
        row = table.cursor_row
        table.clear()
        for action in self.rows:
            table.add_row(*self.cells(action), key=str(action.id))
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        self.show_detail()

    def current(self) -> Action | None:
        table = self.query_one("#action-table", DataTable)
        if not self.rows or table.row_count == 0:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def show_detail(self) -> None:
        detail = self.query_one("#action-detail", Static)
        a = self.current()
        if a is None:
            detail.update("")
            return
        moved = ""
        if a.carried:
            moved = (
                f"\nWas {a.previous_status} at the last workshop; now {a.status}."
                if a.moved
                else f"\nStill {a.status}, as at the last workshop."
            )
        detail.update(
            Text.assemble(
                (a.proposal or "(no proposal)", "bold"),
                f"\nOwner: {a.owner or 'none'} · due {a.due or 'not set'} · {a.status}",
                "\nKPI: ",
                a.kpi or "not set",
                "\nNotes: ",
                a.notes or "none",
                moved,
            )
        )

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_edit_action()

    # -- actions -------------------------------------------------------------------------

    def _plan(self, proposal: Proposal | None, title: str | None = None) -> None:
        def save(draft: ActionDraft) -> None:
            self.ws.add_action(**draft.fields())
            self.app.notify("Planned the action.")

        self.app.push_screen(
            ActionForm(
                save, self.ws.proposals(), self.ws.groups(), from_proposal=proposal, title=title
            ),
            self._after_form,
        )

    def action_add_action(self) -> None:
        self._plan(None)

    def winners(self) -> list[Proposal]:
        """Proposals of the latest round with visible tallies, best first, that got dots and
        have no action yet."""
        rounds = [r for r in self.ws.rounds() if r.shows_tallies]
        if not rounds:
            return []
        planned = {a.proposal_id for a in self.ws.actions()}
        by_id = {p.id: p for p in self.ws.proposals()}
        return [
            by_id[r.proposal_id]
            for r in self.ws.results(rounds[-1].id)
            if r.votes > 0 and r.proposal_id not in planned and r.proposal_id in by_id
        ]

    def action_plan_winner(self) -> None:
        winners = self.winners()
        if not winners:
            shown = [r for r in self.ws.rounds() if r.shows_tallies]
            self.app.notify(
                f"Every proposal that got dots in “{cut(shown[-1].question, 50)}” has an action "
                "already; press a to plan one by hand."
                if shown
                else "No vote's tallies are shown yet: reveal or close a vote first (phase 7).",
                severity="warning",
            )
            return
        self._plan(winners[0], f"Turn the winner “{cut(winners[0].title, 50)}” into an action")

    def action_edit_action(self) -> None:
        action = self.current()
        if action is None:
            self.app.notify("No action is highlighted.", severity="warning")
            return
        action = self.editable(action)

        def save(draft: ActionDraft) -> None:
            self.ws.update_action(action.id, **draft.fields())
            self.app.notify("Saved the action.")

        self.app.push_screen(
            ActionForm(save, self.ws.proposals(), self.ws.groups(), action), self._after_form
        )

    def action_next_status(self) -> None:
        action = self.current()
        if action is None:
            self.app.notify("No action is highlighted.", severity="warning")
            return
        status = next_status(action.status)
        self.ws.update_action(action.id, status=status)
        self.refresh_data()
        self.app.notify(f"“{cut(action.proposal or 'The action', 40)}” is now {status}.")

    def action_delete_action(self) -> None:
        action = self.current()
        if action is None:
            self.app.notify("No action is highlighted.", severity="warning")
            return
        action = self.fresh(action)
        self.confirm_and_delete(
            f"Delete the action “{cut(action.proposal or action.kpi, 50)}”?",
            "You can undo this with u.",
            lambda: self.ws.delete_action(action.id),
            "Deleted the action.",
        )
