"""What a participant sees, phase by phase, as plain data built from the `workshop` API.

No aiohttp and no Jinja here: `snapshot(ws)` reads the room once per change (what everybody may
see: the header, the phase's question and its public content, and the choices its forms
offer); `me_view` and `work_view` add what is one participant's own (their group, whether they
are done, their dots). `board(ws, phase)` is the public content of any phase, for looking back.

Only public facts reach these dicts: a hidden round's tallies are never read (the store's
`results` refuses them anyway), nobody's dots but the viewer's own, nothing of who typed what.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workshop.model import Ballot, Group, Participant, VoteRound
from workshop.vocabulary import EFFECTS, LEVELS, PHASES, SENTIMENTS, plural
from workshop.voting import places

if TYPE_CHECKING:
    from workshop import Workshop
    from workshop.room import Timer

# The question each phase asks the room (as a participant reads it).
QUESTIONS = {
    "review": "Did last time's actions move? Read each one's status before we plan anew.",
    "groups & roles": "Who is your customer? Say what your group does, and for whom: every "
    "group serves the paying customer or someone who does.",
    "customers & hand-offs": "What does your group hand to whom, what matters to them, and "
    "how well do you deliver it? Rate yourself; your customers rate you.",
    "touchpoint onion": "Where the customer meets us: which groups, layer by layer, make each "
    "moment succeed or fail?",
    "customer comments": "What did customers say? Add their words; they are routed to the "
    "groups they concern.",
    "proposals": "What will we change? One proposal per process or policy.",
    "vote": "Which changes first? Place your dots on the proposals.",
    "action plans": "Who does what by when, and how will we know?",
    "summary": "What we found and what we will do.",
}

# The records a participant adds and edits in each phase: (table, what a refusal calls one).
EDITABLE = {
    "customers & hand-offs": ("handoffs", "hand-off"),
    "touchpoint onion": ("contributions", "layer"),
    "customer comments": ("comments", "comment"),
    "proposals": ("proposals", "proposal"),
}
EDIT_TABLES = {table: what for table, what in EDITABLE.values()}
# The template of each phase's board and work partials (templates/board/, templates/work/).
SLUGS = {"review": "review", "groups & roles": "groups", "customers & hand-offs": "handoffs",
         "touchpoint onion": "onion", "customer comments": "comments", "proposals": "proposals",
         "vote": "vote", "action plans": "actions", "summary": "summary"}  # fmt: skip
STATE_WORDS = {"open": "open", "revealed": "open, tallies revealed", "closed": "closed"}
RATINGS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Snapshot:
    """The room at one moment, as every participant may see it."""

    title: str
    phase: str
    number: int
    timer: dict[str, Any] | None
    readiness: dict[str, int]
    groups: list[Group]
    board: dict[str, Any]
    choices: dict[str, Any] = field(default_factory=dict)
    round: VoteRound | None = None
    locked: bool = False


def phase_number(phase: str) -> int:
    return PHASES.index(phase) + 1


def timer_view(timer: Timer | None) -> dict[str, Any] | None:
    """The phase timer as the page counts it down: its end (epoch seconds) and length; the
    clock time it ends at, for a page without script."""
    if timer is None:
        return None
    return {
        "ends_at": round(timer.ends_at, 3),
        "seconds": timer.seconds,
        "lock": timer.lock,
        "ended": timer.ended,
        "ends_clock": time.strftime("%H:%M:%S", time.localtime(timer.ends_at)),
    }


def distance_text(group: Group) -> str:
    if group.customer_distance is None:
        return "✖ not connected to a customer"
    return f"{plural(group.customer_distance, 'step')} to a customer"


def snapshot(ws: Workshop) -> Snapshot:
    """Everything public the room shows now, read once (one change of the file, one read)."""
    info = ws.info()
    timer = ws.timer()
    ready = ws.readiness()
    groups = ws.groups()
    board_data = board(ws, info.phase, groups=groups, current=True)
    choices: dict[str, Any] = {}
    if info.phase in ("touchpoint onion", "customer comments", "proposals"):
        choices["touchpoints"] = board_data.get("touchpoints") or [
            {"id": t.id, "name": t.name} for t in ws.touchpoints()
        ]
    if info.phase == "customers & hand-offs":
        choices["receivers"] = [g.name for g in groups] + [c.name for c in ws.customers()]
    return Snapshot(
        title=info.title,
        phase=info.phase,
        number=phase_number(info.phase),
        timer=timer_view(timer),
        readiness={"ready": ready.ready, "total": ready.total},
        groups=groups,
        board=board_data,
        choices=choices,
        round=ws.current_round() if info.phase == "vote" else None,
        locked=bool(timer and timer.locked),
    )


def header_view(shot: Snapshot) -> dict[str, Any]:
    return {
        "title": shot.title,
        "phase": shot.phase,
        "number": shot.number,
        "count": len(PHASES),
        "timer": shot.timer,
        "readiness": shot.readiness,
    }


def phases_view(current: str, shown: str | None = None) -> list[dict[str, Any]]:
    """The phase list: earlier phases can be looked back at, later ones not yet."""
    now = PHASES.index(current)
    return [
        {
            "name": name,
            "number": n + 1,
            "state": "current" if n == now else ("earlier" if n < now else "later"),
            "shown": name == (shown or current),
        }
        for n, name in enumerate(PHASES)
    ]


def may_look_back(current: str, phase: str) -> bool:
    """A participant looks back at earlier phases only (read only there)."""
    return phase in PHASES and PHASES.index(phase) < PHASES.index(current)


# -- the public content of each phase -----------------------------------------------------


def board(
    ws: Workshop, phase: str, *, groups: list[Group] | None = None, current: bool = False
) -> dict[str, Any]:
    """The question and public content of `phase` (`current`: the room's phase, whose records
    may be opened for editing)."""
    data: dict[str, Any] = {
        "phase": phase,
        "slug": SLUGS[phase],
        "question": QUESTIONS[phase],
        "current": current,
    }
    data.update(_BOARDS[phase](ws, groups if groups is not None else ws.groups()))
    data.pop("round_record", None)
    return data


def _review(ws: Workshop, groups: list[Group]) -> dict[str, Any]:
    carried = [a for a in ws.actions() if a.carried]
    return {"actions": [_action(a) for a in carried]}


def _action(a: Any) -> dict[str, Any]:
    return {
        "id": a.id,
        "proposal": a.proposal or "",
        "owner": a.owner or "",
        "owner_id": a.owner_id,
        "due": a.due or "",
        "kpi": a.kpi,
        "status": a.status,
        "previous_status": a.previous_status,
        "notes": a.notes,
    }


def _groups(ws: Workshop, groups: list[Group]) -> dict[str, Any]:
    return {
        "groups": [
            {
                "id": g.id,
                "name": g.name,
                "kind": g.kind,
                "role": g.role,
                "good_day": g.good_day,
                "distance": distance_text(g),
                "orphan": g.is_orphan,
            }
            for g in groups
        ]
    }


def _handoff(h: Any) -> dict[str, Any]:
    return {
        "id": h.id,
        "provider_id": h.provider_id,
        "provider": h.provider,
        "receiver": h.receiver,
        "receiver_group_id": h.receiver_group_id,
        "to_customer": h.to_customer,
        "provides": h.provides,
        "needs": h.needs,
        "expectation": h.expectation,
        "self_rating": h.self_rating,
        "customer_rating": h.customer_rating,
        "gap": h.gap,
    }


def _handoffs(ws: Workshop, groups: list[Group]) -> dict[str, Any]:
    return {
        "customers": [{"name": c.name, "segment": c.segment} for c in ws.customers()],
        "handoffs": [_handoff(h) for h in ws.handoffs()],
    }


def _layer(c: Any) -> dict[str, Any]:
    return {
        "id": c.id,
        "touchpoint_id": c.touchpoint_id,
        "group_id": c.group_id,
        "group": c.group,
        "supports": c.supports or "",
        "supports_group_id": c.supports_group_id,
        "layer": c.layer,
        "what": c.what,
        "effect": c.effect,
        "fail_point": c.fail_point,
    }


def _onion(ws: Workshop, groups: list[Group]) -> dict[str, Any]:
    onions = ws.onions()
    return {
        "touchpoints": [
            {
                "id": t.id,
                "name": t.name,
                "customer": t.customer or "",
                "owner": t.owner or "",
                "owner_id": t.owner_id,
                "channel": t.channel,
                "layers": [_layer(c) for c in onions.get(t.id, [])],
            }
            for t in ws.touchpoints()
        ]
    }


def _comments(ws: Workshop, groups: list[Group]) -> dict[str, Any]:
    return {
        "comments": [
            {
                "id": c.id,
                "text": c.text,
                "touchpoint": c.touchpoint or "",
                "touchpoint_id": c.touchpoint_id,
                "sentiment": c.sentiment,
                "date": c.date or "",
                "routed_to": list(c.routed_to),
            }
            for c in ws.comments()
        ]
    }


def _proposal(p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "description": p.description,
        "touchpoint": p.touchpoint or "",
        "touchpoint_id": p.touchpoint_id,
        "owner": p.owner or "",
        "owner_id": p.owner_id,
        "beneficiary": p.beneficiary or "",
        "impact": p.impact,
        "effort": p.effort,
    }


def _proposals(ws: Workshop, groups: list[Group]) -> dict[str, Any]:
    return {"proposals": [_proposal(p) for p in ws.proposals()]}


def _vote(ws: Workshop, groups: list[Group]) -> dict[str, Any]:
    """The current round: its rules and proposals; tallies only once the round shows them."""
    current = ws.current_round()
    if current is None:
        return {"round": None, "round_record": None}
    titles = {p.id: p.title for p in ws.proposals()}
    shows = current.shows_tallies
    rows: list[dict[str, Any]] = [
        {"id": pid, "title": titles[pid]} for pid in current.proposal_ids if pid in titles
    ]
    if shows:  # revealed or closed: the ranked results are public
        results = ws.results(current.id)
        place = places(results)
        rows = [
            {"id": r.proposal_id, "title": r.proposal, "votes": r.votes, "voters": r.voters,
             "rank": r.rank, "place": place[r.proposal_id], "tied": r.tied}
            for r in results
        ]  # fmt: skip
    voters = ws.voter_count(current.id)
    return {
        "round": {
            "id": current.id,
            "question": current.question,
            "state": current.state,
            "state_words": STATE_WORDS.get(current.state, current.state),
            "votes_per_person": current.votes_per_person,
            "max_per_item": current.max_per_item,
            "shows_tallies": shows,
            "voters": voters,
            "voters_text": f"{voters} {'person has' if voters == 1 else 'people have'} voted",
            "proposals": rows,
        },
        "round_record": current,
    }


def _actions(ws: Workshop, groups: list[Group]) -> dict[str, Any]:
    return {"actions": [_action(a) for a in ws.actions()]}


def _summary(ws: Workshop, groups: list[Group]) -> dict[str, Any]:
    orphans = [g.name for g in groups if g.is_orphan]
    results = []
    for r in ws.rounds():
        if r.shows_tallies:
            ranked = ws.results(r.id)
            place = places(ranked)
            results.append(
                {"question": r.question, "state": STATE_WORDS.get(r.state, r.state),
                 "top": [{"rank": x.rank, "place": place[x.proposal_id], "title": x.proposal,
                          "votes": x.votes, "tied": x.tied} for x in ranked[:5]]}
            )  # fmt: skip
    return {
        "figures": [
            ("Groups", len(groups)),
            ("Not connected to a customer", len(orphans)),
            ("Touchpoints", len(ws.touchpoints())),
            ("Customer comments", len(ws.comments())),
            ("Proposals", len(ws.proposals())),
            ("Action plans", len(ws.actions())),
        ],
        "orphans": orphans,
        "results": results,
        "actions": [_action(a) for a in ws.actions()],
    }


_BOARDS = {
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


# -- one participant's own part ------------------------------------------------------------


def me_view(shot: Snapshot, me: Participant, ready: bool) -> dict[str, Any]:
    """Who they are, their group (and the groups to choose from), whether they are done."""
    return {
        "name": me.name,
        "group_id": me.group_id,
        "group": me.group or "",
        "group_options": [(g.id, g.name) for g in shot.groups],
        "ready": ready,
        "phase": shot.phase,
    }


def me_key(me: Participant, ready: bool) -> tuple[Any, ...]:
    """What `me_view` depends on besides the snapshot (participants alike share a render)."""
    return (me.name, me.group_id, me.group, ready)


def ballot_view(shot: Snapshot, ballot: Ballot | None) -> dict[str, Any] | None:
    """The viewer's own dots in the current round: the budget left and each proposal's dots."""
    current = shot.round
    round_view = shot.board.get("round")
    if current is None or round_view is None or ballot is None:
        return None
    titles = {row["id"]: row["title"] for row in round_view["proposals"]}
    return {
        "round_id": current.id,
        "question": current.question,
        "open": current.accepts_votes,
        "budget": ballot.budget,
        "used": ballot.used,
        "left": max(ballot.left, 0),
        "max_per_item": current.max_per_item,
        "proposals": [
            {"id": pid, "title": titles[pid], "mine": ballot.dots.get(pid, 0)}
            for pid in current.proposal_ids
            if pid in titles
        ],
    }


def work_key(me: Participant, ballot: Ballot | None) -> tuple[Any, ...]:
    """What `work_view` depends on besides the snapshot."""
    dots = tuple(sorted(ballot.dots.items())) if ballot is not None else None
    return (me.group_id, me.group, dots, ballot.budget if ballot else None)


def _owned(record: dict[str, Any], columns: tuple[str, ...], group_id: int | None) -> bool:
    return group_id is not None and any(record.get(c) == group_id for c in columns)


def work_view(shot: Snapshot, me: Participant, ballot: Ballot | None) -> dict[str, Any]:
    """What the participant can do in the room's phase: the forms, and their group's records
    of the phase with a link to edit each (the store decides, on opening and on saving)."""
    group_id = me.group_id
    data: dict[str, Any] = {
        "phase": shot.phase,
        "slug": SLUGS[shot.phase],
        "group_id": group_id,
        "group": me.group or "",
        "locked": shot.locked,
        "choices": shot.choices,
        "levels": LEVELS,
        "effects": EFFECTS,
        "sentiments": SENTIMENTS,
        "ratings": RATINGS,
    }
    board_data = shot.board
    if shot.phase == "groups & roles" and group_id is not None:
        mine = next((g for g in shot.groups if g.id == group_id), None)
        data["my_group"] = (
            {"id": mine.id, "name": mine.name, "role": mine.role, "good_day": mine.good_day}
            if mine
            else None
        )
    elif shot.phase == "customers & hand-offs":
        data["mine"] = [
            h for h in board_data["handoffs"]
            if _owned(h, ("provider_id", "receiver_group_id"), group_id)
        ]  # fmt: skip
        data["receivers"] = [n for n in shot.choices.get("receivers", []) if n != me.group]
    elif shot.phase == "touchpoint onion":
        mine, open_points = [], []
        for point in board_data["touchpoints"]:
            layers = point["layers"]
            mine += [dict(c, touchpoint=point["name"]) for c in layers if c["group_id"] == group_id]
            taken = group_id is not None and (
                point["owner_id"] == group_id or any(c["group_id"] == group_id for c in layers)
            )
            if not taken:
                open_points.append({"id": point["id"], "name": point["name"]})
        data["mine"] = mine
        data["open_points"] = open_points
        data["supporters"] = [{"id": g.id, "name": g.name} for g in shot.groups
                              if g.id != group_id]  # fmt: skip
    elif shot.phase == "proposals":
        data["mine"] = [p for p in board_data["proposals"] if _owned(p, ("owner_id",), group_id)]
    elif shot.phase == "vote":
        data["ballot"] = ballot_view(shot, ballot)
    elif shot.phase in ("review", "action plans"):
        data["mine"] = [
            a for a in board_data.get("actions", []) if _owned(a, ("owner_id",), group_id)
        ]
    return data


# -- editing one record ---------------------------------------------------------------------


def edit_view(ws: Workshop, table: str, record_id: int) -> dict[str, Any]:
    """A record of the room's phase as its edit form shows it (the caller has asked the store,
    acting as the participant, whether they may edit it)."""
    info = ws.info()
    data: dict[str, Any] = {
        "table": table,
        "what": EDIT_TABLES[table],
        "heading": f"Edit the {EDIT_TABLES[table]}",
        "error": "",
        "typed": [],
        "id": record_id,
        "levels": LEVELS,
        "effects": EFFECTS,
        "sentiments": SENTIMENTS,
        "ratings": RATINGS,
        "phase": info.phase,
    }
    if table == "handoffs":
        data["record"] = _handoff(ws.handoff(record_id))
        receivers = [g.name for g in ws.groups()] + [c.name for c in ws.customers()]
        data["receivers"] = [n for n in receivers if n != data["record"]["provider"]]
    elif table == "contributions":
        found = ws.contribution(record_id)
        data["record"] = dict(_layer(found), touchpoint=found.touchpoint)
        data["supports"] = [
            ("", f"{name} (the touchpoint's owner)") if gid is None
            else (gid, f"{name} (layer {layer})")
            for gid, name, layer in ws.support_choices(found.touchpoint_id, found.group_id)
        ]  # fmt: skip
    elif table == "comments":
        found = ws.comment(record_id)
        data["record"] = {
            "id": found.id,
            "text": found.text,
            "sentiment": found.sentiment,
            "date": found.date or "",
            "touchpoint_id": found.touchpoint_id,
        }
        data["touchpoints"] = [{"id": t.id, "name": t.name} for t in ws.touchpoints()]
    elif table == "proposals":
        data["record"] = _proposal(ws.proposal(record_id))
        data["touchpoints"] = [{"id": t.id, "name": t.name} for t in ws.touchpoints()]
    return data


# -- a refused form, again as it was typed ----------------------------------------------------

# The record routes whose refused form (posted without script) comes back as typed: the
# template of edit/ that shows it, and the heading of a new record's.
KEPT_ROUTES = {
    "/handoff": ("handoffs", "Add a hand-off"),
    "/contribution": ("contributions", "Add your group's layer"),
    "/comment": ("comments", "Add a customer's comment"),
    "/proposal": ("proposals", "Propose a change"),
    "/group-role": ("groups", "Your group's role"),
}
# Their fields of free text, with the labels of their forms (shown to copy when the form
# itself cannot be shown again).
TYPED = {
    "/handoff": (("provides", "What we provide"), ("needs", "What matters most to them"),
                 ("expectation", "The agreed expectation")),
    "/contribution": (("what", "What we do for them"),),
    "/comment": (("text", "What the customer said"),),
    "/proposal": (("title", "Title"), ("description", "What would change, and why")),
    "/group-role": (("role", "What the group does, and for whom"),
                    ("good_day", "A good day for our customers looks like…")),
}  # fmt: skip


def _number(value: str) -> int | None:
    """A posted record number ("" or malformed: None)."""
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def kept_view(
    ws: Workshop, me: Participant | None, route: str, form: dict[str, str], error: str
) -> dict[str, Any]:
    """The record form posted to `route` and refused with `error`, again: the data of the
    edit page with what was typed (`form`) in its fields, for a new record or an existing
    one. ValueError (or the store's WorkshopError) when it cannot be shown: an id that is no
    number, a record gone; `copy_view` then shows what was typed."""
    table, new_heading = KEPT_ROUTES[route]
    typed = form.get
    record_id = _number(typed("id", ""))
    if record_id is None and typed("id", "").strip():
        raise ValueError("The record's number is malformed.")
    what = EDIT_TABLES.get(table, "role")
    data: dict[str, Any] = {
        "table": table,
        "what": what,
        "heading": f"Edit the {what}" if record_id is not None else new_heading,
        "error": error,
        "typed": [],
        "id": record_id,
        "levels": LEVELS,
        "effects": EFFECTS,
        "sentiments": SENTIMENTS,
        "ratings": RATINGS,
        "phase": ws.info().phase,
    }
    group = me.group if me is not None and me.group else ""
    if table == "handoffs":
        stored = _handoff(ws.handoff(record_id)) if record_id is not None else None
        provider = stored["provider"] if stored else group or "Your group"
        data["record"] = {
            "id": record_id,
            "provider": provider,
            "receiver": typed("to", "").strip() or (stored["receiver"] if stored else ""),
            "provides": typed("provides", ""),
            "needs": typed("needs", ""),
            "expectation": typed("expectation", ""),
            "self_rating": _number(typed("self_rating", "")),
            "customer_rating": _number(typed("customer_rating", "")),
        }
        receivers = [g.name for g in ws.groups()] + [c.name for c in ws.customers()]
        data["receivers"] = [n for n in receivers if n != provider]
    elif table == "contributions":
        if record_id is not None:
            found = ws.contribution(record_id)
            touchpoint_id, touchpoint = found.touchpoint_id, found.touchpoint
            group_id, group = found.group_id, found.group
        else:
            touchpoint_id = _number(typed("touchpoint_id", ""))
            group_id = me.group_id if me is not None else None
            if touchpoint_id is None or group_id is None:
                raise ValueError("A new layer needs a touchpoint and a group.")
            touchpoint = ws.touchpoint(touchpoint_id).name
        supports = _number(typed("supports_group_id", ""))
        data["record"] = {
            "id": record_id,
            "group": group,
            "touchpoint": touchpoint,
            "touchpoint_id": touchpoint_id,
            "supports_group_id": "" if supports is None else supports,
            "what": typed("what", ""),
            "effect": typed("effect", "") or "strengthens",
            "fail_point": typed("fail_point", "") in ("1", "on", "yes", "true"),
        }
        data["supports"] = [
            ("", f"{name} (the touchpoint's owner)") if gid is None
            else (gid, f"{name} (layer {layer})")
            for gid, name, layer in ws.support_choices(touchpoint_id, group_id)
        ]  # fmt: skip
    elif table == "comments":
        data["record"] = {
            "id": record_id,
            "text": typed("text", ""),
            "sentiment": typed("sentiment", "") or "neutral",
            "date": typed("date", "").strip(),
            "touchpoint_id": typed("touchpoint_id", "").strip(),
        }
        data["touchpoints"] = [{"id": t.id, "name": t.name} for t in ws.touchpoints()]
    elif table == "proposals":
        data["record"] = {
            "id": record_id,
            "title": typed("title", ""),
            "description": typed("description", ""),
            "touchpoint_id": typed("touchpoint_id", "").strip(),
            "impact": typed("impact", "") or "medium",
            "effort": typed("effort", "") or "medium",
        }
        data["touchpoints"] = [{"id": t.id, "name": t.name} for t in ws.touchpoints()]
    else:  # the group's role
        data["record"] = {
            "group": group or "your group",
            "role": typed("role", ""),
            "good_day": typed("good_day", ""),
        }
    return data


def copy_view(route: str, form: dict[str, str], error: str) -> dict[str, Any]:
    """A refused form that cannot be shown again (see `kept_view`): what was typed in its
    text fields, to copy, under the refusal."""
    table, heading = KEPT_ROUTES[route]
    if form.get("id") and table in EDIT_TABLES:
        heading = f"Edit the {EDIT_TABLES[table]}"
    return {
        "table": "",
        "what": EDIT_TABLES.get(table, "role"),
        "heading": heading,
        "error": error,
        "typed": [(label, form[name]) for name, label in TYPED[route] if form.get(name)],
        "id": None,
    }
