"""Live: a source (an LSL stream, a BrainFlow board) drives the avatar's face, and any outputs
(OSC, LSL), one non-blocking tick at a time.

The driver is `inference.live.session.LiveSession` (the same session `python -m inference live`
runs without Blender: source, processor, smoothing, outputs, status) with the face
(`face_output.FaceOutput`) as one more consumer of its updates, written before the outputs.
`tick()` runs on Blender's main thread (a timer, or a headless script, since timers never fire in
the bpy module). Each new emotion eases in over 0.4 s; while the face moves the timer ticks at
30 Hz, else at 4 Hz. Source lost: the face eases to neutral, and carries on when it returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ...inference.calibration import CALIBRATION_S
from ...inference.dsp.baseline import REJECT_Z
from ...inference.emotion.smoothing import SmoothingSettings
from ...inference.face.presets import Presets
from ...inference.live.processor import LiveUpdate
from ...inference.live.session import LiveSession, LiveStatus, SessionSettings
from ...inference.live.source import LiveSource
from ...inference.live.stream import LSLStream
from ...inference.model.model_file import EvokeModel
from .face_output import FaceOutput
from .record import LiveRecording, RecordingReport

TICK_S = 0.25  # timer interval: 4 ticks a second
EASING_TICK_S = 1 / 30  # while the face eases into a change: smooth motion

__all__ = ["EASING_TICK_S", "TICK_S", "LiveDriver", "LiveStatus"]


class LiveDriver(LiveSession):
    """`inference.live.session.LiveSession` with the avatar's face as one more consumer of its
    updates, ticked on Blender's main thread."""

    def __init__(self, face: Any, model: EvokeModel, presets: Presets,
                 source: LiveSource | str | Callable[[], LiveSource], *,
                 hop_s: float = 0.25, smoothing: SmoothingSettings | None = None,
                 calibration_s: float = CALIBRATION_S, reject_z: float = REJECT_Z,
                 adapt_s: float = 0.0, name_map: dict[str, str] | None = None,
                 resolve_timeout_s: float | None = None, blend: bool = True, unit: str | None = None,
                 channel_map: str = "", montage: str | None = None,
                 profile: str = "AUTO") -> None:  # fmt: skip
        """source: a LiveSource, an LSL stream's name, or a function that opens one (called once
        the face and the settings have been checked, so a face with nothing to drive opens no
        device)."""
        # what the presets drive, as the bake drives it (the face profile, the name map): first,
        # so a face with nothing to drive is refused before any network lookup starts
        self.face = FaceOutput(face, presets, model.emotions.names, name_map=name_map,
                               profile=profile, blend=blend)  # fmt: skip
        if isinstance(source, str):
            name = source
            source = lambda: LSLStream(name, resolve_timeout_s=resolve_timeout_s)  # noqa: E731
        settings = SessionSettings(hop_s=hop_s, smoothing=smoothing or SmoothingSettings(),
                                   calibration_s=calibration_s, reject_z=reject_z, adapt_s=adapt_s,
                                   unit=unit, channel_map=channel_map, montage=montage)  # fmt: skip
        super().__init__(model, source, settings)
        self.face_name = face.name
        self._face_object: Any = None  # the face object during a tick
        self.keys_missing = list(self.face.drive.mapping.missing)

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
    def tick(self, face: Any = None, now: float | None = None) -> list[LiveUpdate]:  # type: ignore[override]
        """One step on the main thread: the session's, with the face written; never waits."""
        self._face_object = face
        try:
            return super().tick(now)
        finally:
            self._face_object = None

    def _consume(self, updates: list[LiveUpdate], now: float) -> None:
        if self._face_object is not None and self.processor is not None:
            self._show(self._face_object, updates, now)

    def _show(self, face: Any, updates: list[LiveUpdate], now: float) -> None:
        """The face: towards the newest update, to rest while the source is lost, or on its way."""
        if updates:
            last = updates[-1]
            self.face.show(last, now)
            self.face.write(face, last, now)
        elif self.source.lost:
            self.face.relax(now)
            self.face.write(face, None, now)
        elif self.face.moving(now):
            self.face.write(face, None, now)

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
