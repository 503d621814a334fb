"""The presenter view for the projector: the room's phase in large, high-contrast type, the
timer, how many are done and the join code. It shows only what the whole room may see
(workshop/presenter.py decides that)."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Digits, ProgressBar, Static

from screens.widgets.plain import PlainStatic, plain
from workshop.presenter import Board, board
from workshop.room import Timer

CHROME_ROWS = 15  # the rows around the lines: title, phase, prompt, rules, join code, keys


def board_table(view: Board, *, spaced: bool = False) -> Table:
    """The board's lines as a borderless two-column table (text, mark); `spaced` leaves a
    blank row between lines, easier to read from the back of the room."""
    table = Table.grid(expand=True, padding=(0, 2, int(spaced), 0))
    table.add_column(ratio=3, overflow="ellipsis", no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    for line in view.lines:
        style = "reverse" if line.strong else ""
        table.add_row(plain(line.text, style), plain(line.mark, style))
    if view.more:
        table.add_row(Text(f"… and {view.more} more", style="italic"), Text(""))
    if not view.lines:
        table.add_row(Text("Nothing here yet.", style="italic"), Text(""))
    return table


class PresenterScreen(Screen):
    """Large and plain, for the back of the room; refreshed as the workshop changes."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [
        Binding("p,escape", "app.toggle_presenter", "Leave presenter view", id="presenter.leave"),
    ]

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            with Vertical(id="heading"):
                yield PlainStatic(id="title")
                yield PlainStatic(id="phase")
            yield Digits("", id="clock")
        yield PlainStatic(id="prompt")
        yield PlainStatic(id="lines")
        with Horizontal(id="bottom"):
            yield PlainStatic(id="join")
            yield PlainStatic(id="ready-label")
            yield ProgressBar(id="ready", show_eta=False, show_percentage=False)
        yield PlainStatic("p: leave presenter view · ]: next phase · T: timer", id="keys")

    def on_screen_resume(self) -> None:
        self.refresh_board()

    def on_resize(self) -> None:
        self.refresh_board()

    def refresh_board(self) -> None:
        """Read the whole board again (when the workshop changed or the size did)."""
        rows = max(3, self.app.size.height - CHROME_ROWS)
        view = board(self.app.ws, limit=rows - 1)  # type: ignore[attr-defined]
        spaced = (len(view.lines) + 1) * 2 <= rows
        self.query_one("#title", Static).update(view.title)
        self.query_one("#phase", Static).update(f"{view.of}: {view.phase.upper()}")
        self.query_one("#prompt", Static).update(view.prompt)
        self.query_one("#lines", Static).update(board_table(view, spaced=spaced))
        self.show_clock(view.timer)
        self.query_one("#join", Static).update(f"Join code {view.join_code}")
        ready = view.readiness
        total = ready.total if ready else 0
        done = ready.ready if ready else 0
        shown = f"✔ {done} of {total} done" if total else "nobody here yet"
        self.query_one("#ready-label", Static).update(shown)
        bar = self.query_one("#ready", ProgressBar)
        bar.update(total=max(total, 1), progress=done)

    def show_clock(self, timer: Timer | None) -> None:
        """Only the timer (every second): the board itself changes with the workshop."""
        clock = self.query_one("#clock", Digits)
        clock.update(timer.clock() if timer else "")
        clock.display = timer is not None
        clock.set_class(bool(timer and timer.warning), "-warning")
        clock.set_class(bool(timer and timer.ended), "-ended")
