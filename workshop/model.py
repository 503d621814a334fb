"""Plain records the store hands to screens and scripts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Group:
    """A group of the company and what it is for."""

    id: int
    name: str
    role: str = ""
    kind: str = "support"
    good_day: str = ""
    customer_distance: int | None = None

    @property
    def is_orphan(self) -> bool:
        """No chain of hand-offs reaches a paying customer."""
        return self.customer_distance is None


@dataclass(frozen=True)
class Info:
    """The workshop row: its title, purpose, date and the phase the room is in."""

    title: str
    purpose: str
    date: str | None
    phase: str
    schema_version: int
