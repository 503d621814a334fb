"""Live sync: a change committed by one process, until the other process's screen shows it."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.startup import APP_MARKER
from benchmarks.terminal import Terminal, python
from workshop import Workshop
from workshop.demo import open_demo


def measure(changes: int = 50) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        demo = Path(folder) / "demo.db"
        open_demo(demo).close()
        terminal = Terminal(python("-m", "workshop", "run", str(demo)))
        writer = Workshop.open(demo)
        try:
            terminal.wait_for(APP_MARKER)
            group = writer.lookup_id("groups", "Sales")
            delays = []
            for n in range(changes):
                terminal.forget()
                marker = f"Q{n:03d}Z"
                writer.update_group(group, role=f"{marker} we sell")
                committed = time.perf_counter()
                delays.append((terminal.wait_for(marker, timeout=10) - committed) * 1000)
                time.sleep(0.03 + (n % 7) * 0.011)  # land at every point of the poll cycle
        finally:
            writer.close()
            terminal.close()
    return {
        "sync_p50_ms": round(statistics.median(delays), 1),
        "sync_p95_ms": round(statistics.quantiles(delays, n=20)[18], 1),
        "sync_max_ms": round(max(delays), 1),
    }
