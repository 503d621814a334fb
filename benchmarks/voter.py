"""One voter process: waits for the start signal, then tries to place `attempts` dots."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from workshop import FileBusy, VoteRejected, Workshop


def main(path: str, round_id: int, participant: int, proposals: list[int], start: str) -> None:
    ws = Workshop.open(path)
    ready = Path(f"{start}.{participant}")
    ready.touch()
    while not Path(start).exists():
        time.sleep(0.001)
    accepted = rejected = busy = errors = 0
    began = time.perf_counter_ns()
    for proposal in proposals:
        try:
            ws.cast_vote(round_id, participant, proposal)
            accepted += 1
        except VoteRejected:
            rejected += 1
        except FileBusy:
            busy += 1
        except Exception:  # noqa: BLE001 - counted and reported, never hidden
            errors += 1
    ended = time.perf_counter_ns()
    ws.close()
    print(json.dumps({"accepted": accepted, "rejected": rejected, "busy": busy,
                      "errors": errors, "began": began, "ended": ended}))  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5])
