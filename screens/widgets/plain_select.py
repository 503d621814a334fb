"""Kept for the modules that import PlainSelect from here; it lives in screens.widgets.plain."""

from __future__ import annotations

from screens.widgets.plain import PlainSelect, plain_options

plain = plain_options

__all__ = ["PlainSelect", "plain"]
