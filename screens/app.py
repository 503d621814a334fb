"""The Textual app: a thin shell that switches phase screens and holds the open workshop."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen

from screens.actions_screen import ActionsScreen
from screens.coming_screen import ComingScreen
from screens.commands import WorkshopCommands
from screens.comments_screen import CommentsScreen
from screens.groups_screen import GroupsScreen
from screens.handoffs_screen import HandoffsScreen
from screens.help_screen import HelpScreen
from screens.onion_screen import OnionScreen
from screens.phase_screen import PhaseScreen
from screens.proposals_screen import ProposalsScreen
from screens.review_screen import ReviewScreen
from screens.summary_screen import SummaryScreen
from screens.themes import THEMES
from screens.vote_screen import VoteScreen
from workshop import Workshop, WorkshopError
from workshop.vocabulary import PHASES

BUILT = {
    "review": ReviewScreen,
    "groups & roles": GroupsScreen,
    "customers & hand-offs": HandoffsScreen,
    "touchpoint onion": OnionScreen,
    "customer comments": CommentsScreen,
    "proposals": ProposalsScreen,
    "vote": VoteScreen,
    "action plans": ActionsScreen,
    "summary": SummaryScreen,
}
POLL_SECONDS = 0.1  # PRAGMA data_version is cheap; others' changes show within ~0.1 s


def _phase_screen_factory(phase: str):
    built = BUILT.get(phase)
    return built if built else (lambda: ComingScreen(phase))


class WorkshopApp(App):
    """The app over one open workshop: the facilitator's (projected) screen, or a participant's
    (`participant_id` set), who votes with their own dots and follows the room's phase."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")
    TITLE = "workshop"
    COMMANDS = App.COMMANDS | {WorkshopCommands}
    MODES = {phase: _phase_screen_factory(phase) for phase in PHASES}
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", id="app.help", tooltip="Show every key"),
        Binding(
            "right_square_bracket",
            "next_phase",
            "Next phase",
            id="app.next_phase",
            tooltip="Move the room to the next phase",
        ),
        Binding(
            "left_square_bracket",
            "previous_phase",
            "Prev phase",
            id="app.previous_phase",
            tooltip="Move the room back one phase",
            show=False,
        ),
        Binding("u,ctrl+z", "undo", "Undo", id="app.undo", tooltip="Undo the last change"),
        Binding(
            "x",
            "export_summary",
            "Export",
            id="app.export_summary",
            tooltip="Export summary: write the Markdown summary next to the workshop file",
            show=False,
        ),
        Binding(
            "tab",
            "app.focus_next",
            "Next pane",
            show=False,
            id="app.focus_next",
            tooltip="Move between the phase navigator and the screen",
        ),
        *[
            Binding(
                str(n),
                f"go_to_phase({n - 1})",
                f"Phase {n}",
                show=False,
                id=f"app.phase_{n}",
                tooltip=f"Go to phase {n}: {PHASES[n - 1]}",
            )
            for n in range(1, len(PHASES) + 1)
        ],
        Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            id="app.commands",
            show=False,
            tooltip="Open the command palette: every action by name",
        ),
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            id="app.quit",
            priority=True,
            tooltip="Quit (everything is already saved)",
        ),
    ]

    # What leads the room: the facilitator's alone, and never behind an open dialog.
    ROOM_ACTIONS = {"next_phase", "previous_phase", "go_to_phase", "undo", "export_summary"}

    def __init__(
        self,
        ws: Workshop,
        *,
        facilitator: bool = True,
        participant_id: int | None = None,
        today: dt.date | None = None,
    ) -> None:
        super().__init__()
        self.ws = ws
        self._today = today
        self.facilitator = facilitator
        self.participant_id = participant_id
        self.phase = ws.info().phase
        self._seen_version = ws.data_version()
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = "projector"

    def today(self) -> dt.date:
        """Today's date, for due-date warnings (fixed in tests so pictures stay the same)."""
        return self._today or dt.date.today()

    def on_mount(self) -> None:
        self._show_header()
        self.switch_mode(self.phase)
        self.set_interval(POLL_SECONDS, self._poll_changes)

    def _show_header(self) -> None:
        info = self.ws.info()
        self.phase = info.phase
        self.title = info.title
        number = PHASES.index(info.phase) + 1
        self.sub_title = f"Phase {number}/{len(PHASES)}: {info.phase}"
        if self.participant_id is not None:
            with contextlib.suppress(WorkshopError):
                self.sub_title += f" · you are {self.ws.participant(self.participant_id).name}"

    def _poll_changes(self) -> None:
        """Show other processes' committed changes without a key press."""
        version = self.ws.data_version()
        if version == self._seen_version:
            return
        self._seen_version = version
        self.refresh_workshop()

    def refresh_workshop(self) -> None:
        """Reload the header and the current screen from the file."""
        previous = self.phase
        self._show_header()
        if self.phase != previous:
            self.switch_mode(self.phase)
        elif isinstance(self.screen, PhaseScreen):
            self.screen.sync_nav()
            self.screen.refresh_data()

    # -- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Phase moves and undo wait while a dialog is open, so a key never acts behind it;
        they belong to the facilitator (a participant's undo could revert someone else's
        change)."""
        if action in self.ROOM_ACTIONS and not self.facilitator:
            return False
        return not (action in self.ROOM_ACTIONS and isinstance(self.screen, ModalScreen))

    def go_to_phase(self, phase: str) -> None:
        """Move the room to `phase` and show its screen."""
        if not self.facilitator:
            self.notify("Only the facilitator moves the room to another phase.", severity="warning")
            return
        try:
            self.ws.update_info(phase=phase)
        except WorkshopError as error:
            self.notify(str(error), severity="error")
            return
        self._show_header()
        if self.current_mode == phase and isinstance(self.screen, PhaseScreen):
            self.screen.sync_nav()
        else:
            self.switch_mode(phase)

    def action_go_to_phase(self, index: int) -> None:
        if 0 <= index < len(PHASES):
            self.go_to_phase(PHASES[index])

    def action_next_phase(self) -> None:
        index = PHASES.index(self.phase)
        if index + 1 < len(PHASES):
            self.go_to_phase(PHASES[index + 1])
        else:
            self.notify("This is the last phase.", severity="warning")

    def action_previous_phase(self) -> None:
        index = PHASES.index(self.phase)
        if index > 0:
            self.go_to_phase(PHASES[index - 1])
        else:
            self.notify("This is the first phase.", severity="warning")

    def action_undo(self) -> None:
        try:
            what = self.ws.undo()
        except WorkshopError as error:
            self.notify(str(error), severity="warning")
            return
        self.notify(f"Undone: {what}.")
        self.refresh_workshop()

    def summary_path(self) -> Path:
        """Where the summary goes: beside the workshop file, named after it."""
        path = Path(self.ws.path)
        return path.with_name(f"{path.stem}-summary.md")

    def action_export_summary(self) -> None:
        target = self.summary_path()
        try:
            target.write_text(self.ws.export("md"), encoding="utf-8")
        except (OSError, WorkshopError) as error:
            self.notify(f"Could not write the summary: {error}", severity="error")
            return
        self.notify(f"Wrote the summary to {target}.")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def run_screen_action(self, phase: str, action: str) -> None:
        """Run a phase screen's action from the palette, going to that phase first."""
        if self.current_mode != phase:
            self.go_to_phase(phase)
        self.call_after_refresh(self.screen.run_action, action)

    def action_toggle_projector_theme(self) -> None:
        self.theme = "projector-dark" if self.theme == "projector" else "projector"
