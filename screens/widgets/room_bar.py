"""One line under the header on every phase screen: the phase timer, how many participants
are done, and a participant's own state."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from screens.widgets.plain import PlainStatic
from workshop.room import Readiness, Timer


@dataclass(frozen=True)
class RoomState:
    """What the bar shows, read from the workshop at one moment."""

    timer: Timer | None
    readiness: Readiness
    facilitator: bool
    me_ready: bool = False
    looking_back: str | None = None  # the phase on show when it is not the room's
    room_phase: str = ""
    led_by: str | None = None  # a facilitator who follows: who leads the room now


def room_line(state: RoomState) -> Text:
    """The bar's text: plain words beside every mark, so it reads without colour."""
    parts: list[Text] = []
    timer = state.timer
    if timer is not None:
        if timer.ended:
            locked = " · input locked" if timer.locked else ""
            parts.append(Text(f"⏱ time is up{locked}", style="bold"))
        else:
            parts.append(Text(f"⏱ {timer.clock()} left", style="bold" if timer.warning else ""))
    parts.append(Text(state.readiness.label()))  # only those here now count
    if not state.facilitator and state.looking_back:
        parts.append(
            Text(
                f"looking back at {state.looking_back}; the room is at {state.room_phase} "
                "(press . to return)",
                style="bold",
            )  # fmt: skip
        )
    elif not state.facilitator:
        parts.append(Text("you are done ✔ (D: not yet)" if state.me_ready else "press D when done"))
    if state.led_by is not None:
        parts.append(Text(f"following: {state.led_by} leads the room", style="bold"))
    return Text(" · ").join(parts)


class RoomBar(PlainStatic):
    """The room line; `show(state)` updates it and its warning/ended look."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)

    def show(self, state: RoomState) -> None:
        self.update(room_line(state))
        timer = state.timer
        self.set_class(bool(timer and timer.warning), "-warning")
        self.set_class(bool(timer and timer.ended), "-ended")
        self.set_class(state.looking_back is not None, "-looking-back")
