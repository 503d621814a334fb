"""Writing files (the trust issue, finding 6): `workshop.files.write_text` never follows a
symbolic link and never writes over the workshop itself (nor a hard link to it, nor its -wal or
-shm); `export -o` and `rollup -o` use it and keep replacing ordinary files (`-o -` is standard
output); the app's `x` asks before replacing a file and says clearly when it refuses."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from screens.app import WorkshopApp
from screens.widgets.confirm import ConfirmModal
from workshop import Workshop, WorkshopError, cli
from workshop.files import TargetExists, WriteRefused, check_target, write_text

SIZE = (120, 40)


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args], prog_name="workshop")


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, (result.exit_code, result.stderr, result.stdout)
    assert result.stderr.startswith("workshop: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and result.stdout == ""
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def folder(path: Path) -> list[str]:
    """The names in a folder: no temporary file may be left behind."""
    return sorted(p.name for p in path.iterdir())


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# -- write_text ------------------------------------------------------------------------------


def test_a_new_file_is_written_with_the_usual_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    write_text(target, "héllo\r\nwörld\n")
    assert target.read_bytes() == "héllo\r\nwörld\n".encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~current_umask()
    assert folder(tmp_path) == ["out.md"]


def test_an_existing_file_is_kept_unless_overwriting_which_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    target.write_text("mine", encoding="utf-8")
    target.chmod(0o640)
    with pytest.raises(TargetExists):
        write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "mine"
    write_text(target, "new", overwrite=True)
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert folder(tmp_path) == ["out.md"]


@pytest.mark.parametrize("points_at", ["workshop", "other", "nothing"])
def test_a_symbolic_link_is_never_followed(
    tmp_path: Path, workshop_path: Path, points_at: str
) -> None:
    other = tmp_path / "other.txt"
    other.write_text("keep me", encoding="utf-8")
    pointed = {"workshop": workshop_path, "other": other, "nothing": tmp_path / "gone"}[points_at]
    link = tmp_path / "out.md"
    link.symlink_to(pointed)
    before = workshop_path.read_bytes(), folder(tmp_path)
    for overwrite in (False, True):
        with pytest.raises(WriteRefused, match="symbolic link"):
            write_text(link, "text", protect=[workshop_path], overwrite=overwrite)
    assert (workshop_path.read_bytes(), folder(tmp_path)) == before
    assert link.is_symlink() and other.read_text(encoding="utf-8") == "keep me"


def test_the_workshop_and_hard_links_to_it_or_its_wal_are_never_written(
    tmp_path: Path, workshop_path: Path
) -> None:
    alias = tmp_path / "alias.md"
    os.link(workshop_path, alias)
    before = workshop_path.read_bytes()
    for target in (workshop_path, alias):
        with pytest.raises(WriteRefused, match="workshop file"):
            write_text(target, "text", protect=[workshop_path], overwrite=True)
    assert workshop_path.read_bytes() == before
    with Workshop.open(workshop_path) as ws:  # open: its -wal and -shm are there
        wal_alias = tmp_path / "wal.md"
        os.link(f"{workshop_path}-wal", wal_alias)
        for target in (Path(f"{workshop_path}-wal"), Path(f"{workshop_path}-shm"), wal_alias):
            with pytest.raises(WriteRefused, match="workshop file"):
                write_text(target, "text", protect=[workshop_path], overwrite=True)
        assert len(ws.groups()) == 4


def test_special_files_and_folders_are_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    with pytest.raises(WriteRefused, match="named pipe"):
        write_text(fifo, "text", overwrite=True)
    (tmp_path / "dir.md").mkdir()
    with pytest.raises(WriteRefused, match="folder"):
        write_text(tmp_path / "dir.md", "text", overwrite=True)
    assert check_target(tmp_path / "new.md") is False
    assert folder(tmp_path) == ["dir.md", "pipe.md"]


def test_a_missing_folder_is_one_error_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(WorkshopError, match="No such file"):
        write_text(tmp_path / "nowhere" / "out.md", "text")
    assert folder(tmp_path) == []


# -- export -o and rollup -o --------------------------------------------------------------------


def test_export_onto_a_symbolic_link_to_the_workshop_is_refused(
    tmp_path: Path, workshop_path: Path
) -> None:
    link = tmp_path / "summary.md"
    link.symlink_to(workshop_path)
    before = workshop_path.read_bytes(), folder(tmp_path)
    assert_one_line_error(invoke("export", workshop_path, "-o", link), "symbolic link")
    assert (workshop_path.read_bytes(), folder(tmp_path)) == before and link.is_symlink()


def test_export_onto_a_hard_link_of_the_workshop_is_refused(
    tmp_path: Path, workshop_path: Path
) -> None:
    alias = tmp_path / "summary.md"
    os.link(workshop_path, alias)
    before = workshop_path.read_bytes(), folder(tmp_path)
    result = invoke("export", workshop_path, "--format", "json", "-o", alias)
    assert_one_line_error(result, "Refusing to overwrite the workshop file")
    assert (workshop_path.read_bytes(), folder(tmp_path)) == before


def test_export_still_replaces_an_ordinary_file(tmp_path: Path, workshop_path: Path) -> None:
    target = tmp_path / "summary.md"
    target.write_text("last week's", encoding="utf-8")
    result = invoke("export", workshop_path, "-o", target)
    assert result.exit_code == 0, result.stderr
    with Workshop.open(workshop_path) as ws:
        assert target.read_text(encoding="utf-8") == ws.export("md")


def test_export_to_dash_is_standard_output(tmp_path: Path, workshop_path: Path) -> None:
    result = invoke("export", workshop_path, "--format", "json", "-o", "-")
    assert result.exit_code == 0, result.stderr
    with Workshop.open(workshop_path) as ws:
        assert result.stdout == ws.export("json")
    assert not Path("-").exists() and "-" not in folder(tmp_path)


def test_rollup_refuses_a_link_and_a_workshop_and_writes_dash_to_stdout(
    tmp_path: Path, workshop_path: Path
) -> None:
    link = tmp_path / "report.md"
    link.symlink_to(workshop_path)
    alias = tmp_path / "alias.md"
    os.link(workshop_path, alias)
    before = workshop_path.read_bytes(), folder(tmp_path)
    assert_one_line_error(invoke("rollup", workshop_path, "-o", link), "symbolic link")
    assert_one_line_error(
        invoke("rollup", workshop_path, "-o", alias), "Refusing to overwrite the workshop file"
    )
    assert (workshop_path.read_bytes(), folder(tmp_path)) == before
    shown = invoke("rollup", workshop_path, "-o", "-")
    assert shown.exit_code == 0 and shown.stdout.startswith("#"), shown.stderr


# -- the app's x key ---------------------------------------------------------------------------


def last_message(app: WorkshopApp) -> str:
    return list(app._notifications)[-1].message


async def test_x_refuses_a_symbolic_link_and_leaves_the_workshop(
    tmp_path: Path, workshop_path: Path
) -> None:
    target = tmp_path / "small-summary.md"
    target.symlink_to(workshop_path)
    ws = Workshop.open(workshop_path)
    before = ws.export("json")
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
        message = last_message(app)
    ws.close()
    assert message.startswith("Could not write the summary:") and "symbolic link" in message
    assert target.is_symlink()
    assert workshop_path.read_bytes().startswith(b"SQLite format 3\0")
    with Workshop.open(workshop_path) as again:
        assert again.export("json") == before


async def test_x_refuses_a_hard_link_of_the_workshop(tmp_path: Path, workshop_path: Path) -> None:
    os.link(workshop_path, tmp_path / "small-summary.md")
    ws = Workshop.open(workshop_path)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await pilot.pause()
        message = last_message(app)
    ws.close()
    assert "Refusing to overwrite the workshop file" in message
    with Workshop.open(workshop_path) as again:
        assert len(again.groups()) == 4


async def test_x_asks_before_replacing_a_file(tmp_path: Path, workshop_path: Path) -> None:
    target = tmp_path / "small-summary.md"
    target.write_text("my notes", encoding="utf-8")
    ws = Workshop.open(workshop_path)
    app = WorkshopApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert "small-summary.md" in app.screen.question
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
        assert target.read_text(encoding="utf-8") == "my notes"
        assert last_message(app).startswith("Kept small-summary.md")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert last_message(app) == f"Wrote the summary to {target}."
    assert target.read_text(encoding="utf-8") == ws.export("md")
    ws.close()
    assert folder(tmp_path) == ["small-summary.md", "small.db"]  # no temporary file left
