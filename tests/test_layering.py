"""Domain first: `workshop/` never imports Textual or the screens; every screen's style sits
beside it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_domain_modules_load_without_textual() -> None:
    modules = sorted(
        f"workshop.{p.stem}" for p in (ROOT / "workshop").glob("*.py") if p.stem != "__main__"
    )
    code = (
        f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'screens')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_domain_sources_import_no_textual_at_module_level() -> None:
    """Only the CLI's launcher reaches the screens, inside the function that starts the app."""
    pattern = re.compile(r"^(from|import)\s+(textual|screens)\b", re.M)
    offenders = [
        p.name for p in (ROOT / "workshop").glob("*.py") if pattern.search(p.read_text("utf-8"))
    ]
    assert offenders == []


def test_every_screen_module_has_its_style_beside_it() -> None:
    for module in (ROOT / "screens").rglob("*.py"):
        if "Path(__file__).with_suffix(\".tcss\")" in module.read_text("utf-8"):
            assert module.with_suffix(".tcss").is_file(), module.name
