"""Limits on what is imported: a plan (JSON) nested too deep or too large, and a comments CSV too
large, are refused in one line before anything is parsed or imported; ordinary files are not."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SMALL_PLAN
from workshop import Workshop, cli, comments, plan
from workshop.errors import PlanError, WorkshopError
from workshop.plan import PLAN_DEPTH_LIMIT, parse_plan

DEEP = 100_000  # the finding: a RecursionError traceback


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args], prog_name="workshop")


def one_line(result: Result, *fragments: str) -> str:
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    err = result.stderr
    assert err.startswith("workshop: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and "RecursionError" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err


def nested(depth: int, kind: str = "list") -> str:
    """A JSON object whose "groups" holds lists (or objects) `depth` levels deep in all."""
    opening, closing = ("[", "]") if kind == "list" else ('{"a": ', "}")
    inner = depth - 1  # the top-level object is the first level
    return '{"groups": ' + opening * inner + "1" * (inner == 0) + closing * inner + "}"


# -- the plan's depth ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["list", "object"])
def test_a_plan_nested_100000_deep_is_refused_in_one_line(
    workshop_path: Path, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "deep.json"
    path.write_text(nested(DEEP, kind), encoding="utf-8")
    with Workshop.open(workshop_path) as ws:
        before = ws.export("json")
    err = one_line(invoke("import", workshop_path, path), f"deeper than {PLAN_DEPTH_LIMIT} levels")
    assert str(path) in err
    with Workshop.open(workshop_path) as ws:
        assert ws.export("json") == before


def test_new_with_a_deep_plan_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(nested(DEEP), encoding="utf-8")
    one_line(invoke("new", tmp_path / "w.db", "--title", "Q4", "--plan", path), "deeper than")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "keys") == ["deep.json"]


def test_a_deep_plan_through_a_real_process(workshop_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * DEEP + "]" * DEEP, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "workshop", "import", str(workshop_path), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        f"workshop: The plan {path} nests lists and objects deeper than {PLAN_DEPTH_LIMIT} "
        "levels (the limit), at line 1.\n"
    )


@settings(max_examples=60, deadline=None)
@given(
    depth=st.integers(1, 3 * PLAN_DEPTH_LIMIT),
    kinds=st.lists(st.sampled_from(["list", "object"]), min_size=1),
    decoy=st.text(alphabet='[]{}"\\ab\n\u00e9', max_size=20),
)
def test_depth_is_refused_exactly_past_the_limit(depth: int, kinds: list[str], decoy: str) -> None:
    """Any mix of lists and objects, with brackets, quotes and backslashes inside strings (which
    do not count): parsed when at most PLAN_DEPTH_LIMIT deep, refused in one line when deeper."""
    value: object = decoy
    for level in range(depth - 1):
        value = [value] if kinds[level % len(kinds)] == "list" else {decoy: value}
    document = {"groups": value, decoy: decoy}
    # json.dumps itself recurses, so build the text level by level
    text = json.dumps(decoy)
    for level in range(depth - 1):
        if kinds[level % len(kinds)] == "list":
            text = f"[{text}]"
        else:
            text = f"{{{json.dumps(decoy)}: {text}}}"
    text = f'{{"groups": {text}, {json.dumps(decoy)}: {json.dumps(decoy)}}}'
    if depth <= PLAN_DEPTH_LIMIT:
        assert parse_plan(text, "p.json") == document
    else:
        with pytest.raises(PlanError) as caught:
            parse_plan(text, "p.json")
        message = str(caught.value)
        assert message.startswith("The plan p.json nests lists and objects deeper than")
        assert "\n" not in message


def test_the_plan_shape_fits_well_inside_the_depth_limit(tmp_path: Path) -> None:
    """An export of a workshop with everything in it imports again (the depth it needs)."""
    from tests.test_templates import build_rich

    with Workshop.open(build_rich(tmp_path)) as ws:
        text = ws.export("json")
    assert parse_plan(text, "export.json") == json.loads(text)


# -- the plan's size -------------------------------------------------------------------------


def test_a_plan_over_the_size_limit_is_refused_before_it_is_read(
    workshop_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "huge.json"
    with path.open("w", encoding="utf-8") as out:
        out.write('{"groups": []')
        out.write(" " * (plan.PLAN_LIMIT_MB * 1_000_000))
        out.write("}")
    one_line(invoke("import", workshop_path, path), f"larger than the {plan.PLAN_LIMIT_MB} MB")


def test_parse_plan_refuses_text_over_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan, "PLAN_LIMIT_MB", 1)
    groups = [{"name": f"G{n}", "role": "x" * 100} for n in range(9000)]
    with pytest.raises(PlanError, match="larger than the 1 MB limit"):
        parse_plan(json.dumps({"groups": groups}), "p.json")
    assert parse_plan(json.dumps({"groups": groups[:7000]}), "p.json") == {"groups": groups[:7000]}


# -- parse_plan keeps the old messages -------------------------------------------------------


def test_parse_plan_reads_a_plan() -> None:
    text = "\ufeff" + json.dumps(SMALL_PLAN)
    assert parse_plan(text, "small.json") == copy.deepcopy(SMALL_PLAN)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{\n  "groups": [\n    {"name": "IT",}\n  ]\n}',
            "The plan p.json is not valid JSON: Expecting property name enclosed in double "
            "quotes at line 3, column 19.",
        ),
        ("[1, 2]", "The plan p.json must hold one JSON object."),
        ('{"n": ' + "9" * 5000 + "}", "The plan p.json holds a number of more than 4,300 digits."),
        ("", "The plan p.json is not valid JSON: Expecting value at line 1, column 1."),
    ],
    ids=["bad-json", "not-object", "long-number", "empty"],
)
def test_parse_plan_refuses_in_one_line(text: str, message: str) -> None:
    with pytest.raises(PlanError) as caught:
        parse_plan(text, "p.json")
    assert str(caught.value) == message


def test_a_long_number_through_the_cli(workshop_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "number.json"
    path.write_text('{"groups": [{"name": ' + "1" * 10_000 + "}]}", encoding="utf-8")
    one_line(invoke("import", workshop_path, path), "more than 4,300 digits")


# -- the comments CSV ----------------------------------------------------------------------


def test_a_comments_file_over_the_size_limit_is_refused(
    workshop_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "comments.csv"
    row = "The quote took two weeks,First visit,negative,2026-10-01\n"
    with path.open("w", encoding="utf-8") as out:
        out.write("text,touchpoint,sentiment,date\n")
        out.write(row * (comments.CSV_LIMIT_MB * 1_000_000 // len(row) + 1))
    with Workshop.open(workshop_path) as ws:
        before = len(ws.comments())
    one_line(invoke("import", workshop_path, path), f"larger than the {comments.CSV_LIMIT_MB} MB")
    with Workshop.open(workshop_path) as ws:
        assert len(ws.comments()) == before


def test_a_comments_file_with_too_many_rows_is_refused_whole(
    small_workshop: Workshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(comments, "CSV_ROWS_LIMIT", 10)
    before = len(small_workshop.comments())
    rows = "".join(f"Comment {n}\n" for n in range(11))
    with pytest.raises(WorkshopError, match="more than 10 comments"):
        small_workshop.import_comments_csv("text\n" + rows, "c.csv")
    assert len(small_workshop.comments()) == before
    assert small_workshop.import_comments_csv("text\n" + rows.split("\n", 1)[1], "c.csv") == 10
