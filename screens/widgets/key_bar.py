"""The key bar: the keys that work here, in one line at the bottom of every phase screen.

It shows what Textual's Footer shows, drawn as a single widget. The Footer makes a widget per
key and restyles each of them whenever the keys change (on every screen switch and focus
move); on a slow machine that was most of the time a phase screen took to open.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget

from screens.widgets.plain import plain


@dataclass(frozen=True)
class ShownKey:
    """One key as the bar shows it."""

    key: str
    display: str
    description: str
    enabled: bool
    tooltip: str


class KeyBar(Widget, can_focus=False):
    """One line of keys; clicking one presses it, hovering shows what it does."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--hover", "key-bar--edge"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-bar--hover {
            background: $block-hover-background;
        }
        & > .key-bar--edge {
            color: $foreground 20%;
        }
    }
    """

    hovered: reactive[int | None] = reactive(None)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, ShownKey]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen:
            self.refresh()

    def shown_keys(self) -> tuple[list[ShownKey], ShownKey | None]:
        """The keys to show (one per action, as the Footer does) and the palette key."""
        active = self.screen.active_bindings
        keys: dict[str, ShownKey] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in keys:
                keys[binding.action] = self._shown(binding, enabled, tooltip)
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            palette = self._shown(binding, enabled, tooltip)
        return list(keys.values()), palette

    def _shown(self, binding: Binding, enabled: bool, tooltip: str) -> ShownKey:
        return ShownKey(
            binding.key,
            self.app.get_key_display(binding),
            binding.description,
            enabled,
            tooltip or binding.tooltip or binding.description,
        )

    def render(self) -> Text:
        keys, palette = self.shown_keys()
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        hover_style = self.get_component_rich_style("key-bar--hover")
        line = Text(no_wrap=True, overflow="crop")
        spans: list[tuple[int, int, ShownKey]] = []

        def add(shown: ShownKey, pad: str = " ") -> None:
            start, start_cell = len(line), line.cell_len
            line.append(f"{pad}{shown.display}{pad}", key_style)
            line.append(f"{'' if pad else ' '}{shown.description} ", description_style)
            if not shown.enabled:
                line.stylize("dim", start)
            if self.hovered == len(spans):
                line.stylize(hover_style, start)
            spans.append((start_cell, line.cell_len, shown))

        room = self.size.width
        if palette is not None:  # kept at the right edge, as the Footer docks it
            room -= len(f"▏{palette.display} {palette.description} ")
        for shown in keys:  # whole keys only: one that does not fit is left to help (?)
            if line.cell_len + len(f" {shown.display} {shown.description} ") > room:
                break
            add(shown)
        if palette is not None:
            line.pad_right(max(room - line.cell_len, 0))
            line.append("▏", self.get_component_rich_style("key-bar--edge"))
            add(palette, pad="")
        self._spans = spans
        return line

    def _key_at(self, x: int) -> int | None:
        for index, (start, end, _shown) in enumerate(self._spans):
            if start <= x < end:
                return index
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hovered = self._key_at(event.x)
        hovered = self._spans[self.hovered][2] if self.hovered is not None else None
        self.tooltip = plain(hovered.tooltip) if hovered is not None else None

    def on_leave(self) -> None:
        self.hovered = None

    def on_click(self, event: events.Click) -> None:
        index = self._key_at(event.x)
        if index is None:
            return
        shown = self._spans[index][2]
        if shown.enabled:
            self.app.simulate_key(shown.key)
        else:
            self.app.bell()
