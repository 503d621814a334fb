"""A Select whose option labels show exactly what was typed (Select would read a plain string
as markup, so a name with "[b]" lost its brackets and one with "[/]" crashed the app)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.widgets import Select


def plain(options: Iterable[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Options with string labels turned into plain (unparsed) text."""
    return [(Text(label) if isinstance(label, str) else label, value) for label, value in options]


class PlainSelect(Select):
    """Select that never reads its option labels as markup."""

    def __init__(self, options: Iterable[tuple[Any, Any]], **kwargs: Any) -> None:
        super().__init__(plain(options), **kwargs)

    def set_options(self, options: Iterable[tuple[Any, Any]]) -> None:
        super().set_options(plain(options))
