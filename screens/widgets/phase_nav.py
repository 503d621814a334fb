"""The phase navigator: every phase of the workshop, the room's current one marked."""

from __future__ import annotations

from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from screens.widgets.plain import PlainOptionList
from workshop.vocabulary import PHASES


class PhaseNav(PlainOptionList):
    """Lists the phases; choosing one posts `PhaseNav.Chosen`."""

    current: reactive[str] = reactive(PHASES[1])
    viewing: reactive[str] = reactive(PHASES[1])

    class Chosen(Message):
        """The user picked a phase in the navigator."""

        def __init__(self, phase: str) -> None:
            super().__init__()
            self.phase = phase

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Phases"

    def _phase_options(self) -> list[Option]:
        options = []
        for number, phase in enumerate(PHASES, start=1):
            marker = "▶" if phase == self.current else " "
            options.append(Option(f"{marker} {number} {phase}", id=phase))
        return options

    def _refresh_options(self) -> None:
        self.clear_options()
        self.add_options(self._phase_options())
        self.highlighted = PHASES.index(self.viewing)

    def watch_current(self) -> None:
        if self.is_mounted:
            self._refresh_options()

    def watch_viewing(self) -> None:
        if self.is_mounted:
            self._refresh_options()

    def on_mount(self) -> None:
        self._refresh_options()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Chosen(event.option.id))
