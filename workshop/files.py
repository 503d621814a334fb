"""Files on disk: which paths may be opened as a workshop, and one safe way to write a file.

A workshop is an ordinary file; anything else (a FIFO, a device, a socket) would hang or
mislead SQLite, so it is refused before SQLite sees it. Exports are written through a
temporary file in the same folder, renamed into place: a symbolic link is never followed,
and the workshop itself (or a hard link to it, or its -wal and -shm) is never written over.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

from .errors import WorkshopError

SIDE_FILES = ("", "-wal", "-shm")


class WriteRefused(WorkshopError):
    """A target that must not be written: a link, the workshop itself, not a file."""


class TargetExists(WorkshopError):
    """The target is an ordinary file and overwriting it was not allowed."""


def _what(mode: int) -> str:
    """A kind of file that is not a regular one, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not an ordinary file"


def refuse_special(path: Path) -> bool:
    """Whether `path` exists; refuses at once (without opening anything) a workshop path, or
    its -wal or -shm beside it, that is a folder, FIFO, device or socket."""
    for suffix in SIDE_FILES:
        side = Path(f"{path}{suffix}")
        try:
            mode = os.stat(side).st_mode
        except FileNotFoundError:
            if not suffix:
                return False
            continue
        except OSError as error:
            raise WorkshopError(f"Cannot open {side}: {error.strerror}.") from None
        if stat.S_ISDIR(mode) and not suffix:
            raise WorkshopError(f"{path} is a folder, not a workshop file.")
        if not stat.S_ISREG(mode):
            raise WorkshopError(f"{side} is {_what(mode)}, not a workshop file; refused.")
    return True


def _identities(paths: Iterable[Path]) -> set[tuple[int, int]]:
    """(device, inode) of each existing path and of its -wal and -shm."""
    found = set()
    for path in paths:
        for suffix in SIDE_FILES:
            try:
                info = os.stat(f"{path}{suffix}")
            except OSError:
                continue
            found.add((info.st_dev, info.st_ino))
    return found


def check_target(path: Path, *, protect: Iterable[Path] = ()) -> bool:
    """Whether `path` exists as an ordinary file that may be replaced; refuses (WriteRefused)
    a symbolic link, a folder or other special file, and any of the `protect`ed workshops
    (compared by device and inode, so a hard link to one is caught too)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as error:
        raise WriteRefused(f"Cannot write {path}: {error.strerror}.") from None
    if stat.S_ISLNK(info.st_mode):
        raise WriteRefused(
            f"{path} is a symbolic link; refusing to write through it (remove the link, or "
            "name the file itself)."
        )
    if not stat.S_ISREG(info.st_mode):
        raise WriteRefused(f"Cannot write {path}: it is {_what(info.st_mode)}.")
    if (info.st_dev, info.st_ino) in _identities(protect):
        raise WriteRefused(f"Refusing to overwrite the workshop file {path} (or a link to it).")
    return True


def write_text(
    path: Path, text: str, *, protect: Iterable[Path] = (), overwrite: bool = False
) -> None:
    """Write `text` (UTF-8, newlines as given) to `path`, all or nothing: through a new file
    in the same folder, renamed into place, so that no symbolic link is followed and no other
    file is written into. Refuses what `check_target` refuses, and an existing file unless
    `overwrite` (TargetExists). An overwritten file keeps its permissions."""
    protect = list(protect)
    exists = check_target(path, protect=protect)
    if exists and not overwrite:
        raise TargetExists(f"{path} already exists.")
    mode = stat.S_IMODE(os.stat(path).st_mode) if exists else None
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        # 0o666 less the umask, as for any new file; O_EXCL|O_NOFOLLOW: a fresh file only.
        fd = os.open(
            temporary,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
            0o666,
        )
    except OSError as error:
        raise WorkshopError(f"Cannot write {path}: {error.strerror}.") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        if overwrite:
            check_target(path, protect=protect)  # nothing swapped in meanwhile
            os.replace(temporary, path)
        else:
            _place_new(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _place_new(temporary: Path, path: Path) -> None:
    """Rename `temporary` to `path` only if nothing is there (a hard link fails if the name
    is taken; where links are not supported, look, then rename)."""
    try:
        os.link(temporary, path, follow_symlinks=False)
    except FileExistsError:
        raise TargetExists(f"{path} already exists.") from None
    except OSError:
        if os.path.lexists(path):
            raise TargetExists(f"{path} already exists.") from None
        os.replace(temporary, path)
        return
    temporary.unlink()
