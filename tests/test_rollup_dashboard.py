"""The roll-up dashboard (`workshop rollup FILES` without --format): Pilot tests press the keys
a CX lead would, and a snapshot pins its look at 120x40."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from textual.widgets import DataTable, TabbedContent

from screens.rollup_app import RollupApp, headline
from workshop import Workshop
from workshop.demo import demo_plan
from workshop.rollup import rollup

TODAY = dt.date(2026, 11, 23)


def three_quarters(folder: Path) -> list[Path]:
    """The demo company's workshops in Q1, Q2 and Q3 of 2026: actions carried and moved, one
    perception gap closing, plus a damaged file."""
    folder.mkdir(exist_ok=True)
    plan = demo_plan()
    first = folder / "2026-q1.db"
    with Workshop.create(first, title="Spring workshop", plan=plan) as ws:
        ws.update_info(date="2026-02-10")
        sales = ws.lookup_id("groups", "Sales")
        ws.add_action(owner_id=sales, due="2026-04-30", kpi="Quotes sent within 2 days")
        handoff = next(h for h in ws.handoffs() if h.customer_rating is not None)
        ws.update_handoff(handoff.id, self_rating=5, customer_rating=2)
    second = folder / "2026-q2.db"
    with Workshop.create(second, title="Summer workshop", follow_up=first) as ws:
        ws.update_info(date="2026-05-12")
        for action in ws.actions()[:2]:
            ws.update_action(action.id, status="doing")
    third = folder / "2026-q3.db"
    with Workshop.create(third, title="Autumn workshop", follow_up=second) as ws:
        ws.update_info(date="2026-08-20")
        ws.update_action(ws.actions()[0].id, status="done")
        handoff = next(h for h in ws.handoffs() if h.customer_rating is not None)
        ws.update_handoff(handoff.id, self_rating=4, customer_rating=4)
    (folder / "broken.db").write_bytes(b"\x00not a workshop\xff" * 64)
    return [first, second, third]


@pytest.fixture
def year(tmp_path: Path) -> Path:
    three_quarters(tmp_path / "year")
    return tmp_path / "year"


def test_headline_names_the_span_overdue_and_skipped(year: Path):
    data = rollup([year], today=TODAY)
    text = headline(data)
    assert text.startswith("3 workshops from 2026-Q1 to 2026-Q3, as of 2026-11-23")
    assert f"⚠ {data['overdue']} overdue action" in text
    assert "1 file skipped" in text


async def test_keys_switch_tables_and_rows_match_the_data(year: Path):
    data = rollup([year], today=TODAY)
    app = RollupApp(data)
    async with app.run_test(size=(120, 40)) as pilot:
        tabs = app.query_one(TabbedContent)
        assert tabs.active == "actions"
        actions = app.query_one("#actions-table", DataTable)
        assert actions.row_count == len(data["actions"]) > 0
        first = actions.get_row_at(0)
        assert str(first[0]) == "⚠ overdue"  # overdue first
        for key, tab, table, rows in [
            ("2", "groups", "#groups-table", data["by_group"]),
            ("3", "gaps", "#gaps-table", data["gaps"]),
            ("4", "orphans", "#orphans-table", data["orphans"]),
            ("5", "comments", "#comments-table", data["comments"]),
        ]:
            await pilot.press(key)
            assert tabs.active == tab
            assert app.query_one(table, DataTable).row_count == len(rows)
        await pilot.press("6")
        workshops = app.query_one("#workshops-table", DataTable)
        assert workshops.row_count == 4  # three workshops and the skipped file
        assert "broken.db" in str(workshops.get_row_at(3)[4])
        await pilot.press("3")
        gaps = app.query_one("#gaps-table", DataTable)
        trends = [str(gaps.get_row_at(i)[3]) for i in range(gaps.row_count)]
        assert "↘ closing" in trends


async def test_dashboard_changes_no_file(year: Path):
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in year.iterdir()}
    app = RollupApp(rollup([year], today=TODAY))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2", "3", "t", "q")
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in year.iterdir()}
    assert after == before


async def test_typed_text_shows_as_typed(tmp_path: Path):
    with Workshop.create(tmp_path / "odd.db", title="[b]Bold[/b] workshop [/]") as ws:
        ws.update_info(date="2026-03-01")
        group = ws.add_group("Ops [/]", kind="support")
        ws.add_action(owner_id=group, due="2026-01-01", kpi="{{ 7*7 }} | *x*")
    app = RollupApp(rollup([tmp_path], today=TODAY))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        row = app.query_one("#actions-table", DataTable).get_row_at(0)
        # Whole where the room allows (the text columns share the free width) …
        assert [str(c) for c in row[2:4]] == ["Ops [/]", "[b]Bold[/b] workshop [/]"]
        assert str(row[6]) == "{{ 7*7 }} | *x*"
    app = RollupApp(rollup([tmp_path], today=TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        row = app.query_one("#actions-table", DataTable).get_row_at(0)
        # … and cut short, with an ellipsis, where it does not.
        shown = str(row[3])
        assert shown.endswith("…") and "[b]Bold[/b] workshop [/]".startswith(shown[:-1])


def test_dashboard_snapshot(snap_compare, year: Path):
    """The action plans of a year of workshops, overdue first."""
    data = rollup([year], today=TODAY)
    for item in data["workshops"] + data["skipped"] + data["actions"]:
        item["file"] = Path(item["file"]).name  # the temp folder differs on every run
    assert snap_compare(RollupApp(data), terminal_size=(120, 40))


async def test_arrow_keys_show_the_highlighted_action_in_full(year: Path):
    data = rollup([year], today=TODAY)
    app = RollupApp(data)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("down")
        detail = str(app.query_one("#action-detail").render())
        second = data["actions"][1]
        assert second["kpi"] in detail and second["owner"] in detail
