"""The other phases' screens, built in the background while the room works (`WorkshopApp.
prepare_next_phase`): quitting, or moving to a phase, while one is still being put together.
Each test holds the build at one point (the hand-offs screen's `on_mount`), so that what it
checks happens then on any machine, however busy."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import DataTable

from screens.app import WorkshopApp
from screens.groups_screen import GroupsScreen
from screens.handoffs_screen import HandoffsScreen
from workshop import Workshop

pytestmark = pytest.mark.build_ahead  # the app builds ahead, as in use

SIZE = (120, 40)
HANDOFFS = "customers & hand-offs"  # the first phase built ahead from groups & roles


class HeldBuild:
    """Holds the hand-offs screen's mount (its `on_mount`) until `release()`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started = asyncio.Event()
        self.gate = asyncio.Event()
        self.mounted: list[HandoffsScreen] = []
        on_mount = HandoffsScreen.on_mount

        async def held_on_mount(screen: HandoffsScreen) -> None:
            self.started.set()
            await self.gate.wait()
            on_mount(screen)
            self.mounted.append(screen)

        monkeypatch.setattr(HandoffsScreen, "on_mount", held_on_mount)

    def release(self) -> None:
        self.gate.set()


async def until(condition: Callable[[], object], seconds: float = 60.0) -> None:
    """Let the event loop run until `condition()` holds (`seconds`: only against a hang)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def on_compose(monkeypatch: pytest.MonkeyPatch, action: Callable[[HandoffsScreen], None]) -> None:
    """Run `action` as the hand-offs screen is composed: its widgets are mounted next."""
    compose_body = HandoffsScreen.compose_body

    def acting_compose_body(screen: HandoffsScreen):  # noqa: ANN202
        action(screen)
        return compose_body(screen)

    monkeypatch.setattr(HandoffsScreen, "compose_body", acting_compose_body)


def recording_mounts(monkeypatch: pytest.MonkeyPatch) -> list[HandoffsScreen]:
    """The hand-offs screens whose `on_mount` ran through (it finds its widgets)."""
    mounted: list[HandoffsScreen] = []
    on_mount = HandoffsScreen.on_mount

    def recording_on_mount(screen: HandoffsScreen) -> None:
        on_mount(screen)
        mounted.append(screen)

    monkeypatch.setattr(HandoffsScreen, "on_mount", recording_on_mount)
    return mounted


async def test_leaving_while_a_screen_is_built_waits_for_it(
    small_workshop: Workshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing (here the end of `run_test`) takes every screen apart; a screen taken apart
    while its widgets still mount failed ("No Tab with id '--content-tab-serve'", "No
    nodes match '#picker'"). The app waits for it to be mounted first."""
    composing = asyncio.Event()
    on_compose(monkeypatch, lambda screen: composing.set())
    mounted = recording_mounts(monkeypatch)
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=SIZE):
        await asyncio.wait_for(composing.wait(), 60)
        assert isinstance(app.screen, GroupsScreen)  # and leave at once
    assert len(mounted) == 1


async def test_quitting_while_a_screen_is_built_waits_for_it(
    small_workshop: Workshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`App.exit` (the quit key, the snapshot tests) marks the app as exiting at once, and a
    screen still mounting then mounted no more widgets: its `on_mount` found no table. The
    app exits once the screen is mounted."""
    on_compose(monkeypatch, lambda screen: screen.app.exit("bye"))
    mounted = recording_mounts(monkeypatch)
    app = WorkshopApp(small_workshop)

    async def nothing(pilot) -> None:  # noqa: ANN001
        """Headless, the app runs until it exits (as the build begins)."""

    result = await asyncio.wait_for(
        app.run_async(headless=True, size=SIZE, auto_pilot=nothing), 60
    )  # a bound, so that a regression fails the test instead of hanging the suite
    assert result == "bye" and app.return_code == 0
    assert len(mounted) == 1


async def test_the_room_moving_to_a_phase_being_built_shows_it_once_it_is_whole(
    workshop_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys wait while a screen is built (Textual holds the app's messages until it is
    mounted), but another seat moving the room on is seen by a timer: the screen then
    shows as one built on the spot, the previous picture staying until its rows are in."""
    held = HeldBuild(monkeypatch)
    ws = Workshop.open(workshop_path)
    other = Workshop.open(workshop_path)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(held.started.wait(), 60)
        other.update_info(phase=HANDOFFS)  # the room moves on, from another process
        await until(lambda: app.current_mode == HANDOFFS)
        assert app._batch_count == 1  # the groups screen's picture stays up meanwhile
        held.release()
        await until(lambda: held.mounted)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HandoffsScreen) and held.mounted == [screen]
        assert screen.query_one("#serves", DataTable).row_count > 0
        assert app._batch_count == 0  # shown, whole
    other.close()
    ws.close()


async def screen_picture(path: Path, *, ahead: bool) -> str:
    """The hand-offs screen of the workshop at `path`, built ahead or on show."""
    ws = Workshop.open(path)
    app = WorkshopApp(ws)
    app.BUILD_AHEAD = ahead
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        if ahead:  # built and drawn off screen before it is shown
            await until(lambda: HANDOFFS in app._drawn)
        await pilot.press("3")
        await until(lambda: app.current_mode == HANDOFFS)
        await pilot.pause()
        picture = app.export_screenshot()
    ws.close()
    return picture


async def test_a_screen_built_ahead_looks_as_one_built_on_show(workshop_path: Path) -> None:
    """Building and drawing a screen in the background changes nothing of its picture, so
    no picture depends on whether the background got to it first."""
    ahead = await screen_picture(workshop_path, ahead=True)
    on_show = await screen_picture(workshop_path, ahead=False)
    assert ahead == on_show
