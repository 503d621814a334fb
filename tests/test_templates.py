"""Users' templates and the exports around them: the data a template sees, escaping by the
template's name, the sandbox (no Python internals, no files, no includes), errors that name the
template and the line, the CSV tables (headers, formula neutralising, hidden tallies, quoting)
and byte-identical exports of the same workshop."""

from __future__ import annotations

import contextlib
import copy
import csv
import hashlib
import io
import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SMALL_PLAN
from workshop import Workshop, cli
from workshop.errors import WorkshopError
from workshop.export import (
    CSV_TABLES,
    FORMULA_STARTS,
    _csv_cell,
    as_dict,
    export_csv,
    render_user_template,
    template_data,
)
from workshop.vocabulary import CSV_TABLE_NAMES

SUMMARY_KEYS = {
    "participants_by_group",
    "serves",
    "gaps",
    "chain",
    "orphans",
    "mermaid",
    "onions",
    "comment_counts",
    "unrouted_comments",
    "votes",
    "proposals_with_actions",
    "actions_without_proposal",
    "carried",
    "moved",
    "overdue",
    "today",
}
DATA_KEYS = {
    "workshop",
    "groups",
    "customers",
    "handoffs",
    "touchpoints",
    "contributions",
    "comments",
    "participants",
    "proposals",
    "vote_rounds",
    "actions",
}


# -- helpers ---------------------------------------------------------------------------------


def invoke(*args: object) -> Result:
    """Run the CLI in-process, as `workshop ARGS…`, in standalone mode (like the real script)."""
    return CliRunner().invoke(cli.main, [str(a) for a in args], prog_name="workshop")


def assert_one_line_error(result: Result, *fragments: str, code: int = 1) -> str:
    """A refusal: exit `code`, one `workshop: …` line on stderr, no traceback, no stdout."""
    assert result.exit_code == code, (result.exit_code, result.stderr, result.stdout)
    err = result.stderr
    assert err.startswith("workshop: ") and err.endswith("\n"), repr(err)
    assert err.count("\n") == 1, repr(err)
    assert "Traceback" not in err and result.stdout == "", (err, result.stdout)
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err


def render(ws: Workshop, text: str, name: str = "mine.j2") -> str:
    return ws.export("md", template=(name, text))


def render_lines(ws: Workshop, text: str) -> list[str]:
    """Each line of `text` rendered as a template of its own."""
    return [render(ws, line) for line in text.splitlines()]


def refusal(ws: Workshop, text: str, name: str = "mine.j2") -> WorkshopError:
    """The WorkshopError a template is refused with; fails if it renders."""
    with pytest.raises(WorkshopError) as caught:
        out = render(ws, text, name)
        pytest.fail(f"{text!r} rendered: {out[:300]!r}")  # pragma: no cover
    error = caught.value
    # no chained traceback for the CLI (or a screen) to show
    assert error.__cause__ is None and error.__suppress_context__
    return error


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail instead of hanging when a template runs away (SIGALRM; tests run in main threads)."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"the template ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a hash of its bytes: what "untouched" compares."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def build_rich(folder: Path) -> Path:
    """A follow-up workshop with something in every summary view: carried and moved actions,
    an orphan group, an onion, routed comments, people without a group and a revealed vote."""
    previous = folder / "q3.db"
    with Workshop.create(previous, title="Q3 review", date="2026-08-01") as ws:
        ws.import_plan(copy.deepcopy(SMALL_PLAN))
        it = ws.lookup_id("groups", "IT")
        ws.add_action(owner_id=it, due="2027-02-28", kpi="Tablets in every van", status="doing")
        ws.add_action(owner_id=it, due="2026-09-30", kpi="Old CRM switched off", status="done")
    path = folder / "q4.db"
    with Workshop.create(path, title="Q4 review", date="2026-11-24", follow_up=previous) as ws:
        first = ws.actions()[0]
        ws.update_action(first.id, status="doing")  # moved since Q3
        sales, it = ws.lookup_id("groups", "Sales"), ws.lookup_id("groups", "IT")
        tp = ws.touchpoints()[0].id
        ws.add_comment("Friendly fitter", touchpoint_id=tp, sentiment="positive", routed_to=[sales])
        ws.add_comment("Nobody called back", sentiment="negative", routed_to=[sales, it])
        ws.add_comment("Unrouted remark")
        hotline = ws.add_proposal("Weekend hotline", owner_id=it, effort="high")
        ann, bob = ws.join("Ann"), ws.join("Bob")
        round_id = ws.open_vote("Which first?", votes_per_person=2)
        for person, proposal in ((ann, 1), (ann, hotline), (bob, 1), (bob, 1)):
            ws.cast_vote(round_id, person, proposal)
        ws.reveal_vote(round_id)
        ws.add_action(owner_id=sales, due="2027-03-31", kpi="Calls back within a day")
    return path


@pytest.fixture
def rich_path(tmp_path: Path) -> Path:
    return build_rich(tmp_path)


@pytest.fixture
def rich(rich_path: Path) -> Iterator[Workshop]:
    ws = Workshop.open(rich_path)
    yield ws
    ws.close()


# -- 1. what a user's template sees ------------------------------------------------------------


def test_a_template_sees_every_documented_key(rich: Workshop) -> None:
    text = "".join(f"{key}={{{{ {key} is defined }}}}\n" for key in sorted(DATA_KEYS))
    text += "summary={{ summary.keys() | sort | join(',') }}\n"
    lines = render(rich, text).splitlines()
    assert lines[:-1] == [f"{key}=True" for key in sorted(DATA_KEYS)]
    assert lines[-1] == "summary=" + ",".join(sorted(SUMMARY_KEYS))


def test_a_template_sees_the_same_data_as_the_json_export(rich: Workshop) -> None:
    exported = json.loads(rich.export("json"))
    for key in sorted(DATA_KEYS):
        assert json.loads(render(rich, f"{{{{ {key} | tojson }}}}")) == exported[key], key
    summary = json.loads(render(rich, "{{ summary | tojson }}"))
    assert summary == json.loads(json.dumps(template_data(rich)["summary"]))


def test_the_workshop_and_plain_sections(rich: Workshop) -> None:
    text = (
        "{{ workshop.title }} / {{ workshop.date }} / follows {{ workshop.follows }}\n"
        "{{ groups | map(attribute='name') | join(',') }}\n"
        "{{ customers | map(attribute='name') | join(',') }}\n"
        "{% for h in handoffs %}{{ h.from }}>{{ h.to }}:{{ h.gap }} {% endfor %}\n"
        "{{ touchpoints[0].name }} owned by {{ touchpoints[0].owner }}\n"
        "{% for c in contributions %}{{ c.group }}@{{ c.layer }} {% endfor %}\n"
        "{{ comments | length }} comments, {{ participants | length }} participants\n"
        "{{ proposals | map(attribute='title') | join(',') }}\n"
        "{{ vote_rounds[0].question }} {{ vote_rounds[0].state }}\n"
        "{{ actions | map(attribute='status') | join(',') }}\n"
    )
    assert render_lines(rich, text) == [
        "Q4 review / 2026-11-24 / follows Q3 review",
        "Sales,IT,HR,Audit",
        "Homeowners",
        "Sales>Homeowners:2 IT>Sales:2 IT>HR:None HR>IT:None ",
        "First visit owned by Sales",
        "IT@1 HR@2 ",
        "3 comments, 3 participants",
        "Quote on the spot,Weekend hotline",
        "Which first? revealed",
        "doing,doing,planned",
    ]


def test_the_summary_views(rich: Workshop) -> None:
    text = (
        "{% for e in summary.participants_by_group %}"
        "{{ e.group or '-' }}:{{ e.names | join('+') }} {% endfor %}\n"
        "{% for s in summary.serves %}{{ s.group }}@{{ s.distance }}"
        "={{ s.handoffs | length }} {% endfor %}\n"
        "{% for h in summary.gaps %}{{ h.from }}>{{ h.to }}{{ '%+d' % h.gap }} {% endfor %}\n"
        "{% for n in summary.chain recursive %}{{ n.name }}"
        "{% if n.children %}({{ loop(n.children) }}){% endif %} {% endfor %}\n"
        "{{ summary.orphans | join(',') }}\n"
        "{{ summary.mermaid.splitlines()[0] }}\n"
        "{% for t in summary.onions %}{{ t.name }}:{% for l in t.layers recursive %}"
        "{{ l.group }}{{ l.layer }}{{ '!' if l.fail_point }}{{ '-' if l.weakens }}"
        "{% if l.children %}[{{ loop(l.children) }}]{% endif %}{% endfor %}{% endfor %}\n"
        "{% for c in summary.comment_counts %}{{ c.group }}:{{ c.total }}"
        "/{{ c.positive }}/{{ c.neutral }}/{{ c.negative }} {% endfor %}\n"
        "{{ summary.unrouted_comments }}\n"
        "{% for r in summary.votes %}{{ r.question }}:{% for x in r.results %}"
        "{{ x.rank }}.{{ x.proposal }}={{ x.votes }}/{{ x.voters }} {% endfor %}{% endfor %}\n"
        "{% for e in summary.proposals_with_actions %}{{ e.proposal.title }}:"
        "{{ e.actions | map(attribute='kpi') | join('+') }} {% endfor %}\n"
        "{{ summary.actions_without_proposal | map(attribute='kpi') | join('+') }}\n"
        "{% for a in summary.carried %}{{ a.kpi }}:{{ a.previous_status }}>{{ a.status }}"
        " {% endfor %}\n"
        "{{ summary.moved | map(attribute='kpi') | join('+') }}\n"
    )
    assert render_lines(rich, text) == [
        "Sales:Dana K. -:Ann+Bob ",
        "Sales@1=1 IT@2=2 HR@3=1 ",
        "Sales>Homeowners+2 IT>Sales+2 ",
        "Homeowners(Sales(IT(HR(IT ) ) ) ) ",  # HR's supplier IT: the loop, marked, not followed
        "Audit",
        "flowchart RL",
        "First visit:IT1!-[HR2]",
        "Sales:2/1/0/1 IT:1/0/0/1 ",
        "1",
        "Which first?:1.Quote on the spot=3/2 2.Weekend hotline=1/1 ",
        "Quote on the spot:80% of quotes on the day ",
        "Tablets in every van+Calls back within a day",
        "80% of quotes on the day:planned>doing Tablets in every van:doing>doing ",
        "80% of quotes on the day",
    ]


def test_a_hidden_round_shows_no_tallies_to_a_template(small_workshop: Workshop) -> None:
    ann = small_workshop.join("Ann")
    round_id = small_workshop.open_vote("Secret ballot")
    small_workshop.cast_vote(round_id, ann, 1)
    assert render(small_workshop, "{{ summary.votes | length }}") == "0"
    error = refusal(small_workshop, "{{ vote_rounds[0].results }}")
    assert "results" in str(error)
    small_workshop.reveal_vote(round_id)
    assert render(small_workshop, "{{ vote_rounds[0].results[0].votes }}") == "1"


@pytest.fixture
def scripted(small_workshop: Workshop) -> Workshop:
    small_workshop.add_group("<script>alert(1)</script>", role="Tags & *stars*")
    return small_workshop


GROUP_NAMES = "{% for g in groups %}{{ g.name }};{% endfor %}"


@pytest.mark.parametrize("name", ["mine.html", "mine.html.j2", "MINE.HTML", "page.htm"])
def test_an_html_template_escapes_every_value(scripted: Workshop, name: str) -> None:
    out = render(scripted, GROUP_NAMES + "{{ groups[-1].role }}", name)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "<script>" not in out
    assert out.endswith("Tags &amp; *stars*")
    # a template's own markup is left alone, and `safe` is the author's explicit choice
    assert render(scripted, "<b>{{ '<i>' }}</b>{{ '<u>' | safe }}", name) == "<b>&lt;i&gt;</b><u>"


@pytest.mark.parametrize("name", ["mine.md", "mine.j2", "mine.md.j2", "mine.txt"])
def test_a_text_template_does_not_escape_but_has_the_md_filter(
    scripted: Workshop, name: str
) -> None:
    out = render(scripted, GROUP_NAMES, name)
    assert "<script>alert(1)</script>;" in out and "&lt;" not in out
    escaped = render(scripted, "{{ groups[-1].name | md }} {{ groups[-1].role | md }}", name)
    assert escaped == r"\<script\>alert(1)\</script\> Tags &amp; \*stars\*"


def test_the_md_filter_exists_in_html_templates_too(scripted: Workshop) -> None:
    assert render(scripted, "{{ '*x*' | md }}", "mine.html") == r"\*x\*"


def test_the_cli_renders_a_template_to_stdout_and_to_a_file(
    workshop_path: Path, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.j2"
    mine.write_text(
        "# {{ workshop.title }}\n{% for g in summary.orphans %}- {{ g }}\n{% endfor %}",
        encoding="utf-8",
    )
    result = invoke("export", workshop_path, "--template", mine)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "# Small org\n- Audit\n"
    out = tmp_path / "out.md"
    written = invoke("export", workshop_path, "--template", mine, "-o", out)
    assert written.exit_code == 0 and written.stdout == ""
    assert out.read_bytes() == b"# Small org\n- Audit\n"


def test_the_cli_escapes_by_the_template_files_name(workshop_path: Path, tmp_path: Path) -> None:
    with Workshop.open(workshop_path) as ws:
        ws.add_group("<script>x</script>")
    for name, expected in (
        ("page.html", "&lt;script&gt;x&lt;/script&gt;"),
        ("page.md", "<script>x"),
    ):
        template = tmp_path / name
        template.write_text(GROUP_NAMES, encoding="utf-8")
        result = invoke("export", workshop_path, "--template", template)
        assert result.exit_code == 0, result.stderr
        assert expected in result.stdout


def test_a_template_cannot_change_the_workshop(workshop_path: Path) -> None:
    with Workshop.open(workshop_path) as ws:
        before = ws.export("json")
        out = render(
            ws,
            "{{ groups.pop() }}{{ groups.clear() }}{{ summary.clear() }}"
            "{{ workshop.update({'title': 'Hacked'}) }}{{ groups | length }}",
        )
        assert out.endswith("0")  # it may play with its own copy of the data …
        assert ws.export("json") == before  # … but the workshop is not affected
        assert render(ws, "{{ workshop.title }} {{ groups | length }}") == "Small org 4"
    with Workshop.open(workshop_path) as ws:
        assert ws.export("json") == before


# -- 2. the sandbox ----------------------------------------------------------------------------

SECRET = "canary-7f3a9c1e-do-not-leak"

# (template, a fragment the refusal must contain); {canary} is the secret file's path
ESCAPES: dict[str, tuple[str, str]] = {
    "mro_subclasses": ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "not allowed"),
    "class_of_data": ("{{ groups.__class__ }}", "not allowed"),
    "lipsum_globals": ("{{ lipsum.__globals__ }}", "not allowed"),
    "cycler_globals": ("{{ cycler.__init__.__globals__ }}", "not allowed"),
    "template_context": ("{{ self._TemplateReference__context }}", "not allowed"),
    "attr_filter": ("{{ '' | attr('__class__') }}", "not allowed"),
    "format_string": ("{{ '{0.__class__}'.format(groups) }}", "not allowed"),
    "open_builtin": (
        "{{ cycler.__init__.__globals__.__builtins__.open('{canary}').read() }}",
        "not allowed",
    ),
    "os_popen": ("{{ lipsum.__globals__['os'].popen('cat {canary}').read() }}", "not allowed"),
    "include_passwd": ("{% include '/etc/passwd' %}", "/etc/passwd"),
    "include_canary": ("{% include '{canary}' %}", "secret.txt"),
    "include_relative": ("{% include 'secret.txt' %}", "secret.txt"),
    "extends_bundled": ("{% extends 'summary.md.j2' %}", "summary.md.j2"),
    "import": ("{% import 'macros.j2' as m %}", "macros.j2"),
    "from_import": ("{% from 'summary.md.j2' import anything %}", "summary.md.j2"),
    "huge_range": ("{{ range(10**9) | list }}", "Range too big"),
    "config": ("{{ config }}", "'config' is undefined"),
    "request": ("{{ request }}", "'request' is undefined"),
}


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    return secret


@pytest.mark.parametrize("name", ["evil.j2", "evil.html"])
@pytest.mark.parametrize("attack", sorted(ESCAPES))
def test_sandbox_escapes_are_refused(
    workshop_path: Path, canary: Path, tmp_path: Path, attack: str, name: str
) -> None:
    text, fragment = ESCAPES[attack]
    text = text.replace("{canary}", str(canary))
    before = tree(tmp_path)
    with Workshop.open(workshop_path) as ws:
        data_before = ws.export("json")
        with time_limit(10):
            error = refusal(ws, text, name)
        message = str(error)
        assert message.startswith(name), message
        assert fragment in message, message
        assert SECRET not in message
        assert "Traceback" not in message and "\n" not in message
        assert ws.export("json") == data_before
    assert tree(tmp_path) == before


@pytest.mark.parametrize("attack", sorted(ESCAPES))
def test_sandbox_escapes_through_the_cli(
    workshop_path: Path, canary: Path, tmp_path: Path, attack: str
) -> None:
    text, fragment = ESCAPES[attack]
    template = tmp_path / "evil.j2"
    template.write_text(text.replace("{canary}", str(canary)), encoding="utf-8")
    target = tmp_path / "out.md"
    before = tree(tmp_path)
    with time_limit(10):
        result = invoke("export", workshop_path, "--template", template, "-o", target)
    err = assert_one_line_error(result, "evil.j2", fragment)
    assert SECRET not in err
    assert not target.exists()
    assert tree(tmp_path) == before


def test_harmless_globals_render_but_reveal_nothing(small_workshop: Workshop) -> None:
    """The sandbox's own globals may be printed, which shows only their names."""
    out = render(small_workshop, "{{ lipsum }} {{ cycler }} {{ self }} {{ range(3) | list }}")
    assert "generate_lorem_ipsum" in out and "[0, 1, 2]" in out
    assert SECRET not in out


def test_a_range_at_the_limit_still_works(small_workshop: Workshop) -> None:
    with time_limit(10):
        assert render(small_workshop, "{{ range(100000) | list | length }}") == "100000"
        refusal(small_workshop, "{{ range(100001) | list | length }}")


def test_render_user_template_refuses_includes_without_a_workshop(canary: Path) -> None:
    for text in (f"{{% include '{canary}' %}}", "{% extends 'summary.html.j2' %}"):
        with pytest.raises(WorkshopError) as caught:
            render_user_template(text, "alone.j2", {})
        assert str(caught.value).startswith("alone.j2") and SECRET not in str(caught.value)


# -- 3. errors name the template and the line ---------------------------------------------------

# (template, line); each is broken on exactly that line
SYNTAX_ERRORS: dict[str, tuple[str, int]] = {
    "unclosed_for": ("# {{ workshop.title }}\n\n{% for g in groups %}\n", 3),
    "broken_expression": ("# {{ workshop.title }}\n\n{{ }\nafter\n", 3),
    "unknown_filter": ("one\ntwo\n{{ groups | nope }}\nfour\n", 3),
    "unknown_tag": ("one\ntwo\n{% frobnicate %}\nfour\n", 3),
    "stray_endfor": ("one\n{% endfor %}\nthree\n", 2),
}
RUNTIME_ERRORS: dict[str, tuple[str, int, str]] = {
    "undefined_name": ("# {{ workshop.title }}\n{{ nothing_here }}\nthree\n", 2, "undefined"),
    "undefined_attribute": ("# title\n{{ workshop.nope }}\n", 2, "nope"),
    "division_by_zero": ("one\ntwo\nthree\n{{ groups | length / 0 }}\nfive\n", 4, "division"),
    "division_in_a_loop": (
        "one\n{% for g in groups %}\n\n{{ 1 / (g.id - 2) }}\n{% endfor %}\n",
        4,
        "division",
    ),
    "unsafe_attribute": ("one\ntwo\n{{ groups.__class__ }}\n", 3, "not allowed"),
}
LINE_BUG = (
    "BUG: runtime errors in a user's template have no line number: _template_line looks for "
    "traceback frames whose co_filename is the template's name, but DictLoader gives the "
    "template no filename, so Jinja's rewritten frames are named '<template>' and never match"
)


@pytest.mark.parametrize("case", sorted(SYNTAX_ERRORS))
def test_a_syntax_error_names_the_template_and_line(small_workshop: Workshop, case: str) -> None:
    text, line = SYNTAX_ERRORS[case]
    message = str(refusal(small_workshop, text, "broken.j2"))
    assert message.startswith(f"broken.j2, line {line}: "), message
    assert "\n" not in message


@pytest.mark.parametrize("case", sorted(RUNTIME_ERRORS))
def test_a_runtime_error_names_the_template_and_is_refused(
    small_workshop: Workshop, case: str
) -> None:
    text, _, fragment = RUNTIME_ERRORS[case]
    message = str(refusal(small_workshop, text, "broken.j2"))
    assert message.startswith("broken.j2") and fragment in message, message
    assert "Traceback" not in message and "\n" not in message


@pytest.mark.parametrize("case", sorted(RUNTIME_ERRORS))
def test_a_runtime_error_names_the_line(small_workshop: Workshop, case: str) -> None:
    text, line, _ = RUNTIME_ERRORS[case]
    message = str(refusal(small_workshop, text, "broken.j2"))
    assert message.startswith(f"broken.j2, line {line}: "), message


@pytest.mark.parametrize("case", sorted(SYNTAX_ERRORS) + sorted(RUNTIME_ERRORS))
def test_a_broken_template_through_the_cli(workshop_path: Path, tmp_path: Path, case: str) -> None:
    text = SYNTAX_ERRORS[case][0] if case in SYNTAX_ERRORS else RUNTIME_ERRORS[case][0]
    template = tmp_path / "broken.j2"
    template.write_text(text, encoding="utf-8")
    target = tmp_path / "out.md"
    result = invoke("export", workshop_path, "--template", template, "-o", target)
    err = assert_one_line_error(result, "workshop: broken.j2")
    if case in SYNTAX_ERRORS:
        assert f"broken.j2, line {SYNTAX_ERRORS[case][1]}: " in err, err
    assert not target.exists()
    assert not list(tmp_path.glob("out*"))


def test_a_runtime_error_through_the_cli_names_the_line(
    workshop_path: Path, tmp_path: Path
) -> None:
    template = tmp_path / "broken.j2"
    template.write_text(RUNTIME_ERRORS["division_by_zero"][0], encoding="utf-8")
    result = invoke("export", workshop_path, "--template", template)
    assert_one_line_error(result, "workshop: broken.j2, line 4: ")


@pytest.mark.parametrize(
    "text", ["{% for g in groups %}", "{{ groups.__class__ }}", "{{ range(10**9) | list }}"]
)
def test_error_messages_end_with_a_single_full_stop(small_workshop: Workshop, text: str) -> None:
    message = str(refusal(small_workshop, text))
    assert message.endswith(".") and not message.endswith(".."), message


# -- 4. CSV ----------------------------------------------------------------------------------


def test_the_cli_offers_exactly_the_csv_tables() -> None:
    assert tuple(CSV_TABLES) == CSV_TABLE_NAMES


@pytest.mark.parametrize("what", sorted(CSV_TABLES))
def test_every_csv_table_has_its_header(workshop_path: Path, tmp_path: Path, what: str) -> None:
    result = invoke("export", workshop_path, "--format", "csv", "--what", what)
    assert result.exit_code == 0, result.stderr
    rows = read_csv(result.stdout)
    assert rows[0] == list(CSV_TABLES[what])
    assert all(len(row) == len(CSV_TABLES[what]) for row in rows)
    with Workshop.create(tmp_path / "empty.db", title="Empty") as ws:
        assert read_csv(ws.export("csv", what=what)) == [list(CSV_TABLES[what])]


def test_an_unknown_csv_table_is_refused(small_workshop: Workshop) -> None:
    with pytest.raises(WorkshopError, match="nope"):
        small_workshop.export("csv", what="nope")
    with pytest.raises(WorkshopError, match="nope"):
        export_csv(as_dict(small_workshop), "nope")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+31 6 1234", "'+31 6 1234"),
        ("-x", "'-x"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=cmd", "'\t=cmd"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        (" =x", " =x"),
        ("'already", "'already"),
        ("", ""),
        (None, ""),
        (3, "3"),
        (-2, "'-2"),
        (True, "yes"),
        (False, "no"),
        (["=A", "B"], "'=A; B"),
    ],
)
def test_csv_cell_examples(value: object, cell: str) -> None:
    assert _csv_cell(value) == cell


def expected_cell(stored: str) -> str:
    return "'" + stored if stored.startswith(FORMULA_STARTS) else stored


def unquote(cell: str, stored: str) -> str:
    """A cell as read back, with the quote that neutralised `stored` taken off again. (Whether
    a quote was added cannot be told from the cell alone: "'=x" is both "=x" neutralised and
    "'=x" as typed.)"""
    return cell[1:] if stored.startswith(FORMULA_STARTS) else cell


ANY_TEXT = st.one_of(
    st.text(max_size=40),
    st.tuples(
        st.sampled_from([*FORMULA_STARTS, "'", " ", "a", '"', ","]), st.text(max_size=40)
    ).map("".join),
)


@given(text=ANY_TEXT)
@settings(max_examples=300, deadline=None)
def test_csv_neutralises_formulas_and_changes_nothing_else(text: str) -> None:
    columns = CSV_TABLES["actions"]
    out = export_csv({"actions": [dict.fromkeys(columns, text)]}, "actions")
    header, row = read_csv(out)
    assert header == list(columns)
    assert row == [expected_cell(text)] * len(columns)
    assert [unquote(cell, text) for cell in row] == [text] * len(columns)


# what clean_text accepts: no control characters but tab, newline and carriage return
STORED_TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t\n\r"), max_size=40
)


@pytest.fixture(scope="module")
def notes_workshop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workshop]:
    ws = Workshop.create(tmp_path_factory.mktemp("csv") / "notes.db", title="Notes")
    ws.add_group("Sales")
    ws.add_action(owner_id=1, due="2027-01-31")
    yield ws
    ws.close()


@given(
    notes=st.one_of(STORED_TEXT, st.tuples(st.sampled_from("=+-@'"), STORED_TEXT).map("".join)),
    kpi=STORED_TEXT,
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_csv_of_stored_text_reads_back_exactly(
    notes_workshop: Workshop, notes: str, kpi: str
) -> None:
    notes_workshop.update_action(1, notes=notes, kpi=kpi)
    stored = notes_workshop.action(1)
    header, row = read_csv(notes_workshop.export("csv", what="actions"))
    cells = dict(zip(header, row, strict=True))
    assert cells["notes"] == expected_cell(stored.notes)
    assert cells["kpi"] == expected_cell(stored.kpi)
    assert unquote(cells["notes"], stored.notes) == stored.notes
    assert unquote(cells["kpi"], stored.kpi) == stored.kpi


def test_formulas_in_every_table_are_neutralised(tmp_path: Path) -> None:
    with Workshop.create(tmp_path / "f.db", title="Formulas") as ws:
        team = ws.add_group("=Team")
        ws.add_customer("@Customer")
        ws.add_handoff(team, "@Customer", provides="+Leads", needs="-Speed", self_rating=2,
                       customer_rating=4)  # fmt: skip
        ws.add_comment('=HYPERLINK("http://x")', routed_to=[team])
        proposal = ws.add_proposal("=Plan")
        ws.add_action(owner_id=team, due="2027-01-31", proposal_id=proposal, kpi="@kpi")
        ann = ws.join("Ann")
        round_id = ws.open_vote("-Vote", hidden=False)
        ws.cast_vote(round_id, ann, proposal)
        tables = {what: read_csv(ws.export("csv", what=what)) for what in CSV_TABLES}
    assert tables["handoffs"][1] == ["'=Team", "'@Customer", "'+Leads", "'-Speed", "", "2", "4",
                                     "'-2"]  # fmt: skip
    assert tables["comments"][1][3:] == ['\'=HYPERLINK("http://x")', "'=Team"]
    assert tables["actions"][1][:4] == ["'=Plan", "'=Team", "2027-01-31", "'@kpi"]
    assert tables["votes"][1] == ["'-Vote", "open", "1", "'=Plan", "1", "1", "no"]
    for rows in tables.values():
        for row in rows[1:]:
            assert not any(cell.startswith(FORMULA_STARTS) for cell in row), row


def test_hidden_rounds_give_no_vote_rows(small_workshop: Workshop) -> None:
    ws = small_workshop
    hotline = ws.add_proposal("Weekend hotline")
    ann, bob = ws.join("Ann"), ws.join("Bob")
    header = ["question", "state", "rank", "proposal", "votes", "voters", "tied"]

    def votes() -> list[list[str]]:
        rows = read_csv(ws.export("csv", what="votes"))
        assert rows[0] == header
        return rows[1:]

    first = ws.open_vote("Hidden first", votes_per_person=2)
    for person, proposal in ((ann, 1), (bob, 1), (bob, hotline)):
        ws.cast_vote(first, person, proposal)
    assert votes() == []
    assert "Hidden first" not in ws.export("csv", what="votes")
    ws.reveal_vote(first)
    revealed = [
        ["Hidden first", "revealed", "1", "Quote on the spot", "2", "2", "no"],
        ["Hidden first", "revealed", "2", "Weekend hotline", "1", "1", "no"],
    ]
    assert votes() == revealed
    ws.close_vote(first)
    closed = [[row[0], "closed", *row[2:]] for row in revealed]
    assert votes() == closed

    second = ws.open_vote("Hidden second", votes_per_person=2)
    ws.cast_vote(second, ann, hotline)
    assert votes() == closed  # the hidden round adds nothing; the closed one stays
    ws.close_vote(second)
    assert [row[0] for row in votes()] == ["Hidden first"] * 2 + ["Hidden second"] * 2

    third = ws.open_vote("Open tally", votes_per_person=2, hidden=False)
    ws.cast_vote(third, bob, 1)
    assert [row[:2] for row in votes()[-2:]] == [["Open tally", "open"]] * 2


def test_hidden_rounds_through_the_cli(workshop_path: Path) -> None:
    with Workshop.open(workshop_path) as ws:
        ann = ws.join("Ann")
        round_id = ws.open_vote("Secret")
        ws.cast_vote(round_id, ann, 1)
    result = invoke("export", workshop_path, "--format", "csv", "--what", "votes")
    assert result.exit_code == 0 and read_csv(result.stdout) == [list(CSV_TABLES["votes"])]
    with Workshop.open(workshop_path) as ws:
        ws.reveal_vote(round_id)
    result = invoke("export", workshop_path, "--format", "csv", "--what", "votes")
    assert read_csv(result.stdout)[1] == ["Secret", "revealed", "1", "Quote on the spot", "1",
                                          "1", "no"]  # fmt: skip


AWKWARD = [
    "comma, separated, values",
    'a "quoted" word',
    '"starts and ends with quotes"',
    "two\nlines",
    "windows\r\nline",
    "lone\rreturn",
    'all of it: "x, y"\n and more,\n',
    "trailing comma,",
    "semi; colon",
]


def test_csv_round_trips_awkward_values(tmp_path: Path) -> None:
    with Workshop.create(tmp_path / "awkward.db", title="Awkward") as ws:
        a = ws.add_group("Group, with comma")
        b = ws.add_group('Group "quoted"')
        proposal = ws.add_proposal('Plan, "B"')
        for n, text in enumerate(AWKWARD):
            ws.add_action(owner_id=a, due="2027-01-31", proposal_id=proposal, kpi=text, notes=text)
            ws.add_comment(text, routed_to=[a, b], date=f"2026-10-{n + 1:02d}")
        ws.add_handoff(
            a, 'Group "quoted"', provides=AWKWARD[0], needs=AWKWARD[1], expectation=AWKWARD[3]
        )
        ann = ws.join("Ann")
        round_id = ws.open_vote('Which, "really"?', hidden=False)
        ws.cast_vote(round_id, ann, proposal)
        tables = {what: ws.export("csv", what=what) for what in CSV_TABLES}
    for what, text in tables.items():
        rows = read_csv(text)
        assert rows[0] == list(CSV_TABLES[what])
        assert all(len(row) == len(CSV_TABLES[what]) for row in rows), what
        assert text.endswith("\r\n")
    actions = read_csv(tables["actions"])[1:]
    expected = [t.strip() for t in AWKWARD]
    assert [(r[0], r[1]) for r in actions] == [('Plan, "B"', "Group, with comma")] * len(AWKWARD)
    assert [r[3] for r in actions] == [r[5] for r in actions] == expected
    comments = read_csv(tables["comments"])[1:]
    assert [r[3] for r in comments] == expected
    assert {r[4] for r in comments} == {'Group, with comma; Group "quoted"'}
    (handoff,) = read_csv(tables["handoffs"])[1:]
    assert handoff[:5] == ["Group, with comma", 'Group "quoted"', *AWKWARD[:2], AWKWARD[3]]
    (vote,) = read_csv(tables["votes"])[1:]
    assert vote[:4] == ['Which, "really"?', "open", "1", 'Plan, "B"']


# -- 5. determinism --------------------------------------------------------------------------

USER_TEMPLATE = (
    "# {{ workshop.title }}\n{{ summary | tojson }}\n{{ groups | tojson }}\n"
    "{% for h in summary.gaps %}{{ h.from }} {{ h.gap }}\n{% endfor %}{{ summary.mermaid }}\n"
)


def all_exports(ws: Workshop) -> dict[str, bytes]:
    out = {fmt: ws.export(fmt).encode("utf-8") for fmt in ("md", "html", "json")}
    for what in CSV_TABLES:
        out[f"csv-{what}"] = ws.export("csv", what=what).encode("utf-8")
    for name in ("mine.j2", "mine.html"):
        out[name] = ws.export("md", template=(name, USER_TEMPLATE)).encode("utf-8")
    return out


def test_exports_are_byte_identical_twice_and_after_reopening(rich_path: Path) -> None:
    with Workshop.open(rich_path) as ws:
        first = all_exports(ws)
        assert all_exports(ws) == first
    with Workshop.open(rich_path) as ws:
        assert all_exports(ws) == first
    assert all(first.values())


def test_the_demo_exports_are_deterministic(demo_workshop: Workshop) -> None:
    first = all_exports(demo_workshop)
    path = demo_workshop.path
    demo_workshop.close()
    with Workshop.open(path) as ws:
        assert all_exports(ws) == first


def test_the_same_workshop_built_twice_exports_the_same_bytes(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    with Workshop.open(build_rich(one)) as a, Workshop.open(build_rich(two)) as b:
        assert all_exports(a) == all_exports(b)


@pytest.mark.parametrize(
    "args",
    [
        ("--format", "md"),
        ("--format", "html"),
        ("--format", "json"),
        *[("--format", "csv", "--what", what) for what in sorted(CSV_TABLES)],
        ("--template", "TEMPLATE"),
    ],
    ids=lambda args: "-".join(a.lstrip("-") for a in args),
)
def test_cli_exports_are_byte_identical(
    rich_path: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    template = tmp_path / "mine.j2"
    template.write_text(USER_TEMPLATE, encoding="utf-8")
    args = tuple(str(template) if a == "TEMPLATE" else a for a in args)
    outputs = []
    for n in range(2):
        target = tmp_path / f"out{n}"
        result = invoke("export", rich_path, *args, "-o", target)
        assert result.exit_code == 0, result.stderr
        outputs.append(target.read_bytes())
    stdout = invoke("export", rich_path, *args)
    assert outputs[0] == outputs[1] == stdout.stdout_bytes
    with Workshop.open(rich_path) as ws:
        fmt = args[1] if args[0] == "--format" else "md"
        what = args[3] if len(args) > 3 else "actions"
        user = ("mine.j2", USER_TEMPLATE) if args[0] == "--template" else None
        assert outputs[0] == ws.export(fmt, template=user, what=what).encode("utf-8")
