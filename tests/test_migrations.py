"""Schema migrations: an older file is brought up to date on open and keeps every row.

Older files are made the way an older release made them: sqlite-utils' `Migrations.apply` with
`stop_before` the first migration that release did not have, then rows written with plain SQL.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from workshop import Workshop, WorkshopError, schema

NAMES = schema.known_names()
FIRST_RELEASE = NAMES[:1]  # the schema of the first release: no event log yet

OLD_ROWS = """
insert into workshop (id, title, purpose, date, phase)
    values (1, 'Last year', 'Who serves whom?', '2025-11-20', 'customers & hand-offs');
insert into groups (id, name, key, role, kind, good_day) values
    (1, 'Sales', 'sales', 'We sell.', 'front line', 'Quotes out today'),
    (2, 'IT', 'it', 'Tools.', 'support', ''),
    (3, 'Straße', 'strasse', '', 'support', '');
insert into customers (id, name, key, segment) values (1, 'Homeowners', 'homeowners', 'Private');
insert into handoffs (id, provider_id, receiver_customer_id, provides, needs, expectation,
                      self_rating, customer_rating)
    values (1, 1, 1, 'Quotes', 'Speed', 'Within 2 days', 4, 2);
insert into handoffs (id, provider_id, receiver_group_id, provides, self_rating)
    values (2, 2, 1, 'Laptops', 5);
insert into touchpoints (id, name, key, customer_id, owner_id, channel)
    values (1, 'First visit', 'first visit', 1, 1, 'on site');
insert into contributions (id, touchpoint_id, group_id, supports_group_id, what, effect,
                           fail_point)
    values (1, 1, 2, 1, 'CRM on the tablet', 'weakens', 1);
insert into comments (id, text, touchpoint_id, sentiment, date)
    values (1, 'Too slow {{ again }}', 1, 'negative', '2025-10-01');
insert into comment_routes (comment_id, group_id) values (1, 1), (1, 2);
"""


def make_old_file(path: Path, applied: list[str]) -> None:
    """A workshop file with only the migrations `applied`, holding OLD_ROWS."""
    db = Database(path)
    later = NAMES[len(applied)] if len(applied) < len(NAMES) else None
    schema.migrations.apply(db, stop_before=later)
    db.close()
    conn = sqlite3.connect(path)
    conn.executescript(OLD_ROWS)
    conn.commit()
    conn.close()


def applied_rows(path: Path) -> list[tuple[Any, ...]]:
    """(id, set, name, applied_at) of every recorded migration, read without writing."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(
            "select id, migration_set, name, applied_at from _sqlite_migrations order by id"
        ).fetchall()
    finally:
        conn.close()


def table_rows(conn: sqlite3.Connection | Database, table: str) -> list[tuple[Any, ...]]:
    """All rows of a table, ordered by rowid."""
    return conn.execute(f'select * from "{table}" order by rowid').fetchall()


OLD_TABLES = [
    "groups",
    "customers",
    "handoffs",
    "touchpoints",
    "contributions",
    "comments",
    "comment_routes",
]


def test_known_migrations_are_ordered_and_counted() -> None:
    """The schema version is the number of migrations, named in the order they run."""
    assert NAMES[0] == "m001_customer_chain"
    assert sorted(NAMES) == NAMES
    assert len(set(NAMES)) == len(NAMES)
    assert schema.SCHEMA_VERSION == len(NAMES) >= 2


def test_old_file_really_is_old(tmp_path: Path) -> None:
    """The helper builds the first release's file: no event log, no version column, no WAL."""
    path = tmp_path / "old.db"
    make_old_file(path, FIRST_RELEASE)
    db = Database(path)
    try:
        assert "events" not in db.table_names()
        assert "schema_version" not in db["workshop"].columns_dict
        assert [m.name for m in schema.migrations.applied(db)] == FIRST_RELEASE
        assert db.execute("pragma journal_mode").fetchone()[0] == "delete"
    finally:
        db.close()


def test_old_file_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    """Opening migrates in place: same rows, current version, new tables, WAL, working undo."""
    path = tmp_path / "old.db"
    make_old_file(path, FIRST_RELEASE)
    before_migrations = applied_rows(path)
    with sqlite3.connect(path) as conn:
        before = {t: table_rows(conn, t) for t in OLD_TABLES}
        before_workshop = conn.execute(
            "select id, title, purpose, date, phase, settings from workshop"
        ).fetchall()
    conn.close()

    with Workshop.open(path) as ws:
        assert {t: table_rows(ws.db, t) for t in OLD_TABLES} == before
        assert (
            ws.db.execute(
                "select id, title, purpose, date, phase, settings from workshop"
            ).fetchall()
            == before_workshop
        )
        assert ws.db.execute("select schema_version from workshop").fetchone()[0] == (
            schema.SCHEMA_VERSION
        )
        info = ws.info()
        assert (info.title, info.phase, info.schema_version) == (
            "Last year",
            "customers & hand-offs",
            schema.SCHEMA_VERSION,
        )
        assert "events" in ws.db.table_names()
        assert schema.migrations.pending(ws.db) == []
        assert ws.db.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert ws.db.execute("pragma foreign_key_check").fetchall() == []
        assert ws.db.execute("pragma integrity_check").fetchone()[0] == "ok"

        # The API reads the migrated rows as it reads new ones.
        assert [(g.name, g.customer_distance) for g in ws.groups()] == [
            ("Sales", 1),
            ("IT", 2),
            ("Straße", None),
        ]
        assert [(h.provider, h.receiver, h.gap) for h in ws.handoffs()] == [
            ("Sales", "Homeowners", 2),
            ("IT", "Sales", None),
        ]
        assert [sorted(c.routed_to) for c in ws.comments()] == [["IT", "Sales"]]
        assert ws.lookup_id("groups", "STRASSE") == 3
        assert '"title": "Last year"' in ws.export("json")

        # The new event log works on the migrated file.
        assert ws.can_undo() is None
        ws.delete_group(2)
        assert ws.undo() == "Deleted group IT"
        assert {t: table_rows(ws.db, t) for t in OLD_TABLES} == before

    after_migrations = applied_rows(path)
    assert after_migrations[: len(before_migrations)] == before_migrations
    assert [r[2] for r in after_migrations] == NAMES


@pytest.mark.parametrize("done", range(1, len(NAMES)), ids=lambda n: f"{n}-applied")
def test_every_older_schema_is_brought_up_to_date(tmp_path: Path, done: int) -> None:
    """Whatever older release wrote the file, opening applies exactly the missing migrations."""
    path = tmp_path / "old.db"
    make_old_file(path, NAMES[:done])
    earlier = applied_rows(path)
    with Workshop.open(path) as ws:
        assert ws.info().schema_version == schema.SCHEMA_VERSION
        assert [g.name for g in ws.groups()] == ["Sales", "IT", "Straße"]
        assert len(ws.handoffs()) == 2
    rows = applied_rows(path)
    assert rows[:done] == earlier
    assert [r[2] for r in rows] == NAMES


def test_migrated_file_reopens_without_running_anything(tmp_path: Path) -> None:
    """Once migrated, a file is current: the next open changes no migration record."""
    path = tmp_path / "old.db"
    make_old_file(path, FIRST_RELEASE)
    Workshop.open(path).close()
    migrated = applied_rows(path)
    with Workshop.open(path) as ws:
        assert schema.migrations.pending(ws.db) == []
        assert ws.info().schema_version == schema.SCHEMA_VERSION
    assert applied_rows(path) == migrated


def test_up_to_date_file_opened_twice_runs_no_migration(workshop_path: Path) -> None:
    """Opening a current file twice leaves the migrations table, schema and log as they were."""

    def state(ws: Workshop) -> tuple[Any, ...]:
        schema_sql = ws.db.execute(
            "select type, name, sql from sqlite_master order by type, name"
        ).fetchall()
        return schema_sql, ws.db.execute("select count(*) from events").fetchone()[0]

    recorded = applied_rows(workshop_path)
    assert len(recorded) == schema.SCHEMA_VERSION
    with Workshop.open(workshop_path) as ws:
        first = state(ws)
    assert applied_rows(workshop_path) == recorded
    with Workshop.open(workshop_path) as ws:
        assert state(ws) == first
    assert applied_rows(workshop_path) == recorded


def test_older_file_with_an_unknown_migration_is_refused_not_migrated(tmp_path: Path) -> None:
    """A file lacking one of ours but listing one we do not know came from elsewhere: refused
    untouched, and none of our missing migrations is applied."""
    path = tmp_path / "odd.db"
    make_old_file(path, FIRST_RELEASE)
    conn = sqlite3.connect(path)
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) values (?, ?, ?)",
        [schema.MIGRATION_SET, "m002_someone_elses_idea", "2031-01-01"],
    )
    conn.commit()
    conn.close()
    before = path.read_bytes(), path.stat().st_mtime_ns
    with pytest.raises(WorkshopError, match="newer version of workshop"):
        Workshop.open(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd.db"]
    assert "m002_event_log" not in [r[2] for r in applied_rows(path)]


def make_unmigratable_file(path: Path) -> None:
    """A first-release file where the second migration cannot run (its table already exists)."""
    make_old_file(path, FIRST_RELEASE)
    conn = sqlite3.connect(path)
    conn.execute("create table events (id integer primary key, note text)")
    conn.execute("insert into events (note) values ('made by hand')")
    conn.commit()
    conn.close()


def test_failed_migration_is_a_clear_error_and_keeps_the_data(tmp_path: Path) -> None:
    """A migration that fails is rolled back whole: a WorkshopError, every row still there."""
    path = tmp_path / "stuck.db"
    make_unmigratable_file(path)
    with sqlite3.connect(path) as conn:
        before = {t: table_rows(conn, t) for t in [*OLD_TABLES, "events", "workshop"]}
    conn.close()
    with pytest.raises(WorkshopError, match='Cannot open .*stuck.db: table "?events"? already'):
        Workshop.open(path)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert {t: table_rows(conn, t) for t in before} == before
    finally:
        conn.close()
    assert [r[2] for r in applied_rows(path)] == FIRST_RELEASE


def test_failed_migration_closes_the_file(tmp_path: Path) -> None:
    """After a refused open nothing keeps the file open: its -wal and -shm are gone."""
    path = tmp_path / "stuck.db"
    make_unmigratable_file(path)
    with pytest.raises(WorkshopError, match="Cannot open"):
        Workshop.open(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stuck.db"]


def test_presence_migration_keeps_participants_dots_and_readiness(tmp_path: Path) -> None:
    """m007_presence on a file of the release before it: everyone who joined is still in
    the room (none removed), with their key, dots and readiness; presence starts empty."""
    path = tmp_path / "before-presence.db"
    make_old_file(path, NAMES[: NAMES.index("m007_presence")])
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        insert into participants (id, name, key, group_id, facilitator, key_hash) values
            (1, 'Dana', 'dana', null, 1, null), (2, 'Ann', 'ann', 1, 0, 'sha256$00$ab');
        insert into proposals (id, title, key) values (1, 'Quote on the spot', 'quote on the spot');
        insert into vote_rounds (id, question, votes_per_person, max_per_item, hidden, state)
            values (1, 'First?', 2, 2, 0, 'open');
        insert into vote_round_proposals (round_id, proposal_id, position) values (1, 1, 0);
        insert into votes (round_id, participant_id, proposal_id) values (1, 2, 1), (1, 2, 1);
        insert into readiness (participant_id, phase) values (2, 'customers & hand-offs');
        """
    )
    conn.commit()
    with conn:
        before = {t: table_rows(conn, t) for t in ("participants", "votes", "readiness")}
    conn.close()
    with Workshop.open(path) as ws:
        assert [r[:-1] for r in table_rows(ws.conn, "participants")] == before["participants"]
        assert [r[-1] for r in table_rows(ws.conn, "participants")] == [None, None]
        assert table_rows(ws.conn, "votes") == before["votes"]
        assert table_rows(ws.conn, "readiness") == before["readiness"]
        assert [p.name for p in ws.participants()] == ["Dana", "Ann"]
        assert not ws.is_removed(2)
        assert (ws.readiness().ready, ws.readiness().total) == (0, 0)  # nobody here yet
        assert [r.votes for r in ws.results(1)] == [2]
        assert ws.present() == []
        assert ws.seen([2], "browser") == [2]
        assert (ws.readiness().ready, ws.readiness().total) == (1, 1)  # Ann's mark is kept
        assert [p.name for p in ws.present()] == ["Ann"]


def test_lead_migration_keeps_the_room_and_starts_with_nobody_leading(tmp_path: Path) -> None:
    """m008_lead_and_redo on a file of the release before it: every row stays, nobody leads,
    a plain script still moves the room, the first facilitator to lead takes the lead; the
    log's older undos cannot be redone, new ones can."""
    path = tmp_path / "before-lead.db"
    make_old_file(path, NAMES[: NAMES.index("m008_lead_and_redo")])
    conn = sqlite3.connect(path)
    conn.execute("insert into participants (id, name, key) values (1, 'Ann', 'ann')")
    conn.execute(
        "insert into events (at, actor, kind, summary, undo, undone) values"
        " ('2026-01-01T10:00:00+00:00', '', 'add', 'Added group Straße',"
        ' \'{"op": "delete", "table": "groups", "ids": [3]}\', 1),'
        " ('2026-01-01T10:01:00+00:00', '', 'undo', 'Undid: Added group Straße', '', 0)"
    )
    conn.commit()
    before = {t: table_rows(conn, t) for t in [*OLD_TABLES, "participants"]}
    events = table_rows(conn, "events")
    assert "lead" not in {r[0] for r in conn.execute("select name from sqlite_master")}
    conn.close()
    with Workshop.open(path, actor="Dana") as ws, Workshop.open(path, actor="Sam") as other:
        assert {t: table_rows(ws.conn, t) for t in before} == before
        assert table_rows(ws.conn, "lead") == []
        assert [r[:-1] for r in table_rows(ws.conn, "events")] == events
        assert [r[-1] for r in table_rows(ws.conn, "events")] == ["", ""]
        assert ws.can_redo() is None  # an older release's undo says not how to redo it
        ws.add_group("Legal")
        ws.undo()
        assert ws.redo() == "Added group Legal"
        assert ws.lead() is None and ws.leader() is None
        ws.update_info(phase="vote")  # nobody leads: a script moves the room
        assert ws.take_lead().name == "Dana"
        with pytest.raises(WorkshopError, match=r"Someone else leads this room now \(Dana"):
            other.update_info(phase="proposals")
        with pytest.raises(sqlite3.IntegrityError):  # one lead at most
            ws.conn.execute("insert into lead (id, token, since, beat_at) values (2, 'x', 0, 0)")
    assert [r[2] for r in applied_rows(path)] == NAMES
