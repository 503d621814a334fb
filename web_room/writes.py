"""What each form post does, through the `workshop` API alone (no aiohttp here).

Every function takes the server's workshop connection, already acting as the participant
(`act_as_participant`, with their name as the actor), the participant, and the posted fields
(strings); it returns the sentence to show on success. The store enforces the room's rules and
raises WorkshopError (VoteRejected, PlanError, NotFound…) with its own message; a field that
is not even of the right shape (an id that is not a number) raises BadForm.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from workshop.model import Participant
from workshop.vocabulary import plural

if TYPE_CHECKING:
    from workshop import Workshop

Form = Mapping[str, str]


class BadForm(ValueError):
    """A posted field that no page of this server sends (a bad request, not a refusal)."""


def _id(form: Form, name: str, *, optional: bool = False) -> int | None:
    """The integer id in field `name` ("" or absent: None when `optional`)."""
    value = form.get(name, "").strip()
    if not value and optional:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise BadForm(f"The field “{name}” must be a record's number.")
    return int(value)


def _text(form: Form, name: str) -> str:
    return form.get(name, "")


def _need_group(me: Participant, doing: str) -> int:
    if me.group_id is None:
        raise BadForm(f"Choose your group first: {doing}.")
    return me.group_id


def choose_group(ws: Workshop, me: Participant, form: Form) -> str:
    group_id = _id(form, "group_id", optional=True)
    ws.set_participant_group(me.id, group_id)
    if group_id is None:
        return "You are in no group now."
    return f"You are in {ws.group(group_id).name} now."


def ready(ws: Workshop, me: Participant, form: Form) -> str:
    value = form.get("ready", "1").strip()
    if value not in ("0", "1"):
        raise BadForm("The field “ready” must be 1 (done) or 0 (not yet).")
    ws.set_ready(me.id, value == "1")
    phase = ws.info().phase
    return f"Marked done with {phase}." if value == "1" else f"Marked not done yet with {phase}."


def vote(ws: Workshop, me: Participant, form: Form) -> str:
    round_id = _id(form, "round_id")
    proposal_id = _id(form, "proposal_id")
    change = form.get("change", "add").strip()
    assert round_id is not None and proposal_id is not None
    if change == "add":
        ws.cast_vote(round_id, me.id, proposal_id)
        done = "Placed a dot"
    elif change == "remove":
        ws.retract_vote(round_id, me.id, proposal_id)
        done = "Took back a dot"
    else:
        raise BadForm("The field “change” must be add or remove.")
    ballot = ws.ballot(round_id, me.id)
    title = ws.proposal(proposal_id).title
    return f"{done} {'on' if change == 'add' else 'from'} “{title}”: " + (
        f"{plural(max(ballot.left, 0), 'dot')} left of {ballot.budget}."
    )


def group_role(ws: Workshop, me: Participant, form: Form) -> str:
    group_id = _need_group(me, "the role is your group's")
    ws.update_group(group_id, role=_text(form, "role"), good_day=_text(form, "good_day"))
    return f"Saved {ws.group(group_id).name}'s role."


def handoff(ws: Workshop, me: Participant, form: Form) -> str:
    record_id = _id(form, "id", optional=True)
    fields = {
        "provides": _text(form, "provides"),
        "needs": _text(form, "needs"),
        "expectation": _text(form, "expectation"),
        "self_rating": form.get("self_rating", "").strip() or None,
        "customer_rating": form.get("customer_rating", "").strip() or None,
    }
    receiver = form.get("to", "")
    if record_id is None:
        provider = _need_group(me, "a hand-off goes from your group")
        ws.add_handoff(provider, receiver, **fields)
        return f"Added the hand-off from {me.group} to {receiver.strip()}."
    if receiver.strip():
        fields["receiver"] = receiver
    ws.update_handoff(record_id, **fields)
    found = ws.handoff(record_id)
    return f"Saved the hand-off {found.provider} → {found.receiver}."


def contribution(ws: Workshop, me: Participant, form: Form) -> str:
    record_id = _id(form, "id", optional=True)
    fields = {
        "supports_group_id": _id(form, "supports_group_id", optional=True),
        "what": _text(form, "what"),
        "effect": form.get("effect", "") or "strengthens",
        "fail_point": form.get("fail_point", "") in ("1", "on", "yes", "true"),
    }
    if record_id is None:
        group_id = _need_group(me, "a layer is your group's part")
        touchpoint_id = _id(form, "touchpoint_id")
        assert touchpoint_id is not None
        ws.add_contribution(touchpoint_id, group_id, **fields)
        return f"Added {me.group}'s layer at {ws.touchpoint(touchpoint_id).name}."
    ws.update_contribution(record_id, **fields)
    found = ws.contribution(record_id)
    return f"Saved {found.group}'s layer at {found.touchpoint}."


def comment(ws: Workshop, me: Participant, form: Form) -> str:
    record_id = _id(form, "id", optional=True)
    fields = {
        "text": _text(form, "text"),
        "touchpoint_id": _id(form, "touchpoint_id", optional=True),
        "sentiment": form.get("sentiment", "") or "neutral",
        "date": form.get("date", "").strip() or None,
    }
    if record_id is None:
        ws.add_comment(fields.pop("text"), **fields)  # type: ignore[arg-type]
        return "Added the comment."
    ws.update_comment(record_id, **fields)
    return "Saved the comment."


def proposal(ws: Workshop, me: Participant, form: Form) -> str:
    record_id = _id(form, "id", optional=True)
    fields = {
        "description": _text(form, "description"),
        "touchpoint_id": _id(form, "touchpoint_id", optional=True),
        "impact": form.get("impact", "") or "medium",
        "effort": form.get("effort", "") or "medium",
    }
    title = _text(form, "title")
    if record_id is None:
        new_id = ws.add_proposal(title, owner_id=me.group_id, **fields)  # type: ignore[arg-type]
        return f"Added the proposal “{ws.proposal(new_id).title}”."
    ws.update_proposal(record_id, title=title, **fields)
    return f"Saved the proposal “{ws.proposal(record_id).title}”."


def delete(ws: Workshop, me: Participant, form: Form) -> str:
    table = form.get("table", "").strip()
    record_id = _id(form, "id")
    deleters: dict[str, tuple[Callable[[int], None], str]] = {
        "handoffs": (ws.delete_handoff, "hand-off"),
        "contributions": (ws.delete_contribution, "layer"),
        "comments": (ws.delete_comment, "comment"),
        "proposals": (ws.delete_proposal, "proposal"),
    }
    if table not in deleters:
        raise BadForm("The field “table” must be handoffs, contributions, comments or proposals.")
    remove, what = deleters[table]
    assert record_id is not None
    remove(record_id)
    return f"Deleted the {what}."


# The record routes: path → (what it does, which fields it reads: the rest are refused).
WRITES: dict[str, tuple[Callable[[Workshop, Participant, Form], str], tuple[str, ...]]] = {
    "/group": (choose_group, ("group_id",)),
    "/ready": (ready, ("ready",)),
    "/vote": (vote, ("round_id", "proposal_id", "change")),
    "/group-role": (group_role, ("role", "good_day")),
    "/handoff": (
        handoff,
        ("id", "to", "provides", "needs", "expectation", "self_rating", "customer_rating"),
    ),  # fmt: skip
    "/contribution": (
        contribution,
        ("id", "touchpoint_id", "supports_group_id", "what", "effect", "fail_point"),
    ),  # fmt: skip
    "/comment": (comment, ("id", "text", "touchpoint_id", "sentiment", "date")),
    "/proposal": (proposal, ("id", "title", "description", "touchpoint_id", "impact", "effort")),
    "/delete": (delete, ("table", "id")),
}
