"""Phase "summary": the workshop summary as the Markdown export renders it, and the key that
writes it next to the workshop file.

The Markdown is laid out once by Rich into a RichLog, which draws only the visible lines, so a
long summary stays quick to open and to scroll; it is laid out again only when it changed.
"""

from __future__ import annotations

from pathlib import Path

from rich.markdown import Markdown
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import RichLog, Static

from screens.phase_screen import PhaseScreen


class SummaryScreen(PhaseScreen):
    """Read the summary a manager will get; x writes it as Markdown beside the workshop."""

    CSS_PATH = [PhaseScreen.CSS_PATH, Path(__file__).with_suffix(".tcss")]
    PHASE = "summary"
    BINDINGS = [
        Binding(
            "x",
            "app.export_summary",
            "Export",
            id="summary.export",
            tooltip="Write the Markdown summary next to the workshop file",
        ),
        Binding(
            "r",
            "reload",
            "Reload",
            id="summary.reload",
            tooltip="Render the summary again from the workshop",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(name=self.PHASE)
        self.shown = ""

    def compose_body(self) -> ComposeResult:
        yield Static("Summary", classes="phase-title")
        yield Static(
            "What the Markdown export holds. Press x to write it next to the workshop file "
            "(workshop export FILE --format html|csv|json for the other formats).",
            classes="legend",
        )
        yield RichLog(id="summary", wrap=True, auto_scroll=False)

    def on_mount(self) -> None:
        self.query_one("#summary").focus()

    def refresh_data(self) -> None:
        markdown = self.ws.export("md")
        if markdown == self.shown:
            return
        self.shown = markdown
        log = self.query_one("#summary", RichLog)
        log.clear()
        log.write(Markdown(markdown))
        log.scroll_home(animate=False)

    def action_reload(self) -> None:
        self.shown = ""
        self.refresh_data()
