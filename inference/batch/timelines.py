"""The job of one batch task: a recording -> its timeline file(s), as `predict --json/--csv`.

`--per recording` writes NAME.json (every trial's rows); `--per trial` writes NAME/trialNN.json
per trial and then NAME/index.json, which marks the recording complete. A rerun leaves every
complete output as it is (its figures are read back from it for the summary).
"""

from __future__ import annotations

import csv
import json
import os
import socket
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..emotion.table import EmotionTable
from ..emotion.timeline_export import render
from ..errors import EvokeError, one_line
from ..io.formats import format_for, read_recording
from ..limits import MAX_MESSAGE_CHARS
from ..model.model_file import EvokeModel, load_model
from ..predict import PredictOptions, predict
from .outputs import write_text_atomic
from .results import TaskResult, failed
from .sources import BatchTask

PER = ("recording", "trial")
INDEX = "index.json"


@dataclass(frozen=True)
class ReaderOptions:
    """How each recording is read: `read_recording`'s options, the same for every file."""

    trial: tuple[int, ...] | None = None
    stream: str | None = None
    rate: float | None = None
    unit: str | None = None
    channel_map: str | None = None
    montage: str | None = None
    between: tuple[int, int] | None = None
    board: str | None = None  # BrainFlow files: the board that recorded them

    def given(self, path: str) -> dict[str, Any]:
        """The options given that a file of this kind takes: a folder may mix formats, and
        `--stream` is for its XDF files only (every format takes the last three)."""
        kind = format_for(path)
        takes = kind.options if kind else frozenset()
        per_format = {"stream": self.stream, "rate": self.rate, "unit": self.unit,
                      "board": self.board,
                      "trial": list(self.trial) if self.trial else None}  # fmt: skip
        out = {k: v for k, v in per_format.items() if k in takes and v is not None}
        common = {"channel_map": self.channel_map, "montage": self.montage,
                  "between": self.between}  # fmt: skip
        return out | {k: v for k, v in common.items() if v is not None}


@dataclass(frozen=True)
class TimelineJob:
    """Everything a worker needs for any task of the batch (picklable, small)."""

    out: str
    fmt: str = "json"  # "json" or "csv"
    per: str = "recording"
    # as `predict` on the command line: a recording is known whole, so smoothed with hindsight
    options: PredictOptions = field(default_factory=lambda: PredictOptions(hindsight=True))
    reader: ReaderOptions = field(default_factory=ReaderOptions)
    model: str | None = None
    emotions: str | None = None

    def final(self, task: BatchTask, trial: int | None = None) -> Path:
        base = Path(self.out) / task.name
        if trial is None:
            return base.with_name(f"{base.name}.{self.fmt}")
        return base / f"trial{trial:02d}.{self.fmt}"

    def complete(self, task: BatchTask) -> list[Path] | None:
        """The task's outputs when all are written (a rerun skips it), else None."""
        if self.per == "recording":
            file = self.final(task)
            return [file] if file.is_file() else None
        index = Path(self.out) / task.name / INDEX
        if not index.is_file():
            return None
        files = [index.parent / name for name in json.loads(index.read_text())["files"]]
        return files if all(f.is_file() for f in files) else None

    def __call__(self, task: BatchTask) -> TaskResult:
        started = time.perf_counter()
        worker = f"{socket.gethostname()}:{os.getpid()}"
        try:
            done = self.complete(task)
            if done is not None:
                return _figures(task.name, done, self.fmt, 0, len(done), started, worker)
            written, files = self._run(task)
            return _figures(task.name, files, self.fmt, written, len(files) - written,
                            started, worker)  # fmt: skip
        except EvokeError as exc:
            return failed(task.name, one_line(exc, MAX_MESSAGE_CHARS), _since(started), worker)
        except (ValueError, OSError) as exc:
            reason = one_line(f"{task.path}: {exc}", MAX_MESSAGE_CHARS)
            return failed(task.name, reason, _since(started), worker)
        except MemoryError:
            return failed(task.name, f"{task.path}: not enough memory", _since(started), worker)
        except Exception as exc:  # a bug of ours: still one line, and the batch goes on
            reason = one_line(f"{task.path}: unexpected {type(exc).__name__}: {exc}",
                              MAX_MESSAGE_CHARS)  # fmt: skip
            return failed(task.name, reason, _since(started), worker)

    def _run(self, task: BatchTask) -> tuple[int, list[Path]]:
        """Predict and write what is missing; returns (outputs written, every output)."""
        model = _model(self.model)
        table = EmotionTable.load(self.emotions) if self.emotions else model.emotions
        recording = read_recording(task.path, **self.reader.given(task.path))
        pred = predict(recording, model, self.options)  # BLAS on one thread: see runner
        if self.per == "recording":
            rows = [row for tl in pred.timelines for row in tl.rows(table)]
            write_text_atomic(self.final(task), render(rows, self.fmt))
            return 1, [self.final(task)]
        written, files = 0, []
        for tl in pred.timelines:
            file = self.final(task, tl.trial)
            if not file.is_file():
                write_text_atomic(file, render(tl.rows(table), self.fmt))
                written += 1
            files.append(file)
        index = {"source": Path(task.path).name, "files": [f.name for f in files]}
        write_text_atomic(Path(self.out) / task.name / INDEX, json.dumps(index, indent=1))
        return written, files


@lru_cache(maxsize=4)
def _model(path: str | None) -> EvokeModel:
    """Each worker loads a model once, not once per task."""
    return load_model(path)


def _since(started: float) -> float:
    return time.perf_counter() - started


def _figures(name: str, files: Sequence[Path], fmt: str, written: int, skipped: int,
             started: float, worker: str) -> TaskResult:  # fmt: skip
    """Trials, windows and emotions, read back from the outputs themselves."""
    trials: set[Any] = set()
    windows = 0
    emotions: Counter[str] = Counter()
    for file in files:
        rows = _rows(file, fmt)
        windows += len(rows)
        trials.update((file.name, row["trial"]) for row in rows)
        emotions.update(str(row["emotion"]) for row in rows)
    return TaskResult(name, True, written=written, skipped=skipped, trials=len(trials),
                      windows=windows, emotions=dict(emotions), seconds=_since(started),
                      worker=worker)  # fmt: skip


def _rows(file: Path, fmt: str) -> list[dict[str, Any]]:
    text = file.read_text(encoding="utf-8")
    if fmt == "json":
        rows = json.loads(text)
        return rows if isinstance(rows, list) else []
    return list(csv.DictReader(text.splitlines()))
