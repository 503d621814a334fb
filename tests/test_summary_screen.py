"""Pilot tests of the summary phase and the export-summary key."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import RichLog

from screens.app import WorkshopApp
from workshop.demo import open_demo

SIZE = (120, 40)


async def shown_text(pilot) -> str:
    """The summary on screen, once the worker laying it out is done."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    log = pilot.app.screen.query_one("#summary", RichLog)
    return "\n".join(strip.text for strip in log.lines)


async def test_summary_phase_shows_the_markdown_and_x_writes_it(tmp_path: Path) -> None:
    ws = open_demo(tmp_path / "demo.db")
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("9")
        await pilot.pause()
        text = await shown_text(pilot)
        assert "Brightwell Home Energy" in text and "Groups and roles" in text
        assert "Facilities" in text
        await pilot.press("x")
        await pilot.pause()
    written = tmp_path / "demo-summary.md"
    assert written.read_text(encoding="utf-8") == ws.export("md")
    ws.close()


async def test_the_summary_follows_changes_and_export_works_from_any_phase(
    tmp_path: Path,
) -> None:
    ws = open_demo(tmp_path / "demo.db")
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("9")
        await pilot.pause()
        ws.add_group("Legal ⚖ <b>team</b>")
        app.refresh_workshop()
        await pilot.pause()
        assert "Legal ⚖ <b>team</b>" in await shown_text(pilot)
        await pilot.press("2", "x")  # x works from any phase, not only the summary
        await pilot.pause()
    assert "Legal ⚖ \\<b\\>team\\</b\\>" in (tmp_path / "demo-summary.md").read_text("utf-8")
    ws.close()


async def test_a_participant_cannot_export(tmp_path: Path) -> None:
    ws = open_demo(tmp_path / "demo.db")
    ws.update_info(phase="summary")
    app = WorkshopApp(ws, facilitator=False, participant_id=ws.join("Ann"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await pilot.pause()
    assert not (tmp_path / "demo-summary.md").exists()
    ws.close()
