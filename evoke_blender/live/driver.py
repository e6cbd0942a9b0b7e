"""Live: a source (an LSL stream, a BrainFlow board) drives the avatar's face, and any outputs
(OSC, LSL), one non-blocking tick at a time.

The driver only pulls and hands on: its `LiveSource` (`inference.live.source`) opens in the
background and pulls without waiting, `inference.live.processor.LiveProcessor` turns samples into
emotion updates, the face (`face_output.FaceOutput`) and every `LiveOutput` take the result.
`tick()` runs on Blender's main thread (a timer, or a headless script, since timers never fire in
the bpy module). Each new emotion eases in over 0.4 s; while the face moves the timer ticks at
30 Hz, else at 4 Hz. Source lost: the face eases to neutral, and carries on when it returns.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...inference.calibration import CALIBRATION_S
from ...inference.dsp.baseline import REJECT_Z
from ...inference.dsp.montages import channel_map_for
from ...inference.emotion.presets import Presets
from ...inference.emotion.smoothing import SmoothingSettings
from ...inference.errors import EvokeError
from ...inference.live.outputs import LiveOutput, state_of
from ...inference.live.processor import LiveProcessor, LiveUpdate
from ...inference.live.source import LiveSource
from ...inference.live.stream import LSLStream
from ...inference.live.stream_info import StreamDescription
from ...inference.model.model_file import EvokeModel
from .face_output import FaceOutput
from .record import LiveRecording, RecordingReport

TICK_S = 0.25  # timer interval: 4 ticks a second
EASING_TICK_S = 1 / 30  # while the face eases into a change: smooth motion
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
    # ... and when the outputs (OSC, LSL) have been handed the update made from it
    output_age_ms: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))
    emotion: str = ""
    probs: tuple[float, float, float] = (0.5, 0.5, 0.5)
    unit_note: str = ""  # how the stream's unit was found
    calibration: float = 0.0  # 0..1: how much of the calibration has been recorded
    baseline_note: str = ""  # how many calibration windows the baseline used and rejected
    skip_reason: str = ""  # why windows are being skipped right now (empty: they are not)
    outputs: tuple[str, ...] = ()  # each output's name, and its trouble if it has any

    def percentile(self, values: deque[float], q: float) -> float:
        return float(np.percentile(values, q)) if values else float("nan")


class LiveDriver:
    def __init__(self, face: Any, model: EvokeModel, presets: Presets,
                 source: LiveSource | str | Callable[[], LiveSource], *,
                 hop_s: float = 0.25, smoothing: SmoothingSettings | None = None,
                 calibration_s: float = CALIBRATION_S, reject_z: float = REJECT_Z,
                 adapt_s: float = 0.0, name_map: dict[str, str] | None = None,
                 resolve_timeout_s: float | None = None, blend: bool = True, unit: str | None = None,
                 channel_map: str = "", montage: str | None = None,
                 profile: str = "AUTO") -> None:  # fmt: skip
        """source: a LiveSource, an LSL stream's name, or a function that opens one (called once
        the face has been checked, so a face with nothing to drive opens no device)."""
        # what the presets drive, as the bake drives it (the face profile, the name map): first,
        # so a face with nothing to drive is refused before any network lookup starts
        self.face = FaceOutput(face, presets, model.emotions.names, name_map=name_map,
                               profile=profile, blend=blend)  # fmt: skip
        if isinstance(source, str):
            source = LSLStream(source, resolve_timeout_s=resolve_timeout_s)
        elif callable(source):
            source = source()
        self.source: LiveSource = source
        self.outputs: list[LiveOutput] = []
        self.face_name = face.name
        self.model = model
        self.hop_s = hop_s
        self.smoothing = smoothing or SmoothingSettings()
        self.calibration_s = calibration_s
        self.reject_z, self.adapt_s = reject_z, adapt_s
        self.unit = unit  # the source's unit as the user states it; None: from the source
        self.channel_map, self.montage = channel_map, montage  # applied to the source's labels
        self.status = LiveStatus(
            state="resolving", stream=source.name, message=f"looking for '{source.name}'"
        )
        self.keys_missing = list(self.face.drive.mapping.missing)
        self.processor: LiveProcessor | None = None
        self._last: LiveUpdate | None = None  # the latest window's update
        self._last_at = -float("inf")  # when it came (time.monotonic)
        self._updates = 0
        self._opened_at = time.monotonic()  # when the search for the source began

    def add_output(self, output: LiveOutput) -> None:
        """Send the emotion there too, from the next tick on."""
        self.outputs.append(output)
        self.status.outputs = tuple(o.name for o in self.outputs)

    # the face's parts the panel, the operators and the tests read
    @property
    def recording(self) -> LiveRecording | None:
        return self.face.recording

    @recording.setter
    def recording(self, value: LiveRecording | None) -> None:
        self.face.recording = value

    @property
    def values(self) -> np.ndarray:
        return self.face.values

    @property
    def driven(self) -> np.ndarray:
        return self.face.driven

    # -------------------------------------------------------------- main thread
    def _open(self, described: StreamDescription) -> None:
        scale, unit_note = described.unit_scale(self.unit)
        mapping = channel_map_for(
            described.labels, channel_map=self.channel_map, montage=self.montage
        )
        self.processor = LiveProcessor(self.model, described.labels, described.rate, self.hop_s,
                                       self.smoothing, self.calibration_s, reject_z=self.reject_z,
                                       adapt_s=self.adapt_s, source=f"stream '{described.name}'",
                                       unit_scale=scale, channel_map=mapping)  # fmt: skip
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

    def _poll(self) -> None:
        """Until the source is open: take over what its background thread found."""
        try:
            described = self.source.poll()
            if described is not None:
                self._open(described)
        except (EvokeError, ValueError) as exc:
            self.status.state, self.status.message = "error", str(exc)
            self.source.close()
        if self.source.error:
            self.status.state, self.status.message = "error", self.source.error
        elif self.processor is None and self.status.state == "resolving":
            waited = time.monotonic() - self._opened_at
            if waited >= 2:  # say so once a search takes longer than a glance
                self.status.message = (
                    f"looking for '{self.source.name}' for {waited:.0f} s: is its sender "
                    "running? (Disconnect stops looking)"
                )

    def tick(self, face: Any) -> None:
        """One step on the main thread; never waits for the network or the device."""
        started = time.perf_counter()
        if self.processor is None:
            self._poll()
        if self.processor is None:
            return
        updates: list[LiveUpdate] = []
        try:
            pulled = self.source.pull()
        except Exception as exc:  # LostError without recover, a closed inlet, a board gone
            self.status.message = f"source error: {exc}"
            pulled = None
        if pulled is not None and pulled.samples is not None:
            if pulled.resumed:  # the same source came back: start windows afresh, keep calibration
                self.processor.reset_stream()
            updates = self.processor.push(pulled.samples, pulled.stamps)
        now = time.monotonic()
        self._show(face, updates, now)
        self._status(updates)
        newest = None if pulled is None or pulled.stamps is None else float(pulled.stamps[-1])
        if updates and newest is not None:
            # a sender that stamps a chunk ahead of this clock (its last sample's time taken as
            # the first's) would read as a negative age: the sample is at most brand new
            age_s = max(0.0, self.source.local_clock() - newest)
            self.status.sample_age_ms.append(age_s * 1e3)
        self._send(now)
        if updates and newest is not None and self.outputs:
            self.status.output_age_ms.append(max(0.0, self.source.local_clock() - newest) * 1e3)
        done = time.perf_counter()
        self.status.tick_ms.append((done - started) * 1e3)
        if updates:
            self.status.latency_ms.append((done - started) * 1e3)

    def _show(self, face: Any, updates: list[LiveUpdate], now: float) -> None:
        """The face: towards the newest update, to rest while the source is lost, or on its way."""
        if updates:
            last = self._last = updates[-1]
            self._last_at, self._updates = now, self._updates + len(updates)
            self.face.show(last, now)
            v, a, d = (float(p) for p in last.probs)
            self.status.emotion, self.status.probs = last.name, (v, a, d)
            self.status.state, self.status.message = "live", ""
            self.face.write(face, last, now)
        elif self.source.lost:
            self.status.state, self.status.message = (
                "lost",
                f"no samples for {self.source.since_last_sample_s:.0f} s: waiting for the source to return",
            )
            self.face.relax(now)
            self.face.write(face, None, now)
        elif self.face.moving(now):
            self.face.write(face, None, now)

    def _status(self, updates: list[LiveUpdate]) -> None:
        assert self.processor is not None
        st = self.processor.stats
        self.status.since_last_sample_s = self.source.since_last_sample_s
        self.status.windows, self.status.windows_skipped = st.windows, st.windows_skipped
        self.status.skip_reason = st.skip_reason()
        if st.unit_note:
            self.status.unit_note = st.unit_note
        self.status.calibration = self.processor.calibration_progress
        self.status.baseline_note = st.baseline_note
        if not st.calibrated and not self.source.lost:
            self.status.state = "calibrating"
            self.status.message = self._calibrating_message()

    def _send(self, now: float) -> None:
        """Every output gets the current state (rate and novelty are theirs to judge)."""
        if not self.outputs:
            return
        state = state_of(self._last, self._updates, connected=not self.source.lost,
                         since_update_s=now - self._last_at,
                         lsl_clock=isinstance(self.source, LSLStream))  # fmt: skip
        names = []
        for output in self.outputs:
            output.send(state, now)
            trouble = getattr(output, "error", "")
            names.append(f"{output.name}: {trouble}" if trouble else output.name)
        self.status.outputs = tuple(names)

    def moving(self, now: float | None = None) -> bool:
        """Whether the face is easing into a change (the timer then ticks faster)."""
        return self.face.moving(time.monotonic() if now is None else now)

    # -------------------------------------------------------------- recording
    def start_recording(self) -> None:
        """Remember every face the source drives from now on (keyframes come at the stop)."""
        self.face.start_recording()

    def finish_recording(self, face: Any, *, fps: float, frame_start: int) -> RecordingReport:
        """Write the recorded faces as keyframes from `frame_start`; recording stops."""
        return self.face.finish_recording(face, self.model.emotions.names, fps=fps,
                                          frame_start=frame_start)  # fmt: skip

    def close(self) -> None:
        for output in self.outputs:
            output.close()
        self.outputs = []
        self.source.close()  # inlets close when dropped; before any outlet in tests
        self.processor = None
        self.status.state, self.status.message = "idle", "disconnected"
