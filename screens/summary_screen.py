"""Phase "summary": the workshop summary as the Markdown export renders it, and the key that
writes it next to the workshop file.

The export is made in a worker thread (on a large workshop it takes most of a second) and cut
into blocks; the MarkdownView lays out with Rich only the blocks that scroll into view.
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding

from screens.phase_screen import PhaseScreen
from screens.widgets.markdown_view import Block, MarkdownView, split_blocks
from screens.widgets.plain import PlainStatic
from workshop import WorkshopError


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
        self._exported: tuple[int, int] | None = None  # the change token last exported
        self._exporting = False

    def compose_body(self) -> ComposeResult:
        yield PlainStatic("Summary", classes="phase-title")
        yield PlainStatic(
            "What the Markdown export holds. Press x to write it next to the workshop file "
            "(workshop export FILE --format html|csv|json for the other formats).",
            classes="legend",
        )
        yield MarkdownView(id="summary")

    def on_mount(self) -> None:
        view = self.query_one("#summary", MarkdownView)
        view.show([Block("Laying out the summary…", gap=False)])
        view.focus()

    def refresh_data(self) -> None:
        """Export again if the workshop changed (while an export runs: once it is done)."""
        token = self.ws.change_token()
        if token != self._exported and not self._exporting:
            self._exported = token
            self._exporting = True
            self.export()

    @work(thread=True)
    def export(self) -> None:
        """Export the Markdown off the event loop, through a connection of the worker's own
        (an SQLite connection belongs to the thread that opened it), and cut it into blocks."""
        try:
            with self.ws.reader() as reader:
                today = self.workshop_app.today() if hasattr(self.app, "today") else None
                markdown = reader.summary_text(today)  # a participant reads it too
        except WorkshopError as error:
            markdown = str(error)
        self.app.call_from_thread(self.show, markdown, split_blocks(markdown))

    def show(self, markdown: str, blocks: list[Block]) -> None:
        self._exporting = False
        if markdown != self.shown:
            self.shown = markdown
            self.query_one("#summary", MarkdownView).show(blocks)
        self.refresh_data()  # catch up with changes made while it was exported

    def action_reload(self) -> None:
        self._exported = None
        self.shown = ""
        self.refresh_data()
