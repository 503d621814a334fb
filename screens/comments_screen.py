"""Phase "customer comments": what customers said, routed to the groups it concerns, and each
group's own stream of comments."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from screens.comment_form import CommentDraft, CommentForm
from screens.phase_screen import PhaseScreen, data_table
from screens.route_form import RouteForm
from screens.widgets.plain import PlainOptionList, PlainStatic
from screens.widgets.short_text import cut
from workshop import Group
from workshop.model import Comment

SENTIMENT_MARKS = {
    "negative": ("− negative", "bold red"),
    "neutral": ("○ neutral", ""),
    "positive": ("+ positive", "green"),
}
TEXT_WIDTH = 24  # the comment's share of the width grows from these
STREAM_WIDTH = 24


def sentiment_label(sentiment: str) -> Text:
    """The sentiment as a sign and a word, so it reads without colour."""
    text, style = SENTIMENT_MARKS.get(sentiment, (sentiment, ""))
    return Text(text, style=style)


class CommentsScreen(PhaseScreen):
    """List every comment and where it is routed; route it (suggesting the touchpoint's onion);
    read one group's stream, newest first, with counts by sentiment."""

    CSS_PATH = [PhaseScreen.CSS_PATH, Path(__file__).with_suffix(".tcss")]
    PHASE = "customer comments"
    BINDINGS = [
        Binding(
            "c",
            "show_tab('all')",
            "All",
            id="comments.all",
            tooltip="Show every comment and where it is routed",
        ),
        Binding(
            "g",
            "show_tab('streams')",
            "Streams",
            id="comments.streams",
            tooltip="Show one group's stream of comments",
        ),
        Binding("a", "add_comment", "Add", id="comments.add", tooltip="Add a customer comment"),
        Binding(
            "e,enter",
            "edit_comment",
            "Edit",
            id="comments.edit",
            tooltip="Edit the highlighted comment",
        ),
        Binding(
            "r",
            "route_comment",
            "Route",
            id="comments.route",
            tooltip="Route the highlighted comment to the groups it concerns",
        ),
        Binding(
            "d,delete",
            "delete_comment",
            "Delete",
            id="comments.delete",
            tooltip="Delete the highlighted comment (asks first; undo with u)",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(name=self.PHASE)
        self.all: list[Comment] = []
        self.stream: list[Comment] = []
        self.groups: list[Group] = []
        self.group_id: int | None = None

    def compose_body(self) -> ComposeResult:
        yield PlainStatic("Customer comments", classes="phase-title")
        with TabbedContent(initial="all", id="views"):
            with TabPane("All comments (c)", id="all"):
                yield PlainStatic(id="all-title", classes="table-title")
                yield data_table(
                    "comment-table",
                    [
                        ("Date", 10),
                        ("Sentiment", 10),
                        ("Touchpoint", 14, 1),
                        ("Comment", TEXT_WIDTH, 3),
                        ("Routed to", 14, 1),
                    ],
                )
                yield PlainStatic(id="comment-detail", classes="detail")
            with TabPane("Group streams (g)", id="streams"), Horizontal():
                yield PlainOptionList(id="stream-picker")
                with Vertical(id="stream-pane"):
                    yield PlainStatic(id="stream-title")
                    yield data_table(
                        "stream-table",
                        [
                            ("Date", 10),
                            ("Sentiment", 10),
                            ("Touchpoint", 14, 1),
                            ("Comment", STREAM_WIDTH, 3),
                        ],
                    )
                    yield PlainStatic(id="stream-detail", classes="detail")

    def on_mount(self) -> None:
        self.query_one("#comment-table").focus()

    # -- loading -------------------------------------------------------------------------

    def refresh_data(self) -> None:
        """Reload both views, keeping the cursors and the picked group."""
        self.all = self.ws.comments()
        self.groups = self.ws.groups()
        if self.group_id not in {g.id for g in self.groups}:
            self.group_id = self.groups[0].id if self.groups else None
        unrouted = sum(not c.routed_ids for c in self.all)
        self.query_one("#all-title", Static).update(
            f"{len(self.all)} comment(s), newest first; {unrouted} not routed yet."
            if self.all
            else "No comments yet. Press a to add one, or import a CSV file "
            "(workshop import FILE comments.csv)."
        )
        self._fill("comment-table", self.all, routed=True)
        self.load_stream()
        self.show_detail()

    def _fill(self, table_id: str, comments: list[Comment], *, routed: bool) -> None:
        table = self.query_one(f"#{table_id}", DataTable)
        row = table.cursor_row
        table.clear()
        for c in comments:
            cells: list[str | Text] = [
                c.date or "—",
                sentiment_label(c.sentiment),
                c.touchpoint or "—",
                c.text,
            ]
            if routed:
                cells.append(
                    Text(", ".join(c.routed_to))
                    if c.routed_to
                    else Text("✖ not routed", style="bold")
                )
            table.add_row(*cells, key=str(c.id))
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))

    def load_stream(self) -> None:
        picker = self.query_one("#stream-picker", OptionList)
        picker.clear_options()
        counts: dict[int, int] = {}
        for c in self.all:
            for gid in c.routed_ids:
                counts[gid] = counts.get(gid, 0) + 1
        picker.add_options(
            [Option(f"{g.name} ({counts.get(g.id, 0)})", id=str(g.id)) for g in self.groups]
        )
        if self.group_id is not None:
            picker.highlighted = picker.get_option_index(str(self.group_id))
        group = next((g for g in self.groups if g.id == self.group_id), None)
        if group is None:
            self.stream = []
            self.query_one("#stream-title", Static).update("No groups yet.")
        else:
            self.stream, by_sentiment = self.ws.comment_stream(group.id)
            counts = Text(f"{group.name}: {len(self.stream)} comment(s), newest first.  ")
            for sentiment in reversed(by_sentiment):
                counts.append_text(sentiment_label(sentiment))
                counts.append(f" {by_sentiment[sentiment]}   ")
            self.query_one("#stream-title", Static).update(counts)
        self._fill("stream-table", self.stream, routed=False)

    # -- the highlighted comment ---------------------------------------------------------

    def current(self) -> Comment | None:
        """The comment under the cursor of the visible view."""
        streams = self.query_one(TabbedContent).active == "streams"
        rows = self.stream if streams else self.all
        table = self.query_one("#stream-table" if streams else "#comment-table", DataTable)
        if not rows or table.row_count == 0:
            return None
        return rows[min(table.cursor_row, len(rows) - 1)]

    def show_detail(self) -> None:
        streams = self.query_one(TabbedContent).active == "streams"
        detail = self.query_one("#stream-detail" if streams else "#comment-detail", Static)
        c = self.current()
        if c is None:
            detail.update("")
            return
        if c.routed_to:
            routed = Text("Routed to: " + ", ".join(c.routed_to))
        else:
            suggested = [name for _, name, _ in self.ws.suggested_routes(c.touchpoint_id)]
            routed = Text.assemble(
                ("✖ Not routed yet. ", "bold"),
                "Press r to route it"
                + (f"; suggested: {', '.join(suggested)}." if suggested else "."),
            )
        detail.update(
            Text.assemble(
                (f"“{c.text}”", "italic"),
                "\n",
                sentiment_label(c.sentiment),
                f"  {c.date or 'no date'}  ·  {c.touchpoint or 'no particular touchpoint'}\n",
                routed,
            )
        )

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_edit_comment()

    @on(OptionList.OptionHighlighted, "#stream-picker")
    def _group_picked(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and int(event.option.id) != self.group_id:
            self.group_id = int(event.option.id)
            self.load_stream()
            self.show_detail()

    @on(OptionList.OptionSelected, "#stream-picker")
    def _group_chosen(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#stream-table").focus()

    # -- actions -------------------------------------------------------------------------

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.query_one("#stream-picker" if tab == "streams" else "#comment-table").focus()
        self.show_detail()

    def action_add_comment(self) -> None:
        def save(draft: CommentDraft) -> None:
            self.ws.add_comment(
                draft.text,
                touchpoint_id=draft.touchpoint_id,
                sentiment=draft.sentiment,
                date=draft.date,
            )
            self.app.notify("Added the comment. Press r to route it.")

        self.query_one(TabbedContent).active = "all"
        self.app.push_screen(CommentForm(save, self.ws.touchpoints()), self._after_form)

    def action_edit_comment(self) -> None:
        comment = self.current()
        if comment is None:
            self.app.notify("No comment is highlighted.", severity="warning")
            return
        comment = self.editable(comment)

        def save(draft: CommentDraft) -> None:
            self.ws.update_comment(
                comment.id,
                text=draft.text,
                touchpoint_id=draft.touchpoint_id,
                sentiment=draft.sentiment,
                date=draft.date,
            )
            self.app.notify("Saved the comment.")

        self.app.push_screen(CommentForm(save, self.ws.touchpoints(), comment), self._after_form)

    def action_route_comment(self) -> None:
        comment = self.current()
        if comment is None:
            self.app.notify("No comment is highlighted.", severity="warning")
            return
        if not self.groups:
            self.app.notify("Add the groups first (phase 2).", severity="warning")
            return
        comment = self.fresh(comment)

        def save(group_ids: list[int]) -> None:
            self.ws.route_comment(comment.id, group_ids)
            names = [g.name for g in self.groups if g.id in group_ids]
            self.app.notify(
                f"Routed to {', '.join(names)}." if names else "The comment is routed to nobody."
            )

        self.app.push_screen(
            RouteForm(save, comment, self.groups, self.ws.suggested_routes(comment.touchpoint_id)),
            self._after_form,
        )

    def action_delete_comment(self) -> None:
        comment = self.current()
        if comment is None:
            self.app.notify("No comment is highlighted.", severity="warning")
            return
        comment = self.fresh(comment)
        self.confirm_and_delete(
            f"Delete the comment “{cut(comment.text, 50)}”?",
            "Its routes go with it. You can undo this with u.",
            lambda: self.ws.delete_comment(comment.id),
            "Deleted the comment.",
        )
