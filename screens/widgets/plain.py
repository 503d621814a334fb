"""Typed text shown as typed: the one way the screens put what people typed into widgets.

Textual reads a plain `str` as content markup almost everywhere: DataTable cells, Tree labels,
Option prompts, Static and Label, Button labels, notifications, tooltips. A group named "[/]"
crashed the app, and a name starting "[@click=app.quit]" turned a click on it into an action.
Rich and Textual also pass most control characters (ESC among them) on to the terminal.

The widgets here never read markup, and show control characters as visible symbols (␛, ␇, ␍;
a C1 control as �), whatever they are given: a str, a Rich Text or Textual Content. Build a label
in pieces with Rich `Text` / `Text.assemble` (which never read markup) and hand it to one of these
widgets; anything else that ends up on screen (a Rich table's cells, a tooltip) goes through
`plain()`. `PlainTextApp` does the same for notifications and the header's title.
tests/test_hostile_text.py checks that the screens use nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self, TypeVar

from rich.highlighter import Highlighter
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import App
from textual.content import Content
from textual.strip import Strip
from textual.widgets import (
    Checkbox,
    DataTable,
    Input,
    OptionList,
    Select,
    SelectionList,
    Static,
    Tree,
)
from textual.widgets.data_table import Column, ColumnKey, RowKey
from textual.widgets.option_list import Option, OptionDoesNotExist
from textual.widgets.selection_list import Selection

from screens.widgets.short_text import cut, fit
from screens.widgets.toggles import TICKED, UNTICKED

# Every C0 control but tab and line feed, DEL and the C1 controls: one visible character each,
# so that a Text's styles keep their offsets.
PICTURES: dict[int, str] = {
    **{code: chr(0x2400 + code) for code in range(0x20) if code not in (0x09, 0x0A)},
    0x7F: "\u2421",
    **{code: "\ufffd" for code in range(0x80, 0xA0)},
}

T = TypeVar("T")


def visible(text: str) -> str:
    """`text` with its control characters shown as symbols (a CR LF line end stays a line end);
    tabs and line breaks are kept."""
    if text.isprintable():
        return text
    return text.replace("\r\n", "\n").translate(PICTURES)


def plain(text: str, style: str | Style = "") -> Text:
    """Typed text as Rich Text: never read as markup, control characters visible."""
    return Text(visible(text), style=style)


def _visible_text(text: Text) -> Text:
    source = text.plain
    if source.isprintable():
        return text
    if "\r\n" in source:
        text = text.blank_copy("\n").join(text.split("\r\n", allow_blank=True))
    shown = text.copy()
    shown.plain = text.plain.translate(PICTURES)  # same length: the spans stay where they were
    return shown


def safe(content: T) -> T | Text:
    """What a widget may show of `content`: a str as plain Text, a Text or Content with its
    control characters visible; anything else (a Rich table, say) as it is."""
    if isinstance(content, str):
        return Text(visible(content))
    if isinstance(content, Text):
        return _visible_text(content)
    if isinstance(content, Content) and not content.plain.isprintable():
        return Content(content.plain.translate(PICTURES), list(content.spans))  # type: ignore[return-value]
    return content


class PlainStatic(Static):
    """A Static that shows its content as typed."""

    def __init__(self, content: Any = "", **options: Any) -> None:
        options["markup"] = False
        super().__init__(safe(content), **options)

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(safe(content), layout=layout)


class PlainTable(DataTable):
    """A DataTable whose cells show exactly what was typed (DataTable reads a plain string as
    markup, so "[b]x[/b]" lost its brackets and a stray "[/]" crashed), and fit their columns.

    A column added with `grow` takes a share of the table's free width, never less than
    about its `width` while room is left: the fixed columns (numbers, marks) keep theirs
    first, and the growing ones (typed text) share the rest, shrinking when the table is
    narrow. Every cell is cut at a word boundary with an ellipsis when it does not fit its
    column (in the row's height), so a cut never falls mid-word while space is left."""

    DEFAULT_CSS = """
    PlainTable {
        scrollbar-gutter: stable;
    }
    """
    MIN_GROWN = 8  # the narrowest a growing column gets on a narrow table

    def __init__(self, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        self._grow: dict[ColumnKey, tuple[int, int]] = {}  # growing column: (width, share)
        self._typed: dict[RowKey, list[Any]] = {}  # each row's cells as given (made safe)
        self._refit_due = False

    def add_column(
        self, label: Any, *, width: int | None = None, key: str | None = None,
        default: Any = None, grow: int = 0,
    ) -> ColumnKey:  # fmt: skip
        column_key = super().add_column(label, width=width, key=key, default=default)
        if grow > 0:
            self._grow[column_key] = (width or self.MIN_GROWN, grow)
        return column_key

    def add_row(self, *cells: Any, height: int | None = 1, **options: Any) -> RowKey:
        shown = [safe(cell) for cell in cells]
        fitted = [self._fit(cell, column, height) for cell, column in
                  zip(shown, self.ordered_columns, strict=False)]  # fmt: skip
        row_key = super().add_row(*fitted, *shown[len(fitted) :], height=height, **options)
        self._typed[row_key] = shown
        if self._grow and not self._refit_due:
            self._refit_due = True
            self.call_later(self.refit)  # once the rows are in: their longest cells count
        return row_key

    def update_cell(self, row_key: Any, column_key: Any, value: Any, **options: Any) -> None:
        row_key = RowKey(row_key) if isinstance(row_key, str) else row_key
        column_key = ColumnKey(column_key) if isinstance(column_key, str) else column_key
        shown = safe(value)
        column = self.columns.get(column_key)
        index = list(self.columns).index(column_key) if column is not None else -1
        typed = self._typed.get(row_key)
        if typed is not None and 0 <= index < len(typed):
            typed[index] = shown
        row = self.rows.get(row_key)
        if column is not None and row is not None:
            shown = self._fit(shown, column, row.height)
        super().update_cell(row_key, column_key, shown, **options)

    def update_cell_at(self, coordinate: Any, value: Any, **options: Any) -> None:
        row_key, column_key = self.coordinate_to_cell_key(coordinate)
        self.update_cell(row_key, column_key, value, **options)

    def remove_row(self, row_key: Any) -> None:
        super().remove_row(row_key)
        self._typed.pop(RowKey(row_key) if isinstance(row_key, str) else row_key, None)

    def clear(self, columns: bool = False) -> Self:
        self._typed.clear()
        if columns:
            self._grow.clear()
        return super().clear(columns)

    def typed_row_text(self, index: int) -> str:
        """The row's cells as typed (before any cut), joined by spaces."""
        row_key = self._row_locations.get_key(index)
        cells = self._typed.get(row_key) if row_key is not None else None
        if cells is None:
            return " ".join(str(cell) for cell in self.get_row_at(index))
        return " ".join(str(cell) for cell in cells)

    def _fit(self, cell: Any, column: Column, height: int | None) -> Any:
        """The cell cut to its column's width (in the row's lines), at a word."""
        if not isinstance(cell, Text) or column.width <= 0 or column.auto_width:
            return cell
        lines = height or 1
        if cell.cell_len <= column.width and "\n" not in cell.plain:
            return cell
        return fit(cell, column.width, lines)

    def column_widths(self, room: int) -> dict[ColumnKey, int]:
        """Each growing column's width in a table `room` cells wide. The fixed columns keep
        theirs; the growing ones share what is left by their shares, each at least its own
        width (or its longest cell's, if shorter) while the room allows, never under
        MIN_GROWN, and none wider than its longest cell: what one does not need goes to
        the others. On a narrow table each gives way in proportion to its width."""
        if not self._grow:
            return {}
        padding = 2 * self.cell_padding
        fixed = sum(column.get_render_width(self) for key, column in self.columns.items()
                    if key not in self._grow)  # fmt: skip
        free = room - fixed - padding * len(self._grow)
        longest = self._longest_cells()
        # A column whose cells are all shorter than its width needs only their width.
        widths = {key: max(min(width, longest[key]), self.MIN_GROWN)
                  for key, (width, _) in self._grow.items()}  # fmt: skip
        wanted = sum(widths.values())
        if free < wanted:  # too narrow: each gives way in proportion to its width
            return {key: max(self.MIN_GROWN, free * width // max(wanted, 1))
                    for key, width in widths.items()}  # fmt: skip
        extra = free - wanted
        while extra > 0:
            hungry = {key: share for key, (_, share) in self._grow.items()
                      if widths[key] < longest[key]}  # fmt: skip
            if not hungry:
                break
            shares = sum(hungry.values())
            given = 0
            for key, share in hungry.items():
                more = min(max(extra * share // shares, 1), longest[key] - widths[key],
                           extra - given)  # fmt: skip
                widths[key] += more
                given += more
            extra -= given
        return widths

    def _longest_cells(self) -> dict[ColumnKey, int]:
        """Each growing column's widest cell (or label) as one line."""
        index = {key: i for i, key in enumerate(self.columns)}
        longest = {key: self.columns[key].content_width for key in self._grow}
        for key in self._grow:
            i = index[key]
            widest = max((_one_line_width(cells[i]) for cells in self._typed.values()
                          if i < len(cells)), default=0)  # fmt: skip
            longest[key] = max(longest[key], widest, _one_line_width(self.columns[key].label))
        return longest

    def on_resize(self, event: events.Resize) -> None:
        self.refit()

    def refit(self) -> None:
        """Give the growing columns their share of the table's width now, and cut their
        cells again where the width changed."""
        self._refit_due = False
        room = self.scrollable_content_region.width
        if room <= 0:
            return
        changed = set()
        for key, width in self.column_widths(room).items():
            if self.columns[key].width != width:
                self.columns[key].width = width
                changed.add(key)
        if not changed:
            return
        rows = self.rows
        for row_key, typed in self._typed.items():
            row = rows.get(row_key)
            if row is None:
                continue
            for index, column_key in enumerate(self.columns):
                if column_key in changed and index < len(typed):
                    fitted = self._fit(typed[index], self.columns[column_key], row.height)
                    DataTable.update_cell(self, row_key, column_key, fitted)
        # DataTable works out its scrollable width again when it next idles (private flag of
        # the pinned Textual: a column's width has no public setter).
        self._require_update_dimensions = True
        self.refresh()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Skip measuring the cells of new rows when no column needs it. DataTable measures
        every cell (a second or more for a few thousand rows) to size automatic columns;
        ours all have a fixed width, and no row has a label or an automatic height."""
        rows = self.rows
        measure = any(column.auto_width for column in self.columns.values()) or any(
            (row := rows.get(key)) is not None and (row.label is not None or row.auto_height)
            for key in new_rows
        )
        super()._update_dimensions(new_rows if measure else ())


def _one_line_width(cell: Any) -> int:
    """How wide a cell is on one line (its text flattened), bounded."""
    if isinstance(cell, Text):
        return min(cell.cell_len, 4000)
    return min(len(str(cell)), 4000)


def _plain_option(option: Any) -> Any:
    if isinstance(option, Selection):
        return Selection(
            safe(option.prompt), option.value, option.initial_state, option.id, option.disabled
        )
    if isinstance(option, Option):
        return Option(safe(option.prompt), option.id, option.disabled)
    if isinstance(option, tuple):  # a SelectionList's (prompt, value[, selected])
        return (safe(option[0]), *option[1:])
    return None if option is None else safe(option)


class PlainOptionList(OptionList):
    """An OptionList whose prompts show exactly what was typed."""

    def __init__(self, *content: Any, **options: Any) -> None:
        options["markup"] = False
        super().__init__(*content, **options)

    def add_options(self, new_options: Iterable[Any]) -> PlainOptionList:
        return super().add_options([_plain_option(option) for option in new_options])

    def add_option(self, option: Any = None) -> PlainOptionList:
        return self.add_options([option])

    def replace_option_prompt(self, option_id: str, prompt: Any) -> PlainOptionList:
        return super().replace_option_prompt(option_id, safe(prompt))

    def replace_option_prompt_at_index(self, index: int, prompt: Any) -> PlainOptionList:
        return super().replace_option_prompt_at_index(index, safe(prompt))


class PlainSelectionList(SelectionList):
    """A SelectionList whose prompts show exactly what was typed."""

    def __init__(self, *selections: Any, **options: Any) -> None:
        super().__init__(*(_plain_option(s) for s in selections), **options)

    def add_options(self, items: Iterable[Any]) -> PlainSelectionList:
        return super().add_options([_plain_option(item) for item in items])

    def add_option(self, item: Any = None) -> PlainSelectionList:
        return self.add_options([item])

    def render_line(self, y: int) -> Strip:
        """The line as Textual draws it, with the mark showing the state in its shape: `✓`
        when selected, empty when not (Textual draws an `X` either way, only its colour
        changing)."""
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 3 or segments[1].text != Checkbox.BUTTON_INNER:
            return strip
        try:
            option = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        mark = TICKED if option.value in self.selected else UNTICKED
        segments[1] = Segment(mark, segments[1].style, segments[1].control)
        return Strip(segments, strip.cell_length)


class PlainTree(Tree):
    """A Tree whose labels show exactly what was typed."""

    def process_label(self, label: Any) -> Text:
        return super().process_label(safe(label))


def plain_options(options: Iterable[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """A Select's (label, value) options with their labels shown as typed."""
    return [(safe(label), value) for label, value in options]


class PlainSelect(Select):
    """A Select whose option labels show exactly what was typed (Select read a plain string as
    markup, so a name with "[b]" lost its brackets and one with "[/]" crashed the app)."""

    def __init__(self, options: Iterable[tuple[Any, Any]], **kwargs: Any) -> None:
        super().__init__(plain_options(options), **kwargs)

    def set_options(self, options: Iterable[tuple[Any, Any]]) -> None:
        super().set_options(plain_options(options))


class VisibleControls(Highlighter):
    """Shows an Input's control characters as symbols (same length: the cursor stays put)."""

    def highlight(self, text: Text) -> None:
        if not text.plain.isprintable():
            text.plain = text.plain.translate(PICTURES)


class PlainInput(Input):
    """An Input that shows a value holding control characters harmlessly; the value itself is
    kept as it is."""

    def __init__(self, *args: Any, **options: Any) -> None:
        options.setdefault("highlighter", VisibleControls())
        super().__init__(*args, **options)


class PlainTextApp(App):
    """An app whose notifications and header title show exactly what was typed. Notifications
    never read markup (their messages quote names), whatever a caller asks for."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        super().notify(
            visible(message),
            title=visible(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    HEADER_MARGINS = 20  # the header's icon and the space balancing it on the right

    def format_title(self, title: str, sub_title: str) -> Content:
        """The title and sub-title as typed; on a narrow screen the title (the workshop's
        name) is shortened at a word so that the sub-title (the phase) shows whole."""
        room = self.size.width - self.HEADER_MARGINS
        if sub_title and len(title) + 3 + len(sub_title) > room:
            title = cut(title, max(room - 3 - len(sub_title), 12))
        return super().format_title(visible(title), visible(sub_title))
