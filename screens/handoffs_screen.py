"""Phase "customers & hand-offs": whom each group serves, its suppliers, the perception gap and
the chain from every group to the paying customer."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, OptionList, Static, TabbedContent, TabPane, Tree
from textual.widgets.option_list import Option

from screens.customer_form import CustomerDraft, CustomerForm
from screens.handoff_form import HandoffDraft, HandoffForm
from screens.phase_screen import Columns, PhaseScreen, data_table
from screens.widgets.gap_label import gap_label, rating_label
from screens.widgets.plain import PlainOptionList, PlainStatic, PlainTree
from workshop import Group
from workshop.model import Customer, Handoff

GAP_LEGEND = (
    "Gap = our own rating − our customer's rating.  ▲ we rate ourselves higher than "
    "they do · ▼ lower · = agreed"
)


# The numbers of a hand-off table: they keep their columns; the names share the rest.
RATINGS: Columns = [("Self", 4), ("Theirs", 6), ("Gap", 7)]


class HandoffsScreen(PhaseScreen):
    """Pick a group; see and edit whom it serves and who supplies it; rank the perception gaps;
    read the customer chain as a tree."""

    CSS_PATH = [PhaseScreen.CSS_PATH, Path(__file__).with_suffix(".tcss")]
    PHASE = "customers & hand-offs"
    BINDINGS = [
        Binding(
            "s",
            "show_tab('serve')",
            "Serve",
            id="handoffs.serve",
            tooltip="Show whom the picked group serves, and its suppliers",
        ),
        Binding(
            "p",
            "show_tab('gap')",
            "Gaps",
            id="handoffs.gap",
            tooltip="Show the perception gaps, largest first",
        ),
        Binding(
            "t",
            "show_tab('chain')",
            "Chain",
            id="handoffs.chain",
            tooltip="Show the customer chain as a tree, and the groups it misses",
        ),
        Binding(
            "a",
            "add_handoff",
            "Add",
            id="handoffs.add",
            tooltip="Add a hand-off from the picked group",
        ),
        Binding(
            "e,enter",
            "edit_handoff",
            "Edit",
            id="handoffs.edit",
            tooltip="Edit the highlighted hand-off",
        ),
        Binding(
            "r",
            "rate_handoff",
            "Rate",
            id="handoffs.rate",
            tooltip="Enter the two ratings of the highlighted hand-off",
        ),
        Binding(
            "d,delete",
            "delete_handoff",
            "Delete",
            id="handoffs.delete",
            tooltip="Delete the highlighted hand-off (asks first; undo with u)",
        ),
        Binding(
            "n",
            "add_customer",
            "New customer",
            id="handoffs.customer",
            tooltip="Add a paying customer (segment)",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(name=self.PHASE)
        self.groups: list[Group] = []
        self.group_id: int | None = None
        self.rows: dict[str, list[Handoff]] = {"serves": [], "suppliers": [], "gaps": []}
        self.last_table = "serves"

    def compose_body(self) -> ComposeResult:
        yield PlainStatic("Customers & hand-offs", classes="phase-title")
        with TabbedContent(initial="serve", id="views"):
            with TabPane("Whom we serve (s)", id="serve"), Horizontal():
                yield PlainOptionList(id="picker")
                with Vertical(id="tables"):
                    yield PlainStatic(id="serves-title", classes="table-title")
                    yield data_table(
                        "serves",
                        [("To", 14, 1), ("Provides", 18, 2), *RATINGS],
                    )
                    yield PlainStatic(id="suppliers-title", classes="table-title")
                    yield data_table(
                        "suppliers",
                        [("From", 14, 1), ("Provides", 18, 2), *RATINGS],
                    )
                    yield PlainStatic(id="handoff-detail")
            with TabPane("Perception gap (p)", id="gap"):
                yield PlainStatic(GAP_LEGEND, classes="legend")
                with Vertical():
                    yield data_table("gaps", [("From", 14, 1), ("To", 14, 1), *RATINGS])
                    yield data_table(
                        "group-gaps",
                        [("Group", 16, 1), ("Avg gap", 7), ("Rated", 5), ("Unrated", 7)],
                    )
            with TabPane("Customer chain (t)", id="chain"):
                yield PlainStatic(id="orphans")
                yield PlainTree("Paying customers", id="chain-tree")

    def on_mount(self) -> None:
        self.query_one("#picker").focus()

    # -- loading -------------------------------------------------------------------------

    def refresh_data(self) -> None:
        """Reload every view from the workshop, keeping the picked group and the cursors."""
        self.groups = self.ws.groups()
        if self.group_id not in {g.id for g in self.groups}:
            self.group_id = self.groups[0].id if self.groups else None
        picker = self.query_one("#picker", OptionList)
        picker.clear_options()
        picker.add_options([Option(_picker_label(g), id=str(g.id)) for g in self.groups])
        if self.group_id is not None:
            picker.highlighted = [g.id for g in self.groups].index(self.group_id)
        self.load_group_tables()
        self.load_gaps()
        self.load_chain()

    def picked(self) -> Group | None:
        return next((g for g in self.groups if g.id == self.group_id), None)

    def load_group_tables(self) -> None:
        group = self.picked()
        name = group.name if group else "—"
        self.rows["serves"] = self.ws.handoffs_from(group.id) if group else []
        self.rows["suppliers"] = self.ws.handoffs_to(group.id) if group else []
        serves = self.rows["serves"]
        self.query_one("#serves-title", Static).update(
            f"{name} serves {len(serves)}: " + _customer_count(serves)
            if serves
            else f"{name} serves nobody yet. Press a to add whom it serves."
        )
        self.query_one("#suppliers-title", Static).update(
            f"Who hands work to {name} (its suppliers): {len(self.rows['suppliers'])}"
        )
        self._fill("serves", lambda h: (_receiver_label(h), h.provides))
        self._fill("suppliers", lambda h: (Text(h.provider), h.provides))
        self.show_detail()

    def _fill(self, table_id: str, first_cells) -> None:
        """Refill a hand-off table: its own first cells, then the ratings and the gap."""
        table = self.query_one(f"#{table_id}", DataTable)
        row = table.cursor_row
        table.clear()
        for h in self.rows[table_id]:
            table.add_row(
                *first_cells(h),
                rating_label(h.self_rating),
                rating_label(h.customer_rating),
                gap_label(h.gap),
                key=str(h.id),
            )
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))

    def load_gaps(self) -> None:
        self.rows["gaps"] = self.ws.perception_gaps()
        self._fill("gaps", lambda h: (h.provider, _receiver_label(h)))
        summary = self.query_one("#group-gaps", DataTable)
        summary.clear()
        for item in self.ws.group_gaps():
            summary.add_row(
                item.group.name,
                gap_label(item.average),
                str(item.rated),
                str(item.unrated),
                key=str(item.group.id),
            )

    def load_chain(self) -> None:
        from workshop.chain import customer_chain

        roots, orphans = customer_chain(self.ws)
        orphan_text = self.query_one("#orphans", Static)
        if orphans:
            names = ", ".join(g.name for g in orphans)
            orphan_text.update(
                f"✖ NOT CONNECTED to any paying customer: {names}.  "
                "No chain of hand-offs reaches a customer: whom do they serve?"
            )
            orphan_text.set_class(True, "warning")
        else:
            orphan_text.update("✔ Every group's work reaches a paying customer.")
            orphan_text.set_class(False, "warning")
        tree = self.query_one("#chain-tree", Tree)
        tree.clear()
        tree.root.expand()
        for root in roots:
            if root.more:
                tree.root.add_leaf(Text(f"{root.name} customers", style="italic"))
                continue
            branch = tree.root.add(
                Text(f"◆ {root.name}", style="bold"), data=CustomerNode(root.name), expand=True
            )
            self._add_chain(branch, root.children)
            if not root.children:
                branch.add_leaf(Text("nobody serves this customer yet", style="italic"))

    def _add_chain(self, branch, nodes) -> None:
        """Each group under every group it serves; one whose suppliers are shown elsewhere
        (see workshop.chain.ChainLink.seen) says where, and a stand-in counts what was left
        out."""
        for node in nodes:
            if node.more:
                branch.add_leaf(Text(node.name, style="italic"))
                continue
            seen = "above" if node.seen == "cycle" else node.seen
            label = Text.assemble(
                (f"{node.distance} ", "bold"),
                ("↻ " if node.seen == "cycle" else "", "bold"),
                (node.name, "bold"),
                (f" — {node.provides}" if node.provides else "", ""),
                (f" (see {seen})" if seen else "", "italic"),
            )
            if node.children:
                child = branch.add(label, expand=True)
                self._add_chain(child, node.children)
            else:
                branch.add_leaf(label)

    # -- the highlighted hand-off --------------------------------------------------------

    def current_handoff(self) -> Handoff | None:
        """The hand-off under the cursor of the table used last on the visible view."""
        view = self.query_one(TabbedContent).active
        table_id = "gaps" if view == "gap" else self.last_table
        if view == "chain":
            return None
        table = self.query_one(f"#{table_id}", DataTable)
        rows = self.rows[table_id]
        if not rows or table.row_count == 0:
            return None
        return rows[min(table.cursor_row, len(rows) - 1)]

    def show_detail(self) -> None:
        handoff = self.current_handoff()
        detail = self.query_one("#handoff-detail", Static)
        if handoff is None or self.last_table == "gaps":
            detail.update("")
            return
        detail.update(
            Text.assemble(
                (f"{handoff.provider} → {handoff.receiver}", "bold"),
                "\n",
                ("Provides: ", "bold"),
                (handoff.provides or "—") + "\n",
                ("What matters most to them: ", "bold"),
                (handoff.needs or "—") + "\n",
                ("Agreed expectation: ", "bold"),
                handoff.expectation or "—",
            )
        )

    @on(OptionList.OptionHighlighted, "#picker")
    def _group_picked(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and int(event.option.id) != self.group_id:
            self.group_id = int(event.option.id)
            self.load_group_tables()

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == self.last_table:
            self.show_detail()

    def on_descendant_focus(self, event) -> None:
        if isinstance(event.widget, DataTable) and event.widget.id in ("serves", "suppliers"):
            self.last_table = event.widget.id
            self.show_detail()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id in ("serves", "suppliers", "gaps"):
            self.action_edit_handoff()

    @on(OptionList.OptionSelected, "#picker")
    def _group_chosen(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#serves").focus()

    # -- actions -------------------------------------------------------------------------

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        focus = {"serve": "#picker", "gap": "#gaps", "chain": "#chain-tree"}[tab]
        self.query_one(focus).focus()

    def _receivers(self, provider_id: int) -> list[tuple[str, str]]:
        customers = [(f"customer · {c.name}", c.name) for c in self.ws.customers()]
        groups = [(f"group · {g.name}", g.name) for g in self.groups if g.id != provider_id]
        return customers + groups

    def action_add_handoff(self) -> None:
        group = self.picked()
        if group is None:
            self.app.notify("Add a group first (phase 2).", severity="warning")
            return
        group = self.fresh(group)

        def save(draft: HandoffDraft) -> None:
            self.ws.add_handoff(group.id, draft.receiver, **draft.fields())
            self.app.notify(f"{group.name} now serves {draft.receiver}.")

        self.query_one(TabbedContent).active = "serve"
        self.last_table = "serves"
        self.app.push_screen(
            HandoffForm(group.name, self._receivers(group.id), save), self._after_form
        )

    def current_customer(self) -> Customer | None:
        """The paying customer under the cursor of the chain view (its root nodes)."""
        if self.query_one(TabbedContent).active != "chain":
            return None
        node = self.query_one("#chain-tree", Tree).cursor_node
        if node is None or not isinstance(node.data, CustomerNode):
            return None
        name = node.data.name
        return next((c for c in self.ws.customers() if c.name == name), None)

    def _edit_customer(self, customer: Customer) -> None:
        self.ws.check_may_edit("customers", customer.id, "customer")

        def save(draft: CustomerDraft) -> None:
            self.ws.update_customer(customer.id, name=draft.name, segment=draft.segment)
            self.app.notify(f"Saved customer {draft.name.strip()}.")

        self.app.push_screen(CustomerForm(save, customer), self._after_form)

    def _edit(self, ratings_first: bool) -> None:
        customer = self.current_customer()
        if customer is not None:
            self._edit_customer(customer)
            return
        handoff = self.current_handoff()
        if handoff is None:
            self.app.notify("No hand-off is highlighted.", severity="warning")
            return
        handoff = self.editable(handoff)

        def save(draft: HandoffDraft) -> None:
            self.ws.update_handoff(handoff.id, receiver=draft.receiver, **draft.fields())
            self.app.notify(f"Saved {handoff.provider} → {draft.receiver}.")

        self.app.push_screen(
            HandoffForm(
                handoff.provider,
                self._receivers(handoff.provider_id),
                save,
                handoff,
                ratings_first=ratings_first,
            ),
            self._after_form,
        )

    def action_edit_handoff(self) -> None:
        self._edit(ratings_first=False)

    def action_rate_handoff(self) -> None:
        self._edit(ratings_first=True)

    def action_delete_handoff(self) -> None:
        customer = self.current_customer()
        if customer is not None:
            served = sum(h.receiver_customer_id == customer.id for h in self.ws.handoffs())
            self.confirm_and_delete(
                f"Delete the customer {customer.name}?",
                f"The {served} hand-off(s) to them go too. You can undo this with u.",
                lambda: self.ws.delete_customer(customer.id),
                f"Deleted customer {customer.name}.",
            )
            return
        handoff = self.current_handoff()
        if handoff is None:
            self.app.notify("No hand-off is highlighted.", severity="warning")
            return
        handoff = self.fresh(handoff)
        self.confirm_and_delete(
            f"Delete the hand-off {handoff.provider} → {handoff.receiver}?",
            "You can undo this with u.",
            lambda: self.ws.delete_handoff(handoff.id),
            f"Deleted {handoff.provider} → {handoff.receiver}.",
        )

    def action_add_customer(self) -> None:
        def save(draft: CustomerDraft) -> None:
            self.ws.add_customer(draft.name, draft.segment)
            self.app.notify(f"Added customer {draft.name.strip()}.")

        self.app.push_screen(CustomerForm(save), self._after_form)


class CustomerNode(NamedTuple):
    """What a paying customer's node in the chain tree holds: its name (edit with e, delete
    with d)."""

    name: str


def _picker_label(group: Group) -> Text:
    mark = "✖" if group.is_orphan else str(group.customer_distance)
    return Text.assemble((f"{mark} ", "bold"), group.name)


def _receiver_label(handoff: Handoff) -> Text:
    if handoff.to_customer:
        return Text(f"◆ {handoff.receiver}", style="bold")
    return Text(handoff.receiver)


def _customer_count(handoffs: list[Handoff]) -> str:
    external = sum(h.to_customer for h in handoffs)
    return f"{external} paying customer(s) ◆, {len(handoffs) - external} internal customer(s)"
