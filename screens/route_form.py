"""The routing dialog: which groups a customer comment concerns. The groups in the onion of the
comment's touchpoint are suggested; the facilitator confirms or changes the choice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from screens.widgets.plain import PlainSelectionList, PlainStatic
from screens.widgets.record_form import RecordForm
from workshop import Group
from workshop.model import Comment


class RouteForm(RecordForm):
    """Tick the groups a comment is routed to (space toggles); ctrl+s saves."""

    CSS_PATH = [
        Path(__file__).with_name("widgets") / "record_form.tcss",
        Path(__file__).with_suffix(".tcss"),
    ]

    def __init__(
        self,
        save: Callable[[list[int]], None],
        comment: Comment,
        groups: list[Group],
        suggested: list[tuple[int, str, int]],
    ) -> None:
        super().__init__(save)
        self.comment = comment
        self.groups = groups
        self.suggested = {gid: layer for gid, _, layer in suggested}
        self.ticked = set(comment.routed_ids) if comment.routed_ids else set(self.suggested)

    def compose(self) -> ComposeResult:
        where = f" at “{self.comment.touchpoint}”" if self.comment.touchpoint else ""
        with VerticalScroll(id="form"):
            yield PlainStatic(f"Route the comment{where}", id="form-title")
            yield PlainStatic(f"“{self.comment.text}”", id="route-text")
            yield PlainStatic(
                "★ = in this touchpoint's onion (layer 0 owns it). "
                + (
                    "Ticked: where it is routed now."
                    if self.comment.routed_ids
                    else "The suggested groups are ticked."
                )
                + " Space ticks or unticks.",
                classes="route-hint",
            )
            yield PlainSelectionList(
                *[
                    Selection(self._label(g), g.id, g.id in self.ticked)
                    for g in sorted(self.groups, key=self._order)
                ],
                id="routes",
            )
            yield PlainStatic(id="route-summary")
            yield from self.compose_footer()

    def _order(self, group: Group) -> tuple[int, int, str]:
        layer = self.suggested.get(group.id)
        return (layer is None, layer or 0, group.name.casefold())

    def _label(self, group: Group) -> Text:
        layer = self.suggested.get(group.id)
        if layer is None:
            return Text(group.name)
        return Text.assemble(
            (f"★ {group.name}", "bold"), f"  (layer {layer}{', owner' if layer == 0 else ''})"
        )

    def on_mount(self) -> None:
        self.query_one("#routes").focus()
        self._summarise()

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        self._summarise()

    def _summarise(self) -> None:
        """Say in words which groups are ticked, so the choice reads without colour."""
        chosen = set(self.draft())
        names = [g.name for g in sorted(self.groups, key=self._order) if g.id in chosen]
        self.query_one("#route-summary", Static).update(
            "Routed to: " + (", ".join(names) if names else "nobody")
        )

    def draft(self) -> list[int]:
        return list(self.query_one("#routes", SelectionList).selected)
