"""Plain records the store hands to screens and scripts."""

from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass(frozen=True)
class Customer:
    """An external, paying customer or segment."""

    id: int
    name: str
    segment: str = ""


@dataclass(frozen=True)
class Handoff:
    """What a group hands to one of its customers (a group or a paying customer), and how well."""

    id: int
    provider_id: int
    provider: str
    receiver: str
    receiver_group_id: int | None = None
    receiver_customer_id: int | None = None
    provides: str = ""
    needs: str = ""
    expectation: str = ""
    self_rating: int | None = None
    customer_rating: int | None = None

    @property
    def to_customer(self) -> bool:
        """True when the receiver is a paying customer rather than another group."""
        return self.receiver_customer_id is not None

    @property
    def gap(self) -> int | None:
        """Perception gap: self rating minus the receiver's rating; None until both are in."""
        if self.self_rating is None or self.customer_rating is None:
            return None
        return self.self_rating - self.customer_rating


@dataclass(frozen=True)
class GroupGap:
    """A group's perception gap over the hand-offs it provides."""

    group: Group
    average: float | None
    rated: int
    unrated: int


@dataclass
class ChainNode:
    """One node of the customer-chain tree: a customer at the root, groups below."""

    name: str
    is_customer: bool
    distance: int
    provides: str = ""
    children: list[ChainNode] = field(default_factory=list)
