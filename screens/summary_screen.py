"""Phase "summary": the workshop summary as the Markdown export renders it, and the key that
writes it next to the workshop file.

The Markdown is laid out by Rich in a worker thread (a long summary takes seconds) and handed
to a RichLog, which draws only the visible lines; it is laid out again only when it changed.
"""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from rich.segment import Segment, Segments
from textual import work
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
        if not log.lines:
            log.write("Laying out the summary…")
        width = log.scrollable_content_region.width or 88
        self.lay_out(markdown, max(width - 2, 20))  # room for the scrollbar

    @work(thread=True, exclusive=True)
    def lay_out(self, markdown: str, width: int) -> None:
        """Render the Markdown to lines off the event loop, then show them."""
        console = Console(width=width, file=io.StringIO(), force_terminal=True)
        lines = console.render_lines(Markdown(markdown), console.options, pad=False)
        segments = [segment for line in lines for segment in (*line, Segment.line())]
        self.app.call_from_thread(self.show, Segments(segments))

    def show(self, rendered: Segments) -> None:
        log = self.query_one("#summary", RichLog)
        log.clear()
        log.write(rendered)
        log.scroll_home(animate=False)

    def action_reload(self) -> None:
        self.shown = ""
        self.refresh_data()
