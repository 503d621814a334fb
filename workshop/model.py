"""Plain records the store hands to screens and scripts: named tuples (immutable, compared
field by field), which Python builds several times quicker than frozen dataclasses when the
module loads (20 ms of every start, with seventeen of them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class Group(NamedTuple):
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


class Info(NamedTuple):
    """The workshop row: its title, purpose, date and the phase the room is in."""

    title: str
    purpose: str
    date: str | None
    phase: str
    schema_version: int
    follows: str | None = None


class Customer(NamedTuple):
    """An external, paying customer or segment."""

    id: int
    name: str
    segment: str = ""


class Handoff(NamedTuple):
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


class GroupGap(NamedTuple):
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


class Touchpoint(NamedTuple):
    """A moment where a customer meets the company, owned by a (front-line) group."""

    id: int
    name: str
    customer_id: int | None = None
    customer: str | None = None
    owner_id: int | None = None
    owner: str | None = None
    channel: str = ""


class Contribution(NamedTuple):
    """One group's part in a touchpoint's onion: whom it helps (the next layer in) and how."""

    id: int
    touchpoint_id: int
    touchpoint: str
    group_id: int
    group: str
    supports_group_id: int | None
    supports: str | None
    what: str = ""
    effect: str = "strengthens"
    fail_point: bool = False
    layer: int | None = None

    @property
    def weakens(self) -> bool:
        """True when this link weakens the ripple toward the customer."""
        return self.effect == "weakens"


class Reach(NamedTuple):
    """Where a group's work touches the customer: a touchpoint it owns (layer 0) or feeds."""

    touchpoint: Touchpoint
    layer: int | None
    contribution: Contribution | None = None

    @property
    def owns(self) -> bool:
        return self.contribution is None


class Comment(NamedTuple):
    """A customer's words, where they were said, and the groups they are routed to."""

    id: int
    text: str
    touchpoint_id: int | None = None
    touchpoint: str | None = None
    sentiment: str = "neutral"
    date: str | None = None
    routed_ids: tuple[int, ...] = ()
    routed_to: tuple[str, ...] = ()


class Participant(NamedTuple):
    """Someone in the room: their name, their group and whether they facilitate."""

    id: int
    name: str
    group_id: int | None = None
    group: str | None = None
    facilitator: bool = False


class Proposal(NamedTuple):
    """A process or policy change a group proposes, and what it answers."""

    id: int
    title: str
    description: str = ""
    touchpoint_id: int | None = None
    touchpoint: str | None = None
    owner_id: int | None = None
    owner: str | None = None
    beneficiary_group_id: int | None = None
    beneficiary_customer_id: int | None = None
    beneficiary: str | None = None
    impact: str = "medium"
    effort: str = "medium"
    contribution_id: int | None = None
    weak_link: str | None = None
    comment_id: int | None = None
    comment: str | None = None


class VoteRound(NamedTuple):
    """A dot-voting round: its question, rules, state and the proposals it is over."""

    id: int
    question: str
    votes_per_person: int
    max_per_item: int
    hidden: bool
    state: str
    proposal_ids: tuple[int, ...] = ()
    runoff_of: int | None = None

    @property
    def shows_tallies(self) -> bool:
        """Tallies may be shown: the round is open-tallied, revealed or closed."""
        return not self.hidden or self.state != "open"

    @property
    def accepts_votes(self) -> bool:
        return self.state != "closed"


class Result(NamedTuple):
    """A proposal's place in a round: dots, distinct voters, rank and whether it is tied."""

    proposal_id: int
    proposal: str
    votes: int
    voters: int
    rank: int
    tied: bool


class Ballot(NamedTuple):
    """One participant's own dots in a round (shown only on their screen)."""

    round_id: int
    participant_id: int
    dots: dict[int, int]
    budget: int

    @property
    def used(self) -> int:
        return sum(self.dots.values())

    @property
    def left(self) -> int:
        return self.budget - self.used


class Action(NamedTuple):
    """An action plan item: one owning group, a due date, a KPI and a status."""

    id: int
    proposal_id: int | None
    proposal: str | None
    owner_id: int | None
    owner: str | None
    due: str | None
    kpi: str = ""
    status: str = "planned"
    notes: str = ""
    previous_status: str | None = None

    @property
    def carried(self) -> bool:
        """Carried over from the previous workshop for review."""
        return self.previous_status is not None

    @property
    def moved(self) -> bool:
        return self.carried and self.previous_status != self.status
