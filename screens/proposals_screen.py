"""Phase "proposals": the process and policy changes the groups propose, listed with what they
answer, and laid out by impact and effort for discussion."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from screens.phase_screen import PhaseScreen, data_table
from screens.proposal_form import ProposalChoices, ProposalDraft, ProposalForm
from screens.widgets.plain import PlainStatic
from screens.widgets.short_text import cut
from workshop.model import Proposal

# The corners of the impact × effort grid get the names rooms use for them.
CORNERS = {
    ("high", "low"): "Quick wins",
    ("high", "high"): "Big bets",
    ("low", "low"): "Fill-ins",
    ("low", "high"): "Money pits",
}
CELL_LINES = 4  # the titles a cell shows before its size is known


class GridCell(PlainStatic):
    """One cell of the impact × effort grid: its corner's name, then one line per proposal
    cut at a word to the cell's width, as many as its height holds, and "+N more" for the
    rest (never a proposal dropped without saying so)."""

    def __init__(self, **options: object) -> None:
        super().__init__("", **options)  # type: ignore[arg-type]
        self.heading: str | None = None
        self.titles: list[str] = []

    def show(self, heading: str | None, titles: list[str]) -> None:
        self.heading, self.titles = heading, titles
        self.draw()

    def on_resize(self) -> None:
        self.draw()

    def draw(self) -> None:
        width, height = self.content_size
        if width <= 0 or height <= 0:  # not laid out yet: a first guess, redrawn on resize
            width, height = 48, CELL_LINES + 2
        text = Text()
        if self.heading:
            text.append(f"{self.heading}\n", style="bold")
            height -= 1
        titles = self.titles
        room = height if len(titles) <= height else max(height - 1, 0)
        for title in titles[:room]:
            text.append(f"• {cut(title, max(width - 2, 4))}\n")
        if len(titles) > room:
            more = f"+{len(titles) - room} more"
            text.append(more if room else f"{len(titles)} proposals", style="italic")
        self.update(text)


def answers(proposal: Proposal) -> str:
    """What the proposal answers, in words ("" when nothing in particular)."""
    parts = []
    if proposal.weak_link:
        parts.append(f"the link {proposal.weak_link}")
    if proposal.comment:
        parts.append(f"“{cut(proposal.comment, 40)}”")
    return " and ".join(parts)


class ProposalsScreen(PhaseScreen):
    """List, add, edit and delete proposals; see them on an impact × effort grid."""

    CSS_PATH = [PhaseScreen.CSS_PATH, Path(__file__).with_suffix(".tcss")]
    PHASE = "proposals"
    BINDINGS = [
        Binding("l", "show_tab('list')", "List", id="proposals.list", tooltip="List proposals"),
        Binding(
            "m",
            "show_tab('grid')",
            "Impact×effort",
            id="proposals.grid",
            tooltip="Show proposals by impact and effort",
        ),
        Binding("a", "add_proposal", "Add", id="proposals.add", tooltip="Propose a change"),
        Binding(
            "e,enter",
            "edit_proposal",
            "Edit",
            id="proposals.edit",
            tooltip="Edit the highlighted proposal",
        ),
        Binding(
            "d,delete",
            "delete_proposal",
            "Delete",
            id="proposals.delete",
            tooltip="Delete the highlighted proposal (asks first; undo with u)",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(name=self.PHASE)
        self.rows: list[Proposal] = []

    def compose_body(self) -> ComposeResult:
        yield PlainStatic("Proposals: what will we change?", classes="phase-title")
        with TabbedContent(initial="list", id="views"):
            with TabPane("List (l)", id="list"):
                yield PlainStatic(id="list-title", classes="table-title")
                yield data_table(
                    "proposal-table",
                    [
                        ("Proposal", 30, 3),
                        ("Owner", 12, 1),
                        ("Benefits", 12, 1),
                        ("Impact", 6),
                        ("Effort", 6),
                    ],
                )
                yield PlainStatic(id="proposal-detail", classes="detail")
            with TabPane("Impact × effort (m)", id="grid"):
                yield PlainStatic(
                    "Rows: impact, high at the top. Columns: effort, low on the left.",
                    classes="legend",
                )
                with Grid(id="matrix"):
                    yield PlainStatic("", classes="corner")
                    for effort in ("low", "medium", "high"):
                        yield PlainStatic(f"effort: {effort}", classes="axis")
                    for impact in ("high", "medium", "low"):
                        yield PlainStatic(f"impact:\n{impact}", classes="axis")
                        for effort in ("low", "medium", "high"):
                            yield GridCell(id=f"cell-{impact}-{effort}", classes="cell")

    def on_mount(self) -> None:
        self.query_one("#proposal-table").focus()

    def refresh_data(self) -> None:
        self.rows = self.ws.proposals()
        self.query_one("#list-title", Static).update(
            f"{len(self.rows)} proposal(s). Press a to propose a change, m for the grid."
            if self.rows
            else "No proposals yet. Press a to propose a change."
        )
        table = self.query_one("#proposal-table", DataTable)
        row = table.cursor_row
        table.clear()
        for p in self.rows:
            table.add_row(
                Text(p.title),
                Text(p.owner or "—"),
                Text(p.beneficiary or "—"),
                p.impact,
                p.effort,
                key=str(p.id),
            )
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        for (impact, effort), found in self.ws.impact_effort().items():
            cell = self.query_one(f"#cell-{impact}-{effort}", GridCell)
            cell.show(CORNERS.get((impact, effort)), [p.title for p in found])
        self.show_detail()

    def current(self) -> Proposal | None:
        table = self.query_one("#proposal-table", DataTable)
        if not self.rows or table.row_count == 0:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def show_detail(self) -> None:
        p = self.current()
        detail = self.query_one("#proposal-detail", Static)
        if p is None:
            detail.update("")
            return
        said = answers(p)
        detail.update(
            Text.assemble(
                (p.title, "bold"),
                "\n",
                p.description or "(no description)",
                "\n",
                f"Owner: {p.owner or 'not decided'} · benefits {p.beneficiary or 'not said'}"
                f" · impact {p.impact}, effort {p.effort}",
                f"\nAt the touchpoint {p.touchpoint}." if p.touchpoint else "",
                f"\nAnswers {said}." if said else "",
            )
        )

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_edit_proposal()

    # -- actions -------------------------------------------------------------------------

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        if tab == "list":
            self.query_one("#proposal-table").focus()

    def _choices(self) -> ProposalChoices:
        touchpoints = self.ws.touchpoints()
        return ProposalChoices(
            groups=self.ws.groups(),
            customers=self.ws.customers(),
            touchpoints=touchpoints,
            links=[link for t in touchpoints for link in self.ws.onion(t.id)],
            comments=self.ws.comments(),
        )

    def action_add_proposal(self) -> None:
        def save(draft: ProposalDraft) -> None:
            fields = draft.fields()
            self.ws.add_proposal(fields.pop("title"), **fields)
            self.app.notify(f"Added the proposal “{draft.title.strip()}”.")

        self.app.push_screen(ProposalForm(save, self._choices()), self._after_form)

    def action_edit_proposal(self) -> None:
        proposal = self.current()
        if proposal is None:
            self.app.notify("No proposal is highlighted.", severity="warning")
            return
        proposal = self.editable(proposal)

        def save(draft: ProposalDraft) -> None:
            self.ws.update_proposal(proposal.id, **draft.fields())
            self.app.notify("Saved the proposal.")

        self.app.push_screen(ProposalForm(save, self._choices(), proposal), self._after_form)

    def action_delete_proposal(self) -> None:
        proposal = self.current()
        if proposal is None:
            self.app.notify("No proposal is highlighted.", severity="warning")
            return
        proposal = self.fresh(proposal)
        self.confirm_and_delete(
            f"Delete the proposal “{cut(proposal.title, 50)}”?",
            "Its dots go with it; its actions stay, without a proposal. Undo with u.",
            lambda: self.ws.delete_proposal(proposal.id),
            "Deleted the proposal.",
        )
