"""The workshop file: opening, creating, transactions, groups and undo.

One SQLite file per workshop, in WAL mode with foreign keys on and a busy timeout, so that the
facilitator and the participants' processes can share it. Every rule is enforced here, so every
screen and script gets it.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import integrity, schema, undo
from .actions import ActionRecords
from .chain import customer_distances
from .comments import CommentRecords
from .errors import FileBusy, NotFound, PlanError, WorkshopError
from .files import refuse_special
from .handoffs import HandoffRecords
from .lead import LeadRecords
from .model import Group, Info
from .onion import OnionRecords
from .presence import PresenceRecords
from .proposals import ProposalRecords
from .room import RoomRecords, hash_pin, new_join_code
from .vocabulary import KINDS, PHASES, choice, clean_name, clean_text, iso_date, name_key
from .voting import VotingRecords

if TYPE_CHECKING:
    from sqlite_utils import Database

    from .integrity import Problem

BUSY_TIMEOUT_SECONDS = 5.0
GROUP_FIELDS = ("name", "role", "kind", "good_day")


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change the file (nor create -wal/-shm beside an idle one)."""
    busy = Path(f"{path}-wal").exists()
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro" + (
        "" if busy else "&immutable=1"
    )
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS)


def _inspect_read_only(
    path: Path, found: list[Problem] | None = None, *, check: bool = True
) -> list[str]:
    """Refuse a file that is not a workshop of this or an older schema, or (unless not
    `check`) that is damaged or inconsistent (see workshop.integrity), without writing to it;
    returns the names of the migrations applied to it. With `found`, the problems are added to
    it instead of refused."""
    # Without a -wal beside it nobody has the file open, so it is read as immutable: SQLite then
    # creates no -wal/-shm files, and a refused file is left exactly as it was found.
    refuse_special(path)  # a FIFO or device would hang SQLite: refused before it opens them
    try:
        conn = _connect_read_only(path)
    except sqlite3.Error as error:
        raise WorkshopError(f"Cannot open {path}: {error}.") from None
    try:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        if "workshop" not in tables or schema.MIGRATIONS_TABLE not in tables:
            raise WorkshopError(f"{path} is an SQLite file but not a workshop file.")
        applied = [
            r[0]
            for r in conn.execute(
                f"select name from {schema.MIGRATIONS_TABLE} where migration_set = ?",
                [schema.MIGRATION_SET],
            )
        ]
        unknown = [name for name in applied if name not in schema.known_names()]
        if unknown:
            raise WorkshopError(
                f"{path} was written by a newer version of workshop (schema {len(applied)}; this "
                f"version knows {schema.SCHEMA_VERSION}). Upgrade workshop to open it."
            )
        problems = integrity.problems(conn) if check else []
        if found is not None:
            found += problems
        elif problems:
            raise integrity.refusal(path, problems)
        return applied
    except sqlite3.OperationalError as error:
        if _is_busy(error):
            raise FileBusy(f"{path} is busy in another program; try again in a moment.") from None
        raise WorkshopError(f"{path} is damaged or not a workshop file ({error}).") from None
    except sqlite3.DatabaseError as error:
        raise WorkshopError(f"{path} is damaged or not a workshop file ({error}).") from None
    finally:
        conn.close()


def check_file(path: str | Path) -> list[Problem]:
    """Every problem of a workshop file (see workshop.integrity), read without writing;
    refuses, as `Workshop.open` does, a missing file, a special one, one that is not a
    workshop or one written by a newer release."""
    path = Path(path)
    if not refuse_special(path):
        raise WorkshopError(f"{path} does not exist.")
    found: list[Problem] = []
    _inspect_read_only(path, found)
    return found


def _remove(path: Path) -> None:
    """Delete a workshop file that was never finished, with its -wal and -shm."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _is_busy(error: sqlite3.Error) -> bool:
    """SQLite says another connection holds the lock."""
    return "locked" in str(error) or "busy" in str(error)


def _readable(error: sqlite3.Error) -> str:
    """SQLite's reason in words a facilitator can act on."""
    text = str(error)
    if "unable to open database file" in text or "readonly" in text:
        return "the folder is not writable (or the file is read-only)"
    return text


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS)
    conn.execute("pragma recursive_triggers = on")  # as sqlite-utils' Database sets it
    conn.execute("pragma foreign_keys = on")
    conn.execute(f"pragma busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    conn.execute("pragma journal_mode = wal")
    # In WAL mode, NORMAL keeps every commit through a crash of the process (it loses only
    # on power failure) and spares an fsync per commit, which many voters at once need.
    conn.execute("pragma synchronous = normal")
    return conn


def _database(conn: sqlite3.Connection) -> Database:
    """sqlite-utils' Database over a connection, imported when first needed. Plugins are not
    run on workshop files (looking for them reads every installed package's metadata)."""
    from sqlite_utils import Database

    return Database(conn, execute_plugins=False)


class Workshop(
    LeadRecords,
    HandoffRecords,
    OnionRecords,
    CommentRecords,
    ProposalRecords,
    VotingRecords,
    ActionRecords,
    PresenceRecords,
    RoomRecords,
):
    """One workshop file. Use `Workshop.create` or `Workshop.open`; close it when done."""

    def __init__(self, db: Database | sqlite3.Connection, path: Path, actor: str = "") -> None:
        if isinstance(db, sqlite3.Connection):
            self.conn, self._db = db, None
        else:
            self.conn, self._db = db.conn, db
        self.path = path
        self.actor = actor
        self._phase_moves = 0  # rows this connection changed only to move the phase

    @property
    def db(self) -> Database:
        """The file as sqlite-utils' Database, made on first use: the first screen reads
        through the plain connection, and importing sqlite-utils is a tenth of startup."""
        if self._db is None:
            self._db = _database(self.conn)
        return self._db

    # -- opening and closing -------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | Path,
        title: str,
        *,
        purpose: str = "",
        date: str | None = None,
        plan: dict[str, Any] | None = None,
        follow_up: str | Path | None = None,
        pin: str | None = None,
    ) -> Workshop:
        """Make a new workshop file; refuses to overwrite an existing one.

        `pin`, when given, guards the facilitator role for those joining from elsewhere (only
        its salted hash is stored).

        With `plan`, the plan is imported too; if it is refused, no file is left behind. With
        `follow_up` (a previous workshop file), its chain and its open actions are carried over
        and the new workshop starts with reviewing those actions.
        """
        path = Path(path)
        carried = None
        if follow_up is not None:
            from .follow_up import carry_over

            if Path(follow_up).resolve() == path.resolve() or (
                path.exists() and Path(follow_up).exists() and path.samefile(follow_up)
            ):
                raise WorkshopError("A follow-up workshop needs a new file, not the previous one.")
            carried = carry_over(Path(follow_up))
        title = clean_name(title, "The title")
        purpose = clean_text(purpose, "The purpose")
        planned = plan.get("workshop") if isinstance(plan, dict) else None
        planned_date = planned.get("date") if isinstance(planned, dict) else None
        date = (
            iso_date(date, "The date")
            or (iso_date(planned_date, "workshop: “date”") if planned_date else None)
            or dt.date.today().isoformat()
        )
        pin_hash = hash_pin(pin) if pin is not None else None
        if path.exists():
            raise WorkshopError(f"{path} already exists; choose another file name.")
        if not path.parent.is_dir():
            raise WorkshopError(f"The folder {path.parent} does not exist.")
        db = None
        try:
            db = _database(_connect(path))
            schema.migrations.apply(db)
            db["workshop"].insert(
                {
                    "id": 1,
                    "title": title,
                    "purpose": purpose,
                    "date": date,
                    "phase": PHASES[1],
                    "schema_version": schema.SCHEMA_VERSION,
                    "pin_hash": pin_hash,
                    "join_code": new_join_code(),
                },
                alter=False,
            )
        except BaseException as error:  # never leave a half-made file behind
            if db is not None:
                db.close()
            _remove(path)
            if isinstance(error, sqlite3.Error):
                reason = _readable(error)
                raise WorkshopError(f"Cannot create {path}: {reason}.") from None
            raise
        ws = cls(db, path)
        if plan is not None or carried is not None:
            try:
                if carried is not None:
                    ws._start_follow_up(*carried)
                if plan is not None:
                    ws.import_plan(plan)
            except BaseException:
                ws.close()
                _remove(path)
                raise
        return ws

    @classmethod
    def open(cls, path: str | Path, actor: str = "") -> Workshop:
        """Open an existing workshop file, migrating an older schema in place.

        Raises WorkshopError, without changing the file, when it is missing, not SQLite, damaged,
        not a workshop or written by a newer release.
        """
        path = Path(path)
        if not refuse_special(path):
            raise WorkshopError(
                f"{path} does not exist. Create it with: workshop new {path} --title …"
            )
        applied = _inspect_read_only(path)
        conn = None
        db: Database | sqlite3.Connection
        try:
            db = conn = _connect(path)
            if any(name not in applied for name in schema.known_names()):
                db = _database(conn)
                schema.migrations.apply(db)
                db.execute("update workshop set schema_version = ?", [schema.SCHEMA_VERSION])
                conn.commit()
        except BaseException as error:
            if conn is not None:
                conn.close()
            if not isinstance(error, sqlite3.Error):
                raise
            if _is_busy(error):
                raise FileBusy(
                    f"{path} is busy in another program; try again in a moment."
                ) from None
            raise WorkshopError(f"Cannot open {path}: {error}.") from None
        return cls(db, path, actor)

    @classmethod
    def open_read_only(cls, path: str | Path, *, check: bool = True) -> Workshop:
        """Open a workshop only to read it: the file stays byte-identical (no migration, no
        -wal or -shm beside an idle file). Raises WorkshopError like `open`, and for a file of
        an older schema, which needs one `open` to be upgraded. `check=False` skips the
        integrity checks, for a twin of a file this process has checked (see `reader`)."""
        path = Path(path)
        if not refuse_special(path):
            raise WorkshopError(f"{path} does not exist or is not a file.")
        _inspect_read_only(path, check=check)
        db = _database(_connect_read_only(path))
        if schema.migrations.pending(db):
            db.close()
            raise WorkshopError(
                f"{path} was written by an older version; open it once with "
                f"`workshop run {path}` to upgrade it."
            )
        return cls(db, path)

    def reader(self) -> Workshop:
        """A read-only twin of this workshop, acting in the same role, for another thread
        (an SQLite connection belongs to the thread that opened it). Close it when done."""
        twin = Workshop.open_read_only(self.path, check=False)  # checked when first opened
        twin.role, twin.participant_id = self.role, self.participant_id
        return twin

    def close(self) -> None:
        """Close the file; everything committed stays."""
        self.conn.close()

    def __enter__(self) -> Workshop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions and the event log --------------------------------------------------

    @contextmanager
    def transaction(self, *, check_lock: bool = True) -> Iterator[None]:
        """Group writes: BEGIN IMMEDIATE at the outside, savepoints within. A participant's
        changes are refused once a locking phase timer has run out (unless `check_lock` is
        False, for saying one is done)."""
        conn = self.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        try:
            self._begin_immediate()
            try:
                if check_lock and not self.is_facilitator:
                    self._check_participant_may_write()
                yield
            except BaseException:
                if conn.in_transaction:
                    conn.execute("rollback")
                raise
            else:
                conn.execute("commit")
        except sqlite3.OperationalError as error:
            if "readonly" not in str(error):
                raise
            if conn.in_transaction:
                conn.execute("rollback")
            raise WorkshopError(
                f"{self.path} cannot be changed: the file or its folder is read-only. "
                "Make it writable, or work on a copy."
            ) from None

    def _begin_immediate(self) -> None:
        """Take the write lock, retrying every millisecond or two up to the busy timeout.

        SQLite's own busy handler backs off to 25-100 ms sleeps, which starves many writers
        contending at once (a room voting); short randomised retries keep them flowing.
        """
        conn = self.conn
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        conn.execute("pragma busy_timeout = 0")
        try:
            while True:
                try:
                    conn.execute("begin immediate")
                    return
                except sqlite3.OperationalError as error:
                    if not _is_busy(error):
                        raise
                    if time.monotonic() >= deadline:
                        raise FileBusy(
                            f"{self.path} is busy in another program; try again in a moment."
                        ) from error
                    time.sleep(random.uniform(0.0005, 0.002))
        finally:
            conn.execute(f"pragma busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")

    def _record(self, kind: str, summary: str, undo_data: dict[str, Any] | None) -> None:
        self.conn.execute(
            "insert into events (at, actor, kind, summary, undo, undone) values (?, ?, ?, ?, ?, 0)",
            [
                dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                self.actor,
                kind,
                summary,
                json.dumps(undo_data) if undo_data else "",
            ],
        )

    def history(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest changes, newest first."""
        return list(self.db["events"].rows_where(order_by="id desc", limit=limit))

    def last_event_id(self) -> int:
        """The id of the latest change (0 when none): a bookmark for `edited_meanwhile`."""
        return self.conn.execute("select coalesce(max(id), 0) from events").fetchone()[0]

    def edited_meanwhile(self, since: int) -> list[str]:
        """Who else changed what this connection edited after the bookmark `since`, before it
        did: a form tells its user that their version replaced someone else's."""
        rows = self.conn.execute(
            "select id, actor, kind, json_extract(undo, '$.table'), json_extract(undo, '$.id')"
            " from events where id > ? and json_valid(undo) order by id",
            [since],
        ).fetchall()
        mine = [r for r in rows if r[1] == self.actor and r[2] == "edit"]
        if not mine:
            return []
        first, touched = mine[0][0], {(r[3], r[4]) for r in mine}
        others = {r[1] or "the facilitator" for r in rows
                  if r[0] < first and r[1] != self.actor and r[2] == "edit"
                  and (r[3], r[4]) in touched}  # fmt: skip
        return sorted(others)

    def can_undo(self) -> str | None:
        """Summary of the change `undo` would revert, or None."""
        row = self._last_undoable()
        return row["summary"] if row else None

    def _last_undoable(self) -> dict[str, Any] | None:
        """The latest change not yet undone, if it can be undone."""
        latest = self._latest_change()
        return latest if latest and latest["undo"] else None

    def _latest_change(self) -> dict[str, Any] | None:
        """The latest change not yet undone (votes, joins, room events, undos and redos
        aside). When it has no undo data (an import), it blocks undo: reverting anything older
        could take the imported rows with it."""
        rows = list(
            self.db["events"].rows_where(
                "undone = 0 and kind not in ('undo', 'redo', 'vote', 'join', 'room')",
                order_by="id desc",
                limit=1,
            )
        )
        return rows[0] if rows else None

    def undo(self) -> str:
        """Revert the latest change that can be undone; returns what was undone. The undo is
        logged with what `redo` takes to re-apply the change."""
        self._facilitator_only("undo changes")
        with self.transaction():
            event = self._latest_change()
            if event is None:
                raise WorkshopError("Nothing to undo.")
            if not event["undo"]:
                raise WorkshopError(f"Nothing to undo: “{event['summary']}” cannot be undone.")
            data = json.loads(event["undo"])
            try:
                again = self._apply_change(data)
            except sqlite3.IntegrityError:
                raise WorkshopError(
                    f"Cannot undo “{event['summary']}”: a name it needs is in use again."
                ) from None
            self.db["events"].update(event["id"], {"undone": 1})
            self._record("undo", f"Undid: {event['summary']}", None)
            self.conn.execute(  # what redoing it takes, on the undo just logged
                "update events set redo = ? where id = (select max(id) from events)",
                [json.dumps({"event": event["id"], "apply": again})],
            )
        return event["summary"]

    def can_redo(self) -> str | None:
        """Summary of the change `redo` would re-apply, or None."""
        try:
            return self._redo_target()[1]["summary"]
        except WorkshopError:
            return None

    def redo(self) -> str:
        """Re-apply the change the latest undo reverted, if nothing else changed since
        (WorkshopError saying why not otherwise); returns what was redone. The redo is logged,
        and undo reverts the change again."""
        self._facilitator_only("redo changes")
        with self.transaction():
            undone, event = self._redo_target()
            try:
                back = self._apply_change(json.loads(undone["redo"])["apply"])
            except sqlite3.IntegrityError:
                raise WorkshopError(
                    f"Cannot redo “{event['summary']}”: the workshop changed since the undo."
                ) from None
            self.conn.execute(
                "update events set undone = 0, undo = ? where id = ?",
                [json.dumps(back), event["id"]],
            )
            self.conn.execute("update events set undone = 1 where id = ?", [undone["id"]])
            self._record("redo", f"Redid: {event['summary']}", None)
        return event["summary"]

    def _redo_target(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(the undo to take back, the change it reverted): the latest undo not redone yet,
        when only undos and redos were logged after it. WorkshopError otherwise, saying why:
        "the workshop changed since the undo" when a change (an edit, a dot, a join…) came
        after an undo that could otherwise be redone."""
        rows = self.conn.execute("select id, kind, undone, redo from events order by id desc")
        last_redo = 0
        for event_id, kind, undone, data in rows:
            if kind == "redo":
                last_redo = max(last_redo, event_id)
                continue
            if kind == "undo" and undone:
                continue  # redone already
            if kind == "undo":
                target = self._undone_by(event_id, data)
                if target is None:
                    break
                return target
            # A change came after the latest undo or redo: no redo from before it.
            waiting = self.conn.execute(
                "select 1 from events where kind = 'undo' and undone = 0 and id > ? and id < ?"
                " and json_valid(redo) limit 1",
                [last_redo, event_id],
            ).fetchone()
            if waiting:
                raise WorkshopError("Nothing to redo: the workshop changed since the undo.")
            break
        raise WorkshopError("Nothing to redo.")

    def _undone_by(
        self, undo_id: int, data: str | None
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(the undo event, the change it reverted), when the undo says how to redo it."""
        try:
            redo = json.loads(data) if data else None
        except ValueError:
            return None
        if not isinstance(redo, dict) or "apply" not in redo:
            return None
        event = next(self._rows("select * from events where id = ?", [redo.get("event")]), None)
        if event is None or not event["undone"]:
            return None
        return next(self._rows("select * from events where id = ?", [undo_id])), event

    def _apply_change(self, data: dict[str, Any]) -> dict[str, Any]:
        """Apply a change as the event log writes it down (what undoing or redoing a change
        takes) and return the change that reverts it; call inside a transaction. Rows put
        back may get new ids (another row took theirs meanwhile): the change returned names
        the ids they have now."""
        op = data.get("op")
        if op == "update":
            table, row_id, values = data["table"], data["id"], data["values"]
            current = self._row(table, row_id, "record")
            back = {key: current[key] for key in values}
            self.db[table].update(row_id, values)
            return {"op": "update", "table": table, "id": row_id, "values": back}
        if op == "routes":
            comment_id = data["comment_id"]
            routed = [row[0] for row in self.conn.execute(
                "select group_id from comment_routes where comment_id = ? order by rowid",
                [comment_id])]  # fmt: skip
            self._set_routes(comment_id, data["group_ids"])
            return {"op": "routes", "comment_id": comment_id, "group_ids": routed}
        if op == "delete" and "rows" not in data:  # the rows an add made, by id
            table = data["table"]
            snaps = [self._delete_rows([[table, rid]]) for rid in data["ids"]]
            return {"op": "restore", "table": table, "snapshots": [s for s in snaps if s["rows"]]}
        if op == "delete":  # the rows an undo put back, parents first
            return {"op": "restore", "snapshot": self._delete_rows(data["rows"])}
        if op == "restore" and "snapshots" in data:  # an add's rows, put back: ids again
            ids = [self._restore_rows(snap)[0][1] for snap in data["snapshots"]]
            return {"op": "delete", "table": data["table"], "ids": ids}
        if op == "restore":
            return {"op": "delete", "rows": self._restore_rows(data["snapshot"])}
        raise WorkshopError(f"The workshop's log holds a change it cannot apply ({op!r}).")

    def _delete_rows(self, rows: list[list[Any]]) -> undo.Snapshot:
        """Delete these [table, id] rows (parents first) and what cascades from them; returns
        the snapshot that puts them back. A row already gone with its parent is skipped."""
        snap: undo.Snapshot = {"rows": [], "blanked": []}
        for table, row_id in rows:
            self._known_table(table)
            part = undo.snapshot(self.db, table, row_id)
            snap["rows"] += part["rows"]
            snap["blanked"] += part["blanked"]
            self.conn.execute(f'delete from "{table}" where id = ?', [row_id])
        return snap

    def _restore_rows(self, snap: undo.Snapshot) -> list[list[Any]]:
        """`undo.restore`, returning [table, id] of every row it put back with an id, in the
        order it did (parents first): a row whose id another took meanwhile gets a new id,
        seen by a temporary trigger on its table while the restore runs."""
        tables = sorted({entry["table"] for entry in snap["rows"] if "id" in entry["row"]})
        conn = self.conn
        conn.execute("create temp table if not exists restored_rows (tbl text, rid integer)")
        conn.execute("delete from temp.restored_rows")
        for n, table in enumerate(tables):
            self._known_table(table)
            conn.execute(
                f'create temp trigger "restored_{n}" after insert on main."{table}" begin'
                f" insert into restored_rows values ('{table}', new.id); end"
            )
        try:
            undo.restore(self.db, snap)
        finally:
            for n in range(len(tables)):
                conn.execute(f'drop trigger if exists temp."restored_{n}"')
        return [[table, rid] for table, rid in conn.execute(
            "select tbl, rid from temp.restored_rows order by rowid")]  # fmt: skip

    def _known_table(self, table: object) -> None:
        """Refuse a table name the log should not hold (the file may have been edited)."""
        if not isinstance(table, str) or not table.isidentifier() or table.startswith("sqlite_"):
            raise WorkshopError(f"The workshop's log names an unknown table {table!r}.")
        if table not in self.db.table_names():
            raise WorkshopError(f"The workshop's log names an unknown table {table!r}.")

    def change_token(self) -> tuple[int, int]:
        """Differs whenever anything was committed since it was taken, by this connection
        or another one: screens reload only then. This connection's own phase moves are left
        out (they change no screen's rows; the header and room line show the phase)."""
        return self.data_version(), self.conn.total_changes - self._phase_moves

    def data_version(self) -> int:
        """Changes when another connection commits; cheap to poll for live updates."""
        return self.conn.execute("pragma data_version").fetchone()[0]

    # -- the workshop itself -------------------------------------------------------------

    def info(self) -> Info:
        """Title, purpose, date, phase and schema version."""
        row = self._room()
        return Info(
            row["title"],
            row["purpose"] or "",
            row["date"],
            row["phase"],
            row["schema_version"] or schema.SCHEMA_VERSION,
            row.get("follows"),
        )

    def update_info(self, **values: Any) -> None:
        """Change the title, purpose, date or phase (the facilitator's alone)."""
        self._facilitator_only("change the phase" if "phase" in values else "change the workshop")
        clean: dict[str, Any] = {}
        for key, value in values.items():
            if key == "title":
                clean[key] = clean_name(value, "The title")
            elif key == "purpose":
                clean[key] = clean_text(value, "The purpose")
            elif key == "date":
                clean[key] = iso_date(value, "The date")
            elif key == "phase":
                clean[key] = choice(value, "The phase", PHASES)
            else:
                raise WorkshopError(f"The workshop has no field {key!r}.")
        before = self.conn.total_changes
        with self.transaction():
            room = self._room()
            # The title, purpose and date are the workshop's records: their change is undoable.
            edited = {k: room[k] for k in ("title", "purpose", "date") if k in clean
                      and room[k] != clean[k]}  # fmt: skip
            if "phase" in clean and clean["phase"] != room["phase"]:
                clean |= {"timer_phase": None, "timer_ends": None}  # a new phase, a new timer
            assignments = ", ".join(f"{key} = ?" for key in clean)  # keys checked above
            self.conn.execute(f"update workshop set {assignments} where id = 1", [*clean.values()])
            if edited:
                names = list(edited)
                said = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
                self._record(
                    "edit",
                    f"Changed the workshop's {said}",
                    {"op": "update", "table": "workshop", "id": 1, "values": edited},
                )
        if set(values) == {"phase"}:
            self._phase_moves += self.conn.total_changes - before

    # -- names ---------------------------------------------------------------------------

    def _check_name_free(self, table: str, name: str, *, exclude_id: int | None = None) -> str:
        """Refuse a name already used (ignoring case); groups and customers share one namespace."""
        key = name_key(name)
        tables = ("groups", "customers") if table in ("groups", "customers") else (table,)
        for tbl in tables:
            row = self.conn.execute(
                f"select id, {'title' if tbl == 'proposals' else 'name'} "
                f'from "{tbl}" where key = ?',
                [key],
            ).fetchone()
            if row and not (tbl == table and row[0] == exclude_id):
                what = {
                    "groups": "a group",
                    "customers": "a customer",
                    "touchpoints": "a touchpoint",
                    "participants": "a participant",
                    "proposals": "a proposal",
                }[tbl]
                raise PlanError(f"The name “{row[1]}” is already used by {what}.")
        return key

    def lookup_id(self, table: str, name: str) -> int | None:
        """Id of the entity called `name` (ignoring case), or None."""
        row = self.conn.execute(
            f'select id from "{table}" where key = ?', [name_key(name)]
        ).fetchone()
        return row[0] if row else None

    # -- groups --------------------------------------------------------------------------

    def groups(self) -> list[Group]:
        """Every group in the order they were added, with its distance to the customer."""
        distances = self.customer_distances()
        return [
            Group(
                r["id"],
                r["name"],
                r["role"] or "",
                r["kind"],
                r["good_day"] or "",
                distances.get(r["id"]),
            )
            for r in self._rows("select * from groups order by id")
        ]

    def _rows(self, sql: str, params: Any = ()) -> Iterator[dict[str, Any]]:
        """Rows of a query as dicts, read through the plain connection."""
        cursor = self.conn.execute(sql, params)
        columns = [c[0] for c in cursor.description]
        for row in cursor:
            yield dict(zip(columns, row, strict=True))

    def group(self, group_id: int) -> Group:
        """One group by id."""
        for group in self.groups():
            if group.id == group_id:
                return group
        raise NotFound("That group no longer exists; someone may have deleted it.")

    def customer_distances(self) -> dict[int, int | None]:
        """Distance to the paying customer of every group (None: no chain reaches one)."""
        ids = [r[0] for r in self.conn.execute("select id from groups")]
        edges = self.conn.execute(
            "select provider_id, receiver_group_id, receiver_customer_id from handoffs"
        ).fetchall()
        return customer_distances(ids, edges)

    @staticmethod
    def _clean_group(values: dict[str, Any]) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        for key, value in values.items():
            if key == "name":
                clean["name"] = clean_name(value, "The group's name")
            elif key == "role":
                clean["role"] = clean_text(value, "The role statement").strip()
            elif key == "kind":
                clean["kind"] = choice(value, "The kind", KINDS, default="support")
            elif key == "good_day":
                clean["good_day"] = clean_text(value, "“A good day”").strip()
            else:
                raise PlanError(f"A group has no field {key!r}.")
        return clean

    def add_group(
        self, name: str, role: str = "", kind: str = "support", good_day: str = ""
    ) -> int:
        """Add a group; returns its id. Refuses a name already in use."""
        clean = self._clean_group({"name": name, "role": role, "kind": kind, "good_day": good_day})
        with self.transaction():
            clean["key"] = self._check_name_free("groups", clean["name"])
            return self._insert("groups", clean, f"Added group {clean['name']}")

    def update_group(self, group_id: int, **values: Any) -> None:
        """Change some of a group's fields (name, role, kind, good_day)."""
        clean = self._clean_group(values)
        with self.transaction():
            if "name" in clean:
                clean["key"] = self._check_name_free("groups", clean["name"], exclude_id=group_id)
            self._update("groups", group_id, clean, "group")

    def delete_group(self, group_id: int) -> None:
        """Delete a group and what hangs on it (its hand-offs, contributions…); undoable."""
        self._delete("groups", group_id, "group")

    # -- recorded, undoable changes ------------------------------------------------------

    def _insert(self, table: str, values: dict[str, Any], summary: str) -> int:
        """Insert a row and record how to undo it; call inside a transaction."""
        self._check_room_phase(table)
        row_id = int(self.db[table].insert(values).last_pk)  # type: ignore[arg-type]
        self._record("add", summary, {"op": "delete", "table": table, "ids": [row_id]})
        return row_id

    def _update(self, table: str, row_id: int, values: dict[str, Any], what: str) -> None:
        """Change the fields that differ and record their old values; `what` names the row."""
        with self.transaction():
            self._check_room_phase(table)
            old = self._row(table, row_id, what.split(" ")[0])
            self._check_may_edit(table, old, what.split(" ")[0])
            changed = {k: v for k, v in values.items() if old[k] != v}
            if not changed:
                return
            self.db[table].update(row_id, changed)
            label = old.get("name") or old.get("title") or ""
            self._record(
                "edit",
                f"Edited {what} {label}".rstrip(),
                {
                    "op": "update",
                    "table": table,
                    "id": row_id,
                    "values": {k: old[k] for k in changed},
                },
            )

    def _delete(self, table: str, row_id: int, what: str) -> None:
        """Delete a row and what cascades from it, keeping a snapshot to undo with."""
        with self.transaction():
            self._check_room_phase(table)
            old = self._row(table, row_id, what.split(" ")[0])
            snap = undo.snapshot(self.db, table, row_id)
            self._check_may_delete(snap["rows"], what.split(" ")[0])
            self.conn.execute(f'delete from "{table}" where id = ?', [row_id])
            label = old.get("name") or old.get("title") or ""
            self._record(
                "delete", f"Deleted {what} {label}".rstrip(), {"op": "restore", "snapshot": snap}
            )

    @staticmethod
    def _only(found: list[Any], what: str) -> Any:
        """The one record a lookup by id found, or NotFound naming what is gone."""
        if not found:
            raise NotFound(f"That {what} no longer exists; someone may have deleted it.")
        return found[0]

    def _row(self, table: str, row_id: int, what: str) -> dict[str, Any]:
        row = self.conn.execute(f'select * from "{table}" where id = ?', [row_id]).fetchone()
        if row is None:
            raise NotFound(f"That {what} no longer exists; someone may have deleted it.")
        return dict(zip([c.name for c in self.db[table].columns], row, strict=True))

    # -- plans and exports ---------------------------------------------------------------

    def import_plan(self, plan: dict[str, Any]) -> dict[str, int]:
        """Add a prepared plan (the JSON export's shape); refused whole on any error.

        Returns how many of each entity were added.
        """
        from .plan import import_plan

        self._facilitator_only("import a plan")
        with self.transaction():
            counts = import_plan(self, plan)
            self._record(
                "import",
                "Imported a plan: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n),
                None,
            )
        return counts

    def _start_follow_up(self, plan: dict[str, Any], previous_title: str) -> None:
        from .plan import import_plan

        with self.transaction():
            counts = import_plan(self, plan)
            self.db["workshop"].update(1, {"phase": PHASES[0], "follows": previous_title})
            self._record(
                "import",
                f"Carried over from “{previous_title}”: {counts['actions']} open actions",
                None,
            )

    def export(
        self, fmt: str = "json", *, template: tuple[str, str] | None = None, what: str = "actions"
    ) -> str:
        """The workshop as text: "md" or "html" (the summary), "json" (the plan shape) or
        "csv" (`what`: actions, handoffs, comments or votes); `template` is a user's Jinja
        template as (name, text), rendered in the sandbox instead of the bundled one."""
        from .export import export

        self._facilitator_only("export the workshop")
        return export(self, fmt, template=template, what=what)

    def summary_text(self, today: dt.date | None = None) -> str:
        """The Markdown summary to read on screen: everyone who joined may read it (it holds
        what the room may see: no hidden tally, nobody's dots); writing it out is `export`,
        the facilitator's. `today` marks what is overdue (default: the real date)."""
        from .export import export

        if self.role == "guest":
            raise WorkshopError("Join the workshop first to read its summary.")
        return export(self, "md", today=today)
