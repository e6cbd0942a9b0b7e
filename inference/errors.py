"""One exception family, so every caller (CLI, Blender, live) can show one clear message."""

from __future__ import annotations


class EvokeError(Exception):
    """Base class: the message is meant for the user, already naming the file and the problem."""


class InputError(EvokeError):
    """A recording, stream or array that cannot be used as given."""


class UnsafeFileError(InputError):
    """A file that tried to do more than hold data (e.g. a pickle that would run code)."""


class ModelError(EvokeError):
    """A model file that is malformed or does not fit the feature settings in use."""


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_CONTROL.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})


def printable(text: str) -> str:
    """`text` with control characters escaped (a newline as \\n, ESC as \\x1b): a file name, label
    or emotion name can neither forge a second line nor drive the terminal."""
    return str(text).translate(_CONTROL)


def one_line(text: object, limit: int) -> str:
    """A message as one printable line of at most about `limit` characters: control characters
    escaped, and a longer line cut in its middle, keeping the start (which names the file) and
    the end (which says what is wrong)."""
    line = printable(str(text))
    if len(line) <= limit:
        return line
    keep = max(limit // 2 - 20, 1)
    return f"{line[:keep]} ... ({len(line) - 2 * keep:,} characters left out) ... {line[-keep:]}"


class OutputError(EvokeError):
    """A file we were asked to write that could not be written; the file already there is left
    as it was."""
