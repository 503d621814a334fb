"""Roll-up: 500 demo-sized workshop files over eight quarters, read and reported as Markdown.

Eight distinct workshops are built through the API, a chain of follow-ups from the demo plan
(2025-Q1 to 2026-Q4: actions carried and moved, ratings changed, each quarter's comments and
proposals), then copied byte for byte until the folder holds 500 real workshop files. The
figure is the median time of `rollup([folder])` plus `report(data, "md")`.
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from workshop import Workshop
from workshop.demo import demo_plan
from workshop.rollup import report, rollup

FILES = 500
RUNS = 5
DATES = ["2025-02-11", "2025-05-13", "2025-08-19", "2025-11-18",
         "2026-02-10", "2026-05-12", "2026-08-18", "2026-11-17"]  # fmt: skip
TODAY = dt.date(2026, 11, 23)


def build_quarters(folder: Path) -> list[Path]:
    """One workshop per quarter, each a follow-up of the one before, about the demo's size."""
    plan = demo_plan()
    paths: list[Path] = []
    for n, date in enumerate(DATES):
        path = folder / f"q{n + 1}.db"
        previous = paths[-1] if paths else None
        with Workshop.create(
            path, title=f"Brightwell {date[:7]}", date=date,
            plan=plan if previous is None else None, follow_up=previous,
        ) as ws:  # fmt: skip
            ws.update_info(date=date)  # the demo plan's own date would win over `date`
            if previous is not None:  # what a quarter brings besides the carried chain
                carried = {p.title.casefold() for p in ws.proposals()}
                ws.import_plan(
                    {
                        "comments": plan["comments"],
                        "proposals": [
                            p for p in plan["proposals"] if p["title"].casefold() not in carried
                        ],
                    }
                )
            for k, action in enumerate(ws.actions()):
                status = ("planned", "doing", "done", "doing", "dropped")[(n + k) % 5]
                ws.update_action(action.id, status=status)
            groups = ws.groups()
            for k, group in enumerate(groups[:3]):
                due = f"{2025 + (n + k) // 4}-{(n + k) % 4 * 3 + 3:02d}-28"  # a quarter's end
                ws.add_action(owner_id=group.id, due=due, kpi=f"Quarter {n + 1} measure {k + 1}")
            for k, handoff in enumerate(ws.handoffs()[:10]):
                ws.update_handoff(handoff.id, self_rating=5 - (n + k) % 3,
                                  customer_rating=1 + (n * k) % 5)  # fmt: skip
        paths.append(path)
    return paths


def fill(folder: Path, sources: list[Path], count: int = FILES) -> None:
    """`count` workshop files in `folder`: byte copies of `sources`, in turn."""
    for n in range(count):
        source = sources[n % len(sources)]
        shutil.copyfile(source, folder / f"{n:03d}-{source.stem}.db")


def measure(files: int = FILES, runs: int = RUNS) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as root:
        built, folder = Path(root) / "built", Path(root) / "rollup"
        built.mkdir()
        folder.mkdir()
        started = time.perf_counter()
        fill(folder, build_quarters(built), files)
        build_s = time.perf_counter() - started
        totals, cpu, reads, renders = [], [], [], []
        for _ in range(runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            data = rollup([folder], today=TODAY)
            read = time.perf_counter()
            text = report(data, "md")
            done = time.perf_counter()
            totals.append((done - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            reads.append((read - started) * 1000)
            renders.append((done - read) * 1000)
    return {
        "rollup_500_ms": round(statistics.median(totals), 1),
        "rollup_500_files": len(data["workshops"]),
        "rollup_detail": {
            "cpu_ms": round(statistics.median(cpu), 1),  # wall time minus waiting: load
            "read_ms": round(statistics.median(reads), 1),
            "report_md_ms": round(statistics.median(renders), 1),
            "skipped": len(data["skipped"]),
            "quarters": len(data["quarters"]),
            "actions_listed": len(data["actions"]),
            "report_kb": round(len(text.encode("utf-8")) / 1024),
            "build_s": round(build_s, 1),
            "runs": runs,
        },
    }


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=2))
