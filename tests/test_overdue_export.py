"""Overdue actions in the exports (issue 19, item 5): an action not finished and due before
the export's day is marked in Markdown and HTML, and carries `overdue` in JSON and CSV; the
day is injectable, so exports stay the same from one day to the next. Real files in tmp_path."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from tests.conftest import SMALL_PLAN
from workshop import Workshop
from workshop.actions import is_overdue
from workshop.export import export

BEFORE, DUE, AFTER = dt.date(2027, 1, 30), "2027-01-31", dt.date(2027, 2, 1)


@pytest.fixture
def ws(tmp_path: Path):
    plan = copy.deepcopy(SMALL_PLAN)
    base = plan["actions"][0]
    plan["actions"] = [
        {**base, "status": status, "kpi": f"KPI {status}"}
        for status in ("planned", "doing", "done", "dropped")
    ]
    plan["actions"].append({**base, "due": "2027-02-01", "kpi": "KPI due that day"})
    ws = Workshop.create(tmp_path / "w.db", title="Small org", plan=plan)
    yield ws
    ws.close()


def test_the_rule() -> None:
    assert is_overdue("planned", DUE, AFTER) and is_overdue("doing", DUE, AFTER)
    assert not is_overdue("done", DUE, AFTER) and not is_overdue("dropped", DUE, AFTER)
    assert not is_overdue("planned", DUE, dt.date(2027, 1, 31))  # due today: not yet
    assert not is_overdue("planned", None, AFTER) and not is_overdue("planned", "", AFTER)


def test_json_and_csv_carry_overdue(ws: Workshop) -> None:
    data = json.loads(export(ws, "json", today=AFTER))
    assert [(a["kpi"], a["overdue"]) for a in data["actions"]] == [
        ("KPI planned", True), ("KPI doing", True), ("KPI done", False),
        ("KPI dropped", False), ("KPI due that day", False),
    ]  # fmt: skip
    assert list(data["actions"][0])[5:7] == ["status", "overdue"]
    before = json.loads(export(ws, "json", today=BEFORE))
    assert not any(a["overdue"] for a in before["actions"])
    rows = list(csv.DictReader(io.StringIO(export(ws, "csv", today=AFTER))))
    assert [r["overdue"] for r in rows] == ["yes", "yes", "no", "no", "no"]
    assert list(rows[0])[-1] == "overdue"


def test_markdown_and_html_mark_overdue(ws: Workshop) -> None:
    md = export(ws, "md", today=AFTER)
    assert "**2 overdue** as of 2027-02-01" in md
    assert "- IT, due 2027-01-31 (**overdue**), planned. KPI: KPI planned" in md
    assert "- IT, due 2027-01-31 (**overdue**), doing. KPI: KPI doing" in md
    assert "- IT, due 2027-01-31, done. KPI: KPI done" in md
    assert "- IT, due 2027-01-31, dropped. KPI: KPI dropped" in md
    assert "- IT, due 2027-02-01, planned. KPI: KPI due that day" in md
    html = export(ws, "html", today=AFTER)
    assert html.count('<strong class="warn">(overdue)</strong>') == 2
    assert "2 overdue</strong> as of 2027-02-01" in html
    calm = export(ws, "md", today=BEFORE)
    assert "overdue" not in calm


def test_the_export_day_is_the_clocks_unless_given(
    ws: Workshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("workshop.export.export_day", lambda: AFTER)
    assert "(**overdue**)" in ws.export("md")  # Workshop.export, as the command line uses it
    assert json.loads(ws.export("json"))["actions"][0]["overdue"] is True
    monkeypatch.setattr("workshop.export.export_day", lambda: BEFORE)
    assert "overdue" not in ws.export("md")


def test_a_carried_action_is_marked_in_the_review_table(tmp_path: Path) -> None:
    first = Workshop.create(tmp_path / "q3.db", title="Q3", plan=copy.deepcopy(SMALL_PLAN))
    first.close()
    ws = Workshop.create(tmp_path / "q4.db", title="Q4", follow_up=tmp_path / "q3.db")
    md = export(ws, "md", today=AFTER)
    assert "| Quote on the spot | IT | 2027-01-31 **overdue** | planned | planned |" in md
    html = export(ws, "html", today=AFTER)
    assert '<td>2027-01-31 <strong class="warn">overdue</strong></td>' in html
    ws.close()


def test_a_users_template_sees_overdue(ws: Workshop) -> None:
    text = "{% for a in actions %}{{ a.overdue }} {% endfor %}{{ summary.overdue }}"
    out = export(ws, "md", template=("mine.md.j2", text), today=AFTER)
    assert out == "True True False False False 2"
