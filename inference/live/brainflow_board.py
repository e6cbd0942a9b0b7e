"""A BrainFlow board as a live source: any headset BrainFlow reads, without an LSL app between.

`BrainFlowSource("synthetic")`, `BrainFlowSource("playback", file="rec.csv")`, or a board by
BrainFlow's name or id with any field of BrainFlow's `BrainFlowInputParams` (`PARAMETERS`: each
checked, with one line naming it when it is wrong):
`BrainFlowSource("cyton", serial_port="/dev/ttyUSB0")`. A playback file is checked as a recording
is (a regular file, bounded, BrainFlow's text of numbers) before BrainFlow reads it. A board that
stops sending is released and reopened with a growing wait (1, 2, 4 ... 30 s), saying so
(`note`), as BrainFlowsIntoVRChat retries. Electrode names and the rate come from
BrainFlow's board description; BrainFlow gives EEG in microvolts. Opening a board (a serial port,
Bluetooth) can take seconds, so a background thread prepares the session and starts the stream;
`pull()` then takes what the board's ring buffer holds, without waiting.

BrainFlow is not bundled with the extension (its one wheel carries every platform's libraries,
31 MB; see the README); `import_brainflow` says how to install it.
"""

from __future__ import annotations

import math
import os
import stat
import threading
import time
import warnings
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np

from ..errors import EvokeError, InputError
from ..io.safe_files import check_regular
from ..limits import MAX_RECORDING_BYTES
from .source import Pulled
from .stream_info import StreamDescription

BRAINFLOW = "brainflow"  # pinned in pyproject's `boards` extra
LOST_AFTER_S = 2.0
RETRY_S = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)  # waits before each reopening of a board that dropped
# BrainFlowInputParams' fields: what each takes (text, a whole number in a range, a board, a file)
TEXT, BOARD, FILE = "text", "board", "file"
PARAMETERS: dict[str, str | tuple[int, int]] = {
    "serial_port": TEXT, "mac_address": TEXT, "ip_address": TEXT, "ip_address_aux": TEXT,
    "ip_address_anc": TEXT, "ip_port": (0, 65535), "ip_port_aux": (0, 65535),
    "ip_port_anc": (0, 65535), "ip_protocol": (0, 2), "other_info": TEXT, "timeout": (0, 3600),
    "serial_number": TEXT, "file": FILE, "file_aux": FILE, "file_anc": FILE, "master_board": BOARD,
}  # fmt: skip
IP_PROTOCOLS = {"none": 0, "udp": 1, "tcp": 2}
ALIASES = {"synthetic": "SYNTHETIC_BOARD", "playback": "PLAYBACK_FILE_BOARD"}
# the boards users have, named first in messages (BrainFlow knows 60+)
COMMON_BOARDS = ("synthetic", "cyton", "cyton_daisy", "ganglion", "muse_2", "muse_s",
                 "muse_2016", "unicorn", "brainbit", "notion_2", "crown", "enophone", "playback")  # fmt: skip
MAX_FIRST_LINE = 64 * 1024  # a BrainFlow text file's first line: a few hundred characters
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
    ids = shim.BoardIds
    text = str(board).strip()
    if isinstance(board, int) or (text.lstrip("-").isdigit() and len(text) < 6):
        if int(text) in {int(m.value) for m in ids}:
            return int(text)
    else:
        key = ALIASES.get(text.lower(), text.upper().replace("-", "_"))
        for name in (key, f"{key}_BOARD"):
            if name in ids.__members__:
                return int(ids[name].value)
    raise InputError(
        f"BrainFlow has no board {text!r}: common ones are {', '.join(COMMON_BOARDS)}; any "
        "name or number of BrainFlow's BoardIds works (its Supported Boards page)"
    )


def input_params(parameters: Mapping[str, Any], shim: ModuleType) -> Any:
    """BrainFlowInputParams from key=value settings, each checked with a line naming it."""
    unknown = sorted(set(parameters) - set(PARAMETERS))
    if unknown:
        raise InputError(
            f"BrainFlow: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(PARAMETERS)}"
        )
    params = shim.BrainFlowInputParams()
    for key, value in parameters.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        kind = PARAMETERS[key]
        if kind == BOARD:
            value = board_id(value, shim)
        elif kind == FILE:
            value = check_brainflow_file(str(value), key)
        elif isinstance(kind, tuple):
            value = _whole_number(key, value, kind)
        else:
            value = str(value)
            if not value.isprintable():
                raise InputError(f"BrainFlow {key} {value!r}: control characters are not allowed")
        setattr(params, key, value)
    return params


def _whole_number(key: str, value: Any, bounds: tuple[int, int]) -> int:
    text = str(value).strip()
    if key == "ip_protocol" and text.lower() in IP_PROTOCOLS:
        return IP_PROTOCOLS[text.lower()]
    low, high = bounds
    if not (text.isdigit() and len(text) <= 6 and low <= int(text) <= high):
        extra = " (or none, udp, tcp)" if key == "ip_protocol" else ""
        raise InputError(f"BrainFlow {key} {text!r}: give a whole number {low}-{high}{extra}")
    return int(text)


def check_brainflow_file(path: str, key: str = "file") -> str:
    """A file for BrainFlow's playback board, checked as a recording is: a regular file of at
    most the recording budget whose first line is BrainFlow's row of numbers (DataFilter's
    text). BrainFlow itself would read /dev/zero for ever and wait on a FIFO."""
    what = "BrainFlow recording"
    check_regular(path, what, MAX_RECORDING_BYTES)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise InputError(f"{path}: not a regular file, so not a {what}")
            head = f.read(MAX_FIRST_LINE)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    line = head.split(b"\n", 1)[0].strip()
    cells = [c for c in line.replace(b",", b"\t").split(b"\t") if c.strip()]
    try:
        numbers = [float(c) for c in cells]
    except ValueError:
        numbers = []
    if not numbers or not np.isfinite(np.array(numbers)).any():
        raise InputError(
            f"{path}: not a {what} (BrainFlow's DataFilter text: one row of numbers a sample); "
            f"its {key} starts {head[:40]!r}"
        )
    return path


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


def battery_row(board: int, shim: ModuleType) -> int | None:
    """The row of the board's battery readings, where BrainFlow describes one (as BFiVRC reads
    it: `battery_channel` in the board description)."""
    try:
        described = _call(shim.BoardShim.get_board_descr, board)
    except EvokeError:
        raise
    except Exception:  # a board BrainFlow describes without it
        return None
    row = described.get("battery_channel") if isinstance(described, dict) else None
    return int(row) if isinstance(row, int) else None


class BrainFlowSource:
    """A BrainFlow board read without ever waiting (a `LiveSource`)."""

    def __init__(self, board: str | int, **parameters: Any) -> None:
        self.shim = import_brainflow()
        self.board_id = board_id(board, self.shim)
        self.name = f"BrainFlow {str(board).lower()}"
        self.error = ""
        self.note = ""  # what the source is doing about a dropout, in words
        self.description: StreamDescription | None = None
        params = input_params(parameters, self.shim)
        playback = self.board_id == int(self.shim.BoardIds.PLAYBACK_FILE_BOARD.value)
        if playback and not params.file:
            raise InputError(f"{self.name}: a playback board needs file=, the recording to play")
        described = params.master_board if playback else self.board_id
        self._layout = describe_board(described, self.name)
        self._battery_row = battery_row(described, self.shim)
        _call(self.shim.BoardShim.disable_board_logger)
        self._params = params
        self._board = self.shim.BoardShim(self.board_id, params)
        self._pending: dict[str, Any] = {}
        self._open = False
        self._last_sample = float("nan")
        self._lost = False
        self._retries = 0
        self._retry_at = math.inf  # when the next reopening starts (time.monotonic)
        self._closed = False
        self._thread = threading.Thread(target=self._start, daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            _call(self._board.prepare_session)
            _call(self._board.start_stream)
            self._pending["open"] = True
        except Exception as exc:  # reported by the caller's next `poll`
            self._pending["error"] = f"{self.name}: {type(exc).__name__}: {exc}"

    def _reopen(self) -> None:
        """Background: release the board that dropped and open it again."""
        try:
            if self._board.is_prepared():
                self._board.release_session()
        except Exception:  # the board may be gone already
            pass
        try:
            _call(self._board.prepare_session)
            _call(self._board.start_stream)
            self._pending["reopened"] = True
        except Exception as exc:
            self._pending["retry_failed"] = f"{type(exc).__name__}: {exc}"

    def _schedule_retry(self, reason: str) -> None:
        wait = RETRY_S[min(self._retries, len(RETRY_S) - 1)]
        self._retry_at = time.monotonic() + wait
        self._retries += 1
        self.note = f"{self.name} {reason}: reopening it in {wait:g} s (attempt {self._retries})"

    def _reconnect(self) -> None:
        """Main thread, while lost: start a reopening when due, take its result when done."""
        if "reopened" in self._pending:
            self._pending.pop("reopened")
            self.note, self._retry_at = (
                f"{self.name} reopened after {self._retries} attempt(s)",
                math.inf,
            )
            self._last_sample = time.monotonic()  # give it LOST_AFTER_S to send
            return
        if "retry_failed" in self._pending:
            self._schedule_retry(f"could not reopen ({self._pending.pop('retry_failed')})")
        if time.monotonic() >= self._retry_at and not self._thread.is_alive() and not self._closed:
            self._retry_at = math.inf
            self.note = f"{self.name}: reopening (attempt {self._retries})"
            self._thread = threading.Thread(target=self._reopen, daemon=True)
            self._thread.start()

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
        if self._lost:
            self._reconnect()
            if self._thread.is_alive():  # a reopening is under way: leave the board to it
                return Pulled(None, None, False)
        try:
            data = self._board.get_board_data()  # everything in the ring buffer, which it empties
        except Exception:  # the board was released, or a reopening is under way
            data = np.zeros((0, 0))
        if data.ndim != 2 or data.shape[1] == 0:
            if self.since_last_sample_s > LOST_AFTER_S and not self._lost:
                self._lost = True
                self._schedule_retry(f"sent nothing for {LOST_AFTER_S:g} s")
            return Pulled(None, None, False)
        resumed, self._lost = self._lost, False
        if resumed:
            self._retries, self._retry_at = 0, math.inf
        self._last_sample = time.monotonic()
        samples = np.ascontiguousarray(data[rows].T, dtype=np.float32)
        battery = None if self._battery_row is None else float(data[self._battery_row, -1])
        return Pulled(samples, np.asarray(data[stamp_row], dtype=np.float64), resumed, battery)

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
        self._closed = True
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
