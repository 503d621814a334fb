"""Customer comments: what customers said, where, and which groups it is routed to."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import TYPE_CHECKING, Any

from .errors import PlanError
from .model import Comment
from .vocabulary import SENTIMENTS, choice, clean_text, iso_date, name_key, plural

if TYPE_CHECKING:
    from .store import Workshop

CSV_COLUMNS = ("text", "touchpoint", "sentiment", "date")
CSV_ERRORS_SHOWN = 5
CSV_LIMIT_MB = 10  # the largest comments file
CSV_ROWS_LIMIT = 50_000  # comments in one file

_COMMENT_SQL = """
select c.id, c.text, c.touchpoint_id, t.name, c.sentiment, c.date
from comments c
left join touchpoints t on t.id = c.touchpoint_id
"""
_NEWEST_FIRST = " order by c.date is null, c.date desc, c.id desc"


def clean_comment_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Check a comment's text, sentiment and date; raises PlanError naming the field."""
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key == "text":
            clean[key] = clean_text(value, "The comment").strip()
            if not clean[key]:
                raise PlanError("The comment must not be empty.")
        elif key == "sentiment":
            clean[key] = choice(value, "The sentiment", SENTIMENTS, default="neutral")
        elif key == "date":
            clean[key] = iso_date(value, "The date")
        elif key != "touchpoint_id":
            raise PlanError(f"A comment has no field {key!r}.")
    return clean


def _csv_row(
    row: dict[str, str] | None, touchpoints: dict[str, int]
) -> tuple[dict[str, Any], list[str]]:
    """One CSV row as a comment's fields, and everything wrong with it (each field's
    problem, not only the first)."""
    if row is None:
        return {}, ["more cells than the header has columns"]
    clean: dict[str, Any] = {"touchpoint_id": None}
    wrong: list[str] = []
    for field in ("text", "sentiment", "date"):
        try:
            clean.update(clean_comment_fields({field: row.get(field) or ""}))
        except PlanError as error:
            wrong.append(str(error).rstrip("."))
    name = (row.get("touchpoint") or "").strip()
    if name and name_key(name) not in touchpoints:
        wrong.append(f"unknown touchpoint “{name}”")
    elif name:
        clean["touchpoint_id"] = touchpoints[name_key(name)]
    return clean, wrong


class CommentRecords:
    """The comments half of `Workshop` (mixed into it)."""

    def _comments(self: Workshop, where: str = "", params: list[Any] | None = None):
        sql = _COMMENT_SQL + (f" where {where}" if where else "") + _NEWEST_FIRST
        rows = self.conn.execute(sql, params or []).fetchall()
        routes: dict[int, list[tuple[int, str]]] = {}
        for cid, gid, name in self.conn.execute(
            "select r.comment_id, r.group_id, g.name from comment_routes r "
            "join groups g on g.id = r.group_id order by r.comment_id, r.group_id"
        ):
            routes.setdefault(cid, []).append((gid, name))
        return [
            Comment(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                tuple(gid for gid, _ in routes.get(r[0], [])),
                tuple(name for _, name in routes.get(r[0], [])),
            )
            for r in rows
        ]

    def comments(self: Workshop) -> list[Comment]:
        """Every comment, newest first (undated ones last)."""
        return self._comments()

    def comment(self: Workshop, comment_id: int) -> Comment:
        """One comment by id."""
        return self._only(self._comments("c.id = ?", [comment_id]), "comment")

    def add_comment(
        self: Workshop,
        text: str,
        *,
        touchpoint_id: int | None = None,
        sentiment: str = "neutral",
        date: str | None = None,
        routed_to: tuple[int, ...] | list[int] = (),
    ) -> int:
        """Add a customer's comment, optionally at a touchpoint and routed to groups."""
        clean = clean_comment_fields({"text": text, "sentiment": sentiment, "date": date})
        with self.transaction():
            if touchpoint_id is not None:
                self.touchpoint(touchpoint_id)
            comment_id = self._insert(
                "comments",
                {**clean, "touchpoint_id": touchpoint_id},
                f"Added a comment: {_short(clean['text'])}",
            )
            self._set_routes(comment_id, routed_to)
            return comment_id

    def update_comment(self: Workshop, comment_id: int, **values: Any) -> None:
        """Change a comment's text, touchpoint, sentiment or date."""
        clean = clean_comment_fields(values)
        with self.transaction():
            if values.get("touchpoint_id") is not None:
                self.touchpoint(values["touchpoint_id"])
            if "touchpoint_id" in values:
                clean["touchpoint_id"] = values["touchpoint_id"]
            old = self.comment(comment_id)
            self._update("comments", comment_id, clean, f"comment “{_short(old.text)}”")

    def delete_comment(self: Workshop, comment_id: int) -> None:
        """Delete a comment and its routes; undoable."""
        old = self.comment(comment_id)
        self._delete("comments", comment_id, f"comment “{_short(old.text)}”")

    # -- routing -------------------------------------------------------------------------

    def _set_routes(self: Workshop, comment_id: int, group_ids: Any) -> None:
        ids = list(dict.fromkeys(group_ids))
        for gid in ids:
            if not isinstance(gid, int) or isinstance(gid, bool):
                raise PlanError(f"A comment is routed to groups by id; got {gid!r}.")
            self._row("groups", gid, "group")
        self.conn.execute("delete from comment_routes where comment_id = ?", [comment_id])
        for gid in ids:
            self.db["comment_routes"].insert({"comment_id": comment_id, "group_id": gid})

    def route_comment(self: Workshop, comment_id: int, group_ids: list[int]) -> None:
        """Route a comment to exactly these groups (replacing its routes); undoable."""
        with self.transaction():
            self._check_room_phase("comments")
            old = self.comment(comment_id)
            if set(group_ids) == set(old.routed_ids):
                return
            self._set_routes(comment_id, group_ids)
            names = ", ".join(self.comment(comment_id).routed_to) or "nobody"
            self._record(
                "edit",
                f"Routed “{_short(old.text)}” to {names}",
                {"op": "routes", "comment_id": comment_id, "group_ids": list(old.routed_ids)},
            )

    def suggested_routes(self: Workshop, touchpoint_id: int | None) -> list[tuple[int, str, int]]:
        """The groups in a touchpoint's onion, as (group id, name, layer): the owner first
        (layer 0), then each layer outward. Empty without a touchpoint."""
        if touchpoint_id is None:
            return []
        point = self.touchpoint(touchpoint_id)
        found = [(point.owner_id, point.owner, 0)] if point.owner_id is not None else []
        onion = sorted(self.onion(touchpoint_id), key=lambda c: (c.layer or 99, c.group.casefold()))
        return found + [(c.group_id, c.group, c.layer or 0) for c in onion]  # type: ignore[list-item]

    def comment_stream(self: Workshop, group_id: int) -> tuple[list[Comment], dict[str, int]]:
        """A group's comments, newest first, and how many there are of each sentiment."""
        self._row("groups", group_id, "group")
        stream = self._comments(
            "c.id in (select comment_id from comment_routes where group_id = ?)", [group_id]
        )
        counts = Counter(c.sentiment for c in stream)
        return stream, {s: counts.get(s, 0) for s in SENTIMENTS}

    # -- CSV -----------------------------------------------------------------------------

    def import_comments_csv(self: Workshop, text: str, source: str = "the CSV") -> int:
        """Add comments from CSV text with a header row (columns text, touchpoint, sentiment,
        date; only text is required). Any bad row refuses the whole file, with line numbers."""
        self._facilitator_only("import comments")
        rows = _read_csv(text, source)
        touchpoints = {name_key(t.name): t.id for t in self.touchpoints()}
        problems: list[str] = []
        clean_rows: list[dict[str, Any]] = []
        for line, row in rows:
            clean, wrong = _csv_row(row, touchpoints)
            if wrong:
                problems.append(f"line {line}: {'; '.join(wrong)}")
            else:
                clean_rows.append(clean)
        if problems:
            shown = "; ".join(problems[:CSV_ERRORS_SHOWN])
            more = len(problems) - CSV_ERRORS_SHOWN
            extra = f"; and {more} more bad line{'s' if more > 1 else ''}" if more > 0 else ""
            raise PlanError(f"{source}: nothing imported. {shown}{extra}.")
        if not clean_rows:
            raise PlanError(f"{source} has a header row but no comments.")
        with self.transaction():
            ids = [int(self.db["comments"].insert(r).last_pk) for r in clean_rows]  # type: ignore[arg-type]
            self._record(
                "import",
                f"Imported {plural(len(ids), 'comment')} from {source}",
                {"op": "delete", "table": "comments", "ids": ids},
            )
        return len(ids)


def _read_csv(text: str, source: str) -> list[tuple[int, dict[str, str] | None]]:
    """(first line number, row by lower-cased column) for every non-blank data row; None for a
    row with more cells than the header has columns."""
    text = text.removeprefix("\ufeff")
    if len(text) > CSV_LIMIT_MB * 1_000_000:
        raise PlanError(f"{source} is larger than the {CSV_LIMIT_MB} MB limit for a comments file.")
    if not text.strip():
        raise PlanError(f"{source} is empty; it needs a header row: {', '.join(CSV_COLUMNS)}.")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
        unknown = [h for h in header if h not in CSV_COLUMNS]
        if unknown or "text" not in header or len(set(header)) != len(header):
            raise PlanError(
                f"{source}: line 1 must be a header with the columns "
                f"{', '.join(CSV_COLUMNS)} (text required); got {', '.join(header) or 'nothing'}."
            )
        rows: list[tuple[int, dict[str, str] | None]] = []
        start = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(rows) == CSV_ROWS_LIMIT:
                    raise PlanError(
                        f"{source} holds more than {CSV_ROWS_LIMIT:,} comments (the limit); "
                        "split it into smaller files."
                    )
                too_many = len(cells) > len(header)
                rows.append((start, None if too_many else dict(zip(header, cells, strict=False))))
            start = reader.line_num + 1
        return rows
    except csv.Error as error:
        raise PlanError(f"{source}: line {reader.line_num}: {error}.") from None


def _short(text: str, width: int = 40) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"
