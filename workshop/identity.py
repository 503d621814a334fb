"""A terminal participant's key: made at their first `workshop join`, kept in the user's data
folder (readable by them alone), and shown to every workshop they join, so that nobody else can
join under their name. Only a salted hash of it reaches a workshop file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import WorkshopError
from .room import new_participant_key

KEY_FILE = "participant-key"


def key_path() -> Path:
    """Where this user's participant key lives ($WORKSHOP_KEY_FILE, else the data folder)."""
    override = os.environ.get("WORKSHOP_KEY_FILE")
    if override:
        return Path(override)
    import platformdirs  # read only when a participant joins

    return Path(platformdirs.user_data_dir("workshop", appauthor=False)) / KEY_FILE


def participant_key(path: Path | None = None) -> str:
    """This user's key, made on first use. A key file that is a link, not a regular file,
    readable by others or not a key is refused with one line (never read through, never
    replaced), so that nobody can plant a key for someone else."""
    path = path or key_path()
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = new_participant_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:  # another join made it meanwhile
        return _read(path)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    return key


def _read(path: Path) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise WorkshopError(
            f"Your participant key {path} cannot be read ({error.strerror}); remove it to get a "
            "new one (the facilitator then frees your name)."
        ) from None
    with os.fdopen(fd, encoding="ascii", errors="replace") as key_file:
        info = os.fstat(key_file.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077:
            raise WorkshopError(
                f"Your participant key {path} must be a file only you can read (chmod 600 it)."
            )
        key = key_file.read(200).strip()
    if len(key) < 32 or not key.isascii():
        raise WorkshopError(
            f"{path} holds no participant key; remove it to get a new one (the facilitator "
            "then frees your name)."
        )
    return key
