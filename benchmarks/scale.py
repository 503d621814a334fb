"""Scale: the slowest screen to open, the Markdown export and peak memory on a large workshop,
and how they grow from a tenth of that size.

A screen's opening is timed in a real terminal, from the key press until the screen's heading
is painted (benchmarks/screens_terminal.py); the headless run (benchmarks/screens_app.py) adds
how long each screen takes until the app is idle again, which counts work done after the paint
and about 50-100 ms of Textual's idle detection."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import large, screens_terminal
from benchmarks.terminal import ROOT
from workshop import Workshop


def run_app(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.screens_app", str(path)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure() -> dict[str, object]:
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as folder:
        for label, scale in (("tenth", 0.1), ("full", 1.0)):
            path = Path(folder) / f"{label}.db"
            started = time.perf_counter()
            counts = large.build(path, scale)
            built = time.perf_counter() - started
            with Workshop.open(path) as ws:
                started = time.perf_counter()
                ws.export("md")
                export_ms = (time.perf_counter() - started) * 1000
            copy = path.with_name(f"{label}-terminal.db")  # the app writes the phase
            shutil.copy(path, copy)
            painted = screens_terminal.measure(copy)
            settled = run_app(path)
            slowest = max(painted["screens_ms"], key=painted["screens_ms"].get)
            figures[label] = {
                "rows": counts,
                "build_s": round(built, 1),
                "screen_open_ms_max": painted["screens_ms"][slowest],
                "slowest_screen": slowest,
                "screens_ms": painted["screens_ms"],
                "screens_settled_ms": settled["screens_ms"],
                "export_md_ms": round(export_ms, 1),
                "peak_rss_mb": painted["peak_rss_mb"],
            }
    full, tenth = figures["full"], figures["tenth"]
    return {
        "screen_open_ms_max": full["screen_open_ms_max"],
        "slowest_screen": full["slowest_screen"],
        "export_md_ms": full["export_md_ms"],
        "peak_rss_mb": full["peak_rss_mb"],
        "screen_settled_ms_max": max(full["screens_settled_ms"].values()),
        "growth_from_a_tenth": {
            key: round(full[key] / tenth[key], 2) if tenth[key] else None
            for key in ("screen_open_ms_max", "export_md_ms", "peak_rss_mb")
        },
        "scale": figures,
    }
