"""One progress bar over a whole batch, with the time left, on stderr (standard library only).

On a terminal the bar redraws in place; in a log (not a terminal) each finished task is one
line, so a CI log or a cluster job's output says what finished when. The time left is the
wall time per task run so far (outputs already complete cost nothing; parallel workers make
it shorter) times the tasks left.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from ..errors import one_line
from ..limits import MAX_MESSAGE_CHARS
from .results import TaskResult

WIDTH = 30  # characters of the bar itself
LINE = 160  # at most this many characters a line


def clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    def __init__(self, total: int, what: str, stream: TextIO | None = None, *,
                 enabled: bool = True) -> None:  # fmt: skip
        self.total, self.what, self.enabled = total, what, enabled
        self.stream = stream or sys.stderr
        self.done = self.failed = self.ran = 0
        self.started = self.work_started = time.perf_counter()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def ready(self) -> None:
        """The workers are there (Ray has started): the time left counts from now."""
        if not self.ran:
            self.work_started = time.perf_counter()

    def left_s(self) -> float | None:
        if not self.ran:
            return None
        per_task = (time.perf_counter() - self.work_started) / self.ran
        return per_task * (self.total - self.done)

    def advance(self, result: TaskResult) -> None:
        self.done += 1
        self.failed += not result.ok
        if result.written or not result.ok:
            self.ran += 1
        if not self.enabled:
            return
        left = self.left_s()
        eta = f"~{clock(left)} left" if left is not None and self.done < self.total else ""
        failed = f", {self.failed} failed" if self.failed else ""
        head = f"{self.done}/{self.total} {self.what}{failed}  {clock(time.perf_counter() - self.started)} {eta}"
        if self.tty:
            filled = WIDTH * self.done // max(self.total, 1)
            bar = "#" * filled + "." * (WIDTH - filled)
            end = "\n" if self.done == self.total else ""
            self.stream.write(f"\r[{bar}] {head}".ljust(LINE)[:LINE] + end)
        else:
            state = "ok" if result.ok else f"failed: {result.reason}"
            if result.ok and not result.written:
                state = "already complete"
            self.stream.write(
                one_line(f"[{head.strip()}] {result.name}: {state}", MAX_MESSAGE_CHARS) + "\n"
            )
        self.stream.flush()
