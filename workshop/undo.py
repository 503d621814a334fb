"""Snapshots of a row and everything that depends on it, so that a delete can be undone.

The foreign keys of the schema say what a delete takes with it (ON DELETE CASCADE) and what it
blanks (ON DELETE SET NULL); a snapshot records both, and `restore` puts them back, giving restored
rows new ids only where another row has taken their old one meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database


Snapshot = dict[str, list[dict[str, Any]]]


def _referencing(db: Database, table: str) -> list[tuple[str, str, str]]:
    """(child table, column, on_delete) for every foreign key pointing at `table`."""
    found = []
    for name in db.table_names():
        for fk in db[name].foreign_keys:  # type: ignore[union-attr]
            if fk.other_table == table and fk.column:
                found.append((name, fk.column, fk.on_delete))
    return found


def snapshot(db: Database, table: str, row_id: int) -> Snapshot:
    """Every row a delete of `table`.`row_id` would remove or blank, parents first."""
    rows: list[dict[str, Any]] = []
    blanked: list[dict[str, Any]] = []

    def visit(tbl: str, rid: int) -> None:
        row = db.execute(f'select * from "{tbl}" where id = ?', [rid]).fetchone()
        if row is None:
            return
        columns = [c.name for c in db[tbl].columns]
        rows.append({"table": tbl, "row": dict(zip(columns, row, strict=True))})
        for child, column, on_delete in _referencing(db, tbl):
            child_columns = [c.name for c in db[child].columns]
            matches = db.execute(f'select * from "{child}" where "{column}" = ?', [rid]).fetchall()
            for match in matches:
                record = dict(zip(child_columns, match, strict=True))
                if on_delete == "CASCADE":
                    if "id" in record:
                        visit(child, record["id"])
                    else:
                        rows.append({"table": child, "row": record})
                elif on_delete == "SET NULL":
                    blanked.append(
                        {
                            "table": child,
                            "column": column,
                            "row": record,
                            "value": rid,
                            "parent": tbl,
                        }
                    )

    visit(table, row_id)
    return {"rows": rows, "blanked": blanked}


def restore(db: Database, snap: Snapshot) -> None:
    """Put back what `snapshot` recorded; call inside a transaction."""
    new_ids: dict[tuple[str, int], int] = {}
    fks = {
        name: [(fk.column, fk.other_table) for fk in db[name].foreign_keys]  # type: ignore[union-attr]
        for name in db.table_names()
    }
    for entry in snap["rows"]:
        table, row = entry["table"], dict(entry["row"])
        for column, other in fks.get(table, []):
            if row.get(column) is not None:
                row[column] = new_ids.get((other, row[column]), row[column])
        old_id = row.get("id")
        if old_id is not None:
            taken = db.execute(f'select 1 from "{table}" where id = ?', [old_id]).fetchone()
            if taken:
                del row["id"]
        inserted = db[table].insert(row).last_pk  # type: ignore[union-attr]
        if old_id is not None:
            new_ids[(table, old_id)] = old_id if "id" in row else inserted
    for entry in snap["blanked"]:
        table, record = entry["table"], entry["row"]
        value = new_ids.get((entry["parent"], entry["value"]), entry["value"])
        if "id" in record:
            column = entry["column"]
            db.execute(
                f'update "{table}" set "{column}" = ? where id = ? and "{column}" is null',
                [value, new_ids.get((table, record["id"]), record["id"])],
            )
