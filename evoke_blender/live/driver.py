"""Live: an LSL stream drives the avatar's face, one non-blocking tick at a time.

The driver only pulls and writes: `inference.live.stream.LSLStream` finds the stream in the
background and pulls without waiting, `inference.live.processor.LiveProcessor` turns samples into
emotion updates; `tick()` runs on Blender's main thread (a timer, or a headless script, since
timers never fire in the bpy module) and writes the shape keys with one foreach_set. Each new
emotion eases in over 0.4 s (`inference.emotion.easing`, the curve a bake keys); while the face
moves the timer ticks at 30 Hz, else at 4 Hz. Stream lost: the face eases to neutral, and
carries on when the same source returns.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...inference.calibration import CALIBRATION_S
from ...inference.dsp.baseline import REJECT_Z
from ...inference.dsp.montages import channel_map_for
from ...inference.emotion.easing import FaceEase
from ...inference.emotion.presets import Presets
from ...inference.emotion.smoothing import SmoothingSettings
from ...inference.errors import EvokeError, InputError
from ...inference.live.processor import LiveProcessor, LiveUpdate
from ...inference.live.stream import LSLStream
from ...inference.live.stream_info import StreamDescription
from ...inference.model.model_file import EvokeModel
from ..common import face_state
from ..presets.face import SHAPE_KEYS, VRM_ADDON, face_drive
from .record import LiveRecording, RecordingReport, write_recording

TICK_S = 0.25  # timer interval: 4 ticks a second
EASING_TICK_S = 1 / 30  # while the face eases into a change: smooth motion
LOST_EASE_S = 1.5  # a lost stream's face relaxes to neutral this slowly
RECENT = 2000  # timings kept for the status percentiles (about 8 minutes of ticks)


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
    calibration: float = 0.0  # 0..1: how much of the calibration has been recorded
    baseline_note: str = ""  # how many calibration windows the baseline used and rejected
    skip_reason: str = ""  # why windows are being skipped right now (empty: they are not)

    def percentile(self, values: deque[float], q: float) -> float:
        return float(np.percentile(values, q)) if values else float("nan")


class LiveDriver:
    def __init__(self, face: Any, model: EvokeModel, presets: Presets, stream_name: str, *, hop_s: float = 0.25,
                 smoothing: SmoothingSettings | None = None, calibration_s: float = CALIBRATION_S,
                 reject_z: float = REJECT_Z, adapt_s: float = 0.0,
                 name_map: dict[str, str] | None = None, resolve_timeout_s: float = 10.0,
                 blend: bool = True, unit: str | None = None, channel_map: str = "",
                 montage: str | None = None, profile: str = "AUTO") -> None:  # fmt: skip
        # what the presets drive, as the bake drives it (the face profile, the name map): first,
        # so a face with nothing to drive is refused before any network lookup starts
        self.drive = face_drive(face, presets, model.emotions.names, name_map=name_map,
                                profile=profile)  # fmt: skip
        self.stream = LSLStream(stream_name, resolve_timeout_s=resolve_timeout_s)
        self.face_name = face.name
        self.blend = blend  # blend the eight presets by probability, or show the one emotion
        self.model = model
        self.hop_s = hop_s
        self.smoothing = smoothing or SmoothingSettings()
        self.calibration_s = calibration_s
        self.reject_z, self.adapt_s = reject_z, adapt_s
        self.unit = unit  # the stream's unit as the user states it; None: from the stream
        self.channel_map, self.montage = channel_map, montage  # applied to the stream's labels
        self.status = LiveStatus(
            state="resolving", stream=stream_name, message=f"looking for '{stream_name}'"
        )
        self.keys_missing = list(self.drive.mapping.missing)
        blocks = face.data.shape_keys.key_blocks
        block_index = {b.name: i for i, b in enumerate(blocks)}
        # (emotions, n_blocks): emotion weights straight onto every key block (unused ones stay 0)
        self.to_blocks = np.zeros((len(self.drive.matrix), len(blocks)), dtype=np.float32)
        for col in self.drive.indices(SHAPE_KEYS):
            self.to_blocks[:, block_index[self.drive.columns[col][1]]] = self.drive.matrix[:, col]
        self.values = np.zeros(len(blocks), dtype=np.float32)  # what the face shows now
        self.ease = FaceEase(len(blocks))
        self.driven = self.to_blocks.any(axis=0)  # key blocks the presets move
        # the VRM add-on's expressions, when those are what the face profile drives
        expressions = self.drive.indices(VRM_ADDON)
        self.expressions = [self.drive.columns[i][1] for i in expressions]
        self.to_expressions = self.drive.matrix[:, expressions].astype(np.float32)
        self.expression_values = np.zeros(len(expressions), dtype=np.float32)
        self.expression_ease = FaceEase(len(expressions))
        self.recording: LiveRecording | None = None
        self._shown: tuple[float, float, float, float] = (0.5, 0.5, 0.5, 0.0)  # V, A, D, conf
        self._shown_emotion = 0
        self.processor: LiveProcessor | None = None

    # -------------------------------------------------------------- main thread
    def _open(self, described: StreamDescription) -> None:
        scale, unit_note = described.unit_scale(self.unit)
        mapping = channel_map_for(
            described.labels, channel_map=self.channel_map, montage=self.montage
        )
        self.processor = LiveProcessor(self.model, described.labels, described.rate, self.hop_s,
                                       self.smoothing, self.calibration_s, reject_z=self.reject_z,
                                       adapt_s=self.adapt_s,
                                       source=f"stream '{described.name}'", unit_scale=scale,
                                       channel_map=mapping)  # fmt: skip
        st = self.processor.stats
        self.status.rate, self.status.matched, self.status.missing = (
            described.rate,
            len(st.matched),
            st.missing,
        )
        self.status.unit_note = unit_note
        self.status.state, self.status.message = "calibrating", self._calibrating_message()

    def _calibrating_message(self) -> str:
        done = 0.0 if self.processor is None else self.processor.calibration_progress
        return (
            f"calibrating: stay at rest, {done * self.calibration_s:.0f} of "
            f"{self.calibration_s:g} s"
        )

    def recalibrate(self) -> None:
        """Record a new resting baseline from the next `calibration_s` seconds."""
        if self.processor is not None:
            self.processor.recalibrate()
            self.status.state, self.status.message = "calibrating", self._calibrating_message()
            self.status.calibration, self.status.baseline_note = 0.0, ""

    def tick(self, face: Any) -> None:
        """One step on the main thread; never waits for the network."""
        started = time.perf_counter()
        if self.processor is None:
            try:
                described = self.stream.poll()
                if described is not None:
                    self._open(described)
            except (EvokeError, ValueError) as exc:
                self.status.state, self.status.message = "error", str(exc)
                self.stream.close()
            if self.stream.error:
                self.status.state, self.status.message = "error", self.stream.error
        if self.processor is None:
            return
        updates: list[LiveUpdate] = []
        try:
            pulled = self.stream.pull()
        except Exception as exc:  # LostError without recover, or a closed inlet
            self.status.message = f"stream error: {exc}"
            pulled = None
        if pulled is not None and pulled.samples is not None:
            if pulled.resumed:  # the same source came back: start windows afresh, keep calibration
                self.processor.reset_stream()
            updates = self.processor.push(pulled.samples, pulled.stamps)
        self.status.since_last_sample_s = self.stream.since_last_sample_s
        st = self.processor.stats
        self.status.windows, self.status.windows_skipped = st.windows, st.windows_skipped
        self.status.skip_reason = st.skip_reason()
        if st.unit_note:
            self.status.unit_note = st.unit_note
        now = time.monotonic()
        if updates:
            last = updates[-1]
            weights = last.weights.astype(np.float32)
            self.ease.towards(
                weights @ self.to_blocks if self.blend else self.to_blocks[last.emotion], now
            )
            self.expression_ease.towards(
                weights @ self.to_expressions if self.blend else self.to_expressions[last.emotion],
                now,
            )
            v, a, d = (float(p) for p in last.probs)
            self.status.emotion, self.status.probs = last.name, (v, a, d)
            self.status.state, self.status.message = "live", ""
            self._write(face, last, now)
        elif self.stream.lost:
            self.status.state, self.status.message = (
                "lost",
                f"no samples for {self.stream.since_last_sample_s:.0f} s: waiting for the stream to return",
            )
            if self.ease.target.any() or self.expression_ease.target.any():  # once: to rest
                self.ease.towards(np.zeros_like(self.values), now, LOST_EASE_S)
                self.expression_ease.towards(
                    np.zeros_like(self.expression_values), now, LOST_EASE_S
                )
            self._write(face, None, now)
        elif self.moving(now):
            self._write(face, None, now)
        self.status.calibration = self.processor.calibration_progress
        self.status.baseline_note = st.baseline_note
        if not st.calibrated and not self.stream.lost:
            self.status.state = "calibrating"
            self.status.message = self._calibrating_message()
        done = time.perf_counter()
        self.status.tick_ms.append((done - started) * 1e3)
        if updates and pulled is not None and pulled.stamps is not None:
            self.status.latency_ms.append((done - started) * 1e3)
            self.status.sample_age_ms.append(
                (self.stream.local_clock() - float(pulled.stamps[-1])) * 1e3
            )

    def moving(self, now: float | None = None) -> bool:
        """Whether the face is easing into a change (the timer then ticks faster)."""
        now = time.monotonic() if now is None else now
        return self.ease.moving(now) or self.expression_ease.moving(now)

    def _write(self, face: Any, update: LiveUpdate | None, now: float) -> None:
        self.values = self.ease.at(now)
        self.expression_values = self.expression_ease.at(now)
        face.data.shape_keys.key_blocks.foreach_set("value", self.values)
        face.data.update()
        if self.expressions:
            self.drive.set_expressions(
                face, dict(zip(self.expressions, self.expression_values.tolist(), strict=True))
            )
        if update is not None:
            v, a, d = (float(p) for p in update.probs)
            self._shown, self._shown_emotion = (v, a, d, float(update.confidence)), update.emotion
            face_state.set_state(face, (v, a, d), self._shown[3], update.emotion)
        if self.recording is not None:
            self.recording.add(now, self.values, self._shown, self._shown_emotion)

    # -------------------------------------------------------------- recording
    def start_recording(self) -> None:
        """Remember every face the stream drives from now on (keyframes come at the stop)."""
        if self.expressions:
            raise InputError(
                "Recording keys shape keys, and this avatar's face is the VRM add-on's "
                "expressions: bake a recording instead, or pick a shape-key profile under Presets"
            )
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
        self.stream.close()  # inlets close when dropped; before any outlet in tests
        self.processor = None
        self.status.state, self.status.message = "idle", "disconnected"
