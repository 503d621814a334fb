"""Phase "review" of a follow-up workshop: the actions still open at the previous workshop,
whose status and notes the room updates first."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.binding import Binding

from screens.actions_screen import STATUS_MARKS, ActionsScreen, due_label
from screens.phase_screen import PhaseScreen
from workshop.model import Action


class ReviewScreen(ActionsScreen):
    """The carried actions with their status then and now; s moves the status, e edits notes."""

    CSS_PATH = [PhaseScreen.CSS_PATH, Path(__file__).with_suffix(".tcss")]
    PHASE = "review"
    HEADING = "Review: what happened to last time's actions?"
    COLUMNS = [
        ("Proposal", 26, 3),
        ("Owner", 12, 1),
        ("Due", 12),
        ("Was", 10),
        ("Now", 10),
    ]
    BINDINGS = [
        Binding(
            "s",
            "next_status",
            "Status",
            id="review.status",
            tooltip="Move the highlighted action to its next status",
        ),
        Binding(
            "e,enter",
            "edit_action",
            "Notes",
            id="review.edit",
            tooltip="Update the highlighted action's status, notes or due date",
        ),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Planning and deleting belong to the action-plans phase, not the review."""
        if action in ("plan_winner", "add_action", "delete_action"):
            return False
        return super().check_action(action, parameters)

    def load_actions(self) -> list[Action]:
        return [a for a in self.ws.actions() if a.carried]

    def headline(self) -> str:
        follows = self.ws.info().follows
        if follows is None:
            return (
                "This workshop does not follow an earlier one, so there is nothing to review. "
                "Start the next one with: workshop new NEXT.db --title … --follow-up THIS.db"
            )
        if not self.rows:
            return f"“{follows}” left no open actions to review."
        moved = sum(a.moved for a in self.rows)
        return f"{len(self.rows)} action(s) carried over from “{follows}”; {moved} moved so far."

    def cells(self, action: Action) -> list[str | Text]:
        now = Text(STATUS_MARKS[action.status], style="bold" if action.moved else "")
        return [
            Text(action.proposal or "(no proposal)"),
            Text(action.owner or "—"),
            due_label(action, self.today),
            STATUS_MARKS[action.previous_status or action.status],
            now,
        ]
