"""Open every phase screen of a workshop with `workshop run` in a real terminal (120x40) and
time each one from the key press until its own heading is on the terminal; also the app's
peak memory.

Paced: the app is left a second of quiet on each screen, as it is while the room works (it
builds the neighbouring phases' screens then). Rushed: the next key is pressed as soon as a
screen is painted, so every screen is built when its key is pressed."""

from __future__ import annotations

import os
import time
from pathlib import Path

from benchmarks.terminal import Terminal, python
from workshop import Workshop
from workshop.vocabulary import PHASES

# Text each phase screen draws once it is on the terminal, and no other screen does.
MARKERS = {
    "review": "Review: what happened",
    "groups & roles": "Groups & roles",
    "customers & hand-offs": "Customers & hand-offs",
    "touchpoint onion": "Touchpoint onion",
    "customer comments": "Customer comments",
    "proposals": "Proposals: what will we change?",
    "vote": "Dot voting",
    "action plans": "Action plans: who does what",
    "summary": "Participants",  # the summary's first section, once it is laid out
}


def cpu_ticks(pid: int) -> int:
    """User and system CPU time of a process so far, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def settle(terminal: Terminal, quiet: float = 1.0, limit: float = 20.0) -> None:
    """Wait until the app has used no CPU for `quiet` seconds (reading its output meanwhile)."""
    deadline = time.perf_counter() + limit
    last, since = cpu_ticks(terminal.process.pid), time.perf_counter()
    while time.perf_counter() < deadline:
        terminal.read(0.05)
        now = cpu_ticks(terminal.process.pid)
        if now != last:
            last, since = now, time.perf_counter()
        elif time.perf_counter() - since >= quiet:
            return


def measure(path: Path, *, paced: bool = True) -> dict[str, object]:
    """Milliseconds from key to painted heading for every phase, and the peak RSS in MB."""
    with Workshop.open(path) as ws:
        start = ws.info().phase
    terminal = Terminal(python("-m", "workshop", "run", str(path)))
    opened: dict[str, float] = {}
    try:
        terminal.wait_for(MARKERS[start], timeout=60)
        if paced:
            settle(terminal)
        for number, phase in enumerate(PHASES, start=1):
            terminal.forget()
            pressed = time.perf_counter()
            os.write(terminal.master, str(number).encode())
            opened[phase] = round((terminal.wait_for(MARKERS[phase], timeout=60) - pressed) * 1000)
            if paced:
                settle(terminal)
        peak = peak_rss_mb(terminal.process.pid)
    finally:
        terminal.close()
    return {"screens_ms": opened, "peak_rss_mb": peak}
