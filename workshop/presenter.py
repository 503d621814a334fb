"""What the projector shows for each phase: public facts only. No hidden tally, no one's own
dots, no names of who typed what; just what the whole room may see."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .vocabulary import PHASES, plural
from .voting import places

if TYPE_CHECKING:
    from .room import Readiness, Timer
    from .store import Workshop

MAX_LINES = 12


@dataclass(frozen=True)
class Line:
    """One line of the board: the text and a short figure or mark at its right."""

    text: str
    mark: str = ""
    strong: bool = False


@dataclass(frozen=True)
class Board:
    """The presenter view of one moment."""

    title: str
    phase: str
    number: int
    prompt: str
    lines: list[Line] = field(default_factory=list)
    more: int = 0
    timer: Timer | None = None
    readiness: Readiness | None = None
    join_code: str = ""

    @property
    def of(self) -> str:
        return f"Phase {self.number} of {len(PHASES)}"


def board(ws: Workshop, limit: int = MAX_LINES) -> Board:
    """The board for the room's current phase, with at most `limit` lines."""
    info = ws.info()
    prompt, lines = _PHASES[info.phase](ws)
    limit = max(1, limit)
    return Board(
        title=info.title,
        phase=info.phase,
        number=PHASES.index(info.phase) + 1,
        prompt=prompt,
        lines=lines[:limit],
        more=max(0, len(lines) - limit),
        timer=ws.timer(),
        readiness=ws.readiness(),
        join_code=ws.join_code(),
    )


def _review(ws: Workshop) -> tuple[str, list[Line]]:
    carried = [a for a in ws.actions() if a.carried]
    lines = [
        Line(a.proposal or a.kpi or "(an action)", f"{a.owner or '—'} · {a.status}",
             strong=a.previous_status is not None and a.previous_status != a.status)
        for a in carried
    ]  # fmt: skip
    return "Did last time's actions move?", lines


def _groups(ws: Workshop) -> tuple[str, list[Line]]:
    lines = [
        Line(g.name, "✖ not connected" if g.is_orphan else
             f"{plural(g.customer_distance, 'step')} to a customer",
             strong=g.is_orphan)
        for g in ws.groups()
    ]  # fmt: skip
    return "Who is your customer? Every group serves someone who serves the payer.", lines


def _handoffs(ws: Workshop) -> tuple[str, list[Line]]:
    rated = [h for h in ws.perception_gaps() if h.gap is not None]
    lines = [
        Line(f"{h.provider} → {h.receiver}", f"gap {h.gap:+d}", strong=abs(h.gap or 0) >= 3)
        for h in rated
    ]
    return "Largest perception gaps: how we rate ourselves minus how our customer rates us.", lines


def _onion(ws: Workshop) -> tuple[str, list[Line]]:
    onions = ws.onions()
    lines = []
    for t in ws.touchpoints():
        layers = onions.get(t.id, [])
        weak = sum(c.weakens for c in layers)
        fails = sum(c.fail_point for c in layers)
        marks = [plural(len(layers), "layer")]
        if weak:
            marks.append(f"✖ {weak} weak")
        if fails:
            marks.append(f"⚠ {plural(fails, 'fail point')}")
        lines.append(Line(t.name, " · ".join(marks), strong=bool(weak or fails)))
    return "Which groups, layer by layer, make each touchpoint succeed or fail?", lines


def _comments(ws: Workshop) -> tuple[str, list[Line]]:
    counts: dict[str, Counter[str]] = {}
    for c in ws.comments():
        for group in c.routed_to or ("(not routed yet)",):
            counts.setdefault(group, Counter())[c.sentiment] += 1
    lines = [
        Line(group, f"{sum(n.values())} · +{n['positive']} / −{n['negative']}",
             strong=n["negative"] > n["positive"])
        for group, n in sorted(counts.items(), key=lambda i: -sum(i[1].values()))
    ]  # fmt: skip
    return "What customers said, routed to the groups it concerns.", lines


def _proposals(ws: Workshop) -> tuple[str, list[Line]]:
    lines = [Line(p.title, f"impact {p.impact} · effort {p.effort}") for p in ws.proposals()]
    return "What will we change? One proposal per process or policy.", lines


def _vote(ws: Workshop) -> tuple[str, list[Line]]:
    current = ws.current_round()
    if current is None:
        return "The vote opens soon.", []
    if not current.shows_tallies:
        voted = ws.voter_count(current.id)
        return (
            f"{current.question} — votes are hidden until the facilitator reveals them.",
            [Line(ws.proposal(pid).title) for pid in current.proposal_ids]
            + [Line(f"{voted} {'person has' if voted == 1 else 'people have'} voted so far.",
                    strong=True)],
        )  # fmt: skip
    state = "closed" if current.state == "closed" else "revealed"
    results = ws.results(current.id)
    place = places(results)
    lines = [
        Line(f"{place[r.proposal_id]}. {r.proposal}", f"{'●' * min(r.votes, 12)} {r.votes}"
             + (" · tie" if r.tied else ""), strong=place[r.proposal_id] in ("1", "=1"))
        for r in results
    ]  # fmt: skip
    return f"{current.question} ({state})", lines


def _actions(ws: Workshop) -> tuple[str, list[Line]]:
    lines = [
        Line(a.proposal or a.kpi or "(an action)", f"{a.owner or '—'} · due {a.due or '—'}")
        for a in ws.actions()
    ]
    return "Who does what by when, and how will we know?", lines


def _summary(ws: Workshop) -> tuple[str, list[Line]]:
    groups = ws.groups()
    orphans = sum(g.is_orphan for g in groups)
    lines = [
        Line("Groups", str(len(groups))),
        Line("Not connected to a customer", str(orphans), strong=bool(orphans)),
        Line("Touchpoints", str(len(ws.touchpoints()))),
        Line("Customer comments", str(len(ws.comments()))),
        Line("Proposals", str(len(ws.proposals()))),
        Line("Action plans", str(len(ws.actions()))),
    ]
    return "What we found and what we will do.", lines


_PHASES = {
    "review": _review,
    "groups & roles": _groups,
    "customers & hand-offs": _handoffs,
    "touchpoint onion": _onion,
    "customer comments": _comments,
    "proposals": _proposals,
    "vote": _vote,
    "action plans": _actions,
    "summary": _summary,
}
