"""Where the EEG sits in a BrainFlow recording, board by board, without BrainFlow installed.

`DataFilter.write_file` writes a board's whole data array transposed: one line per sample, one
tab-separated column per row of the board's layout (package number, EEG, accelerometer, ...,
time stamp, marker), and no header. So the columns say nothing of themselves: the board gives
the layout. The common boards are listed here (from BrainFlow 5's `get_board_descr`, checked
against it in the tests); any other board id is asked of BrainFlow when it is installed.
Without a board, the column count picks the common board with that many (32 columns: Cyton +
Daisy rather than the synthetic board) and the reader says which it assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError


@dataclass(frozen=True)
class BoardLayout:
    """A board's columns (BrainFlow's rows) as a written file holds them."""

    board_id: int
    title: str
    columns: int  # BrainFlow's num_rows: columns of a written file
    rate: float  # nominal sampling rate, Hz
    eeg: tuple[int, ...]  # the EEG columns (0-based)
    timestamp: int  # the time stamp column (seconds since the epoch); the marker column follows
    labels: tuple[str, ...] = ()  # the electrodes where the board fixes them (a cap, a headband)
    montage: str = ""  # else the montage preset of its default placement (inference.dsp.montages)

    @property
    def marker(self) -> int:
        """The marker column (`insert_marker` values; 0 where none): BrainFlow puts it right
        after the time stamp on every board here (checked in the tests)."""
        return self.timestamp + 1


_EEG8, _EEG16 = tuple(range(1, 9)), tuple(range(1, 17))
_MUSE = ("TP9", "AF7", "AF8", "TP10")
_UNICORN = ("Fz", "C3", "Cz", "C4", "Pz", "PO7", "Oz", "PO8")
_SYNTHETIC = ("Fz", "C3", "Cz", "C4", "Pz", "PO7", "Oz", "PO8", "F5", "F7", "F3", "F1", "F2",
              "F4", "F6", "F8")  # fmt: skip
BOARDS: dict[int, BoardLayout] = {
    b.board_id: b
    for b in (
        BoardLayout(0, "OpenBCI Cyton", 24, 250.0, _EEG8, 22, montage="openbci-cyton"),
        BoardLayout(
            2, "OpenBCI Cyton + Daisy", 32, 125.0, _EEG16, 30, montage="openbci-cyton-daisy"
        ),
        BoardLayout(1, "OpenBCI Ganglion", 15, 200.0, (1, 2, 3, 4), 13),
        BoardLayout(5, "OpenBCI Cyton (WiFi)", 24, 1000.0, _EEG8, 22, montage="openbci-cyton"),
        BoardLayout(
            6, "OpenBCI Cyton + Daisy (WiFi)", 32, 1000.0, _EEG16, 30, montage="openbci-cyton-daisy"
        ),
        BoardLayout(4, "OpenBCI Ganglion (WiFi)", 25, 1600.0, (1, 2, 3, 4), 23),
        BoardLayout(38, "Muse 2", 8, 256.0, (1, 2, 3, 4), 6, _MUSE),
        BoardLayout(39, "Muse S", 8, 256.0, (1, 2, 3, 4), 6, _MUSE),
        BoardLayout(41, "Muse 2016", 7, 256.0, (1, 2, 3, 4), 5, _MUSE),
        BoardLayout(8, "g.tec Unicorn", 19, 250.0, tuple(range(8)), 17, _UNICORN),
        BoardLayout(-1, "BrainFlow synthetic board", 32, 250.0, _EEG16, 30, _SYNTHETIC),
    )  # fmt: skip
}
# Without a board id: the common board with a file's column count.
BY_COLUMNS = {24: 0, 32: 2, 15: 1, 25: 4, 8: 38, 7: 41, 19: 8}
BOARD_NAMES = {"cyton": 0, "cyton-daisy": 2, "ganglion": 1, "cyton-wifi": 5,
               "cyton-daisy-wifi": 6, "ganglion-wifi": 4, "muse-2": 38, "muse-s": 39,
               "muse-2016": 41, "unicorn": 8, "synthetic": -1}  # fmt: skip


def board_layout(board: str | int | None, columns: int, source: str) -> BoardLayout:
    """The layout of the board a user names (id or name), else the common one with `columns`."""
    if board is None:
        if columns not in BY_COLUMNS:
            raise InputError(
                f"{source}: {columns} columns match no common BrainFlow board; name the board "
                f"(board id or one of {', '.join(BOARD_NAMES)})"
            )
        return BOARDS[BY_COLUMNS[columns]]
    key = str(board).strip().lower()
    if key in BOARD_NAMES:
        layout = BOARDS[BOARD_NAMES[key]]
    elif key.lstrip("-").isdigit() and len(key) < 6:
        layout = BOARDS.get(int(key)) or _from_brainflow(int(key), source)
    else:
        raise InputError(
            f"{source}: board {str(board)[:40]!r} is neither a BrainFlow board id nor one of "
            f"{', '.join(BOARD_NAMES)}"
        )
    if layout.columns != columns:
        raise InputError(
            f"{source}: {layout.title} recordings have {layout.columns} columns, this file "
            f"{columns}: another board?"
        )
    return layout


def _from_brainflow(board_id: int, source: str) -> BoardLayout:
    """A board this table does not list, as BrainFlow describes it (when it is installed)."""
    try:
        from brainflow.board_shim import BoardShim
    except ImportError:
        raise InputError(
            f"{source}: board {board_id} is not among the common boards ({', '.join(BOARD_NAMES)}"
            "); reading its layout needs BrainFlow (pip install brainflow)"
        ) from None
    try:
        d = BoardShim.get_board_descr(board_id)
        return BoardLayout(board_id, str(d.get("name", board_id)), int(d["num_rows"]),
                           float(d["sampling_rate"]), tuple(int(k) for k in d["eeg_channels"]),
                           int(d["timestamp_channel"]))  # fmt: skip
    except Exception as exc:  # BrainFlowError for an unknown id, KeyError for a board without EEG
        raise InputError(f"{source}: BrainFlow has no EEG board {board_id} ({exc})") from None
