"""The app's own commands in the command palette, so every action is reachable by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from workshop.vocabulary import PHASES


class WorkshopCommands(Provider):
    """Phases, group actions, undo and help."""

    def _commands(self) -> list[tuple[str, str, str]]:
        """(name, action, help) for every command the palette offers."""
        commands = [
            (
                f"Go to phase: {phase}",
                f"app.go_to_phase({PHASES.index(phase)})",
                f"Move the room to “{phase}”",
            )
            for phase in PHASES
        ]
        commands += [
            ("Next phase", "app.next_phase", "Move the room to the next phase"),
            ("Previous phase", "app.previous_phase", "Move the room back one phase"),
            ("Add group", "app.screen_action('add_group')", "Add a group (groups & roles)"),
            ("Edit group", "app.screen_action('edit_group')", "Edit the highlighted group"),
            (
                "Delete group",
                "app.screen_action('delete_group')",
                "Delete the highlighted group (asks first)",
            ),
            ("Undo", "app.undo", "Undo the last change to the workshop"),
            ("Help: keys", "app.help", "Show every key"),
            (
                "Toggle projector theme (light / dark)",
                "app.toggle_projector_theme",
                "Switch between the light and dark high-contrast themes",
            ),
        ]
        return commands

    async def discover(self) -> Hits:
        for name, action, help_text in self._commands():
            yield DiscoveryHit(name, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(self.app.run_action, action),
                    help=help_text,
                )
