"""The store: opening and creating files, pragmas, unique names, undo and transactions.

Everything runs against real SQLite files in `tmp_path`; "unchanged" means the same bytes, the
same modification time and no new files (-wal, -shm, -journal) beside the workshop file.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from workshop import FileBusy, PlanError, Workshop, WorkshopError, schema

Fingerprint = tuple[bytes, int, list[str]]


def fingerprint(path: Path) -> Fingerprint:
    """The bytes, modification time and neighbours of a file: what "unchanged" means."""
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(p.name for p in path.parent.iterdir())


def assert_refused_untouched(path: Path, fragment: str) -> str:
    """Workshop.open refuses `path` with a message containing `fragment` and leaves it as is."""
    before = fingerprint(path)
    with pytest.raises(WorkshopError) as caught:
        Workshop.open(path)
    message = str(caught.value)
    assert fragment in message
    assert str(path.name) in message
    after = fingerprint(path)
    assert after[2] == before[2], "files appeared beside the refused file"
    assert after[1] == before[1], "the refused file's modification time changed"
    assert after[0] == before[0], "the refused file's bytes changed"
    return message


def dump(ws: Workshop) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table except the event log, in a stable order."""
    tables = [
        r[0]
        for r in ws.db.execute(
            "select name from sqlite_master where type = 'table' "
            "and name not in ('events', '_sqlite_migrations') order by name"
        )
    ]
    return {t: sorted(ws.db.execute(f'select * from "{t}"').fetchall(), key=repr) for t in tables}


def count(ws: Workshop, table: str) -> int:
    """Rows in a table."""
    return ws.db.execute(f'select count(*) from "{table}"').fetchone()[0]


def add(ws: Workshop, kind: str, name: str) -> int:
    """Add a group or a customer called `name`."""
    return ws.add_group(name) if kind == "group" else ws.add_customer(name)


# -- opening files that are not workshops ------------------------------------------------------


@pytest.mark.parametrize("relative", ["nope.db", "no/such/folder/nope.db"])
def test_open_missing_file_is_refused_and_nothing_is_created(tmp_path: Path, relative: str) -> None:
    """A missing path gets a hint to create it; no file or folder appears."""
    with pytest.raises(WorkshopError, match="does not exist") as caught:
        Workshop.open(tmp_path / relative)
    assert "workshop new" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_open_folder_is_refused_untouched(tmp_path: Path) -> None:
    """A folder is named as a folder; nothing is created inside it."""
    folder = tmp_path / "looks-like.db"
    folder.mkdir()
    (folder / "inside.txt").write_text("keep me")
    mtime = folder.stat().st_mtime_ns
    with pytest.raises(WorkshopError, match="is a folder, not a workshop file"):
        Workshop.open(folder)
    assert [p.name for p in folder.iterdir()] == ["inside.txt"]
    assert folder.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["looks-like.db"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "is an SQLite file but not a workshop file"),
        (random.Random(7).randbytes(8192), "is damaged or not a workshop file"),
        (b"SQLite format 3\x00" + random.Random(8).randbytes(4080), "damaged or not a workshop"),
        (b"title,purpose\nQ3,Who serves whom?\n" * 50, "is damaged or not a workshop file"),
    ],
    ids=["zero-bytes", "random-bytes", "sqlite-magic-then-garbage", "csv-text"],
)
def test_open_refuses_non_workshop_bytes_untouched(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    """Files that are not SQLite (or an empty one) are refused and left byte-identical."""
    path = tmp_path / "bad.db"
    path.write_bytes(content)
    assert_refused_untouched(path, fragment)


@pytest.mark.parametrize("keep", [100, 1000, 4096, 20_000])
def test_open_refuses_truncated_workshop_untouched(
    workshop_path: Path, tmp_path: Path, keep: int
) -> None:
    """The first bytes of a real workshop file are refused as damaged."""
    data = workshop_path.read_bytes()
    assert len(data) > keep
    path = tmp_path / "truncated.db"
    path.write_bytes(data[:keep])
    assert_refused_untouched(path, "is damaged or not a workshop file")


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
@pytest.mark.parametrize(
    "ddl",
    [
        "create table invoices (id integer primary key, total real)",
        "create table workshop (id integer primary key, title text)",
        "create table _sqlite_migrations (id integer primary key, migration_set text, "
        "name text, applied_at text)",
    ],
    ids=["other-table", "workshop-table-only", "migrations-table-only"],
)
def test_open_refuses_other_sqlite_files_untouched(
    tmp_path: Path, ddl: str, journal_mode: str
) -> None:
    """A valid SQLite file of some other program is refused without being touched."""
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute(f"pragma journal_mode = {journal_mode}")
    conn.execute(ddl)
    conn.commit()
    conn.close()
    assert_refused_untouched(path, "is an SQLite file but not a workshop file")


def add_migration_row(path: Path, name: str, migration_set: str = schema.MIGRATION_SET) -> None:
    """Record a migration as applied, the way a newer release (or another tool) would."""
    conn = sqlite3.connect(path)
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) values (?, ?, ?)",
        [migration_set, name, "2031-01-01 00:00:00.000000+00:00"],
    )
    conn.commit()
    conn.close()


def test_open_refuses_newer_schema_untouched(workshop_path: Path) -> None:
    """An unknown migration in our set means a newer release wrote the file."""
    add_migration_row(workshop_path, "m999_from_the_future")
    message = assert_refused_untouched(workshop_path, "written by a newer version of workshop")
    assert f"schema {schema.SCHEMA_VERSION + 1}" in message
    assert f"this version knows {schema.SCHEMA_VERSION}" in message
    assert "Upgrade workshop" in message


def test_migrations_of_another_set_do_not_count_as_newer(workshop_path: Path) -> None:
    """A row of some other migration set in the same table is not ours to judge."""
    add_migration_row(workshop_path, "m001_plugin_tables", migration_set="some-plugin")
    with Workshop.open(workshop_path) as ws:
        assert ws.info().title == "Small org"
        assert ws.info().schema_version == schema.SCHEMA_VERSION


@pytest.mark.parametrize(
    "name", ["with space.db", "hash#1.db", "what?.db", "pct%20x.db", "ünïcødé.db", "a&b=c.db"]
)
def test_paths_with_uri_metacharacters_open(tmp_path: Path, name: str) -> None:
    """The read-only URI inspection copes with characters that mean something in a URI."""
    path = tmp_path / name
    with Workshop.create(path, title="Odd path") as ws:
        ws.add_group("Sales")
    with Workshop.open(path) as ws:
        assert [g.name for g in ws.groups()] == ["Sales"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_committed_changes_left_in_the_wal_are_read(tmp_path: Path) -> None:
    """A killed process loses nothing committed: its -wal, copied as it was, is read on open."""
    live = tmp_path / "live.db"
    ws = Workshop.create(live, title="Live")
    try:
        ws.db.execute("pragma wal_autocheckpoint = 0")
        ws.add_group("Sales")
        ws.add_customer("Homeowners")
        wal = Path(f"{live}-wal")
        assert wal.exists() and wal.stat().st_size > 0
        crashed = tmp_path / "crashed"
        crashed.mkdir()
        shutil.copy(live, crashed / "live.db")
        shutil.copy(wal, crashed / "live.db-wal")
    finally:
        ws.close()
    with Workshop.open(crashed / "live.db") as copy:
        assert [g.name for g in copy.groups()] == ["Sales"]
        assert [c.name for c in copy.customers()] == ["Homeowners"]
        assert copy.can_undo() == "Added customer Homeowners"


def test_two_open_workshops_share_the_file(workshop_path: Path) -> None:
    """A second process-like handle opens a file in use and sees the other's commits."""
    with Workshop.open(workshop_path) as first, Workshop.open(workshop_path) as second:
        version = second.data_version()
        first.add_group("Legal")
        assert second.data_version() != version
        assert "Legal" in [g.name for g in second.groups()]


# -- creating ------------------------------------------------------------------------------


@pytest.mark.parametrize("existing", ["workshop", "empty", "text"])
def test_create_refuses_an_existing_file_untouched(
    workshop_path: Path, tmp_path: Path, existing: str
) -> None:
    """Create never overwrites, whatever is at the path."""
    path = {
        "workshop": workshop_path,
        "empty": tmp_path / "empty.db",
        "text": tmp_path / "notes.db",
    }[existing]
    if existing == "empty":
        path.write_bytes(b"")
    elif existing == "text":
        path.write_text("my notes, not a database\n")
    before = fingerprint(path)
    with pytest.raises(WorkshopError, match="already exists; choose another file name"):
        Workshop.create(path, title="Again")
    assert fingerprint(path) == before


def test_create_refuses_a_folder(tmp_path: Path) -> None:
    """A folder at the path is refused and left empty."""
    folder = tmp_path / "taken.db"
    folder.mkdir()
    with pytest.raises(WorkshopError, match="already exists"):
        Workshop.create(folder, title="Again")
    assert list(folder.iterdir()) == []


def test_create_in_a_missing_folder_creates_nothing(tmp_path: Path) -> None:
    """The missing folder is named; it is not created."""
    with pytest.raises(WorkshopError, match="does not exist"):
        Workshop.create(tmp_path / "missing" / "q3.db", title="Q3")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("title", "fragment"),
    [("", "must not be empty"), ("   ", "must not be empty"), ("Q3\x00", "control character")],
)
def test_create_with_a_bad_title_leaves_no_file(tmp_path: Path, title: str, fragment: str) -> None:
    """The title is checked before anything is written."""
    with pytest.raises(WorkshopError, match=fragment) as caught:
        Workshop.create(tmp_path / "q3.db", title=title)
    assert str(caught.value).startswith("The title")
    assert list(tmp_path.iterdir()) == []


def test_create_with_a_refused_plan_leaves_no_file(tmp_path: Path) -> None:
    """A plan refused whole leaves neither the file nor its -wal/-shm behind."""
    plan = {"groups": [{"name": "Sales"}, {"name": "SALES"}]}
    with pytest.raises(PlanError, match="groups #2") as caught:
        Workshop.create(tmp_path / "q3.db", title="Q3", plan=plan)
    assert "“Sales” is already used by a group" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


# -- pragmas and schema version --------------------------------------------------------------


@pytest.mark.parametrize("how", ["create", "open"])
def test_pragmas(tmp_path: Path, how: str) -> None:
    """Foreign keys on, WAL (also in the file header), a busy timeout of at most 10 s."""
    path = tmp_path / "p.db"
    ws = Workshop.create(path, title="Pragmas")
    if how == "open":
        ws.close()
        ws = Workshop.open(path)
    with ws:
        assert ws.db.execute("pragma foreign_keys").fetchone()[0] == 1
        assert ws.db.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert 0 < ws.db.execute("pragma busy_timeout").fetchone()[0] <= 10_000
    header = path.read_bytes()[:100]
    assert (header[18], header[19]) == (2, 2), "the file is not marked as WAL"


def test_foreign_keys_are_enforced(small_workshop: Workshop) -> None:
    """The pragma is not just set: a dangling reference is refused by SQLite."""
    with pytest.raises(sqlite3.IntegrityError), small_workshop.transaction():
        small_workshop.db.execute(
            "insert into handoffs (provider_id, receiver_group_id) values (999, 998)"
        )
    assert count(small_workshop, "handoffs") == 4


def test_schema_version_is_recorded(small_workshop: Workshop) -> None:
    """info(), the workshop row and the migrations table agree on the current version."""
    names = schema.known_names()
    assert schema.SCHEMA_VERSION == len(names) >= 2
    assert small_workshop.info().schema_version == schema.SCHEMA_VERSION
    raw = small_workshop.db.execute("select schema_version from workshop").fetchone()[0]
    assert raw == schema.SCHEMA_VERSION
    applied = [
        r[0]
        for r in small_workshop.db.execute(
            "select name from _sqlite_migrations where migration_set = ? order by id",
            [schema.MIGRATION_SET],
        )
    ]
    assert applied == names
    assert schema.migrations.pending(small_workshop.db) == []


# -- unique names ------------------------------------------------------------------------------

EQUIVALENT_NAMES = [
    ("Sales", "SALES"),
    ("Sales", "  sales  "),
    ("Straße", "STRASSE"),
    ("Straße", "strasse"),
    ("Caf\u00e9", "Cafe\u0301"),
    ("Cafe\u0301", "CAF\u00c9"),
    ("ΟΔΟΣ", "οδος"),
    ("\u01c4emal", "\u01c6emal"),
    ("\u212bngstr\u00f6m", "\u00c5NGSTR\u00d6M"),
]


@pytest.mark.parametrize(("first", "second"), EQUIVALENT_NAMES)
@pytest.mark.parametrize(
    ("first_kind", "second_kind"),
    [("group", "group"), ("group", "customer"), ("customer", "group"), ("customer", "customer")],
)
def test_equivalent_names_clash_across_groups_and_customers(
    tmp_path: Path, first: str, second: str, first_kind: str, second_kind: str
) -> None:
    """Groups and customers share one namespace that ignores case and Unicode form."""
    with Workshop.create(tmp_path / "names.db", title="Names") as ws:
        add(ws, first_kind, first)
        before = dump(ws)
        with pytest.raises(WorkshopError) as caught:
            add(ws, second_kind, second)
        assert str(caught.value) == f"The name “{first.strip()}” is already used by a {first_kind}."
        assert dump(ws) == before
        assert ws.can_undo() == f"Added {first_kind} {first.strip()}"


@pytest.mark.parametrize(
    ("first", "second"),
    [("Sales", "Sales 2"), ("Cafe", "Café"), ("resume", "résumé"), ("IT", "I T"), ("Σ", "Ζ")],
)
def test_different_names_are_both_kept(tmp_path: Path, first: str, second: str) -> None:
    """Names that differ beyond case and form are distinct."""
    with Workshop.create(tmp_path / "names.db", title="Names") as ws:
        a = ws.add_group(first)
        b = ws.add_customer(second)
        assert ws.lookup_id("groups", first) == a
        assert ws.lookup_id("customers", second) == b
        assert [g.name for g in ws.groups()] == [first]
        assert [c.name for c in ws.customers()] == [second]


def test_lookup_ignores_case_and_form(tmp_path: Path) -> None:
    """References by name match the stored key."""
    with Workshop.create(tmp_path / "names.db", title="Names") as ws:
        gid = ws.add_group("Caf\u00e9 Straße")
        assert ws.lookup_id("groups", "CAFE\u0301 STRASSE") == gid
        assert ws.lookup_id("customers", "Café Straße") is None


def test_rename_to_a_taken_name_is_refused(small_workshop: Workshop) -> None:
    """Renaming onto another group's or a customer's name (any case) changes nothing."""
    ws = small_workshop
    it = ws.lookup_id("groups", "IT")
    homeowners = ws.lookup_id("customers", "Homeowners")
    assert it is not None and homeowners is not None
    before = dump(ws)
    with pytest.raises(WorkshopError, match="“Sales” is already used by a group"):
        ws.update_group(it, name="sALES")
    with pytest.raises(WorkshopError, match="“Homeowners” is already used by a customer"):
        ws.update_group(it, name="HOMEOWNERS")
    with pytest.raises(WorkshopError, match="“Audit” is already used by a group"):
        ws.update_customer(homeowners, name="audit")
    assert dump(ws) == before
    assert ws.can_undo() is None


@pytest.mark.parametrize(("old", "new"), [("IT", "it"), ("IT", " It "), ("Straße", "STRASSE")])
def test_rename_to_own_name_in_another_case_is_allowed(tmp_path: Path, old: str, new: str) -> None:
    """A group may change the case of its own name; undo brings the old spelling back."""
    with Workshop.create(tmp_path / "names.db", title="Names") as ws:
        gid = ws.add_group(old)
        cid = ws.add_customer("Homeowners")
        ws.update_group(gid, name=new)
        assert ws.group(gid).name == new.strip()
        assert ws.lookup_id("groups", old) == gid
        ws.update_customer(cid, name="HOMEOWNERS")
        assert [c.name for c in ws.customers()] == ["HOMEOWNERS"]
        assert ws.undo() == "Edited customer Homeowners"
        assert ws.undo() == f"Edited group {old}"
        assert ws.group(gid).name == old
        assert [c.name for c in ws.customers()] == ["Homeowners"]


def test_touchpoint_names_are_unique_in_their_own_namespace(small_workshop: Workshop) -> None:
    """Touchpoints clash with touchpoints (ignoring case) but not with groups or customers."""
    ws = small_workshop
    with pytest.raises(WorkshopError, match="“First visit” is already used by a touchpoint"):
        ws.add_touchpoint("FIRST VISIT")
    sales_tp = ws.add_touchpoint("Sales")
    assert ws.touchpoint(sales_tp).name == "Sales"
    with pytest.raises(WorkshopError, match="already used by a touchpoint"):
        ws.update_touchpoint(sales_tp, name="first visit")
    ws.update_touchpoint(sales_tp, name="SALES")
    assert ws.touchpoint(sales_tp).name == "SALES"
    assert sorted(t.name for t in ws.touchpoints()) == ["First visit", "SALES"]


@pytest.mark.parametrize(
    ("plan", "fragment"),
    [
        ({"touchpoints": [{"name": "first VISIT"}]}, "already used by a touchpoint"),
        ({"groups": [{"name": "Legal"}, {"name": "LEGAL"}]}, "groups #2"),
        ({"customers": [{"name": "sales"}]}, "already used by a group"),
        ({"participants": [{"name": "DANA k."}]}, "already used by a participant"),
        ({"proposals": [{"title": "quote on the spot"}]}, "already used by a proposal"),
    ],
    ids=["touchpoint", "group-twice", "customer-vs-group", "participant", "proposal"],
)
def test_import_refuses_taken_names_whole(
    small_workshop: Workshop, plan: dict[str, Any], fragment: str
) -> None:
    """Import never merges: a taken name refuses the whole plan, leaving the file as it was."""
    plan = {"groups": [{"name": "Brand new group"}], **plan}
    before = dump(small_workshop)
    with pytest.raises(PlanError, match=fragment):
        small_workshop.import_plan(plan)
    assert dump(small_workshop) == before


HOSTILE = [
    "👩🏽‍💻 Dev-Ops ✨🇪🇺",
    "فريق المبيعات",
    "Sales מכירות mixed",
    "\u202bembedded RTL\u202c",
    "<script>alert('x')</script>",
    "**Sales** | _IT_ `#1` [x](http://e)",
    "{{ 7*7 }} {% for x in y %}{# c #}",
    "Robert'); DROP TABLE groups;--",
    'C:\\new\\table "quoted" 100% %s',
    "x" * 80,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_exactly_as_typed(tmp_path: Path, text: str) -> None:
    """Names and texts come back byte for byte, also after reopening the file."""
    path = tmp_path / "hostile.db"
    role = f"{text}\n\tsecond line {text}"
    with Workshop.create(path, title=text) as ws:
        gid = ws.add_group(text, role=role, good_day=text, kind="front line")
        cid = ws.add_customer(f"{text[:70]} (c)", segment=text)
    with Workshop.open(path) as ws:
        assert ws.info().title == text
        group = ws.group(gid)
        assert (group.name, group.role, group.good_day) == (text, role, text)
        assert ws.lookup_id("groups", text) == gid
        assert [(c.id, c.name, c.segment) for c in ws.customers()] == [
            (cid, f"{text[:70]} (c)", text)
        ]
        assert count(ws, "groups") == 1


def test_names_lose_only_outer_spaces(tmp_path: Path) -> None:
    """clean_name trims the outside of a name and keeps inner spacing and tabs."""
    with Workshop.create(tmp_path / "n.db", title="  Q3  ") as ws:
        assert ws.info().title == "Q3"
        gid = ws.add_group("  Legal  \u00a0Team \u00a0")
        assert ws.group(gid).name == "Legal  \u00a0Team"
        tid = ws.add_group("Tab\tinside")
        assert ws.group(tid).name == "Tab\tinside"


BAD_NAMES = [
    ("", "must not be empty"),
    ("   ", "must not be empty"),
    ("\t \u00a0", "must not be empty"),
    ("a\x00b", "contains a control character (U+0000)"),
    ("line\nbreak", "contains a control character (U+000A)"),
    ("carriage\rreturn", "contains a control character (U+000D)"),
    ("\x1b[31mred", "contains a control character (U+001B)"),
    ("del\x7f", "contains a control character (U+007F)"),
    ("nel\x85", "contains a control character (U+0085)"),
    ("x" * 81, "is 81 characters long; the limit is 80"),
]


@pytest.mark.parametrize(("name", "fragment"), BAD_NAMES)
@pytest.mark.parametrize("kind", ["group", "customer"])
def test_bad_names_are_refused(
    small_workshop: Workshop, name: str, fragment: str, kind: str
) -> None:
    """Blank names, control characters and overlong names are refused; nothing is written."""
    before = dump(small_workshop)
    events = count(small_workshop, "events")
    with pytest.raises(WorkshopError) as caught:
        add(small_workshop, kind, name)
    message = str(caught.value)
    assert message.startswith(f"The {kind}'s name")
    assert fragment in message
    assert dump(small_workshop) == before
    assert count(small_workshop, "events") == events


@pytest.mark.parametrize("name", [42, None, ["Sales"]])
def test_non_text_names_are_refused(small_workshop: Workshop, name: object) -> None:
    """A name must be text; None counts as empty."""
    with pytest.raises(WorkshopError, match="The group's name must (be text|not be empty)"):
        small_workshop.add_group(name)  # type: ignore[arg-type]
    assert count(small_workshop, "groups") == 4


def test_role_keeps_newlines_but_refuses_other_control_characters(
    small_workshop: Workshop,
) -> None:
    """Multi-line texts allow newlines and tabs; other control characters are refused."""
    ws = small_workshop
    gid = ws.add_group("Legal", role="We read contracts.\r\n\tAnd sign them.")
    assert ws.group(gid).role == "We read contracts.\r\n\tAnd sign them."
    with pytest.raises(WorkshopError, match="The role statement contains a control character"):
        ws.update_group(gid, role="bell\x07")
    assert ws.group(gid).role == "We read contracts.\r\n\tAnd sign them."


@pytest.mark.parametrize("name", ["two\u2028lines", "two\u2029paragraphs"])
def test_unicode_line_separators_in_names_are_refused(small_workshop: Workshop, name: str) -> None:
    """A name is one line: str.splitlines() splits on these, so they must be refused too."""
    assert len(name.splitlines()) == 2
    with pytest.raises(WorkshopError, match="The group's name"):
        small_workshop.add_group(name)


# -- undo -------------------------------------------------------------------------------------


def test_nothing_to_undo_is_said(tmp_path: Path, small_workshop: Workshop) -> None:
    """A new workshop and a freshly imported one have nothing to undo (imports are not)."""
    with Workshop.create(tmp_path / "new.db", title="New") as ws:
        assert ws.can_undo() is None
        with pytest.raises(WorkshopError, match="^Nothing to undo.$"):
            ws.undo()
    assert small_workshop.can_undo() is None
    before = dump(small_workshop)
    with pytest.raises(WorkshopError, match="Nothing to undo"):
        small_workshop.undo()
    assert dump(small_workshop) == before


def test_undo_add_removes_it(small_workshop: Workshop) -> None:
    """Undoing an add deletes exactly the added row."""
    ws = small_workshop
    before = dump(ws)
    gid = ws.add_group("Legal", role="Contracts", kind="support")
    cid = ws.add_customer("Landlords", segment="Rentals")
    assert ws.can_undo() == "Added customer Landlords"
    assert ws.undo() == "Added customer Landlords"
    assert ws.lookup_id("customers", "Landlords") is None
    assert ws.group(gid).name == "Legal"
    assert ws.undo() == "Added group Legal"
    assert ws.lookup_id("groups", "Legal") is None
    assert dump(ws) == before
    assert ws.can_undo() is None
    assert cid not in [c.id for c in ws.customers()]


def test_undo_update_restores_old_values_in_one_step(small_workshop: Workshop) -> None:
    """All fields changed by one edit come back together."""
    ws = small_workshop
    it = ws.lookup_id("groups", "IT")
    assert it is not None
    before = dump(ws)
    ws.update_group(it, name="Tech", role="New role", kind="front line", good_day="Green lights")
    changed = ws.group(it)
    assert (changed.name, changed.role, changed.kind, changed.good_day) == (
        "Tech",
        "New role",
        "front line",
        "Green lights",
    )
    assert ws.lookup_id("groups", "IT") is None
    assert ws.undo() == "Edited group IT"
    assert dump(ws) == before
    assert ws.lookup_id("groups", "it") == it


def test_update_without_change_records_nothing(small_workshop: Workshop) -> None:
    """An edit that changes nothing is no event and leaves nothing to undo."""
    ws = small_workshop
    it = ws.lookup_id("groups", "IT")
    events = count(ws, "events")
    ws.update_group(it, role="We keep the tools running.", kind="SUPPORT")
    assert count(ws, "events") == events
    assert ws.can_undo() is None


def test_undo_update_of_handoff_restores_ratings(small_workshop: Workshop) -> None:
    """An edit of a hand-off's ratings and texts is undone exactly."""
    ws = small_workshop
    first = ws.handoffs()[0]
    ws.update_handoff(first.id, self_rating=1, customer_rating=None, provides="Nothing")
    assert ws.handoff(first.id).self_rating == 1
    assert ws.undo().startswith("Edited hand-off Sales → Homeowners")
    assert ws.handoff(first.id) == first


@pytest.mark.parametrize("name", ["IT", "Sales", "HR"])
def test_undo_delete_group_restores_it_and_everything_that_hung_on_it(
    small_workshop: Workshop, name: str
) -> None:
    """Hand-offs both ways, onion layers, comment routes, owners, participants: all return."""
    ws = small_workshop
    gid = ws.lookup_id("groups", name)
    assert gid is not None
    export_before = ws.export("json")
    rows_before = dump(ws)
    touching = ws.db.execute(
        "select (select count(*) from handoffs where provider_id = :g or receiver_group_id = :g)"
        " + (select count(*) from contributions where group_id = :g or supports_group_id = :g)"
        " + (select count(*) from comment_routes where group_id = :g)"
        " + (select count(*) from actions where owner_id = :g)"
        " + (select count(*) from touchpoints where owner_id = :g)",
        {"g": gid},
    ).fetchone()[0]
    assert touching >= 3, "the group should have rows hanging on it for this test to mean much"

    ws.delete_group(gid)
    assert name not in [g.name for g in ws.groups()]
    for table, column in [
        ("handoffs", "provider_id"),
        ("handoffs", "receiver_group_id"),
        ("contributions", "group_id"),
        ("contributions", "supports_group_id"),
        ("comment_routes", "group_id"),
        ("actions", "owner_id"),
        ("touchpoints", "owner_id"),
        ("participants", "group_id"),
        ("proposals", "owner_id"),
    ]:
        left = ws.db.execute(f"select count(*) from {table} where {column} = ?", [gid])
        assert left.fetchone()[0] == 0, f"{table}.{column} still points at the deleted group"
    assert dump(ws) != rows_before

    assert ws.can_undo() == f"Deleted group {name}"
    assert ws.undo() == f"Deleted group {name}"
    assert dump(ws) == rows_before
    assert ws.export("json") == export_before


def test_undo_delete_of_it_after_reopening(workshop_path: Path) -> None:
    """The snapshot lives in the file: a later session can undo the delete."""
    with Workshop.open(workshop_path) as ws:
        before = ws.export("json")
        ws.delete_group(ws.lookup_id("groups", "IT"))
        assert len(ws.handoffs()) == 1
    with Workshop.open(workshop_path) as ws:
        assert ws.undo() == "Deleted group IT"
        assert ws.export("json") == before


def test_undo_delete_customer_and_touchpoint(small_workshop: Workshop) -> None:
    """Deleting a customer (hand-offs, touchpoint, beneficiary) and a touchpoint both undo."""
    ws = small_workshop
    before = dump(ws)
    ws.delete_touchpoint(ws.lookup_id("touchpoints", "First visit"))
    assert count(ws, "contributions") == 0
    ws.delete_customer(ws.lookup_id("customers", "Homeowners"))
    assert [(h.provider, h.receiver) for h in ws.handoffs()] == [
        ("IT", "Sales"),
        ("IT", "HR"),
        ("HR", "IT"),
    ]
    assert ws.undo() == "Deleted customer Homeowners"
    assert ws.undo() == "Deleted touchpoint First visit"
    assert dump(ws) == before


ID_REUSE_BUG = (
    "BUG: undo.restore records `db[table].last_pk` for a row re-inserted under a new id, but "
    "`db[table]` is a fresh sqlite_utils Table whose last_pk is None, so references to the "
    "restored row inside the snapshot become NULL"
)


def test_undo_delete_gives_new_ids_when_old_ones_were_taken(tmp_path: Path) -> None:
    """If another row took the deleted id, the restored rows get new ids and keep their links."""
    with Workshop.create(tmp_path / "ids.db", title="Ids") as ws:
        a = ws.add_group("A", kind="front line")
        b = ws.add_group("B")
        ws.add_customer("Buyers")
        ws.add_handoff(a, "Buyers", provides="Goods")
        ws.add_handoff(b, "A", provides="Parts", self_rating=4, customer_rating=2)
        ws.delete_group(b)
        with ws.transaction():  # another program adds a row, taking B's id
            ws.db["groups"].insert({"id": b, "name": "Intruder", "key": "intruder"})
        assert ws.undo() == "Deleted group B"
        restored = ws.lookup_id("groups", "B")
        assert restored is not None and restored != b
        assert ws.group(b).name == "Intruder"
        assert [(h.provider, h.receiver, h.provides, h.gap) for h in ws.handoffs()] == [
            ("A", "Buyers", "Goods", None),
            ("B", "A", "Parts", 2),
        ]
        assert ws.group(restored).customer_distance == 2


def test_undo_delete_with_taken_id_keeps_the_receiver(tmp_path: Path) -> None:
    """The restored hand-off to a re-numbered group still points at that group."""
    with Workshop.create(tmp_path / "ids.db", title="Ids") as ws:
        b = ws.add_group("B")
        a = ws.add_group("A")
        ws.add_handoff(b, "A", provides="Parts")
        ws.delete_group(a)
        with ws.transaction():  # another program adds a row, taking A's id
            ws.db["groups"].insert({"id": a, "name": "Intruder", "key": "intruder"})
        assert ws.undo() == "Deleted group A"
        assert [(h.provider, h.receiver) for h in ws.handoffs()] == [("B", "A")]


def test_undo_refused_when_the_name_is_taken_again(small_workshop: Workshop) -> None:
    """Restoring a group whose name is taken meanwhile is refused whole, and can be retried."""
    ws = small_workshop
    ws.delete_group(ws.lookup_id("groups", "IT"))
    with ws.transaction():  # another program adds a group of the same name
        ws.db["groups"].insert({"name": "it", "key": "it", "kind": "support"})
    before = dump(ws)
    with pytest.raises(WorkshopError, match="Cannot undo “Deleted group IT”: a name it needs"):
        ws.undo()
    assert dump(ws) == before
    assert ws.can_undo() == "Deleted group IT"


def test_undo_never_deletes_rows_a_later_import_added(tmp_path: Path) -> None:
    """Undoing an add must not take rows added afterwards by something undo cannot revert."""
    with Workshop.create(tmp_path / "u.db", title="U") as ws:
        ws.add_group("Sales", kind="front line")
        ws.import_plan({"groups": [{"name": "IT"}], "handoffs": [{"from": "IT", "to": "Sales"}]})
        try:
            undone: str | None = ws.undo()
        except WorkshopError:
            undone = None
        if undone is None or not undone.startswith("Imported"):
            assert [(h.provider, h.receiver) for h in ws.handoffs()] == [("IT", "Sales")]


def test_history_entries(workshop_path: Path) -> None:
    """Newest first, with who, when, what, and which were undone."""
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with Workshop.open(workshop_path, actor="Dana K.") as ws:
        gid = ws.add_group("Legal")
        ws.update_group(gid, role="We read contracts.")
        ws.delete_group(gid)
        ws.undo()
        history = ws.history()
        assert [(e["kind"], e["summary"], e["undone"]) for e in history] == [
            ("undo", "Undid: Deleted group Legal", 0),
            ("delete", "Deleted group Legal", 1),
            ("edit", "Edited group Legal", 0),
            ("add", "Added group Legal", 0),
            ("import", "Imported a plan: " + history[-1]["summary"].split(": ", 1)[1], 0),
        ]
        assert history[-1]["summary"].startswith("Imported a plan: 4 groups, 1 customers")
        assert [e["actor"] for e in history[:4]] == ["Dana K."] * 4
        assert history[-1]["actor"] == ""
        assert [e["id"] for e in history] == sorted((e["id"] for e in history), reverse=True)
        assert history[0]["undo"] == "" and history[-1]["undo"] == ""
        assert all(e["undo"] for e in history[1:4])
        for entry in history:
            at = dt.datetime.fromisoformat(entry["at"])
            assert at.utcoffset() == dt.timedelta(0)
            assert start - dt.timedelta(minutes=5) <= at <= dt.datetime.now(dt.UTC)
        assert [e["summary"] for e in ws.history(limit=2)] == [
            "Undid: Deleted group Legal",
            "Deleted group Legal",
        ]
        assert ws.can_undo() == "Edited group Legal"


def test_undo_after_reopening_in_reverse_order(workshop_path: Path) -> None:
    """Events persist: each new session undoes where the last one stopped."""
    with Workshop.open(workshop_path) as ws:
        before = dump(ws)
        gid = ws.add_group("Legal")
        ws.update_group(gid, role="Contracts")
    with Workshop.open(workshop_path) as ws:
        assert ws.can_undo() == "Edited group Legal"
        assert ws.undo() == "Edited group Legal"
        assert ws.group(gid).role == ""
    with Workshop.open(workshop_path) as ws:
        assert ws.undo() == "Added group Legal"
        assert dump(ws) == before
        with pytest.raises(WorkshopError, match="Nothing to undo"):
            ws.undo()


def test_undo_is_shared_by_everyone_on_the_file(workshop_path: Path) -> None:
    """One log per file: a second handle undoes the first one's latest change."""
    with (
        Workshop.open(workshop_path, actor="A") as first,
        Workshop.open(workshop_path, actor="B") as second,
    ):
        first.add_group("Legal")
        assert second.can_undo() == "Added group Legal"
        assert second.undo() == "Added group Legal"
        assert first.lookup_id("groups", "Legal") is None
        assert first.history(limit=1)[0]["actor"] == "B"


# -- closing and transactions ------------------------------------------------------------------


def test_context_manager_closes_and_keeps_changes(tmp_path: Path) -> None:
    """Leaving the block closes the connection, checkpoints the WAL and keeps every change."""
    path = tmp_path / "cm.db"
    with Workshop.create(path, title="CM") as ws:
        ws.add_group("Sales")
        assert Path(f"{path}-wal").exists()
    with pytest.raises(sqlite3.ProgrammingError):
        ws.db.execute("select 1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cm.db"]
    with Workshop.open(path) as again:
        assert [g.name for g in again.groups()] == ["Sales"]


def test_context_manager_closes_on_error(workshop_path: Path) -> None:
    """An exception inside the block still closes the file; committed changes stay."""
    with pytest.raises(KeyError), Workshop.open(workshop_path) as ws:
        ws.add_group("Legal")
        raise KeyError("boom")
    with pytest.raises(sqlite3.ProgrammingError):
        ws.db.execute("select 1")
    with Workshop.open(workshop_path) as again:
        assert again.lookup_id("groups", "Legal") is not None


def test_failed_transaction_leaves_nothing_behind(workshop_path: Path) -> None:
    """Adds, edits, deletes and their events inside a failed transaction all roll back."""
    with Workshop.open(workshop_path) as ws:
        before = dump(ws)
        events = count(ws, "events")
        with pytest.raises(RuntimeError, match="power cut"), ws.transaction():
            gid = ws.add_group("Legal")
            ws.add_customer("Landlords")
            ws.update_group(ws.lookup_id("groups", "IT"), role="Changed")
            ws.delete_group(ws.lookup_id("groups", "HR"))
            ws.add_handoff(gid, "Landlords")
            raise RuntimeError("power cut")
        assert not ws.db.conn.in_transaction
        assert dump(ws) == before
        assert count(ws, "events") == events
        assert ws.can_undo() is None
        ws.add_group("Afterwards")
    with Workshop.open(workshop_path) as ws:
        assert ws.lookup_id("groups", "Legal") is None
        assert ws.lookup_id("groups", "HR") is not None
        assert ws.can_undo() == "Added group Afterwards"


def test_inner_failure_rolls_back_only_the_inner_part(small_workshop: Workshop) -> None:
    """A nested transaction is a savepoint: its failure keeps the outer work."""
    ws = small_workshop
    with ws.transaction():
        ws.add_group("Legal")
        with pytest.raises(ValueError), ws.transaction():
            ws.add_group("Marketing")
            raise ValueError("inner")
        ws.add_customer("Landlords")
    assert ws.lookup_id("groups", "Legal") is not None
    assert ws.lookup_id("groups", "Marketing") is None
    assert ws.lookup_id("customers", "Landlords") is not None
    assert [e["summary"] for e in ws.history(limit=2)] == [
        "Added customer Landlords",
        "Added group Legal",
    ]


def test_transaction_is_invisible_to_others_until_committed(workshop_path: Path) -> None:
    """Another handle sees nothing of an open transaction, and everything after it."""
    with Workshop.open(workshop_path) as writer, Workshop.open(workshop_path) as reader:
        with writer.transaction():
            writer.add_group("Legal")
            assert reader.lookup_id("groups", "Legal") is None
        assert reader.lookup_id("groups", "Legal") is not None


def test_busy_file_gives_file_busy_and_writes_nothing(small_workshop: Workshop) -> None:
    """Past the busy timeout a writer is told the file is busy; it can retry afterwards."""
    ws = small_workshop
    other = sqlite3.connect(ws.path, isolation_level=None)
    try:
        other.execute("begin immediate")
        ws.db.execute("pragma busy_timeout = 50")
        with pytest.raises(FileBusy, match="is busy in another program; try again") as caught:
            ws.add_group("Legal")
        assert isinstance(caught.value, WorkshopError)
        assert not ws.db.conn.in_transaction
    finally:
        other.execute("rollback")
        other.close()
    assert ws.lookup_id("groups", "Legal") is None
    ws.add_group("Legal")
    assert ws.lookup_id("groups", "Legal") is not None
