"""The exports people read and load: golden files of every format on a fixed workshop, and
hostile text fed through each format, checked with real parsers (markdown-it-py for Markdown,
html.parser for HTML, csv and json) so that it neither breaks the structure nor executes.

Set UPDATE_GOLDEN=1 to rewrite the golden files after an intended change, then review the diff.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import os
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests.conftest import SMALL_PLAN
from workshop import Workshop

GOLDEN = Path(__file__).parent / "golden"
FORMATS = ("md", "html", "csv", "json")
HOSTILE = [
    "| pipe | in | a | cell |",
    "**bold** _it_ `code` ~~gone~~",
    "# not a heading",
    "- not a list",
    "1. not a list",
    "+ nor this",
    "= formula(1)",
    "@SUM(A1)",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{ 7 * 7 }} {% if true %}x{% endif %} {# c #}",
    "[link](http://evil.example) ![img](x.png)",
    "&amp; &lt; &copy; &#x27;",
    "back\\slash \\| \\*",
    "שלום עולם مرحبا",
    "emoji 🎉👩‍👩‍👧 flags 🇳🇱",
    "combining e\u0301 and zero\u200bwidth",
    "```fence",
    "---",
    "> quote",
    "a\tb",
]


def fixed_workshop(path: Path) -> Workshop:
    """The small organisation with two more participants and a revealed round with a tie."""
    ws = Workshop.create(path, title="Small org", plan=copy.deepcopy(SMALL_PLAN))
    ws.add_proposal("Weekend hotline", owner_id=ws.lookup_id("groups", "IT"), effort="high")
    ann, bob = ws.join("Ann"), ws.join("Bob")
    round_id = ws.open_vote(votes_per_person=2)
    for person, proposal in ((ann, 1), (ann, 2), (bob, 1), (bob, 2)):
        ws.cast_vote(round_id, person, proposal)
    ws.reveal_vote(round_id)
    return ws


GOLDEN_TODAY = dt.date(2027, 2, 15)  # the export's day: its one action (due 2027-01-31) is overdue


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_exports(tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("workshop.export.export_day", lambda: GOLDEN_TODAY)
    ws = fixed_workshop(tmp_path / "fixed.db")
    text = ws.export(fmt)
    again = ws.export(fmt)
    ws.close()
    assert text == again  # deterministic within a run
    golden = GOLDEN / f"small.{fmt}"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_bytes(text.encode("utf-8"))
    assert text.encode("utf-8") == golden.read_bytes(), f"{golden} differs; see the diff"


def test_html_is_self_contained_and_printable(tmp_path: Path) -> None:
    ws = fixed_workshop(tmp_path / "fixed.db")
    html = ws.export("html")
    ws.close()
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert not re.search(r"""(src|href)\s*=|url\(|@import""", html, re.IGNORECASE)
    assert "@media print" in html and "<style>" in html


# -- hostile text through every format ---------------------------------------------------------


def visible(text: str) -> bool:
    """Not blank once invisible format characters (soft hyphens, zero widths) are left out."""
    return bool("".join(c for c in text if unicodedata.category(c) != "Cf").strip())


names = (
    st.one_of(
        st.sampled_from(HOSTILE),
        st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1),
    )
    .map(lambda s: s.strip()[:80])
    .filter(lambda s: visible(s) and s.casefold() not in TAKEN)
)
texts = (
    st.one_of(
        st.sampled_from(HOSTILE),
        st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=4).map("\n".join),
        st.text(
            alphabet=st.characters(blacklist_categories=("Cc", "Cs"), whitelist_characters="\n\r\t")
        ),
    )
    .map(str.strip)
    .filter(bool)
)
HTML_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "ul", "li",
    "strong", "em", "span", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
FORMULA = ("=", "+", "-", "@")
TAKEN = {"sales", "it", "hr", "audit", "homeowners"}


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _inline_text(token) -> str:
    """The text a Markdown reader sees in an inline token (escapes and entities resolved),
    with the <br> line breaks the export writes read back as newlines."""
    kinds = {child.type for child in token.children or []}
    assert kinds <= {"text", "softbreak", "html_inline"}, kinds
    assert all(c.content == "<br>" for c in token.children or [] if c.type == "html_inline")
    return "".join(
        "\n" if c.type == "html_inline" else c.content
        for c in token.children or []
        if c.type != "softbreak"
    )


def _table_rows(tokens, heading: str) -> list[list]:
    """The body rows of the first table after the heading `heading`, as inline tokens."""
    start = next(i for i, t in enumerate(tokens) if t.type == "inline" and t.content == heading)
    rows: list[list] = []
    in_body = False
    for token in tokens[start:]:
        if token.type == "tbody_open":
            in_body = True
        elif token.type == "tbody_close":
            return rows
        elif in_body and token.type == "tr_open":
            rows.append([])
        elif in_body and token.type == "inline":
            rows[-1].append(token)
    return rows


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=names, text=texts)
def test_hostile_text_keeps_every_format_whole(tmp_path_factory, name: str, text: str) -> None:
    path = tmp_path_factory.mktemp("hostile") / "w.db"
    with Workshop.create(path, title=name) as ws:
        ws.import_plan(copy.deepcopy(SMALL_PLAN))
        gid = ws.add_group(f"{name} ", role=text, good_day=text)
        ws.add_handoff(gid, "IT", provides=text)
        pid = ws.add_proposal(name, description=text, owner_id=gid)
        ws.add_action(proposal_id=pid, owner_id=gid, due="2027-01-01", kpi=text, notes=text)
        ws.add_comment(text, routed_to=[gid])
        exports = {fmt: ws.export(fmt) for fmt in FORMATS}
        groups = len(ws.groups())
    lines = "\n".join(text.splitlines())  # how a line break of any kind reads back

    # Markdown: the same headings and tables, every typed value read back as typed.
    tokens = MarkdownIt("commonmark").enable("table").parse(exports["md"])
    assert _inline_text(tokens[1]) == name  # the title
    rows = _table_rows(tokens, "Groups and roles")
    assert len(rows) == groups and all(len(r) == 5 for r in rows)
    assert _inline_text(rows[-1][0]) == name and _inline_text(rows[-1][2]) == lines
    assert [t.info for t in tokens if t.type == "fence"] == ["mermaid"]
    assert not [t for t in tokens if t.type in ("html_block", "code_block")]

    # HTML: no active content, and the typed text is there as text.
    parser = _Html()
    parser.feed(exports["html"])
    assert set(parser.tags) <= HTML_TAGS, set(parser.tags) - HTML_TAGS
    page = "".join(parser.text)
    assert name in page and text in page

    # CSV: a header and one row per action, every row as wide, text as typed (formulas
    # neutralised with a leading ').
    rows = list(csv.reader(io.StringIO(exports["csv"], newline="")))
    assert len(rows) == 3 and {len(r) for r in rows} == {8}
    assert rows[-1][3] == ("'" + text if text.startswith(FORMULA) else text)

    # JSON: loads, and holds the text exactly.
    data = json.loads(exports["json"])
    assert data["groups"][-1]["name"] == name and data["groups"][-1]["role"] == text
