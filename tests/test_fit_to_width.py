"""Every control reads at every width: tables give the numbers their columns first and cut
typed text at a word, the phase navigator hides when narrow (and on N), the header keeps the
phase whole, and a delete leaves the cursor where it was (issue 19, items 3, 4 and 6)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.text import Text
from textual.widgets import DataTable

from screens.app import WorkshopApp
from screens.groups_screen import GroupsScreen
from screens.widgets.confirm import ConfirmModal
from screens.widgets.phase_nav import PhaseNav
from screens.widgets.short_text import cut, fit
from workshop import Workshop

ROLE = (
    "We advise households, landlords and businesses on the right heat pump or solar setup "
    "and turn it into a clear quote."
)


# -- cutting at a word -------------------------------------------------------------------


def test_cut_goes_back_to_the_word_boundary() -> None:
    assert cut("Home survey and a fixed price quote", 22) == "Home survey and a…"
    assert cut("Customer Support", 14) == "Customer…"
    assert cut("Short", 14) == "Short"
    assert cut("Supercalifragilistic", 8) == "Superca…"  # one long word: cut inside it


@given(st.text(max_size=300), st.integers(min_value=1, max_value=60))
def test_cut_fits_and_keeps_a_prefix_of_the_words(text: str, width: int) -> None:
    shown = cut(text, width)
    flat = " ".join(text.split())
    assert len(shown) <= width
    if shown.endswith("…") and shown != flat:
        assert flat.startswith(shown[:-1])
    else:
        assert shown == flat


@given(
    st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), max_size=400),
    st.integers(min_value=1, max_value=50),
    st.integers(min_value=1, max_value=4),
)
def test_fit_stays_in_its_box(text: str, width: int, lines: int) -> None:
    shown = fit(text, width, lines)
    rows = shown.plain.split("\n")
    assert len(rows) <= lines
    assert all(Text(row).cell_len <= width for row in rows)
    flat = " ".join(text.split())
    if not shown.plain.endswith("…"):  # it all fits: nothing lost but the spacing
        assert "".join(shown.plain.split()) == "".join(flat.split())


def test_fit_a_huge_text_quickly() -> None:
    shown = fit("word " * 20_000, 30, 2)
    assert shown.plain.endswith("…") and len(shown.plain) <= 61


# -- the groups table at three widths ----------------------------------------------------


def role_cell(app: WorkshopApp) -> str:
    table = app.screen.query_one("#groups", DataTable)
    return str(table.get_row_at(0)[2])


def long_roles(tmp_path) -> Workshop:
    ws = Workshop.create(tmp_path / "wide.db", title="A workshop with a long name for its room")
    ws.add_group("Sales", role=ROLE, kind="front line")
    ws.add_group("Customer Support", role="We answer calls.", kind="front line")
    return ws


async def test_at_160_columns_the_role_uses_the_free_width(tmp_path) -> None:
    ws = long_roles(tmp_path)
    app = WorkshopApp(ws)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, GroupsScreen)
        assert app.screen.navigator_visible()
        shown = role_cell(app)
        assert shown.replace("\n", " ") == ROLE  # two lines hold it whole
    ws.close()


async def test_at_80_columns_numbers_keep_their_columns_and_text_is_cut_at_a_word(
    tmp_path,
) -> None:
    ws = long_roles(tmp_path)
    app = WorkshopApp(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert not screen.navigator_visible()  # narrow: the list of phases steps aside
        table = screen.query_one("#groups", DataTable)
        widths = {str(c.label): c.width for c in table.columns.values()}
        assert widths["To customer"] == 15 and widths["Kind"] == 10
        assert str(table.get_row_at(1)[0]) == "Customer Support"  # whole: there is room
        shown = role_cell(app)
        assert shown.endswith("…")
        words = shown[:-1].replace("\n", " ").split()
        assert ROLE.split()[: len(words)] == words  # whole words only
        # The header names the phase whole, shortening the workshop's name instead.
        title = app.format_title(app.title, app.sub_title).plain
        assert title.endswith("Phase 2/9: groups & roles")
        assert "…" in title
    ws.close()


async def test_n_shows_and_hides_the_navigator_on_every_phase(tmp_path) -> None:
    ws = long_roles(tmp_path)
    app = WorkshopApp(ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        nav = app.screen.query_one(PhaseNav)
        assert not nav.display
        await pilot.press("N")
        await pilot.pause()
        assert nav.display
        await pilot.press("3")  # another phase keeps the choice
        await pilot.pause()
        assert app.screen.query_one(PhaseNav).display
        await pilot.press("N")
        await pilot.pause()
        assert not app.screen.query_one(PhaseNav).display
        await pilot.press("2")
        await pilot.pause()
        assert not app.screen.query_one(PhaseNav).display
    ws.close()


async def test_the_key_bar_shows_whole_keys_only(tmp_path) -> None:
    ws = long_roles(tmp_path)
    app = WorkshopApp(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        from screens.widgets.key_bar import KeyBar

        bar = app.screen.query_one(KeyBar)
        line = bar.render().plain
        keys, _palette = bar.shown_keys()
        for shown in keys:
            whole = f" {shown.display} {shown.description} "
            if f" {shown.display} " in line.split("▏")[0]:
                assert whole in line, shown
    ws.close()


# -- the cursor after a delete -----------------------------------------------------------


async def test_after_a_delete_the_cursor_stays_where_it_was(tmp_path) -> None:
    ws = Workshop.create(tmp_path / "many.db", title="Many groups")
    for n in range(1, 31):
        ws.add_group(f"Group {n:02}", kind="support")
    app = WorkshopApp(ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#groups", DataTable)
        table.move_cursor(row=20)
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        assert "Group 21" not in [g.name for g in ws.groups()]
        assert table.cursor_row == 20
        assert str(table.get_row_at(20)[0]) == "Group 22"  # the next one took its place
        table.move_cursor(row=table.row_count - 1)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert table.cursor_row == table.row_count - 1 == 27  # the new last row
    ws.close()


# -- finding by typing -------------------------------------------------------------------


async def test_slash_finds_a_group_by_typing(tmp_path) -> None:
    """/ then a few letters: the cursor goes to the first group holding them (any case, in
    the whole role too); Enter to the next; Esc closes the bar, the table keeps the keys."""
    ws = Workshop.create(tmp_path / "find.db", title="Find")
    for n in range(1, 41):
        ws.add_group(
            f"Group {n:02}", kind="support", role="We pay suppliers" if n in (17, 33) else ""
        )
    ws.add_group("[/] odd", kind="support")
    app = WorkshopApp(ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        from screens.widgets.find_bar import FindBar

        table = app.screen.query_one("#groups", DataTable)
        await pilot.press("slash")
        await pilot.pause()
        bar = app.screen.query_one(FindBar)
        assert app.focused is bar
        await pilot.press(*"SUPPLIERS")
        await pilot.pause()
        assert str(table.get_row_at(table.cursor_row)[0]) == "Group 17"
        await pilot.press("enter")
        await pilot.pause()
        assert str(table.get_row_at(table.cursor_row)[0]) == "Group 33"
        await pilot.press("enter")  # round again
        await pilot.pause()
        assert str(table.get_row_at(table.cursor_row)[0]) == "Group 17"
        await pilot.press("escape")
        await pilot.pause()
        assert not app.screen.query(FindBar)
        assert app.focused is table
        await pilot.press("slash", *"[/]")
        await pilot.pause()
        assert str(table.get_row_at(table.cursor_row)[0]) == "[/] odd"
        await pilot.press(*"zzz")
        await pilot.pause()
        assert str(app.screen.query_one(FindBar).border_subtitle) == "no match"
        await pilot.press("escape")
        await pilot.pause()
        assert ws.groups()[-1].name == "[/] odd"  # nothing typed reached the workshop
    ws.close()
