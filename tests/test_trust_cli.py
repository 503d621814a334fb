"""Who may open what from the command line: `workshop run` asks for the PIN when one is set,
`workshop join` proves its name with the user's participant key (kept in their data folder),
and the facilitator's room-access dialog renews the code and frees names."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from screens.app import WorkshopApp
from screens.room_access import RoomAccess
from screens.widgets.plain import PlainTable
from workshop import Workshop, cli
from workshop.identity import participant_key
from workshop.room import new_participant_key

PIN = "2468"


def invoke(*args: object, input: str | None = None, env: dict[str, str | None] | None = None):
    return CliRunner().invoke(
        cli.main,
        [str(a) for a in args],
        input=input,
        env={"WORKSHOP_PIN": None, **(env or {})},
        prog_name="workshop",
    )


def one_line_error(result: Result, fragment: str) -> None:
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert fragment in result.stderr, result.stderr


@pytest.fixture
def pin_file(tmp_path: Path, small_plan: dict[str, Any]) -> Path:
    path = tmp_path / "room.db"
    Workshop.create(path, title="Room", plan=small_plan, pin=PIN).close()
    return path


def test_run_asks_for_the_pin_when_one_is_set(pin_file: Path, launched) -> None:
    result = invoke("run", pin_file, input=f"{PIN}\n")
    assert result.exit_code == 0, result.stderr
    assert "Facilitator PIN" in result.stderr and PIN not in result.output
    assert [seen["role"] for seen in launched] == ["facilitator"]


def test_run_reads_the_pin_from_the_environment(pin_file: Path, launched) -> None:
    result = invoke("run", pin_file, env={"WORKSHOP_PIN": PIN})
    assert result.exit_code == 0, result.stderr
    assert len(launched) == 1


def test_run_refuses_a_wrong_or_missing_pin(pin_file: Path, launched) -> None:
    one_line_error(invoke("run", pin_file, env={"WORKSHOP_PIN": "1357"}), "not the facilitator")
    asked = invoke("run", pin_file, input="")
    assert asked.exit_code == 1 and "Traceback" not in asked.stderr
    assert "No facilitator PIN given" in asked.stderr.splitlines()[-1]
    assert launched == []
    with Workshop.open(pin_file) as ws:
        assert [(a.kind, a.ok, a.source) for a in ws.attempts()] == [("PIN", False, "workshop run")]


def test_run_without_a_pin_asks_nothing(tmp_path: Path, launched) -> None:
    path = tmp_path / "open.db"
    Workshop.create(path, title="Open").close()
    result = invoke("run", path, input="")
    assert result.exit_code == 0, result.stderr
    assert "PIN" not in result.stderr and len(launched) == 1


def test_join_makes_a_private_key_and_rejoins_with_it(
    pin_file: Path, launched, participant_key_file: Path
) -> None:
    assert invoke("join", pin_file, "--as", "Ann").exit_code == 0
    mode = stat.S_IMODE(participant_key_file.stat().st_mode)
    assert mode == 0o600
    key = participant_key_file.read_text().strip()
    assert invoke("join", pin_file, "--as", "ann").exit_code == 0  # the same person again
    assert [seen["participant"] for seen in launched] == ["Ann", "Ann"]
    assert key.encode() not in pin_file.read_bytes()  # only its hash is in the file


def test_another_user_cannot_join_under_a_held_name(
    pin_file: Path, launched, tmp_path: Path
) -> None:
    assert invoke("join", pin_file, "--as", "Marcus O.").exit_code == 0
    other = {"WORKSHOP_KEY_FILE": str(tmp_path / "other" / "participant-key")}
    result = invoke("join", pin_file, "--as", "marcus o.", env=other)
    one_line_error(result, "Someone has already joined as “Marcus O.”")
    assert len(launched) == 1
    with Workshop.open(pin_file) as ws:
        ws.free_name(ws.lookup_id("participants", "Marcus O."))
    assert invoke("join", pin_file, "--as", "marcus o.", env=other).exit_code == 0
    first_again = invoke("join", pin_file, "--as", "Marcus O.")  # the name moved on
    one_line_error(first_again, "already joined")


def test_a_planted_or_shared_key_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text(new_participant_key() + "\n")
    os.chmod(target, 0o600)
    link = tmp_path / "link-key"
    link.symlink_to(target)
    with pytest.raises(Exception, match="cannot be read"):
        participant_key(link)
    readable = tmp_path / "readable-key"
    readable.write_text(new_participant_key() + "\n")
    os.chmod(readable, 0o644)
    with pytest.raises(Exception, match="only you can read"):
        participant_key(readable)
    junk = tmp_path / "junk-key"
    junk.write_text("short\n")
    os.chmod(junk, 0o600)
    with pytest.raises(Exception, match="holds no participant key"):
        participant_key(junk)


def test_a_browser_session_cannot_be_started_by_hand(pin_file: Path, launched) -> None:
    one_line_error(invoke("join", pin_file, "--web"), "started by `workshop serve`")
    result = invoke("join", pin_file, "--web", env={"WORKSHOP_BROWSER_KEY": "k" * 43})
    assert result.exit_code == 0 and launched[0]["role"] == "guest"


async def test_room_access_renews_the_code_and_frees_a_name(pin_file: Path) -> None:
    with Workshop.open(pin_file) as other:
        held = other.join("Marcus [/] O.", key=new_participant_key())
        assert not other.check_join_code("NOPE99", source="browser 10.0.0.7")
    ws = Workshop.open(pin_file)
    old_code = ws.join_code()
    app = WorkshopApp(ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("J")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, RoomAccess)
        tries = dialog.query_one("#attempts", PlainTable)
        assert [str(c) for c in tries.get_row_at(0)][1:] == [
            "join code", "browser 10.0.0.7", "wrong"
        ]  # fmt: skip
        await pilot.press("r")
        await pilot.pause()
        assert ws.join_code() != old_code
        people = dialog.query_one("#people", PlainTable)
        names = [str(people.get_row_at(i)[0]) for i in range(people.row_count)]
        people.move_cursor(row=names.index("Marcus [/] O."))
        await pilot.press("f")
        await pilot.pause()
        assert not ws.is_name_held(held)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RoomAccess)
    ws.close()


async def test_a_participant_has_no_room_access(pin_file: Path) -> None:
    ws = Workshop.open(pin_file, actor="Ann")
    me = ws.join("Ann")
    ws.act_as_participant(me)
    app = WorkshopApp(ws, facilitator=False, participant_id=me)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("J")
        await pilot.pause()
        assert not isinstance(app.screen, RoomAccess)
    ws.close()
