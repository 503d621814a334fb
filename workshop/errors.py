"""Errors that carry a sentence a facilitator understands."""

from __future__ import annotations


class WorkshopError(Exception):
    """Anything the user can act on: a bad file, a bad plan, a refused change."""


class PlanError(WorkshopError):
    """A plan (or an edit) is refused whole; the message names the offending entry."""


class NotFound(WorkshopError):
    """An entity that was asked for does not exist (any more)."""


class FileBusy(WorkshopError):
    """Another process held the workshop file longer than the busy timeout."""


class VoteRejected(WorkshopError):
    """A dot that the voting rules refuse, with the reason."""


class Removed(WorkshopError):
    """The facilitator removed this participant: their key no longer lets them in."""

    def __init__(self, message: str = "The facilitator removed you from this workshop.") -> None:
        super().__init__(message)
