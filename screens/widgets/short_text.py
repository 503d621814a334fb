"""Typed text shortened to fit a table cell or a one-line label."""

from __future__ import annotations


def cut(text: str, width: int) -> str:
    """One line of at most `width` characters, with an ellipsis when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
