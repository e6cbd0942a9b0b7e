"""What a build takes from a checkout: the files git tracks, never what lies around them.

A working tree gathers scratch files (`scratch_test.npz`), editor and merge leftovers
(`edf.py~`, `ops.py.orig`), caches and a stale `build/lib` from an earlier wheel. The extension
zip and the wheel are built from a fresh copy of the tracked files (as they are on disk, edits
included), so none of that can ship. Outside git (a source archive) every file of the named
parts is taken, less the leftovers' patterns.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

# never shipped, tracked or not: bytecode, hidden folders (.hypothesis, .pytest_cache), editor
# backups and merge leftovers
LEFTOVERS = ("__pycache__", "*.pyc", ".*", "*~", "*.orig", "*.rej", "*.swp", "*.bak")
# outside git, what builds and runs leave at the top of the tree
OUTPUTS = ("build", "dist", "out", "runs", "data", "wheels", "*.egg-info")


def _leftover(relative: Path) -> bool:
    return any(fnmatch.fnmatch(part, p) for part in relative.parts for p in LEFTOVERS)


def _git(root: Path, *args: str) -> str | None:
    """git's output in `root`, or None where git is missing or fails."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def is_checkout(root: Path) -> bool:
    """`root` is the top of a git working tree (not a folder inside someone else's)."""
    top = _git(root, "rev-parse", "--show-toplevel")
    return top is not None and Path(top.strip()).resolve() == root.resolve()


def source_files(root: Path, parts: Sequence[str] = ()) -> list[Path]:
    """The files to build from, relative to `root`, under `parts` (all of `root`: empty): in a git
    checkout the tracked ones that exist on disk, else every file; never a leftover."""
    if is_checkout(root):
        listed = _git(root, "ls-files", "-z", "--cached", "--", *parts) or ""
        found = [Path(n) for n in listed.split("\0") if n]
        found = [p for p in found if (root / p).is_file()]  # deleted, not yet staged: gone
    else:
        found = [f for part in parts or ("",) for f in _walk(root, Path(part))]
    return sorted(p for p in found if not _leftover(p))


def _walk(root: Path, part: Path) -> list[Path]:
    """Every file under root/part (relative to root), not descending into leftovers or, at the
    top, outputs (an environment holds thousands of files)."""
    if (root / part).is_file():
        return [part]
    found = []
    for folder, dirs, files in os.walk(root / part):
        here = Path(folder).relative_to(root)
        dirs[:] = [
            d for d in dirs
            if not _leftover(Path(d))
            and not (here == Path() and any(fnmatch.fnmatch(d, p) for p in OUTPUTS))
        ]  # fmt: skip
        found += [here / f for f in files]
    return found


def untracked(root: Path, parts: Sequence[str] = ()) -> list[Path]:
    """Files under `parts` that git neither tracks nor ignores: what a build leaves out."""
    if not is_checkout(root):
        return []
    listed = _git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", *parts) or ""
    return sorted(p for p in (Path(n) for n in listed.split("\0") if n) if not _leftover(p))


def copy_sources(root: Path, dest: Path, parts: Sequence[str] = ()) -> list[Path]:
    """Copy `source_files` into `dest` (same layout); say on stderr which untracked files of the
    parts stayed behind (a new module not yet `git add`-ed would be missing from the build)."""
    files = source_files(root, parts)
    for relative in files:
        (dest / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, dest / relative)
    left = untracked(root, parts)
    if left:
        shown = ", ".join(str(p) for p in left[:8]) + (" ..." if len(left) > 8 else "")
        print(f"note: {len(left)} files not tracked by git are left out: {shown}", file=sys.stderr)
    return files
