"""Customer comments: adding, ordering, streams per group, routing with undo, CSV import (API
and `workshop import FILE comments.csv`), and the JSON export's `routed_to`."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from workshop import NotFound, PlanError, Workshop, WorkshopError
from workshop.cli import main
from workshop.demo import demo_plan

SENTIMENTS = ("positive", "neutral", "negative")
FIRST_COMMENT = "The quote took | two weeks *again*"


def gid(ws: Workshop, name: str, table: str = "groups") -> int:
    """The id of a named entity, which must exist."""
    found = ws.lookup_id(table, name)
    assert found is not None, f"{name} is missing from {table}"
    return found


def as_csv(rows: list[list[str]]) -> str:
    """Rows written the way a spreadsheet or a script would, with csv.writer."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def comment_rows(ws: Workshop) -> list[tuple[Any, ...]]:
    """Every comment as (text, touchpoint, sentiment, date, routed_to), in id order."""
    return [
        (c.text, c.touchpoint, c.sentiment, c.date, c.routed_to)
        for c in sorted(ws.comments(), key=lambda c: c.id)
    ]


# -- adding comments ------------------------------------------------------------------------


def test_add_comment_keeps_every_field(small_workshop: Workshop) -> None:
    ws = small_workshop
    point = gid(ws, "First visit", "touchpoints")
    cid = ws.add_comment(
        "The fitter was brilliant.",
        touchpoint_id=point,
        sentiment=" Positive ",
        date="2026-11-03",
        routed_to=[gid(ws, "HR"), gid(ws, "Sales"), gid(ws, "HR")],
    )
    comment = ws.comment(cid)
    assert (comment.text, comment.touchpoint, comment.sentiment, comment.date) == (
        "The fitter was brilliant.",
        "First visit",
        "positive",
        "2026-11-03",
    )
    assert comment.touchpoint_id == point
    assert comment.routed_to == ("Sales", "HR")  # once each, in group order
    assert comment.routed_ids == (gid(ws, "Sales"), gid(ws, "HR"))
    assert ws.can_undo() == "Added a comment: The fitter was brilliant."
    bare = ws.comment(ws.add_comment("Just words"))
    assert (bare.touchpoint, bare.sentiment, bare.date, bare.routed_to) == (
        None,
        "neutral",
        None,
        (),
    )


@pytest.mark.parametrize(
    ("values", "error", "fragment"),
    [
        ({"text": ""}, PlanError, "The comment must not be empty"),
        ({"text": "  \n\t "}, PlanError, "The comment must not be empty"),
        ({"text": None}, PlanError, "The comment must not be empty"),
        ({"text": 42}, PlanError, "The comment must be text"),
        ({"text": "beep\x07"}, PlanError, r"control character \(U\+0007\)"),
        ({"text": "nul\x00here"}, PlanError, r"control character \(U\+0000\)"),
        ({"text": "\x1b[31mred"}, PlanError, r"control character \(U\+001B\)"),
        ({"text": "next\x85line"}, PlanError, r"control character \(U\+0085\)"),
        ({"text": "x" * 10_001}, PlanError, "10,001 characters long; the limit is 10,000"),
        ({"sentiment": "angry"}, PlanError, "The sentiment must be one of positive, neutral"),
        ({"sentiment": 1}, PlanError, "The sentiment must be one of"),
        ({"date": "03/11/2026"}, PlanError, "The date must be a date like 2026-03-31"),
        ({"date": "2026-13-01"}, PlanError, "The date must be a date like"),
        ({"date": "2026-02-30"}, PlanError, "The date must be a date like"),
        ({"date": "tomorrow"}, PlanError, "The date must be a date like"),
        ({"date": 20261103}, PlanError, "The date must be a date like"),
        ({"touchpoint_id": 999}, NotFound, "touchpoint no longer exists"),
        ({"routed_to": [999]}, NotFound, "group no longer exists"),
        ({"routed_to": ["IT"]}, PlanError, "routed to groups by id"),
        ({"routed_to": [True]}, PlanError, "routed to groups by id"),
    ],
)
def test_bad_comments_are_refused_and_nothing_is_added(
    small_workshop: Workshop, values: dict[str, Any], error: type[Exception], fragment: str
) -> None:
    before = small_workshop.export("json")
    fields: dict[str, Any] = {"text": "Fine words"} | values
    text = fields.pop("text")
    with pytest.raises(error, match=fragment):
        small_workshop.add_comment(text, **fields)
    assert small_workshop.export("json") == before


HOSTILE = [
    "Error E04 again 😤👍🏽 — third time",
    "שירות מצוין, תודה רבה",
    "مرحبا ‏بالعالم‎ mixed ‮reversed‬ text",
    "# Heading\n\n* **bold** _it_ [link](http://x) `code` | a | b |",
    "<script>alert('x')</script> &amp; <b>bold</b>",
    "{{ 7 * 7 }} {% for x in y %}{# note #}{% endfor %}",
    '=HYPERLINK("http://evil","click") +1 -1 @SUM(A1)',
    "tab\tand\r\nwindows newline\nand \"quotes\", commas; 'single'",
    "line\u2028separator and zero\u200bwidth",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_exactly(workshop_path: Path, text: str) -> None:
    with Workshop.open(workshop_path) as ws:
        cid = ws.add_comment(text, routed_to=[gid(ws, "IT")])
    with Workshop.open(workshop_path) as ws:
        assert ws.comment(cid).text == text
        assert [c["text"] for c in json.loads(ws.export("json"))["comments"]][-1] == text


def test_comments_are_newest_first_and_undated_last(tmp_path: Path) -> None:
    with Workshop.create(tmp_path / "c.db", title="Order") as ws:
        for text, date in [
            ("undated one", None),
            ("october", "2026-10-01"),
            ("november a", "2026-11-01"),
            ("undated two", ""),
            ("november b", "2026-11-01"),
            ("last year", "2025-12-31"),
        ]:
            ws.add_comment(text, date=date)
        assert [c.text for c in ws.comments()] == [
            "november b",  # same day: the later one first
            "november a",
            "october",
            "last year",
            "undated two",
            "undated one",
        ]


# -- streams and routing --------------------------------------------------------------------


def hand_stream(group: str) -> tuple[list[str], dict[str, int]]:
    """A group's stream computed straight from demo_plan.json: newest first, counts."""
    mine = [c for c in demo_plan()["comments"] if group in c["routed_to"]]
    mine.sort(key=lambda c: c["date"], reverse=True)
    counts = {s: sum(c["sentiment"] == s for c in mine) for s in SENTIMENTS}
    return [c["text"] for c in mine], counts


def test_demo_streams_match_a_hand_computation(demo_workshop: Workshop) -> None:
    ws = demo_workshop
    plan_dates = [c["date"] for c in demo_plan()["comments"]]
    assert len(set(plan_dates)) == len(plan_dates), "equal dates would make the order ambiguous"
    for group in ws.groups():
        stream, counts = ws.comment_stream(group.id)
        assert ([c.text for c in stream], counts) == hand_stream(group.name), group.name
        assert all(group.name in c.routed_to for c in stream)
    _, it_counts = ws.comment_stream(gid(ws, "IT"))
    assert it_counts == {"positive": 0, "neutral": 0, "negative": 4}
    _, finance = ws.comment_stream(gid(ws, "Finance"))
    assert finance == {"positive": 1, "neutral": 1, "negative": 2}
    stream, nobody = ws.comment_stream(gid(ws, "Facilities"))
    assert (stream, nobody) == ([], {"positive": 0, "neutral": 0, "negative": 0})
    with pytest.raises(NotFound):
        ws.comment_stream(999)


def test_route_comment_replaces_routes_and_undo_restores_them(small_workshop: Workshop) -> None:
    ws = small_workshop
    cid = ws.comments()[0].id
    assert ws.comment(cid).routed_to == ("Sales", "IT")
    ws.route_comment(cid, [gid(ws, "Audit"), gid(ws, "HR")])
    assert ws.comment(cid).routed_to == ("HR", "Audit")
    assert ws.can_undo() == f"Routed “{FIRST_COMMENT}” to HR, Audit"
    assert [c.text for c in ws.comment_stream(gid(ws, "IT"))[0]] == []
    ws.route_comment(cid, [])
    assert ws.comment(cid).routed_to == ()
    assert ws.can_undo() == f"Routed “{FIRST_COMMENT}” to nobody"
    ws.undo()
    assert ws.comment(cid).routed_to == ("HR", "Audit")
    ws.undo()
    assert ws.comment(cid).routed_to == ("Sales", "IT")


def test_routing_to_the_same_groups_records_nothing(small_workshop: Workshop) -> None:
    ws = small_workshop
    cid = ws.comments()[0].id
    last = ws.can_undo()
    ws.route_comment(cid, [gid(ws, "IT"), gid(ws, "Sales")])
    assert ws.can_undo() == last


@pytest.mark.parametrize("bad", [[999], ["IT"], [None]])
def test_routing_to_an_unknown_group_is_refused(small_workshop: Workshop, bad: list[Any]) -> None:
    ws = small_workshop
    cid = ws.comments()[0].id
    before = ws.export("json")
    with pytest.raises(WorkshopError, match="group no longer exists|routed to groups by id"):
        ws.route_comment(cid, [gid(ws, "HR"), *bad])
    assert ws.export("json") == before
    assert ws.comment(cid).routed_to == ("Sales", "IT")


def test_suggested_routes_are_owner_then_layers(small_workshop: Workshop) -> None:
    ws = small_workshop
    point = gid(ws, "First visit", "touchpoints")
    assert ws.suggested_routes(point) == [
        (gid(ws, "Sales"), "Sales", 0),
        (gid(ws, "IT"), "IT", 1),
        (gid(ws, "HR"), "HR", 2),
    ]
    assert ws.suggested_routes(None) == []
    lonely = ws.add_touchpoint("Web chat")
    assert ws.suggested_routes(lonely) == []


def test_suggested_routes_on_the_demo_go_outward_by_layer(demo_workshop: Workshop) -> None:
    ws = demo_workshop
    point = gid(ws, "First invoice", "touchpoints")
    assert [(name, layer) for _, name, layer in ws.suggested_routes(point)] == [
        ("Customer Support", 0),
        ("Finance", 1),
        ("Installation", 2),
        ("Sales", 2),
        ("IT", 3),
        ("Warehouse", 3),
    ]
    assert all(gid(ws, name) == group_id for group_id, name, _ in ws.suggested_routes(point))


def test_delete_comment_and_undo_restore_it_with_its_routes(demo_workshop: Workshop) -> None:
    ws = demo_workshop
    target = next(c for c in ws.comments() if len(c.routed_to) == 3 and "Warehouse" in c.routed_to)
    before = ws.export("json")
    stream_before = ws.comment_stream(gid(ws, "Warehouse"))
    ws.delete_comment(target.id)
    with pytest.raises(NotFound):
        ws.comment(target.id)
    assert target.id not in [c.id for c in ws.comment_stream(gid(ws, "Warehouse"))[0]]
    assert ws.undo().startswith("Deleted comment “")
    assert ws.comment(target.id) == target
    assert ws.comment_stream(gid(ws, "Warehouse")) == stream_before
    assert ws.export("json") == before


def test_json_routed_to_agrees_with_the_comments(demo_workshop: Workshop) -> None:
    ws = demo_workshop
    ws.route_comment(ws.comments()[0].id, [gid(ws, "Facilities"), gid(ws, "HR")])
    exported = {c["id"]: c["routed_to"] for c in json.loads(ws.export("json"))["comments"]}
    assert exported == {c.id: list(c.routed_to) for c in ws.comments()}
    plan = {c["text"]: sorted(c["routed_to"]) for c in demo_plan()["comments"]}
    changed = ws.comments()[0].text
    for comment in ws.comments():
        if comment.text != changed:
            assert sorted(comment.routed_to) == plan[comment.text]


# -- CSV import (API) -----------------------------------------------------------------------


def test_csv_with_header_in_any_order_and_case(small_workshop: Workshop) -> None:
    ws = small_workshop
    text = (
        "\ufeffSENTIMENT, Date ,TouchPoint,Text\r\n"
        'Negative,2026-11-04,FIRST VISIT,"Waited, and waited"\r\n'
        "\r\n"
        ',,,"Two\r\nlines, ""quoted"""\r\n'
        "   ,  ,  ,   \r\n"
        "positive,2026-11-05,,Lovely\r\n"
    )
    assert ws.import_comments_csv(text) == 3
    assert comment_rows(ws)[1:] == [
        ("Waited, and waited", "First visit", "negative", "2026-11-04", ()),
        ('Two\r\nlines, "quoted"', None, "neutral", None, ()),
        ("Lovely", None, "positive", "2026-11-05", ()),
    ]
    assert ws.can_undo() == "Imported 3 comments from the CSV"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("text\nOnly words\n", [("Only words", None, "neutral", None)]),
        ("Text,Date\nDated,2026-01-02\n", [("Dated", None, "neutral", "2026-01-02")]),
        (
            "touchpoint,text\nfirst visit,At the door",
            [("At the door", "First visit", "neutral", None)],
        ),
        ("text,sentiment\nshort row\n", [("short row", None, "neutral", None)]),
    ],
)
def test_csv_optional_columns_may_be_missing(
    small_workshop: Workshop, text: str, expected: list[tuple[Any, ...]]
) -> None:
    assert small_workshop.import_comments_csv(text) == len(expected)
    assert [row[:4] for row in comment_rows(small_workshop)[1:]] == expected


def test_bad_rows_refuse_the_whole_file_naming_each_line(small_workshop: Workshop) -> None:
    ws = small_workshop
    text = (
        "text,touchpoint,sentiment,date\n"  # 1
        "Fine,First visit,positive,2026-11-01\n"  # 2
        '"Two\nlines",Moon base,negative,\n'  # 3-4: unknown touchpoint
        "\n"  # 5: blank
        "Grumpy,,furious,\n"  # 6: bad sentiment
        "Dated,,neutral,31/12/2026\n"  # 7: bad date
        ",First visit,neutral,\n"  # 8: empty text
        "Fine again,,,\n"  # 9
        "a,b,c,d,e\n"  # 10: too many cells
    )
    before = ws.export("json")
    with pytest.raises(PlanError) as caught:
        ws.import_comments_csv(text, "mine.csv")
    message = str(caught.value)
    assert message.startswith("mine.csv: nothing imported. ")
    assert re.findall(r"line (\d+):", message) == ["3", "6", "7", "8", "10"]
    for fragment in (
        "line 3: unknown touchpoint “Moon base”",
        "line 6: The sentiment must be one of",
        "line 7: The date must be a date like",
        "line 8: The comment must not be empty",
        "line 10: more cells than the header has columns",
    ):
        assert fragment in message
    assert "\n" not in message
    assert ws.export("json") == before


def test_more_than_five_bad_lines_are_counted(small_workshop: Workshop) -> None:
    text = "text,sentiment\n" + "".join(f"row {n},bad\n" for n in range(8))
    with pytest.raises(PlanError) as caught:
        small_workshop.import_comments_csv(text)
    message = str(caught.value)
    assert re.findall(r"line (\d+):", message) == ["2", "3", "4", "5", "6"]
    assert message.endswith("; and 3 more bad lines.")
    assert len(small_workshop.comments()) == 1


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "is empty; it needs a header row: text, touchpoint, sentiment, date"),
        ("\ufeff \r\n\n", "is empty"),
        ("text,touchpoint\n", "has a header row but no comments"),
        ("text\n\n\n", "has a header row but no comments"),
        ("touchpoint,sentiment\nFirst visit,positive\n", "line 1 must be a header"),
        ("text,author\nHi,Bo\n", "got text, author"),
        ("text,text\nHi,Ho\n", "line 1 must be a header"),
        ("Great service,First visit\n", "line 1 must be a header"),
    ],
)
def test_csv_without_a_usable_header_is_refused(
    small_workshop: Workshop, text: str, fragment: str
) -> None:
    before = small_workshop.export("json")
    with pytest.raises(PlanError, match=re.escape(fragment)):
        small_workshop.import_comments_csv(text)
    assert small_workshop.export("json") == before


def test_undo_of_an_import_removes_every_imported_comment(small_workshop: Workshop) -> None:
    ws = small_workshop
    before = ws.export("json")
    rows = [["text", "sentiment"], *([f"Comment {n}", "positive"] for n in range(12))]
    assert ws.import_comments_csv(as_csv(rows)) == 12
    assert len(ws.comments()) == 13
    assert ws.undo() == "Imported 12 comments from the CSV"
    assert ws.export("json") == before


def test_an_unclosed_quote_is_refused(small_workshop: Workshop) -> None:
    text = 'text,touchpoint\n"Great service,First visit\nSlow,First visit\nRude,First visit\n'
    with pytest.raises(PlanError, match="line"):
        small_workshop.import_comments_csv(text)
    assert len(small_workshop.comments()) == 1


TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), whitelist_characters="\n\r\t"),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip() == t and bool(t))
CASES = st.sampled_from(["First visit", "FIRST VISIT", "first visit", "Web chat", ""])


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            TEXT,
            CASES,
            st.sampled_from([*SENTIMENTS, "Positive", "NEGATIVE", ""]),
            st.one_of(st.just(""), st.dates().map(lambda d: d.isoformat())),
        ),
        min_size=1,
        max_size=8,
    ),
    order=st.permutations(range(4)),
)
def test_valid_rows_round_trip_exactly(
    rows: list[tuple[str, str, str, str]], order: list[int]
) -> None:
    header = ["text", "touchpoint", "sentiment", "date"]
    with (
        tempfile.TemporaryDirectory() as folder,
        Workshop.create(Path(folder) / "c.db", title="CSV") as ws,
    ):
        ws.add_touchpoint("First visit")
        ws.add_touchpoint("Web chat")
        text = as_csv([[header[i] for i in order], *([row[i] for i in order] for row in rows)])
        assert ws.import_comments_csv(text) == len(rows)
        expected = [
            (
                t,
                {"": None, "web chat": "Web chat"}.get(p.lower(), "First visit"),
                s.lower() or "neutral",
                d or None,
                (),
            )
            for t, p, s, d in rows
        ]
        assert comment_rows(ws) == expected
        ws.undo()
        assert ws.comments() == []


# -- CSV import (command line) --------------------------------------------------------------


def invoke(*args: str) -> Any:
    """Run `workshop …` in-process."""
    return CliRunner().invoke(main, list(args))


def test_cli_imports_comments_and_counts_them(workshop_path: Path) -> None:
    path = workshop_path.parent / "comments.csv"
    path.write_text(
        as_csv([["text", "touchpoint"], ["Quick quote", "first visit"], ["No touchpoint", ""]]),
        encoding="utf-8",
    )
    result = invoke("import", str(workshop_path), str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Added 2 comments to {workshop_path}.\n"
    one = workshop_path.parent / "ONE.CSV"
    one.write_text("text\nJust one\n", encoding="utf-8-sig")
    result = invoke("import", str(workshop_path), str(one))
    assert result.stdout == f"Added 1 comment to {workshop_path}.\n"
    with Workshop.open(workshop_path) as ws:
        assert [c.text for c in sorted(ws.comments(), key=lambda c: c.id)] == [
            FIRST_COMMENT,
            "Quick quote",
            "No touchpoint",
            "Just one",
        ]
        assert ws.can_undo() == "Imported 1 comment from ONE.CSV"


def test_cli_bad_csv_is_one_line_naming_lines_and_imports_nothing(workshop_path: Path) -> None:
    with Workshop.open(workshop_path) as ws:
        before = ws.export("json")
    path = workshop_path.parent / "comments.csv"
    path.write_text(
        as_csv(
            [
                ["text", "touchpoint", "sentiment", "date"],
                ["Good", "First visit", "positive", "2026-11-01"],
                ["Where?", "Moon base", "", ""],
                ["Evil\x1b[2J", "", "", ""],
                ["When?", "", "", "yesterday"],
            ]
        ),
        encoding="utf-8",
    )
    result = invoke("import", str(workshop_path), str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("workshop: comments.csv: nothing imported.")
    assert re.findall(r"line (\d+):", lines[0]) == ["3", "4", "5"]
    assert "\x1b" not in result.stderr
    with Workshop.open(workshop_path) as ws:
        assert ws.export("json") == before


def test_cli_refuses_a_csv_that_is_not_utf8(workshop_path: Path) -> None:
    with Workshop.open(workshop_path) as ws:
        before = ws.export("json")
    path = workshop_path.parent / "latin.csv"
    path.write_bytes("text\nCaf\u00e9 was cold\n".encode("latin-1"))
    result = invoke("import", str(workshop_path), str(path))
    assert result.exit_code == 1
    assert result.stderr == f"workshop: The comments file {path} is not UTF-8 text.\n"
    with Workshop.open(workshop_path) as ws:
        assert ws.export("json") == before


def test_cli_refuses_a_missing_csv(workshop_path: Path) -> None:
    result = invoke("import", str(workshop_path), str(workshop_path.parent / "nope.csv"))
    assert result.exit_code == 1
    assert "does not exist" in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_bad_row_is_reported_with_every_problem_it_has(small_workshop: Workshop) -> None:
    text = "text,touchpoint,sentiment,date\n,Moon base,furious,31/12/2026\n"
    with pytest.raises(PlanError) as caught:
        small_workshop.import_comments_csv(text, "mine.csv")
    line = str(caught.value)
    assert line.count("line 2:") == 1
    for fragment in ("must not be empty", "sentiment must be one of", "date must be a date like",
                     "unknown touchpoint “Moon base”"):  # fmt: skip
        assert fragment in line, line
