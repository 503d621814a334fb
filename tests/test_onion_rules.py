"""Onion layers and cycle refusal; comments imported from CSV, routed and streamed."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from workshop import PlanError, Workshop, WorkshopError
from workshop.chain import onion_layers
from workshop.cli import main


def test_layers_of_a_three_deep_onion() -> None:
    assert onion_layers({1: None, 2: 1, 3: 2, 4: 99}, 99) == {1: 1, 2: 2, 3: 3, 4: 1}


def test_a_cycle_is_refused_with_the_groups_named() -> None:
    names = {1: "IT", 2: "HR", 3: "Audit"}
    with pytest.raises(PlanError, match="A cycle of supports: .*(IT → HR|HR → IT)"):
        onion_layers({1: 2, 2: 1, 3: None}, 99, names)
    with pytest.raises(PlanError, match="IT supports Audit, which has no contribution"):
        onion_layers({1: 3}, 99, names)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_only_offered_supports_are_accepted(data) -> None:
    """Build a random onion through the store; for one layer, every offered "whom does this
    help?" choice is accepted and every other contributing group is refused."""
    with tempfile.TemporaryDirectory() as folder:
        ws = Workshop.create(Path(folder) / "o.db", title="Onion")
        owner = ws.add_group("Owner", kind="front line")
        point = ws.add_touchpoint("Moment", owner_id=owner)
        groups = [ws.add_group(f"G{n}") for n in range(data.draw(st.integers(2, 7)))]
        placed: list[int] = []
        for gid in groups:
            helps = data.draw(st.sampled_from([None, *placed]))
            ws.add_contribution(point, gid, supports_group_id=helps)
            placed.append(gid)
        layers = {c.group_id: c.layer for c in ws.onion(point)}
        assert all(layer is not None and layer >= 1 for layer in layers.values())
        mover = data.draw(st.sampled_from(placed))
        contribution = next(c for c in ws.onion(point) if c.group_id == mover)
        offered = {gid for gid, _, _ in ws.support_choices(point, mover)}
        for target in [None, *placed]:
            if target in offered:
                ws.update_contribution(contribution.id, supports_group_id=target)
            elif target != mover:
                with pytest.raises(PlanError, match="cycle"):
                    ws.update_contribution(contribution.id, supports_group_id=target)
        ws.close()


def test_owner_and_duplicates_cannot_be_layers(small_workshop: Workshop) -> None:
    sales = small_workshop.lookup_id("groups", "Sales")
    it = small_workshop.lookup_id("groups", "IT")
    with pytest.raises(WorkshopError, match="owns “First visit”"):
        small_workshop.add_contribution(1, sales)
    with pytest.raises(WorkshopError, match="already contributes"):
        small_workshop.add_contribution(1, it)
    with pytest.raises(WorkshopError, match="contributes a layer"):
        small_workshop.update_touchpoint(1, owner_id=it)


def test_json_export_carries_layers_and_routes(small_workshop: Workshop) -> None:
    data = json.loads(small_workshop.export("json"))
    assert [(c["group"], c["layer"]) for c in data["contributions"]] == [("IT", 1), ("HR", 2)]
    assert [c.layer for c in small_workshop.onion(1)] == [1, 2]
    assert data["comments"][0]["routed_to"] == list(small_workshop.comments()[0].routed_to)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_csv_import_reports_every_bad_line_and_imports_nothing(workshop_path: Path) -> None:
    path = write_csv(
        workshop_path.parent / "comments.csv",
        [
            ["text", "touchpoint", "sentiment", "date"],
            ["Lovely crew", "First visit", "positive", "2026-11-01"],
            ["Who are you?", "Moon base", "negative", "2026-11-02"],
            ["Late\nagain", "first visit", "grumpy", "2026-11-03"],
            ["", "", "neutral", ""],
            ["Bad date", "", "neutral", "03/11/2026"],
        ],
    )
    result = CliRunner().invoke(main, ["import", str(workshop_path), str(path)])
    assert result.exit_code == 1
    message = result.stderr
    assert message.count("\n") == 1 and "nothing imported" in message
    for fragment in ("line 3: unknown touchpoint “Moon base”", "line 4:", "line 6:", "line 7:"):
        assert fragment in message
    with Workshop.open(workshop_path) as ws:
        assert len(ws.comments()) == 1


def test_csv_import_reads_spreadsheet_files(workshop_path: Path) -> None:
    path = workshop_path.parent / "comments.csv"
    path.write_text(
        '\ufeffDate,Text,Sentiment,Touchpoint\r\n2026-11-05,"Fast, friendly",POSITIVE,first visit'
        "\r\n\r\n,No date given,,\r\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["import", str(workshop_path), str(path)])
    assert result.exit_code == 0 and "Added 2 comments" in result.stdout
    with Workshop.open(workshop_path) as ws:
        texts = {c.text: (c.touchpoint, c.sentiment, c.date) for c in ws.comments()}
        assert texts["Fast, friendly"] == ("First visit", "positive", "2026-11-05")
        assert texts["No date given"] == (None, "neutral", None)
        ws.undo()
        assert len(ws.comments()) == 1


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "is empty"), ("text\n", "no comments"), ("words,when\nhi,now\n", "header")],
)
def test_csv_without_a_usable_header_is_refused(
    small_workshop: Workshop, text: str, fragment: str
) -> None:
    with pytest.raises(PlanError, match=fragment):
        small_workshop.import_comments_csv(text)


def test_routing_suggests_the_onion_and_undoes(small_workshop: Workshop) -> None:
    assert [name for _, name, _ in small_workshop.suggested_routes(1)] == ["Sales", "IT", "HR"]
    comment = small_workshop.comments()[0]
    small_workshop.route_comment(comment.id, [small_workshop.lookup_id("groups", "HR")])
    assert small_workshop.comment(comment.id).routed_to == ("HR",)
    small_workshop.undo()
    assert small_workshop.comment(comment.id).routed_to == ("Sales", "IT")


def test_a_group_stream_is_newest_first_with_counts(demo_workshop: Workshop) -> None:
    support = demo_workshop.lookup_id("groups", "Customer Support")
    stream, counts = demo_workshop.comment_stream(support)
    dates = [c.date for c in stream]
    assert dates == sorted(dates, reverse=True)
    assert sum(counts.values()) == len(stream) == 10
    assert counts == {
        s: sum(c.sentiment == s for c in stream) for s in ("positive", "neutral", "negative")
    }
