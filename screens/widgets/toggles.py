"""Check boxes and radio buttons that show their state in their shape, not only in a colour:
a projector washes colours out, and with NO_COLOR there are none. Ticked reads `▐✓▌`, unticked
`▐ ▌`; the chosen radio button `▐●▌`, the others `▐○▌`. (Textual draws `▐X▌` and `▐●▌` either
way, with only the colour of the mark changing.)"""

from __future__ import annotations

from textual.widgets import Checkbox, RadioButton

TICKED, UNTICKED = "✓", " "
CHOSEN, NOT_CHOSEN = "●", "○"


class TickBox(Checkbox):
    """A Checkbox whose mark is a tick when ticked and empty when not."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 (Textual's name)
        return TICKED if self.value else UNTICKED


class RadioChoice(RadioButton):
    """A RadioButton whose mark is full when chosen and hollow when not."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 (Textual's name)
        return CHOSEN if self.value else NOT_CHOSEN
