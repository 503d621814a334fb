"""Files that cannot be trusted (the trust issue, finding 5): damaged pages, rows pointing at
deleted rows, values written outside the app, and paths that are not ordinary files. Each is
refused in one line before anything writes to the file (byte-identical after), `workshop
check` lists and repairs what can be repaired, the roll-up skips what it cannot read, and
migration m006_checks puts the value rules into the tables as CHECK constraints.

Real SQLite files in tmp_path: damage is bytes overwritten in the middle of a file of many
rows; dangling references and bad values are written with Python's sqlite3, which (like the
sqlite3 shell) has foreign keys off."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlite_utils import Database

from benchmarks import large
from tests.test_migrations import NAMES, applied_rows, make_old_file
from workshop import Workshop, WorkshopError, cli, integrity, schema
from workshop.integrity import FileProblems, damage, problems
from workshop.rollup import rollup
from workshop.store import _connect_read_only, check_file
from workshop.vocabulary import iso_date

BEFORE_CHECKS = NAMES[: NAMES.index("m006_checks")]  # the last schema without CHECKs
PAGE = 4096


def invoke(*args: object, input: str | None = None) -> Result:
    """Run the CLI in-process, as `workshop ARGS…`, in standalone mode."""
    return CliRunner().invoke(cli.main, [str(a) for a in args], input=input, prog_name="workshop")


def assert_one_line_error(result: Result, *fragments: str) -> None:
    """Exit 1 with one `workshop: …` line on stderr and no traceback."""
    assert result.exit_code == 1, (result.exit_code, result.stderr, result.stdout)
    err = result.stderr
    assert err.startswith("workshop: ") and err.count("\n") == 1, repr(err)
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def state(path: Path) -> tuple[bytes, list[str]]:
    """What a refused command must leave as it was: the file's bytes and its folder."""
    return path.read_bytes(), sorted(p.name for p in path.parent.iterdir())


def sql(path: Path, *statements: str) -> None:
    """Write as the sqlite3 shell would: foreign keys off, outside the app."""
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def rows(path: Path, query: str) -> list[tuple[Any, ...]]:
    conn = _connect_read_only(path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def damaged_file(tmp_path: Path) -> Path:
    """A workshop of many rows with a page in the middle overwritten."""
    path = tmp_path / "damaged.db"
    large.build(path, 0.1)
    middle = path.stat().st_size // 2 // PAGE * PAGE
    with path.open("r+b") as out:
        out.seek(middle)
        out.write(b"\xff" * PAGE)
    conn = _connect_read_only(path)
    try:
        assert damage(conn), "the overwritten page should fail quick_check"
    finally:
        conn.close()
    return path


def dangling_file(workshop_path: Path) -> Path:
    """The small organisation with its IT group deleted behind the app's back."""
    sql(workshop_path, "delete from groups where name = 'IT'")
    return workshop_path


def old_file_with_bad_values(tmp_path: Path) -> Path:
    """A file of the schema before m006_checks, with a rating of 7 and kind 'frontline'."""
    path = tmp_path / "old.db"
    make_old_file(path, BEFORE_CHECKS)
    sql(
        path,
        "update handoffs set self_rating = 7 where id = 1",
        "update groups set kind = 'frontline' where id = 2",
    )
    return path


def within(seconds: float, fn: Callable[[], Any]) -> Any:
    """`fn()`'s result, failing if it takes longer than `seconds` (it runs in a thread, so a
    hang on a FIFO fails the test instead of stopping the run)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as error:  # handed back to the test below
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# -- damaged pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [("export",), ("export", "--format", "json"), ("run",), ("import", "PLAN")],
    ids=["export-md", "export-json", "run", "import"],
)
def test_a_damaged_file_is_refused_in_one_line_and_left_alone(
    tmp_path: Path, command: tuple[str, ...], launched: list[dict[str, Any]]
) -> None:
    path = damaged_file(tmp_path)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"groups": [{"name": "New"}]}), encoding="utf-8")
    before = state(path)
    args = [plan if a == "PLAN" else a for a in command[1:]]
    result = invoke(command[0], path, *args)
    assert_one_line_error(result, "is damaged", "restore a backup", ".recover", "workshop check")
    assert state(path) == before and launched == []


def test_check_lists_the_damage_and_refuses_to_repair_it(tmp_path: Path) -> None:
    path = damaged_file(tmp_path)
    before = state(path)
    listed = invoke("check", path)
    assert listed.exit_code == 1 and listed.stdout.strip()
    assert "is damaged" in listed.stderr and ".recover" in listed.stderr
    repaired = invoke("check", path, "--repair", "--yes")
    assert_one_line_error(repaired, "cannot be repaired here", "restore a backup", ".recover")
    assert state(path) == before  # no repair and no backup copy


def test_the_rollup_skips_a_damaged_file_with_its_reason(
    tmp_path: Path, workshop_path: Path
) -> None:
    path = damaged_file(tmp_path)
    before = state(path)
    data = rollup([path, workshop_path])
    assert [w["file"] for w in data["workshops"]] == [str(workshop_path)]
    (skipped,) = data["skipped"]
    assert skipped["file"] == str(path) and "is damaged" in skipped["reason"]
    assert "\n" not in skipped["reason"]
    result = invoke("rollup", path, workshop_path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["skipped"][0]["file"] == str(path)
    assert state(path) == before


def test_the_rollup_skips_damage_found_only_while_reading(
    tmp_path: Path, workshop_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Damage the open-time checks missed still skips the file instead of crashing."""
    from workshop import rollup as rollup_module

    def broken(ws: Workshop) -> dict[str, Any]:
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(rollup_module, "as_dict", broken)
    data = rollup([workshop_path])
    assert data["workshops"] == []
    assert "is damaged (database disk image is malformed)" in data["skipped"][0]["reason"]


# -- references to deleted rows --------------------------------------------------------------


@pytest.mark.parametrize("command", [("export",), ("run",), ("import", "PLAN")])
def test_dangling_references_are_refused_naming_them_and_the_repair(
    tmp_path: Path, workshop_path: Path, command: tuple[str, ...], launched: list[dict[str, Any]]
) -> None:
    path = dangling_file(workshop_path)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"groups": [{"name": "New"}]}), encoding="utf-8")
    before = state(path)
    args = [plan if a == "PLAN" else a for a in command[1:]]
    result = invoke(command[0], path, *args)
    assert_one_line_error(
        result, "problems (", "3 hand-offs point at a deleted group", f"workshop check {path}"
    )
    assert state(path) == before and launched == []


def test_the_api_refuses_dangling_references_with_the_problems(workshop_path: Path) -> None:
    path = dangling_file(workshop_path)
    with pytest.raises(FileProblems) as refused:
        Workshop.open(path)
    assert all(p.kind == "dangling" for p in refused.value.problems)
    with pytest.raises(FileProblems):
        Workshop.open_read_only(path)
    assert check_file(path) == refused.value.problems


def test_check_lists_every_dangling_reference(workshop_path: Path) -> None:
    path = dangling_file(workshop_path)
    before = state(path)
    result = invoke("check", path)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "hand-off 2: its provider (group 2) was deleted; repair: delete the hand-off" in lines
    assert "action 1: its owner (group 2) was deleted; repair: empty its owner" in lines
    assert len(lines) == len(check_file(path))
    assert_one_line_error(result, "problems: repair with", "--repair")
    assert state(path) == before


def test_repair_deletes_or_empties_dangling_references_after_a_backup(
    tmp_path: Path, workshop_path: Path
) -> None:
    path = dangling_file(workshop_path)
    groups_before = rows(path, "select * from groups order by id")
    handoffs_before = rows(path, "select * from handoffs order by id")
    result = invoke("check", path, "--repair", "--yes")
    assert result.exit_code == 0, result.stderr
    assert "deleted 3 hand-offs that pointed at a deleted group" in result.stdout
    assert "emptied the owner of 1 action (a deleted group)" in result.stdout
    (copy,) = [p for p in tmp_path.iterdir() if ".bak-" in p.name]
    assert copy.name.startswith("small.db.bak-") and str(copy) in result.stdout
    dt.datetime.strptime(copy.name.removeprefix("small.db.bak-"), "%Y%m%d-%H%M%S")
    assert rows(copy, "select * from groups order by id") == groups_before  # the file as it was
    assert rows(copy, "select * from handoffs order by id") == handoffs_before
    assert check_file(path) == []
    with Workshop.open(path) as ws:
        assert [(h.provider, h.receiver) for h in ws.handoffs()] == [("Sales", "Homeowners")]
        assert [a.owner for a in ws.actions()] == [None]
    assert invoke("check", path).stdout == f"{path} has no problems.\n"


def test_repair_asks_first_and_a_no_keeps_the_file(
    workshop_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = dangling_file(workshop_path)
    before = state(path)
    no_terminal = invoke("check", path, "--repair")
    assert_one_line_error(no_terminal, "no terminal to ask on", "--yes")
    assert state(path) == before
    monkeypatch.setattr(cli, "_can_ask", lambda: True)
    declined = invoke("check", path, "--repair", input="n\n")
    assert "Repair these 7 problems" in declined.stderr
    assert declined.exit_code == 1 and "Not repaired" in declined.stderr
    assert state(path) == before
    accepted = invoke("check", path, "--repair", input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert "Repaired" in accepted.stdout and check_file(path) == []


def test_a_backup_never_overwrites_an_earlier_one(
    workshop_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Frozen:
            return cls(2026, 11, 24, 10, 15, 0)

    monkeypatch.setattr(integrity.dt, "datetime", Frozen)
    taken = workshop_path.with_name("small.db.bak-20261124-101500")
    taken.write_text("an earlier backup", encoding="utf-8")
    copy, changes = integrity.repair_file(dangling_file(workshop_path))
    assert copy == workshop_path.with_name("small.db.bak-20261124-101500-2") and changes
    assert taken.read_text(encoding="utf-8") == "an earlier backup"


def test_a_hand_off_without_a_receiver_and_a_lost_workshop_row(workshop_path: Path) -> None:
    """References the schema does not declare: every hand-off has a receiver, and the file has
    its workshop row."""
    sql(
        workshop_path,
        "update handoffs set receiver_customer_id = null where receiver_customer_id is not null",
        "delete from workshop",
    )
    texts = [p.text for p in check_file(workshop_path)]
    assert "hand-off 1 has no receiver; repair: delete the hand-off" in texts
    assert any(t.startswith("the workshop's own row") for t in texts)
    with pytest.raises(WorkshopError, match="its workshop row is missing"):
        Workshop.open(workshop_path)
    integrity.repair_file(workshop_path)
    with Workshop.open(workshop_path) as ws:
        assert ws.info().title == "small" and len(ws.handoffs()) == 3
        assert ws.join_code()


# -- values written outside the app -----------------------------------------------------------


def test_values_outside_the_rules_are_refused_and_the_file_is_not_migrated(
    tmp_path: Path,
) -> None:
    path = old_file_with_bad_values(tmp_path)
    before, migrations = state(path), applied_rows(path)
    result = invoke("export", path, "--format", "json")
    assert_one_line_error(
        result, "has 2 problems", "a rating of 7", "a kind of 'frontline'", "workshop check"
    )
    assert state(path) == before and applied_rows(path) == migrations


def test_repaired_values_export_and_import_again_and_the_file_then_migrates(
    tmp_path: Path,
) -> None:
    path = old_file_with_bad_values(tmp_path)
    listed = invoke("check", path).stdout
    assert "hand-off 1: the self rating is 7, not a whole number from 1 to 5" in listed
    assert "group 2: the kind is 'frontline', not one of front line, support" in listed
    result = invoke("check", path, "--repair", "--yes")
    assert result.exit_code == 0, result.stderr
    assert "set 1 kind to 'support'" in result.stdout and "set 1 self rating" in result.stdout
    assert [r[2] for r in applied_rows(path)] == BEFORE_CHECKS  # repair does not migrate
    exported = tmp_path / "plan.json"
    assert invoke("export", path, "--format", "json", "-o", exported).exit_code == 0
    assert [r[2] for r in applied_rows(path)] == NAMES  # migrated once sound
    assert invoke("new", tmp_path / "again.db", "--title", "A", "--plan", exported).exit_code == 0
    with Workshop.open(path) as ws:
        assert ws.handoffs()[0].self_rating is None
        assert [g.kind for g in ws.groups()] == ["front line", "support", "support"]


def test_a_listed_value_in_another_spelling_is_respelled(workshop_path: Path) -> None:
    sql(workshop_path, "pragma ignore_check_constraints = on",
        "update groups set kind = ' Front Line ' where name = 'IT'")  # fmt: skip
    (problem,) = check_file(workshop_path)
    assert problem.kind == "value"
    _, changes = integrity.repair_file(workshop_path)
    assert changes == ["set 1 kind to 'support' (or its listed spelling)"]
    assert rows(workshop_path, "select kind from groups where name = 'IT'") == [("front line",)]


def test_a_current_file_with_its_checks_bypassed_is_refused(workshop_path: Path) -> None:
    sql(
        workshop_path,
        "pragma ignore_check_constraints = on",
        "update comments set date = '2026-02-30'",
        "update actions set status = 'finished'",
        "update workshop set phase = 'lunch'",
    )
    before = state(workshop_path)
    with pytest.raises(FileProblems) as refused:
        Workshop.open(workshop_path)
    message = str(refused.value)
    assert "\n" not in message and "3 problems" in message
    assert "a date of '2026-02-30'" in message and "a status of 'finished'" in message
    assert state(workshop_path) == before


def test_many_alike_problems_are_summed_up_in_one_line(workshop_path: Path) -> None:
    sql(workshop_path, "pragma ignore_check_constraints = on",
        "update handoffs set self_rating = 9, customer_rating = 0")  # fmt: skip
    message = str(integrity.refusal(workshop_path, check_file(workshop_path)))
    assert "8 ratings outside the rules (9, 0)" in message and "\n" not in message


# -- CHECK constraints (m006_checks) ------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "update handoffs set self_rating = 7",
        "update handoffs set customer_rating = 2.5",
        "update groups set kind = 'frontline'",
        "update contributions set effect = 'helps'",
        "update comments set sentiment = 'angry'",
        "update comments set date = '2026-13-01'",
        "update proposals set impact = 'huge'",
        "update proposals set effort = 'HIGH'",
        "update actions set status = 'finished'",
        "update actions set previous_status = 'lost'",
        "update actions set due = 'soon'",
        "update workshop set phase = 'lunch'",
        "update workshop set timer_phase = 'lunch'",
        "update workshop set date = '2026-02-29'",
    ],
)
def test_sqlite_itself_refuses_values_outside_the_rules(
    workshop_path: Path, statement: str
) -> None:
    conn = sqlite3.connect(workshop_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            conn.execute(statement)
    finally:
        conn.close()


def test_sqlite_accepts_what_the_app_writes(workshop_path: Path) -> None:
    sql(
        workshop_path,
        "update handoffs set self_rating = 1, customer_rating = null",
        "update comments set date = '2024-02-29'",
        "update actions set status = 'dropped', previous_status = null, due = null",
        "update workshop set phase = 'summary', timer_phase = null, date = '2026-12-31'",
    )
    assert check_file(workshop_path) == []


@pytest.mark.parametrize(
    "value", ["2026-03-31", "2024-02-29", "2026-02-29", "2026-04-31", "0000-01-01", "2026-1-05"]
)
def test_the_date_rule_agrees_with_the_app(value: str) -> None:
    rule = next(r for r in integrity.RULES if r.column == "due")
    conn = sqlite3.connect(":memory:")
    conn.execute('create table actions ("due" text)')
    conn.execute("insert into actions values (?)", [value])
    (valid,) = conn.execute(f"select {rule.valid} from actions").fetchone()
    try:
        accepted = iso_date(value, "due") == value
    except WorkshopError:
        accepted = False
    assert bool(valid) == accepted


def table_state(path: Path) -> dict[str, Any]:
    """Every table's rows in rowid order, and its indexes and foreign keys."""
    conn = _connect_read_only(path)
    try:
        names = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        return {
            name: (
                conn.execute(f'select * from "{name}" order by rowid').fetchall(),
                sorted(r[1:4] for r in conn.execute(f'pragma index_list("{name}")')),
                sorted(r[2:] for r in conn.execute(f'pragma foreign_key_list("{name}")')),
            )
            for name in names
            if name not in (schema.MIGRATIONS_TABLE, "workshop")
        }
    finally:
        conn.close()


def test_m006_keeps_every_row_index_and_foreign_key(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    make_old_file(path, BEFORE_CHECKS)
    before = table_state(path)
    after_checks = NAMES.index("m006_checks") + 1  # m006 alone: later ones add their own tables
    db = Database(path)
    schema.migrations.apply(
        db, stop_before=NAMES[after_checks] if after_checks < len(NAMES) else None
    )
    db.close()
    assert table_state(path) == before
    with Workshop.open(path) as ws:
        assert ws.conn.execute("pragma foreign_keys").fetchone()[0] == 1
        assert ws.conn.execute("pragma foreign_key_check").fetchall() == []
        assert ws.conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        with pytest.raises(WorkshopError, match="already used"):
            ws.add_group("SALES")  # the unique index on the name's key is still there
        ws.delete_group(1)  # and deleting still cascades (Sales gives and receives both)
        assert ws.handoffs() == []
    sql_text = rows(path, "select sql from sqlite_master where name = 'handoffs'")[0][0]
    assert 'CONSTRAINT "handoffs_self_rating" CHECK' in sql_text


def test_m006_run_again_after_a_crash_before_its_record_changes_nothing(
    workshop_path: Path,
) -> None:
    schema_before = rows(workshop_path, "select * from sqlite_master order by name")
    sql(workshop_path, "delete from _sqlite_migrations where name = 'm006_checks'")
    Workshop.open(workshop_path).close()
    assert rows(workshop_path, "select * from sqlite_master order by name") == schema_before
    assert sorted(r[2] for r in applied_rows(workshop_path)) == sorted(NAMES)  # m006 again, last


def test_problems_reads_every_older_schema(tmp_path: Path) -> None:
    for done in range(1, len(NAMES) + 1):
        path = tmp_path / f"v{done}.db"
        make_old_file(path, NAMES[:done])
        conn = _connect_read_only(path)
        try:
            assert problems(conn) == [], done
        finally:
            conn.close()


# -- paths that are not ordinary files ----------------------------------------------------------


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.db"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    "command",
    [("export",), ("run",), ("import", "PLAN"), ("check",), ("join", "--as", "Ann"), ("serve",)],
)
def test_a_fifo_is_refused_at_once(
    tmp_path: Path, fifo: Path, command: tuple[str, ...], launched: list[dict[str, Any]]
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text("{}", encoding="utf-8")
    args = [plan if a == "PLAN" else a for a in command[1:]]
    result = within(5, lambda: invoke(command[0], fifo, *args))
    assert_one_line_error(result, "is a named pipe (FIFO), not a workshop file")
    assert launched == []


def test_a_fifo_is_refused_by_the_api_the_rollup_and_a_follow_up(
    tmp_path: Path, fifo: Path, workshop_path: Path
) -> None:
    with pytest.raises(WorkshopError, match="named pipe"):
        within(2, lambda: Workshop.open(fifo))
    with pytest.raises(WorkshopError, match="named pipe"):
        within(2, lambda: Workshop.open_read_only(fifo))
    new = tmp_path / "next.db"
    with pytest.raises(WorkshopError, match="named pipe"):
        within(2, lambda: Workshop.create(new, title="Next", follow_up=fifo))
    assert not new.exists()
    data = within(5, lambda: rollup([fifo, workshop_path]))
    assert "named pipe" in data["skipped"][0]["reason"] and len(data["workshops"]) == 1
    result = within(5, lambda: invoke("rollup", fifo, workshop_path, "--format", "json"))
    assert result.exit_code == 0 and "named pipe" in result.stdout


def test_a_fifo_beside_the_file_as_its_wal_is_refused(workshop_path: Path) -> None:
    os.mkfifo(f"{workshop_path}-wal")
    with pytest.raises(WorkshopError, match=r"-wal is a named pipe"):
        within(2, lambda: Workshop.open(workshop_path))


def test_a_device_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkshopError, match="is a device, not a workshop file"):
        within(2, lambda: Workshop.open("/dev/null"))
    assert_one_line_error(within(5, lambda: invoke("export", "/dev/null")), "is a device")
