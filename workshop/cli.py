"""The `workshop` command line. Errors are one line on stderr and a non-zero exit."""

from __future__ import annotations

import contextlib
import errno
import os
import shlex
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .demo import default_demo_path, open_demo, reset_demo
from .errors import WorkshopError
from .files import check_target, write_text
from .store import Workshop
from .vocabulary import CSV_TABLE_NAMES, one_line, plural


class _Commands(click.Group):
    """Turns every WorkshopError, usage error and interruption into one line on stderr."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as error:
            no_args = getattr(click.exceptions, "NoArgsIsHelpError", ())
            if isinstance(error, no_args):  # plain `workshop`: the help, not an error
                click.echo(error.format_message())
                sys.exit(0)
            hint = f" (see: {error.ctx.command_path} --help)" if error.ctx else ""
            click.echo(f"workshop: {error.format_message()}{hint}", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            click.echo(f"workshop: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("workshop: interrupted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WorkshopError as error:
            click.echo(f"workshop: {one_line(str(error))}", err=True)
            ctx.exit(1)
        except OSError as error:
            click.echo(
                f"workshop: {error.strerror or error}: {error.filename or ''}".rstrip(": "),
                err=True,
            )
            ctx.exit(1)


def _launch(
    ws: Workshop,
    *,
    participant_id: int | None = None,
    facilitator: bool | None = None,
    web: bool = False,
    presenter: bool = False,
    key: str | None = None,
) -> None:
    """Run the Textual app on an open workshop (as facilitator unless a participant is
    given; `key` proves a browser participant's name); closes the workshop afterwards."""
    import gc

    from screens.app import WorkshopApp  # Textual is imported only when a screen is needed

    # What is imported by now lives as long as the process: leave it out of the garbage
    # collector's scans (a full scan of Textual's objects took 20 ms of the first paint).
    gc.freeze()
    if facilitator is None:
        facilitator = participant_id is None and not web
    app = WorkshopApp(
        ws,
        facilitator=facilitator,
        participant_id=participant_id,
        web=web,
        presenter=presenter,
        key=key,
        lead=True,  # a facilitator's screen leads the room (or asks, when someone else does)
    )
    try:
        app.run()
    finally:
        with contextlib.suppress(WorkshopError, sqlite3.Error):
            ws.release_lead()
        ws.close()
    if app.return_code:
        sys.exit(app.return_code)


def _show_rollup(data: dict[str, Any]) -> None:
    """Open the read-only roll-up dashboard."""
    from screens.rollup_app import RollupApp

    RollupApp(data).run()


def _read_text(path: Path, what: str) -> str:
    if not path.exists():
        raise WorkshopError(f"The {what} {path} does not exist.")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise WorkshopError(f"The {what} {path} is not UTF-8 text.") from None


def _read_plan(plan_path: Path) -> dict[str, Any]:
    """The plan in a JSON file, refused (one line) when too large, too deep or not a plan."""
    from .plan import PLAN_LIMIT_MB, parse_plan

    if plan_path.is_file() and plan_path.stat().st_size > PLAN_LIMIT_MB * 1_000_000:
        raise WorkshopError(
            f"The plan {plan_path} is larger than the {PLAN_LIMIT_MB} MB limit for a plan."
        )
    return parse_plan(_read_text(plan_path, "plan"), str(plan_path))


def _added(counts: dict[str, int]) -> str:
    """ "4 groups, 1 customer, 4 hand-offs": what a plan added, in words."""
    parts = []
    for section, n in counts.items():
        if n:
            noun = section.replace("handoffs", "hand-offs").replace("_", " ")
            parts.append(f"{n} {noun[:-1] if n == 1 else noun}")
    return ", ".join(parts) if parts else "nothing (the plan is empty)"


# How `workshop serve` hands a browser session its participant key (kept in the browser's
# cookie): in the environment, which other users cannot read, unlike the command line.
BROWSER_KEY_VARIABLE = "WORKSHOP_BROWSER_KEY"

file_argument = click.argument("file", type=click.Path(dir_okay=False, path_type=Path))


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="workshop")
def main() -> None:
    """Facilitate a live customer-chain workshop: who is your customer, how your work reaches
    the paying customer, and what you will change. One SQLite file per workshop."""


@main.command(
    help="Open a ready-made demo workshop as facilitator (created on first use).\n\n"
    f"\b\nThe demo file (--reset starts it afresh):\n  {default_demo_path()}"
)
@click.option(
    "--path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Workshop file to use (default: the demo file named above).",
)
@click.option(
    "--reset",
    is_flag=True,
    help="Start the demo afresh: its file is made again from the demo plan (what was changed "
    "in it is gone).",
)
@click.option(
    "--take-over",
    is_flag=True,
    help="Lead the room even if another facilitator leads it now, without asking.",
)
def demo(path: Path | None, reset: bool, take_over: bool) -> None:
    """Open a ready-made demo workshop as facilitator (created on first use)."""
    path = path or default_demo_path()
    if reset:
        reset_demo(path)
        click.echo(f"The demo starts afresh: {path}", err=True)
    ws = open_demo(path)
    try:
        _settle_lead(ws, take_over=take_over)
    except BaseException:
        ws.close()
        raise
    _launch(ws)


@main.command()
@file_argument
@click.option("--title", required=True, help="The workshop's title, shown on every screen.")
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A prepared plan (JSON) to start from.",
)
@click.option(
    "--follow-up",
    "previous",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A previous workshop whose open actions this one reviews.",
)
@click.option(
    "--date",
    metavar="YYYY-MM-DD",
    help="The day the workshop meets (default: the plan's date, or today).",
)
@click.option(
    "--pin",
    "ask_pin",
    is_flag=True,
    help="Set a facilitator PIN (asked for, or read from $WORKSHOP_PIN): whoever joins from "
    "elsewhere needs it to lead the room.",
)
def new(
    file: Path,
    title: str,
    plan_path: Path | None,
    previous: Path | None,
    date: str | None,
    ask_pin: bool,
) -> None:
    """Create a new workshop FILE (never overwrites an existing file)."""
    plan = _read_plan(plan_path) if plan_path else None
    pin = _pin(confirm=True) if ask_pin else None
    with Workshop.create(
        file, title=title, date=date, plan=plan, follow_up=previous, pin=pin
    ) as ws:
        filled = plan is not None or previous is not None
        from .plan import IMPORTED  # the plan's machinery, only when a file is made

        counts = {section: ws.db[section].count for section in IMPORTED} if filled else {}
        follows = ws.info().follows
        code = ws.join_code()
    click.echo(f"Created {file}" + (f" with {_added(counts)}." if filled else "."))
    if follows is not None:
        click.echo(f"It follows up “{follows}”: the room starts by reviewing the open actions.")
    if pin is not None:
        click.echo("The facilitator PIN is set (only its hash is stored).")
    click.echo(f"Join code for browsers: {code}")
    click.echo(f"Open it with: workshop run {file}")


def _pin(*, confirm: bool = False) -> str:
    """The facilitator PIN from $WORKSHOP_PIN, or asked for without echoing it."""
    pin = os.environ.get("WORKSHOP_PIN")
    if pin is not None:
        return pin
    try:
        return click.prompt(
            "Facilitator PIN", hide_input=True, confirmation_prompt=confirm, err=True
        )
    except click.Abort:
        raise WorkshopError(
            "No facilitator PIN given: type it when asked, or set $WORKSHOP_PIN."
        ) from None


@main.command()
@file_argument
@click.option(
    "--presenter",
    is_flag=True,
    help="Start in the presenter view: large, high contrast, only what the room may see "
    "(P switches to the working screens).",
)
@click.option(
    "--take-over",
    is_flag=True,
    help="Lead the room even if another facilitator leads it now, without asking (they are "
    "told, and follow the room).",
)
def run(file: Path, presenter: bool, take_over: bool) -> None:
    """Open workshop FILE as facilitator (the projected screen). A workshop with a facilitator
    PIN asks for it (or reads $WORKSHOP_PIN). When another facilitator leads the room already,
    the screen says who and since when, and asks whether to take over, join as a participant
    or quit (without a terminal to ask on: refused, unless --take-over)."""
    ws = Workshop.open(file)
    try:
        _prove_facilitator(ws, source="workshop run")
        _settle_lead(ws, take_over=take_over)
    except BaseException:
        ws.close()
        raise
    _launch(ws, presenter=presenter)


def _settle_lead(ws: Workshop, *, take_over: bool) -> None:
    """Before a facilitator's screen starts: with `take_over`, take the lead now; else, when
    someone else leads and there is no terminal to ask on, refuse (the screen would wait for
    an answer nobody can give). Otherwise the screen takes the lead, or asks."""
    if take_over:
        ws.take_lead(take_over=True)
        return
    other = ws.other_leader()
    if other is None or _can_ask_who_leads():
        return
    path = shlex.quote(str(ws.path))
    raise WorkshopError(
        f"{other.who} leads this room since {other.since_clock()} ({other.where}), and there "
        f"is no terminal to ask whether to take over: lead it from here with `workshop run "
        f"{path} --take-over`, or join it as a participant with `workshop join {path} --as NAME`."
    )


def _can_ask_who_leads() -> bool:
    """Whether the screen may ask who leads: a terminal on both ends, and not in CI."""
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return _can_ask() and sys.stdout is not None and sys.stdout.isatty() and not ci


def _prove_facilitator(ws: Workshop, *, source: str) -> None:
    """When the workshop has a facilitator PIN, ask for it (or read $WORKSHOP_PIN) and check it
    through the store's attempt limits; a wrong PIN ends the command."""
    if ws.has_pin() and not ws.check_pin(_pin(), source=source):
        raise WorkshopError("That is not the facilitator PIN.")


@main.command("import")
@file_argument
@click.argument(
    "plan_path", metavar="PLAN.json|COMMENTS.csv", type=click.Path(dir_okay=False, path_type=Path)
)
def import_(file: Path, plan_path: Path) -> None:
    """Add a prepared plan (JSON, the export's shape) or customer comments (CSV with a header
    row: text, touchpoint, sentiment, date) to workshop FILE; all or nothing."""
    if plan_path.suffix.lower() == ".csv":
        text = _read_text(plan_path, "comments file")
        with Workshop.open(file) as ws:
            count = ws.import_comments_csv(text, plan_path.name)
        click.echo(f"Added {plural(count, 'comment')} to {file}.")
        return
    plan = _read_plan(plan_path)
    with Workshop.open(file) as ws:
        counts = ws.import_plan(plan)
    click.echo(f"Added {_added(counts)} to {file}.")


@main.command()
@file_argument
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "json", "csv"]),
    default="md",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output (-: standard output). An ordinary "
    "file is replaced; a symbolic link or the workshop itself is refused.",
)
@click.option(
    "--template",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Your own Jinja template, rendered in a sandbox with the same data as the summary.",
)
@click.option(
    "--what",
    type=click.Choice(list(CSV_TABLE_NAMES)),
    default="actions",
    show_default=True,
    help="Which table the CSV export holds.",
)
def export(file: Path, fmt: str, output: Path | None, template: Path | None, what: str) -> None:
    """Export workshop FILE: the summary as Markdown or HTML, everything as JSON, or one table
    as CSV. The same workshop always gives the same bytes."""
    output = _output(output, protect=[file])
    user_template = (template.name, _read_text(template, "template")) if template else None
    with Workshop.open(file) as ws:
        text = ws.export(fmt, template=user_template, what=what)
    if output is None:
        sys.stdout.write(text)
    else:
        write_text(output, text, protect=[file], overwrite=True)
        click.echo(f"Wrote {output}.", err=True)


@main.command()
@file_argument
@click.option(
    "--repair",
    is_flag=True,
    help="Restore consistency: delete rows that point at deleted rows (or empty the reference), "
    "reset values outside the rules. Asks first, and keeps a backup copy beside the file.",
)
@click.option("--yes", is_flag=True, help="Repair without asking (for scripts).")
def check(file: Path, repair: bool, yes: bool) -> None:
    """Check workshop FILE without changing it: damaged pages, rows that point at deleted rows,
    values outside the rules (written outside the app). Lists every problem, one per line;
    exits 1 if there is any. --repair repairs what can be repaired."""
    from .integrity import recover_hint, repair_file
    from .store import check_file

    found = check_file(file)
    if not found:
        click.echo(f"{file} has no problems.")
        return
    for problem in found:
        click.echo(one_line(problem.text))
    if found[0].kind == "damaged":
        raise WorkshopError(
            f"{file} is damaged, which cannot be repaired here: {recover_hint(file)}."
        )
    count = plural(len(found), "problem")
    if not repair:
        raise WorkshopError(
            f"{count}: repair with `workshop check {shlex.quote(str(file))} --repair` (a backup "
            "copy is kept)."
        )
    if not yes:
        if not _can_ask():
            raise WorkshopError(
                f"Not repaired: there is no terminal to ask on; add --yes to repair {file}."
            )
        if not click.confirm(
            f"Repair these {count} in {file}? A backup copy is kept beside it.", err=True
        ):
            raise WorkshopError(f"Not repaired; {file} is unchanged.")
    copy, changes = repair_file(file)
    click.echo(f"Kept a copy of {file} as it was: {copy}")
    click.echo(f"Repaired {file}: " + "; ".join(changes) + ".")


def _can_ask() -> bool:
    """Whether a question can be asked: standard input is a terminal."""
    return sys.stdin is not None and sys.stdin.isatty()


def _output(output: Path | None, *, protect: list[Path]) -> Path | None:
    """Where `-o` writes: None for standard output (no -o, or `-o -`); refuses at once a
    symbolic link, a special file and the workshop files themselves (or links to them)."""
    if output is None or str(output) == "-":
        return None
    check_target(output, protect=protect)
    return output


@main.command()
@file_argument
@click.option("--as", "name", help="Your name, as the room knows you.")
@click.option(
    "--facilitator",
    is_flag=True,
    help="Lead the room from here: asks for the facilitator PIN set at `workshop new` "
    "(or reads $WORKSHOP_PIN).",
)
@click.option("--web", is_flag=True, hidden=True, help="A browser session of `workshop serve`.")
def join(file: Path, name: str | None, facilitator: bool, web: bool) -> None:
    """Open workshop FILE as a participant: your name is added on first join (and you choose
    your group on screen); you add and edit in the room's phase, vote with your own dots and
    follow the facilitator."""
    if web:  # the server checked the join code; the session asks for the name on screen
        key = os.environ.pop(BROWSER_KEY_VARIABLE, "")
        if not key:
            raise WorkshopError("A browser session is started by `workshop serve`, not by hand.")
        ws = Workshop.open(file)
        ws.act_as_guest()
        _launch(ws, web=True, key=key)
        return
    if name is None:
        raise click.UsageError("Missing option '--as': say your name, e.g. --as Ann.")
    from .identity import participant_key

    key = participant_key()
    ws = Workshop.open(file, actor=name.strip())
    try:
        if facilitator:
            if not ws.has_pin():
                raise WorkshopError(
                    f"{file} has no facilitator PIN; lead it with `workshop run {file}` on the "
                    "facilitator's machine."
                )
            _prove_facilitator(ws, source=f"workshop join --as {name.strip()[:40]}")
            _settle_lead(ws, take_over=False)  # no terminal to ask on: refused, as for run
        participant_id = ws.join(name, key=key, facilitator=facilitator)
        if not facilitator:
            ws.act_as_participant(participant_id)
    except BaseException:
        ws.close()
        raise
    _launch(ws, participant_id=participant_id, facilitator=facilitator)


@main.command()
@file_argument
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; only this machine can join unless you name another "
    "(e.g. 0.0.0.0 for the room's network: a warning says so).",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--terminal",
    is_flag=True,
    help="Serve the full terminal screens in the browser instead (textual-serve: one app "
    "process per browser, keyboard only).",
)
def serve(file: Path, host: str, port: int, terminal: bool) -> None:
    """Let participants join workshop FILE from a phone or laptop browser: a light page
    served by this one process asks for the join code (shown on the presenter view) and a
    name, then follows the room live: choose your group, add your group's records, vote with
    your dots, say you are done. Needs no internet connection. Ctrl+C stops."""
    with Workshop.open(file) as ws:
        code, title = ws.join_code(), ws.info().title
    loopback = _is_loopback(host)
    shown = "localhost" if loopback and host in ("127.0.0.1", "localhost", "::1") else host
    shown = f"[{shown}]" if ":" in shown else shown
    lines = [
        f"Serving “{title}” at http://{shown}:{port}/",
        f"Join code: {code}",
        "Press Ctrl+C to stop.",
    ]
    if not loopback:
        click.echo(
            f"workshop: warning: listening on {host}, not only this machine: anyone who can "
            f"reach it on port {port} sees the join page; only those with the join code get in.",
            err=True,
        )
    try:
        _serve(file, host=host, port=port, title=title, greeting="\n".join(lines),
               terminal=terminal)  # fmt: skip
    except OSError as error:
        if error.errno in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise WorkshopError(
                f"Cannot listen on {host}:{port}: {error.strerror}. Choose another --port "
                "(or --host)."
            ) from None
        raise


def _is_loopback(host: str) -> bool:
    """Whether `host` is this machine only (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _serve(file: Path, *, terminal: bool = False, **options: Any) -> None:
    """Run the browser server: the participant page (web_room), or with `terminal` the
    terminal screens through textual-serve."""
    if terminal:
        from screens.serve import serve as serve_app

        serve_app(file, **options)
        return
    from web_room import serve as serve_room

    options.pop("title", None)
    serve_room(file, **options)


REPORT_SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
                   ".csv": "csv", ".json": "json"}  # fmt: skip


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "csv", "json"]),
    help="Write a report in this format instead of opening the dashboard "
    "(default with -o: from its ending, else md).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of standard output (-: standard output). An "
    "ordinary file is replaced; a symbolic link or a workshop file is refused.",
)
def rollup(files: tuple[Path, ...], fmt: str | None, output: Path | None) -> None:
    """Roll up the action plans, perception gaps and comments of many workshop FILES (a folder
    means every .db file in it), quarter by quarter. Files are only read, never changed; one
    that cannot be read is listed as skipped. Opens a dashboard unless --format or -o is given."""
    from .rollup import report, workshop_files
    from .rollup import rollup as roll_up

    if not files:
        raise click.UsageError("Name at least one workshop file or folder.")
    paths = workshop_files(list(files))
    if output is not None and str(output) == "-":
        fmt = fmt or "md"
    output = _output(output, protect=paths)
    if fmt is None and output is not None:
        fmt = REPORT_SUFFIXES.get(output.suffix.lower(), "md")
    data = roll_up(paths)
    if not data["workshops"] and data["skipped"]:
        first = data["skipped"][0]
        more = len(data["skipped"]) - 1
        others = f" (and {more} more)" if more else ""
        raise WorkshopError(f"No workshop could be read: {first['reason']}{others}")
    if fmt is None:
        _show_rollup(data)
        return
    text = report(data, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        write_text(output, text, protect=paths, overwrite=True)
        skipped = len(data["skipped"])
        note = f" ({plural(skipped, 'file')} skipped)" if skipped else ""
        click.echo(f"Wrote {output}: {plural(len(data['workshops']), 'workshop')}{note}.", err=True)
