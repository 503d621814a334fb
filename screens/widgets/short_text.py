"""Typed text shortened to fit a table cell or a one-line label: cut at a word, with an ellipsis."""

from __future__ import annotations

import io
from functools import cache

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

ELLIPSIS = "…"
WORD_CUT_AT = 0.3  # a cut goes back to a word boundary unless that loses most of the room


def cut(text: str, width: int) -> str:
    """One line of at most `width` characters, cut at a word with an ellipsis when too long."""
    flat = " ".join(text[: width * 4 + 8].split())
    if len(flat) <= width:
        return flat
    room = max(width - 1, 0)
    head = flat[:room]
    if flat[room : room + 1] != " ":  # the cut falls inside a word: go back to its start
        space = head.rfind(" ")
        if space >= room * WORD_CUT_AT:
            head = head[:space]
    return head.rstrip() + ELLIPSIS


@cache
def _console() -> Console:
    """A console for wrapping text only (never printed to)."""
    return Console(file=io.StringIO(), width=1000, color_system=None, legacy_windows=False)


def fit(content: str | Text, width: int, lines: int = 1) -> Text:
    """`content` in at most `lines` lines of `width` cells, wrapped at words; cut with an
    ellipsis at a word boundary when it does not all fit. A str's whitespace (line breaks
    too) is flattened; a Text keeps its styles."""
    width = max(width, 1)
    lines = max(lines, 1)
    budget = width * lines * 2 + 8  # more than ever fits: a 100 KB text is not wrapped whole
    if isinstance(content, str):
        text = Text(" ".join(content[:budget].split()))
    else:
        text = content[:budget] if len(content) > budget else content.copy()
        if "\n" in text.plain:
            text = Text(" ", style=text.style).join(text.split("\n"))
    if text.cell_len <= width:
        return text
    wrapped = text.wrap(_console(), width, overflow="fold")
    kept = [line.copy() for line in wrapped[:lines]]
    for line in kept:
        line.rstrip()
    held = sum(len("".join(line.plain.split())) for line in kept)
    if len(wrapped) > lines or held < len("".join(text.plain.split())):
        kept[-1] = _with_ellipsis(kept[-1], width)
    return Text("\n").join(kept)


def _with_ellipsis(line: Text, width: int) -> Text:
    """The line ending in an ellipsis within `width` cells, after its last whole word where
    that is not too far back."""
    if line.cell_len + 1 <= width:
        line.append(ELLIPSIS)
        return line
    plain = line.plain
    space = plain.rfind(" ")
    while space > 0 and cell_len(plain[:space]) + 1 > width:
        space = plain.rfind(" ", 0, space)
    if space > 0 and cell_len(plain[:space]) >= (width - 1) * WORD_CUT_AT:
        shown = line[:space]
        shown.rstrip()
        shown.append(ELLIPSIS)
        return shown
    line.truncate(width - 1)
    line.append(ELLIPSIS)
    return line
