"""The add/edit dialog for one layer of the onion: which group, whom it helps, what it does,
whether it strengthens or weakens the ripple, and whether it is a known fail point."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, Label, Select

from screens.widgets.plain import PlainSelect, PlainStatic
from screens.widgets.plain_text_area import PlainTextArea
from screens.widgets.record_form import RecordForm
from screens.widgets.toggles import TickBox
from workshop.model import Contribution
from workshop.vocabulary import EFFECTS

OWNER = "owner"


@dataclass(frozen=True)
class ContributionDraft:
    """The fields as chosen; `supports_group_id` None means the touchpoint's owner."""

    group_id: int | None
    supports_group_id: int | None
    what: str
    effect: str
    fail_point: bool


class ContributionForm(RecordForm):
    """Add a group's layer to a touchpoint's onion, or edit one. Only valid choices are offered:
    groups not yet in the onion, and as "whom does this help?" the owner or a layer that does not
    rest on this one."""

    CSS_PATH = [Path(__file__).with_name("widgets") / "record_form.tcss"]

    def __init__(
        self,
        touchpoint: str,
        save: Callable[[ContributionDraft], None],
        groups: list[tuple[int, str]],
        supports: list[tuple[int | None, str, int]],
        contribution: Contribution | None = None,
        *,
        helps: int | None = None,
    ) -> None:
        super().__init__(save)
        self.touchpoint = touchpoint
        self.groups = groups
        self.supports = supports
        self.contribution = contribution
        self.helps = contribution.supports_group_id if contribution else helps

    def compose(self) -> ComposeResult:
        c = self.contribution
        title = (
            f"Edit {c.group}'s layer at “{self.touchpoint}”"
            if c
            else f"Add a layer to the onion of “{self.touchpoint}”"
        )
        with VerticalScroll(id="form"):
            yield PlainStatic(title, id="form-title")
            yield Label("Which group contributes?")
            yield PlainSelect(
                [(name, gid) for gid, name in self.groups],
                value=c.group_id if c else Select.NULL,
                prompt="Choose a group",
                id="group",
            )
            yield Label("Whom does this help? (the next layer in)")
            yield PlainSelect(
                [
                    (f"layer {layer} · {name}" + (" (owner)" if gid is None else ""), gid or OWNER)
                    for gid, name, layer in self.supports
                ],
                value=self.helps or OWNER,
                allow_blank=False,
                id="supports",
            )
            yield Label("What it does for them")
            yield PlainTextArea(
                c.what if c else "", id="what", placeholder="e.g. keeps the tablets working"
            )
            yield Label("Effect on the ripple toward the customer")
            yield PlainSelect(
                [(effect, effect) for effect in EFFECTS],
                value=c.effect if c else "strengthens",
                allow_blank=False,
                id="effect",
            )
            yield TickBox("A known fail point", c.fail_point if c else False, id="fail_point")
            yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#group" if self.contribution is None else "#what").focus()

    def draft(self) -> ContributionDraft:
        group = self.query_one("#group", Select).value
        supports = self.query_one("#supports", Select).value
        return ContributionDraft(
            group_id=None if group is Select.NULL else int(group),  # type: ignore[arg-type]
            supports_group_id=None if supports in (OWNER, Select.NULL) else int(supports),  # type: ignore[arg-type]
            what=self.query_one("#what", PlainTextArea).text,
            effect=str(self.query_one("#effect", Select).value),
            fail_point=self.query_one("#fail_point", Checkbox).value,
        )

    def validate_draft(self, draft: ContributionDraft) -> str | None:
        if draft.group_id is None:
            return "Choose the group whose work this is."
        return None
