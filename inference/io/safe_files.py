"""Opening files a user names: only regular files, never more bytes than a budget, one message.

A FIFO named as a model would block the open (a frozen Blender); /dev/zero would be read until
memory runs out; a directory or a socket has no bytes to read. `open_regular` refuses all of
them without blocking (O_NONBLOCK, then fstat on the very file opened).
"""

from __future__ import annotations

import json
import os
import re
import stat
from functools import lru_cache
from typing import Any

import numpy as np

from ..errors import EvokeError, InputError
from ..limits import MAX_JSON_DEPTH, MAX_TEXT_BYTES

PathLike = str | os.PathLike[str]


def check_regular(
    path: PathLike, what: str, max_bytes: int, error: type[EvokeError] = InputError
) -> int:
    """The size of `path`, which must be a regular file of at most `max_bytes`."""
    source = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(f"{source}: no such file") from None
    except OSError as exc:
        raise error(f"{source}: cannot open {what} ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{source}: is a folder, not a {what} file")
    if not stat.S_ISREG(info.st_mode) or info.st_dev in _pseudo_devices():
        raise error(
            f"{source}: not a regular file (a pipe, device, socket or /proc or /sys entry), so "
            f"not a {what} file"
        )
    if info.st_size > max_bytes:
        raise error(
            f"{source}: {info.st_size:,} bytes is more than a {what} file can be ({max_bytes:,})"
        )
    return info.st_size


@lru_cache(maxsize=1)
def _pseudo_devices() -> frozenset[int]:
    """The devices of /proc and /sys: their entries look like regular files of 0 bytes but
    hold more (/proc/self/mem: the process's memory, unreadable where unmapped)."""
    devices = set()
    for root in ("/proc", "/sys"):
        try:
            devices.add(os.stat(root).st_dev)
        except OSError:
            pass
    return frozenset(devices)


def read_bytes(
    path: PathLike, what: str, max_bytes: int, error: type[EvokeError] = InputError
) -> bytes:
    """All bytes of a regular file of at most `max_bytes`; never blocks on a FIFO."""
    size = check_regular(path, what, max_bytes, error)
    source = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise error(f"{source}: cannot open {what} ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # swapped after the check
            raise error(f"{source}: not a regular file, so not a {what} file")
        try:
            data = f.read(min(size, max_bytes) + 1)  # read(n) reserves n bytes: never the cap
        except OSError as exc:
            raise error(f"{source}: cannot read {what} ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise error(f"{source}: more than {max_bytes:,} bytes, more than a {what} file can be")
    if len(data) > size:
        raise error(f"{source}: it grew while it was read, so not a {what} file to trust")
    return data


def read_head(path: PathLike, count: int) -> bytes:
    """The first `count` bytes of a regular file; b"" for anything else (never blocks)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return b""
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return b""
        try:
            return f.read(count)
        except OSError:
            return b""


def load_json(path: PathLike, what: str, error: type[EvokeError] = InputError) -> Any:
    """A small JSON file (tables, presets): size and nesting bounded, one message for any fault."""
    data = read_bytes(path, what, MAX_TEXT_BYTES, error)
    return parse_json(data, f"{path}", what, error)


def parse_json(
    data: bytes | str, source: str, what: str, error: type[EvokeError] = InputError
) -> Any:
    if len(data) > MAX_TEXT_BYTES:
        raise error(f"{source}: {what} is larger than {MAX_TEXT_BYTES:,} bytes")
    if _depth(data) > MAX_JSON_DEPTH:
        raise error(f"{source}: {what} is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        return json.loads(data, parse_constant=_not_json)
    except (ValueError, RecursionError) as exc:
        raise error(f"{source}: {what} is not valid JSON ({exc})") from None


def _not_json(name: str) -> None:
    """NaN and Infinity: Python's json accepts them, JSON does not (and nothing we read may hold
    them: `model-info` would print them back as invalid JSON)."""
    raise ValueError(f"{name} is not a JSON value")


_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')


def _depth(data: bytes | str) -> int:
    """The deepest bracket nesting, strings skipped, without parsing (json recurses per level)."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    bare = np.frombuffer(_STRINGS.sub(b'""', raw), dtype=np.uint8)
    steps = np.isin(bare, (ord("["), ord("{"))).astype(np.int64) - np.isin(
        bare, (ord("]"), ord("}"))
    )
    return int(np.cumsum(steps).max(initial=0))
