"""The one path for a change the workshop may refuse.

A key acts on what the screen shows, and the workshop may have moved on meanwhile: another
terminal deleted the highlighted record (NotFound), a locking timer ran out, the voting rules
refuse a dot. Such a refusal is a WorkshopError, whose sentence a facilitator understands: it
is told in a notification (never read as markup) and the screen shows the workshop afresh; it
never ends the app. Every writing key of a phase screen runs through `guarded` (PhaseScreen
wraps them by name), the app's own writing keys too, and a change made after a dialog answers
runs inside `refusals`. Forms keep their own way: RecordForm shows the refusal in the form.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from textual.dom import DOMNode

from workshop import WorkshopError


def refused(node: DOMNode, error: WorkshopError) -> None:
    """Say why the change was refused, and show the workshop as it is now."""
    app = node.app
    app.notify(str(error), severity="warning", timeout=8, markup=False)
    reload: Callable[[], None] | None = getattr(app, "refresh_workshop", None)
    if reload is None:
        reload = getattr(node, "refresh_data", None)
    if reload is not None and app.is_running:
        reload()


@contextmanager
def refusals(node: DOMNode) -> Iterator[None]:
    """Run the block; if the workshop refuses a change in it, the rest of the block is
    skipped, the refusal is told and the screen reloads."""
    try:
        yield
    except WorkshopError as error:
        refused(node, error)


def guarded(action: Callable[..., Any]) -> Callable[..., Any]:
    """An action (a method of a screen or the app) whose refusals are told, not raised."""
    if inspect.iscoroutinefunction(action):

        @functools.wraps(action)
        async def run_async(self: DOMNode, *args: Any, **kwargs: Any) -> None:
            with refusals(self):
                await action(self, *args, **kwargs)

        run_async.guarded = True  # type: ignore[attr-defined]
        return run_async

    @functools.wraps(action)
    def run(self: DOMNode, *args: Any, **kwargs: Any) -> None:
        with refusals(self):
            action(self, *args, **kwargs)

    run.guarded = True  # type: ignore[attr-defined]
    return run
