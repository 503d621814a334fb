"""The roll-up dashboard: many workshops at a glance, read-only (`workshop rollup FILES`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from screens.phase_screen import data_table
from screens.themes import THEMES
from screens.widgets.plain import PlainStatic, PlainTextApp
from workshop.vocabulary import plural

TABS = ("actions", "groups", "gaps", "orphans", "comments", "workshops")


def headline(data: dict[str, Any]) -> str:
    """ "3 workshops from 2026-Q1 to 2026-Q3, as of …: 2 overdue actions, 1 file skipped." """
    quarters = data["quarters"]
    span = f" from {quarters[0]} to {quarters[-1]}" if quarters else ""
    notes = []
    if data["overdue"]:
        notes.append(f"⚠ {plural(data['overdue'], 'overdue action')}")
    if data["skipped"]:
        notes.append(f"{plural(len(data['skipped']), 'file')} skipped (see Workshops)")
    tail = ": " + ", ".join(notes) if notes else ""
    return f"{plural(len(data['workshops']), 'workshop')}{span}, as of {data['today']}{tail}."


def _gap_points(points: list[dict[str, Any]], width: int) -> str:
    """ "2026-Q1 +3 → 2026-Q2 +1", the latest ones when they do not all fit."""
    text = " → ".join(f"{p['quarter']} {p['gap']:+d}" for p in points)
    return text if len(text) <= width else "…" + text[len(text) - width + 1 :]


TREND_MARKS = {"closing": "↘ closing", "widening": "↗ widening", "unchanged": "→ unchanged",
               "only once": "· only once"}  # fmt: skip


class RollupApp(PlainTextApp):
    """A read-only dashboard over the roll-up data; the keys 1–6 pick a table."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")
    TITLE = "workshop roll-up"
    BINDINGS = [
        *[
            Binding(str(n), f"show_tab('{tab}')", tab.capitalize(), show=n == 1)
            for n, tab in enumerate(TABS, start=1)
        ],
        Binding("t", "toggle_theme", "Theme", tooltip="Switch between light and dark"),
        Binding("q,ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self.data = data
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = "projector"

    def compose(self) -> ComposeResult:
        yield Header(icon="◎")
        yield PlainStatic(headline(self.data), id="headline")
        with TabbedContent(id="tabs"):
            with TabPane("1 Action plans", id="actions"):
                yield self._actions()
                yield PlainStatic(id="action-detail")
            with TabPane("2 Per group & quarter", id="groups"):
                yield self._groups()
            with TabPane("3 Perception gaps", id="gaps"):
                yield self._gaps()
            with TabPane("4 Not connected", id="orphans"):
                yield self._orphans()
            with TabPane("5 Comments", id="comments"):
                yield self._comments()
            with TabPane("6 Workshops", id="workshops"):
                yield self._workshops()
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "read-only: no file is changed"
        self.query_one("#actions-table", DataTable).focus()

    def _actions(self) -> DataTable:
        table = data_table(
            "actions-table",
            [("", 9), ("Action", 20, 3), ("Owner", 12, 1), ("Workshop", 12, 1), ("Quarter", 7),
             ("Due", 10), ("KPI", 12, 2), ("Status", 13)],
        )  # fmt: skip
        for a in self.data["actions"]:
            moved = f"{a['previous_status']}→" if a["moved"] else ""
            table.add_row(
                Text("⚠ overdue", style="bold") if a["overdue"] else "",
                a["proposal"] or "(no proposal)",
                a["owner"] or "",
                a["workshop"],
                a["quarter"],
                a["due"] or "",
                a["kpi"],
                moved + a["status"],
            )
        return table

    def _groups(self) -> DataTable:
        table = data_table(
            "groups-table",
            [("Group", 20, 1), ("Quarter", 8), ("Planned", 8), ("Doing", 6), ("Done", 6),
             ("Dropped", 8), ("Moved", 6)],
        )  # fmt: skip
        for g in self.data["by_group"]:
            table.add_row(g["group"], g["quarter"], *(str(g[k]) for k in
                          ("planned", "doing", "done", "dropped", "moved")))  # fmt: skip
        return table

    def _gaps(self) -> DataTable:
        table = data_table(
            "gaps-table", [("From", 16, 1), ("To", 16, 1), ("Gap per workshop", 56), ("Trend", 12)]
        )
        for g in self.data["gaps"]:
            table.add_row(
                g["from"],
                g["to"],
                _gap_points(g["points"], 56),
                TREND_MARKS[g["trend"]],
            )
        return table

    def _orphans(self) -> DataTable:
        table = data_table("orphans-table", [("Group", 24, 1), ("Latest workshop", 30, 2)])
        for o in self.data["orphans"]:
            table.add_row(o["group"], o["workshop"])
        return table

    def _comments(self) -> DataTable:
        table = data_table(
            "comments-table",
            [("Group", 20, 1), ("Quarter", 8), ("Comments", 9), ("Positive", 9), ("Neutral", 8),
             ("Negative", 9)],
        )  # fmt: skip
        for c in self.data["comments"]:
            table.add_row(c["group"], c["quarter"], *(str(c[k]) for k in
                          ("total", "positive", "neutral", "negative")))  # fmt: skip
        return table

    def _workshops(self) -> DataTable:
        table = data_table(
            "workshops-table",
            [("Workshop", 24, 2), ("Date", 10), ("Quarter", 8), ("Actions", 8), ("File", 30, 2)],
        )
        for w in self.data["workshops"]:
            # The file's name: a long folder path would push it out of its column.
            name = Path(w["file"]).name
            table.add_row(w["title"], w["date"] or "", w["quarter"], str(w["actions"]), name)
        for s in self.data["skipped"]:
            reason = f"{Path(s['file']).name}: {s['reason']}"
            table.add_row(Text("skipped", style="bold"), "", "", "", reason)
        return table

    @on(DataTable.RowHighlighted, "#actions-table")
    def _show_action(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted action in full, below the table."""
        a = self.data["actions"][event.cursor_row]
        lines = [
            f"{a['proposal'] or '(no proposal)'}",
            f"Owner: {a['owner'] or '—'} · due {a['due'] or '—'} · {a['status']}"
            + (f" (was {a['previous_status']})" if a["moved"] else "")
            + (" · ⚠ overdue" if a["overdue"] else ""),
            f"KPI: {a['kpi'] or '—'}",
            f"From: {a['workshop']} ({a['quarter']}), {a['file']}",
        ]
        self.query_one("#action-detail", Static).update(Text("\n".join(lines)))

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.query_one(f"#{tab}-table", DataTable).focus()

    def action_toggle_theme(self) -> None:
        self.theme = "projector-dark" if self.theme == "projector" else "projector"
