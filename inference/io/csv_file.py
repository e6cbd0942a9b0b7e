"""CSV files of EEG samples as Recordings.

Layout: the first line is a header of channel names; every following line is one sample, one
number per channel, in microvolts. The delimiter is the first of `,` `;` tab found in the header.
The rate is the `rate=` argument (`--rate`), or else it comes from a time column named `time`,
`timestamp` or `t` (any case; seconds): 1 / the median step. A time column is never a channel.
Empty cells and `nan` are missing samples (windows holding them are skipped downstream); any other
cell that is not a number is an error naming its line and column. Blank lines are ignored.
CSV carries no trial markers: `trials` is empty and the pipeline uses the first seconds as the
resting baseline.

Bounded: the file is read a block of bytes at a time; no line may be longer than its header's
columns of MAX_CSV_CELL_CHARS can be, and no cell longer than that (numbers need ~25). Samples
are held as float32 (a time column as float64, for its seconds), each block's values once.
"""

from __future__ import annotations

import csv
import itertools
import math
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import InputError
from ..limits import (
    MAX_CHANNELS,
    MAX_CSV_CELL_CHARS,
    MAX_RECORDING_BYTES,
    MAX_TEXT_BYTES,
    READ_BLOCK_BYTES,
)
from .recording import Recording
from .safe_files import check_regular
from .units import microvolt_scale

PathLike = str | os.PathLike[str]
TIME_COLUMNS = ("time", "timestamp", "t")
DELIMITERS = (",", ";", "\t")
MIN_RATE = 8.0  # below this, a time column is almost surely not in seconds


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_strip = np.frompyfunc(str.strip, 1, 1)


def _numbers(
    rows: list[list[str]], lines: np.ndarray, header: list[str], source: str
) -> np.ndarray:
    """(rows, columns) floats; the first bad cell is named by line and column on failure.

    numpy parses the cells (float() for each, in C); only where that fails are blank cells made
    NaN, and only where that fails too is the bad cell looked for."""
    try:
        return np.array(rows, dtype=np.float64)
    except ValueError:
        pass
    if not "".join(itertools.chain.from_iterable(rows)).strip():  # every cell blank: in C
        return np.full((len(rows), len(header)), np.nan)
    cells = _strip(np.array(rows, dtype=object))
    cells[cells == ""] = "nan"
    try:
        return cells.astype(np.float64)
    except ValueError:
        pass
    # Only on the error path: find the first cell that is not a number.
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            if not _is_number(str(text)):
                raise InputError(
                    f"{source}: line {int(lines[r])}, column {c + 1} ({header[c]!r}): "
                    f"{str(text)!r} is not a number"
                ) from None
    raise InputError(f"{source}: cells that are not numbers")  # pragma: no cover


def _header(first: str, source: str) -> tuple[list[str], str]:
    """Channel names and the delimiter, from the first line."""
    if not first.endswith("\n") and len(first) >= MAX_TEXT_BYTES:
        raise InputError(f"{source}: the header line is longer than {MAX_TEXT_BYTES:,} characters")
    delimiter = next((d for d in DELIMITERS if d in first), ",")
    parsed = next(csv.reader([first], delimiter=delimiter), [])
    if not parsed or not any(cell.strip() for cell in parsed):
        raise InputError(f"{source}: empty CSV file (expected a header line of channel names)")
    header = [cell.strip() for cell in parsed]
    if all(_is_number(cell) for cell in header):
        raise InputError(
            f"{source}: line 1 must be a header of channel names, found numbers "
            f"({', '.join(header[:4])}{' ...' if len(header) > 4 else ''})"
        )
    empty = [k + 1 for k, name in enumerate(header) if not name]
    if empty:
        raise InputError(f"{source}: line 1: column {empty[0]} has no name")
    if len(header) > MAX_CHANNELS + 1:
        raise InputError(
            f"{source}: {len(header)} columns; at most {MAX_CHANNELS} channels are read"
        )
    return header, delimiter


def _lines(
    f: Any, width: int, delimiter: str, source: str, number: int = 2
) -> Iterator[tuple[list[str] | np.ndarray, int]]:
    """(lines of text, the first one's line number), a block of bytes at a time. No line may be
    longer than `width` cells of MAX_CSV_CELL_CHARS can be: a 60 MB line would otherwise become
    millions of Python strings before anything could refuse it. A block of blank cells only
    (",,,\n" rows) comes as each line's count of delimiters instead (`_blank_cells`)."""
    longest = width * (MAX_CSV_CELL_CHARS + 3) + 2
    block = max(READ_BLOCK_BYTES, 2 * longest)
    rest = b""
    while True:
        chunk = f.read(block)
        data = rest + chunk
        if not data:
            return
        cut = len(data) if not chunk else data.rfind(b"\n") + 1
        if cut == 0:
            cut = data.rfind(b"\r", 0, len(data) - 1) + 1
        if cut == 0:
            if len(data) > longest:
                raise InputError(
                    f"{source}: line {number} is longer than {longest:,} characters (the header "
                    f"names {width} columns)"
                )
            rest = data
            continue
        piece, rest = data[:cut], data[cut:]
        if piece.isspace():  # blank lines only (50 MB of them: not 50 million empty rows)
            number += piece.count(b"\n") + piece.count(b"\r") - piece.count(b"\r\n")
            continue
        blank = _blank_cells(piece, delimiter)
        if blank is not None:
            yield blank, number
            number += len(blank)
            continue
        split = piece.splitlines()  # \n, \r\n and \r, in C
        if max(map(len, split), default=0) > longest:
            k = next(k for k, line in enumerate(split) if len(line) > longest)  # error path
            raise InputError(
                f"{source}: line {number + k} is longer than {longest:,} characters (the header "
                f"names {width} columns)"
            )
        try:
            text = b"\n".join(split).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}: not a text (UTF-8) CSV file ({exc.reason})") from None
        yield text.split("\n"), number
        number += len(split)


def _blank_cells(piece: bytes, delimiter: str) -> np.ndarray | None:
    """Each line's count of delimiters where a block holds nothing else (blank cells: missing
    samples), counted in numpy rather than parsed cell by cell (48 MB of them: 30 s); else None."""
    if piece.translate(None, b" \t\r\n" + delimiter.encode()):
        return None
    text = np.frombuffer(piece.replace(b"\r\n", b"\n").replace(b"\r", b"\n"), dtype=np.uint8)
    ends = np.flatnonzero(text == ord("\n"))
    line = np.searchsorted(ends, np.flatnonzero(text == ord(delimiter)))  # the line of each
    return np.bincount(line, minlength=len(ends) + (len(text) > 0 and text[-1] != ord("\n")))


def read_table(
    f: Any,
    header: list[str],
    delimiter: str,
    time_index: int | None,
    size: int,
    source: str,
    columns: list[int] | None = None,
    first_line: int = 2,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """(samples float32 (rows, channels), the time column float64 or None, each row's line
    number), parsed a block of lines at a time into arrays sized for the most rows `size` bytes
    can hold (a row takes at least a byte a column): pages never written are never resident, so
    memory follows the numbers, once, not Python's strings for them nor a join of blocks.

    columns: the columns that are samples (others, such as a formatted time, are never parsed);
    by default every column but the time column. first_line: the number of the file's line at
    `f` (after a header, 2). Also read by the OpenBCI and BrainFlow readers."""
    width = len(header)
    keep = columns if columns is not None else [k for k in range(width) if k != time_index]
    picked = keep + ([] if time_index is None else [time_index])  # the columns parsed
    capacity = size // width + 1
    samples = np.empty((capacity, len(keep)), dtype=np.float32)
    time = np.empty(capacity) if time_index is not None else None
    numbers = np.empty(capacity, dtype=np.int64)
    done = 0
    for lines, at_line in _lines(f, width, delimiter, source, first_line):
        if isinstance(lines, np.ndarray):  # blank cells only: rows of missing samples
            rows_at = np.flatnonzero(lines > 0)
            bad = rows_at[lines[rows_at] != width - 1]
            if bad.size:
                k = int(bad[0])
                raise InputError(
                    f"{source}: line {at_line + k} has {int(lines[k]) + 1} values but the "
                    f"header names {width} columns"
                )
            if done + rows_at.size > capacity:
                raise InputError(f"{source}: more rows than its bytes can hold")
            samples[done : done + rows_at.size] = np.nan
            if time is not None:
                time[done : done + rows_at.size] = np.nan
            numbers[done : done + rows_at.size] = at_line + rows_at
            done += rows_at.size
            continue
        rows = list(csv.reader(lines, delimiter=delimiter))  # csv's C parser splits the cells
        lengths = np.fromiter(map(len, rows), dtype=np.intp, count=len(rows))
        line_numbers = at_line + np.arange(len(rows))  # csv yields [] for a blank line
        body = np.flatnonzero(lengths > 0)
        ragged = body[lengths[body] != width]
        if ragged.size:
            k = int(ragged[0])
            raise InputError(
                f"{source}: line {int(line_numbers[k])} has {lengths[k]} values but the header "
                f"names {width} columns"
            )
        if not body.size:
            continue
        rows = [rows[k] for k in body] if body.size < len(rows) else rows
        if columns is not None:
            rows = [[row[k] for k in picked] for row in rows]
        _check_cells(rows, line_numbers[body], source)
        names = header if columns is None else [header[k] for k in picked]
        values = _numbers(rows, line_numbers[body], names, source)
        if done + len(values) > capacity:  # a quoted cell spanning lines: not a number anyway
            raise InputError(f"{source}: more rows than its bytes can hold (quoted line breaks?)")
        at = (keep, time_index) if columns is None else (list(range(len(keep))), len(keep))
        samples[done : done + len(values)] = values[:, at[0]]
        if time is not None:
            time[done : done + len(values)] = values[:, at[1]]
        numbers[done : done + len(values)] = line_numbers[body]
        done += len(values)
    if not done:
        raise InputError(f"{source}: no samples after the header line")
    return samples[:done], None if time is None else time[:done], numbers[:done]


def _check_cells(rows: list[list[str]], lines: np.ndarray, source: str) -> None:
    """No cell longer than a number can be (numpy would size every cell of a block by it)."""
    if max(map(len, itertools.chain.from_iterable(rows)), default=0) <= MAX_CSV_CELL_CHARS:
        return
    for r, row in enumerate(rows):  # only on the error path
        for c, cell in enumerate(row):
            if len(cell) > MAX_CSV_CELL_CHARS:
                raise InputError(
                    f"{source}: line {int(lines[r])}, column {c + 1}: a cell of {len(cell):,} "
                    f"characters (a number has at most {MAX_CSV_CELL_CHARS})"
                )


def _rate_from_time(time: np.ndarray, lines: np.ndarray, name: str, source: str) -> float:
    if time.size < 2:
        raise InputError(f"{source}: need at least 2 samples to get the rate from column {name!r}")
    if not np.isfinite(time).all():
        bad = int(np.flatnonzero(~np.isfinite(time))[0])
        raise InputError(f"{source}: line {int(lines[bad])}: the {name!r} column is empty or NaN")
    step = np.diff(time)
    if np.any(step <= 0):
        bad = int(np.flatnonzero(step <= 0)[0]) + 1
        raise InputError(
            f"{source}: line {int(lines[bad])}: the {name!r} column does not increase "
            f"({time[bad - 1]:g} then {time[bad]:g})"
        )
    dt = float(np.median(step))
    rate = 1.0 / dt
    span_rate = (len(time) - 1) / float(time[-1] - time[0])
    if abs(span_rate - rate) <= 0.01 * rate:  # regular steps: the whole span averages out the
        rate = span_rate  # rounding of each written time (1/512 s written as 0.00195 -> 512.8 Hz)
    if rate < MIN_RATE:
        raise InputError(
            f"{source}: the {name!r} column gives {rate:g} Hz; times must be in seconds "
            "(or pass the rate: rate= / --rate)"
        )
    nearest = round(rate)
    if abs(rate - nearest) <= 1e-3 * rate:  # 0.00390625 s steps written with rounding -> 256
        rate = float(nearest)
    return rate


def read_csv(path: PathLike, rate: float | None = None, unit: str | None = None) -> Recording:
    """A CSV file (header of channel names, one sample per line) as a Recording.

    unit: the unit of the values ("uV", "mV", "V"); CSV files do not say, so without it the
    unit is guessed from the amplitude later (`inference.io.formats.read_recording`), with a note.
    """
    source = str(path)
    check_regular(path, "CSV", MAX_RECORDING_BYTES)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            first = f.readline(MAX_TEXT_BYTES)
            try:
                header, delimiter = _header(first.decode("utf-8-sig"), source)
            except UnicodeDecodeError as exc:
                raise InputError(f"{source}: not a text (UTF-8) CSV file ({exc.reason})") from None
            lowered = [name.lower() for name in header]
            time_index = next((lowered.index(n) for n in TIME_COLUMNS if n in lowered), None)
            size = os.fstat(f.fileno()).st_size - f.tell()
            samples, time, lines = read_table(f, header, delimiter, time_index, size, source)
    except csv.Error as exc:
        raise InputError(f"{source}: not a readable CSV file ({exc})") from exc
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc})") from exc
    width = len(header)
    notes: list[str] = []
    if rate is not None:
        if not (isinstance(rate, int | float) and math.isfinite(rate) and rate > 0):
            raise InputError(f"{source}: the rate must be a positive number of Hz, got {rate}")
        rate = float(rate)
    elif time is not None and time_index is not None:
        rate = _rate_from_time(time, lines, header[time_index], source)
        notes.append(f"rate {rate:g} Hz from the {header[time_index]!r} column")
    else:
        raise InputError(
            f"{source}: no sampling rate: pass it (rate= / --rate) or add a time column named "
            f"{', '.join(TIME_COLUMNS)} (seconds)"
        )
    keep = [k for k in range(width) if k != time_index]
    if not keep:
        raise InputError(f"{source}: no channel columns besides the time column")
    if unit is not None:
        scale = microvolt_scale(unit)
        if scale is None:
            raise InputError(f"{source}: unit {unit!r} is not a voltage (uV, mV or V)")
        if scale != 1.0:
            samples *= scale
            notes.append(f"converted {unit} to microvolts")
    return Recording(
        samples, tuple(header[k] for k in keep), rate, source, format="CSV", notes=tuple(notes),
        unit_known=unit is not None, first_time_s=None if time is None else float(time[0]),
        details={"delimiter": delimiter},
    )  # fmt: skip
