"""Run a program in a real pseudo-terminal and wait until text appears on its screen."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ESCAPES = re.compile(
    rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]|\x1b\][^\x07]*\x07"
)


class Terminal:
    """A child process on a pty of a fixed size, whose output is read as plain text."""

    def __init__(self, argv: list[str], size: tuple[int, int] = (120, 40)) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(size[0]),
               "LINES": str(size[1]), "PYTHONPATH": str(ROOT)}  # fmt: skip
        env.pop("TEXTUAL", None)
        # Let Python keep the compiled modules, as an installed copy does: with this set (as
        # it is on some machines), the app's own modules were compiled from source on every
        # start while Textual's came compiled from its wheel, which measured the compiler.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.master = master
        self.seen = b""

    def read(self, timeout: float) -> None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            with contextlib.suppress(OSError):
                self.seen += os.read(self.master, 65536)

    def wait_for(self, text: str, timeout: float = 20.0) -> float:
        """Seconds until `text` is on screen (counted from `since`), reading as it comes."""
        needle = text.encode()
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if needle in ESCAPES.sub(b"", self.seen):
                return time.perf_counter()
            self.read(0.005)
        raise TimeoutError(f"{text!r} did not appear within {timeout} s")

    def forget(self) -> None:
        """Drop what was read so far, so the next wait sees only new output."""
        self.read(0)
        self.seen = b""

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        os.close(self.master)


def python(*args: str) -> list[str]:
    return [sys.executable, *args]
