"""A multi-line field for a paragraph (a role, a comment, a proposal's description): it wraps
words, Enter makes a new line, Tab moves on to the next field.

A TextArea never reads markup in what it holds, but it hands control characters (ESC among
them, say from a paste) to the terminal as they are: this one shows them as the visible
symbols `screens.widgets.plain.PlainInput` shows (␛, ␇, …), keeping the text itself as typed
(the store refuses control characters with a message naming the field).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.content import Content
from textual.widgets import TextArea

from screens.widgets.plain import PICTURES, visible


class PlainTextArea(TextArea):
    """A word-wrapping, multi-line field for typed text, a few lines high, with no line
    numbers. `value` is its text, as an Input's `value` is (for the forms' drafts)."""

    DEFAULT_CSS = """
    PlainTextArea {
        height: auto;
        min-height: 5;
        max-height: 9;
    }
    """

    def __init__(self, text: str = "", *, placeholder: str = "", **options: Any) -> None:
        options.setdefault("soft_wrap", True)
        options.setdefault("tab_behavior", "focus")
        options.setdefault("show_line_numbers", False)
        options.setdefault("highlight_cursor_line", False)
        # TextArea reads a str placeholder as markup: hand it over as plain Content.
        super().__init__(text, placeholder=Content(visible(placeholder)), **options)

    def on_mount(self) -> None:
        self.move_cursor(self.document.end)  # what is typed first follows what is there

    @property
    def value(self) -> str:
        """The text as typed."""
        return self.text

    @value.setter
    def value(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)

    def get_line(self, line_index: int) -> Text:
        """The line as drawn: control characters as symbols, one character each (so that the
        cursor and selection styles keep their offsets)."""
        line = self.document.get_line(line_index)
        if not line.isprintable():
            # Built here: Rich's Text would drop a bell or a backspace, moving what follows.
            line = line.translate(PICTURES)
        return Text(line, end="", no_wrap=True)
