"""Snapshot tests: every phase's main view at the sizes a room projects, 80x24, 100x30 and
160x50 (tests/test_snapshots.py pins 120x40). Below 120 columns the phase navigator steps
aside; at every size the numbers keep their columns and typed text is cut at a word.
tests/test_fit_to_width.py asserts the same rules on the widgets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from test_snapshots import demo_with_votes
from textual.widgets import Input, TextArea

from screens.app import WorkshopApp
from workshop.demo import open_demo

SIZES = [(80, 24), (100, 30), (160, 50)]
TODAY = dt.date(2027, 2, 10)  # some actions of the demo are overdue by then

# Each phase's main view, as the keys a facilitator presses from the first screen.
VIEWS = {
    "groups": [],
    "whom-we-serve": ["3"],
    "perception-gap": ["3", "p"],
    "customer-chain": ["3", "t"],
    "touchpoints": ["4"],
    "comments": ["5"],
    "group-stream": ["5", "g", "down"],
    "proposals": ["6"],
    "impact-effort": ["6", "m"],
    "actions": ["8"],
}


def size_id(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


@pytest.mark.parametrize("size", SIZES, ids=size_id)
@pytest.mark.parametrize("view", list(VIEWS))
def test_phase_view(snap_compare, tmp_path: Path, view: str, size: tuple[int, int]) -> None:
    ws = open_demo(tmp_path / "demo.db")
    app = WorkshopApp(ws, today=TODAY)
    assert snap_compare(app, terminal_size=size, press=VIEWS[view])
    ws.close()


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_revealed_vote(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    """Revealed results keep Votes, Voters and the tie flag at every width."""
    ws, _ = demo_with_votes(tmp_path, reveal=True)
    assert snap_compare(WorkshopApp(ws), terminal_size=size, press=["7"])
    ws.close()


async def still(pilot) -> None:
    """No blinking cursors: the picture is stable."""
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=size_id)
@pytest.mark.parametrize("form", ["group", "proposal"])
def test_form_fits(snap_compare, tmp_path: Path, form: str, size: tuple[int, int]) -> None:
    """A form never runs past the screen's edge: it scrolls within itself when tall."""
    ws = open_demo(tmp_path / "demo.db")

    async def run_before(pilot) -> None:
        await pilot.press(*(["a"] if form == "group" else ["6", "a"]))
        await still(pilot)

    assert snap_compare(WorkshopApp(ws), terminal_size=size, run_before=run_before)
    ws.close()


@pytest.mark.parametrize("size", [(80, 24)], ids=size_id)
def test_navigator_shown_on_a_narrow_screen(snap_compare, tmp_path: Path, size) -> None:
    """N brings the list of phases back on a narrow screen."""
    ws = open_demo(tmp_path / "demo.db")
    assert snap_compare(WorkshopApp(ws), terminal_size=size, press=["N"])
    ws.close()
