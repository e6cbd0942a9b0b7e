"""Replay a recording as a Lab Streaming Layer (LSL) EEG outlet, paced by the clock.

The player of the MNE-LSL shape (a plain class; `scripts/evoke.py stream_lsl` is its command line).
DEAP trials play as baseline + trial; other recordings whole. Samples go out in chunks with one
LSL time stamp per sample at the recording's rate times `speed`; the stream description carries
desc/channels/channel/{label, unit, type}, units in microvolts as the Recording holds them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from types import FrameType, ModuleType
from typing import Any

import numpy as np

from ..dsp.electrodes import canonical_name
from ..io.recording import Recording
from .lsl import import_pylsl


def playback_samples(rec: Recording) -> np.ndarray:
    """What to play: each trial's baseline + trial (DEAP), or the whole recording."""
    if not rec.trials:
        return np.ascontiguousarray(rec.samples, dtype=np.float32)
    parts = [rec.samples[t.onset - round(t.baseline_s * rec.rate) : t.stop] for t in rec.trials]
    return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)


def channel_kind(label: str) -> tuple[str, str]:
    """(type, unit) of one channel for the stream description."""
    if canonical_name(label) is not None:
        return "EEG", "microvolts"
    upper = label.upper()
    for key, kind in (("EOG", "EOG"), ("EMG", "EMG"), ("GSR", "GSR"), ("RESP", "RESP")):
        if key in upper:
            return kind, "microvolts" if kind in ("EOG", "EMG") else "unknown"
    return "MISC", "unknown"


def make_info(
    pylsl: ModuleType,
    name: str,
    kind: str,
    labels: Sequence[str],
    rate: float,
    source_id: str,
    origin: str,
) -> Any:
    info = pylsl.StreamInfo(name, kind, len(labels), rate, pylsl.cf_float32, source_id)
    desc = info.desc()
    channels = desc.append_child("channels")
    for label in labels:
        ch_type, unit = channel_kind(label)
        channel = channels.append_child("channel")
        channel.append_child_value("label", label)
        channel.append_child_value("unit", unit)
        channel.append_child_value("type", ch_type)
    desc.append_child("acquisition").append_child_value("manufacturer", "EVOKE replay")
    desc.append_child_value("source_file", origin)
    return info


class Stop:
    """Set by SIGTERM/SIGINT handlers; the playback loop checks it between chunks."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True


def play(
    push: Callable[[np.ndarray, np.ndarray], None],
    samples: np.ndarray,
    rate: float,
    *,
    chunk: int = 8,
    speed: float = 1.0,
    loop: bool = False,
    max_seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    stamp_clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    stop: Stop | None = None,
) -> int:
    """Push `samples` in chunks paced by `clock`; returns the number of samples sent.

    Sample k (counting across loops) is due at start + k / (rate * speed) and carries that
    time (on `stamp_clock`, LSL's local_clock) as its time stamp.
    """
    n = samples.shape[0]
    step = 1.0 / (rate * speed)
    start = clock()
    stamp0 = (stamp_clock or clock)()
    sent = 0
    total = None if loop else n
    while total is None or sent < total:
        if stop is not None and stop.requested:
            break
        now = clock() - start
        if max_seconds is not None and now >= max_seconds:
            break
        due = min(int(now / step) + 1, total) if total is not None else int(now / step) + 1
        while due - sent >= chunk or (total is not None and due == total and sent < total):
            count = min(chunk, due - sent)
            idx = (sent + np.arange(count)) % n
            push(samples[idx], stamp0 + (sent + np.arange(count)) * step)
            sent += count
        wait = (sent + chunk - 1) * step - (clock() - start)
        sleep(min(max(wait, 0.0), 0.05))  # short naps: signals and --max-seconds act quickly
    return sent


def pusher(outlet: Any) -> Callable[[np.ndarray, np.ndarray], None]:
    """push(chunk, stamps): one LSL chunk with a time stamp per sample."""

    def push(chunk: np.ndarray, stamps: np.ndarray) -> None:
        outlet.push_chunk(chunk, stamps.tolist())

    return push


class Player:
    """A recording replayed as an LSL outlet in a background thread: `start()`, then `stop()`."""

    def __init__(self, recording: Recording, name: str, *, stream_type: str = "EEG",
                 source_id: str | None = None, chunk: int = 8, speed: float = 1.0,
                 loop: bool = False, max_seconds: float | None = None) -> None:  # fmt: skip
        if not speed > 0 or chunk < 1:
            raise ValueError("speed must be > 0 and chunk >= 1")
        self.pylsl = import_pylsl()
        self.recording, self.name = recording, name
        self.source_id = source_id or f"evoke-replay-{name}"
        self.chunk, self.speed, self.loop, self.max_seconds = chunk, speed, loop, max_seconds
        self.samples = playback_samples(recording)
        info = make_info(self.pylsl, name, stream_type, recording.channels, recording.rate,
                         self.source_id, recording.source)  # fmt: skip
        self.outlet: Any = self.pylsl.StreamOutlet(info, chunk_size=chunk, max_buffered=360)
        self.stopper = Stop()
        self.sent = 0
        self._thread: threading.Thread | None = None

    def run(self) -> int:
        """Play in this thread until the end (unless looping), `max_seconds` or `stop()`."""
        self.sent = play(pusher(self.outlet), self.samples, self.recording.rate, chunk=self.chunk,
                         speed=self.speed, loop=self.loop, max_seconds=self.max_seconds,
                         stamp_clock=self.pylsl.local_clock, stop=self.stopper)  # fmt: skip
        return self.sent

    def start(self) -> Player:
        self._thread = threading.Thread(target=self.run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopper.requested = True
        if self._thread is not None:
            self._thread.join(5)
        self.outlet = None  # the stream ends for its inlets

    @property
    def seconds(self) -> float:
        return self.samples.shape[0] / self.recording.rate
