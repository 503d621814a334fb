"""The demo workshop: a fictional home-energy company, ready to walk through."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .store import Workshop

DEMO_PLAN = Path(__file__).with_name("demo_plan.json")


def demo_plan() -> dict[str, Any]:
    """The demo's plan, as it would be imported."""
    return json.loads(DEMO_PLAN.read_text(encoding="utf-8"))


def default_demo_path() -> Path:
    """Where `workshop demo` keeps its file: the user data directory."""
    import platformdirs  # read only for the demo's place, not on every start

    return Path(platformdirs.user_data_dir("workshop", appauthor=False)) / "demo.db"


def open_demo(path: Path | None = None) -> Workshop:
    """Open the demo workshop at `path`, creating it from the demo plan if it is not there."""
    path = path or default_demo_path()
    if path.exists():
        return Workshop.open(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    plan = demo_plan()
    return Workshop.create(path, title=plan["workshop"]["title"], plan=plan)


def reset_demo(path: Path) -> None:
    """Remove the demo file at `path` (with its -wal and -shm), so that the next open makes
    it afresh. Only a workshop file is removed: anything else at that path is refused."""
    from .errors import WorkshopError
    from .store import Workshop

    if not path.exists() and not path.is_symlink():
        return
    if path.is_symlink() or not path.is_file():
        raise WorkshopError(f"{path} is not an ordinary file; the demo is not reset.")
    try:
        Workshop.open_read_only(path, check=False).close()
    except WorkshopError:
        raise WorkshopError(f"{path} is not a workshop file; the demo is not reset.") from None
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
