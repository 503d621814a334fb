"""Whether a workshop file can be trusted, and repairs for what can be repaired.

A file changed outside the app (the sqlite3 shell, where foreign keys are off by default, a
script, a failing disk) may hold damaged pages, rows pointing at rows that were deleted, or
values the app never writes. `problems` finds them without writing; `repair` restores
consistency in one transaction; `refusal` says it all in one line. The value rules here are
also the CHECK constraints of the tables (migration m006_checks).
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import sqlite3
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from .errors import WorkshopError
from .vocabulary import EFFECTS, KINDS, LEVELS, PHASES, SENTIMENTS, STATUSES

NOUNS = {"workshop": "workshop", "groups": "group", "customers": "customer",
         "handoffs": "hand-off", "touchpoints": "touchpoint", "contributions": "contribution",
         "comments": "comment", "comment_routes": "comment route", "participants": "participant",
         "proposals": "proposal", "vote_rounds": "vote round",
         "vote_round_proposals": "ballot item", "votes": "vote", "actions": "action",
         "readiness": "readiness mark"}  # fmt: skip
SHOWN_IN_SUMMARY = 3  # kinds of problem named in the one-line refusal
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


@dataclass(frozen=True)
class Rule:
    """What one column may hold: `valid` is SQL, true (or null) for an allowed value; `fix`
    is SQL giving the value a repair puts instead."""

    table: str
    column: str
    label: str  # in the one-line summary: "a rating of 7"
    field: str  # in the full list: "the self rating"
    allowed: str  # the rule in words
    valid: str
    fix: str
    fixed: str  # what `fix` does, in words

    @property
    def name(self) -> str:
        """The CHECK constraint's name."""
        return f"{self.table}_{self.column}"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _listed(
    table: str, column: str, label: str, field: str, options: tuple[str, ...], default: str | None
) -> Rule:
    """One of a value list; a repair respells a listed value (case, outer spaces) or puts the
    default (or null)."""
    c, listed = f'"{column}"', ", ".join(_quote(o) for o in options)
    fallback = _quote(default) if default is not None else "null"
    return Rule(
        table, column, label, field, "one of " + ", ".join(options),
        f"{c} is null or {c} in ({listed})",
        f"case when lower(trim({c})) in ({listed}) then lower(trim({c})) else {fallback} end",
        f"to {default!r} (or its listed spelling)" if default else "to empty (or its listed "
        "spelling)",
    )  # fmt: skip


def _rating(table: str, column: str, field: str) -> Rule:
    c = f'"{column}"'
    return Rule(table, column, "rating", field, "a whole number from 1 to 5",
                f"{c} is null or (typeof({c}) = 'integer' and {c} between 1 and 5)",
                "null", "to empty (not rated)")  # fmt: skip


def _date(table: str, column: str, label: str, field: str) -> Rule:
    c = f'"{column}"'
    return Rule(table, column, label, field, "a date like 2026-03-31",
                f"{c} is null or (date({c}, '+0 days') is {c} and {c} >= '0001-01-01')",
                "null", "to empty")  # fmt: skip


RULES: tuple[Rule, ...] = (
    _listed("workshop", "phase", "phase", "the phase", PHASES, PHASES[1]),
    _listed("workshop", "timer_phase", "timer phase", "the timer's phase", PHASES, None),
    _date("workshop", "date", "date", "the date"),
    _listed("groups", "kind", "kind", "the kind", KINDS, "support"),
    _rating("handoffs", "self_rating", "the self rating"),
    _rating("handoffs", "customer_rating", "the receiver's rating"),
    _listed("contributions", "effect", "effect", "the effect", EFFECTS, "strengthens"),
    _listed("comments", "sentiment", "sentiment", "the sentiment", SENTIMENTS, "neutral"),
    _date("comments", "date", "date", "the date"),
    _listed("proposals", "impact", "impact", "the impact", LEVELS, "medium"),
    _listed("proposals", "effort", "effort", "the effort", LEVELS, "medium"),
    _listed("actions", "status", "status", "the status", STATUSES, "planned"),
    _listed("actions", "previous_status", "status", "the previous status", STATUSES, None),
    _date("actions", "due", "due date", "the due date"),
)


def check_constraints() -> dict[str, list[str]]:
    """The CHECK constraints of each table, as table-constraint SQL (for m006_checks)."""
    found: dict[str, list[str]] = {}
    for rule in RULES:
        found.setdefault(rule.table, []).append(f'CONSTRAINT "{rule.name}" CHECK ({rule.valid})')
    return found


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: `kind` is damaged, dangling, value or structure; `group`
    gathers alike problems for the one-line summary (with `value`, the value found); `text`
    is its line in the full list."""

    kind: str
    group: str
    text: str
    value: str = ""


class FileProblems(WorkshopError):
    """A workshop file that is damaged or inconsistent; refused before anything writes to it."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


def _plural(count: int, noun: str) -> str:
    """ "1 status", "2 statuses", "3 hand-offs"."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {noun}{'es' if noun.endswith('s') else 's'}"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _columns(conn: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """table -> {column: notnull} for every table of the file."""
    tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
    return {t: {r[1]: r[3] for r in conn.execute(f'pragma table_info("{t}")')} for t in tables}


def damage(conn: sqlite3.Connection) -> list[str]:
    """SQLite's own words for every damaged page (empty for a sound file). A failed CHECK
    constraint (which quick_check reports on a writable connection) is no damage: the value
    rules report it, row by row."""
    try:
        rows = conn.execute("pragma quick_check").fetchall()
    except sqlite3.DatabaseError as error:
        return [str(error)]
    lines = [line for (text,) in rows for line in str(text).splitlines()]
    return [
        line
        for line in lines
        if line != "ok" and not line.startswith(("*** ", "CHECK constraint failed"))
    ]


def _foreign_keys(conn: sqlite3.Connection, table: str) -> dict[int, tuple[str, str, str]]:
    """fk id -> (column, parent table, on delete) for a table."""
    return {r[0]: (r[3], r[2], r[6].upper()) for r in conn.execute(
        f'pragma foreign_key_list("{table}")')}  # fmt: skip


def _words(column: str) -> str:
    """ "receiver_group_id" -> "receiver group"."""
    return column.removesuffix("_id").replace("_", " ")


def _dangling(conn: sqlite3.Connection) -> list[tuple[str, int, str, str, str, object]]:
    """(table, rowid, column, parent, on delete, missing id) of every dangling reference."""
    found = []
    fks: dict[str, dict[int, tuple[str, str, str]]] = {}
    for table, rowid, parent, fkid in conn.execute("pragma foreign_key_check").fetchall():
        if table not in fks:
            fks[table] = _foreign_keys(conn, table)
        column, _, on_delete = fks[table][fkid]
        (missing,) = conn.execute(
            f'select "{column}" from "{table}" where rowid = ?', [rowid]
        ).fetchone()
        found.append((table, rowid, column, parent, on_delete, missing))
    return found


def problems(conn: sqlite3.Connection) -> list[Problem]:
    """Everything wrong with an open workshop file of any schema version, read without
    writing: damaged pages (then nothing else is looked at), references to deleted rows,
    values outside the rules, and a missing workshop row or hand-off receiver."""
    damaged = damage(conn)
    if damaged:
        return [Problem("damaged", "damaged pages", line) for line in damaged]
    columns = _columns(conn)
    found: list[Problem] = []
    for table, rowid, column, parent, on_delete, missing in _dangling(conn):
        noun, other = NOUNS.get(table, table), NOUNS.get(parent, parent)
        cascade = on_delete == "CASCADE" or columns[table].get(column)
        fix = f"delete the {noun}" if cascade else f"empty its {_words(column)}"
        found.append(Problem("dangling", f"{table} {parent}",
                             f"{noun} {rowid}: its {_words(column)} ({other} {missing}) was "
                             f"deleted; repair: {fix}"))  # fmt: skip
    for rule in RULES:
        if rule.column not in columns.get(rule.table, {}):
            continue  # an older schema, without this column
        for rowid, value in conn.execute(
            f'select rowid, "{rule.column}" from "{rule.table}" where not ({rule.valid})'
        ):
            found.append(Problem("value", rule.label,
                                 f"{NOUNS[rule.table]} {rowid}: {rule.field} is "
                                 f"{_shown(value)}, not {rule.allowed}; repair: set it "
                                 f"{rule.fixed}", _shown(value)))  # fmt: skip
    if "workshop" in columns and not conn.execute("select 1 from workshop where id = 1").fetchone():
        found.append(Problem("structure", "no workshop row",
                             "the workshop's own row (title, date, phase) is missing; repair: "
                             "add it, titled after the file"))  # fmt: skip
    if {"receiver_group_id", "receiver_customer_id"} <= set(columns.get("handoffs", {})):
        for (rowid,) in conn.execute(
            "select rowid from handoffs"
            " where receiver_group_id is null and receiver_customer_id is null"
        ):
            found.append(Problem("structure", "no receiver",
                                 f"hand-off {rowid} has no receiver; repair: delete the "
                                 "hand-off"))  # fmt: skip
    return found


def _phrase(alike: list[Problem]) -> str:
    """Alike problems in a few words: "2 hand-offs point at a deleted group", "a rating of 7"."""
    first, count = alike[0], len(alike)
    if first.group == "no workshop row":
        return "its workshop row is missing"
    if first.group == "no receiver":
        return f"{_plural(count, 'hand-off')} without a receiver"
    if first.kind == "value":
        values = list(dict.fromkeys(p.value for p in alike))
        if count == 1:
            return f"a {first.group} of {first.value}"
        shown = ", ".join(values[:2]) + (", …" if len(values) > 2 else "")
        return f"{_plural(count, first.group)} outside the rules ({shown})"
    table, parent = first.group.split(" ")
    verb = "points" if count == 1 else "point"
    return f"{_plural(count, NOUNS.get(table, table))} {verb} at a deleted " + NOUNS.get(
        parent, parent
    )


def recover_hint(path: Path) -> str:
    """How to save what a damaged file still holds."""
    quoted = shlex.quote(str(path))
    return (f"restore a backup of it, or save what is readable with "
            f"`sqlite3 {quoted} .recover | sqlite3 recovered.db`")  # fmt: skip


def refusal(path: Path, found: list[Problem]) -> FileProblems:
    """The one-line error for a file with problems: what is wrong and how to repair it."""
    quoted = shlex.quote(str(path))
    if found[0].kind == "damaged":
        return FileProblems(
            f"{path} is damaged ({found[0].text}): {recover_hint(path)}; "
            f"`workshop check {quoted}` lists the damage.",
            found,
        )
    groups: dict[str, list[Problem]] = {}
    for problem in found:
        groups.setdefault(problem.group, []).append(problem)
    biggest = sorted(groups.values(), key=len, reverse=True)[:SHOWN_IN_SUMMARY]
    phrases = [_phrase(alike) for alike in biggest]
    if len(groups) > SHOWN_IN_SUMMARY:
        phrases.append("…")
    problem_s = "problem" if len(found) == 1 else "problems"
    return FileProblems(
        f"{path} has {len(found)} {problem_s} ({'; '.join(phrases)}): run "
        f"`workshop check {quoted}` to see them and repair.",
        found,
    )


def repair(conn: sqlite3.Connection, title: str) -> list[str]:
    """Restore consistency in one transaction, foreign keys on (so a deleted row takes what
    hangs on it, as in the app): values outside the rules are respelled or reset, rows
    pointing at a deleted row are deleted (or the reference emptied where the schema says
    so), a missing workshop row is added with `title`. Returns what changed, in words.
    Refuses damaged pages, and leaves the file as it was if anything remains wrong."""
    if damage(conn):
        raise WorkshopError("Damaged pages cannot be repaired here.")
    conn.execute("pragma foreign_keys = on")
    done: Counter[tuple[str, str, str]] = Counter()  # (before, noun, after) -> how many
    columns = _columns(conn)
    conn.execute("begin immediate")
    try:
        _repair_values(conn, columns, done)
        for _ in range(10):  # a deleted row may leave others dangling: until none is left
            dangling = _dangling(conn)
            if not dangling:
                break
            for table, rowid, column, parent, on_delete, _missing in dangling:
                noun, other = NOUNS.get(table, table), NOUNS.get(parent, parent)
                if on_delete == "CASCADE" or columns[table].get(column):
                    cursor = conn.execute(f'delete from "{table}" where rowid = ?', [rowid])
                    what = ("deleted ", noun, f" that pointed at a deleted {other}")
                else:
                    cursor = conn.execute(
                        f'update "{table}" set "{column}" = null where rowid = ?', [rowid]
                    )
                    what = (f"emptied the {_words(column)} of ", noun, f" (a deleted {other})")
                done[what] += cursor.rowcount
        if (
            "workshop" in columns
            and not conn.execute("select 1 from workshop where id = 1").fetchone()
        ):
            _add_workshop_row(conn, set(columns["workshop"]), title)
            done[("added the missing workshop row", "", "")] += 1
        if {"receiver_group_id", "receiver_customer_id"} <= set(columns.get("handoffs", {})):
            cursor = conn.execute(
                "delete from handoffs"
                " where receiver_group_id is null and receiver_customer_id is null"
            )
            done[("deleted ", "hand-off", " without a receiver")] += cursor.rowcount
        left = problems(conn)
        if left:
            raise WorkshopError(f"Could not repair everything (left: {left[0].text}).")
    except BaseException:
        conn.execute("rollback")
        raise
    conn.execute("commit")
    return [
        f"{before}{_plural(n, noun) if noun else ''}{after}"
        for (before, noun, after), n in done.items()
        if n
    ]


def _repair_values(
    conn: sqlite3.Connection,
    columns: dict[str, dict[str, int]],
    done: Counter[tuple[str, str, str]],
) -> None:
    """Respell or reset every value outside the rules: one update per table, since a CHECK
    constraint (m006_checks) is checked for the whole row."""
    by_table: dict[str, list[Rule]] = {}
    for rule in RULES:
        if rule.column in columns.get(rule.table, {}):
            by_table.setdefault(rule.table, []).append(rule)
    for table, rules in by_table.items():
        wrong = [
            (rule, conn.execute(
                f'select count(*) from "{table}" where not ({rule.valid})').fetchone()[0])
            for rule in rules
        ]  # fmt: skip
        wrong = [(rule, n) for rule, n in wrong if n]
        if not wrong:
            continue
        assignments = ", ".join(
            f'"{r.column}" = case when {r.valid} then "{r.column}" else {r.fix} end'
            for r, _ in wrong
        )
        where = " or ".join(f"not ({r.valid})" for r, _ in wrong)
        conn.execute(f'update "{table}" set {assignments} where {where}')
        for rule, n in wrong:
            done[("set ", rule.field.removeprefix("the "), f" {rule.fixed}")] += n


def _add_workshop_row(conn: sqlite3.Connection, columns: set[str], title: str) -> None:
    from .room import new_join_code

    values: dict[str, object] = {"id": 1, "title": title, "phase": PHASES[1],
                                 "date": dt.date.today().isoformat()}  # fmt: skip
    if "join_code" in columns:
        values["join_code"] = new_join_code()
    names = ", ".join(f'"{k}"' for k in values)
    marks = ", ".join("?" for _ in values)
    conn.execute(f"insert into workshop ({names}) values ({marks})", list(values.values()))


def backup_path(path: Path) -> Path:
    """A new, reserved file beside `path` for its backup copy: FILE.bak-YYYYmmdd-HHMMSS
    (with -2, -3… if that is taken); an existing file is never overwritten."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(1, 100):
        candidate = path.with_name(f"{path.name}.bak-{stamp}" + (f"-{n}" if n > 1 else ""))
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o666)
        except FileExistsError:
            continue
        except OSError as error:
            raise WorkshopError(f"Cannot keep a backup copy beside {path}: "
                                f"{error.strerror}.") from None  # fmt: skip
        os.close(fd)
        return candidate
    raise WorkshopError(f"Cannot keep a backup copy beside {path}: too many backups this second.")


def repair_file(path: Path) -> tuple[Path | None, list[str]]:
    """Repair a workshop file in place, after keeping a copy of it beside it (see
    `backup_path`); returns the copy (None when nothing was wrong) and what changed. Refuses a
    damaged file, which only a backup or SQLite's .recover can save."""
    from .store import BUSY_TIMEOUT_SECONDS, check_file

    found = check_file(path)
    if not found:
        return None, []
    if found[0].kind == "damaged":
        raise WorkshopError(f"{path} is damaged, which cannot be repaired here: "
                            f"{recover_hint(path)}.")  # fmt: skip
    copy: Path | None = None
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS)
    try:
        copy = backup_path(path)
        with closing(sqlite3.connect(str(copy))) as target:
            conn.backup(target)
        return copy, repair(conn, title=path.stem or "Repaired workshop")
    except sqlite3.Error as error:
        if copy is not None and copy.stat().st_size == 0:
            copy.unlink()  # the copy was never made: leave no empty file behind
        reason = str(error)
        if "readonly" in reason or "unable to open" in reason:
            reason = "the file or its folder is read-only"
        raise WorkshopError(f"Cannot repair {path}: {reason}.") from None
    finally:
        conn.close()
