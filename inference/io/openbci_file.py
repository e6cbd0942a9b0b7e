"""OpenBCI GUI recordings ("OpenBCI-RAW-*.txt": %-comment lines, then comma-separated samples)
as Recordings.

The comment lines give the rate ("%Sample Rate = 250 Hz"), the channel count and the board;
the GUI v4+ names its columns ("Sample Index, EXG Channel 0, ..., Timestamp (Formatted)"), older
GUIs write no column names (the EXG channels then follow the sample index). Only the EXG
columns are parsed (a formatted time such as "12:00:53.329" is not a number), as microvolts,
the GUI's unit. The channels are numbered, so OpenBCI's default placement is assumed for 8
(Cyton) and 16 (Cyton + Daisy) channels (`Recording.assumed_montage`, said in a note).
"""

from __future__ import annotations

import os
import re
from typing import IO

from ..errors import InputError
from ..limits import MAX_RECORDING_BYTES, MAX_TEXT_BYTES
from .csv_file import read_table
from .recording import Recording
from .safe_files import check_regular

PathLike = str | os.PathLike[str]
MAGIC = b"%OpenBCI"
MAX_COMMENT_LINES = 64  # the GUI writes 4-8
PLACEMENTS = {8: "openbci-cyton", 16: "openbci-cyton-daisy"}  # channels -> montage preset
_EXG = re.compile(r"EXG Channel (\d+)$", re.IGNORECASE)


def looks_like_openbci(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf").startswith(MAGIC)


def read_openbci(path: PathLike) -> Recording:
    """An OpenBCI GUI recording as a Recording of its EXG channels (see the module notes)."""
    source = str(path)
    size = check_regular(path, "OpenBCI", MAX_RECORDING_BYTES)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        settings, line, number, at = _comments(f, source)
        rate = _rate(settings, source)
        cells = [c.strip() for c in line.split(",")]
        named = [k for k, c in enumerate(cells) if _EXG.match(c)]
        if named:
            header, columns, first = cells, named, number + 1
        else:  # no column names: the sample index, then the channels
            count = _count(settings, len(cells) - 1, source)
            header = [f"column {k + 1}" for k in range(len(cells))]
            columns, first = list(range(1, count + 1)), number
            f.seek(at)  # the line is a sample: read it again
        if not columns:
            raise InputError(f"{source}: no EXG Channel columns")
        samples, _, _ = read_table(f, header, ",", None, size, source, columns, first)
    labels = tuple(f"EXG Channel {k}" for k in range(len(columns)))
    board = settings.get("board", "").split("$")[-1] or "unknown board"
    notes = [f"OpenBCI GUI recording ({board}, {len(columns)} channels, {rate:g} Hz)"]
    return Recording(
        samples, labels, rate, source, format="OpenBCI", notes=tuple(notes), unit_known=True,
        assumed_montage=PLACEMENTS.get(len(columns), ""), details={"board": board},
    )  # fmt: skip


def _comments(f: IO[bytes], source: str) -> tuple[dict[str, str], str, int, int]:
    """({setting: value} of the %-lines, the first line after them, its number and offset)."""
    settings: dict[str, str] = {}
    for number in range(1, MAX_COMMENT_LINES + 2):
        at = f.tell()
        raw = f.readline(MAX_TEXT_BYTES)
        if not raw:
            raise InputError(f"{source}: no samples after the OpenBCI header")
        try:
            text = raw.decode("utf-8-sig").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}: not a text OpenBCI file ({exc.reason})") from None
        if number == 1 and not text.startswith("%OpenBCI"):
            raise InputError(f"{source}: not an OpenBCI GUI recording (no '%OpenBCI' first line)")
        if not text.startswith("%"):
            return settings, text, number, at
        key, sep, value = text[1:].partition("=")
        if sep:
            settings[key.strip().lower()] = value.strip()
    raise InputError(f"{source}: more than {MAX_COMMENT_LINES} comment lines")


def _rate(settings: dict[str, str], source: str) -> float:
    words = settings.get("sample rate", "").split()
    try:
        rate = float(words[0]) if words else 0.0
    except ValueError:
        rate = 0.0
    if not 0 < rate <= 100_000:  # NaN fails too
        raise InputError(f"{source}: no usable '%Sample Rate = ... Hz' line")
    return rate


def _count(settings: dict[str, str], available: int, source: str) -> int:
    text = settings.get("number of channels", "")
    count = int(text) if text.isdigit() and len(text) < 5 else 0
    if not 1 <= count <= available:
        raise InputError(f"{source}: no usable '%Number of channels = N' line")
    return count
