"""The app's own commands in the command palette, so every action is reachable by name.

Screen actions are gathered from each built phase screen's BINDINGS, so a new key is in the
palette without a second list to keep in step.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from workshop.vocabulary import PHASES

# The app's keys the palette has no line for: it is open already, Textual offers quit, the
# phases have their own lines above, and tab means nothing there.
NOT_OFFERED = {"command_palette", "quit", "go_to_phase", "focus_next"}
KEY_NAMES = {"right_square_bracket": "]", "left_square_bracket": "[", "full_stop": ".",
             "question_mark": "?"}  # fmt: skip


def _command_name(binding: Binding) -> str:
    """The key's name and what it does ("Timer: start or stop the phase timer…")."""
    said, does = binding.description, binding.tooltip
    named = ":" in does.split(" (")[0][:30]  # the tooltip names itself ("Room access: …")
    if not does or named or does.casefold().startswith(said.casefold()):
        return does or said
    return f"{said}: {does[0].lower()}{does[1:]}"


def _key_name(keys: str) -> str:
    first = keys.split(",")[0]
    return KEY_NAMES.get(first, first)


class WorkshopCommands(Provider):
    """Phases, every phase screen's actions, undo, help and the theme."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        """(name, callback, help) for every command the palette offers."""
        from screens.app import BUILT

        app = self.app
        run = app.run_action
        leads = getattr(app, "facilitator", True) and not getattr(app, "following", False)
        commands: list[tuple[str, Callable[[], object], str]] = [
            (
                f"Go to phase {n}: {phase}" if leads else f"Look at phase {n}: {phase}",
                partial(run, f"app.go_to_phase({n - 1})"),
                f"Move the room to “{phase}”"
                if leads
                else "Read it (earlier phases only); the facilitator moves the room",
            )
            for n, phase in enumerate(PHASES, start=1)
        ]
        for phase, screen_class in BUILT.items():
            for binding in screen_class.BINDINGS:
                if isinstance(binding, Binding):
                    commands.append(
                        (
                            f"{phase.capitalize()}: {binding.tooltip or binding.description}",
                            partial(app.run_screen_action, phase, binding.action),  # type: ignore[attr-defined]
                            f"Key: {binding.key.split(',')[0]}",
                        )
                    )
        offers = getattr(app, "offers", None)
        for binding in type(app).BINDINGS:  # the app's own keys: timer, presenter, done…
            if not isinstance(binding, Binding):
                continue
            action = binding.action.split("(")[0].removeprefix("app.")
            if action in NOT_OFFERED or (offers is not None and not offers(action)):
                continue
            commands.append(
                (
                    _command_name(binding),
                    partial(run, f"app.{binding.action.removeprefix('app.')}"),
                    f"Key: {_key_name(binding.key)}",
                )
            )
        commands += [
            (
                "Toggle projector theme (light / dark)",
                partial(run, "app.toggle_projector_theme"),
                "Switch between the light and dark high-contrast themes",
            ),
        ]
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
