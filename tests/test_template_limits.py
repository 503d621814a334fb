"""The limits on users' export templates (workshop/sandbox.py): every way found to run a
template for ever or fill memory ends in one line naming the limit, within a bounded time, in
any thread; ordinary templates, the bundled ones included, render exactly as before."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workshop import Workshop, cli, sandbox
from workshop.errors import WorkshopError
from workshop.export import render, render_user_template, template_data

R = "{% for i in range(100000) %}"  # the largest range the sandbox allows
J = "{% for j in range(100000) %}"
END = "{% endfor %}"
SHORT_TIME_LIMIT = 1  # seconds: the time limit while the tests below that run out of time run
SLACK = 4  # seconds past the limit a refusal may take on a busy test machine
README = Path(__file__).resolve().parent.parent / "README.md"

TEXT = "a piece of text would pass the 20 MB limit"
VALUE = "too large to write out or compare"
LIST = "a list would pass the 1,000,000-item limit"
BUILT = "built more than 100 MB of text and lists"
NESTED_CALLS = "nested deeper than 100 (the limit)"
STEPS = "more than 100,000 items, lines or characters"
TIME = "ran past its 1 s time limit"

# (template, a fragment of the one-line refusal); none of these renders
HOSTILE: dict[str, tuple[str, str]] = {
    # the findings
    "lipsum": ("{{ lipsum(10**6) }}", "lipsum was given " + STEPS),
    "center_method": ("{{ 'x'.center(10**9) }}", TEXT),
    "recursive_macro": ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", NESTED_CALLS),
    # methods that take a size
    "center_filter": ("{{ 'x' | center(1000000000) }}", TEXT),
    "ljust": ("{{ 'x'.ljust(10**9) }}", TEXT),
    "rjust": ("{{ 'x'.rjust(10**9, '-') }}", TEXT),
    "zfill": ("{{ '1'.zfill(10**9) }}", TEXT),
    "expandtabs": ("{{ ('\t' * 1000000).expandtabs(1000) }}", TEXT),
    "replace_empty": ("{{ ('a' * 1000000).replace('', 'b' * 1000) }}", TEXT),
    "replace_filter": ("{{ ('a' * 1000000) | replace('a', 'b' * 1000) }}", TEXT),
    "join_method": ("{{ ('x' * 1000000).join(['a'] * 1000) }}", TEXT),
    "join_filter": ("{{ (['a'] * 100000) | join('x' * 100000) }}", TEXT),
    "translate": ("{{ ('x' * 1000000).translate({120: 'y' * 1000}) }}", TEXT),
    # format widths, positional, nested and mapped
    "format_width": ("{{ '{:>1000000000}'.format(1) }}", TEXT),
    "format_nested_width": ("{{ '{:>{}}'.format(1, 10**9) }}", TEXT),
    "format_many_fields": ("{{ ('{0}' * 100000).format('x' * 100000) }}", TEXT),
    "format_map": ("{{ '{a:>999999999}'.format_map({'a': 1}) }}", TEXT),
    "format_filter": ("{{ '%1000000000s' | format('x') }}", TEXT),
    "percent_width": ("{{ '%1000000000s' % 'x' }}", TEXT),
    "percent_star": ("{{ '%*s' % (10**9, 'x') }}", TEXT),
    "percent_precision": ("{{ '%.1000000000f' % 1.0 }}", TEXT),
    "percent_many": ("{{ ('%s' * 100000) % (('x' * 100000,) * 100000) }}", TEXT),
    # multiplication, addition, concatenation, powers
    "string_times": ("{{ 'x' * 10**9 }}", TEXT),
    "times_string": ("{{ 10**9 * 'x' }}", TEXT),
    "string_filter_times": ("{{ 42 | string * 10**9 }}", TEXT),
    "list_times": ("{{ [1] * 10**9 }}", LIST),
    "power": ("{{ 2 ** 100000 }}", "the power is too large"),
    "power_of_a_big_number": ("{{ (10 ** 1000) ** 1000 }}", "the power is too large"),
    "squaring": (
        "{% set ns = namespace(x=10**1000) %}{% for i in range(30) %}"
        "{% set ns.x = ns.x * ns.x %}{% endfor %}",
        "a number would pass the 65,536-bit limit",
    ),
    "set_doubling_concat": (
        "{% set ns = namespace(s='x' * 1000000) %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        TEXT,
    ),
    "set_doubling_plus": (
        "{% set ns = namespace(s='x' * 1000000) %}{% for i in range(40) %}"
        "{% set ns.s = ns.s + ns.s %}{% endfor %}",
        TEXT,
    ),
    "list_doubling": (
        "{% set ns = namespace(l=[1] * 1000) %}{% for i in range(40) %}"
        "{% set ns.l = ns.l + ns.l %}{% endfor %}",
        LIST,
    ),
    "extend_itself": (
        "{% set l = [1] %}{% for i in range(40) %}{{ l.extend(l) }}{% endfor %}",
        LIST,
    ),
    # many values, each allowed, kept
    "append_big_strings": ("{% set l = [] %}" + R + "{{ l.append('x' * 1000000) }}" + END, BUILT),
    "append_slices": (
        "{% set big = [1] * 1000000 %}{% set l = [] %}" + R + "{{ l.append(big[:]) }}" + END,
        BUILT,
    ),
    "sum_of_lists": ("{{ range(100000) | batch(1) | sum(start=[]) | length }}", BUILT),
    # captured output: set blocks, filter blocks, macros
    "set_block": (
        "{% set x %}" + R + "{{ 'x' * 100000 }}" + END + "{% endset %}{{ x | length }}",
        TEXT,
    ),
    "set_block_of_template_text": (
        "{% set x %}" + R + "y" * 10000 + END + "{% endset %}{{ x | length }}",
        TEXT,
    ),
    "filter_block": (
        "{% filter upper %}" + R + "{{ 'x' * 100000 }}" + END + "{% endfilter %}",
        TEXT,
    ),
    "macro_output": (
        "{% macro m() %}" + R + "{{ 'x' * 100000 }}" + END + "{% endmacro %}{{ m() | length }}",
        TEXT,
    ),
    # the output itself
    "output": (R + "{{ 'x' * 100000 }}" + END, "the template's output passed the 20 MB limit"),
    # recursion
    "recursive_macro_with_argument": (
        "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}",
        NESTED_CALLS,
    ),
    "recursive_caller": (
        "{% macro m() %}{{ caller() }}{% endmacro %}"
        "{% macro r() %}{% call m() %}{{ r() }}{% endcall %}{% endmacro %}{{ r() }}",
        NESTED_CALLS,
    ),
    "recursive_loop": (
        "{% set l = [[]] %}{{ l[0].append(l) }}{% for x in l recursive %}{{ loop(x) }}{% endfor %}",
        NESTED_CALLS,
    ),
    "recursive_block": ("{% block b %}{{ self.b() }}{% endblock %}", NESTED_CALLS),
    "including_itself": ("{% include 'mine.j2' %}", "cannot include, import or extend"),
    "importing_itself": ("{% import 'mine.j2' as me %}", "cannot include, import or extend"),
    # filters
    "batch_fill": ("{{ [1] | batch(1000000000, 0) | list }}", LIST),
    "slice": ("{{ [1] | slice(1000000000) | list }}", "slice was given " + STEPS),
    "wordwrap": ("{{ ('x' * 1000000) | wordwrap(1) }}", "wordwrap was given " + STEPS),
    "wordwrap_wrapstring": ("{{ ('x ' * 50000) | wordwrap(1, wrapstring='y' * 100000) }}", TEXT),
    "indent": ("{{ ('\n' * 1000000) | indent(1000) }}", TEXT),
    "indent_text": ("{{ ('\n' * 100000) | indent('x' * 100000) }}", TEXT),
    "list_filter": ("{{ ('x' * 10000000) | list | length }}", LIST),
    "urlize": ("{{ ('a.b ' * 1000000) | urlize }}", "urlize was given " + STEPS),
    "sort": ("{{ ([1] * 1000000) | sort | length }}", "sort was given " + STEPS),
    "pprint": ("{{ range(100000) | list | pprint }}", "pprint was given " + STEPS),
    "tojson_indent": ("{{ range(1000) | list | tojson(indent=1000000) }}", TEXT),
    "lipsum_words": ("{{ lipsum(n=1000, min=1000, max=1000) }}", "lipsum was given " + STEPS),
    "md_lines": ("{{ ('- a\n' * 500000) | md }}", "md was given " + STEPS),
    # one value held many times: written out, compared, hashed
    "shared_written_out": ("{% set l = ['x' * 1000000] * 1000 %}{{ l }}", VALUE),
    "shared_string_filter": ("{% set l = ['x' * 1000000] * 1000 %}{{ l | string }}", VALUE),
    "shared_concatenated": ("{% set l = ['x' * 1000000] * 1000 %}{{ 'a' ~ l }}", VALUE),
    "shared_bytes": ("{% set b = ('x' * 1000000).encode() %}{{ [b] * 1000 }}", VALUE),
    "shared_numbers": ("{{ [10 ** 1000] * 100000 }}", VALUE),
    "shared_joined": ("{% set l = ['x' * 1000000] * 1000 %}{{ l | join }}", VALUE),
    "doubling_compared": (
        "{% set ns = namespace(a=[1], b=[1]) %}{% for i in range(60) %}"
        "{% set ns.a = [ns.a, ns.a] %}{% set ns.b = [ns.b, ns.b] %}{% endfor %}{{ ns.a == ns.b }}",
        "more than 100,000 lists and mappings",
    ),
    "doubling_hashed": (
        "{% set ns = namespace(a=(1,)) %}{% for i in range(60) %}{% set ns.a = (ns.a, ns.a) %}"
        "{% endfor %}{{ {ns.a: 1} }}",
        "more than 100,000 lists and mappings",
    ),
    "doubling_as_json": (
        "{% set ns = namespace(a=[1]) %}{% for i in range(60) %}{% set ns.a = [ns.a, ns.a] %}"
        "{% endfor %}{{ ns.a | tojson }}",
        "more than 100,000 lists and mappings",
    ),
    "deep_data": (
        "{% set ns = namespace(a=[]) %}{% for i in range(1000) %}{% set ns.a = [ns.a] %}"
        "{% endfor %}{{ ns.a }}",
        "data nested deeper than 100 levels",
    ),
    # the template itself
    "deep_parentheses": ("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "nested too deeply"),
    "deep_tags": ("{% if 1 %}" * 150 + "{% endif %}" * 150, "nested too deeply"),
    "huge_template": ("{{ x }}" * 200_000, "larger than the 1 MB limit"),
}

# templates that only the clock stops (run with the time limit at SHORT_TIME_LIMIT)
ENDLESS: dict[str, str] = {
    "nested_ranges": R + J + END + END,  # the finding
    "nested_ranges_writing": R + J + "x" + END + END,
    "nested_ranges_in_a_set_block": "{% set x %}" + R + J + END + END + "{% endset %}",
    "sums_in_a_loop": R + "{{ range(100000) | sum }}" + END,
    "namespaces": "{% set l = [] %}" + R + J + "{{ l.append(namespace(a=1)) }}" + END + END,
    "concatenation": R + J + "{% set x = 'abc' ~ j %}" + END + END,
    "attributes": R + J + "{{ j.real is defined }}" + END + END,
    "tests": R + J + "{{ j is divisibleby 3 }}" + END + END,
    "dict_keys": "{% set d = {} %}" + R + J + "{{ d.update({(i, j): 1}) }}" + END + END,
    "cycler": "{% set c = cycler(*range(100000)) %}" + R + J + "{{ c.next() }}" + END + END,
    "lazy_filters": R + "{{ range(100000) | map('string') | select | list | length }}" + END,
    "macro_calls": "{% macro m() %}{% endmacro %}" + R + J + "{{ m() }}" + END + END,
    "indented_json": R + "{{ range(100000) | list | tojson(indent=1) | length }}" + END,
}


def refused(text: str, name: str = "mine.j2", data: dict | None = None) -> tuple[str, float]:
    """The one-line refusal of a template, and how long it took."""
    started = time.perf_counter()
    with pytest.raises(WorkshopError) as caught:
        out = render_user_template(text, name, data or {})
        pytest.fail(f"{text[:80]!r} rendered {len(out)} characters")  # pragma: no cover
    took = time.perf_counter() - started
    error = caught.value
    assert error.__cause__ is None and error.__suppress_context__
    message = str(error)
    assert message.startswith(name) and "\n" not in message and "Traceback" not in message
    assert message.endswith(".") and not message.endswith(".."), message
    return message, took


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args], prog_name="workshop")


@pytest.fixture
def short_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "TIME_LIMIT_S", SHORT_TIME_LIMIT)


# -- 1. every hostile template ends in one line naming the limit ------------------------------


GENEROUS_TIME_LIMIT = 60  # seconds: a busy machine must not reach the clock before the limit


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_template_is_refused_naming_the_limit(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each is stopped by its own limit, long before any clock (given time, even on a machine
    busy enough that 5 s would run out first)."""
    monkeypatch.setattr(sandbox, "TIME_LIMIT_S", GENEROUS_TIME_LIMIT)
    text, fragment = HOSTILE[case]
    message, took = refused(text)
    assert fragment in message, message
    assert took < sandbox.TIME_LIMIT_S + SLACK, took


@pytest.mark.parametrize("case", sorted(ENDLESS))
def test_an_endless_template_stops_at_the_time_limit(short_time_limit: None, case: str) -> None:
    message, took = refused(ENDLESS[case])
    assert message == f"mine.j2, line 1: the template {TIME}.", message
    assert SHORT_TIME_LIMIT <= took < SHORT_TIME_LIMIT + SLACK, took


def test_a_refusal_names_the_line_of_the_template() -> None:
    message, _ = refused("# Title\n\n{{ 'x'.center(10**9) }}\n")
    assert message.startswith("mine.j2, line 3: a piece of text"), message
    message, _ = refused("a\n{% macro m() %}\n{{ m() }}\n{% endmacro %}\n{{ m() }}\n")
    assert message.startswith("mine.j2, line 3: macros"), message


def test_the_time_limit_names_the_line_that_ran(short_time_limit: None) -> None:
    message, _ = refused("# Title\n" + R + "\n" + J + "{% endfor %}\n{% endfor %}\n")
    assert message == f"mine.j2, line 3: the template {TIME}.", message


def test_output_streamed_out_names_its_line() -> None:
    message, _ = refused("# Title\n" + R + "{{ 'x' * 100000 }}" + END)
    assert message == "mine.j2, line 2: the template's output passed the 20 MB limit."


@pytest.mark.parametrize("case", ["lipsum", "center_method", "recursive_macro", "output"])
def test_hostile_templates_in_a_thread(case: str) -> None:
    """The limits need no signals: a template rendered off the main thread is stopped too."""
    outcome: list[str] = []

    def export() -> None:
        try:
            render_user_template(HOSTILE[case][0], "mine.j2", {})
        except WorkshopError as error:
            outcome.append(str(error))

    worker = threading.Thread(target=export)
    worker.start()
    worker.join(sandbox.TIME_LIMIT_S + SLACK)
    assert not worker.is_alive() and len(outcome) == 1
    assert HOSTILE[case][1] in outcome[0]


def test_an_endless_template_in_a_thread(short_time_limit: None) -> None:
    outcome: list[str] = []

    def export() -> None:
        try:
            render_user_template(ENDLESS["nested_ranges"], "mine.j2", {})
        except WorkshopError as error:
            outcome.append(str(error))

    worker = threading.Thread(target=export)
    worker.start()
    worker.join(SHORT_TIME_LIMIT + SLACK)
    assert not worker.is_alive() and outcome and TIME in outcome[0]


# -- 2. through the command line and the workshop API ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "{{ lipsum(10**6) }}",
        ENDLESS["nested_ranges"],
        "{{ 'x'.center(10**9) }}",
        "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    ],
    ids=["lipsum", "nested_loops", "center", "recursive_macro"],
)
def test_the_findings_through_the_cli(
    workshop_path: Path, tmp_path: Path, short_time_limit: None, text: str
) -> None:
    template = tmp_path / "evil.j2"
    template.write_text(text, encoding="utf-8")
    target = tmp_path / "out.md"
    started = time.perf_counter()
    result = invoke("export", workshop_path, "--template", template, "-o", target)
    assert time.perf_counter() - started < sandbox.TIME_LIMIT_S + SLACK
    assert result.exit_code == 1 and result.stdout == "", result.stdout
    err = result.stderr
    assert err.startswith("workshop: evil.j2, line 1: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert not target.exists()


def test_the_real_time_limit_in_a_real_process(workshop_path: Path, tmp_path: Path) -> None:
    """`workshop export` as the facilitator runs it: the nested loops end after 5 s."""
    template = tmp_path / "loops.j2"
    template.write_text("# Loops\n" + ENDLESS["nested_ranges"] + "\n", encoding="utf-8")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "workshop", "export", str(workshop_path), "--template", template],
        capture_output=True,
        text=True,
        timeout=60,
    )
    took = time.perf_counter() - started
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        f"workshop: loops.j2, line 2: the template ran past its {sandbox.TIME_LIMIT_S} s time "
        "limit.\n"
    )
    assert sandbox.TIME_LIMIT_S <= took < sandbox.TIME_LIMIT_S + 10


def test_the_workshop_api_applies_the_limits(small_workshop: Workshop) -> None:
    with pytest.raises(WorkshopError, match=r"^mine\.html, line 1: a piece of text"):
        small_workshop.export("html", template=("mine.html", "{{ 'x'.zfill(10**9) }}"))


def test_a_refused_template_leaves_the_workshop_alone(workshop_path: Path, tmp_path: Path) -> None:
    with Workshop.open(workshop_path) as ws:
        before = ws.export("json")
        text = "{% for g in groups %}{{ g.update({'name': 'x' * 10**9}) }}{% endfor %}"
        with pytest.raises(WorkshopError, match="piece of text"):
            ws.export("md", template=("mine.j2", text))
        assert ws.export("json") == before


# -- 3. ordinary templates are not affected ----------------------------------------------------


@pytest.mark.parametrize("name", ["summary.md.j2", "summary.html.j2"])
def test_the_bundled_templates_render_the_same_as_user_templates(
    demo_workshop: Workshop, name: str
) -> None:
    """The same template text gives the same bytes in the sandbox as outside it."""
    from workshop.export import templates_dir

    data = template_data(demo_workshop)
    text = (templates_dir() / name).read_text(encoding="utf-8")
    assert render_user_template(text, name, data) == render(name, data)


def test_ordinary_template_features_still_work(small_workshop: Workshop) -> None:
    text = (
        "{% macro row(g) %}| {{ g.name }} | {{ g.kind }} |{% endmacro %}"
        "{% set ns = namespace(names=[]) %}"
        "{% for g in groups | sort(attribute='name') %}{% set ns.names = ns.names + [g.name] %}"
        "{{ row(g) }}{{ loop.index }}/{{ loop.length }}{% if not loop.last %};{% endif %}"
        "{% else %}none{% endfor %}\n"
        "{{ ns.names | join(', ') }} {{ '%-6s|' % 'ab' }} {{ '{:>4}'.format(7) }} "
        "{{ 'ab' * 3 }} {{ [1, 2] + [3] }} {{ 'x' ~ 1 ~ none }} "
        "{{ groups[1:3] | map(attribute='name') | list }} {{ {'a': 1}['a'] }} "
        "{{ (1, 2) in [(1, 2)] }} {{ 2 ** 10 }} {{ 'a b c' | wordwrap(3) | length }} "
        "{{ range(3) | sum }} {{ [[1], [2]] | sum(start=[]) }} "
        "{{ lipsum(1, false, 5, 6) | wordcount >= 5 }}\n"
        "{% for x in [[1, [2]], [3]] recursive %}{% if x is iterable %}({{ loop(x) }})"
        "{% else %}{{ x }}{% endif %}{% endfor %}"
    )
    out = small_workshop.export("md", template=("mine.j2", text))
    assert out == (  # what the sandbox gave before it had limits
        "| Audit | support |1/4;| HR | support |2/4;| IT | support |3/4;| Sales | front line |4/4"
        "Audit, HR, IT, Sales ab    |    7 ababab [1, 2, 3] x1None ['IT', 'HR'] 1 True 1024 5 3 "
        "[1, 2] True\n(1(2))(3)"
    )


def test_output_right_at_the_limit_renders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "OUTPUT_LIMIT_MB", 1)
    at_limit = "{% for i in range(10) %}{{ 'x' * 100000 }}{% endfor %}"
    assert len(render_user_template(at_limit, "mine.j2", {})) == 1_000_000
    message, _ = refused(at_limit + "!")
    assert "output passed the 1 MB limit" in message


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.integers(0, 30), size=st.integers(0, 60_000))
def test_output_is_refused_exactly_past_the_limit(pieces: int, size: int) -> None:
    original = sandbox.OUTPUT_LIMIT_MB
    sandbox.OUTPUT_LIMIT_MB = 1
    try:
        text = f"{{% for i in range({pieces}) %}}{{{{ 'x' * {size} }}}}{{% endfor %}}"
        if pieces * size <= 1_000_000:
            assert len(render_user_template(text, "mine.j2", {})) == pieces * size
        else:
            assert "output passed the 1 MB limit" in refused(text)[0]
    finally:
        sandbox.OUTPUT_LIMIT_MB = original


MACRO_DEPTH = "{% macro m(n) %}{% if n %}{{ m(n - 1) }}{% else %}bottom{% endif %}{% endmacro %}"


@settings(max_examples=30, deadline=None)
@given(depth=st.integers(1, 3 * sandbox.NESTING_LIMIT))
def test_macros_nest_up_to_the_limit_and_no_deeper(depth: int) -> None:
    text = MACRO_DEPTH + f"{{{{ m({depth - 1}) }}}}"  # m(depth - 1) nests `depth` calls
    with pytest.MonkeyPatch.context() as patch:  # the nesting limit, not the clock, is tested
        patch.setattr(sandbox, "TIME_LIMIT_S", GENEROUS_TIME_LIMIT)
        if depth <= sandbox.NESTING_LIMIT:
            assert render_user_template(text, "mine.j2", {}) == "bottom"
        else:
            assert NESTED_CALLS in refused(text)[0]


def test_the_deepest_macro_nesting_fits_python_in_a_thread() -> None:
    """At the limit, in a thread that starts deep: no RecursionError from Python itself."""
    outcome: list[str] = []

    def deep(levels: int) -> None:
        if levels:
            deep(levels - 1)
            return
        text = MACRO_DEPTH + f"{{{{ m({sandbox.NESTING_LIMIT - 1}) }}}}"
        outcome.append(render_user_template(text, "mine.j2", {}))

    worker = threading.Thread(target=deep, args=(150,))
    worker.start()
    worker.join(30)
    assert outcome == ["bottom"]


@settings(max_examples=30, deadline=None)
@given(depth=st.integers(1, 2 * sandbox.NESTING_LIMIT))
def test_data_nests_up_to_the_limit_and_no_deeper(depth: int) -> None:
    text = (
        "{% set ns = namespace(a=1) %}"
        f"{{% for i in range({depth}) %}}{{% set ns.a = [ns.a] %}}{{% endfor %}}"
        "{{ ns.a | tojson }}"
    )
    if depth <= sandbox.NESTING_LIMIT:
        assert render_user_template(text, "mine.j2", {}) == "[" * depth + "1" + "]" * depth
    else:
        assert "data nested deeper than 100 levels" in refused(text)[0]


@settings(max_examples=25, deadline=None)
@given(width=st.integers(0, 40_000_000), method=st.sampled_from(["center", "ljust", "zfill"]))
def test_widths_are_refused_exactly_past_the_limit(width: int, method: str) -> None:
    original = sandbox.OUTPUT_LIMIT_MB
    sandbox.OUTPUT_LIMIT_MB = 10
    try:
        text = f"{{{{ 'x'.{method}({width}) | length }}}}"
        if width <= 10_000_000:
            assert render_user_template(text, "mine.j2", {}) == str(max(width, 1))
        else:
            assert "a piece of text would pass the 10 MB limit" in refused(text)[0]
    finally:
        sandbox.OUTPUT_LIMIT_MB = original


# -- 4. the limits are named in one place and documented ---------------------------------------


def test_the_limits_are_module_constants_named_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    paragraph = readme[readme.index("- **`--template T.j2`**") :].split("\n\n")[0]
    flat = re.sub(r"\s+", " ", paragraph)
    assert f"{sandbox.TIME_LIMIT_S} s" in flat
    assert f"{sandbox.OUTPUT_LIMIT_MB} MB" in flat
    assert f"{sandbox.BUILD_LIMIT_MB} MB" in flat
    assert f"{sandbox.NESTING_LIMIT}" in flat
    assert f"{sandbox.ITEMS_LIMIT:,}" in flat
    assert f"{sandbox.STEP_LIMIT:,}" in flat
    assert f"{sandbox.TEMPLATE_LIMIT_MB} MB" in flat
