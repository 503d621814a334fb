"""What participants type is shown as typed, everywhere, and never read as markup or actions.

A workshop whose every kind of record holds Textual markup ("[/]", "[@click=app.quit]…"), Rich
emoji codes, HTML, Jinja and long text (and, in a file changed outside the app, control
characters): the facilitator and a participant open every phase, view, form and dialog and
click on the names. The app keeps running, writes no file, and shows the names literally;
no control character reaches the terminal. Also the source rule that keeps it so: the screens
put text into widgets only through screens/widgets/plain.py."""

from __future__ import annotations

import ast
import importlib
import inspect
import sqlite3
import time
import unicodedata
from pathlib import Path

import pytest
from rich.text import Text
from textual.app import App
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Header, OptionList, Tree

from screens.app import PRESENTER, WorkshopApp
from screens.widgets.plain import PlainTextApp, plain, safe, visible
from workshop import Workshop

SIZE = (160, 50)
ROOT = Path(__file__).resolve().parent.parent
SCREENS = ROOT / "screens"

QUIT = "[@click=app.quit]Zeta"
SHOOT = "[@click=app.screenshot('victim.db')]"  # would write victim.db in the working folder
LINK = "[link=https://evil]x[/link]"
NAMES = ["[/]", "[b]", QUIT, SHOOT, LINK, ":smile: <script>", "{{ 7*7 }}", "[b]" * 26]
TEXT = f"[/] [b]bold {QUIT} {LINK} :smile: <script>alert(1)</script> {{{{ 7*7 }}}} [i]"
LONG = (TEXT + " ") * 30
CONTROLS = "\x1b[31mred\x1b[0m \x07bell \x9b2J \x08"  # shown as ␛[31mred␛[0m ␇bell �2J ␈


def hostile_workshop(path: Path) -> None:
    """Every kind of record, named and filled with hostile text; then, as a file changed
    outside the app might be, control characters in a few of them."""
    with Workshop.open(path) as ws:
        ws.update_info(title=f"[b]Title[/b] [/] {QUIT}", purpose=TEXT)
        groups = [
            ws.add_group(name, TEXT, "front line" if n % 2 else "support", LONG)
            for n, name in enumerate(NAMES)
        ]
        customers = [ws.add_customer(f"{name} cust", TEXT) for name in ("[/]", QUIT)]
        for n, provider in enumerate(groups):
            receiver = NAMES[(n + 1) % len(NAMES)]
            ws.add_handoff(provider, receiver, provides=TEXT, needs=LONG, expectation=TEXT,
                           self_rating=5, customer_rating=1 + n % 5)  # fmt: skip
        ws.add_handoff(groups[2], f"{QUIT} cust", provides=TEXT, self_rating=4, customer_rating=2)
        points = [
            ws.add_touchpoint(
                f"{name} tp", customer_id=customers[n % 2], owner_id=groups[n], channel=":smile:"
            )
            for n, name in enumerate(NAMES[:4])
        ]
        layers = [
            ws.add_contribution(
                points[0],
                group,
                supports_group_id=None,
                what=TEXT,
                effect="weakens",
                fail_point=True,
            )  # fmt: skip
            for group in groups[1:4]
        ]
        comments = []
        for n, point in enumerate(points):
            comment = ws.add_comment(TEXT if n else LONG, touchpoint_id=point, sentiment="negative")
            ws.route_comment(comment, groups[n : n + 3])
            comments.append(comment)
        proposals = [
            ws.add_proposal(f"{name} change", description=TEXT, owner_id=groups[n],
                            beneficiary_customer_id=customers[0], touchpoint_id=points[0],
                            contribution_id=layers[0], comment_id=comments[0], impact="high")
            for n, name in enumerate(NAMES[:4])
        ]  # fmt: skip
        for n, proposal in enumerate(proposals):
            ws.add_action(owner_id=groups[n], proposal_id=proposal, due="2027-01-31", kpi=TEXT,
                          notes=LONG)  # fmt: skip
        ws.add_action(owner_id=groups[3], due="2026-01-01", kpi=QUIT, notes=TEXT)
        for name in ("[/]", QUIT):
            ws.join(f"{name} Pat", group_id=groups[0])
        ws.open_vote(f"{QUIT} [/] which?", proposals, 3, 2, False)
    with sqlite3.connect(path) as db:  # outside the app, as a script or the sqlite3 shell could
        db.execute("update groups set name = ?, role = ? where id = ?",
                   [f"Esc{CONTROLS}", CONTROLS, groups[5]])  # fmt: skip
        db.execute("update workshop set title = title || ?", [" \x1b]0;pwned\x07"])
        db.execute("update comments set text = ? where id = ?", [CONTROLS, comments[1]])
        db.execute("update actions set kpi = ? where proposal_id = ?", [CONTROLS, proposals[1]])
        db.execute("update contributions set what = ? where id = ?", [CONTROLS, layers[1]])
    db.close()


@pytest.fixture
def hostile(workshop_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The small organisation with the hostile records; the working folder is tmp_path, so a
    screenshot action, if one ran, would leave a file there."""
    hostile_workshop(workshop_path)
    monkeypatch.chdir(tmp_path)
    return workshop_path


def files(folder: Path) -> set[str]:
    """The files in `folder`, not counting SQLite's own beside the workshop file."""
    return {p.name for p in folder.rglob("*") if not p.name.endswith(("-wal", "-shm", "-journal"))}


def screen_text(app: App) -> str:
    """The screen as it is drawn: every line of text the terminal would get."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


class Walk:
    """Looks at each place in turn: the app is running, the screen has no control character,
    and a click on every name that holds an action does nothing but what a click on text
    does."""

    def __init__(self, pilot, folder: Path) -> None:
        self.pilot = pilot
        self.app: WorkshopApp = pilot.app
        self.folder = folder
        self.before = files(folder)
        self.seen: dict[str, str] = {}

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)
        await self.settle()

    async def settle(self) -> None:
        await self.pilot.pause()
        await self.pilot.wait_for_scheduled_animations()
        await self.pilot.pause()

    async def look(self, where: str, *expected: str, click: bool = False) -> str:
        await self.settle()
        app = self.app
        assert app.is_running, where
        text = screen_text(app)
        controls = sorted({c for c in text if unicodedata.category(c) == "Cc" and c != "\n"})
        assert not controls, (where, controls)
        for literal in expected:
            assert literal in text, (where, literal, text)
        self.seen[where] = text
        if click:
            await self.click_actions(where, text)
        assert files(self.folder) == self.before, where
        return text

    async def click_actions(self, where: str, text: str) -> None:
        """Click on every "[@click" the screen shows; a dialog a click opens is closed."""
        screen = self.app.screen
        for y, line in enumerate(text.splitlines()):
            x = line.find("[@click")
            if x < 0:
                continue
            widget, _ = screen.get_widget_at(x + 2, y)
            if any(isinstance(node, Header) for node in widget.ancestors_with_self):
                continue  # the header grows on a click: clicked on its own at the start
            await self.pilot.click(offset=(x + 2, y))
            await self.settle()
            assert self.app.is_running, (where, line)
            while self.app.screen is not screen and isinstance(self.app.screen, ModalScreen):
                await self.press("escape")
            if self.app.screen is not screen:
                break

    async def look_after(self, key: str, where: str) -> str:
        """Press `key`, look (clicking the names), and return what was shown before the clicks."""
        await self.press(key)
        return await self.look(where, click=True)

    async def dialog(self, key: str, where: str, *expected: str, close: str = "escape") -> None:
        """Open a form or dialog with `key`, look at it, close it."""
        await self.press(key)
        assert isinstance(self.app.screen, ModalScreen), (where, self.app.screen)
        await self.look(where, *expected)
        await self.press(close)
        assert not isinstance(self.app.screen, ModalScreen), where

    async def at(self, selector: str, index: int) -> None:
        """Focus a table, list or tree and put its cursor on row `index`."""
        widget = self.app.screen.query_one(selector)
        widget.focus()
        if isinstance(widget, DataTable):
            widget.move_cursor(row=index)
        elif isinstance(widget, OptionList):
            widget.highlighted = index
        elif isinstance(widget, Tree):
            widget.cursor_line = index
        await self.settle()

    async def rows(self, where: str, selector: str, count: int, *expected: str) -> None:
        """Look at each row of a table, list or tree (and its detail), then click the names
        on the screen (which may move the cursors); each of `expected` is shown on the way."""
        texts = []
        for n in range(count):
            await self.at(selector, n)
            texts.append(await self.look(f"{where} row {n}", click=n == count - 1))
        for literal in expected:
            assert any(literal in text for text in texts), (where, literal)


async def facilitator_shell(walk: Walk) -> None:
    """The header, the review, the presenter view of every phase, the timer, help, the
    palette, a delete and its undo."""
    app = walk.app
    for _ in range(2):  # the title, clicked: the header grows and shrinks, nothing else
        await walk.pilot.click(Header, offset=(60, 0))
        await walk.look("header clicked", f"[/] {QUIT}")
    await walk.press("1")
    await walk.look("review")

    for n in range(1, 10):  # the presenter view of every phase
        await walk.press(str(n), "P")
        assert app.current_mode == PRESENTER
        await walk.look(f"presenter {n}", "[b]Title[/b] [/]", click=True)
        await walk.press("P")
    await walk.dialog("T", "timer")
    await walk.dialog("question_mark", "help")
    await walk.dialog("ctrl+p", "palette")
    await walk.press("2")
    await walk.at("#groups", 4)
    await walk.press("d", "y")
    await walk.look("deleted", "Deleted [/].")
    await walk.press("u")
    await walk.look("undone", "Undone:")


async def facilitator_groups(walk: Walk) -> None:
    """Groups & roles: the table, the detail, the forms, the dialog, a notification."""
    await walk.press("2")  # rows: Sales, IT, HR, Audit, then NAMES in order
    await walk.rows("groups", "#groups", 12, "[/]", "[b]", "[@click=app.quit]", "Esc␛[31mred",
                    "{{ 7*7 }}", "[link=https://evil]x[/link]", "shot('victim.db')]")  # fmt: skip
    await walk.dialog("a", "add group")
    await walk.at("#groups", 6)
    await walk.dialog("e", "edit group", QUIT)
    await walk.dialog("d", "delete group", f"Delete the group “{QUIT}”?", close="n")
    await walk.press("e", "ctrl+s")  # saved as it was: the notification quotes the name
    await walk.look("saved group", f"Saved {QUIT}.", click=True)


async def facilitator_handoffs(walk: Walk) -> None:
    """Customers & hand-offs: the picker, both tables, the forms, gaps, the chain."""
    await walk.press("3")
    await walk.rows("serve picker", "#picker", 12, "[/] serves 1", f"{QUIT} serves 2")
    await walk.at("#picker", 4)
    await walk.dialog("a", "add hand-off", "New hand-off: [/] serves")
    await walk.at("#serves", 0)
    await walk.look("serves", "[b]", "Provides: [/] [b]bold")
    await walk.dialog("e", "edit hand-off", "Edit hand-off: [/] → [b]")
    await walk.dialog("r", "rate hand-off", "Edit hand-off: [/] → [b]")
    await walk.dialog("d", "delete hand-off", "Delete the hand-off [/] → [b]?", close="n")
    await walk.dialog("n", "add customer")
    await walk.press("p")
    await walk.look("gaps", "[/]", "[b]", "[@click=app.quit]", click=True)
    await walk.press("t")
    await walk.look("chain", "[@click=app.quit]Zeta cust", "◆ [/] cust", click=True)


async def facilitator_onion(walk: Walk) -> None:
    """The onion: the list, the picker, the tree, the forms, the toggles, by group."""
    await walk.press("4", "t")
    await walk.look("touchpoints", "[/] tp", "[@click=app.quit]", click=True)
    await walk.at("#touchpoint-table", 0)
    await walk.dialog("e", "edit touchpoint", "Edit touchpoint “[/] tp”")
    await walk.dialog("d", "delete touchpoint", "Delete the touchpoint “[/] tp”?", close="n")
    await walk.dialog("n", "add touchpoint")
    await walk.press("o")
    await walk.rows("onion picker", "#touchpoint-picker", 7, "[/] tp", f"{QUIT} tp")
    await walk.at("#touchpoint-picker", 1)
    await walk.rows("onion tree", "#onion-tree", 4, "[b]", QUIT, "␛[31mred", "owns “[/] tp”")
    await walk.at("#touchpoint-picker", 1)
    await walk.at("#onion-tree", 1)
    await walk.dialog("e", "edit layer", f"Edit {QUIT}'s layer at “[/] tp”")
    await walk.dialog("a", "add layer", "Add a layer to the onion of “[/] tp”")
    await walk.dialog("d", "delete layer", f"Delete {QUIT}'s layer at “[/] tp”?", close="n")
    await walk.press("w")
    await walk.look("weakens", f"{QUIT}'s link now strengthens the ripple.", click=True)
    await walk.at("#touchpoint-picker", 1)
    await walk.at("#onion-tree", 1)
    await walk.press("f")
    await walk.look("fail point", f"{QUIT}'s layer is no longer a fail point.")
    await walk.press("g")
    await walk.rows("by group", "#group-picker", 12, "[/]", "Where does [/] touch the customer?",
                    "{{ 7*7 }}", "Weakening links [b] owns: [/] tp")  # fmt: skip


async def facilitator_comments(walk: Walk) -> None:
    """Customer comments: the list, the forms, the route dialog, the streams."""
    await walk.press("5", "c")
    await walk.rows("comments", "#comment-table", 5, "[/] tp", "␛[31mred", "“[/] [b]bold")
    await walk.at("#comment-table", 0)
    await walk.dialog("a", "add comment")
    await walk.dialog("e", "edit comment")
    await walk.dialog("r", "route comment", "[b]", "[@click=app.quit]Zeta")
    await walk.dialog("d", "delete comment", close="n")
    await walk.press("g")
    await walk.rows(
        "streams", "#stream-picker", 12, "[/] (", f"{QUIT}: 3 comment(s)", "Esc␛[31mred"
    )


async def facilitator_proposals(walk: Walk) -> None:
    """Proposals: the list, the forms, the dialog, the impact grid."""
    await walk.press("6", "l")
    await walk.rows("proposals", "#proposal-table", 5, "[/] change", f"{QUIT} change")
    await walk.at("#proposal-table", 1)
    await walk.dialog("a", "add proposal")
    await walk.dialog("e", "edit proposal", "[/] change")
    await walk.dialog("d", "delete proposal", "Delete the proposal “[/] change”?", close="n")
    await walk.press("m")
    await walk.look("impact grid", "• [/] change", "• [@click=app.quit]", click=True)


async def facilitator_vote(walk: Walk) -> None:
    """The vote: the round, the facilitator's keys and forms."""
    await walk.press("7")
    await walk.rows("vote", "#vote-table", 4, f"“{QUIT} [/] which?”", "[/] change")
    await walk.at("#vote-table", 0)
    await walk.dialog("a", "make action", "Turn “[/] change” into an action")
    await walk.press("r")
    await walk.look("revealed", "Revealed the tallies.")
    await walk.dialog("o", "open vote", "[/] change", "[@click=app.quit]")


async def facilitator_actions(walk: Walk) -> None:
    """Action plans: the table, the forms, the dialog, the status key."""
    await walk.press("8")
    await walk.rows("actions", "#action-table", 6, "[/] change", QUIT, "␛[31mred")
    await walk.at("#action-table", 1)
    await walk.dialog("a", "add action")
    await walk.dialog("e", "edit action", "[/] change")
    await walk.dialog("d", "delete action", "Delete the action “[/] change”?", close="n")
    await walk.press("s")
    await walk.look("status", "“[/] change” is now doing.")


async def facilitator_summary(walk: Walk) -> None:
    """The summary, as the Markdown export renders it."""
    app = walk.app
    await walk.press("9")
    deadline = time.monotonic() + 30
    while "Laying out" in screen_text(app) and time.monotonic() < deadline:
        await walk.pilot.pause(0.1)
    texts = [await walk.look("summary", click=True)]
    for n in range(8):  # down the document, a page at a time
        texts.append(await walk.look_after("pagedown", f"summary page {n + 1}"))
    for literal in ("[/]", QUIT, "{{ 7*7 }}", "<script>"):
        assert any(literal in text for text in texts), literal


FACILITATOR_WALKS = [facilitator_shell, facilitator_groups, facilitator_handoffs, facilitator_onion,
                     facilitator_comments, facilitator_proposals, facilitator_vote,
                     facilitator_actions, facilitator_summary]  # fmt: skip


@pytest.mark.parametrize("part", FACILITATOR_WALKS, ids=lambda f: f.__name__.split("_", 1)[1])
async def test_the_facilitator_sees_every_hostile_name_as_typed(hostile: Path, part) -> None:
    with Workshop.open(hostile) as ws:
        app = WorkshopApp(ws)
        async with app.run_test(size=SIZE, notifications=True, tooltips=True) as pilot:
            walk = Walk(pilot, hostile.parent)
            await walk.look("start", "[b]Title[/b] [/]", "␛]0;pwned␇")
            await part(walk)
            assert app.is_running
        assert app.return_code in (None, 0)


async def test_a_participant_sees_every_hostile_name_as_typed(hostile: Path) -> None:
    with Workshop.open(hostile) as lead:
        lead.update_info(phase="summary")  # a participant may look back at every phase
    ws = Workshop.open(hostile, actor=f"{QUIT} Pat")
    me = ws.join(f"{QUIT} Pat")
    ws.act_as_participant(me)
    app = WorkshopApp(ws, facilitator=False, participant_id=me)
    try:
        async with app.run_test(size=SIZE, notifications=True, tooltips=True) as pilot:
            walk = Walk(pilot, hostile.parent)
            await walk.look("start", f"you are {QUIT} Pat ([/])")
            for key, views, shown in [
                ("1", "", "review"),
                ("2", "", "[b][b][b]"),
                ("3", "spt", "◆ [/] cust"),
                ("4", "tog", "[/] tp"),
                ("5", "cg", "[/] ("),
                ("6", "lm", "• [/] change"),
                ("7", "", f"“{QUIT} [/] which?”"),
                ("8", "", "[/] change"),
                ("9", "", QUIT),
            ]:
                texts = [await walk.look_after(key, f"phase {key}")]
                for view in views:
                    texts.append(await walk.look_after(view, f"phase {key} view {view}"))
                assert any(shown in text for text in texts), (key, shown)
            await walk.press("7", "space")  # looking back: no dot, nothing written
            await walk.look("looked back at the vote")
            round_id = ws.rounds()[0].id
            assert ws.ballot(round_id, me).used == 0
            await walk.press("full_stop", "D")
            await walk.look("done", "Marked done with this phase.")
            assert app.is_running
    finally:
        ws.close()


# -- the mechanism itself --------------------------------------------------------------------------


@pytest.mark.parametrize("text", [*NAMES, TEXT, CONTROLS, "a\r\nb", "tab\tkept"])
def test_safe_text_is_the_text_as_typed(text: str) -> None:
    """Nothing is read as markup; a control character is one visible symbol in its place."""
    shown = safe(text)
    assert isinstance(shown, Text)
    assert shown.plain == visible(text)
    assert not any(unicodedata.category(c) == "Cc" for c in shown.plain if c not in "\n\t")
    assert not shown.spans
    original = Text.assemble(("bold part ", "bold"), text)  # Rich drops BEL, BS, CR itself
    styled = safe(original)
    assert styled.plain == visible(original.plain)
    assert styled.spans == original.spans
    content = safe(Content(text, strip_control_codes=False))
    assert isinstance(content, Content)
    assert not any(unicodedata.category(c) == "Cc" for c in content.plain if c not in "\n\t")


def test_visible_keeps_printable_text_and_line_breaks() -> None:
    assert visible("Sales · 🎉 [b]") == "Sales · 🎉 [b]"
    assert visible("two\r\nlines\tand\ra bell\x07") == "two\nlines\tand␍a bell␇"
    assert visible("\x1b[2J\x9b2J\x7f") == "␛[2J\ufffd2J␡"
    assert plain(":smile: [/]", "bold").plain == ":smile: [/]"


def test_the_apps_notifications_and_titles_read_no_markup() -> None:
    for name in ("screens.app", "screens.rollup_app"):
        for _, cls in inspect.getmembers(importlib.import_module(name), inspect.isclass):
            if issubclass(cls, App) and cls.__module__ == name:
                assert issubclass(cls, PlainTextApp), cls


# -- the source rule -------------------------------------------------------------------------------

# Textual widgets that read a str as markup (or pass control characters on) and are filled with
# what people typed: the screens use the Plain… widgets of screens/widgets/plain.py instead.
RAW_WIDGETS = {"Static", "DataTable", "OptionList", "Tree", "Select", "SelectionList", "Input",
               "TextArea"}  # fmt: skip
# Widgets with no plain variant yet that read markup, links or escapes: none may show typed text.
UNSAFE_WIDGETS = {"Markdown", "MarkdownViewer", "Link", "RichLog", "Log", "Pretty", "Toast"}
# Modules that turn text into styles and actions.
MARKUP_MODULES = {"rich.markup", "textual.markup", "rich.ansi"}
# Widgets the screens may make themselves, with fixed words only (a literal, or plain(...)).
LITERAL_WIDGETS = {"Label", "Button", "Checkbox", "RadioButton", "TabPane", "Tab", "Header",
                   "Footer", "Digits", "Collapsible"}  # fmt: skip
TEXT_ATTRIBUTES = {"tooltip", "border_title", "border_subtitle", "label"}
MARKUP_READERS = {"from_markup", "from_ansi", "render_str", "render_markup", "with_tooltip"}
SAFE_CALLS = {"plain", "safe", "visible"}
# Files of others, being rewritten at the time of writing; they should move onto the rule too.
NOT_YET: set[str] = set()


def literal(node: ast.expr | None) -> bool:
    """A fixed text (or none), or typed text made safe."""
    if node is None or isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.IfExp):
        return literal(node.body) and literal(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id in SAFE_CALLS
    return False


def textual_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> class name, for what a module imports from textual.widgets."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual.widgets"):
            for alias in node.names:
                names[alias.asname or alias.name] = alias.name
    return names


def problems_in(path: Path, root: Path = ROOT) -> list[str]:
    """Where `path` puts computed text into a widget other than through screens.widgets.plain."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    textual = textual_names(tree)
    found = []

    def where(node: ast.AST) -> str:
        return f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"

    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                if isinstance(base, ast.Name) and textual.get(base.id) in RAW_WIDGETS:
                    found.append(f"{where(node)} subclasses {base.id}: use a Plain… widget")
        elif isinstance(node, ast.ImportFrom) and node.module in MARKUP_MODULES:
            found.append(f"{where(node)} imports from {node.module}")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else None
            if isinstance(func, ast.Attribute) and func.attr in MARKUP_READERS:
                found.append(f"{where(node)} calls {func.attr}")
            if name is not None and textual.get(name) in RAW_WIDGETS:
                found.append(f"{where(node)} makes a {name}: use Plain{textual[name]}")
            if name is not None and textual.get(name) in UNSAFE_WIDGETS:
                found.append(f"{where(node)} makes a {name}: add a plain variant to plain.py")
            if name is not None and textual.get(name) in LITERAL_WIDGETS:
                texts = [*node.args[:1], *(k.value for k in node.keywords if k.arg in
                         ("label", "title", "content", "renderable"))]  # fmt: skip
                if not all(literal(t) for t in texts):
                    found.append(f"{where(node)} {name} shows computed text: wrap it in plain()")
            for keyword in node.keywords:
                if keyword.arg == "markup" and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value is False
                ):
                    found.append(f"{where(node)} passes markup={ast.unparse(keyword.value)}")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                attribute = target.attr if isinstance(target, ast.Attribute) else None
                if attribute in TEXT_ATTRIBUTES and not literal(node.value):
                    found.append(f"{where(node)} sets .{attribute} to computed text")
    return found


def screen_sources() -> list[Path]:
    return [
        p
        for p in sorted(SCREENS.rglob("*.py"))
        if p.name not in NOT_YET
        and p not in (SCREENS / "widgets" / "plain.py", SCREENS / "widgets" / "plain_text_area.py")
    ]


def test_the_rule_catches_what_it_is_for(tmp_path: Path) -> None:
    """Each kind of slip in a made-up screen module is found."""
    bad = tmp_path / "screens" / "bad.py"
    bad.parent.mkdir()
    bad.write_text(
        "from textual.widgets import Static, Label, Option, Button, Markdown\n"
        "from rich.markup import render\n"
        "class Mine(Static): pass\n"
        "def compose(name):\n"
        "    yield Static(name)\n"
        "    yield Label(f'Hello {name}')\n"
        "    yield Button(name)\n"
        "    yield Label('fixed words')\n"
        "    w = Label(plain(name))\n"
        "    w.tooltip = name\n"
        "    w.border_title = 'Phases'\n"
        "    w.notify(name, markup=True)\n"
        "    Text.from_markup(name)\n"
        "    yield Markdown(name)\n",
        encoding="utf-8",
    )
    found = problems_in(bad, root=tmp_path)
    lines = sorted(int(p.split(":")[1].split()[0]) for p in found)
    assert lines == [2, 3, 5, 6, 7, 10, 12, 13, 14], found


def test_the_screens_show_typed_text_only_through_the_plain_widgets() -> None:
    sources = screen_sources()
    assert len(sources) > 30
    found = [problem for path in sources for problem in problems_in(path)]
    assert not found, "\n".join(found)
