"""Find by typing: `/` opens a one-line bar under a list; each key moves the list's cursor to
the first row holding what was typed (any case), Enter or Down to the next one, Up back, Esc
closes the bar with the cursor where it is and the list focused again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeGuard

from textual import events, on
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Input, OptionList, Tree
from textual.widgets.tree import TreeNode

from screens.widgets.plain import PlainInput, PlainTable, plain

MAX_QUERY = 200  # characters: a find is a few words, never a paste of a document


def _flat(text: str) -> str:
    return " ".join(text.split()).casefold()


def row_texts(widget: Widget) -> Iterator[str]:
    """Each row's whole text (as typed, before any cut), in the order shown."""
    if isinstance(widget, PlainTable):
        for index in range(widget.row_count):
            yield widget.typed_row_text(index)
    elif isinstance(widget, DataTable):
        for index in range(widget.row_count):
            yield " ".join(str(cell) for cell in widget.get_row_at(index))
    elif isinstance(widget, OptionList):
        for index in range(widget.option_count):
            yield str(widget.get_option_at_index(index).prompt)
    elif isinstance(widget, Tree):
        for node in tree_nodes(widget):
            yield str(node.label)


def tree_nodes(tree: Tree[Any]) -> list[TreeNode[Any]]:
    """Every node of the tree, depth first, collapsed ones too."""
    found: list[TreeNode[Any]] = []
    stack = [tree.root]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(reversed(node.children))
    return found


def searchable(widget: Widget | None) -> TypeGuard[DataTable | OptionList | Tree]:
    """Whether the find bar can search the widget's rows."""
    return isinstance(widget, DataTable | OptionList | Tree)


class FindBar(PlainInput):
    """The find bar of one list (`target`): the list follows what is typed."""

    BINDINGS = [
        Binding("enter,down", "next", "Next match", show=False, id="find.next"),
        Binding("up", "previous", "Previous match", show=False, id="find.previous"),
        Binding("escape", "close", "Done", show=False, id="find.close"),
    ]
    DEFAULT_CSS = """
    FindBar {
        dock: bottom;
        height: 3;
        border: round $accent;
    }
    """

    def __init__(self, target: Widget) -> None:
        super().__init__(placeholder="Find: type a name or a few words", max_length=MAX_QUERY)
        self.target = target
        self.border_title = "Find (Enter next · Up back · Esc done)"

    def on_mount(self) -> None:
        self.focus()

    def current_row(self) -> int:
        target = self.target
        if isinstance(target, DataTable):
            return target.cursor_row
        if isinstance(target, OptionList):
            return target.highlighted or 0
        if isinstance(target, Tree):
            node = target.cursor_node
            return tree_nodes(target).index(node) if node is not None else 0
        return 0

    def matches(self) -> list[int]:
        query = _flat(self.value)
        if not query:
            return []
        return [i for i, text in enumerate(row_texts(self.target)) if query in _flat(text)]

    def go_to(self, row: int) -> None:
        target = self.target
        if isinstance(target, DataTable):
            target.move_cursor(row=row, scroll=True)
        elif isinstance(target, OptionList):
            target.highlighted = row
        elif isinstance(target, Tree):
            node = tree_nodes(target)[row]
            parent = node.parent
            while parent is not None:
                parent.expand()
                parent = parent.parent
            target.call_after_refresh(target.move_cursor, node)

    def _step(self, forward: bool, *, include_current: bool = False) -> None:
        found = self.matches()
        if not found:
            self.border_subtitle = plain("no match" if self.value.strip() else "")
            return
        here = self.current_row()
        if forward:
            ahead = [i for i in found if i > here or (include_current and i == here)]
            row = ahead[0] if ahead else found[0]
        else:
            behind = [i for i in found if i < here]
            row = behind[-1] if behind else found[-1]
        self.border_subtitle = plain(f"{found.index(row) + 1} of {len(found)}")
        self.go_to(row)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._step(True, include_current=True)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()

    def action_next(self) -> None:
        self._step(True)

    def action_previous(self) -> None:
        self._step(False)

    def action_close(self) -> None:
        self.target.focus()  # the bar leaves once it loses the focus

    def on_blur(self, event: events.Blur) -> None:
        """Clicking elsewhere ends the find, as Esc does (the cursor stays)."""
        if self.is_attached:
            self.remove()
