"""The workshop file: bad files refused untouched, the pragmas, migrations that keep data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from workshop import Workshop, WorkshopError, schema


def fingerprint(path: Path) -> tuple[bytes, int, list[str]]:
    """Bytes, modification time and the files beside it: what "unchanged" means."""
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(p.name for p in path.parent.iterdir())


def refused_untouched(path: Path, fragment: str) -> None:
    before = fingerprint(path)
    with pytest.raises(WorkshopError, match=fragment):
        Workshop.open(path)
    assert fingerprint(path) == before


def test_missing_file_is_refused_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nope.db"
    with pytest.raises(WorkshopError, match="does not exist"):
        Workshop.open(path)
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkshopError, match="is a folder"):
        Workshop.open(tmp_path)


@pytest.mark.parametrize(
    "content",
    [b"", b"hello, this is not a database\n" * 40, bytes(range(256)) * 16],
    ids=["empty", "text", "random"],
)
def test_non_sqlite_files_are_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.db"
    path.write_bytes(content)
    refused_untouched(path, "not a workshop|damaged")


def test_truncated_workshop_is_refused_untouched(workshop_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "truncated.db"
    path.write_bytes(workshop_path.read_bytes()[:5000])
    refused_untouched(path, "damaged|not a workshop")


def test_other_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table invoices (id integer primary key, total real)")
    conn.close()
    refused_untouched(path, "SQLite file but not a workshop")


def test_newer_schema_is_refused_untouched(workshop_path: Path) -> None:
    with sqlite3.connect(workshop_path) as conn:
        conn.execute(
            "insert into _sqlite_migrations (migration_set, name, applied_at) "
            "values ('workshop', 'm999_from_the_future', '2030-01-01')"
        )
    conn.close()
    refused_untouched(workshop_path, "newer version of workshop")


def test_create_refuses_an_existing_file(workshop_path: Path) -> None:
    before = fingerprint(workshop_path)
    with pytest.raises(WorkshopError, match="already exists"):
        Workshop.create(workshop_path, title="Again")
    assert fingerprint(workshop_path) == before


def test_pragmas_and_schema_version(small_workshop: Workshop) -> None:
    """Foreign keys on, WAL, a busy timeout of a few seconds, the schema version recorded."""
    db = small_workshop.db
    assert db.execute("pragma foreign_keys").fetchone()[0] == 1
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert 1000 <= db.execute("pragma busy_timeout").fetchone()[0] <= 10_000
    assert small_workshop.info().schema_version == schema.SCHEMA_VERSION == 8


def test_older_schema_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    """A file made by the first schema (no event log) opens, gains the log, keeps every row."""
    path = tmp_path / "old.db"
    db = Database(path)
    schema.migrations.apply(db, stop_before="m002_event_log")
    db["workshop"].insert({"id": 1, "title": "Last year", "phase": "groups & roles"})
    db["groups"].insert({"id": 1, "name": "Sales", "key": "sales", "kind": "front line"})
    db["groups"].insert({"id": 2, "name": "IT", "key": "it", "kind": "support"})
    db["customers"].insert({"id": 1, "name": "Homeowners", "key": "homeowners"})
    db["handoffs"].insert({"provider_id": 1, "receiver_customer_id": 1, "provides": "Quotes"})
    db["handoffs"].insert({"provider_id": 2, "receiver_group_id": 1, "self_rating": 4})
    db.close()
    assert "events" not in Database(path).table_names()

    with Workshop.open(path) as ws:
        assert ws.info().title == "Last year"
        assert ws.info().schema_version == schema.SCHEMA_VERSION
        assert [(g.name, g.customer_distance) for g in ws.groups()] == [("Sales", 1), ("IT", 2)]
        assert [h.provides for h in ws.handoffs()] == ["Quotes", ""]
        gid = ws.add_group("HR")
        ws.delete_group(gid)
        assert ws.undo() == "Deleted group HR"
    with Workshop.open(path) as ws:
        applied = ws.db.execute("select count(*) from _sqlite_migrations").fetchone()[0]
        assert applied == schema.SCHEMA_VERSION
        assert [g.name for g in ws.groups()] == ["Sales", "IT", "HR"]


def test_opening_twice_runs_no_migration(workshop_path: Path) -> None:
    with Workshop.open(workshop_path) as ws:
        first = ws.db.execute("select name, applied_at from _sqlite_migrations").fetchall()
    with Workshop.open(workshop_path) as ws:
        assert ws.db.execute("select name, applied_at from _sqlite_migrations").fetchall() == first


@pytest.mark.parametrize(
    ("first", "second"),
    [("Sales", "SALES"), ("Straße", "STRASSE"), ("Caf\u00e9", "Cafe\u0301"), ("IT", " it ")],
)
def test_names_are_unique_ignoring_case_and_form(tmp_path: Path, first: str, second: str) -> None:
    with Workshop.create(tmp_path / "names.db", title="Names") as ws:
        ws.add_group(first)
        with pytest.raises(WorkshopError, match="already used by a group"):
            ws.add_group(second)
        with pytest.raises(WorkshopError, match="already used by a group"):
            ws.add_customer(second)
        assert [g.name for g in ws.groups()] == [first]


def test_rename_to_own_name_in_another_case_is_allowed(small_workshop: Workshop) -> None:
    it = small_workshop.lookup_id("groups", "IT")
    small_workshop.update_group(it, name="it")
    assert small_workshop.group(it).name == "it"
    with pytest.raises(WorkshopError, match="already used by a customer"):
        small_workshop.update_group(it, name="homeowners")


@pytest.mark.parametrize(
    "name",
    ["🔥 Team Ω", "فريق المبيعات", "| *bold* <b>x</b>", "{{ 7*7 }} {% raw %}", "x" * 80],
)
def test_hostile_names_are_stored_as_typed(tmp_path: Path, name: str) -> None:
    with Workshop.create(tmp_path / "hostile.db", title="Hostile") as ws:
        gid = ws.add_group(name, role=name * 3)
        assert (ws.group(gid).name, ws.group(gid).role) == (name, name * 3)


@pytest.mark.parametrize("name", ["", "   ", "a\x00b", "bell\x07", "line\nbreak", "x" * 81])
def test_bad_names_are_refused_with_a_message(small_workshop: Workshop, name: str) -> None:
    before = small_workshop.export("json")
    with pytest.raises(WorkshopError, match="group's name"):
        small_workshop.add_group(name)
    assert small_workshop.export("json") == before


def test_delete_and_undo_restore_everything_that_hung_on_a_group(small_workshop: Workshop) -> None:
    """IT has hand-offs both ways, onion layers, a comment route and an action: all come back."""
    before = small_workshop.export("json")
    small_workshop.delete_group(small_workshop.lookup_id("groups", "IT"))
    assert "IT" not in [g.name for g in small_workshop.groups()]
    assert small_workshop.export("json") != before
    assert small_workshop.undo() == "Deleted group IT"
    assert small_workshop.export("json") == before


def test_undo_survives_reopening_and_says_when_there_is_nothing(workshop_path: Path) -> None:
    with Workshop.open(workshop_path) as ws:
        ws.update_group(ws.lookup_id("groups", "HR"), role="We hire.")
    with Workshop.open(workshop_path) as ws:
        assert ws.can_undo() == "Edited group HR"
        ws.undo()
        assert ws.group(ws.lookup_id("groups", "HR")).role == "We hire and train people."
        while ws.can_undo():
            ws.undo()
        with pytest.raises(WorkshopError, match="Nothing to undo"):
            ws.undo()


def test_a_failed_transaction_leaves_nothing_behind(small_workshop: Workshop) -> None:
    before = small_workshop.export("json")
    with pytest.raises(RuntimeError), small_workshop.transaction():
        small_workshop.add_group("Legal")
        raise RuntimeError("power cut")
    assert small_workshop.export("json") == before
