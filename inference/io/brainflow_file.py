"""BrainFlow recordings (`DataFilter.write_file`: BFiVRC's and the OpenBCI GUI's BrainFlow
files) as Recordings.

One line per sample, tab-separated columns in the board's row layout, no header
(`brainflow_boards`): the board a user names, or the common board with the file's column count,
says which columns are EEG (in microvolts, BrainFlow's unit) and which is the time stamp. The
rate is the time stamps' (over their span) where it is within 5 % of the board's nominal rate,
the nominal rate where the stamps say nothing, and else the stamps' with a note (a board run at
another rate). Channels are numbered as BrainFlow numbers EEG rows ("EXG Channel 0.."): a
board's fixed electrodes name them (Muse, Unicorn), or the board's default placement is assumed
(`Recording.assumed_montage`, said in a note). Values in the marker column (BrainFlow's
`insert_marker`) become markers. Read like a CSV file, a block at a time (`csv_file.read_table`),
only the EEG, time and marker columns parsed.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InputError
from ..limits import MAX_MARKERS, MAX_RECORDING_BYTES, MAX_TEXT_BYTES
from .brainflow_boards import board_layout
from .csv_file import read_table
from .recording import Marker, Recording
from .safe_files import check_regular

PathLike = str | os.PathLike[str]
RATE_TOLERANCE = 0.05  # measured vs nominal rate: jitter of packet time stamps stays within


def looks_like_brainflow(head: bytes) -> bool:
    """The file's first bytes: a first line of tab-separated numbers (BrainFlow's layout)."""
    line = head.split(b"\n", 1)[0].strip()
    cells = line.split(b"\t")
    if len(cells) < 2:
        return False
    try:
        [float(c) for c in cells]
    except ValueError:
        return False
    return True


def read_brainflow(path: PathLike, board: str | int | None = None) -> Recording:
    """A BrainFlow recording as a Recording of its EEG columns (see the module notes)."""
    source = str(path)
    size = check_regular(path, "BrainFlow", MAX_RECORDING_BYTES)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        first = f.readline(MAX_TEXT_BYTES)
        if not looks_like_brainflow(first):
            raise InputError(
                f"{source}: not a BrainFlow recording (its first line is not tab-separated numbers)"
            )
        columns = first.count(b"\t") + 1
        layout = board_layout(board, columns, source)
        f.seek(0)
        header = [f"column {k + 1}" for k in range(columns)]
        eeg = list(layout.eeg)
        marked = layout.marker < columns
        picked = [*eeg, layout.marker] if marked else eeg  # the marker column comes last
        table, time, _ = read_table(f, header, "\t", layout.timestamp, size, source, picked, 1)
    samples = table[:, : len(eeg)] if marked else table
    markers = _markers(table[:, -1]) if marked else ()
    how = "as named" if board is not None else f"assumed from its {columns} columns"
    notes = [f"BrainFlow file read as {layout.title} (board {layout.board_id}, {how})"]
    rate = _rate(time, layout.rate, notes)
    labels = layout.labels or tuple(f"EXG Channel {k}" for k in range(len(eeg)))
    return Recording(
        samples, labels, rate, source, (), markers, format="BrainFlow", notes=tuple(notes),
        unit_known=True,
        first_time_s=float(time[0]) if time is not None and np.isfinite(time[0]) else None,
        assumed_montage=layout.montage,
        details={"board": layout.title, "board_id": layout.board_id},
    )  # fmt: skip


def _markers(column: np.ndarray) -> tuple[Marker, ...]:
    """BrainFlow's marker column: a marker wherever it holds a value other than 0."""
    at = np.flatnonzero(np.nan_to_num(column) != 0)[:MAX_MARKERS]
    return tuple(Marker(int(k), f"marker {float(column[k]):g}") for k in at)


def _rate(time: np.ndarray | None, nominal: float, notes: list[str]) -> float:
    """The stamps' rate within RATE_TOLERANCE of the nominal: the nominal; beyond: the stamps'."""
    finite = time[np.isfinite(time)] if time is not None else np.zeros(0)
    span = float(finite[-1] - finite[0]) if finite.size > 1 else 0.0
    if span <= 0 or not np.all(np.diff(finite) >= 0):
        notes.append(f"no usable time stamps: the board's nominal {nominal:g} Hz is used")
        return nominal
    measured = (finite.size - 1) / span
    if abs(measured - nominal) <= RATE_TOLERANCE * nominal:
        return nominal
    notes.append(
        f"the time stamps give {measured:.1f} Hz, not the board's nominal {nominal:g} Hz: "
        "using the stamps' rate"
    )
    return measured
