"""What every phase screen shares: the header, the phase navigator, the footer."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.types import NoActiveAppError
from textual.widgets import DataTable, Header

from screens.guarded import guarded, refusals
from screens.widgets.key_bar import KeyBar
from screens.widgets.phase_nav import PhaseNav
from screens.widgets.plain import PlainTable
from screens.widgets.room_bar import RoomBar
from workshop.model import Action, Comment, Contribution, Group, Handoff, Proposal, Touchpoint

if TYPE_CHECKING:
    from screens.app import WorkshopApp
    from workshop import Workshop

Record = TypeVar("Record", Action, Comment, Contribution, Group, Handoff, Proposal, Touchpoint)
# Each kind of record a screen acts on, by its type: the workshop's getter, its table and
# what a refusal calls it (for the store's edit rules).
RECORDS = {Action: ("action", "actions", "action"), Comment: ("comment", "comments", "comment"),
           Contribution: ("contribution", "contributions", "layer"),
           Group: ("group", "groups", "group"), Handoff: ("handoff", "handoffs", "hand-off"),
           Proposal: ("proposal", "proposals", "proposal"),
           Touchpoint: ("touchpoint", "touchpoints", "touchpoint")}  # fmt: skip


# Screen actions that change the workshop: a participant looking back at an earlier phase
# may read it but not change it (they add and edit in the room's phase). Each runs through
# `guarded`: a change the workshop refuses is told, never a crash.
WRITING_ACTIONS = ("add_", "edit", "delete", "rate_", "route_", "toggle_fail", "toggle_weak",
                   "place_dot", "take_back", "plan_", "next_status", "open_vote", "reveal_vote",
                   "close_vote", "runoff")  # fmt: skip


NAVIGATOR_FROM = 120  # the narrowest screen that shows the phase navigator by itself
Columns = list[tuple[str, int] | tuple[str, int, int]]


def data_table(table_id: str, columns: Columns) -> PlainTable:
    """A row-cursor, zebra-striped table, as every phase uses: each column is (label, width)
    or, for typed text that takes a share of the free width, (label, width, share)."""
    table = PlainTable(id=table_id, cursor_type="row", zebra_stripes=True)
    for label, width, *grow in columns:
        table.add_column(label, width=width, grow=grow[0] if grow else 0)
    return table


class PhaseScreen(Screen):
    """A screen for one phase: subclasses set PHASE and compose their body in `compose_body`."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")
    PHASE = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every writing action a screen defines runs through `guarded`."""
        super().__init_subclass__(**kwargs)
        for name, method in list(vars(cls).items()):
            if (
                name.startswith("action_")
                and name.removeprefix("action_").startswith(WRITING_ACTIONS)
                and callable(method)
                and not getattr(method, "guarded", False)
            ):
                setattr(cls, name, guarded(method))

    BINDINGS = [
        Binding(
            "slash",
            "find",
            "Find",
            id="phase.find",
            tooltip="Find a row by typing (Enter: next match, Up: back, Esc: done)",
            show=False,
        ),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A new screen is styled as it mounts. Marking it up to date with the app's CSS
        # spares the two full re-parses and whole-app restyles Textual would run when it
        # is first shown (the app's CSS generation moves only when the theme changes).
        # A private attribute of the Textual pinned in constraints.txt; the test
        # test_a_new_screen_parses_no_css notices if it stops working.
        with contextlib.suppress(NoActiveAppError):
            self._css_update_count = self.app._css_update_count

    @property
    def workshop_app(self) -> WorkshopApp:
        from screens.app import WorkshopApp

        return cast(WorkshopApp, self.app) if isinstance(self.app, WorkshopApp) else self.app  # type: ignore[return-value]

    @property
    def ws(self) -> Workshop:
        return self.workshop_app.ws

    def compose(self) -> ComposeResult:
        yield Header(icon="◎")
        yield RoomBar(id="room-bar")
        with Horizontal(id="shell"):
            yield PhaseNav(id="phase-nav")
            with Vertical(id="body"):
                yield from self.compose_body()
        yield KeyBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    built = False  # every widget mounted: the screen's keys act and it takes live changes

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A participant looking back at an earlier phase reads it without changing it. The
        screen's keys act once it is built: one that comes while its widgets are still being
        mounted does nothing, rather than failing on a widget not there yet (the app's own
        keys, like quit, always act)."""
        if not self.built:
            return False
        if action.startswith(WRITING_ACTIONS):
            return self.workshop_app.may_edit(self.PHASE)
        return True

    def on_mount(self) -> None:
        # Everything is in place before the screen is first drawn (or, built in the
        # background, before it is shown).
        self.sync_nav()
        self.show_room()
        self.load_if_changed()
        preload = getattr(self.app, "preload_css", None)
        if preload is not None:
            self.call_after_refresh(preload)  # the other screens' CSS, once this one shows
        self.built = True  # its widgets are all mounted by now

    def show_room(self) -> None:
        """Update the room line (timer, who is done, join code or one's own state)."""
        if hasattr(self.workshop_app, "room_state"):
            for bar in self.query(RoomBar):
                bar.show(self.workshop_app.room_state(self.PHASE))

    _loaded: tuple[int, int] | None = None
    _left_with: tuple[object, ...] | None = None  # the app's looks when the screen was left

    def _app_looks(self) -> tuple[object, ...]:
        """What of the app the screen's styles can depend on: its CSS generation (the
        theme), its classes and its pseudo-classes (focus, dark, ansi…)."""
        app = self.app
        return (app._css_update_count, frozenset(app.classes), frozenset(app.get_pseudo_classes()))

    _rows_before: dict[str, set[str]] | None = None  # each table's rows when a form opened

    def on_screen_suspend(self) -> None:
        self._left_with = self._app_looks()
        self._rows_before = self._row_keys()

    def _row_keys(self) -> dict[str, set[str]]:
        return {t.id: {str(k.value) for k in t.rows} for t in self.query(DataTable) if t.id}

    def _after_form(self, saved: bool | None) -> None:
        """Once a form saved: show the workshop afresh, with the cursor on what was added."""
        if saved:
            self.refresh_data()
            self.follow_added()

    def follow_added(self) -> None:
        """Put each table's cursor on the one row added since a form opened (and scroll to
        it), so a new record is never added out of sight."""
        before = self._rows_before or {}
        for table in self.query(DataTable):
            if table.id not in before:
                continue
            added = [key for key in table.rows if str(key.value) not in before[table.id]]
            if len(added) == 1:
                table.move_cursor(row=table.get_row_index(added[0]), scroll=True)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Back on screen: reload only if the workshop changed since the last time."""
        if self._left_with is None or self._left_with == self._app_looks():
            # Every widget was styled as it mounted (just now, or while the screen was built
            # in the background) or restyled as it changed, and nothing the styles depend
            # on changed since: Textual's restyling of the whole screen on each resume (two
            # on the first show) would do it all again, and redraw every cell.
            event.refresh_styles = False
        self.sync_nav()
        self.show_room()
        self.load_if_changed()
        if self.is_current and hasattr(self.app, "prepare_next_phase"):
            self.workshop_app.screen_ready()
            self.workshop_app.prepare_next_phase()

    def load_if_changed(self) -> None:
        """Load the rows, unless nothing changed in the workshop since they were loaded."""
        token = self.ws.change_token()
        if token != self._loaded:
            self._loaded = token
            self.refresh_data()

    def sync_navigator(self) -> None:
        """Show or hide the phase navigator as the facilitator chose (N) or, until they
        choose, by width: below NAVIGATOR_FROM columns the numbers need the room more than
        the list of phases (the header names the phase). Set on the navigator alone: a
        class on the screen would restyle all of it."""
        choice = getattr(self.app, "navigator_shown", None)
        shown = choice if choice is not None else self.app.size.width >= NAVIGATOR_FROM
        for nav in self.query(PhaseNav):
            if nav.display != shown:
                nav.display = shown
            if not shown and nav.has_focus:  # the keys go to the screen's own lists
                self.call_after_refresh(self._leave_hidden_navigator)

    def _leave_hidden_navigator(self) -> None:
        """Move the focus on from the navigator if it is still there, hidden (asked more than
        once, on a busy machine, it must move once: each move would pick another list)."""
        focused = self.focused
        if isinstance(focused, PhaseNav) and not focused.display:
            from screens.widgets.find_bar import searchable

            lists = [w for w in self.query("#body *") if searchable(w) and w.focusable]
            if lists:
                lists[0].focus()

    def on_resize(self, event: events.Resize) -> None:
        self.sync_navigator()

    def navigator_visible(self) -> bool:
        """Whether the phase navigator shows on this screen now."""
        return any(nav.display for nav in self.query(PhaseNav))

    def sync_nav(self) -> None:
        """Mark the room's phase and the one on show in the navigator (once it is composed)."""
        self.sync_navigator()
        for nav in self.query(PhaseNav):
            nav.current = self.workshop_app.phase
            nav.viewing = self.PHASE

    def fresh(self, record: Record) -> Record:
        """The record as the workshop holds it now, to edit or to ask about: the screen may
        show it as it was a moment ago. Raises NotFound if it was deleted meanwhile (a
        writing action then tells so and reloads)."""
        return getattr(self.ws, RECORDS[type(record)][0])(record.id)

    def editable(self, record: Record) -> Record:
        """The record as it is now, once the workshop says this person may edit it: a
        participant hears "only what you added" before filling in a form, not on saving
        (the store checks again then). Raises WorkshopError (told by `guarded`) otherwise."""
        current = self.fresh(record)
        _, table, what = RECORDS[type(record)]
        self.ws.check_may_edit(table, current.id, what)
        return current

    def confirm_and_delete(
        self, question: str, detail: str, delete: Callable[[], None], done: str
    ) -> None:
        """Ask through the shared confirmation dialog; on yes delete, refresh and say so."""

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            with refusals(self):
                cursors = {t.id: (t.cursor_row, t.row_count) for t in self.query(DataTable)}
                delete()
                self.refresh_data()
                self._stay_near(cursors)
                self.app.notify(f"{done} Press u to undo.")

        from screens.widgets.confirm import ConfirmModal  # a dialog, loaded when first asked

        self.app.push_screen(ConfirmModal(question, detail), answered)

    def _stay_near(self, cursors: dict[str | None, tuple[int, int]]) -> None:
        """After a delete, each table that lost rows keeps its cursor where it was (on the
        row that took the deleted one's place, or the new last row), not back at the top."""
        for table in self.query(DataTable):
            row, count = cursors.get(table.id, (0, 0))
            if table.row_count and table.row_count < count:
                table.move_cursor(row=min(row, table.row_count - 1), scroll=True)

    def refresh_data(self) -> None:
        """Reload what the screen shows from the workshop; called on resume and on changes."""

    def action_find(self) -> None:
        """Open the find bar under the list in use (the focused one, else the first shown)."""
        from screens.widgets.find_bar import FindBar, searchable

        for bar in self.query(FindBar):
            bar.focus()
            return
        focused = self.focused
        target = focused if searchable(focused) and focused.display else None
        if target is None:
            shown = [w for w in self.query("#body *") if searchable(w) and w.display
                     and w.is_on_screen]  # fmt: skip
            target = shown[0] if shown else None
        if target is None:
            self.app.notify("Nothing to find in here.", severity="warning")
            return
        self.query_one("#body").mount(FindBar(target))

    @on(PhaseNav.Chosen)
    def _phase_chosen(self, event: PhaseNav.Chosen) -> None:
        self.workshop_app.go_to_phase(event.phase)
