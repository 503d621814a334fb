"""The sandbox that users' export templates run in: Jinja's, plus limits on time, size and depth.

Jinja's `SandboxedEnvironment` keeps a template away from files and Python internals; this one
also ends, in any thread (no signals), every template that would run for ever or fill memory:

- a deadline, checked on every call, filter, test, item lookup, loop step and piece of output
  (and while the template compiles), so nothing runs much past `TIME_LIMIT_S`; the filters
  that work through their input in Python, out of the deadline's reach, take at most
  `STEP_LIMIT` items, lines or characters;
- the output is counted as it streams out of `generate()`, and the text that macros, `{% set %}`
  blocks and filter blocks capture as it is captured;
- every value that could be built big (`*`, `+`, `~`, `%`, `str.format`, `center`, `join`,
  `replace`, `indent`, `lipsum`, slices, …) is sized before it is built, and what is built is
  counted against `BUILD_LIMIT_MB`, so neither one huge value nor many big ones fit;
- text written out or compared is measured first, counting shared parts each time they appear,
  so a list holding one long string a million times is refused rather than printed;
- macros, recursive loops and blocks nest at most `NESTING_LIMIT` deep, and so does data.

A limit ends the template with `LimitExceeded`, whose message is one sentence naming the limit.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, operators, optimizeconst
from jinja2.ext import Extension
from jinja2.filters import make_attrgetter
from jinja2.lexer import Token, TokenStream
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import SandboxedEnvironment, SandboxedFormatter, SecurityError
from jinja2.utils import Namespace, generate_lorem_ipsum, pass_environment
from markupsafe import EscapeFormatter, Markup, soft_str

MB = 1_000_000

# The limits for a user's template (the bundled templates run without them).
TIME_LIMIT_S = 5  # seconds to compile and render
OUTPUT_LIMIT_MB = 20  # megabytes (million characters) written; also the largest piece of text
BUILD_LIMIT_MB = 100  # megabytes of text and lists built along the way, counted as they are built
ITEMS_LIMIT = 1_000_000  # items in one list
NESTING_LIMIT = 100  # macro calls, recursive loops and blocks inside one another; data levels
STEP_LIMIT = 100_000  # items, lines or characters for a filter that works through them in Python
TEMPLATE_LIMIT_MB = 1  # size of the template itself
NUMBER_BITS_LIMIT = 65_536  # size of a number (about 19,700 digits)

SLOT = 8  # bytes a list spends on each item
_SAMPLE = 64  # items looked at to size a list's contents
_NUMBERS = frozenset({int, float, bool, type(None)})
_CONTAINERS = (list, tuple, dict, set, frozenset, type({}.keys()), type({}.values()),
               type({}.items()))  # fmt: skip
# filters that work through their input in Python, item by item or word by word: input capped
_STEPWISE = frozenset({"dictsort", "groupby", "max", "min", "pprint", "sort", "striptags",
                       "title", "unique", "urlencode", "urlize", "wordcount", "wordwrap",
                       "xmlattr"})  # fmt: skip
# filters that never turn their arguments into text nor compare or hash them
_SHALLOW = frozenset({"attr", "batch", "count", "d", "default", "first", "last", "length", "list",
                      "map", "random", "reject", "rejectattr", "reverse", "select", "selectattr",
                      "slice", "sum"})  # fmt: skip
_COMPARING_TESTS = frozenset({"!=", "<", "<=", "==", ">", ">=", "eq", "equalto", "ge",
                              "greaterthan", "gt", "in", "le", "lessthan", "lt", "ne"})  # fmt: skip
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})
_STORING_METHODS = frozenset({"append", "extend", "insert"})
_JINJA_KWARGS = frozenset({"_loop_vars", "_block_vars"})  # passed along by Jinja itself
_TEMPLATE_CODE = (Macro, LoopContext)  # calls that run the template's own code (a recursive loop)
_SPEC_NUMBER = re.compile(r"\d+")
_PERCENT = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d+))?"
    r"[hlL]?(?P<conv>.?)",
    re.S,
)


class LimitExceeded(Exception):
    """A user's template went past one of the limits; the message is one sentence naming it.
    `lineno` is the template's line when the traceback cannot tell it."""

    def __init__(self, message: str, lineno: int | None = None) -> None:
        super().__init__(message)
        self.lineno = lineno


def _count(n: int) -> str:
    return f"{n:,}"


def _refuse_nesting() -> LimitExceeded:
    return LimitExceeded(f"data nested deeper than {NESTING_LIMIT} levels (the limit).")


class _Guarded:
    """A loop's iterable, stepped through with the deadline checked at every item."""

    __slots__ = ("env", "iterable")

    def __init__(self, env: LimitedSandbox, iterable: Any) -> None:
        self.env = env
        self.iterable = iterable

    def __len__(self) -> int:
        return len(self.iterable)

    def __iter__(self) -> Iterator[Any]:
        tick = self.env.tick
        for item in self.iterable:
            tick()
            yield item


class _Buffer(list):  # type: ignore[type-arg]
    """Where a macro, `{% set %}` block or filter block collects its output: counted as it grows."""

    __slots__ = ("env", "size")

    def __init__(self, env: LimitedSandbox) -> None:
        super().__init__()
        self.env = env
        self.size = 0

    def append(self, piece: Any) -> None:
        self._count(len(piece))
        super().append(piece)

    def extend(self, pieces: Iterable[Any]) -> None:
        pieces = tuple(pieces)
        self._count(sum(map(len, pieces)))
        super().extend(pieces)

    def _count(self, size: int) -> None:
        self.size += size
        env = self.env
        env.built += size
        if self.size > env.text_limit or env.built > env.build_limit:
            env.will_build(self.size)
            env.charge(0)


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, with the hooks that let the limits see loops, concatenation,
    comparisons, slices, dictionary keys, captured output and text written out."""

    environment: LimitedSandbox

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        self.environment.tick()
        if not getattr(node, "limited_loop", False):
            return super().visit(node, *args, **kwargs)
        self.write("environment.guard_iter(")
        super().visit(node, *args, **kwargs)
        self.write(")")

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        for loop in node.find_all(nodes.For):
            loop.iter.limited_loop = True  # its iterable goes through guard_iter
        super().visit_Template(node, frame)

    def buffer(self, frame: Frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.new_buffer()")

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        super()._output_child_pre(node, frame, finalize)
        self.write("environment.text_value(")

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        self.write(")")
        super()._output_child_post(node, frame, finalize)

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            markup = "context.eval_ctx.volatile"  # as Jinja's own str_join/markup_join choice
        else:
            markup = "True" if frame.eval_ctx.autoescape else "False"
        self.write(f"environment.concat_checked({markup}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def _comparable(self, node: nodes.Expr, frame: Frame) -> None:
        if isinstance(node, nodes.Const):
            self.visit(node, frame)
            return
        self.write("environment.comparable(")
        self.visit(node, frame)
        self.write(")")

    @optimizeconst
    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:
        self.write("(")
        self._comparable(node.expr, frame)
        for op in node.ops:
            self.visit(op, frame)
        self.write(")")

    def visit_Operand(self, node: nodes.Operand, frame: Frame) -> None:
        self.write(f" {operators[node.op]} ")
        self._comparable(node.expr, frame)

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self.write("{")
        for idx, item in enumerate(node.items):
            if idx:
                self.write(", ")
            self._comparable(item.key, frame)
            self.write(": ")
            self.visit(item.value, frame)
        self.write("}")

    @optimizeconst
    def visit_Getitem(self, node: nodes.Getitem, frame: Frame) -> None:
        if not isinstance(node.arg, nodes.Slice):
            super().visit_Getitem(node, frame)
            return
        self.write("environment.getslice(")
        self.visit(node.node, frame)
        self.write(", slice(")
        for idx, part in enumerate((node.arg.start, node.arg.stop, node.arg.step)):
            if idx:
                self.write(", ")
            if part is None:
                self.write("None")
            else:
                self.visit(part, frame)
        self.write("))")


class _Deadline(Extension):
    """Checks the deadline at every token while the template is parsed."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        tick = self.environment.tick  # type: ignore[attr-defined]
        for token in stream:
            tick()
            yield token


class _Formatter(SandboxedFormatter):
    """`str.format` in the sandbox, with every field's width and the whole result sized first."""

    _env: LimitedSandbox

    def vformat(self, format_string: str, args: Any, kwargs: Any) -> str:
        self._size = len(format_string)
        return super().vformat(format_string, args, kwargs)

    def format_field(self, value: Any, format_spec: str) -> Any:
        self._env.tick()
        widths = [_number(n) for n in _SPEC_NUMBER.findall(format_spec)]
        self._size += max([self._env.text_size(value), *widths])
        self._env.will_build(self._size)
        return super().format_field(value, format_spec)


class _EscapeFormatter(_Formatter, EscapeFormatter):
    pass


# -- checks before a filter or function runs: each raises LimitExceeded, or returns the value
# -- (materialised, where it had to be read to be sized)


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _number(digits: str) -> int:
    """A width or precision written in a format: anything over nine digits counts as too big."""
    return OUTPUT_LIMIT_MB * MB + 1 if len(digits) > 9 else int(digits)


def _check_center(env: LimitedSandbox, value: Any, width: Any = 80) -> Any:
    env.will_build(max(env.text_size(value), _int(width)))
    return value


def _check_indent(env: LimitedSandbox, s: Any, width: Any = 4, *args: Any, **kwargs: Any) -> Any:
    if isinstance(s, str):
        indent = len(width) if isinstance(width, str) else _int(width)
        env.will_build(len(s) + (s.count("\n") + 2) * indent)
    return s


def _check_wordwrap(
    env: LimitedSandbox, s: Any, width: Any = 79, break_long_words: Any = True,
    wrapstring: Any = None, *args: Any, **kwargs: Any,
) -> Any:  # fmt: skip
    if isinstance(s, str):
        lines = 2 * len(s) // max(_int(width), 1) + s.count("\n") + 2
        wrap = len(wrapstring) if isinstance(wrapstring, str) else 1
        env.will_build(len(s) + lines * wrap)
    return s


def _check_replace(
    env: LimitedSandbox, s: Any, old: Any = "", new: Any = "", count: Any = None
) -> Any:
    if isinstance(s, str):
        env.will_build(_replaced_size(s, soft_str(old), soft_str(new), count))
    return s


def _replaced_size(s: str, old: str, new: str, count: Any) -> int:
    times = s.count(old) if old else len(s) + 1
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    return len(s) + times * max(len(new) - len(old), 0)


def _check_join(env: LimitedSandbox, value: Any, d: Any = "", attribute: Any = None) -> Any:
    items = value if isinstance(value, list | tuple) else list(value)
    env.will_list(len(items))
    if attribute is not None:
        items_size = sum(env.text_size(x) for x in items)  # the attributes are parts of them
    else:
        items_size = sum(len(x) if isinstance(x, str) else env.text_size(x) for x in items)
    env.will_build(items_size + max(len(items) - 1, 0) * env.text_size(d))
    return items


def _check_format(env: LimitedSandbox, value: Any, *args: Any, **kwargs: Any) -> Any:
    if isinstance(value, str):
        env.will_build(env.percent_size(value, kwargs or args))
    return value


def _check_batch(env: LimitedSandbox, value: Any, linecount: Any = 1, fill_with: Any = None) -> Any:
    if fill_with is not None:
        env.will_list(_int(linecount))
    return value


def _check_slice(env: LimitedSandbox, value: Any, slices: Any = 1, fill_with: Any = None) -> Any:
    env.steps("slice", _int(slices))
    env.will_list(_int(slices))
    return value


def _check_tojson(env: LimitedSandbox, value: Any, indent: Any = None) -> Any:
    size, depth = env.measure(value)
    step = len(indent) if isinstance(indent, str) else _int(indent)
    env.will_build(size * (1 + step * depth))
    return value


def _check_md(env: LimitedSandbox, value: Any) -> Any:
    if isinstance(value, str) and len(value) > STEP_LIMIT:
        env.steps("md", value.count("\n"))  # it works line by line
    return value


def _check_list(env: LimitedSandbox, value: Any) -> Any:
    if isinstance(value, str | list | tuple | dict | set | range):
        env.will_list(len(value))
    return value


def _check_lipsum(
    env: LimitedSandbox, n: Any = 5, html: Any = True, *args: Any, **kwargs: Any
) -> None:
    """`lipsum(n, html, min, max)`: n paragraphs of up to max words, made word by word."""
    bounds = [*args, *kwargs.values()] or [100]
    words = _int(n) * max(_int(b) for b in bounds)
    env.steps("lipsum", words)
    env.will_build(words * 12)


_CHECKS: dict[str, Callable[..., Any]] = {
    "batch": _check_batch,
    "center": _check_center,
    "format": _check_format,
    "indent": _check_indent,
    "join": _check_join,
    "list": _check_list,
    "md": _check_md,
    "replace": _check_replace,
    "slice": _check_slice,
    "tojson": _check_tojson,
    "wordwrap": _check_wordwrap,
}


@pass_environment
def _sum(environment: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
    """The `sum` filter: numbers as Python's sum adds them, anything else (lists, which grow)
    one checked addition at a time."""
    if attribute is not None:
        iterable = map(make_attrgetter(environment, attribute), iterable)
    items = list(iterable)
    if isinstance(start, str | bytes) or all(type(x) in _NUMBERS for x in (start, *items)):
        return sum(items, start)  # Python's own refusal of strings, too
    total = start
    for item in items:
        total = environment.call_binop(None, "+", total, item)
    return total


class LimitedSandbox(SandboxedEnvironment):
    """Jinja's sandbox inside the limits above; make one per rendering and call `start()`."""

    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(extensions=[_Deadline], **options)
        self.deadline = float("inf")
        self.built = 0
        self.depth = 0
        self.text_limit = self.build_limit = 0
        self.filters["sum"] = _sum
        self.policies["json.dumps_function"] = self._json_dumps

    # -- the running state ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the clock and the counts, and put the checks on every filter and test."""
        self.deadline = time.monotonic() + TIME_LIMIT_S
        self.built = 0
        self.depth = 0
        self.text_limit = OUTPUT_LIMIT_MB * MB
        self.build_limit = BUILD_LIMIT_MB * MB
        for name, func in list(self.filters.items()):
            if not getattr(func, "limited", False):
                self.filters[name] = self._limited_filter(name, func)
        for name, func in list(self.tests.items()):
            if not getattr(func, "limited", False):
                self.tests[name] = self._limited_test(name, func)

    def tick(self) -> None:
        """Refuse to go on once the deadline has passed."""
        if time.monotonic() > self.deadline:
            raise self.late()

    def late(self, lineno: int | None = None) -> LimitExceeded:
        return LimitExceeded(f"the template ran past its {TIME_LIMIT_S} s time limit.", lineno)

    def charge(self, size: int) -> None:
        """Count `size` bytes as built; refuse past the build limit."""
        self.built += size
        if self.built > self.build_limit:
            raise LimitExceeded(
                f"the template built more than {BUILD_LIMIT_MB} MB of text and lists along the "
                "way (the limit)."
            )

    def will_build(self, size: int) -> None:
        """Refuse a piece of text of `size` characters before it is built."""
        if size > self.text_limit:
            raise LimitExceeded(f"a piece of text would pass the {OUTPUT_LIMIT_MB} MB limit.")
        if self.built + size > self.build_limit:
            self.charge(size)

    def will_list(self, items: int) -> None:
        """Refuse a list of `items` items before it is built."""
        if items > ITEMS_LIMIT:
            raise LimitExceeded(f"a list would pass the {_count(ITEMS_LIMIT)}-item limit.")
        if self.built + items * SLOT > self.build_limit:
            self.charge(items * SLOT)

    def steps(self, what: str, count: int) -> None:
        """Refuse to hand `count` items or characters to a filter that works through them in
        Python, where the deadline cannot reach."""
        if count > STEP_LIMIT:
            raise LimitExceeded(
                f"{what} was given more than {_count(STEP_LIMIT)} items, lines or characters "
                "(its limit)."
            )

    def built_value(self, value: Any, *sources: Any) -> Any:
        """Count a freshly built value (not one of `sources`, which already existed)."""
        kind = type(value)
        if kind in _NUMBERS:
            return value
        for source in sources:
            if value is source:
                return value
        self.charge(len(value) + 49 if kind is str or kind is Markup else _footprint(value))
        return value

    def _json_dumps(self, value: Any, **options: Any) -> str:
        """`json.dumps` for `tojson`; indented JSON is written by Python, piece by piece, so the
        deadline is checked as it goes."""
        if options.get("indent") is None:
            return json.dumps(value, **options)
        pieces = []
        for count, piece in enumerate(json.JSONEncoder(**options).iterencode(value)):
            if not count & 1023:
                self.tick()
            pieces.append(piece)
        return "".join(pieces)

    # -- sizes ---------------------------------------------------------------------------------

    def measure(self, value: Any) -> tuple[int, int]:
        """(characters, depth): about how long `value` is written out, counting a part it holds
        more than once each time; refused once past the largest text or nested too deep."""
        limit = OUTPUT_LIMIT_MB * MB
        size = 0
        depth = 0
        steps = 0
        active: set[int] = set()
        stack: list[tuple[Any, int]] = [(value, 1)]
        while stack:
            item, level = stack.pop()
            if item is _LEAVE:
                active.discard(level)
                continue
            kind = type(item)
            atom = _atom_size(item)
            if atom is not None:
                size += atom
            elif isinstance(item, _CONTAINERS) or kind is Namespace:
                key = id(item)
                if key in active:  # a cycle: written as [...]
                    size += 5
                    continue
                if level > NESTING_LIMIT:
                    raise _refuse_nesting()
                depth = max(depth, level)
                if kind is Namespace:
                    item = object.__getattribute__(item, "_Namespace__attrs")
                active.add(key)
                stack.append((_LEAVE, key))
                size += 2 + 2 * len(item)
                parts = (
                    (x for pair in item.items() for x in pair) if isinstance(item, dict) else item
                )
                for part in parts:
                    part_kind = type(part)
                    if part_kind is str:
                        size += len(part) + 2
                    elif part_kind is int:
                        size += 3 + part.bit_length() // 3
                    elif part_kind in _NUMBERS:
                        size += 24
                    else:
                        stack.append((part, level + 1))
            else:
                size += 60
            steps += 1
            if size > limit:
                raise LimitExceeded(
                    f"a value is too large to write out or compare (over the {OUTPUT_LIMIT_MB} MB "
                    "limit)."
                )
            if not steps & 1023:
                self.tick()
                if steps > STEP_LIMIT:
                    raise LimitExceeded(
                        f"a value holds more than {_count(STEP_LIMIT)} lists and mappings to write "
                        "out or compare (the limit)."
                    )
        return size, depth

    def text_size(self, value: Any) -> int:
        """About how many characters `value` is written out."""
        if isinstance(value, str):
            return len(value)
        atom = _atom_size(value)
        return atom if atom is not None else self.measure(value)[0]

    def percent_size(self, template: str, args: Any) -> int:
        """About how long `template % args` is: widths and precisions included."""
        values = args if isinstance(args, tuple) else (args,)
        mapping = args if isinstance(args, dict) else None
        size = len(template)
        index = 0

        def take() -> Any:
            nonlocal index
            index += 1
            return values[index - 1] if index <= len(values) else 0

        for match in _PERCENT.finditer(template):
            if match["conv"] == "%":
                continue
            for number in (match["width"], match["precision"]):
                if number == "*":
                    size += _int(take())
                elif number:
                    size += _number(number)
            if match["key"] is not None and mapping is not None:
                size += self.text_size(mapping.get(match["key"]))
            else:
                size += self.text_size(take())
        return size

    # -- the hooks the compiled template calls ------------------------------------------------

    def guard_iter(self, iterable: Any) -> _Guarded:
        return _Guarded(self, iterable)

    def new_buffer(self) -> _Buffer:
        return _Buffer(self)

    def text_value(self, value: Any) -> Any:
        """A value about to be written out: a container is sized (and counted) first."""
        kind = type(value)
        if kind is str or kind in _NUMBERS or kind is Markup:
            return value
        size = self.text_size(value)
        self.will_build(size)
        self.charge(size)
        return value

    def comparable(self, value: Any) -> Any:
        """A value about to be compared or hashed: a container is sized first, so that one
        holding shared parts many times over (which Python compares part by part) is refused."""
        kind = type(value)
        if kind is not str and kind not in _NUMBERS and kind is not Markup:
            self.text_size(value)
        return value

    def concat_checked(self, markup: bool, parts: tuple[Any, ...]) -> str:
        """`a ~ b ~ c`, as Jinja's str_join / markup_join, sized before it is joined."""
        texts = [(soft_str if markup else str)(self.text_value(p)) for p in parts]
        size = sum(map(len, texts))
        self.will_build(size)
        self.charge(size)
        if markup and any(hasattr(t, "__html__") for t in texts):
            return Markup("").join(texts)
        return "".join(texts)

    def getslice(self, obj: Any, part: slice) -> Any:
        self.tick()
        if isinstance(obj, str | list | tuple):
            count = len(range(*part.indices(len(obj))))
            if isinstance(obj, str):
                self.will_build(count)
            else:
                self.will_list(count)
        return self.built_value(obj[part], obj)

    # -- the sandbox's own hooks ---------------------------------------------------------------

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.tick()
        if type(argument) not in _NUMBERS and not isinstance(argument, str):
            self.comparable(argument)
        return super().getitem(obj, argument)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self.tick()
        if type(left) in _NUMBERS and type(right) in _NUMBERS and operator != "**":
            if operator == "*" and type(left) is int and type(right) is int:
                self._check_times(left, right)
            return super().call_binop(context, operator, left, right)
        if operator == "*":
            self._check_times(left, right)
        elif operator == "+":
            self._check_plus(left, right)
        elif operator == "%" and isinstance(left, str):
            self.will_build(self.percent_size(left, right))
        elif (
            operator == "**"
            and isinstance(left, int)
            and isinstance(right, int)
            and (right > 1000 or abs(left).bit_length() * right > NUMBER_BITS_LIMIT)
        ):
            raise SecurityError("the power is too large")
        return self.built_value(super().call_binop(context, operator, left, right), left, right)

    def _check_times(self, left: Any, right: Any) -> None:
        if isinstance(right, str | list | tuple):
            left, right = right, left
        if isinstance(left, int) and isinstance(right, int):
            if left.bit_length() + right.bit_length() > NUMBER_BITS_LIMIT:
                raise LimitExceeded(f"a number would pass the {NUMBER_BITS_LIMIT:,}-bit limit.")
        elif isinstance(right, int):
            if isinstance(left, str):
                self.will_build(len(left) * max(right, 0))
            elif isinstance(left, list | tuple):
                self.will_list(len(left) * max(right, 0))

    def _check_plus(self, left: Any, right: Any) -> None:
        if isinstance(left, str) and isinstance(right, str):
            self.will_build(len(left) + len(right))
        elif isinstance(left, list | tuple) and isinstance(right, list | tuple):
            self.will_list(len(left) + len(right))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`str.format` and `format_map`, through a formatter that sizes every field."""
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        f_self: str = value.__self__
        formatter = (
            _EscapeFormatter(self, escape=f_self.escape)
            if isinstance(f_self, Markup)
            else _Formatter(self)
        )
        is_format_map = value.__name__ == "format_map"

        def limited(*args: Any, **kwargs: Any) -> str:
            if is_format_map:
                if kwargs or len(args) != 1:
                    return wrapper(*args, **kwargs)  # Jinja's own refusal
                args, kwargs = (), args[0]
            return type(f_self)(formatter.vformat(f_self, args, kwargs))

        return functools.update_wrapper(limited, value)

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.tick()
        template_code = isinstance(obj, _TEMPLATE_CODE)
        if not template_code:
            args = self._check_call(obj, args, kwargs)
        self.charge(SLOT * (len(args) + len(kwargs) + 8))
        self.depth += 1
        try:
            if self.depth > NESTING_LIMIT:
                raise LimitExceeded(
                    f"macros, recursive loops or blocks nested deeper than {NESTING_LIMIT} "
                    "(the limit)."
                )
            result = super().call(context, obj, *args, **kwargs)
        finally:
            self.depth -= 1
        if template_code:
            return result  # its output was counted as it was captured
        return self.built_value(result, obj, *args, *kwargs.values())

    def _check_call(self, obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple:
        """Size what a function or method would build, before it is called."""
        name = getattr(obj, "__name__", None)
        owner = getattr(obj, "__self__", None)
        if name not in _STORING_METHODS:  # the others may compare, hash or write out arguments
            for key, value in (*enumerate(args), *kwargs.items()):
                if key not in _JINJA_KWARGS and type(value) not in _NUMBERS:
                    self.comparable(value)
        if obj is generate_lorem_ipsum:
            _check_lipsum(self, *args, **kwargs)
        elif isinstance(owner, str | bytes):
            return self._check_text_method(owner, name, args, kwargs)
        elif isinstance(owner, list | dict | set) and name in ("extend", "update") and args:
            items = args[0]
            if not isinstance(items, list | tuple | dict | set | str | range):
                items = list(items)
                args = (items, *args[1:])
            self.will_list(len(owner) + len(items))
            self.charge(SLOT * len(items))
        return args

    def _check_text_method(
        self, text: str | bytes, name: str | None, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, ...]:
        values = [*args, *kwargs.values()]
        first = values[0] if values else None
        if name in _WIDTH_METHODS:
            self.will_build(max(len(text), _int(first)))
        elif name == "expandtabs":
            tab = text.count("\t" if isinstance(text, str) else b"\t")
            self.will_build(len(text) + tab * _int(first if values else 8))
        elif name == "replace" and len(values) >= 2:
            old, new = values[0], values[1]
            count = values[2] if len(values) > 2 else -1
            if isinstance(old, str | bytes) and isinstance(new, str | bytes):
                self.will_build(_replaced_size(text, old, new, count))  # type: ignore[arg-type]
        elif name == "join" and args:
            items = args[0] if isinstance(args[0], list | tuple) else list(args[0])
            self.will_list(len(items))
            size = sum(len(x) for x in items if isinstance(x, str | bytes))
            self.will_build(size + max(len(items) - 1, 0) * len(text))
            return (items, *args[1:])
        elif name == "translate" and isinstance(first, dict):
            longest = max((len(v) for v in first.values() if isinstance(v, str)), default=1)
            self.will_build(len(text) * max(longest, 1))
        elif name == "encode":
            self.will_build(len(text) * 4)
        return args

    # -- filters and tests ---------------------------------------------------------------------

    def _limited_filter(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        check = _CHECKS.get(name)
        shallow = name in _SHALLOW
        stepwise = name in _STEPWISE
        skip = 1 if hasattr(func, "jinja_pass_arg") else 0

        @functools.wraps(func)
        def limited(*args: Any, **kwargs: Any) -> Any:
            if time.monotonic() > self.deadline:
                raise self.late()
            value = args[skip] if len(args) > skip else None
            if stepwise:
                self.steps(name, self.text_size(value) if name == "pprint" else _length(value))
            if not shallow:
                for arg in args[skip:]:
                    kind = type(arg)
                    if kind is not str and kind is not Markup and kind not in _NUMBERS:
                        self.comparable(arg)
                for arg in kwargs.values():
                    self.comparable(arg)
            if check is not None and len(args) > skip:
                try:
                    checked = check(self, *args[skip:], **kwargs)
                except TypeError:  # arguments the filter itself will refuse
                    pass
                else:
                    if checked is not value:  # read whole to be sized
                        args = (*args[:skip], checked, *args[skip + 1 :])
            result = func(*args, **kwargs)
            kind = type(result)
            if kind is str or kind is Markup:
                if result is not value:
                    self.charge(len(result) + 49)
                return result
            if kind in _NUMBERS:
                return result
            if isinstance(result, Iterator):
                return self._lazy(result)
            return self.built_value(result, *args[skip:], *kwargs.values())

        limited.limited = True  # type: ignore[attr-defined]
        return limited

    def _lazy(self, items: Iterator[Any]) -> Iterator[Any]:
        """A filter's lazy result, with the deadline checked and new lists counted as it goes."""
        for item in items:
            self.tick()
            if isinstance(item, list | tuple):
                self.charge(_footprint(item))
            yield item

    def _limited_test(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        comparing = name in _COMPARING_TESTS
        skip = 1 if hasattr(func, "jinja_pass_arg") else 0

        @functools.wraps(func)
        def limited(*args: Any, **kwargs: Any) -> Any:
            self.tick()
            if comparing:
                for arg in args[skip:]:
                    self.comparable(arg)
            return func(*args, **kwargs)

        limited.limited = True  # type: ignore[attr-defined]
        return limited


_LEAVE = object()


def _atom_size(item: Any) -> int | None:
    """How long a text, number or bytes is written out; None for anything else."""
    kind = type(item)
    if kind is str or kind is Markup:
        return len(item) + 2
    if kind is int:
        return 3 + item.bit_length() // 3
    if kind in _NUMBERS:
        return 24
    if isinstance(item, str):
        return len(item) + 2
    if isinstance(item, bytes | bytearray):
        return 4 * len(item) + 3  # \xNN for each byte at worst
    return None


def _length(value: Any) -> int:
    try:
        return len(value)
    except TypeError:
        return 0


def _footprint(value: Any) -> int:
    """About how many bytes a freshly built value holds: itself, and the lists and tuples just
    inside it (judged from its first items, so that a long list costs little to size)."""
    size = sys.getsizeof(value)
    if isinstance(value, list | tuple) and value:
        sample = value[:_SAMPLE]
        inner = 0
        for item in sample:
            if isinstance(item, list | tuple | dict):
                inner += sys.getsizeof(item)
                if isinstance(item, tuple):
                    inner += sum(sys.getsizeof(x) for x in item if isinstance(x, list))
        size += inner * len(value) // len(sample)
    return size


def render(env: LimitedSandbox, source: str, data: dict[str, Any]) -> str:
    """Compile and render `source` in `env` within the limits; the output is counted as it
    streams out. Raises LimitExceeded (or whatever the template raises)."""
    if len(source) > TEMPLATE_LIMIT_MB * MB:
        raise LimitExceeded(f"the template is larger than the {TEMPLATE_LIMIT_MB} MB limit.")
    env.start()
    template = env.from_string(source)
    stream = template.generate(**data)
    pieces: list[str] = []
    written = 0
    limit = OUTPUT_LIMIT_MB * MB
    try:
        for piece in stream:
            written += len(piece)
            if written > limit:
                raise LimitExceeded(
                    f"the template's output passed the {OUTPUT_LIMIT_MB} MB limit.",
                    _current_line(template, stream),
                )
            # loops and calls check the clock themselves; this is for long runs of plain text
            if not len(pieces) & 255 and time.monotonic() > env.deadline:
                raise env.late(_current_line(template, stream))
            pieces.append(piece)
    finally:
        stream.close()
    return "".join(pieces)


def _current_line(template: Any, stream: Any) -> int | None:
    """The template line a suspended `generate()` stream is at, if it can be told."""
    frame = None
    while stream is not None and getattr(stream, "gi_frame", None) is not None:
        frame = stream.gi_frame
        stream = stream.gi_yieldfrom
    if frame is None or frame.f_code.co_filename != "<template>":
        return None
    return template.get_corresponding_lineno(frame.f_lineno)


__all__ = [
    "BUILD_LIMIT_MB",
    "ITEMS_LIMIT",
    "NESTING_LIMIT",
    "NUMBER_BITS_LIMIT",
    "OUTPUT_LIMIT_MB",
    "STEP_LIMIT",
    "TEMPLATE_LIMIT_MB",
    "TIME_LIMIT_S",
    "LimitExceeded",
    "LimitedSandbox",
    "render",
]
