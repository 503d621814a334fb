"""A phase whose screen is not built yet: says so, and what it will hold."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult

from screens.phase_screen import PhaseScreen
from screens.widgets.plain import PlainStatic

PLANNED = {
    "review": "Review of open actions from the previous workshop (follow-up workshops).",
    "customers & hand-offs": "Whom each group serves, what it hands over, and the perception gap.",
    "touchpoint onion": "Each customer touchpoint peeled layer by layer to every group behind it.",
    "customer comments": "Customers' own words, routed to the groups they concern.",
    "proposals": "Process and policy changes proposed by the groups.",
    "vote": "Dot voting over the proposals.",
    "action plans": "Owners, due dates and KPIs for the winning proposals.",
    "summary": "The workshop summary, exported as Markdown.",
}


class ComingScreen(PhaseScreen):
    """Placeholder for a phase whose screen lands with a later issue."""

    CSS_PATH = [PhaseScreen.CSS_PATH, Path(__file__).with_suffix(".tcss")]

    def __init__(self, phase: str) -> None:
        super().__init__(name=phase)
        self.PHASE = phase

    def compose_body(self) -> ComposeResult:
        yield PlainStatic(self.PHASE.capitalize(), classes="phase-title")
        yield PlainStatic(PLANNED.get(self.PHASE, ""), classes="planned")
        yield PlainStatic(
            "This phase's screen is not built yet. Use the navigator on the left, "
            "or press ? for help.",
            classes="not-yet",
        )
