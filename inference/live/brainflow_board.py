"""A BrainFlow board as a live source: any headset BrainFlow reads, without an LSL app between.

`BrainFlowSource("synthetic")`, `BrainFlowSource("playback", file="rec.csv")`, or a board by
BrainFlow's name or id with its connection parameters (`serial_port`, `mac_address`,
`ip_address`, `ip_port`, `serial_number`, `timeout`, `other_info`, `file`, `master_board`):
`BrainFlowSource("cyton", serial_port="/dev/ttyUSB0")`. Electrode names and the rate come from
BrainFlow's board description; BrainFlow gives EEG in microvolts. Opening a board (a serial port,
Bluetooth) can take seconds, so a background thread prepares the session and starts the stream;
`pull()` then takes what the board's ring buffer holds, without waiting.

BrainFlow is not bundled with the extension (its one wheel carries every platform's libraries,
31 MB; see the README); `import_brainflow` says how to install it.
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np

from ..errors import EvokeError, InputError
from .source import Pulled
from .stream_info import StreamDescription

BRAINFLOW = "brainflow"  # pinned in pyproject's `boards` extra
LOST_AFTER_S = 2.0
PARAMETERS = ("serial_port", "mac_address", "ip_address", "ip_port", "serial_number",
              "timeout", "other_info", "file", "master_board")  # fmt: skip
ALIASES = {"synthetic": "SYNTHETIC_BOARD", "playback": "PLAYBACK_FILE_BOARD"}
HELP = (
    "BrainFlow boards need the brainflow package: `pip install {package}` (in Blender: run "
    "Blender's own Python, `<blender>/<version>/python/bin/python3.* -m pip install {package}`)"
)
PKG_RESOURCES_HELP = (
    "BrainFlow finds its libraries through setuptools' pkg_resources on Python 3.11, and this "
    "Python has none (setuptools 82 removed it): `pip install 'setuptools<82'` beside brainflow"
)


def import_brainflow() -> ModuleType:
    """brainflow.board_shim, or EvokeError saying what to install."""
    try:
        from brainflow import board_shim
    except ImportError as exc:
        raise EvokeError(HELP.format(package=BRAINFLOW) + f" ({exc})") from None
    return board_shim


def board_id(board: str | int, shim: ModuleType) -> int:
    """BrainFlow's id of a board named as BrainFlow names it (any case, with or without
    _BOARD), by number, or by our aliases (synthetic, playback)."""
    if isinstance(board, int) or str(board).lstrip("-").isdigit():
        return int(board)
    key = ALIASES.get(str(board).strip().lower(), str(board).strip().upper().replace("-", "_"))
    ids = shim.BoardIds
    for name in (key, f"{key}_BOARD"):
        if name in ids.__members__:
            return int(ids[name].value)
    known = ", ".join(sorted(n.lower() for n in ids.__members__)[:12])
    raise InputError(f"BrainFlow has no board '{board}' (some it knows: {known}, ...)")


def _call(fn: Any, *args: Any) -> Any:
    """A BrainFlow call, with its one environment trap said in words (and pkg_resources' own
    deprecation warning kept off the console)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            return fn(*args)
    except ModuleNotFoundError as exc:
        if exc.name == "pkg_resources":
            raise EvokeError(PKG_RESOURCES_HELP) from None
        raise


def describe_board(
    board: str | int, name: str = "BrainFlow board"
) -> tuple[np.ndarray, int, StreamDescription]:
    """(EEG rows of the board's data, its timestamp row, a description: electrode names, rate,
    microvolts) from BrainFlow's board description; no session is opened."""
    shim = import_brainflow()
    ident = board_id(board, shim)
    board_shim = shim.BoardShim
    if ident == int(shim.BoardIds.PLAYBACK_FILE_BOARD.value):
        raise InputError(
            f"{name}: a playback board needs master_board (the board that recorded the file)"
        )
    try:
        rows = np.asarray(_call(board_shim.get_eeg_channels, ident), dtype=np.intp)
        rate = float(_call(board_shim.get_sampling_rate, ident))
        stamp_row = int(_call(board_shim.get_timestamp_channel, ident))
    except EvokeError:
        raise
    except Exception as exc:  # BrainFlowError: a board with no EEG
        raise InputError(f"{name}: BrainFlow describes no EEG for this board ({exc})") from None
    try:
        names = [n.strip() for n in _call(board_shim.get_eeg_names, ident)]
    except EvokeError:
        raise
    except Exception:  # boards whose electrodes BrainFlow does not name
        names = []
    if len(names) != len(rows):
        names = [f"Ch{k + 1}" for k in range(len(rows))]
    labels = tuple(names)
    return rows, stamp_row, StreamDescription(name, labels, ("microvolts",) * len(labels), rate)


class BrainFlowSource:
    """A BrainFlow board read without ever waiting (a `LiveSource`)."""

    def __init__(self, board: str | int, **parameters: Any) -> None:
        unknown = sorted(set(parameters) - set(PARAMETERS))
        if unknown:
            raise InputError(
                f"BrainFlow: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(PARAMETERS)}"
            )
        self.shim = import_brainflow()
        self.board_id = board_id(board, self.shim)
        self.name = f"BrainFlow {str(board).lower()}"
        self.error = ""
        self.description: StreamDescription | None = None
        params = self.shim.BrainFlowInputParams()
        for key, value in parameters.items():
            if key == "master_board" and value is not None:
                value = board_id(value, self.shim)
            if value is not None:
                setattr(params, key, value)
        playback = self.board_id == int(self.shim.BoardIds.PLAYBACK_FILE_BOARD.value)
        self._layout = describe_board(params.master_board if playback else self.board_id, self.name)
        _call(self.shim.BoardShim.disable_board_logger)
        self._board = self.shim.BoardShim(self.board_id, params)
        self._pending: dict[str, Any] = {}
        self._open = False
        self._last_sample = float("nan")
        self._lost = False
        self._thread = threading.Thread(target=self._start, daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            _call(self._board.prepare_session)
            _call(self._board.start_stream)
            self._pending["open"] = True
        except Exception as exc:  # reported by the caller's next `poll`
            self._pending["error"] = f"{self.name}: {type(exc).__name__}: {exc}"

    def poll(self) -> StreamDescription | None:
        if "error" in self._pending:
            self.error = self._pending.pop("error")
        if self._pending.pop("open", False):
            self._open = True
            self.description = self._layout[2]
        return self.description

    def pull(self) -> Pulled:
        if not self._open:
            return Pulled(None, None, False)
        rows, stamp_row, _ = self._layout
        data = self._board.get_board_data()  # everything in the ring buffer, which it empties
        if data.shape[1] == 0:
            if self.since_last_sample_s > LOST_AFTER_S:
                self._lost = True
            return Pulled(None, None, False)
        resumed, self._lost = self._lost, False
        self._last_sample = time.monotonic()
        samples = np.ascontiguousarray(data[rows].T, dtype=np.float32)
        return Pulled(samples, np.asarray(data[stamp_row], dtype=np.float64), resumed)

    @property
    def since_last_sample_s(self) -> float:
        if math.isnan(self._last_sample):
            return float("nan")
        return time.monotonic() - self._last_sample

    @property
    def lost(self) -> bool:
        return self._lost

    def local_clock(self) -> float:
        return time.time()  # BrainFlow stamps samples with Unix time

    def close(self) -> None:
        self._thread.join(timeout=10.0)
        try:
            if self._board.is_prepared():
                self._board.release_session()
        except Exception:  # closing must not fail: the board may already be gone
            pass
        self._open = False


def parse_source(spec: str) -> tuple[str, Mapping[str, str]]:
    """'brainflow:cyton,serial_port=/dev/ttyUSB0' -> ('cyton', {'serial_port': ...})."""
    body = spec.split(":", 1)[1] if ":" in spec else spec
    board, _, rest = body.partition(",")
    params: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"BrainFlow parameter {item!r}: write key=value")
        params[key.strip()] = value.strip()
    if not board.strip():
        raise InputError(f"{spec!r}: name a board, e.g. brainflow:synthetic")
    return board.strip(), params
