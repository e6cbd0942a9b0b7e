"""Paths, folders and globs -> the batch's tasks: one recording file each.

A folder is searched recursively for every format `inference.io.formats` reads; DEAP's
subjects (sNN.dat, or sNN.mat where no .dat copy exists) are one task each. A path that does
not exist but holds glob characters (`*`, `?`, `[`) is expanded (`**` across folders).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..deap import SUBJECT_FILE
from ..errors import InputError
from ..io.formats import format_for

MAX_TASKS = 100_000  # recordings in one batch (DEAP is 32; a large study a few thousand)
GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class BatchTask:
    """One recording to process, and the name its outputs take under the output folder."""

    path: str  # the recording file
    name: str  # relative output name without suffix: "s01", "study/p03_session1", "s01/trial07"
    trial: int | None = None  # one trial of the recording (a clip per trial), else all of it

    @property
    def subject(self) -> int | None:
        """The DEAP subject number a file name such as s07.dat carries."""
        match = SUBJECT_FILE.match(Path(self.path).name)
        return int(match.group(1)) if match else None


def find_tasks(paths: Sequence[str]) -> list[BatchTask]:
    """Every recording under `paths`, each once, in a stable order, with unique output names."""
    tasks: dict[str, BatchTask] = {}
    names: dict[str, str] = {}
    for given in paths:
        for file, name in _expand(given):
            key = os.path.realpath(file)
            if key in tasks:
                continue
            if name in names:
                raise InputError(
                    f"{file}: its output would be {name!r}, as for {names[name]}; "
                    "give the two folders separately or rename one file"
                )
            names[name] = str(file)
            tasks[key] = BatchTask(str(file), name)
            if len(tasks) > MAX_TASKS:
                raise InputError(f"{given}: more than {MAX_TASKS:,} recordings in one batch")
    if not tasks:
        raise InputError(f"{' '.join(paths)}: no recordings found")
    return list(tasks.values())


def _expand(given: str) -> Iterable[tuple[Path, str]]:
    path = Path(given)
    if path.is_dir():
        yield from _folder(path)
    elif path.exists():
        yield path, path.name.split(".")[0]
    elif GLOB_CHARS & set(given):
        matches = sorted(glob.glob(given, recursive=True))
        if not matches:
            raise InputError(f"{given}: matches no file")
        for match in matches:
            yield from _expand(match)
    else:
        raise InputError(f"{given}: no such file or folder")


def _folder(root: Path) -> Iterable[tuple[Path, str]]:
    """Readable recordings under `root`; a DEAP subject's .mat only where no .dat exists."""
    files = sorted(
        p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".") and _readable(p)
    )
    dat = {(p.parent, p.stem) for p in files if p.suffix.lower() == ".dat"}
    for p in files:
        if p.suffix.lower() == ".mat" and SUBJECT_FILE.match(p.name) and (p.parent, p.stem) in dat:
            continue
        yield p, str(p.relative_to(root).with_name(p.name.split(".")[0]).as_posix())


def _readable(path: Path) -> bool:
    found = format_for(path)
    return found is not None and (found.name != "DEAP" or bool(SUBJECT_FILE.match(path.name)))
