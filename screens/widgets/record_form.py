"""What every add/edit dialog shares: save through a callback, show a refusal, never lose
what was typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    RadioSet,
    Select,
    SelectionList,
    Static,
    TextArea,
)

from screens.widgets.plain import PlainStatic, plain
from workshop import WorkshopError

# What a form's fields are made of (the first focusable one is where typing starts).
FIELDS = (Input, TextArea, Select, SelectionList, RadioSet, Checkbox)


class RecordForm(ModalScreen[bool]):
    """A modal form. Subclasses compose their fields (ending with `compose_footer()`) and build
    the draft; `save(draft)` stores it or raises WorkshopError, whose sentence the form shows
    while staying open. Dismisses True once saved, False on cancel."""

    # Not a priority binding: ctrl+s then waits behind the keys typed before it, so a fast
    # typist (or a paste) never saves a field before its last characters arrive.
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form.save", tooltip="Save the form"),
        Binding(
            "escape", "cancel", "Cancel", id="form.cancel", tooltip="Close the form without saving"
        ),
    ]
    # On a screen under 32 lines the fields sit closer together (the `-short` class).
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    # The one-line Input in which Enter saves (Enter in any other Input moves to the next
    # field; Enter in a multi-line field makes a new line, and ctrl+s saves).
    LAST_FIELD = ""
    SAVE_LABEL = "Save"  # what the save button says ("Start" for the timer)

    def __init__(self, save: Callable[[Any], None]) -> None:
        super().__init__()
        self.save = save

    def compose_footer(self) -> ComposeResult:
        yield PlainStatic("", id="error")
        with Horizontal(id="buttons"):
            yield Button(plain(f"{self.SAVE_LABEL} (ctrl+s)"), variant="primary", id="save")
            yield Button("Cancel (esc)", id="cancel")

    def draft(self) -> Any:
        raise NotImplementedError

    def validate_draft(self, draft: Any) -> str | None:
        """A message for what the form itself can tell is missing, else None."""
        return None

    def show_error(self, message: str) -> None:
        """Keep the form open and say what is wrong."""
        error = self.query_one("#error", Static)
        error.update(message)
        error.display = True
        self.call_after_refresh(error.scroll_visible, animate=False)

    _since: int | None = None  # the latest change when the form opened
    _opened: Any = None  # the draft as the form opened (after its fields were filled in)

    def on_mount(self) -> None:
        ws = getattr(self.app, "ws", None)
        if ws is not None:
            self._since = ws.last_event_id()
        self.call_after_refresh(self._remember_opening)

    def _remember_opening(self) -> None:
        self._focus_first_field()
        self._opened = self._current_draft()

    def _focus_first_field(self) -> None:
        """Whatever a form chose to focus as it opened, the keys typed first land in a field:
        when nothing in the form has focus, its first field gets it."""
        focused = self.focused
        if focused is not None and focused.id != "form":
            return
        for widget in self.query("#form *"):
            if isinstance(widget, FIELDS) and widget.focusable:
                widget.focus(scroll_visible=False)
                return

    def _current_draft(self) -> Any:
        try:
            return self.draft()
        except NoMatches:  # a form half built (closing as it opens) has no draft to keep
            return None

    def action_save(self) -> None:
        draft = self.draft()
        problem = self.validate_draft(draft)
        if problem is None:
            try:
                self.save(draft)
            except WorkshopError as error:
                problem = str(error)
        if problem is not None:
            self.show_error(problem)
            return
        self._tell_about_others()
        self.dismiss(True)

    def _tell_about_others(self) -> None:
        """Last writer wins, but never silently: say whose change this save replaced."""
        ws = getattr(self.app, "ws", None)
        if ws is None or self._since is None:
            return
        others = ws.edited_meanwhile(self._since)
        if others:
            self.app.notify(
                f"{' and '.join(others)} changed this while you were editing; your version "
                "is saved (u undoes it, for the facilitator).",
                severity="warning",
                timeout=8,
            )

    def action_cancel(self) -> None:
        """Close without saving; when something was typed, ask first (nothing is lost by a
        stray Esc)."""
        if self._opened is None or self._current_draft() == self._opened:
            self.dismiss(False)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(False)

        from screens.widgets.confirm import ConfirmModal

        self.app.push_screen(
            ConfirmModal(
                "Discard what you typed?", "Nothing in this form is saved yet.", "Discard"
            ),
            answered,
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == self.LAST_FIELD:
            self.action_save()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()
