"""CSV files of EEG samples as Recordings.

Layout: the first line is a header of channel names; every following line is one sample, one
number per channel, in microvolts. The delimiter is the first of `,` `;` tab found in the header.
The rate is the `rate=` argument (`--rate`), or else it comes from a time column named `time`,
`timestamp` or `t` (any case; seconds): 1 / the median step. A time column is never a channel.
Empty cells and `nan` are missing samples (windows holding them are skipped downstream); any other
cell that is not a number is an error naming its line and column. Blank lines are ignored.
CSV carries no trial markers: `trials` is empty and the pipeline uses the first seconds as the
resting baseline.
"""

from __future__ import annotations

import csv
import itertools
import math
import os
from typing import Any

import numpy as np

from ..errors import InputError
from ..limits import MAX_CHANNELS, MAX_RECORDING_BYTES, MAX_TEXT_BYTES
from .recording import Recording
from .safe_files import check_regular
from .units import microvolt_scale

PathLike = str | os.PathLike[str]
TIME_COLUMNS = ("time", "timestamp", "t")
DELIMITERS = (",", ";", "\t")
MIN_RATE = 8.0  # below this, a time column is almost surely not in seconds
_BLOCK_ROWS = 8192  # rows parsed at a time


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _numbers(
    rows: list[list[str]], lines: np.ndarray, header: list[str], source: str
) -> np.ndarray:
    """(rows, columns) floats; the first bad cell is named by line and column on failure."""
    cells = np.array(rows, dtype=str)
    cells = np.char.strip(cells)
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


def _body(reader: Any, header: list[str], source: str) -> tuple[np.ndarray, np.ndarray]:
    """(samples, columns) floats and each row's line number, parsed a block of rows at a time so
    that memory follows the numbers, not Python's strings for them."""
    width = len(header)
    blocks: list[np.ndarray] = []
    line_blocks: list[np.ndarray] = []
    first_line = 2
    while True:
        rows = list(itertools.islice(reader, _BLOCK_ROWS))  # csv's C parser splits the lines
        if not rows:
            break
        lengths = np.fromiter(map(len, rows), dtype=np.intp, count=len(rows))
        line_numbers = first_line + np.arange(len(rows))  # csv yields [] for a blank line
        first_line += len(rows)
        body = np.flatnonzero(lengths > 0)
        ragged = body[lengths[body] != width]
        if ragged.size:
            k = int(ragged[0])
            raise InputError(
                f"{source}: line {int(line_numbers[k])} has {lengths[k]} values but the header "
                f"names {width} columns"
            )
        if body.size:
            blocks.append(_numbers([rows[k] for k in body], line_numbers[body], header, source))
            line_blocks.append(line_numbers[body])
    if not blocks:
        raise InputError(f"{source}: no samples after the header line")
    return np.concatenate(blocks), np.concatenate(line_blocks)


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
    unit is guessed from the amplitude later (`inference.readers`), with a note.
    """
    source = str(path)
    check_regular(path, "CSV", MAX_RECORDING_BYTES)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, encoding="utf-8-sig", newline="") as f:
            header, delimiter = _header(f.readline(MAX_TEXT_BYTES), source)
            values, lines = _body(csv.reader(f, delimiter=delimiter), header, source)
    except UnicodeDecodeError as exc:
        raise InputError(f"{source}: not a text (UTF-8) CSV file ({exc.reason})") from exc
    except csv.Error as exc:
        raise InputError(f"{source}: not a readable CSV file ({exc})") from exc
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc})") from exc
    width = len(header)
    lowered = [name.lower() for name in header]
    time_index = next((lowered.index(n) for n in TIME_COLUMNS if n in lowered), None)
    notes: list[str] = []
    if rate is not None:
        if not (isinstance(rate, int | float) and math.isfinite(rate) and rate > 0):
            raise InputError(f"{source}: the rate must be a positive number of Hz, got {rate}")
        rate = float(rate)
    elif time_index is not None:
        rate = _rate_from_time(values[:, time_index], lines, header[time_index], source)
        notes.append(f"rate {rate:g} Hz from the {header[time_index]!r} column")
    else:
        raise InputError(
            f"{source}: no sampling rate: pass it (rate= / --rate) or add a time column named "
            f"{', '.join(TIME_COLUMNS)} (seconds)"
        )
    keep = [k for k in range(width) if k != time_index]
    if not keep:
        raise InputError(f"{source}: no channel columns besides the time column")
    samples = np.ascontiguousarray(values[:, keep])
    if unit is not None:
        scale = microvolt_scale(unit)
        if scale is None:
            raise InputError(f"{source}: unit {unit!r} is not a voltage (uV, mV or V)")
        if scale != 1.0:
            samples *= scale
            notes.append(f"converted {unit} to microvolts")
    meta: dict[str, object] = {
        "format": "CSV",
        "notes": notes,
        "delimiter": delimiter,
        "unit": "uV" if unit is not None else None,
    }
    if time_index is not None:
        meta["first_time_s"] = float(values[0, time_index])
    return Recording(samples, tuple(header[k] for k in keep), rate, source, (), meta)
