"""The help screen: what the workshop is for, and every key, gathered from the bindings."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.keys import format_key
from textual.screen import ModalScreen

from screens.widgets.markdown_view import MarkdownView, split_blocks

INTRO = Path(__file__).with_name("help_screen.md")


def _keys_table(title: str, bindings: list[BindingType]) -> str:
    lines = [f"### {title}", ""]
    for binding in bindings:
        if not isinstance(binding, Binding):
            continue
        keys = " ".join(f"`{format_key(key.strip())}`" for key in binding.key.split(","))
        lines.append(f"- {keys}  {binding.tooltip or binding.description}")
    return "\n".join(lines) + "\n"


def help_markdown() -> str:
    """The whole help text: the intro from help_screen.md, then one key table per place."""
    from screens.app import BUILT, WorkshopApp
    from screens.widgets.confirm import ConfirmModal
    from screens.widgets.record_form import RecordForm

    sections = [
        ("Everywhere", WorkshopApp.BINDINGS),
        *[(phase.capitalize(), screen.BINDINGS) for phase, screen in BUILT.items()],
        ("Forms", RecordForm.BINDINGS),
        ("Confirmation", ConfirmModal.BINDINGS),
    ]
    tables = "\n".join(_keys_table(title, list(bindings)) for title, bindings in sections)
    return INTRO.read_text(encoding="utf-8") + "\n## Keys\n\n" + tables


class HelpScreen(ModalScreen[None]):
    """Every key of the app; escape, q or ? closes it. The text is laid out block by block
    as it scrolls into view (Textual's Markdown widget made a widget per line of the key
    lists: more than a second to open)."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        yield MarkdownView(id="help")

    def on_mount(self) -> None:
        view = self.query_one("#help", MarkdownView)
        view.show(split_blocks(help_markdown()))
        view.focus()
