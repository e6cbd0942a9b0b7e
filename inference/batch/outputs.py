"""Writing a batch's outputs so that a killed run leaves nothing half-written.

Each output is written to a hidden temporary file beside it and renamed over its final name
when complete (a rename within a folder is atomic), so a final name exists only for complete
outputs: that is what a rerun skips. Temporaries a killed worker left are swept at the end.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PART = ".part-"  # in every temporary's name: ".s01.part-<token>.json"


def temporary_for(final: Path) -> Path:
    """A fresh hidden name beside `final`, with its suffix (a renderer may choose by it)."""
    return final.with_name(f".{final.stem}{PART}{uuid.uuid4().hex[:12]}{final.suffix}")


@contextmanager
def atomic_output(final: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it becomes `final`, on error it is removed."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_for(final)
    try:
        yield tmp
        if not tmp.exists():
            raise OSError(f"{final}: nothing was written")
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def staging_folder(final: Path) -> Iterator[Path]:
    """Yield a fresh hidden folder beside `final` for a program that writes files of its own
    (a renderer); whatever it leaves there is removed afterwards, moved or not."""
    final.parent.mkdir(parents=True, exist_ok=True)
    folder = final.with_name(f".{final.stem}{PART}{uuid.uuid4().hex[:12]}")
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_text_atomic(final: Path, text: str) -> None:
    with atomic_output(final) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())


def sweep_temporaries(out: Path) -> int:
    """Remove the temporaries (files and staging folders) that killed workers left under `out`;
    returns how many."""
    if not out.is_dir():
        return 0
    found = [
        p
        for p in out.rglob(f".*{PART}*")
        if not any(PART in part for part in p.relative_to(out).parts[:-1])  # not inside one
    ]
    for p in found:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    return len(found)
