"""Scale: the slowest screen to open, the Markdown export and peak memory on a large workshop,
and how they grow from a tenth of that size.

A screen's opening is timed in a real terminal, from the key press until the screen's heading
is painted (benchmarks/screens_terminal.py): paced (a second on each screen, as in a workshop,
which lets the app build the next phase's screen) and rushed (the next key at once)."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from benchmarks import large, screens_terminal
from workshop import Workshop


def fresh_copy(path: Path, name: str) -> Path:
    """A copy of the workshop for one run (the app writes the phase into its file)."""
    copy = path.with_name(f"{path.stem}-{name}.db")
    shutil.copy(path, copy)
    return copy


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
            paced = screens_terminal.measure(fresh_copy(path, "paced"))
            rushed = screens_terminal.measure(fresh_copy(path, "rushed"), paced=False)
            slowest = max(paced["screens_ms"], key=paced["screens_ms"].get)
            figures[label] = {
                "rows": counts,
                "build_s": round(built, 1),
                "screen_open_ms_max": paced["screens_ms"][slowest],
                "slowest_screen": slowest,
                "screens_ms": paced["screens_ms"],
                "screens_rushed_ms": rushed["screens_ms"],
                "export_md_ms": round(export_ms, 1),
                "peak_rss_mb": max(paced["peak_rss_mb"], rushed["peak_rss_mb"]),
            }
    full, tenth = figures["full"], figures["tenth"]
    return {
        "screen_open_ms_max": full["screen_open_ms_max"],
        "slowest_screen": full["slowest_screen"],
        "export_md_ms": full["export_md_ms"],
        "peak_rss_mb": full["peak_rss_mb"],
        "screen_rushed_ms_max": max(full["screens_rushed_ms"].values()),
        "growth_from_a_tenth": {
            key: round(full[key] / tenth[key], 2) if tenth[key] else None
            for key in ("screen_open_ms_max", "export_md_ms", "peak_rss_mb")
        },
        "scale": figures,
    }
