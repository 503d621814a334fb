"""Startup: launching `workshop run` on the demo until its first screen is painted, against a
minimal Textual app measured the same way in the same run (fresh processes, medians)."""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from benchmarks.terminal import ROOT, Terminal, python
from workshop.demo import open_demo

# The demo's last group in the groups table: its rows are painted (the baseline waits for a
# row of its table too).
APP_MARKER = "Facilities"
BASELINE_MARKER = "baseline-row-0"


def first_paint(argv: list[str], marker: str) -> float:
    terminal = Terminal(argv)
    try:
        return terminal.wait_for(marker) - terminal.started
    finally:
        terminal.close()


def measure(runs: int = 5) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        demo = Path(folder) / "demo.db"
        open_demo(demo).close()
        app_argv = python("-m", "workshop", "run", str(demo))
        baseline_argv = python(str(ROOT / "benchmarks" / "baseline_app.py"))
        first_paint(app_argv, APP_MARKER)  # warm-up: Python compiles and keeps the modules
        first_paint(baseline_argv, BASELINE_MARKER)
        app, baseline = [], []
        for _ in range(runs):  # interleaved, so that machine noise hits both alike
            app.append(first_paint(app_argv, APP_MARKER))
            baseline.append(first_paint(baseline_argv, BASELINE_MARKER))
    return {
        "startup_ms": round(statistics.median(app) * 1000, 1),
        "startup_baseline_ms": round(statistics.median(baseline) * 1000, 1),
        "startup_ratio": round(statistics.median(app) / statistics.median(baseline), 3),
    }
