"""A long Markdown document, laid out by Rich one block at a time as the blocks scroll into view.

The document is cut into top-level blocks (headings, paragraphs, lists, tables, code) by a
line scan; each block is parsed and rendered on its own, only when it is about to be shown.
Blocks not rendered yet count with an estimated height, corrected once they are rendered; a
bounded number of rendered lines is kept. Nothing is dropped: every line of the source belongs
to exactly one block, and lists nest as deep as they go (Rich's own parser stops reading a
document at 20 levels of nesting, about ten levels of list).
"""

from __future__ import annotations

import io
import re
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from itertools import accumulate

from markdown_it import MarkdownIt
from rich.console import Console
from rich.markdown import Markdown
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from screens.widgets.plain import visible

FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
HEADING = re.compile(r" {0,3}#{1,6}(\s|$)")
ITEM = re.compile(r" {0,3}([-+*]|\d{1,9}[.)])(\s|$)")
RULE = re.compile(r" {0,3}([-*_])( *\1){2,} *$")
TABLE_ROW = re.compile(r" {0,3}\|")

CHUNK_LINES = 50  # longer lists, tables and code are cut into pieces of about this many lines
KEPT_LINES = 4000  # rendered lines kept for scrolling back; the rest are rendered again
SCROLLBAR_ROOM = 2  # lines are laid out this much narrower than the view, scrollbar or not
MAX_LEVELS = 40  # a list nests at most this deep on screen (each level indents 3 columns)
MAX_NESTING = 2 * MAX_LEVELS + 10  # markdown-it's limit counts two per list level (Rich: 20)

CONTAINERS = ("bullet_list_open", "ordered_list_open", "table_open", "blockquote_open")
PARSER = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING}).enable(["strikethrough", "table"])


@dataclass(frozen=True)
class Block:
    """A piece of the document rendered on its own; `gap`: a blank line comes before it."""

    source: str
    gap: bool = True


def split_blocks(markdown: str) -> list[Block]:
    """Cut `markdown` into blocks: a fenced code block, a heading, or lines up to a blank line
    (a list goes on past blank lines while its next line is indented or another item)."""
    lines = markdown.splitlines()
    pieces: list[list[str]] = []
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        start = i
        fence = FENCE.match(lines[i])
        if fence:
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence.group(1)):
                i += 1
            i += 1
        elif HEADING.match(lines[i]) or RULE.match(lines[i]):
            i += 1
        else:
            listing = ITEM.match(lines[i]) is not None
            i += 1
            while i < len(lines):
                line = lines[i]
                if line.strip():
                    if HEADING.match(line) or FENCE.match(line):
                        break
                    i += 1
                    continue
                after = next((j for j in range(i, len(lines)) if lines[j].strip()), len(lines))
                if not (listing and after < len(lines)):
                    break
                if not (lines[after].startswith(" ") or ITEM.match(lines[after])):
                    break
                i = after
        pieces.append(lines[start:i])
    blocks: list[Block] = []
    for piece in pieces:
        gap = bool(blocks) and not RULE.match(blocks[-1].source)
        for n, chunk in enumerate(_chunks(piece)):
            blocks.append(Block("\n".join(chunk), gap=gap and n == 0))
    return blocks


def _chunks(lines: list[str]) -> list[list[str]]:
    """A long table, list or code block in pieces that render the same way; a table's pieces
    repeat its header, a list is cut only between its top-level items."""
    if len(lines) <= CHUNK_LINES * 3 // 2:
        return [lines]
    fence = FENCE.match(lines[0])
    if fence:
        closed = len(lines) > 1 and FENCE.match(lines[-1]) is not None
        body = lines[1:-1] if closed else lines[1:]
        close = lines[-1] if closed else fence.group(1)
        return [[lines[0], *body[n : n + CHUNK_LINES], close]
                for n in range(0, len(body), CHUNK_LINES)]  # fmt: skip
    if TABLE_ROW.match(lines[0]) and len(lines) > 2:
        head, rows = lines[:2], lines[2:]
        return [head + rows[n : n + CHUNK_LINES] for n in range(0, len(rows), CHUNK_LINES)]
    if ITEM.match(lines[0]):
        chunks: list[list[str]] = [[]]
        for line in lines:
            if len(chunks[-1]) >= CHUNK_LINES and ITEM.match(line) and line[:1] != " ":
                chunks.append([])
            chunks[-1].append(line)
        return chunks
    return [lines]


def estimate_height(block: Block, width: int) -> int:
    """Lines the block will probably take at `width`, before it is rendered."""
    lines = block.source.splitlines()
    if HEADING.match(lines[0]):
        height = 3 if lines[0].lstrip().startswith("# ") else 1
    elif TABLE_ROW.match(lines[0]):
        cells = [line.strip().strip("|").split("|") for line in lines]
        column = max(width // max(len(cells[0]), 1) - 3, 4)
        height = 1 + sum(max(1 + len(cell.strip()) // column for cell in row) for row in cells)
    else:
        height = sum(1 + len(line) // max(width - 6, 10) for line in lines)
    return height + block.gap


def render_block(block: Block, console: Console) -> list[Strip]:
    """The block laid out by Rich at the console's width (a control character shows as a
    symbol: it must never reach the terminal)."""
    source = visible(block.source)
    if ITEM.match(source):  # deeper levels go on at the deepest that leaves room to read
        levels = max(1, min((console.width - 40) // 3, MAX_LEVELS))
        source = re.sub(rf"^ {{{2 * levels},}}", " " * 2 * levels, source, flags=re.MULTILINE)
    markdown = Markdown("")
    markdown.parsed = PARSER.parse(source)
    lines = console.render_lines(markdown, console.options, pad=False)
    if markdown.parsed and markdown.parsed[0].type in CONTAINERS:
        lines = lines[1:]  # Rich puts a blank line before a list or a table, wherever it is
    return [Strip.blank(0)] * block.gap + [Strip(line) for line in lines]


class MarkdownView(ScrollView, can_focus=True):
    """Scrollable Markdown that renders only the blocks in view (the Line API)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.blocks: list[Block] = []
        self._heights: list[int] = []
        self._starts: list[int] = [0]
        self._rendered: OrderedDict[int, list[Strip]] = OrderedDict()
        self._width = 0
        self._layout_console = Console()

    def show(self, blocks: list[Block]) -> None:
        """Show a new document, from the block that was at the top (a first one from its top)."""
        top = min(self._index(round(self.scroll_y)), len(blocks)) if self.blocks else 0
        self.blocks = blocks
        self._reset()
        self.scroll_to(y=self._starts[top], animate=False, immediate=True)
        self._lay_out_view()

    def line(self, number: int) -> Strip:
        """Line `number` of the document (rendering its block if need be)."""
        index = bisect_right(self._starts, number) - 1
        if not 0 <= index < len(self.blocks):
            return Strip.blank(0)
        lines = self._render(index)
        offset = number - self._starts[index]
        return lines[offset] if offset < len(lines) else Strip.blank(0)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        style = self.rich_style
        return (
            self.line(scroll_y + y)
            .crop_extend(scroll_x, scroll_x + width, style)
            .apply_style(style)
        )

    def action_scroll_home(self) -> None:
        self.scroll_home(animate=False)  # an animation would lay out every block on the way

    def action_scroll_end(self) -> None:
        self.scroll_end(animate=False)

    def on_resize(self) -> None:
        if max(self.content_region.width - SCROLLBAR_ROOM, 20) == self._width:
            return
        top = self._index(round(self.scroll_y))
        self._reset()
        self.scroll_to(y=self._starts[top], animate=False, immediate=True)
        self._lay_out_view()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._lay_out_view()

    def _reset(self) -> None:
        """Forget what was rendered; estimate every block at the current width."""
        self._width = max(self.content_region.width - SCROLLBAR_ROOM, 20)
        self._layout_console = Console(width=self._width, file=io.StringIO(), force_terminal=True)
        self._rendered.clear()
        self._heights = [estimate_height(block, self._width) for block in self.blocks]
        self._update_starts(0)

    def _index(self, number: int) -> int:
        return max(0, min(bisect_right(self._starts, number) - 1, len(self.blocks) - 1))

    def _update_starts(self, index: int) -> None:
        self._starts[index:] = accumulate(self._heights[index:], initial=self._starts[index])
        self.virtual_size = Size(self._width, self._starts[-1])

    def _render(self, index: int) -> list[Strip]:
        """The block's lines, rendered now unless kept from before; corrects its height."""
        if index in self._rendered:
            self._rendered.move_to_end(index)
            return self._rendered[index]
        lines = render_block(self.blocks[index], self._layout_console)
        self._rendered[index] = lines
        while sum(map(len, self._rendered.values())) > KEPT_LINES and len(self._rendered) > 1:
            self._rendered.popitem(last=False)
        if len(lines) != self._heights[index]:
            self._heights[index] = len(lines)
            self._update_starts(index)
        return lines

    def _lay_out_view(self) -> None:
        """Render the blocks in view before they are drawn. When the block at the top changes
        height, scroll by as much so that what follows it stays put; at the end, stay there."""
        if not self.blocks or not self.size.height:
            return
        top = round(self.scroll_y)
        at_end = 0 < top >= self.max_scroll_y
        first = self._index(top)
        shift = 0
        index = first
        while index < len(self.blocks) and self._starts[index] < top + shift + self.size.height:
            if index not in self._rendered:
                before = self._heights[index]
                self._render(index)
                if index == first and self._starts[first] < top:
                    shift = self._heights[index] - before
            index += 1
        if self.app.animator.is_being_animated(self, "scroll_y"):
            self.call_after_refresh(self._lay_out_view)  # correct once it has stopped
            return
        target = self.max_scroll_y if at_end else top + shift
        if target != top:
            self.scroll_to(y=target, animate=False, immediate=True)
        self.scroll_target_y = min(self.scroll_target_y, self.max_scroll_y)  # as the end moved
