"""Files we write for the user (timelines, glTF, clips) never destroy the file already there.

Everything is written under the target's own name into a new hidden folder beside it (the same
disk, so the final move is a rename), checked, and only then moved over the target with
`os.replace`. A full disk, a read-only folder, a cancelled render or a crash leaves the old file
as it was and no partial file in its place; the message says where and why.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ...inference.errors import OutputError

# a write that fails for want of room: a full disk or quota, or a file past the size the process
# or the file system allows (RLIMIT_FSIZE imitates a full disk in the tests)
_NO_ROOM = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is full",
            errno.EFBIG: "the disk is full or the file is larger than this system allows"}  # fmt: skip
_ERRNO = re.compile(r"\[Errno (\d+)\]\s*([^:'\n]*)")


def _reason(exc: OSError) -> str:
    return _why(exc.errno, exc.strerror or type(exc).__name__)


def _why(number: int | None, text: str) -> str:
    room = _NO_ROOM.get(number or 0)
    return f"{room} ({text})" if room else text


def first_line(exc: BaseException) -> str:
    """An operator's error without Blender's 'Error: ' and the traceback lines after it."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text.removeprefix("Error:").strip()[:300]


def exporter_reason(exc: BaseException) -> str:
    """Why an add-on's operator (Blender's glTF exporter) failed, in a line: an OS error it met
    (`[Errno 28] No space left on device` deep in its traceback: 'the disk is full'), else the
    traceback's last line (the exception), not its first ('Python: Traceback ...')."""
    text = str(exc)
    found = _ERRNO.findall(text)
    if found:
        number, why = found[-1]
        return _why(int(number), why.strip() or os.strerror(int(number)))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if any("Traceback (most recent call last)" in line for line in lines):
        return lines[-1][:300]
    return first_line(exc)


def _folder_reason(folder: Path, exc: OSError) -> str:
    """Why nothing can be made in `folder`. A folder that exists but takes no new file says so:
    /proc answers 'No such file or directory', which reads as if the folder were missing."""
    if exc.errno in _NO_ROOM or not folder.is_dir():
        return _reason(exc)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"the folder is not writable ({exc.strerror})"
    return "the folder is not writable"


class StagedOutput:
    """A place to write `target` (`path`), moved into place by `commit`, or dropped by `discard`."""

    def __init__(self, target: Path, what: str) -> None:
        self.target, self.what = target, what
        folder = target.parent
        if target.is_dir():
            raise OutputError(f"cannot write {what} to {target}: it is a folder")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.stage = Path(tempfile.mkdtemp(prefix=".evoke-", dir=folder))
        except OSError as exc:
            raise OutputError(
                f"cannot write {what} to {folder}: {_folder_reason(folder, exc)}; "
                "choose another folder"
            ) from None
        self.path = self.stage / target.name

    def untouched(self) -> str:
        return (
            f"{self.target.name} already there is untouched"
            if self.target.exists()
            else "nothing was written"
        )

    def fail(self, why: str) -> OutputError:
        """Drop what was written; the error to raise."""
        self.discard()
        return OutputError(
            f"could not write {self.what} to {self.target}: {why}; {self.untouched()}"
        )

    def commit(self, complete: Callable[[Path], bool] | None = None) -> None:
        """Move every file written (a .gltf's .bin too) into the target's folder."""
        try:
            produced = sorted(p for p in self.stage.iterdir() if p.is_file())
        except OSError:  # the staging folder itself went away
            produced = []
        if self.path not in produced:
            raise self.fail("the writer produced no file")
        if complete is not None and not complete(self.path):
            raise self.fail("the file was not written completely (is the disk full?)")
        try:
            for file in produced:
                os.replace(file, self.target.parent / file.name)
        except OSError as exc:
            raise self.fail(_reason(exc)) from None
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)


@contextmanager
def staged(target: Path, what: str) -> Iterator[Path]:
    """`with staged(path, "the timeline") as out:` write `out`; it replaces `path` on success."""
    output = StagedOutput(target, what)
    try:
        yield output.path
    except OSError as exc:
        raise output.fail(_reason(exc)) from None
    except BaseException:
        output.discard()
        raise
    output.commit()


def write_text(target: Path, text: str, what: str) -> None:
    """Text written whole (flushed to disk) before it replaces the target."""
    with staged(target, what) as out, open(out, "w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
