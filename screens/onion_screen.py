"""Phase "touchpoint onion": the moments a customer meets the company, and layer by layer the
groups whose work makes each moment succeed or fail."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, OptionList, Static, TabbedContent, TabPane, Tree
from textual.widgets.option_list import Option

from screens.contribution_form import ContributionDraft, ContributionForm
from screens.phase_screen import PhaseScreen, data_table
from screens.touchpoint_form import TouchpointDraft, TouchpointForm
from screens.widgets.plain import PlainOptionList, PlainStatic, PlainTree
from screens.widgets.short_text import cut
from workshop import Group
from workshop.model import Contribution, Reach, Touchpoint

ONION_LEGEND = (
    "Layer 0 owns the moment; layer 1 helps the owner; layer 2 helps layer 1, and so on.  "
    "✖ WEAKENS = this link hurts the customer · ⚠ = known fail point"
)


WHAT_WIDTH = 36


def effect_label(item: Contribution) -> Text:
    """Strengthens or weakens, in words and shape as well as colour."""
    if item.weakens:
        return Text("✖ WEAKENS", style="bold reverse red")
    return Text("+ strengthens", style="green")


def fail_label(item: Contribution) -> Text:
    return Text("⚠ fail point", style="bold") if item.fail_point else Text("")


# What takes the keys in each view of the onion phase.
FOCUS = {"touchpoints": "#touchpoint-table", "onion": "#onion-tree", "reach": "#group-picker"}


class OnionScreen(PhaseScreen):
    """List touchpoints per customer; peel one touchpoint's onion; see where a group touches the
    customer. Add, edit and delete touchpoints and layers by keyboard; undo with u."""

    CSS_PATH = [PhaseScreen.CSS_PATH, Path(__file__).with_suffix(".tcss")]
    PHASE = "touchpoint onion"
    BINDINGS = [
        Binding(
            "t",
            "show_tab('touchpoints')",
            "List",
            id="onion.touchpoints",
            tooltip="Show every touchpoint, by customer",
        ),
        Binding(
            "o",
            "show_tab('onion')",
            "Onion",
            id="onion.onion",
            tooltip="Peel the picked touchpoint's onion, layer by layer",
        ),
        Binding(
            "g",
            "show_tab('reach')",
            "Group",
            id="onion.reach",
            tooltip="Where does a group touch the customer?",
        ),
        Binding("n", "add_touchpoint", "New", id="onion.new", tooltip="Add a touchpoint"),
        Binding(
            "a",
            "add_layer",
            "Layer",
            id="onion.add",
            tooltip="Add a group's layer to the picked touchpoint's onion",
        ),
        Binding(
            "e",
            "edit",
            "Edit",
            id="onion.edit",
            tooltip="Edit the highlighted touchpoint or layer",
        ),
        Binding(
            "w",
            "toggle_weakens",
            "Weak",
            id="onion.weakens",
            tooltip="Mark the highlighted layer as weakening (or strengthening) the ripple",
        ),
        Binding(
            "f",
            "toggle_fail_point",
            "Fail",
            id="onion.fail_point",
            tooltip="Mark the highlighted layer as a known fail point (or not)",
        ),
        Binding(
            "d,delete",
            "delete",
            "Delete",
            id="onion.delete",
            tooltip="Delete the highlighted touchpoint or layer (asks first; undo with u)",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(name=self.PHASE)
        self.touchpoints: list[Touchpoint] = []
        self.touchpoint_id: int | None = None
        self.rings: list[Contribution] = []
        self.groups: list[Group] = []
        self.group_id: int | None = None
        self.reach: list[Reach] = []

    def compose_body(self) -> ComposeResult:
        yield PlainStatic("Touchpoint onion", classes="phase-title")
        with TabbedContent(initial="touchpoints", id="views"):
            with TabPane("Touchpoints (t)", id="touchpoints"):
                yield PlainStatic(
                    "Enter peels the highlighted touchpoint's onion.", classes="legend"
                )
                yield data_table(
                    "touchpoint-table",
                    [
                        ("Customer", 14, 1),
                        ("Touchpoint", 20, 2),
                        ("Owner", 14, 1),
                        ("Channel", 9),
                        ("Layers", 6),
                        ("Weak", 6),
                    ],
                )
            with TabPane("Onion (o)", id="onion"), Horizontal():
                yield PlainOptionList(id="touchpoint-picker")
                with Vertical(id="onion-pane"):
                    yield PlainStatic(ONION_LEGEND, classes="legend")
                    yield PlainTree("", id="onion-tree")
                    yield PlainStatic(id="layer-detail", classes="detail")
            with TabPane("By group (g)", id="reach"), Horizontal():
                yield PlainOptionList(id="group-picker")
                with Vertical(id="reach-pane"):
                    yield PlainStatic(id="reach-title", classes="table-title")
                    yield data_table(
                        "reach-table",
                        [
                            ("Touchpoint", 18, 2),
                            ("Layer", 7),
                            ("Helps", 12, 1),
                            ("Effect", 13),
                            ("", 6),
                        ],
                    )
                    yield PlainStatic(id="weak-links")

    def on_mount(self) -> None:
        self.query_one("#onion-tree", Tree).auto_expand = False
        self.query_one(FOCUS[self.query_one(TabbedContent).active or "touchpoints"]).focus()

    # -- loading -------------------------------------------------------------------------

    def refresh_data(self) -> None:
        """Reload every view, keeping the picked touchpoint and group."""
        self.touchpoints = sorted(
            self.ws.touchpoints(), key=lambda t: ((t.customer or "~").casefold(), t.id)
        )
        ids = [t.id for t in self.touchpoints]
        if self.touchpoint_id not in ids:
            self.touchpoint_id = ids[0] if ids else None
        self.groups = self.ws.groups()
        if self.group_id not in {g.id for g in self.groups}:
            self.group_id = self.groups[0].id if self.groups else None
        self.load_touchpoints()
        self.load_onion()
        self.load_reach()

    def picked(self) -> Touchpoint | None:
        return next((t for t in self.touchpoints if t.id == self.touchpoint_id), None)

    def load_touchpoints(self) -> None:
        table = self.query_one("#touchpoint-table", DataTable)
        row = table.cursor_row
        table.clear()
        onions = self.ws.onions()
        for t in self.touchpoints:
            onion = onions.get(t.id, [])
            weak = sum(c.weakens for c in onion)
            table.add_row(
                Text(t.customer or "—", style="bold"),
                t.name,
                t.owner or Text("no owner", style="italic"),
                t.channel,
                str(max((c.layer or 0 for c in onion), default=0)),
                Text(f"✖ {weak}", style="bold red") if weak else "0",
                key=str(t.id),
            )
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        picker = self.query_one("#touchpoint-picker", OptionList)
        picker.clear_options()
        customer: str | None = "?"
        for t in self.touchpoints:
            if t.customer != customer:
                customer = t.customer
                picker.add_option(
                    Option(Text(f"◆ {customer or 'no customer'}", "bold"), disabled=True)
                )
            picker.add_option(Option(f"  {t.name}", id=str(t.id)))
        if self.touchpoint_id is not None:
            picker.highlighted = picker.get_option_index(str(self.touchpoint_id))

    def load_onion(self) -> None:
        tree = self.query_one("#onion-tree", Tree)
        tree.clear()
        point = self.picked()
        if point is None:
            self.rings = []
            tree.root.set_label(Text("No touchpoints yet. Press n to add one.", style="italic"))
            self.show_detail()
            return
        self.rings = self.ws.onion(point.id)
        where = ", ".join(x for x in (point.customer, point.channel) if x)
        tree.root.set_label(
            Text.assemble(
                ("0 ", "bold"),
                (point.owner or "no owner", "bold"),
                f"  owns “{point.name}”" + (f" ({where})" if where else ""),
            )
        )
        tree.root.data = None
        nodes = {None: tree.root}
        for item in self.rings:
            parent = nodes.get(None if item.layer == 1 else item.supports_group_id, tree.root)
            nodes[item.group_id] = parent.add(_layer_label(item), data=item.id, expand=True)
        if not self.rings:
            tree.root.add_leaf(
                Text("Nobody has peeled this one yet: press a to add the first layer.", "italic")
            )
        for node in nodes.values():
            node.allow_expand = bool(node.children)
        tree.root.expand_all()
        self.show_detail()

    def load_reach(self) -> None:
        picker = self.query_one("#group-picker", OptionList)
        picker.clear_options()
        picker.add_options([Option(g.name, id=str(g.id)) for g in self.groups])
        if self.group_id is not None:
            picker.highlighted = picker.get_option_index(str(self.group_id))
        group = next((g for g in self.groups if g.id == self.group_id), None)
        self.reach = self.ws.group_reach(group.id) if group else []
        table = self.query_one("#reach-table", DataTable)
        row = table.cursor_row
        table.clear()
        for r in self.reach:
            c = r.contribution
            table.add_row(
                r.touchpoint.name,
                Text("0 owner", style="bold") if c is None else str(r.layer),
                "the customer" if c is None else (c.supports or "—"),
                Text("") if c is None else effect_label(c),
                Text("⚠ yes", style="bold") if c and c.fail_point else "",
                key=f"{r.touchpoint.id}",
            )
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        name = group.name if group else "—"
        self.query_one("#reach-title", Static).update(
            f"Where does {name} touch the customer? {len(self.reach)} touchpoint(s)"
            if self.reach
            else f"{name} touches no touchpoint yet."
        )
        weak = [r.contribution for r in self.reach if r.contribution and r.contribution.weakens]
        links = self.query_one("#weak-links", Static)
        if weak:
            listed = "; ".join(
                f"{c.touchpoint} (layer {c.layer}, helps {c.supports})" for c in weak
            )
            links.update(f"✖ Weakening links {name} owns: {listed}.")
        else:
            links.update(f"No weakening links owned by {name}.")
        links.set_class(bool(weak), "warning")

    # -- what is highlighted -------------------------------------------------------------

    def current(self) -> Touchpoint | Contribution | None:
        """The record under the cursor of the visible view: a touchpoint or a layer."""
        view = self.query_one(TabbedContent).active
        if view == "touchpoints":
            table = self.query_one("#touchpoint-table", DataTable)
            if not self.touchpoints or table.row_count == 0:
                return None
            return self.touchpoints[min(table.cursor_row, len(self.touchpoints) - 1)]
        if view == "onion":
            node = self.query_one("#onion-tree", Tree).cursor_node
            if node is not None and isinstance(node.data, int):
                return next((c for c in self.rings if c.id == node.data), None)
            return self.picked()
        table = self.query_one("#reach-table", DataTable)
        if not self.reach or table.row_count == 0:
            return None
        reach = self.reach[min(table.cursor_row, len(self.reach) - 1)]
        return reach.contribution or reach.touchpoint

    def show_detail(self) -> None:
        detail = self.query_one("#layer-detail", Static)
        item = self.current() if self.query_one(TabbedContent).active == "onion" else None
        if not isinstance(item, Contribution):
            detail.update("Highlight a layer to read it; a adds a layer, e edits, w marks weak.")
            return
        detail.update(
            Text.assemble(
                (f"Layer {item.layer}: {item.group}", "bold"),
                f" helps {item.supports}\n",
                ("What it does: ", "bold"),
                (item.what or "—") + "\n",
                effect_label(item),
                "  ",
                fail_label(item),
            )
        )

    @on(DataTable.RowHighlighted, "#touchpoint-table")
    def _touchpoint_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value and int(event.row_key.value) != self.touchpoint_id:
            self.touchpoint_id = int(event.row_key.value)
            self.load_onion()

    @on(DataTable.RowSelected, "#touchpoint-table")
    def _touchpoint_selected(self, event: DataTable.RowSelected) -> None:
        self.action_show_tab("onion")

    @on(OptionList.OptionHighlighted, "#touchpoint-picker")
    def _touchpoint_picked(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and int(event.option.id) != self.touchpoint_id:
            self.touchpoint_id = int(event.option.id)
            self.load_onion()

    @on(OptionList.OptionSelected, "#touchpoint-picker")
    def _touchpoint_chosen(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#onion-tree").focus()

    @on(Tree.NodeHighlighted, "#onion-tree")
    def _layer_highlighted(self, event: Tree.NodeHighlighted) -> None:
        self.show_detail()

    @on(Tree.NodeSelected, "#onion-tree")
    def _layer_selected(self, event: Tree.NodeSelected) -> None:
        self.action_edit()

    @on(OptionList.OptionHighlighted, "#group-picker")
    def _group_picked(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and int(event.option.id) != self.group_id:
            self.group_id = int(event.option.id)
            self.load_reach()

    @on(OptionList.OptionSelected, "#group-picker")
    def _group_chosen(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#reach-table").focus()

    @on(DataTable.RowSelected, "#reach-table")
    def _reach_selected(self, event: DataTable.RowSelected) -> None:
        self.action_edit()

    # -- actions -------------------------------------------------------------------------

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        target = self.query_one(FOCUS[tab])
        target.focus()
        self.call_after_refresh(target.focus)  # again once the tab shows (it may still be hidden)
        self.show_detail()

    def action_add_touchpoint(self) -> None:
        if not self.groups:
            self.app.notify("Add the groups first (phase 2).", severity="warning")
            return

        def save(draft: TouchpointDraft) -> None:
            self.touchpoint_id = self.ws.add_touchpoint(
                draft.name,
                customer_id=draft.customer_id,
                owner_id=draft.owner_id,
                channel=draft.channel,
            )
            self.app.notify(f"Added touchpoint {draft.name.strip()}.")

        self.app.push_screen(
            TouchpointForm(save, self.ws.customers(), self.groups), self._after_form
        )

    def _edit_touchpoint(self, point: Touchpoint) -> None:
        point = self.editable(point)

        def save(draft: TouchpointDraft) -> None:
            self.ws.update_touchpoint(
                point.id,
                name=draft.name,
                customer_id=draft.customer_id,
                owner_id=draft.owner_id,
                channel=draft.channel,
            )
            self.app.notify(f"Saved touchpoint {draft.name.strip()}.")

        self.app.push_screen(
            TouchpointForm(save, self.ws.customers(), self.groups, point), self._after_form
        )

    def action_add_layer(self) -> None:
        point = self.picked()
        if point is None:
            self.app.notify("Add a touchpoint first: press n.", severity="warning")
            return
        point = self.fresh(point)
        choices = self.ws.contributor_choices(point.id)
        if not choices:
            self.app.notify("Every group is already in this onion.", severity="warning")
            return
        highlighted = self.current() if self.query_one(TabbedContent).active == "onion" else None
        helps = highlighted.group_id if isinstance(highlighted, Contribution) else None

        def save(draft: ContributionDraft) -> None:
            self.ws.add_contribution(
                point.id,
                draft.group_id,  # type: ignore[arg-type]
                supports_group_id=draft.supports_group_id,
                what=draft.what,
                effect=draft.effect,
                fail_point=draft.fail_point,
            )
            self.app.notify(f"Added a layer to {point.name}.")

        self.query_one(TabbedContent).active = "onion"
        self.app.push_screen(
            ContributionForm(
                point.name, save, choices, self.ws.support_choices(point.id), helps=helps
            ),
            self._after_form,
        )

    def _edit_layer(self, item: Contribution) -> None:
        item = self.editable(item)

        def save(draft: ContributionDraft) -> None:
            self.ws.update_contribution(
                item.id,
                group_id=draft.group_id,
                supports_group_id=draft.supports_group_id,
                what=draft.what,
                effect=draft.effect,
                fail_point=draft.fail_point,
            )
            self.app.notify(f"Saved {item.group}'s layer.")

        self.app.push_screen(
            ContributionForm(
                item.touchpoint,
                save,
                self.ws.contributor_choices(item.touchpoint_id, item.group_id),
                self.ws.support_choices(item.touchpoint_id, item.group_id),
                item,
            ),
            self._after_form,
        )

    def action_edit(self) -> None:
        item = self.current()
        if item is None:
            self.app.notify(
                "Nothing is highlighted. Press n to add a touchpoint.", severity="warning"
            )
        elif isinstance(item, Contribution):
            self._edit_layer(item)
        else:
            self._edit_touchpoint(item)

    def _toggle(self, field: str) -> None:
        item = self.current()
        if not isinstance(item, Contribution):
            self.app.notify("Highlight a layer of the onion first.", severity="warning")
            return
        if field == "effect":
            value: object = "strengthens" if item.weakens else "weakens"
            said = f"{item.group}'s link now {value} the ripple."
        else:
            value = not item.fail_point
            said = f"{item.group}'s layer is {'now' if value else 'no longer'} a fail point."
        self.ws.update_contribution(item.id, **{field: value})
        self.refresh_data()
        self.app.notify(said + " Press u to undo.")

    def action_toggle_weakens(self) -> None:
        self._toggle("effect")

    def action_toggle_fail_point(self) -> None:
        self._toggle("fail_point")

    def action_delete(self) -> None:
        item = self.current()
        if item is None:
            self.app.notify("Nothing to delete.", severity="warning")
        elif isinstance(item, Contribution):
            item = self.fresh(item)
            resting = self.ws.resting_on(item.id)
            detail = (
                "Resting on it, and going with it: "
                + ", ".join(c.group for c in resting)
                + ". You can undo this with u."
                if resting
                else "You can undo this with u."
            )
            self.confirm_and_delete(
                f"Delete {item.group}'s layer at “{item.touchpoint}”?",
                detail,
                lambda: self.ws.delete_contribution(item.id),
                f"Deleted {item.group}'s layer.",
            )
        else:
            item = self.fresh(item)
            self.confirm_and_delete(
                f"Delete the touchpoint “{item.name}”?",
                "Its onion goes with it; comments and proposals keep their text. "
                "You can undo this with u.",
                lambda: self.ws.delete_touchpoint(item.id),
                f"Deleted {item.name}.",
            )


def _layer_label(item: Contribution) -> Text:
    """Layer number, group, the weakening and fail-point marks, then what it does (cut short:
    the detail pane has it whole)."""
    label = Text.assemble((f"{item.layer} ", "bold"), (item.group, "bold"))
    for mark in (effect_label(item) if item.weakens else None, fail_label(item)):
        if mark:
            label.append("  ")
            label.append_text(mark)
    if item.what:
        what = " ".join(item.what.split())
        label.append(" — " + cut(what, WHAT_WIDTH))
    return label
