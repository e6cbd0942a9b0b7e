"""What one task of a batch reports back: small, picklable, the same for timelines and clips."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_ATTEMPTS = 3  # runs of one task whose worker died (locally or on Ray) before it has failed


@dataclass(frozen=True)
class TaskResult:
    name: str  # the task's output name
    ok: bool
    reason: str = ""  # one line when not ok
    written: int = 0  # outputs this run wrote
    skipped: int = 0  # outputs already complete, left as they were
    trials: int = 0
    windows: int = 0
    emotions: dict[str, int] = field(default_factory=dict)  # windows shown as each emotion
    seconds: float = 0.0  # time the task took where it ran
    worker: str = ""  # host:pid that ran it


def failed(name: str, reason: str, seconds: float = 0.0, worker: str = "") -> TaskResult:
    return TaskResult(name, False, reason, seconds=seconds, worker=worker)
