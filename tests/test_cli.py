"""The command line as a user meets it: help, new, import, export, demo, serve and rollup,
and errors that are one line on stderr with a non-zero exit, leaving files alone."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from workshop import Workshop, __version__, cli, schema
from workshop.demo import default_demo_path, demo_plan, open_demo

EXPORT_KEYS = {
    "workshop",
    "groups",
    "customers",
    "handoffs",
    "touchpoints",
    "contributions",
    "comments",
    "participants",
    "proposals",
    "vote_rounds",
    "actions",
}
DESIGNED_COMMANDS = {"demo", "new", "run", "join", "serve", "import", "export", "rollup"}


def invoke(*args: object) -> Result:
    """Run the CLI in-process, as `workshop ARGS…`, in standalone mode (like the real script)."""
    return CliRunner().invoke(cli.main, [str(a) for a in args], prog_name="workshop")


def assert_one_line_error(result: Result, *fragments: str, code: int | None = 1) -> None:
    """A refusal: exit `code` (any non-zero when None), one `workshop: …` line, no traceback."""
    if code is None:
        assert result.exit_code != 0, result.output
    else:
        assert result.exit_code == code, (result.exit_code, result.stderr, result.stdout)
    err = result.stderr
    assert err.startswith("workshop: ") and err.endswith("\n"), repr(err)
    assert err.count("\n") == 1, repr(err)
    assert "Traceback" not in err and result.stdout == "", (err, result.stdout)
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def snapshot(path: Path) -> str:
    """The whole content of a workshop, as its deterministic JSON export."""
    with Workshop.open(path) as ws:
        return ws.export("json")


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# -- help and version ----------------------------------------------------------------------


def all_commands() -> list[str]:
    return sorted(cli.main.commands)


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"workshop, version {__version__}"


def test_help_lists_every_designed_command() -> None:
    result = invoke("--help")
    assert result.exit_code == 0 and result.stdout.startswith("Usage: workshop ")
    listed = set(re.findall(r"^  (\w+)  ", result.stdout, flags=re.MULTILINE))
    assert listed >= DESIGNED_COMMANDS
    assert listed == set(cli.main.commands)


def test_no_arguments_shows_help_and_succeeds() -> None:
    result = invoke()
    assert result.exit_code == 0 and "Commands:" in result.stdout


@pytest.mark.parametrize("command", all_commands())
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_every_command_has_help(command: str, flag: str) -> None:
    result = invoke(command, flag)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Usage: workshop {command} ")
    assert result.stderr == ""


def test_unknown_command_and_missing_option_are_one_line() -> None:
    assert_one_line_error(invoke("bogus"), "bogus", code=2)
    assert_one_line_error(invoke("new", "x.db"), "--title", code=2)


# -- new -----------------------------------------------------------------------------------


def test_new_creates_a_workshop(tmp_path: Path) -> None:
    path = tmp_path / "q4.db"
    result = invoke("new", path, "--title", "Q4 customer chain")
    assert result.exit_code == 0, result.stderr
    assert f"workshop run {path}" in result.stdout
    with Workshop.open(path) as ws:
        assert ws.info().title == "Q4 customer chain"
        assert ws.groups() == []


def test_new_with_a_plan_counts_and_title_wins(tmp_path: Path, small_plan: dict) -> None:
    plan = write_json(tmp_path / "plan.json", small_plan)
    result = invoke("new", tmp_path / "w.db", "--title", "From the CLI", "--plan", plan)
    assert result.exit_code == 0, result.stderr
    assert "4 groups, 1 customer, 4 hand-offs" in result.stdout
    with Workshop.open(tmp_path / "w.db") as ws:
        assert ws.info().title == "From the CLI"
        assert sorted(g.name for g in ws.groups()) == ["Audit", "HR", "IT", "Sales"]


def test_new_refuses_an_existing_file(workshop_path: Path) -> None:
    before = workshop_path.read_bytes()
    assert_one_line_error(invoke("new", workshop_path, "--title", "Again"), "already exists")
    assert workshop_path.read_bytes() == before


def test_new_refuses_an_existing_non_workshop_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"my precious notes")
    assert_one_line_error(invoke("new", path, "--title", "T"), "already exists")
    assert path.read_bytes() == b"my precious notes"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "does not exist"),
        (b"\x80\x81 not utf-8", "not UTF-8"),
        (b'{"groups": [}', "line 1, column 13"),
        (json.dumps({"handoffs": [{"from": "Nobody", "to": "Martians"}]}).encode(), "Nobody"),
    ],
    ids=["missing", "not-utf8", "bad-json", "unknown-name"],
)
def test_new_with_a_bad_plan_leaves_no_file(
    tmp_path: Path, content: bytes | None, fragment: str
) -> None:
    plan = tmp_path / "plan.json"
    if content is not None:
        plan.write_bytes(content)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = invoke("new", tmp_path / "w.db", "--title", "T", "--plan", plan)
    assert_one_line_error(result, fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_new_refuses_an_empty_title_and_a_missing_folder(tmp_path: Path) -> None:
    assert_one_line_error(invoke("new", tmp_path / "w.db", "--title", "  "), "title")
    assert_one_line_error(invoke("new", tmp_path / "no" / "w.db", "--title", "T"), "folder")
    assert list(tmp_path.iterdir()) == []


def test_new_follow_up_carries_the_chain_and_reviews_open_actions(
    tmp_path: Path, workshop_path: Path
) -> None:
    before = snapshot(workshop_path)
    target = tmp_path / "next.db"
    result = invoke("new", target, "--title", "Next quarter", "--follow-up", workshop_path)
    assert result.exit_code == 0, result.stderr
    assert "follows up “Small org”" in result.stdout and "4 groups" in result.stdout
    with Workshop.open(target) as ws:
        assert ws.info().phase == "review" and ws.info().follows == "Small org"
        assert sorted(g.name for g in ws.groups()) == ["Audit", "HR", "IT", "Sales"]
        assert all(a.carried for a in ws.actions())
    assert snapshot(workshop_path) == before


def test_new_follow_up_of_a_missing_file_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "next.db"
    result = invoke("new", target, "--title", "T", "--follow-up", tmp_path / "gone.db")
    assert_one_line_error(result, "does not exist")
    assert not target.exists()


# -- import --------------------------------------------------------------------------------


def test_import_adds_a_plan_and_reports_counts(workshop_path: Path) -> None:
    plan = write_json(
        workshop_path.parent / "more.json",
        {
            "groups": [{"name": "Legal", "kind": "support"}, {"name": "Billing"}],
            "customers": [{"name": "Landlords"}],
            "handoffs": [{"from": "Legal", "to": "Landlords"}],
        },
    )
    result = invoke("import", workshop_path, plan)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"Added 2 groups, 1 customer, 1 hand-off to {workshop_path}.\n"
    with Workshop.open(workshop_path) as ws:
        assert {"Legal", "Billing"} <= {g.name for g in ws.groups()}


def test_import_of_an_empty_plan_says_so(workshop_path: Path) -> None:
    before = snapshot(workshop_path)
    result = invoke("import", workshop_path, write_json(workshop_path.parent / "e.json", {}))
    assert result.exit_code == 0 and "nothing" in result.stdout
    assert snapshot(workshop_path) == before


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (None, ("plan", "does not exist")),
        (b"\xff\xfe{\x00}\x00", ("not UTF-8",)),
        (b'{\n  "groups": [\n    {"name": "IT",}\n  ]\n}', ("not valid JSON", "line 3, column 19")),
        (b"[]", ("one JSON object",)),
        (
            json.dumps(
                {"groups": [{"name": "Legal"}], "handoffs": [{"from": "Legal", "to": "Moon"}]}
            ).encode(),
            ("Moon",),
        ),
        (json.dumps({"groups": [{"name": "sales"}]}).encode(), ("Sales", "already used")),
        (
            json.dumps({"handoffs": [{"from": "Audit", "to": "HR", "self_rating": 7}]}).encode(),
            ("rating",),
        ),
    ],
    ids=["missing", "not-utf8", "bad-json", "not-object", "unknown-name", "duplicate", "rating"],
)
def test_import_refuses_a_bad_plan_whole(
    workshop_path: Path, content: bytes | None, fragments: tuple[str, ...]
) -> None:
    plan = workshop_path.parent / "plan.json"
    if content is not None:
        plan.write_bytes(content)
    before = snapshot(workshop_path)
    assert_one_line_error(invoke("import", workshop_path, plan), *fragments)
    assert snapshot(workshop_path) == before


def test_import_into_a_missing_workshop_creates_nothing(tmp_path: Path) -> None:
    plan = write_json(tmp_path / "plan.json", {"groups": [{"name": "IT"}]})
    assert_one_line_error(invoke("import", tmp_path / "w.db", plan), "does not exist")
    assert not (tmp_path / "w.db").exists()


def test_import_comments_csv_refuses_bad_rows_by_line(workshop_path: Path) -> None:
    csv_file = workshop_path.parent / "comments.csv"
    csv_file.write_text(
        "text,sentiment,touchpoint\nFine,positive,First visit\n,negative,\nBad,angry,\n",
        encoding="utf-8",
    )
    before = snapshot(workshop_path)
    assert_one_line_error(invoke("import", workshop_path, csv_file), "line 3", "line 4")
    assert snapshot(workshop_path) == before


def test_an_error_naming_hostile_input_stays_on_one_line(workshop_path: Path) -> None:
    plan = write_json(
        workshop_path.parent / "plan.json", {"handoffs": [{"from": "Moon\nX", "to": "IT"}]}
    )
    assert_one_line_error(invoke("import", workshop_path, plan), "Moon")


def test_a_csv_error_naming_hostile_input_stays_on_one_line(workshop_path: Path) -> None:
    csv_file = workshop_path.parent / "comments.csv"
    csv_file.write_text('text,touchpoint\nHi,"Now\nhere"\n', encoding="utf-8")
    assert_one_line_error(invoke("import", workshop_path, csv_file), "line 2")


# -- export --------------------------------------------------------------------------------


def test_export_json_to_stdout(workshop_path: Path) -> None:
    result = invoke("export", workshop_path, "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    assert set(data) == EXPORT_KEYS
    assert data["workshop"]["title"] == "Small org"
    assert {g["name"] for g in data["groups"]} == {"Sales", "IT", "HR", "Audit"}
    assert result.stdout == snapshot(workshop_path)


@pytest.mark.parametrize("flag", ["-o", "--output"])
def test_export_json_to_a_file(workshop_path: Path, flag: str) -> None:
    target = workshop_path.parent / "out.json"
    target.write_text("old content", encoding="utf-8")
    result = invoke("export", workshop_path, "--format", "json", flag, target)
    assert result.exit_code == 0 and result.stdout == ""
    assert str(target) in result.stderr
    data = json.loads(target.read_text(encoding="utf-8"))
    assert set(data) == EXPORT_KEYS and data["workshop"]["title"] == "Small org"


def test_export_round_trips_through_new_plan(workshop_path: Path, tmp_path: Path) -> None:
    exported = tmp_path / "export.json"
    assert invoke("export", workshop_path, "--format", "json", "-o", exported).exit_code == 0
    copy = tmp_path / "copy.db"
    result = invoke("new", copy, "--title", "Small org", "--plan", exported)
    assert result.exit_code == 0, result.stderr
    original, again = json.loads(snapshot(workshop_path)), json.loads(snapshot(copy))
    for key in EXPORT_KEYS - {"workshop"}:
        assert again[key] == original[key], key


def test_export_markdown_is_the_default(workshop_path: Path) -> None:
    result = invoke("export", workshop_path)
    assert result.exit_code == 0
    assert result.stdout.startswith("# Small org\n")
    assert result.stdout == invoke("export", workshop_path, "--format", "md").stdout


def test_export_markdown_escapes_hostile_text(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with Workshop.create(path, title="Q4 <i>review</i>") as ws:
        ws.add_group("| *x* <b>")
        ws.add_group("{{ 7*7 }}")
    result = invoke("export", path, "--format", "md")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    heading = out.splitlines()[0]
    assert heading.startswith("# Q4 ") and "review" in heading and "<i>" not in heading
    assert "<b>" not in out and "<i>" not in out
    assert re.search(r"(?<!\\)\*x", out) is None
    (row,) = [line for line in out.splitlines() if "x" in line and line.startswith("|")]
    columns = len(re.findall(r"(?<!\\)\|", row))
    assert columns == 6, row  # five cells: the group's pipe does not split the row
    assert "49" not in out and "7" in out  # Jinja syntax in data is text, never evaluated


def test_export_html_and_csv(workshop_path: Path) -> None:
    html = invoke("export", workshop_path, "--format", "html")
    assert html.exit_code == 0 and html.stdout.startswith("<!DOCTYPE html>")
    assert "<title>Small org</title>" in html.stdout
    csv_out = invoke("export", workshop_path, "--format", "csv")
    assert csv_out.exit_code == 0
    assert csv_out.stdout.splitlines()[0] == (
        "proposal,owner,due,kpi,status,notes,previous_status,overdue"
    )
    handoffs = invoke("export", workshop_path, "--format", "csv", "--what", "handoffs")
    assert handoffs.stdout.startswith("from,to,provides")


def test_export_with_a_missing_or_broken_template(workshop_path: Path) -> None:
    target = workshop_path.parent / "out.txt"
    missing = invoke("export", workshop_path, "--template", workshop_path.parent / "mine.j2")
    assert_one_line_error(missing, "mine.j2", "does not exist")
    broken = workshop_path.parent / "broken.j2"
    broken.write_text("# {{ workshop.title }}\n{% for g in groups %}\n", encoding="utf-8")
    result = invoke("export", workshop_path, "--template", broken, "-o", target)
    assert_one_line_error(result, "broken.j2, line")
    assert not target.exists()


def test_export_with_a_template(workshop_path: Path) -> None:
    mine = workshop_path.parent / "mine.j2"
    mine.write_text("{{ workshop.title }}: {{ groups | length }} groups\n", encoding="utf-8")
    result = invoke("export", workshop_path, "--template", mine)
    assert result.exit_code == 0 and result.stdout == "Small org: 4 groups\n"


def test_export_unknown_format_is_a_usage_error(workshop_path: Path) -> None:
    assert_one_line_error(invoke("export", workshop_path, "--format", "pdf"), "pdf", code=2)


def test_export_to_a_missing_folder_is_one_line(workshop_path: Path) -> None:
    target = workshop_path.parent / "nowhere" / "out.md"
    assert_one_line_error(invoke("export", workshop_path, "-o", target), "nowhere")


def test_export_never_overwrites_its_own_workshop_file(workshop_path: Path) -> None:
    before = snapshot(workshop_path)
    result = invoke("export", workshop_path, "--format", "md", "-o", workshop_path)
    assert result.exit_code != 0
    assert snapshot(workshop_path) == before


# -- bad workshop files --------------------------------------------------------------------


def make_bad_file(tmp_path: Path, kind: str) -> Path:
    """A workshop path that must be refused: missing, random bytes, empty, SQLite but not a
    workshop, written by a newer release, or a folder."""
    path = tmp_path / "w.db"
    if kind == "corrupt":
        path.write_bytes(os.urandom(8192))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "foreign":
        with sqlite3.connect(path) as conn:
            conn.execute("create table notes (body text)")
        conn.close()
    elif kind == "newer":
        Workshop.create(path, title="From the future").close()
        with sqlite3.connect(path) as conn:
            conn.execute(
                f"insert into {schema.migrations.migrations_table}"
                " (migration_set, name, applied_at)"
                " values (?, 'm999_from_the_future', '2099-01-01')",
                [schema.MIGRATION_SET],
            )
        conn.close()
    elif kind == "folder":
        path.mkdir()
    return path


def file_state(path: Path) -> object:
    """What must not change: the bytes of a file, the listing of a folder, or absence."""
    if path.is_dir():
        return ("dir", sorted(os.listdir(path)))
    return path.read_bytes() if path.exists() else None


BAD_KINDS = {
    "missing": ("does not exist", 1),
    "corrupt": ("not a workshop", 1),
    "empty": ("not a workshop", 1),
    "foreign": ("not a workshop", 1),
    "newer": ("newer version", 1),
    "folder": ("directory", 2),  # click's own check (dir_okay=False): a usage error
}


@pytest.mark.parametrize("kind", sorted(BAD_KINDS))
@pytest.mark.parametrize(
    "command",
    [("run",), ("export",), ("export", "--format", "json"), ("import", "PLAN")],
    ids=["run", "export-md", "export-json", "import"],
)
def test_bad_workshop_files_are_refused_untouched(
    tmp_path: Path, kind: str, command: tuple[str, ...]
) -> None:
    path = make_bad_file(tmp_path, kind)
    plan = write_json(tmp_path / "plan.json", {"groups": [{"name": "IT"}]})
    args = [plan if a == "PLAN" else a for a in command[1:]]
    siblings = sorted(p.name for p in tmp_path.iterdir())
    before = file_state(path)
    fragment, code = BAD_KINDS[kind]
    assert_one_line_error(invoke(command[0], path, *args), fragment, code=code)
    assert file_state(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == siblings  # no -wal, -shm or new file


# -- demo ----------------------------------------------------------------------------------


def test_demo_path_creates_then_reuses_the_demo(
    tmp_path: Path, launched: list[dict[str, Any]]
) -> None:
    path = tmp_path / "sub" / "demo.db"
    result = invoke("demo", "--path", path)
    assert result.exit_code == 0, result.stderr
    plan = demo_plan()
    assert launched == [
        {
            "path": path,
            "title": plan["workshop"]["title"],
            "groups": sorted(g["name"] for g in plan["groups"]),
            "facilitator": True,
            "role": "facilitator",
            "actor": "",
            "participant": None,
            "web": False,
            "presenter": False,
        }
    ]
    with Workshop.open(path) as ws:
        ws.add_group("Kept between runs")
    assert invoke("demo", "--path", path).exit_code == 0
    assert "Kept between runs" in launched[1]["groups"]


def test_demo_default_path_is_in_the_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, launched: list[dict[str, Any]]
) -> None:
    if sys.platform != "linux":
        pytest.skip("XDG_DATA_HOME decides the user data folder on Linux only")
    data_home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    expected = data_home / "workshop" / "demo.db"
    assert default_demo_path() == expected
    assert not expected.exists()
    result = invoke("demo")
    assert result.exit_code == 0, result.stderr
    assert expected.is_file() and launched[0]["path"] == expected
    assert len(launched[0]["groups"]) == len(demo_plan()["groups"])


def test_demo_default_path_in_a_fresh_process(tmp_path: Path) -> None:
    """Without XDG_DATA_HOME the demo lives under ~/.local/share/workshop (platformdirs)."""
    if sys.platform != "linux":
        pytest.skip("the Linux layout of platformdirs")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env["HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", "from workshop.demo import default_demo_path as d; print(d())"],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == tmp_path / ".local" / "share" / "workshop" / "demo.db"


def test_open_demo_builds_the_demo_once(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    with open_demo(path) as ws:
        assert ws.info().title == demo_plan()["workshop"]["title"]
        assert len(ws.groups()) == len(demo_plan()["groups"])
        ws.add_group("Added by hand")
    with open_demo(path) as ws:
        assert "Added by hand" in {g.name for g in ws.groups()}


def test_demo_refuses_a_damaged_file(tmp_path: Path, launched: list[dict[str, Any]]) -> None:
    path = make_bad_file(tmp_path, "corrupt")
    before = path.read_bytes()
    assert_one_line_error(invoke("demo", "--path", path), "not a workshop")
    assert path.read_bytes() == before and launched == []


# -- serve -----------------------------------------------------------------------------------


def test_serve_says_so_when_the_port_is_taken(workshop_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("serve", workshop_path, "--port", str(port))
    assert_one_line_error(result, f"Cannot listen on 127.0.0.1:{port}", "--port")


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_serve_refuses_a_port_out_of_range(workshop_path: Path, port: str) -> None:
    assert_one_line_error(invoke("serve", workshop_path, "--port", port), "--port", code=2)


def test_serve_refuses_a_missing_file_before_listening(tmp_path: Path) -> None:
    assert_one_line_error(invoke("serve", tmp_path / "nope.db"), "does not exist")


def test_join_still_needs_a_name(workshop_path: Path) -> None:
    assert_one_line_error(invoke("join", workshop_path), "--as", code=2)


def test_join_adds_the_participant_once_and_opens_as_them(
    workshop_path: Path, launched: list[dict[str, Any]]
) -> None:
    for name in ("Zoë Ü", "zoë ü"):
        assert invoke("join", workshop_path, "--as", name).exit_code == 0
    assert [x["participant"] for x in launched] == ["Zoë Ü", "Zoë Ü"]
    assert not any(x["facilitator"] for x in launched)
    with Workshop.open(workshop_path) as ws:
        assert [p.name for p in ws.participants()].count("Zoë Ü") == 1


def test_join_refuses_a_blank_name_and_a_missing_file(
    tmp_path: Path, workshop_path: Path, launched: list[dict[str, Any]]
) -> None:
    assert_one_line_error(invoke("join", workshop_path, "--as", "  "), "name")
    assert_one_line_error(invoke("join", tmp_path / "gone.db", "--as", "Ann"), "does not exist")
    assert launched == []


# -- real processes ------------------------------------------------------------------------


def run_module(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m workshop ARGS…` in a fresh process, with no terminal on stdin."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-m", "workshop", *[str(a) for a in args]],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("kind", "args", "fragment"),
    [
        ("missing", ("run", "w.db"), "does not exist"),
        ("corrupt", ("run", "w.db"), "not a workshop"),
        ("corrupt", ("export", "w.db", "--format", "json"), "not a workshop"),
        ("missing", ("import", "w.db", "plan.json"), "does not exist"),
        ("missing", ("bogus",), "No such command"),
    ],
    ids=["run-missing", "run-corrupt", "export-corrupt", "import-missing", "usage"],
)
def test_a_real_process_fails_in_one_line(
    tmp_path: Path, kind: str, args: tuple[str, ...], fragment: str
) -> None:
    path = make_bad_file(tmp_path, kind)
    write_json(tmp_path / "plan.json", {"groups": [{"name": "IT"}]})
    before = file_state(path)
    done = run_module(*args, cwd=tmp_path)
    assert done.returncode != 0
    assert done.stdout == ""
    assert done.stderr.startswith("workshop: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr and fragment in done.stderr
    assert file_state(path) == before


def test_a_real_process_creates_and_exports(tmp_path: Path) -> None:
    done = run_module("new", "w.db", "--title", "Proc", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    done = run_module("export", "w.db", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0 and json.loads(done.stdout)["workshop"]["title"] == "Proc"
    done = run_module("--version", cwd=tmp_path)
    assert done.returncode == 0 and __version__ in done.stdout


def test_demo_help_says_where_the_demo_file_is() -> None:
    from workshop.demo import default_demo_path

    result = CliRunner().invoke(cli.main, ["demo", "--help"])
    assert result.exit_code == 0
    assert str(default_demo_path()) in result.output


def test_demo_reset_starts_the_demo_afresh(tmp_path: Path, launched) -> None:
    path = tmp_path / "demo.db"
    assert CliRunner().invoke(cli.main, ["demo", "--path", str(path)]).exit_code == 0
    with Workshop.open(path) as ws:
        ws.add_group("Added in the meeting")
    result = CliRunner().invoke(cli.main, ["demo", "--path", str(path), "--reset"])
    assert result.exit_code == 0, result.output
    assert "Added in the meeting" not in launched[-1]["groups"]
    assert launched[-1]["groups"] == launched[0]["groups"]


def test_demo_reset_removes_only_a_workshop_file(tmp_path: Path, launched) -> None:
    precious = tmp_path / "notes.txt"
    precious.write_text("my notes")
    result = CliRunner().invoke(cli.main, ["demo", "--path", str(precious), "--reset"])
    assert result.exit_code == 1 and "not a workshop file" in result.output
    assert precious.read_text() == "my notes" and launched == []


def test_new_takes_the_workshops_date(tmp_path: Path) -> None:
    path = tmp_path / "q3.db"
    result = CliRunner().invoke(
        cli.main, ["new", str(path), "--title", "Q3", "--date", "2027-07-01"]
    )
    assert result.exit_code == 0, result.output
    with Workshop.open(path) as ws:
        assert ws.info().date == "2027-07-01"
    bad = CliRunner().invoke(
        cli.main, ["new", str(tmp_path / "x.db"), "--title", "X", "--date", "1 July"]
    )
    assert bad.exit_code == 1 and "date" in bad.output.lower()
    assert not (tmp_path / "x.db").exists()
