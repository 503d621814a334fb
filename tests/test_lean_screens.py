"""What keeps starting the app and opening a screen quick: checked by behaviour, not by timing
(the figures are in `python -m benchmarks`). Each test fails if a saving silently stops working,
for instance after a Textual upgrade."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.css.stylesheet import Stylesheet
from textual.widgets import DataTable

from screens.app import WorkshopApp
from screens.group_form import GroupForm
from screens.groups_screen import GroupsScreen
from screens.widgets.key_bar import KeyBar
from workshop.demo import open_demo

ROOT = Path(__file__).resolve().parent.parent
SIZE = (120, 40)

FIRST_SCREEN = """
import asyncio, json, sys
from pathlib import Path
from workshop import Workshop
from screens.app import WorkshopApp

async def main() -> None:
    # The other phases' screens are built half a second later, in the background (their
    # tests are below); on a busy machine the pause below can outlast that half second.
    WorkshopApp.BUILD_AHEAD = False
    app = WorkshopApp(Workshop.open(Path(sys.argv[1])))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print(json.dumps([type(app.screen).__name__, sorted(sys.modules)]))

asyncio.run(main())
"""


def test_the_first_screen_needs_neither_sqlite_utils_nor_the_other_screens(
    tmp_path: Path,
) -> None:
    """Opening a workshop and showing its first screen imports no sqlite-utils (a tenth of
    startup), no other phase screen, no form and not the palette's commands."""
    path = tmp_path / "demo.db"
    open_demo(path).close()
    out = subprocess.run(
        [sys.executable, "-c", FIRST_SCREEN, str(path)],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=True,
    )  # fmt: skip
    screen, modules = json.loads(out.stdout.strip().splitlines()[-1])
    assert screen == "GroupsScreen"
    loaded = set(modules)
    assert "screens.groups_screen" in loaded
    unwanted = {"sqlite_utils", "screens.commands", "screens.group_form", "screens.help_screen",
                "screens.summary_screen", "screens.handoffs_screen", "rich.markdown"}  # fmt: skip
    assert not unwanted & loaded, sorted(unwanted & loaded)


async def test_a_new_screen_parses_no_css(tmp_path: Path, monkeypatch) -> None:
    """Every stylesheet is read once after the first paint; Textual would otherwise parse
    all CSS again (and restyle the app) for each screen it shows for the first time."""
    ws = open_demo(tmp_path / "demo.db")
    parses: list[str] = []
    reparse = Stylesheet.reparse

    def counting_reparse(self: Stylesheet) -> None:
        parses.append("reparse")
        reparse(self)

    monkeypatch.setattr(Stylesheet, "reparse", counting_reparse)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        parses.clear()
        for key in "3456789":
            await pilot.press(key)
            await pilot.pause()
        await app.workers.wait_for_complete()
        assert parses == []
        await pilot.press("a")  # a form, whose stylesheet was read ahead too
        await pilot.pause()
        assert parses == []
    ws.close()


async def test_the_first_screen_is_styled_once(tmp_path: Path, monkeypatch) -> None:
    """Starting reads the first screen's stylesheets with the app's (no second parse of all
    CSS for them) and styles its widgets as they mount, not again on its first show; a
    screen shown again is restyled whole only if the app's looks changed meanwhile."""
    from textual.widget import Widget

    ws = open_demo(tmp_path / "demo.db")
    reparses: list[str] = []
    restyled: list[str] = []
    reparse, update_node_styles = Stylesheet.reparse, Widget.update_node_styles

    def counting_reparse(self: Stylesheet) -> None:
        reparses.append("reparse")
        reparse(self)

    def counting_update(self: Widget, animate: bool = True) -> None:
        restyled.append(type(self).__name__)
        update_node_styles(self, animate)

    monkeypatch.setattr(Stylesheet, "reparse", counting_reparse)
    monkeypatch.setattr(Widget, "update_node_styles", counting_update)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, GroupsScreen)
        assert reparses == ["reparse"]  # the theme's, which every Textual app runs
        assert "GroupsScreen" not in restyled
        await pilot.press("3", "2")
        await pilot.pause()
        assert "GroupsScreen" not in restyled  # back, with nothing changed
        await pilot.press("3")
        app.add_class("-looks-changed")  # the app's looks changed while another was on show
        await pilot.press("2")
        await pilot.pause()
        assert "GroupsScreen" in restyled
    ws.close()


async def test_the_key_bar_presses_a_clicked_key_and_explains_a_hovered_one(
    tmp_path: Path,
) -> None:
    ws = open_demo(tmp_path / "demo.db")
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        keys, palette = bar.shown_keys()
        assert [k.display for k in keys][:3] == ["a", "e", "d"]
        assert palette is not None and palette.display == "^p"
        await pilot.hover(KeyBar, offset=(9, 0))  # on " e Edit "
        assert str(bar.tooltip) == "Edit the highlighted group"  # plain Text, no markup
        await pilot.click(KeyBar, offset=(2, 0))  # on " a Add "
        await pilot.pause()
        assert isinstance(app.screen, GroupForm)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, GroupsScreen)
    ws.close()


async def test_the_key_bar_follows_the_screen_and_keeps_the_palette_key_in_view(
    tmp_path: Path,
) -> None:
    ws = open_demo(tmp_path / "demo.db")
    app = WorkshopApp(ws)
    async with app.run_test(size=(60, 30)) as pilot:  # too narrow for every key
        await pilot.press("4")
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        line = bar.render().plain
        assert line.startswith(" t List  o Onion") and line.endswith("▏^p Commands ")
        assert len(line) == 60
    ws.close()


async def until(pilot, condition: Callable[[], object], seconds: float = 60.0) -> None:
    """Let the app run until `condition()` holds (`seconds`: only against a hang)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


@pytest.mark.build_ahead
async def test_the_next_phase_is_built_while_the_room_works(tmp_path: Path, monkeypatch) -> None:
    """Half a second after a screen shows, the phases either side are built in the background:
    moving on then only switches screens. The screen on show keeps the keyboard meanwhile."""
    from screens.app import PREPARE_AFTER_SECONDS
    from screens.handoffs_screen import HandoffsScreen

    built: list[tuple[HandoffsScreen, float]] = []
    compose_body = HandoffsScreen.compose_body

    def recording_compose_body(self: HandoffsScreen):  # noqa: ANN202
        built.append((self, time.monotonic()))
        return compose_body(self)

    shown: list[tuple[int, float]] = []  # screens built so far, as each quiet moment begins
    prepare_next_phase = WorkshopApp.prepare_next_phase

    def recording_prepare_next_phase(self: WorkshopApp) -> None:
        shown.append((len(built), time.monotonic()))
        prepare_next_phase(self)

    monkeypatch.setattr(HandoffsScreen, "compose_body", recording_compose_body)
    monkeypatch.setattr(WorkshopApp, "prepare_next_phase", recording_prepare_next_phase)
    ws = open_demo(tmp_path / "demo.db")
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, GroupsScreen)
        assert shown and shown[0][0] == 0  # nothing else was built as the first screen showed
        focused = app.focused
        await until(pilot, lambda: built and built[0][0].is_mounted)
        assert built[0][1] - shown[0][1] >= PREPARE_AFTER_SECONDS  # after the quiet moment
        assert len(built) == 1 and isinstance(app.screen, GroupsScreen)
        assert app.focused is focused and focused is not None and focused.screen is app.screen
        await pilot.press("a")  # the groups screen still has the keys
        await until(pilot, lambda: isinstance(app.screen, GroupForm))
        await pilot.press("escape", "3")
        await until(pilot, lambda: app.current_mode == "customers & hand-offs")
        assert app.screen is built[0][0] and len(built) == 1
        assert app.screen.query_one("#serves").row_count > 0  # its rows were loaded
    ws.close()


@pytest.mark.build_ahead
async def test_every_phase_is_built_and_drawn_nearest_first(tmp_path: Path, monkeypatch) -> None:
    """While the room works, the other phases' screens are built one by one, nearest first,
    then drawn once off screen: showing one later only puts its lines on the terminal."""
    import screens.app
    from screens.handoffs_screen import HandoffsScreen
    from workshop.vocabulary import PHASES

    monkeypatch.setattr(screens.app, "PREPARE_AFTER_SECONDS", 0.02)
    built: list[str] = []
    init_mode = WorkshopApp._init_mode

    def recording_init_mode(self: WorkshopApp, mode: str):  # noqa: ANN202
        built.append(mode)
        return init_mode(self, mode)

    monkeypatch.setattr(WorkshopApp, "_init_mode", recording_init_mode)
    ws = open_demo(tmp_path / "demo.db")
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(app._drawn) == len(PHASES))
        phases = [mode for mode in built if mode in PHASES]
        assert phases[:4] == [
            "groups & roles",
            "customers & hand-offs",
            "review",
            "touchpoint onion",
        ]
        assert set(phases) == set(PHASES) and isinstance(app.screen, GroupsScreen)
        handoffs = app._screen_stacks["customers & hand-offs"][0]
        assert isinstance(handoffs, HandoffsScreen)
        drawn = len(handoffs.query_one("#serves", DataTable)._cell_render_cache)
        assert drawn > 0  # its cells were drawn before it was ever shown
        await pilot.press("3")
        await pilot.pause()
        assert app.screen is handoffs
        assert len(handoffs.query_one("#serves", DataTable)._cell_render_cache) == drawn
    ws.close()


async def test_a_phase_switch_shows_at_once_or_when_the_rows_are_in(tmp_path: Path) -> None:
    """Textual pauses the display for 50 ms on every mode switch; here a built screen shows
    at once, and one built on the spot keeps the previous picture only until its rows are
    in (never longer than MASK_LIMIT_SECONDS)."""
    ws = open_demo(tmp_path / "demo.db")
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.go_to_phase("summary")  # not built yet: the display waits for its rows
        assert app._batch_count == 1
        await pilot.pause()
        assert app._batch_count == 0 and app.screen.PHASE == "summary"
        app.go_to_phase("groups & roles")  # built: no pause at all
        assert app._batch_count == 0 and isinstance(app.screen, GroupsScreen)
    ws.close()
