"""Pilot tests of the summary phase and the export-summary key."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks import large
from screens.app import WorkshopApp
from screens.widgets.markdown_view import MarkdownView
from workshop import Workshop
from workshop.demo import open_demo

SIZE = (120, 40)


async def shown_text(pilot) -> str:
    """Every line of the summary as the view lays it out, once the export worker is done."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    view = pilot.app.screen.query_one("#summary", MarkdownView)
    lines = []
    while len(lines) < view.virtual_size.height:  # laying out a block corrects the height
        lines.append(view.line(len(lines)).text.rstrip())
    return "\n".join(lines)


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
        await app.workers.wait_for_complete()  # written off the event loop
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
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert "Legal ⚖ \\<b\\>team\\</b\\>" in (tmp_path / "demo-summary.md").read_text("utf-8")
    ws.close()


async def test_a_participant_cannot_export(tmp_path: Path) -> None:
    ws = open_demo(tmp_path / "demo.db")
    ws.update_info(phase="summary")
    app = WorkshopApp(ws, facilitator=False, participant_id=ws.join("Ann"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert not (tmp_path / "demo-summary.md").exists()
    ws.close()


def deep_onion(path: Path, depth: int) -> Workshop:
    """A workshop whose one touchpoint is peeled `depth` layers deep, then a proposal and an
    action: the sections that come after the onions in the summary."""
    teams = [f"Team {n:02d}" for n in range(depth + 1)]
    ws = Workshop.create(path, title="Deep onion")
    ws.import_plan({
        "groups": [{"name": team, "kind": "support"} for team in teams],
        "customers": [{"name": "Tenants"}],
        "touchpoints": [{"name": "Boiler breaks", "customer": "Tenants", "owner": teams[0]}],
        "contributions": [
            {"touchpoint": "Boiler breaks", "group": team, "supports": teams[n],
             "what": f"Step {n + 1}"}
            for n, team in enumerate(teams[1:])
        ],
        "proposals": [{"title": "One call fixes it", "owner": teams[0]}],
        "actions": [{"proposal": "One call fixes it", "owner": teams[1], "kpi": "Calls resolved"}],
    })  # fmt: skip
    return ws


async def test_a_deep_onion_and_everything_after_it_are_on_screen(tmp_path: Path) -> None:
    """Rich's Markdown stopped reading at ten levels of list: the rest of the summary was lost."""
    ws = deep_onion(tmp_path / "deep.db", depth=30)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("9")
        text = await shown_text(pilot)
    for n in range(1, 31):  # every layer, each on a line of its own with its name whole
        assert f"Layer {n}, Team {n:02d}: Step {n}" in text
    assert "Proposals" in text and "One call fixes it" in text
    assert "Action plans" in text and "KPI: Calls resolved" in text
    ws.close()


def visible(pilot) -> list[str]:
    """The lines the summary view draws now."""
    view = pilot.app.screen.query_one("#summary", MarkdownView)
    return [view.render_line(y).text.rstrip() for y in range(view.scrollable_content_region.height)]


async def test_a_long_summary_scrolls_with_the_keys_and_follows_a_resize(tmp_path: Path) -> None:
    large.build(tmp_path / "large.db", 0.05)
    ws = Workshop.open(tmp_path / "large.db")
    last = ws.export("md").splitlines()[-1].removeprefix("- ")
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("9")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Large workshop ×0.05" in visible(pilot)[0]
        await pilot.press("end")
        await pilot.pause()
        assert any(last in line for line in visible(pilot))
        await pilot.press("home", "pagedown", "pagedown", "down")
        await pilot.pause()
        shown = "\n".join(visible(pilot))
        assert "Large workshop" not in shown and shown in await shown_text(pilot)
        await pilot.resize_terminal(90, 30)
        await pilot.pause()
        narrow = visible(pilot)
        room = app.screen.query_one("#summary").content_size.width  # the phases list hid
        assert 60 < room < 90 and all(len(line) <= room for line in narrow)
        assert "\n".join(narrow) in await shown_text(pilot)
    ws.close()


async def test_a_summary_that_cannot_be_written_is_reported(tmp_path: Path) -> None:
    ws = open_demo(tmp_path / "demo.db")
    (tmp_path / "demo-summary.md").mkdir()  # a folder where the file would go
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        message = list(app._notifications)[-1].message
    assert message.startswith("Could not write the summary:"), message
    assert (tmp_path / "demo-summary.md").is_dir()
    ws.close()


async def test_a_participant_reads_the_summary(tmp_path: Path) -> None:
    """The summary phase shows a participant the same summary (writing it out stays the
    facilitator's: x is not theirs)."""
    open_demo(tmp_path / "demo.db").close()
    with Workshop.open(tmp_path / "demo.db") as lead:
        lead.update_info(phase="summary")
        title = lead.info().title
    ws = Workshop.open(tmp_path / "demo.db", actor="Ann")
    me = ws.join("Ann")
    ws.act_as_participant(me)
    ws.set_participant_group(me, ws.lookup_id("groups", "Sales"))
    app = WorkshopApp(ws, facilitator=False, participant_id=me)
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.monotonic() + 20
        while title not in getattr(app.screen, "shown", ""):
            assert time.monotonic() < deadline, getattr(app.screen, "shown", "")[:200]
            await pilot.pause(0.1)
        assert "Only the facilitator" not in app.screen.shown
        assert app.check_action("export_summary", ()) is False
    ws.close()
