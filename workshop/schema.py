"""The workshop file's tables, created and migrated with sqlite-utils' `Migrations`.

Each migration runs once per file, in a transaction together with its record. The schema version
of a file is the number of migrations applied to it; a file with a migration this version does not
know was written by a newer release and is refused before anything is changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

    from sqlite_utils import Database
    from sqlite_utils.db import ForeignKey
    from sqlite_utils.migrations import Migrations

MIGRATION_SET = "workshop"
MIGRATIONS_TABLE = "_sqlite_migrations"  # where sqlite-utils' Migrations records them
# The steps in order. `migrations` (sqlite-utils' Migrations over them) is built on first use,
# so that opening an up-to-date file does not import sqlite-utils (a tenth of startup).
_STEPS: list[Callable[[Database], None]] = []


def _step(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    _STEPS.append(fn)
    return fn


def _fk(table: str, column: str, other: str, on_delete: str = "CASCADE") -> ForeignKey:
    from sqlite_utils.db import ForeignKey

    return ForeignKey(table, column, other, "id", on_delete=on_delete)


@_step
def m001_customer_chain(db: Database) -> None:
    """The model of DESIGN.md: groups, customers, hand-offs, onion, comments, votes, actions."""
    db["workshop"].create(
        {"id": int, "title": str, "purpose": str, "date": str, "phase": str, "settings": str},
        pk="id",
        not_null=["title", "phase"],
        defaults={"purpose": "", "phase": "groups & roles", "settings": "{}"},
    )
    named = {"id": int, "name": str, "key": str}
    db["groups"].create(
        {**named, "role": str, "kind": str, "good_day": str},
        pk="id",
        not_null=["name", "key", "kind"],
        defaults={"role": "", "good_day": "", "kind": "support"},
    )
    db["customers"].create(
        {**named, "segment": str}, pk="id", not_null=["name", "key"], defaults={"segment": ""}
    )
    db["handoffs"].create(
        {
            "id": int,
            "provider_id": int,
            "receiver_group_id": int,
            "receiver_customer_id": int,
            "provides": str,
            "needs": str,
            "expectation": str,
            "self_rating": int,
            "customer_rating": int,
        },
        pk="id",
        not_null=["provider_id"],
        defaults={"provides": "", "needs": "", "expectation": ""},
        foreign_keys=[
            _fk("handoffs", "provider_id", "groups"),
            _fk("handoffs", "receiver_group_id", "groups"),
            _fk("handoffs", "receiver_customer_id", "customers"),
        ],
    )
    db["touchpoints"].create(
        {**named, "customer_id": int, "owner_id": int, "channel": str},
        pk="id",
        not_null=["name", "key"],
        defaults={"channel": ""},
        foreign_keys=[
            _fk("touchpoints", "customer_id", "customers", "SET NULL"),
            _fk("touchpoints", "owner_id", "groups", "SET NULL"),
        ],
    )
    db["contributions"].create(
        {
            "id": int,
            "touchpoint_id": int,
            "group_id": int,
            "supports_group_id": int,
            "what": str,
            "effect": str,
            "fail_point": int,
        },
        pk="id",
        not_null=["touchpoint_id", "group_id", "effect"],
        defaults={"what": "", "effect": "strengthens", "fail_point": 0},
        foreign_keys=[
            _fk("contributions", "touchpoint_id", "touchpoints"),
            _fk("contributions", "group_id", "groups"),
            _fk("contributions", "supports_group_id", "groups", "SET NULL"),
        ],
    )
    db["comments"].create(
        {"id": int, "text": str, "touchpoint_id": int, "sentiment": str, "date": str},
        pk="id",
        not_null=["text", "sentiment"],
        defaults={"sentiment": "neutral"},
        foreign_keys=[_fk("comments", "touchpoint_id", "touchpoints", "SET NULL")],
    )
    db["comment_routes"].create(
        {"comment_id": int, "group_id": int},
        pk=("comment_id", "group_id"),
        foreign_keys=[
            _fk("comment_routes", "comment_id", "comments"),
            _fk("comment_routes", "group_id", "groups"),
        ],
    )
    db["participants"].create(
        {**named, "group_id": int, "facilitator": int},
        pk="id",
        not_null=["name", "key"],
        defaults={"facilitator": 0},
        foreign_keys=[_fk("participants", "group_id", "groups", "SET NULL")],
    )
    db["proposals"].create(
        {
            "id": int,
            "title": str,
            "key": str,
            "description": str,
            "touchpoint_id": int,
            "owner_id": int,
            "beneficiary_group_id": int,
            "beneficiary_customer_id": int,
            "impact": str,
            "effort": str,
        },
        pk="id",
        not_null=["title", "key"],
        defaults={"description": "", "impact": "medium", "effort": "medium"},
        foreign_keys=[
            _fk("proposals", "touchpoint_id", "touchpoints", "SET NULL"),
            _fk("proposals", "owner_id", "groups", "SET NULL"),
            _fk("proposals", "beneficiary_group_id", "groups", "SET NULL"),
            _fk("proposals", "beneficiary_customer_id", "customers", "SET NULL"),
        ],
    )
    db["vote_rounds"].create(
        {
            "id": int,
            "question": str,
            "votes_per_person": int,
            "max_per_item": int,
            "hidden": int,
            "state": str,
        },
        pk="id",
        not_null=["question", "votes_per_person", "max_per_item", "state"],
        defaults={"hidden": 1, "state": "open"},
    )
    db["vote_round_proposals"].create(
        {"round_id": int, "proposal_id": int, "position": int},
        pk=("round_id", "proposal_id"),
        foreign_keys=[
            _fk("vote_round_proposals", "round_id", "vote_rounds"),
            _fk("vote_round_proposals", "proposal_id", "proposals"),
        ],
    )
    db["votes"].create(
        {"id": int, "round_id": int, "participant_id": int, "proposal_id": int},
        pk="id",
        not_null=["round_id", "participant_id", "proposal_id"],
        foreign_keys=[
            _fk("votes", "round_id", "vote_rounds"),
            _fk("votes", "participant_id", "participants"),
            _fk("votes", "proposal_id", "proposals"),
        ],
    )
    db["actions"].create(
        {
            "id": int,
            "proposal_id": int,
            "owner_id": int,
            "due": str,
            "kpi": str,
            "status": str,
            "notes": str,
        },
        pk="id",
        not_null=["status"],
        defaults={"kpi": "", "status": "planned", "notes": ""},
        foreign_keys=[
            _fk("actions", "proposal_id", "proposals", "SET NULL"),
            _fk("actions", "owner_id", "groups", "SET NULL"),
        ],
    )
    for table in ("groups", "customers", "touchpoints", "participants", "proposals"):
        db[table].create_index(["key"], unique=True)
    db["contributions"].create_index(["touchpoint_id", "group_id"], unique=True)
    db["handoffs"].create_index(["provider_id"])
    db["votes"].create_index(["round_id", "participant_id"])


@_step
def m002_event_log(db: Database) -> None:
    """An append-only log of changes: who did what when, and what undoing it takes."""
    db["events"].create(
        {
            "id": int,
            "at": str,
            "actor": str,
            "kind": str,
            "summary": str,
            "undo": str,
            "undone": int,
        },
        pk="id",
        not_null=["at", "kind", "summary"],
        defaults={"actor": "", "undo": "", "undone": 0},
    )
    db["workshop"].add_column("schema_version", int)


@_step
def m003_votes_and_follow_up(db: Database) -> None:
    """Proposals answer a weak link or a comment; runoff rounds; actions carried over from the
    previous workshop keep the status they had then, so the summary can say what moved."""
    for sql in (
        "alter table proposals add column contribution_id integer"
        " references contributions(id) on delete set null",
        "alter table proposals add column comment_id integer"
        " references comments(id) on delete set null",
        "alter table vote_rounds add column runoff_of integer"
        " references vote_rounds(id) on delete set null",
        "alter table actions add column previous_status text",
        "alter table workshop add column follows text",
    ):
        db.execute(sql)


@_step
def m004_live_room(db: Database) -> None:
    """The live room: the join code browsers ask for, the facilitator PIN (hashed), the phase
    timer, and which participants are done with which phase."""
    from .room import new_join_code

    for sql in (
        "alter table workshop add column join_code text",
        "alter table workshop add column pin_hash text",
        "alter table workshop add column timer_phase text",
        "alter table workshop add column timer_seconds integer",
        "alter table workshop add column timer_ends real",
        "alter table workshop add column timer_lock integer not null default 0",
        "create table readiness (participant_id integer not null references participants(id)"
        " on delete cascade, phase text not null, primary key (participant_id, phase))",
    ):
        db.execute(sql)
    db.execute("update workshop set join_code = ?", [new_join_code()])


@_step
def m005_trust(db: Database) -> None:
    """Who is who: a participant's key (only its hash) proves they are the one who first
    joined under that name; every join code and PIN attempt is logged, so that limits and
    back-off hold across every process on the file."""
    for sql in (
        "alter table participants add column key_hash text",
        "create table attempts (id integer primary key, at real not null,"
        " kind text not null, source text not null default '', ok integer not null)",
        "create index attempts_kind_at on attempts (kind, at)",
        "alter table workshop add column code_renewed_at real",
    ):
        db.execute(sql)


@_step
def m006_checks(db: Database) -> None:
    """CHECK constraints for the value lists, ratings, dates and phases (the rules of
    workshop.integrity). SQLite adds a CHECK only by rebuilding the table (the twelve steps of
    lang_altertable.html#otheralter), with foreign keys off, which a transaction cannot
    switch: so this step runs outside sqlite-utils' transaction, in one of its own, and
    rebuilds only tables still without their constraints (run again after a crash before its
    record, it finds nothing left to do)."""
    from .integrity import check_constraints

    conn = db.conn
    if conn.in_transaction:
        raise RuntimeError("m006_checks must run outside a transaction.")
    enforced = conn.execute("pragma foreign_keys").fetchone()[0]
    conn.execute("pragma foreign_keys = off")
    try:
        conn.execute("begin immediate")
        try:
            for table, checks in check_constraints().items():
                _add_checks(conn, table, checks)
            dangling = conn.execute("pragma foreign_key_check").fetchone()
            if dangling:
                raise RuntimeError(f"m006_checks: {dangling[0]} row {dangling[1]} dangles.")
        except BaseException:
            conn.execute("rollback")
            raise
        conn.execute("commit")
    finally:
        conn.execute(f"pragma foreign_keys = {'on' if enforced else 'off'}")


m006_checks.transactional = False  # type: ignore[attr-defined]


def _add_checks(conn: sqlite3.Connection, table: str, checks: list[str]) -> None:
    """Rebuild `table` with the table constraints `checks` added to its own CREATE statement:
    same columns in the same order, same rows and rowids, same indexes and triggers."""
    (sql,) = conn.execute(
        "select sql from sqlite_master where type = 'table' and name = ?", [table]
    ).fetchone()
    missing = [check for check in checks if check not in sql]
    if not missing:
        return
    head = re.match(r'\s*CREATE\s+TABLE\s+("(?:[^"]|"")+"|\[[^\]]+\]|`[^`]+`|\w+)\s*', sql, re.I)
    body = sql[head.end() :].rstrip() if head else ""
    if not (body.startswith("(") and body.endswith(")")):
        raise RuntimeError(f"m006_checks cannot read the definition of {table}.")
    others = conn.execute(
        "select sql from sqlite_master where tbl_name = ? and type in ('index', 'trigger')"
        " and sql is not null",
        [table],
    ).fetchall()
    new = f"_new_{table}"
    constraints = ",\n   ".join(missing)
    conn.execute(f'CREATE TABLE "{new}" {body[:-1].rstrip()},\n   {constraints}\n)')
    conn.execute(f'insert into "{new}" select * from "{table}"')
    conn.execute(f'drop table "{table}"')
    conn.execute(f'alter table "{new}" rename to "{table}"')
    for (statement,) in others:
        conn.execute(statement)


@_step
def m007_presence(db: Database) -> None:
    """Who is here: when each participant's browser or terminal last said so, and which
    participants the facilitator removed from the room (their records and dots stay)."""
    for sql in (
        "create table presence (participant_id integer not null references participants(id)"
        " on delete cascade, via text not null constraint presence_via"
        " check (via in ('browser', 'terminal')), seen_at real not null,"
        " primary key (participant_id, via))",
        "alter table participants add column removed_at real",
    ):
        db.execute(sql)


@_step
def m008_lead_and_redo(db: Database) -> None:
    """Who leads the room: one row, the lead of the facilitator whose screen moves the room
    (a secret token, their name, the OS user, host and process, since when and when it last
    said it is there); no row: nobody leads (see workshop/lead.py). And, on each undo in the
    event log, what redoing it takes (empty: it cannot be redone)."""
    for sql in (
        "create table lead (id integer primary key constraint lead_one check (id = 1),"
        " token text not null, name text not null default '', user text not null default '',"
        " host text not null default '', pid integer, since real not null,"
        " beat_at real not null)",
        "alter table events add column redo text not null default ''",
    ):
        db.execute(sql)


def known_names() -> list[str]:
    """Names of the migrations this release knows, in order."""
    return [fn.__name__ for fn in _STEPS]


SCHEMA_VERSION = len(known_names())
_migrations: Migrations | None = None


def __getattr__(name: str) -> object:
    """`schema.migrations`: the steps as sqlite-utils' Migrations, built on first use."""
    global _migrations
    if name != "migrations":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _migrations is None:
        from sqlite_utils.migrations import Migrations

        built = Migrations(MIGRATION_SET)
        for fn in _STEPS:
            built(transactional=getattr(fn, "transactional", True))(fn)
        _migrations = built
    return _migrations
