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


class WorkshopCommands(Provider):
    """Phases, every phase screen's actions, undo, help and the theme."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        """(name, callback, help) for every command the palette offers."""
        from screens.app import BUILT

        app = self.app
        run = app.run_action
        commands: list[tuple[str, Callable[[], object], str]] = [
            (
                f"Go to phase {n}: {phase}",
                partial(run, f"app.go_to_phase({n - 1})"),
                f"Move the room to “{phase}”",
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
        commands += [
            ("Next phase", partial(run, "app.next_phase"), "Move the room to the next phase"),
            ("Previous phase", partial(run, "app.previous_phase"), "Move the room back one phase"),
            ("Undo", partial(run, "app.undo"), "Undo the last change to the workshop"),
            (
                "Export summary",
                partial(run, "app.export_summary"),
                "Write the Markdown summary next to the workshop file (key: x)",
            ),
            (
                "Room access: join code, attempts, held names",
                partial(run, "app.room_access"),
                "Renew the join code, see wrong tries, free a participant's name (key: J)",
            ),
            (
                "Who is here: connected now, done with this phase",
                partial(run, "app.people"),
                "Move someone to another group or remove them from the room (key: W)",
            ),
            ("Help: keys", partial(run, "app.help"), "Show every key"),
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
