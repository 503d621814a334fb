"""`python -m benchmarks [--quick] [--only NAME...]`: one JSON object on stdout, a table on
stderr. Targets (from the benchmarks issue) are shown beside the figures, never asserted.
Suites in OPTIONAL run only when named with --only (they are slow)."""

from __future__ import annotations

import argparse
import json
import sys
import time

from benchmarks import rollup, room, room_browsers, scale, startup, sync, votes

TARGETS = {
    "startup_ratio": ("<=", 1.3),
    "sync_p95_ms": ("<=", 300),
    "vote_throughput": (">=", 500),
    "lost_votes": ("==", 0),
    "over_budget": ("==", 0),
    "lock_errors": ("==", 0),
    "screen_open_ms_max": ("<=", 150),
    "export_md_ms": ("<=", 1000),
    "peak_rss_mb": ("<=", 150),
    "rollup_500_ms": ("<=", 5000),
    "room_join_failures": ("==", 0),
    "room_update_p95_ms": ("<=", 300),
    "room_server_rss_mb": ("<=", 250),
    "room_lost_dots": ("==", 0),
    "room_over_budget": ("==", 0),
    "room_browsers_update_p95_ms": ("<=", 1000),
    "room_browsers_update_max_ms": ("<=", 1000),
    "room_browsers_server_processes": ("==", 1),
}
SUITES = {"startup": startup.measure, "sync": sync.measure, "votes": votes.measure,
          "scale": scale.measure, "rollup": rollup.measure, "room": room.suite,
          "room_browsers": room_browsers.measure}  # fmt: skip
OPTIONAL = {"room_browsers"}


def meets(value: float, op: str, target: float) -> bool:
    return {"<=": value <= target, ">=": value >= target, "==": value == target}[op]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", nargs="*", choices=list(SUITES), help="run only these")
    parser.add_argument("--quick", action="store_true", help="fewer runs (less precise)")
    args = parser.parse_args()
    figures: dict[str, object] = {}
    for name, suite in SUITES.items():
        if (args.only and name not in args.only) or (not args.only and name in OPTIONAL):
            continue
        started = time.perf_counter()
        if args.quick and name == "startup":
            figures.update(suite(runs=3))
        elif args.quick and name == "sync":
            figures.update(suite(changes=20))
        elif args.quick and name == "room":
            figures.update(suite(quick=True))
        else:
            figures.update(suite())
        print(f"[{name}: {time.perf_counter() - started:.0f} s]", file=sys.stderr)
    print(json.dumps(figures, indent=2))
    print(f"\n{'figure':<30}{'value':>12}   target", file=sys.stderr)
    for key, (op, target) in TARGETS.items():
        if key in figures:
            value = figures[key]
            mark = "ok" if meets(value, op, target) else "MISSED"  # type: ignore[arg-type]
            print(f"{key:<30}{value:>12}   {op} {target}  {mark}", file=sys.stderr)


if __name__ == "__main__":
    main()
