"""An LSL stream read without ever waiting: for Blender's main thread, and any other loop.

The MNE-LSL shape: the stream (this), the transport-free processor (`processor.py`) and the
replay player (`player.py`) are separate plain classes. Resolving a stream by name can take
seconds, so a background thread finds it and opens the inlet (recover=True: when an outlet with
the same source id returns, the inlet reconnects by itself); `pull()` then takes what has arrived
with timeout 0. Only numbers cross threads; the caller owns everything else.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import numpy as np

from ..limits import LIVE_CLOCK_SKEW_S, LIVE_PULL_S, MAX_CHANNELS
from .lsl import import_pylsl
from .source import Pulled
from .stream_info import StreamDescription, describe_stream

LOST_AFTER_S = 2.0  # no sample for this long: the stream is lost
RESOLVE_STEP_S = 2.0  # while looking for a stream without a time limit: one search this long
MAX_CHUNK = 4096  # samples pulled at most per call, at least (LIVE_PULL_S of samples at most)


class LSLStream:
    """A named LSL stream (a `LiveSource`): found in the background, then `pull()`ed without
    blocking."""

    def __init__(self, name: str, *, resolve_timeout_s: float | None = None) -> None:
        """resolve_timeout_s: give up when no stream of that name appears within it; None (the
        default) keeps looking until one does or the stream is closed: a user may well press
        Connect before starting the sender."""
        self.pylsl = import_pylsl()
        self.name = name
        self.description: StreamDescription | None = None
        self.error = ""
        self.notice = ""  # what the stream does wrong that is worked around (behind, clock)
        self._max_chunk = MAX_CHUNK
        self._previous_stamp = -math.inf
        self._inlet: Any = None
        self._pending: dict[str, Any] = {}
        self._last_sample = float("nan")
        self._lost = False
        self._closed = threading.Event()
        self._thread = threading.Thread(
            target=self._resolve, args=(resolve_timeout_s,), daemon=True
        )
        self._thread.start()

    def _resolve(self, timeout: float | None) -> None:
        try:
            found = self._find(timeout)
            if not found:
                if not self._closed.is_set():
                    self._pending["error"] = (
                        f"no LSL stream named '{self.name}' found within {timeout:g} s"
                    )
                return
            rate, count = float(found[0].nominal_srate()), int(found[0].channel_count())
            if not found[0].name() or found[0].channel_format() == 0:  # cf_undefined: an inlet
                # would fail ("could not create stream inlet")
                self._pending["error"] = (
                    f"stream '{self.name}' was found, but its description is empty (a sender "
                    "declaring a sampling rate of NaN sends none); the sender must declare a "
                    "fixed, positive rate"
                )
                return
            if count < 1 or not (math.isfinite(rate) and rate >= 0):
                self._pending["error"] = (
                    f"stream '{self.name}' has {count} channels at {rate:g} Hz; EEG needs "
                    f"1-{MAX_CHANNELS:,} channels at a fixed, positive rate"
                )
                return
            inlet = self.pylsl.StreamInlet(found[0], max_buflen=30, recover=True)
            self._pending["inlet"] = (inlet, inlet.info(timeout=timeout or RESOLVE_STEP_S * 5))
        except Exception as exc:  # reported by the caller's next `poll`
            self._pending["error"] = f"{type(exc).__name__}: {exc}"

    def _find(self, timeout: float | None) -> list[Any]:
        """The streams of that name: within `timeout`, or (None) looking in short steps until one
        appears or the stream is closed."""
        if timeout is not None:
            return list(self.pylsl.resolve_byprop("name", self.name, minimum=1, timeout=timeout))
        while not self._closed.is_set():
            found = self.pylsl.resolve_byprop("name", self.name, minimum=1, timeout=RESOLVE_STEP_S)
            if found:
                return list(found)
        return []

    def poll(self) -> StreamDescription | None:
        """Take over what the resolver found; the description once the inlet is open.

        Raises InputError for a stream EEG cannot use (no fixed rate, an implausible rate).
        """
        if "error" in self._pending:
            self.error = self._pending.pop("error")
        if "inlet" in self._pending:
            inlet, info = self._pending.pop("inlet")
            self.description = describe_stream(info)
            self._max_chunk = max(MAX_CHUNK, math.ceil(self.description.rate * LIVE_PULL_S))
            self._inlet = inlet
        return self.description

    def pull(self) -> Pulled:
        """What has arrived since the last call; never waits."""
        if self._inlet is None:
            return Pulled(None, None, False)
        chunk, stamps = self._inlet.pull_chunk(
            timeout=0.0, max_samples=self._max_chunk, as_numpy=True
        )
        if chunk is None or not len(chunk):
            if self.since_last_sample_s > LOST_AFTER_S:
                self._lost = True
            return Pulled(None, None, False)
        resumed, self._lost = self._lost, False
        self._last_sample = time.monotonic()
        if len(chunk) >= self._max_chunk:
            self.notice = (
                f"the stream sends more than {self._max_chunk:,} samples between two reads: "
                "reading falls behind (the computer is too busy for this rate?)"
            )
        return Pulled(np.asarray(chunk, dtype=np.float32), self._stamps(stamps), resumed)

    def _stamps(self, stamps: Any) -> np.ndarray:
        """The sender's time stamps, or arrival times where they cannot be right (not numbers,
        going backwards, or a minute or more away from this clock: ages of -9.5e8 ms)."""
        out = np.asarray(stamps, dtype=np.float64)
        now = self.local_clock()
        bad = (
            not np.isfinite(out).all()
            or bool(np.any(np.diff(out) < 0))
            or float(out[0]) < self._previous_stamp
            or abs(now - float(out[-1])) > LIVE_CLOCK_SKEW_S
        )
        if bad:
            shown = f"{float(out[0]):.6g} .. {float(out[-1]):.6g} s against the clock's {now:.6g} s"
            self.notice = (
                f"stream '{self.name}': its time stamps go backwards or are far from this "
                f"computer's clock ({shown}): arrival times are used instead"
            )
            rate = self.description.rate if self.description else 1.0
            out = now - (len(out) - 1 - np.arange(len(out))) / rate
        self._previous_stamp = float(out[-1])
        return out

    @property
    def since_last_sample_s(self) -> float:
        return (
            time.monotonic() - self._last_sample
            if not math.isnan(self._last_sample)
            else float("nan")
        )

    @property
    def lost(self) -> bool:
        return self._lost

    def local_clock(self) -> float:
        return float(self.pylsl.local_clock())

    def close(self) -> None:
        self._closed.set()  # a resolver still looking stops at its next step
        self._inlet = None  # inlets close when dropped (before their outlets, in tests)


class StreamFinder:
    """The LSL streams on the network, searched in the background for `wait_s` seconds."""

    def __init__(self, wait_s: float = 1.0) -> None:
        self.pylsl = import_pylsl()
        self.found: list[dict[str, Any]] = []
        self._thread = threading.Thread(target=self._find, args=(wait_s,), daemon=True)
        self._thread.start()

    def _find(self, wait_s: float) -> None:
        found = [
            {
                "name": i.name(),
                "type": i.type(),
                "channels": i.channel_count(),
                "rate": i.nominal_srate(),
                "source_id": i.source_id(),
            }  # fmt: skip
            for i in self.pylsl.resolve_streams(wait_time=wait_s)
        ]
        self.found = sorted(found, key=lambda d: (str(d["type"]).upper() != "EEG", d["name"]))

    @property
    def searching(self) -> bool:
        return self._thread.is_alive()

    def wait(self) -> list[dict[str, Any]]:
        self._thread.join()
        return self.found
