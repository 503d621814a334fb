"""Pilot tests: a facilitator works the Groups & roles screen with the keyboard only."""

from __future__ import annotations

from textual.command import CommandList
from textual.keys import format_key
from textual.widgets import DataTable, Input, Select

from screens.app import WorkshopApp
from screens.group_form import GroupForm
from screens.groups_screen import GroupsScreen
from screens.help_screen import HelpScreen
from screens.widgets.confirm import ConfirmModal
from workshop import Workshop


def names(ws: Workshop) -> list[str]:
    return [group.name for group in ws.groups()]


async def type_into(pilot, text: str) -> None:
    await pilot.press(*[("space" if ch == " " else ch) for ch in text])


async def run_in_palette(pilot, text: str) -> None:
    """Open the command palette, type `text` and run the first hit once it is listed (the
    palette searches in the background)."""
    await pilot.press("ctrl+p")
    await type_into(pilot, text)
    for _ in range(200):
        await pilot.pause(0.05)
        hits = pilot.app.screen.query_one(CommandList)
        if hits.highlighted is not None:
            prompt = str(hits.get_option_at_index(hits.highlighted).prompt)
            if text.casefold() in prompt.casefold():
                break
    await pilot.press("enter")
    await pilot.pause(0.3)


async def test_facilitator_adds_edits_deletes_and_undoes_a_group(small_workshop):
    """Add, edit, delete (confirmed) and undo a group, all by keyboard, all saved in the file."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, GroupsScreen)
        await pilot.press("a")
        assert isinstance(app.screen, GroupForm)
        await type_into(pilot, "Field Service")
        await pilot.press("tab")  # to the kind select
        await pilot.press("enter", "up", "enter")  # open, move to "front line", choose
        await pilot.press("tab")
        await type_into(pilot, "We fix what breaks")
        await pilot.press("tab")
        await type_into(pilot, "Fixed on the first visit")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, GroupsScreen)
        added = small_workshop.group(small_workshop.lookup_id("groups", "field service"))
        assert (added.name, added.kind, added.role, added.good_day) == (
            "Field Service",
            "front line",
            "We fix what breaks",
            "Fixed on the first visit",
        )

        table = app.screen.query_one(DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index(str(added.id)))
        await pilot.press("e")
        assert isinstance(app.screen, GroupForm)
        name = app.screen.query_one("#name", Input)
        name.value = ""
        await type_into(pilot, "Field Ops")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Field Ops" in names(small_workshop)
        assert "Field Service" not in names(small_workshop)

        await pilot.press("d")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert "Field Ops" not in names(small_workshop)
        assert table.row_count == 4

        await pilot.press("u")
        await pilot.pause()
        assert "Field Ops" in names(small_workshop)
        assert table.row_count == 5


async def test_delete_can_be_declined(small_workshop):
    """Answering no (or escape) to the confirmation keeps the group."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await pilot.press("d", "escape")
        await pilot.pause()
        assert names(small_workshop) == ["Sales", "IT", "HR", "Audit"]


async def test_refused_name_keeps_the_form_open_with_what_was_typed(small_workshop):
    """A duplicate name is refused with a message; the form stays open and nothing is lost."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await type_into(pilot, "sales")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, GroupForm)
        error = str(app.screen.query_one("#error").render())
        assert "already used" in error
        assert app.screen.query_one("#name", Input).value == "sales"
        await pilot.press("escape")
        assert names(small_workshop) == ["Sales", "IT", "HR", "Audit"]


async def test_empty_name_is_refused_in_the_form(small_workshop):
    """Saving without a name says so and saves nothing."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, GroupForm)
        assert "needs a name" in str(app.screen.query_one("#error").render())
        assert len(names(small_workshop)) == 4


async def test_kind_select_offers_only_the_known_kinds(small_workshop):
    """The kind is chosen from front line / support, never typed."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        select = app.screen.query_one("#kind", Select)
        assert select.value == "support"
        assert [value for _, value in select._options] == ["front line", "support"]


async def test_orphan_group_is_flagged_in_words(small_workshop):
    """A group no chain connects to a customer says so in text, not only in colour."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)):
        table = app.screen.query_one(DataTable)
        audit = table.get_row_index(str(small_workshop.lookup_id("groups", "Audit")))
        assert "not connected" in str(table.get_row_at(audit)[3])
        sales = table.get_row_index(str(small_workshop.lookup_id("groups", "Sales")))
        assert str(table.get_row_at(sales)[3]) == "1 step"


async def test_phase_keys_move_the_room_and_the_header_follows(small_workshop):
    """] moves to the next phase, [ back, a number jumps; the file and the header agree."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert small_workshop.info().phase == "customers & hand-offs"
        assert "customers & hand-offs" in app.sub_title
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert small_workshop.info().phase == "groups & roles"
        await pilot.press("9")
        await pilot.pause()
        assert small_workshop.info().phase == "summary"
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, GroupsScreen)


async def test_help_lists_every_binding(small_workshop):
    """The help screen names every key of the app and of the groups screen."""
    from screens.help_screen import help_markdown

    text = help_markdown()
    for binding in [*WorkshopApp.BINDINGS, *GroupsScreen.BINDINGS]:
        first_key = binding.key.split(",")[0]
        assert f"`{format_key(first_key)}`" in text
        assert (binding.tooltip or binding.description) in text
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, GroupsScreen)


async def test_command_palette_runs_the_apps_commands(small_workshop):
    """Typing a command's name in the palette runs it: here, the next phase."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await run_in_palette(pilot, "Next phase")
        assert small_workshop.info().phase == "customers & hand-offs"


async def test_changes_from_another_process_show_without_a_key_press(workshop_path):
    """A group added through another connection appears on screen by itself."""
    ws = Workshop.open(workshop_path)
    other = Workshop.open(workshop_path)
    try:
        app = WorkshopApp(ws)
        async with app.run_test(size=(120, 40)) as pilot:
            other.add_group("Warehouse", kind="support")
            await pilot.pause(1.2)
            table = app.screen.query_one(DataTable)
            assert table.row_count == 5
    finally:
        other.close()
        ws.close()


async def test_every_screen_action_is_in_the_command_palette(small_workshop):
    """ "Add a group" typed in the palette opens the add form, from another phase too."""
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await run_in_palette(pilot, "Groups & roles: Add a group")
        assert isinstance(app.screen, GroupForm)
        assert small_workshop.info().phase == "groups & roles"


async def test_the_palette_offers_the_apps_keys_to_whom_they_belong(small_workshop):
    """The timer and the presenter view are in the facilitator's palette; a participant's
    palette offers looking back (not moving the room), saying done, and none of the
    facilitator's actions."""
    from screens.commands import WorkshopCommands

    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        names = [name for name, _, _ in WorkshopCommands(app.screen, None)._commands()]
        for wanted in ("Timer: start or stop", "Presenter view", "Who is here", "Room access",
                       "Go to phase 2: groups & roles", "Next phase"):  # fmt: skip
            assert any(name.startswith(wanted) for name in names), wanted
        assert not any(name.startswith("Done") for name in names)
    ws = Workshop.open(small_workshop.path, actor="Zed")
    me = ws.join("Zed")
    ws.act_as_participant(me)
    ws.set_participant_group(me, ws.lookup_id("groups", "Sales"))
    app = WorkshopApp(ws, facilitator=False, participant_id=me)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        commands = WorkshopCommands(app.screen, None)._commands()
        names = [name for name, _, _ in commands]
        assert "Look at phase 2: groups & roles" in names
        leading = ("Go to phase", "Next phase", "Timer", "Presenter", "Room access", "Undo")
        assert not any(name.startswith(leading + ("Who is here",)) for name in names)
        assert any(name.startswith("Done") for name in names)
        helps = " ".join(help_text for _, _, help_text in commands)
        assert "Move the room" not in helps
    ws.close()


async def test_the_cursor_follows_a_group_added_to_a_long_list(small_workshop):
    """A new row lands out of sight at the end of a long list: the cursor goes to it and the
    table scrolls there."""
    for n in range(40):
        small_workshop.add_group(f"Team {n:02d}", kind="support")
    app = WorkshopApp(small_workshop)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, GroupsScreen)
        await pilot.press("a")
        await pilot.pause()
        await type_into(pilot, "Zeta crew")
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, GroupsScreen)
        assert screen.highlighted_group().name == "Zeta crew"
        table = screen.table
        await pilot.pause()
        assert table.cursor_row == table.row_count - 1
        assert table.scroll_y > 0  # scrolled down to it (rows are two lines high here)
