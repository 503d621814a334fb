"""The Textual app: a thin shell that switches phase screens and holds the open workshop."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widget import AwaitMount

from screens.guarded import guarded
from screens.phase_screen import PhaseScreen
from screens.themes import THEMES
from screens.widgets.plain import PlainTextApp, plain
from screens.widgets.room_bar import RoomState
from workshop import Removed, Workshop, WorkshopError
from workshop.files import TargetExists, check_target, write_text
from workshop.lead import LeadTaken, keep_leading
from workshop.presence import keep_present
from workshop.room import ATTEMPT_KINDS
from workshop.vocabulary import PHASES

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.command import Provider
    from textual.timer import Timer

    from screens.join_form import JoinDraft
    from screens.timer_form import TimerDraft

# Each phase's screen, as (module, class). A module is imported when its screen is first
# shown, or when help or the palette list every screen's keys: startup stays short.
SCREEN_CLASSES = {
    "review": ("screens.review_screen", "ReviewScreen"),
    "groups & roles": ("screens.groups_screen", "GroupsScreen"),
    "customers & hand-offs": ("screens.handoffs_screen", "HandoffsScreen"),
    "touchpoint onion": ("screens.onion_screen", "OnionScreen"),
    "customer comments": ("screens.comments_screen", "CommentsScreen"),
    "proposals": ("screens.proposals_screen", "ProposalsScreen"),
    "vote": ("screens.vote_screen", "VoteScreen"),
    "action plans": ("screens.actions_screen", "ActionsScreen"),
    "summary": ("screens.summary_screen", "SummaryScreen"),
}


class _BuiltScreens(Mapping[str, "type[PhaseScreen]"]):
    """phase -> screen class, importing the screen's module on first use."""

    def __getitem__(self, phase: str) -> type[PhaseScreen]:
        module, name = SCREEN_CLASSES[phase]
        return getattr(importlib.import_module(module), name)

    def __iter__(self) -> Iterator[str]:
        return iter(SCREEN_CLASSES)

    def __len__(self) -> int:
        return len(SCREEN_CLASSES)


BUILT: Mapping[str, type[PhaseScreen]] = _BuiltScreens()
HERE = Path(__file__).parent
# Read before the other stylesheets, which refine them.
SHARED_CSS = [HERE / "phase_screen.tcss", HERE / "widgets" / "record_form.tcss"]
OWN_APP_CSS = {"app.tcss", "rollup_app.tcss"}  # the apps' own, read as they start
PRESENTER = "presenter"  # the mode of the presenter view (the phases are the other modes)
POLL_SECONDS = 0.1  # PRAGMA data_version is cheap; others' changes show within ~0.1 s
PREPARE_AFTER_SECONDS = 0.5  # quiet on a screen before the next phase's screen is built
MASK_LIMIT_SECONDS = 1.0  # longest the previous picture stays while a new screen is built


def _phase_screen_factory(phase: str) -> Callable[[], Screen]:
    if phase in SCREEN_CLASSES:
        return lambda: BUILT[phase]()

    def coming() -> Screen:
        from screens.coming_screen import ComingScreen

        return ComingScreen(phase)

    return coming


def first_screen_css(mode: str) -> list[Path]:
    """The stylesheets (CSS_PATH) of the screen a mode shows; its module is imported now
    rather than a moment later, when the screen is built."""
    if mode == PRESENTER:
        from screens.presenter_screen import PresenterScreen

        paths = PresenterScreen.CSS_PATH
    elif mode in SCREEN_CLASSES:
        paths = BUILT[mode].CSS_PATH
    else:
        return []
    return [Path(path) for path in (paths if isinstance(paths, list) else [paths])]


def _workshop_commands() -> type[Provider]:
    """The palette's provider of the app's own commands, imported when the palette opens."""
    from screens.commands import WorkshopCommands

    return WorkshopCommands


def _presenter_screen() -> Screen:
    from screens.presenter_screen import PresenterScreen

    return PresenterScreen()


class WorkshopApp(PlainTextApp):
    """The app over one open workshop: the facilitator's (projected) screen, or a participant's
    (`participant_id` set), who votes with their own dots and follows the room's phase."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")
    TITLE = "workshop"
    COMMANDS = PlainTextApp.COMMANDS | {_workshop_commands}
    MODES = {phase: _phase_screen_factory(phase) for phase in PHASES}
    MODES[PRESENTER] = _presenter_screen
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
            "U,ctrl+y",
            "redo",
            "Redo",
            id="app.redo",
            tooltip="Redo what the last undo took back (while nothing else changed)",
            show=False,
        ),
        Binding(
            "E",
            "edit_workshop",
            "Workshop",
            id="app.workshop",
            tooltip="Workshop details: change its title, date and purpose",
            show=False,
        ),
        Binding(
            "T",
            "phase_timer",
            "Timer",
            id="app.timer",
            tooltip="Start or stop the phase timer (1, 3, 5, 10 minutes or your own length)",
        ),
        Binding(
            "J",
            "room_access",
            "Access",
            id="app.access",
            tooltip="Room access: the join code, join attempts and held names (renew, free a name)",
            show=False,
        ),
        Binding(
            "W",
            "people",
            "Who is here",
            id="app.people",
            tooltip="Who is here: connected now, done with this phase (move to a group, remove)",
            show=False,
        ),
        Binding(
            "P",
            "toggle_presenter",
            "Presenter",
            id="app.presenter",
            tooltip="Presenter view for the projector: large, and only what the room may see",
            show=False,
        ),
        Binding(
            "D",
            "toggle_ready",
            "Done",
            id="app.ready",
            tooltip="Tell the room you are done with this phase (again: not yet)",
        ),
        Binding(
            "full_stop",
            "follow_room",
            "Back to room",
            id="app.follow_room",
            tooltip="Return to the phase the room is in",
        ),
        Binding(
            "x",
            "export_summary",
            "Export",
            id="app.export_summary",
            tooltip="Export summary: write the Markdown summary next to the workshop file",
            show=False,
        ),
        Binding(
            "N",
            "toggle_navigator",
            "Phases list",
            id="app.navigator",
            tooltip="Show or hide the list of phases (hidden by itself on a narrow screen)",
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
    ROOM_ACTIONS = {"next_phase", "previous_phase", "undo", "export_summary", "phase_timer",
                    "toggle_presenter", "room_access", "people", "redo",
                    "edit_workshop"}  # fmt: skip
    PARTICIPANT_ACTIONS = {"toggle_ready", "follow_room"}
    # Build the other phases' screens in the background (`prepare_next_phase`). The tests
    # turn it off, but for those of the building itself (tests/conftest.py): when it runs
    # depends on how busy the machine is, and a test's keys and pictures must not.
    BUILD_AHEAD = True

    def __init__(
        self,
        ws: Workshop,
        *,
        facilitator: bool = True,
        participant_id: int | None = None,
        today: dt.date | None = None,
        web: bool = False,
        presenter: bool = False,
        key: str | None = None,
        lead: bool = False,
    ) -> None:
        super().__init__()
        self.presenting = presenter
        self._key = key  # a browser participant's key (from their cookie)
        # A facilitator's screen started by the command line leads the room: it takes the
        # lead (workshop/lead.py) or asks; `following` once another facilitator took it over.
        self._lead_wanted = lead
        self.following = False
        self._waiting_kinds: set[str] = set()  # attempt kinds whose tries wait, last looked
        if web:  # until its visitor has said who they are, a browser session changes nothing
            ws.act_as_guest()
        self.ws = ws
        self._today = today
        self.facilitator = facilitator
        self.participant_id = participant_id
        self.web = web
        self.phase = ws.info().phase
        self._seen_version = ws.data_version()
        # The timer state last announced: "", "warning" or "ended" (None: not looked yet, so
        # a timer that ran out before the app started is not announced).
        self._timer_mark: str | None = None
        self._prepare_timer: Timer | None = None
        self._mask_timer: Timer | None = None
        self._drawn: set[str] = set()  # phase screens drawn once (shown or in the background)
        self._own_switch = False
        self._quitting = False  # closing: no more screens are built in the background
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = "projector"
        # The first screen's stylesheets are read with the app's: Textual parses all CSS
        # again when a screen brings a stylesheet it has not seen.
        self.css_path = [*self.css_path, *first_screen_css(PRESENTER if presenter else self.phase)]

    def preload_css(self) -> None:
        """Read every screen's and dialog's stylesheet once the first screen is painted.
        Textual parses all CSS again from scratch, and restyles the app, whenever a screen
        brings a stylesheet it has not seen; each rule is scoped to its own screen, so
        reading them early changes nothing on show."""
        sheet = self.stylesheet
        others = sorted(path for path in HERE.rglob("*.tcss") if path.name not in OWN_APP_CSS)
        fresh = [
            path
            for path in dict.fromkeys([*SHARED_CSS, *others])
            if not sheet.has_source(str(path))
        ]
        if fresh:
            sheet.read_all(fresh)
            sheet.parse()

    def prepare_next_phase(self) -> None:
        """Build the other phases' screens, nearest first, once the app has been quiet for
        a moment, so that moving on only switches screens: Textual builds a mode's screen
        when it is first shown, which on a big workshop takes most of a second. One screen
        per quiet moment; `_init_mode` is the pinned Textual's own (private) first step of
        showing a mode, without showing it."""
        if self._prepare_timer is not None:
            self._prepare_timer.stop()
            self._prepare_timer = None
        if self.BUILD_AHEAD and not self._quitting:
            self._prepare_timer = self.set_timer(PREPARE_AFTER_SECONDS, self._prepare_one)

    async def _prepare_one(self) -> None:
        """Build the nearest phase screen not built yet, waiting until it is mounted
        (quitting meanwhile waits for it, rather than taking apart a screen still being put
        together), or draw the nearest one built but not drawn (by then it has its rows)."""
        self._prepare_timer = None
        if self._quitting or not self._running or not isinstance(self.screen, PhaseScreen):
            return
        self._drawn.add(self.screen.PHASE)
        index = PHASES.index(self.screen.PHASE)
        nearest = sorted(range(len(PHASES)), key=lambda i: (abs(i - index), i < index))
        for phase in (PHASES[i] for i in nearest):
            if phase not in SCREEN_CLASSES:
                continue
            if phase not in self._screen_stacks:
                await self._init_mode(phase)
                if self._quitting:
                    return
            elif phase not in self._drawn:
                self._draw_offscreen(self._screen_stacks[phase][0])
                self._drawn.add(phase)
            else:
                continue
            self.prepare_next_phase()  # the next step after another quiet moment
            return

    def _draw_offscreen(self, screen: Screen) -> None:
        """Lay a screen built in the background out at the app's size and draw it once,
        without showing it: its widgets keep the lines they drew, so its first show only
        puts them on the terminal (drawing every cell for the first time took most of it).
        `_refresh_layout` and the compositor are the pinned Textual's own (private)."""
        if not self._running or screen.is_current or not screen.is_mounted:
            return
        screen._refresh_layout(self.size)
        screen._compositor.render_update(full=True)

    def _screens_being_built(self) -> list[Screen]:
        """The screens of the stacks whose widgets are still being put together: a mode's
        screen built in the background or just switched to, or a dialog just pushed."""
        return [screen for stack in self._screen_stacks.values() for screen in stack
                if not screen.is_mounted]  # fmt: skip

    async def _finish_building(self) -> None:
        """Build nothing more in the background, and wait until every screen being built
        is mounted. Closing takes every screen apart; one taken apart while its widgets are
        still mounting fails half-way (a tab bar's tabs gone before it picks the first, a
        screen's table gone before its `on_mount` queries it)."""
        self._quitting = True
        if self._prepare_timer is not None:
            self._prepare_timer.stop()
            self._prepare_timer = None
        while self._running and (building := self._screens_being_built()):
            mounted = asyncio.ensure_future(AwaitMount(building[0], building))
            # An error in the app (`_exception_event`, the pinned Textual's private) stops
            # the app, and with it the mounting of the widgets not started yet.
            failed = asyncio.ensure_future(self._exception_event.wait())
            await asyncio.wait([mounted, failed], return_when=asyncio.FIRST_COMPLETED)
            failed.cancel()
            if not mounted.done():
                mounted.cancel()
                return

    def exit(
        self, result: object = None, return_code: int = 0, message: RenderableType | None = None
    ) -> None:
        """Textual's exit, once the screens being built are mounted. Textual's marks the app
        as exiting at once, and from then on a screen still mounting mounts no more widgets
        (its `on_mount` finds no table) before the end of the message loop takes it apart.
        Meanwhile the app handles no other message (as while Textual builds a screen)."""
        if self._running and not self._exit and self._screens_being_built():
            self.call_next(self._exit_once_built, result, return_code, message)
            return
        self._quitting = True
        super().exit(result, return_code, message)

    async def _exit_once_built(
        self, result: object, return_code: int, message: RenderableType | None
    ) -> None:
        await self._finish_building()
        super().exit(result, return_code, message)

    async def _shutdown(self) -> None:
        """Textual's (private) last step, which takes every screen apart. `App.run_test`
        calls it directly (without `App.exit`) while the app still runs, so the screens
        being built are waited for here too; after `App.exit` nothing is left to wait for."""
        await self._finish_building()
        self._stop_presence()
        self._stop_leading()
        await super()._shutdown()

    def switch_mode(self, mode: str) -> AwaitMount:
        """Textual's switch, without its fixed 50 ms pause of the display (which drew every
        new screen twice and showed a screen already built 50 ms late). A phase screen built
        now keeps the previous picture until its rows are in (`screen_ready`), at most
        MASK_LIMIT_SECONDS; a screen already built and drawn shows at once.

        A screen the background is still building is shown as one built now: masked, and
        the app handles its next message (a key) once the screen is mounted, as Textual
        does for a screen it builds on show; otherwise that key would reach a screen
        without its widgets or rows."""
        shown = self.current_mode != self.DEFAULT_MODE  # not the first screen of all
        stack = self._screen_stacks.get(mode)
        building = stack[0] if stack and not stack[0].is_mounted else None
        if shown and mode in SCREEN_CLASSES and (not stack or building is not None):
            if self._mask_timer is None:
                self._begin_batch()
            else:  # a switch within a switch's mask: one mask, ended once
                self._mask_timer.stop()
            self._mask_timer = self.set_timer(MASK_LIMIT_SECONDS, self.screen_ready)
        drawn = mode in self._drawn  # built, and drawn on show or in the background
        self._own_switch = True
        try:
            await_mount = super().switch_mode(mode)
        finally:
            self._own_switch = False
        if building is not None and building.is_current:
            await_mount = AwaitMount(building, [building])
            self.call_next(await_mount)
            return await_mount
        if drawn and not self._batch_count:
            # Put its lines on the terminal now: Textual would wait for the screen's resume
            # message and its next update tick (about 30 ms) to draw it whole.
            self._display(self.screen, self.screen._compositor.render_update(full=True))
        return await_mount

    def delay_update(self, delay: float = 0.05) -> None:
        if not self._own_switch:
            super().delay_update(delay)

    def screen_ready(self) -> None:
        """The screen on show has its rows: draw it (ending the mask of `switch_mode`)."""
        if self._mask_timer is None:
            return
        self._mask_timer.stop()
        self._mask_timer = None
        self._end_batch()
        if not self._batch_count:
            self.screen.refresh()

    # Whether the phase navigator shows: None while it follows the screen's width (hidden
    # when narrow), else as the facilitator chose with N.
    navigator_shown: bool | None = None

    def action_toggle_navigator(self) -> None:
        """Hide the phase navigator if it shows, or show it (on every phase's screen)."""
        screen = self.screen
        shown = screen.navigator_visible() if isinstance(screen, PhaseScreen) else True
        self.navigator_shown = not shown
        for stack in self._screen_stacks.values():
            for each in stack:
                if isinstance(each, PhaseScreen):
                    each.sync_navigator()
        hidden = "Phases list hidden: N shows it again; [ and ] move between phases."
        self.notify("Phases list shown." if self.navigator_shown else hidden)

    def today(self) -> dt.date:
        """Today's date, for due-date warnings (fixed in tests so pictures stay the same)."""
        return self._today or dt.date.today()

    def on_mount(self) -> None:
        if self.web or self._needs_group():
            from screens.join_form import JoinForm

            self.push_screen(
                JoinForm(
                    self._join,
                    self.ws.groups(),
                    web=self.web,
                    name=self._my_name(),
                    ask_pin=self.ws.has_pin(),
                ),
                self._joined,
            )
        else:
            # After Textual's start-up batch: a screen shown inside it is drawn once for
            # nothing (the batch holds the display back) and again once the batch ends.
            self.call_later(self._start)

    def _start(self) -> None:
        if self._ask_who_leads():
            return  # `_start` again once answered
        self._show_header()
        self.switch_mode(PRESENTER if self.presenting else self.phase)
        self.set_interval(POLL_SECONDS, self._poll_changes)
        self.set_interval(1.0, self._tick_room)
        if self.facilitator:
            self.set_interval(2.0, self._watch_attempts)
            if self.ws.leads():
                self._keep_leading()
        elif self.participant_id is not None:
            self._keep_present(self.participant_id)

    _presence: tuple[threading.Thread, threading.Event] | None = None

    def _keep_present(self, participant_id: int) -> None:
        """Tell the room every few seconds that this participant's screen is here, and that
        it left once the app closes, from a thread of its own (not a Textual worker: it runs
        as long as the app, and waiting for the app's workers must not wait for it)."""
        via = "browser" if self.web else "terminal"
        stop = threading.Event()
        beat = threading.Thread(
            target=keep_present, args=(self.ws.path, participant_id, via, stop),
            name="presence", daemon=True,
        )  # fmt: skip
        beat.start()
        self._presence = (beat, stop)

    def _stop_presence(self) -> None:
        """End the heartbeat; it says the participant left (bounded: a busy file must not
        hold the app's exit)."""
        if self._presence is not None:
            beat, stop = self._presence
            self._presence = None
            stop.set()
            beat.join(timeout=3)

    # -- who leads the room --------------------------------------------------------------

    _leading: tuple[threading.Thread, threading.Event] | None = None

    def _ask_who_leads(self) -> bool:
        """Take the lead as a leading screen starts; when another facilitator leads the room
        now, ask instead whether to take over, join as a participant or quit. True while the
        question is open."""
        if not (self._lead_wanted and self.facilitator) or self.following or self.ws.leads():
            return False
        try:
            self.ws.take_lead()
        except LeadTaken as taken:
            from screens.lead_question import LeadQuestion

            question = LeadQuestion(
                taken.lead, self._answer_lead, ask_name=self.participant_id is None
            )
            self.push_screen(question, self._lead_answered)
            return True
        except WorkshopError as error:  # a busy or read-only file: the screen still opens
            self.notify(f"This screen does not lead the room: {error}", severity="warning")
        return False

    def _answer_lead(self, choice: str, name: str) -> None:
        """Act on the answer ("take" or "join"); a WorkshopError keeps the question open and
        says why (a name someone else holds, a busy file)."""
        if choice == "take":
            self.ws.take_lead(take_over=True)
        elif choice == "join":
            me = self.participant_id
            if me is None:
                from workshop.identity import participant_key

                me = self.ws.join(name, key=participant_key())
                self.ws.actor = name.strip()
            self.ws.act_as_participant(me)
            self.participant_id = me
            self.facilitator = False

    def _lead_answered(self, choice: str | None) -> None:
        if choice not in ("take", "join"):
            self.exit(message=plain("Nothing changed: the other facilitator leads the room."))
            return
        if choice == "join" and self._needs_group():
            from screens.join_form import JoinForm

            self.push_screen(
                JoinForm(self._join, self.ws.groups(), web=False, name=self._my_name()),
                self._joined,
            )
            return
        self._start()

    def _keep_leading(self) -> None:
        """Tell the room every few seconds that this screen still leads it, from a thread of
        its own (as `_keep_present`)."""
        token = self.ws.lead_token
        if token is None or self._leading is not None:
            return
        stop = threading.Event()
        beat = threading.Thread(
            target=keep_leading, args=(self.ws.path, token, stop), name="lead", daemon=True
        )
        beat.start()
        self._leading = (beat, stop)

    def _stop_leading(self, *, release: bool = True) -> None:
        """End the heartbeat (bounded, as `_stop_presence`) and let the lead go."""
        if self._leading is not None:
            beat, stop = self._leading
            self._leading = None
            stop.set()
            beat.join(timeout=3)
        if release:
            with contextlib.suppress(WorkshopError, sqlite3.Error):
                self.ws.release_lead()

    def _check_lead(self) -> None:
        """A leading screen whose lead another facilitator took says so and follows the
        room from then on (its room keys are gone; the store refuses them anyway)."""
        if self._leading is None or self.ws.leads():
            return
        self._stop_leading(release=False)
        other = self.ws.leader()
        if other is None:  # the lead was let go by hand, not taken: lead again
            with contextlib.suppress(WorkshopError):
                self.ws.take_lead()
                self._keep_leading()
            return
        self.following = True
        if self.current_mode == PRESENTER:  # the projector's view is the leader's
            self.switch_mode(self.phase)
        self.notify(
            f"{other.who} took over; you now follow the room (the phase, the timer, undo and "
            "room access are theirs now).",
            severity="warning",
            timeout=20,
        )
        self.refresh_bindings()

    def _removed_from_room(self) -> bool:
        """Whether the facilitator removed this participant; if so the app says so and
        closes: it changes nothing more (the store would refuse it anyway)."""
        me = self.participant_id
        if self.facilitator or me is None or not self.ws.is_removed(me):
            return False
        self._stop_presence()
        self.exit(return_code=1, message=plain(str(Removed())))
        return True

    # -- joining -------------------------------------------------------------------------

    def _my_name(self) -> str:
        if self.participant_id is None:
            return ""
        return self.ws.participant(self.participant_id).name

    def _needs_group(self) -> bool:
        """A participant joining from a terminal for the first time chooses their group."""
        if self.participant_id is None or not self.ws.groups():
            return False
        me = self.ws.participant(self.participant_id)
        return me.group_id is None and not me.facilitator and not self.ws.is_facilitator

    def _join(self, draft: JoinDraft) -> None:
        """Check the name and PIN (browser: the server has checked the join code) and record
        the group; raises WorkshopError, which the form shows."""
        if self.web:
            lead = bool(draft.pin)
            if lead and not self.ws.check_pin(draft.pin, source="browser"):
                raise WorkshopError("That is not the facilitator PIN (leave it empty to join).")
            self.participant_id = self.ws.join(draft.name, key=self._key, facilitator=lead)
            self.ws.actor = draft.name.strip()
            self.facilitator = lead
            if lead:
                self.ws.role = "facilitator"
            else:
                self.ws.act_as_participant(self.participant_id)
        if draft.group_id is not None and self.participant_id is not None:
            self.ws.set_participant_group(self.participant_id, draft.group_id)

    def _joined(self, saved: bool | None) -> None:
        if not saved and self.web:
            self.exit()
            return
        self._start()

    # -- the room line: timer and readiness ----------------------------------------------

    def room_state(self, showing: str) -> RoomState:
        """What the room line shows on the screen of phase `showing`."""
        me = self.participant_id
        return RoomState(
            timer=self.ws.timer(),
            readiness=self.ws.readiness(),
            facilitator=self.facilitator,
            me_ready=me is not None and self.ws.is_ready(me),
            looking_back=showing if showing != self.phase else None,
            room_phase=self.phase,
            led_by=self._leader_name() if self.following else None,
        )

    def _leader_name(self) -> str:
        """Who leads the room now, for a facilitator who follows."""
        with contextlib.suppress(WorkshopError):
            leader = self.ws.leader()
            if leader is not None:
                return leader.who
        return "another facilitator"

    def _watch_attempts(self) -> None:
        """Tell the facilitator when wrong join codes or PINs have made the tries wait."""
        for kind in ATTEMPT_KINDS:
            waiting = self.ws.attempt_wait(kind) > 0
            if waiting and kind not in self._waiting_kinds:
                self.notify(
                    f"Many wrong {kind}s lately: the next tries wait. J shows who tried"
                    + (" and renews the code." if kind == "join code" else "."),
                    severity="warning",
                )
            self._waiting_kinds.discard(kind)
            if waiting:
                self._waiting_kinds.add(kind)

    def _tick_room(self) -> None:
        """Every second: the timer's clock, and a warning as the end nears and at the end."""
        if not self._running:
            return
        timer = self.ws.timer()
        mark = ""
        if timer is not None and timer.ended:
            mark = "ended"
            if self._timer_mark not in (mark, None):
                locked = " Input is locked." if timer.locked else ""
                self.notify(f"Time is up for {self.phase}.{locked}", severity="warning")
                self.bell()
        elif timer is not None and timer.warning:
            mark = "warning"
            if self._timer_mark not in (mark, None):
                self.notify(f"{timer.clock()} left in this phase.", severity="warning")
                self.bell()
        self._timer_mark = mark
        if self._presenter_on_show():
            self.screen.show_clock(timer)  # the board is read again only when it changes
        elif isinstance(self.screen, PhaseScreen):
            self.screen.show_room()

    def _show_room(self) -> None:
        if isinstance(self.screen, PhaseScreen):
            self.screen.show_room()
        elif self._presenter_on_show():
            self.screen.refresh_board()

    def _presenter_on_show(self) -> bool:
        """Whether the presenter view itself is on show (not a dialog over it)."""
        return self.current_mode == PRESENTER and len(self.screen_stack) == 1

    def may_edit(self, phase: str) -> bool:
        """Whether this seat may change things on the screen of `phase`: the facilitator
        always; a participant in the room's phase only."""
        return self.facilitator or phase == self.phase

    def _show_header(self) -> None:
        info = self.ws.info()
        self.phase = info.phase
        number = PHASES.index(info.phase) + 1
        sub_title = f"Phase {number}/{len(PHASES)}: {info.phase}"
        if self.participant_id is not None:
            with contextlib.suppress(WorkshopError):
                me = self.ws.participant(self.participant_id)
                sub_title += f" · you are {me.name}" + (f" ({me.group})" if me.group else "")
        # Set only what changed: each change makes every screen's header redraw its title.
        if self.title != info.title:
            self.title = info.title
        if self.sub_title != sub_title:
            self.sub_title = sub_title

    def _poll_changes(self) -> None:
        """Show other processes' committed changes without a key press."""
        if not self._running:  # shutting down: the screens are being taken apart
            return
        version = self.ws.data_version()
        if version == self._seen_version:
            return
        self._seen_version = version
        self._check_lead()
        if not self._removed_from_room():
            self.refresh_workshop()

    def refresh_workshop(self) -> None:
        """Reload the header and the current screen from the file. A participant looking
        back at an earlier phase stays there; otherwise the screen follows the room."""
        previous = self.phase
        self._show_header()
        if self.current_mode == PRESENTER:
            self._show_room()
            return
        following = self.current_mode == previous
        if self.phase != previous and (following or self.facilitator):
            self.switch_mode(self.phase)
        elif isinstance(self.screen, PhaseScreen):
            if self.screen.built:  # else it loads the change once built
                self.screen.sync_nav()
                self.screen.refresh_data()
                self.screen.show_room()
        elif hasattr(self.screen, "refresh_data"):  # a dialog that shows the room (who is here)
            self.screen.refresh_data()

    # -- actions -------------------------------------------------------------------------

    def offers(self, action: str) -> bool:
        """Whether this person's command palette offers the app's `action`: the facilitator's
        room actions to the facilitator, a participant's own to a participant."""
        if action in self.ROOM_ACTIONS:
            return self.facilitator and not self.following
        if action in self.PARTICIPANT_ACTIONS:
            return self.participant_id is not None and not (
                self.ws.is_facilitator and action == "toggle_ready"
            )
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Phase moves and undo wait while a dialog is open, so a key never acts behind it;
        they belong to the facilitator (a participant's undo could revert someone else's
        change)."""
        if not self.offers(action):
            return False
        if action == "follow_room" and self.current_mode == self.phase:
            return False  # shown only while looking back
        return not (action in self.ROOM_ACTIONS and isinstance(self.screen, ModalScreen))

    @guarded
    def go_to_phase(self, phase: str) -> None:
        """Move the room to `phase` and show its screen (the facilitator); a participant
        looks back at an earlier phase instead, while the room stays where it is."""
        if not self.facilitator or self.following:
            self._look_at(phase)
            return
        self.ws.update_info(phase=phase)
        self._show_header()
        if self.current_mode == PRESENTER:
            self._show_room()
        elif self.current_mode == phase and isinstance(self.screen, PhaseScreen):
            self.screen.sync_nav()
        else:
            self.switch_mode(phase)

    def _look_at(self, phase: str) -> None:
        """A participant's own view: the room's phase or an earlier one."""
        if PHASES.index(phase) > PHASES.index(self.phase):
            self.notify(
                f"The room has not reached {phase} yet; the facilitator leads the phases.",
                severity="warning",
            )
            return
        if phase != self.current_mode:
            self.switch_mode(phase)
        self.refresh_bindings()

    def action_follow_room(self) -> None:
        self._look_at(self.phase)

    def action_toggle_presenter(self) -> None:
        """Switch between the presenter view and the phase's working screen."""
        self.switch_mode(self.phase if self.current_mode == PRESENTER else PRESENTER)

    @guarded
    def action_toggle_ready(self) -> None:
        if self.participant_id is None:
            return
        ready = not self.ws.is_ready(self.participant_id)
        self.ws.set_ready(self.participant_id, ready)
        self.notify("Marked done with this phase." if ready else "Marked not done yet.")
        self._show_room()

    def action_room_access(self) -> None:
        """The join code, the recent join attempts and the names keys hold."""
        from screens.room_access import RoomAccess

        self.push_screen(RoomAccess(self.ws))

    def action_people(self) -> None:
        """Who is here: connected now, done with the phase; move someone, remove someone."""
        from screens.people_screen import PeopleScreen

        self.push_screen(PeopleScreen(self.ws))

    @guarded
    def action_phase_timer(self) -> None:
        from screens.timer_form import TimerForm

        def start(draft: TimerDraft) -> None:
            timer = self.ws.start_timer(draft.length, lock=draft.lock)
            lock = "; input locks at the end" if draft.lock else ""
            self.notify(f"Timer started: {timer.clock()} for {timer.phase}{lock}.")

        if self.ws.timer() is not None:
            self.ws.stop_timer()
            self._timer_mark = ""
            self.notify("Timer stopped.")
            self._show_room()
            return
        self.push_screen(TimerForm(start, self.phase), lambda _: self._show_room())

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

    @guarded
    def action_undo(self) -> None:
        what = self.ws.undo()
        self.notify(f"Undone: {what}.")
        self.refresh_workshop()

    @guarded
    def action_redo(self) -> None:
        what = self.ws.redo()
        self.notify(f"Redone: {what}.")
        self.refresh_workshop()

    def action_edit_workshop(self) -> None:
        """The workshop's title, date and purpose: the header shows them at once."""
        from screens.workshop_form import WorkshopDraft, WorkshopForm

        def save(draft: WorkshopDraft) -> None:
            self.ws.update_info(title=draft.title, date=draft.date, purpose=draft.purpose)

        def saved(done: bool | None) -> None:
            if done:
                self.refresh_workshop()
                self.notify("Saved the workshop's details.")

        self.push_screen(WorkshopForm(save, self.ws.info()), saved)

    def summary_path(self) -> Path:
        """Where the summary goes: beside the workshop file, named after it."""
        path = Path(self.ws.path)
        return path.with_name(f"{path.stem}-summary.md")

    def action_export_summary(self) -> None:
        """Write the summary beside the workshop: asks before replacing an existing file, and
        refuses a symbolic link, a folder or the workshop itself (even under another name)."""
        target = self.summary_path()
        try:
            exists = check_target(target, protect=[Path(self.ws.path)])
        except WorkshopError as error:
            self.notify(f"Could not write the summary: {error}", severity="error")
            return
        if not exists or not self.ws.is_facilitator:  # a participant is refused by the export
            self._write_summary(target, overwrite=False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._write_summary(target, overwrite=True)
            else:
                self.notify(f"Kept {target.name} as it was; the summary was not written.")

        from screens.widgets.confirm import ConfirmModal  # a dialog, loaded when first asked

        question = f"Replace {target.name}?"
        detail = f"{target} already exists; the summary would replace it."
        self.push_screen(ConfirmModal(question, detail, yes="Replace"), answered)

    @work(thread=True, group="export")
    def _write_summary(self, target: Path, *, overwrite: bool) -> None:
        """Export and write the summary off the event loop (most of a second on a large
        workshop), through a read-only twin of the workshop."""
        try:
            with self.ws.reader() as reader:
                text = reader.export("md")
            write_text(target, text, protect=[Path(self.ws.path)], overwrite=overwrite)
        except TargetExists:
            self.call_from_thread(
                self.notify,
                f"{target.name} appeared meanwhile and was kept; press x again to replace it.",
                severity="warning",
            )
            return
        except (OSError, WorkshopError) as error:
            self.call_from_thread(
                self.notify, f"Could not write the summary: {error}", severity="error"
            )
            return
        self.call_from_thread(self.notify, f"Wrote the summary to {target}.")

    def action_help(self) -> None:
        from screens.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def run_screen_action(self, phase: str, action: str) -> None:
        """Run a phase screen's action from the palette, going to that phase first."""
        if self.current_mode != phase:
            self.go_to_phase(phase)
        self.call_after_refresh(self.screen.run_action, action)

    def action_toggle_projector_theme(self) -> None:
        self.theme = "projector-dark" if self.theme == "projector" else "projector"
