"""A batch's results added up: files, trials, windows, emotions, failures; as text and JSON."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .outputs import write_text_atomic
from .progress import clock
from .results import TaskResult

SUMMARY_NAME = "summary"  # summary.json and summary.txt in the output folder


@dataclass(frozen=True)
class BatchSummary:
    results: tuple[TaskResult, ...]
    seconds: float
    backend: str  # "local (2 processes)", "ray (auto)"
    retried: int = 0  # task runs started again because their worker died (local pool)

    @property
    def failures(self) -> list[TaskResult]:
        return [r for r in self.results if not r.ok]

    def as_dict(self) -> dict[str, Any]:
        ok = [r for r in self.results if r.ok]
        emotions: Counter[str] = Counter()
        for r in ok:
            emotions.update(r.emotions)
        return {
            "files": len(self.results),
            "files_ok": len(ok),
            "files_failed": len(self.failures),
            "outputs_written": sum(r.written for r in ok),
            "outputs_already_complete": sum(r.skipped for r in ok),
            "trials": sum(r.trials for r in ok),
            "windows": sum(r.windows for r in ok),
            "emotions": dict(emotions.most_common()),
            "failures": {r.name: r.reason for r in self.failures},
            "seconds": round(self.seconds, 3),
            "task_seconds": round(sum(r.seconds for r in self.results), 3),
            "backend": self.backend,
            "retried": self.retried,
            "workers": sorted({r.worker for r in self.results if r.worker}),
            "tasks": {
                r.name: {"worker": r.worker, "seconds": round(r.seconds, 3)} for r in self.results
            },  # fmt: skip
        }

    def as_text(self) -> str:
        d = self.as_dict()
        lines = [
            f"files     {d['files']} ({d['files_ok']} ok, {d['files_failed']} failed)",
            f"outputs   {d['outputs_written']} written, {d['outputs_already_complete']} already complete",
            f"trials    {d['trials']}",
            f"windows   {d['windows']}",
            "emotions  " + (", ".join(f"{k} {v}" for k, v in d["emotions"].items()) or "-"),
            f"time      {clock(self.seconds)} on {self.backend}",
        ]
        if self.retried:
            lines.append(f"retried   {self.retried} (a worker died; its outputs were redone whole)")
        if d["failures"]:
            lines.append("failures")
            lines += [f"  {name}: {reason}" for name, reason in d["failures"].items()]
        return "\n".join(lines) + "\n"

    def write(self, out: Path) -> None:
        write_text_atomic(out / f"{SUMMARY_NAME}.json", json.dumps(self.as_dict(), indent=1) + "\n")
        write_text_atomic(out / f"{SUMMARY_NAME}.txt", self.as_text())


def summarize(
    results: Sequence[TaskResult], seconds: float, backend: str, retried: int = 0
) -> BatchSummary:
    return BatchSummary(tuple(sorted(results, key=lambda r: r.name)), seconds, backend, retried)
