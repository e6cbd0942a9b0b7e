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

from .lsl import import_pylsl
from .source import Pulled
from .stream_info import StreamDescription, describe_stream

LOST_AFTER_S = 2.0  # no sample for this long: the stream is lost
MAX_CHUNK = 4096  # samples pulled at most per call


class LSLStream:
    """A named LSL stream (a `LiveSource`): found in the background, then `pull()`ed without
    blocking."""

    def __init__(self, name: str, *, resolve_timeout_s: float = 10.0) -> None:
        self.pylsl = import_pylsl()
        self.name = name
        self.description: StreamDescription | None = None
        self.error = ""
        self._inlet: Any = None
        self._pending: dict[str, Any] = {}
        self._last_sample = float("nan")
        self._lost = False
        self._thread = threading.Thread(
            target=self._resolve, args=(resolve_timeout_s,), daemon=True
        )
        self._thread.start()

    def _resolve(self, timeout: float) -> None:
        try:
            found = self.pylsl.resolve_byprop("name", self.name, minimum=1, timeout=timeout)
            if not found:
                self._pending["error"] = (
                    f"no LSL stream named '{self.name}' found within {timeout:g} s"
                )
                return
            inlet = self.pylsl.StreamInlet(found[0], max_buflen=30, recover=True)
            self._pending["inlet"] = (inlet, inlet.info(timeout=timeout))
        except Exception as exc:  # reported by the caller's next `poll`
            self._pending["error"] = f"{type(exc).__name__}: {exc}"

    def poll(self) -> StreamDescription | None:
        """Take over what the resolver found; the description once the inlet is open.

        Raises InputError for a stream EEG cannot use (no fixed rate, an implausible rate).
        """
        if "error" in self._pending:
            self.error = self._pending.pop("error")
        if "inlet" in self._pending:
            inlet, info = self._pending.pop("inlet")
            self.description = describe_stream(info)
            self._inlet = inlet
        return self.description

    def pull(self) -> Pulled:
        """What has arrived since the last call; never waits."""
        if self._inlet is None:
            return Pulled(None, None, False)
        chunk, stamps = self._inlet.pull_chunk(timeout=0.0, max_samples=MAX_CHUNK, as_numpy=True)
        if chunk is None or not len(chunk):
            if self.since_last_sample_s > LOST_AFTER_S:
                self._lost = True
            return Pulled(None, None, False)
        resumed, self._lost = self._lost, False
        self._last_sample = time.monotonic()
        return Pulled(np.asarray(chunk, dtype=np.float32), np.asarray(stamps), resumed)

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
