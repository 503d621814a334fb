"""The `workshop` command line: what works, and errors as one line with a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from workshop import Workshop, __version__
from workshop.cli import main
from workshop.demo import default_demo_path, demo_plan

COMMANDS = ("demo", "new", "run", "join", "serve", "import", "export", "rollup")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], prog_name="workshop")
    return result.exit_code, result.stdout, result.stderr


def one_line_error(code: int, err: str, fragment: str, exit_code: int = 1) -> None:
    assert code == exit_code
    assert err.count("\n") == 1 and err.startswith("workshop: "), err
    assert fragment in err and "Traceback" not in err


def test_version_and_help() -> None:
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out
    code, out, _ = run("--help")
    assert code == 0 and all(command in out for command in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0 and "Usage: workshop " + command in out


def test_new_creates_a_workshop_with_a_plan(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(demo_plan()), encoding="utf-8")
    code, out, _ = run("new", tmp_path / "w.db", "--title", "Q4", "--plan", plan)
    assert code == 0 and "9 groups" in out and "workshop run" in out
    with Workshop.open(tmp_path / "w.db") as ws:
        assert ws.info().title == "Q4" and len(ws.groups()) == 9


def test_new_refuses_an_existing_file(workshop_path: Path) -> None:
    before = workshop_path.read_bytes()
    code, _, err = run("new", workshop_path, "--title", "Again")
    one_line_error(code, err, "already exists")
    assert workshop_path.read_bytes() == before


def test_new_with_a_bad_plan_leaves_no_file(tmp_path: Path, small_plan: dict) -> None:
    small_plan["handoffs"][0]["to"] = "Martians"
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(small_plan), encoding="utf-8")
    code, _, err = run("new", tmp_path / "w.db", "--title", "Q4", "--plan", plan)
    one_line_error(code, err, "Martians")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'{"groups": [\n  {"name": "IT",}\n]}', "not valid JSON: Expecting property name"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"[1, 2]", "one JSON object"),
    ],
)
def test_import_refuses_bad_plans(workshop_path: Path, content: bytes, fragment: str) -> None:
    plan = workshop_path.parent / "plan.json"
    plan.write_bytes(content)
    before = Workshop.open(workshop_path).export("json")
    code, _, err = run("import", workshop_path, plan)
    one_line_error(code, err, fragment)
    with Workshop.open(workshop_path) as ws:
        assert ws.export("json") == before


def test_invalid_json_names_line_and_column(workshop_path: Path) -> None:
    plan = workshop_path.parent / "plan.json"
    plan.write_text('{\n  "groups": [\n    {"name": "IT",}\n  ]\n}', encoding="utf-8")
    _, _, err = run("import", workshop_path, plan)
    assert "line 3, column" in err


def test_import_names_an_unknown_reference_and_adds_nothing(workshop_path: Path) -> None:
    plan = workshop_path.parent / "plan.json"
    plan.write_text(
        json.dumps({"groups": [{"name": "Legal"}], "handoffs": [{"from": "Legal", "to": "Moon"}]}),
        encoding="utf-8",
    )
    code, _, err = run("import", workshop_path, plan)
    one_line_error(code, err, "Moon")
    with Workshop.open(workshop_path) as ws:
        assert "Legal" not in [g.name for g in ws.groups()]


def test_import_adds_a_plan(workshop_path: Path) -> None:
    plan = workshop_path.parent / "plan.json"
    plan.write_text(json.dumps({"groups": [{"name": "Legal"}]}), encoding="utf-8")
    code, out, _ = run("import", workshop_path, plan)
    assert code == 0 and "Added 1 group to" in out


@pytest.mark.parametrize("command", [("run",), ("export", "--format", "json"), ("import",)])
@pytest.mark.parametrize("kind", ["missing", "corrupt", "folder"])
def test_bad_workshop_files(tmp_path: Path, command: tuple[str, ...], kind: str) -> None:
    path = tmp_path / "w.db"
    if kind == "corrupt":
        path.write_bytes(os.urandom(4096))
    elif kind == "folder":
        path.mkdir()
    plan = tmp_path / "plan.json"
    plan.write_text("{}", encoding="utf-8")
    extra = [plan] if command == ("import",) else []
    before = path.read_bytes() if kind == "corrupt" else None
    code, _, err = run(command[0], path, *command[1:], *extra)
    fragment = {"missing": "does not exist", "corrupt": "not a workshop", "folder": "directory"}
    one_line_error(code, err, fragment[kind], 2 if kind == "folder" else 1)
    if before is not None:
        assert path.read_bytes() == before


def test_export_json_to_stdout_and_file(workshop_path: Path) -> None:
    code, out, _ = run("export", workshop_path, "--format", "json")
    data = json.loads(out)
    assert code == 0 and {"workshop", "groups", "handoffs", "comments", "actions"} <= set(data)
    target = workshop_path.parent / "out.json"
    code, _, err = run("export", workshop_path, "--format", "json", "-o", target)
    assert code == 0 and json.loads(target.read_text(encoding="utf-8")) == data
    assert "Wrote" in err


def test_export_markdown_escapes_hostile_names(tmp_path: Path) -> None:
    with Workshop.create(tmp_path / "w.db", title="Hostile") as ws:
        ws.add_group("| *x* <b>bold</b>")
    code, out, _ = run("export", tmp_path / "w.db", "--format", "md")
    assert code == 0 and "Hostile" in out
    assert "<b>" not in out and "| *x*" not in out


def test_default_demo_file_lives_in_the_user_data_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_demo_path() == tmp_path / "data" / "workshop" / "demo.db"


def test_no_arguments_shows_the_help() -> None:
    code, out, err = run()
    assert code == 0 and "Commands:" in out and err == ""


def test_usage_errors_are_one_line_with_a_hint(tmp_path: Path) -> None:
    code, _, err = run("new", tmp_path / "w.db")
    one_line_error(code, err, "Missing option '--title'", 2)
    assert "(see: workshop new --help)" in err
    code, _, err = run("export", tmp_path / "w.db", "--format", "pdf")
    one_line_error(code, err, "'pdf' is not one of", 2)


def test_real_process_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    """As a user sees it: a real process, no standard input, stderr one line, exit 1."""
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not sqlite at all" * 100)
    for args in (["run", str(bad)], ["export", str(tmp_path / "none.db")]):
        done = subprocess.run(
            [sys.executable, "-m", "workshop", *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 1
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert done.stdout == ""
