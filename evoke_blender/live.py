"""Live: an LSL stream drives the avatar's face, one non-blocking tick at a time.

Threads: a resolver thread finds the stream and opens the inlet (resolution can take a second);
everything else runs in `tick()` on Blender's main thread, called by a timer (or by a headless
script, since timers never fire in the bpy module): pull what has arrived with timeout 0, run the
numpy live chain (inference.live.processor.LiveProcessor), write the shape keys with one foreach_set.
Stream lost: the face eases to neutral and the inlet (recover=True) picks the stream up again
when an outlet with the same source id returns.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..inference.dsp.montages import channel_map_for
from ..inference.emotion.smoothing import SmoothingSettings
from ..inference.errors import EvokeError
from ..inference.live.processor import LiveProcessor, LiveUpdate
from ..inference.live.stream_info import describe_stream
from ..inference.model.model_file import EvokeModel
from .live_record import LiveRecording, RecordingReport, write_recording
from .presets import Presets, resolve_keys

TICK_S = 0.25  # timer interval: 4 ticks a second
LOST_AFTER_S = 2.0  # no sample for this long: the stream is lost
EASE_PER_TICK = 0.7  # while lost, the face keeps 70% of its expression each tick
MAX_CHUNK = 4096
RECENT = 2000  # timings kept for the status percentiles (about 8 minutes of ticks)


def import_pylsl() -> Any:
    """pylsl, or a clear message: its wheel bundles liblsl only for some platforms."""
    try:
        import pylsl
    except (ImportError, OSError, RuntimeError) as exc:
        raise EvokeError(
            "Live streams need pylsl with its native liblsl library "
            f"({type(exc).__name__}: {exc}). Install liblsl for your system (or pip install "
            "pylsl==1.18.6 into Blender's Python); recordings from files still work."
        ) from exc
    return pylsl


@dataclass
class LiveStatus:
    state: str = "idle"  # idle | resolving | calibrating | live | lost | error
    message: str = ""
    stream: str = ""
    rate: float = 0.0
    matched: int = 0
    missing: tuple[str, ...] = ()
    since_last_sample_s: float = float("nan")
    windows: int = 0
    windows_skipped: int = 0
    latency_ms: deque[float] = field(
        default_factory=lambda: deque(maxlen=RECENT)
    )  # arrival -> keys written
    tick_ms: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))
    # age of the newest sample when its face is written: the wait for the next tick plus
    # processing; LSL clocks are per machine, so this means something for a local outlet only
    sample_age_ms: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))
    emotion: str = ""
    probs: tuple[float, float, float] = (0.5, 0.5, 0.5)
    unit_note: str = ""  # how the stream's unit was found
    skip_reason: str = ""  # why windows are being skipped right now (empty: they are not)

    def percentile(self, values: deque[float], q: float) -> float:
        return float(np.percentile(values, q)) if values else float("nan")


class LiveDriver:
    def __init__(self, face: Any, model: EvokeModel, presets: Presets, stream_name: str, *, hop_s: float = 0.25,
                 smoothing: SmoothingSettings | None = None, calibration_s: float = 3.0,
                 name_map: dict[str, str] | None = None, resolve_timeout_s: float = 10.0,
                 blend: bool = True, unit: str | None = None, channel_map: str = "",
                 montage: str | None = None) -> None:  # fmt: skip
        self.pylsl = import_pylsl()
        self.face_name = face.name
        self.blend = blend  # blend the eight presets by probability, or show the one emotion
        self.model = model
        self.hop_s = hop_s
        self.smoothing = smoothing or SmoothingSettings()
        self.calibration_s = calibration_s
        self.unit = unit  # the stream's unit as the user states it; None: from the stream
        self.channel_map, self.montage = channel_map, montage  # applied to the stream's labels
        self.status = LiveStatus(
            state="resolving", stream=stream_name, message=f"looking for '{stream_name}'"
        )
        weights, key_names = presets.matrix(model.emotions.names)
        blocks = face.data.shape_keys.key_blocks
        found, missing = resolve_keys(key_names, [b.name for b in blocks], name_map or {})
        self.keys_missing = missing
        block_index = {b.name: i for i, b in enumerate(blocks)}
        # (8, n_blocks): emotion weights straight onto every key block (unused ones stay 0)
        self.to_blocks = np.zeros((8, len(blocks)), dtype=np.float32)
        for col, key in enumerate(key_names):
            if key in found:
                self.to_blocks[:, block_index[found[key]]] = weights[:, col]
        self.values = np.zeros(len(blocks), dtype=np.float32)
        self.driven = self.to_blocks.any(axis=0)  # key blocks the presets move
        self.recording: LiveRecording | None = None
        self._shown: tuple[float, float, float, float] = (0.5, 0.5, 0.5, 0.0)  # V, A, D, conf
        self._shown_emotion = 0
        self.inlet: Any = None
        self.processor: LiveProcessor | None = None
        self._last_sample = float("nan")
        self._was_lost = False
        self._pending: dict[str, Any] = {}
        self._thread = threading.Thread(
            target=self._resolve, args=(stream_name, resolve_timeout_s), daemon=True
        )
        self._thread.start()

    # -------------------------------------------------------------- background
    def _resolve(self, name: str, timeout: float) -> None:
        """Find the stream and open an inlet (off the main thread: this can take seconds)."""
        try:
            found = self.pylsl.resolve_byprop("name", name, minimum=1, timeout=timeout)
            if not found:
                self._pending["error"] = f"no LSL stream named '{name}' found within {timeout:g} s"
                return
            inlet = self.pylsl.StreamInlet(found[0], max_buflen=30, recover=True)
            info = inlet.info(timeout=timeout)
            self._pending["inlet"] = (inlet, info)
        except Exception as exc:  # reported on the main thread at the next tick
            self._pending["error"] = f"{type(exc).__name__}: {exc}"

    # -------------------------------------------------------------- main thread
    def _open(self, inlet: Any, info: Any) -> None:
        described = describe_stream(info)
        scale, unit_note = described.unit_scale(self.unit)
        mapping = channel_map_for(
            described.labels, channel_map=self.channel_map, montage=self.montage
        )
        self.processor = LiveProcessor(self.model, described.labels, described.rate, self.hop_s,
                                       self.smoothing, self.calibration_s,
                                       source=f"stream '{described.name}'", unit_scale=scale,
                                       channel_map=mapping)  # fmt: skip
        self.inlet = inlet
        st = self.processor.stats
        self.status.rate, self.status.matched, self.status.missing = (
            described.rate,
            len(st.matched),
            st.missing,
        )
        self.status.unit_note = unit_note
        self.status.state, self.status.message = (
            "calibrating",
            f"calibrating: stay at rest for {self.calibration_s:g} s",
        )

    def recalibrate(self) -> None:
        if self.processor is not None:
            self.processor.recalibrate()
            self.status.state, self.status.message = (
                "calibrating",
                f"calibrating: stay at rest for {self.calibration_s:g} s",
            )

    def tick(self, face: Any) -> None:
        """One step on the main thread; never waits for the network."""
        started = time.perf_counter()
        if "error" in self._pending:
            self.status.state, self.status.message = "error", self._pending.pop("error")
        if "inlet" in self._pending:
            try:
                self._open(*self._pending.pop("inlet"))
            except (EvokeError, ValueError) as exc:
                self.status.state, self.status.message = "error", str(exc)
        if self.inlet is None or self.processor is None:
            return
        updates: list[LiveUpdate] = []
        arrived = False
        try:
            chunk, stamps = self.inlet.pull_chunk(timeout=0.0, max_samples=MAX_CHUNK, as_numpy=True)
        except Exception as exc:  # LostError without recover, or a closed inlet
            chunk, stamps = [], []
            self.status.message = f"stream error: {exc}"
        if chunk is not None and len(chunk):
            arrived = True
            now = time.monotonic()
            if self._was_lost:  # the same source came back: start windows afresh, keep calibration
                self.processor.reset_stream()
                self._was_lost = False
            self._last_sample = now
            updates = self.processor.push(np.asarray(chunk, dtype=np.float32), np.asarray(stamps))
        since = (
            time.monotonic() - self._last_sample
            if not math.isnan(self._last_sample)
            else float("nan")
        )
        self.status.since_last_sample_s = since
        st = self.processor.stats
        self.status.windows, self.status.windows_skipped = st.windows, st.windows_skipped
        self.status.skip_reason = st.skip_reason()
        if st.unit_note:
            self.status.unit_note = st.unit_note
        if updates:
            last = updates[-1]
            self.values = (
                last.weights.astype(np.float32) @ self.to_blocks
                if self.blend
                else self.to_blocks[last.emotion]
            )
            v, a, d = (float(p) for p in last.probs)
            self.status.emotion, self.status.probs = last.name, (v, a, d)
            self.status.state, self.status.message = "live", ""
            self._write(face, last)
        elif since > LOST_AFTER_S:
            self._was_lost = True
            self.status.state, self.status.message = (
                "lost",
                f"no samples for {since:.0f} s: waiting for the stream to return",
            )
            self.values *= EASE_PER_TICK  # ease to neutral (all keys at rest)
            self._write(face, None)
        elif not st.calibrated:
            self.status.state = "calibrating"
        done = time.perf_counter()
        self.status.tick_ms.append((done - started) * 1e3)
        if arrived and updates:
            self.status.latency_ms.append((done - started) * 1e3)
            self.status.sample_age_ms.append((self.pylsl.local_clock() - float(stamps[-1])) * 1e3)

    def _write(self, face: Any, update: LiveUpdate | None) -> None:
        face.data.shape_keys.key_blocks.foreach_set("value", self.values)
        face.data.update()
        if update is not None:
            v, a, d = (float(p) for p in update.probs)
            self._shown, self._shown_emotion = (v, a, d, float(update.confidence)), update.emotion
            face["evoke_valence"], face["evoke_arousal"], face["evoke_dominance"] = v, a, d
            face["evoke_confidence"], face["evoke_emotion"] = self._shown[3], update.emotion
        if self.recording is not None:
            self.recording.add(time.monotonic(), self.values, self._shown, self._shown_emotion)

    # -------------------------------------------------------------- recording
    def start_recording(self) -> None:
        """Remember every face the stream drives from now on (keyframes come at the stop)."""
        self.recording = LiveRecording(time.monotonic())

    def finish_recording(self, face: Any, *, fps: float, frame_start: int) -> RecordingReport:
        """Write the recorded faces as keyframes from `frame_start`; recording stops."""
        recording, self.recording = self.recording, None
        if recording is None:
            return RecordingReport(0, frame_start, frame_start, ())
        names = self.model.emotions.names
        return write_recording(
            face, recording, self.driven, names, fps=fps, frame_start=frame_start
        )

    def close(self) -> None:
        self.inlet = None  # inlets close when dropped; before any outlet in tests
        self.processor = None
        self.status.state, self.status.message = "idle", "disconnected"
