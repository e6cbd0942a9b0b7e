"""Record what the live face showed, and write it as keyframes so the session can be rendered.

Each tick that changes the face appends one row (time, key values, VAD, confidence, emotion) in
memory; nothing touches Blender's animation data until the recording stops. Then every F-curve
is filled in one `foreach_set` (bake.key_curves), the same writer a file bake uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from bpy.utils import escape_identifier as escape

from ..common import face_state
from ..common.anim_compat import ActionBatch
from ..common.key_curves import key_curves, key_state, show_state


@dataclass
class LiveRecording:
    started: float  # time.monotonic() when recording began
    t: list[float] = field(default_factory=list)  # seconds since `started`
    values: list[np.ndarray] = field(default_factory=list)  # key-block values written
    vad: list[tuple[float, float, float, float]] = field(default_factory=list)  # V, A, D, conf
    emotion: list[int] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.t[-1] if self.t else 0.0

    def add(
        self, now: float, values: np.ndarray, vad: tuple[float, float, float, float], emotion: int
    ) -> None:
        self.t.append(now - self.started)
        self.values.append(values.copy())
        self.vad.append(vad)
        self.emotion.append(emotion)


@dataclass(frozen=True)
class RecordingReport:
    keyframes: int
    frame_start: int
    frame_end: int
    keys: tuple[str, ...]


def write_recording(
    face: Any,
    meshes: Sequence[tuple[Any, slice]],
    recording: LiveRecording,
    driven: np.ndarray,
    emotions: tuple[str, ...],
    *,
    fps: float,
    frame_start: int,
) -> RecordingReport:
    """Keyframes at the moments the face changed. `meshes`: each driven mesh and its slice of the
    recorded values; `driven` marks the values live moves; the state goes on `face`."""
    if not recording.t:
        return RecordingReport(0, frame_start, frame_start, ())
    frames = frame_start + np.asarray(recording.t) * fps
    values = np.asarray(recording.values)
    vad, emotion = np.asarray(recording.vad), np.asarray(recording.emotion)
    names: list[str] = []
    with ActionBatch() as batch:  # all or nothing, as a bake
        for mesh, part in meshes:
            moved = np.flatnonzero(driven[part])
            blocks = mesh.data.shape_keys.key_blocks
            keys = [blocks[int(i)].name for i in moved]
            paths = [f'key_blocks["{escape(name)}"].value' for name in keys]
            fcurves = batch.fcurves(mesh.data.shape_keys, "EVOKE live")
            key_curves(fcurves, paths, frames, values[:, part][:, moved])
            names += [k for k in keys if k not in names]
        key_state(batch, face, "EVOKE live VAD", frames, vad, emotion)
        show_state(face, emotions)
        batch.commit()
    face.pop(face_state.TIMELINE, None)  # a bake's rows no longer describe this animation
    frame_end = frame_start + max(1, math.ceil(recording.seconds * fps))
    return RecordingReport(len(recording.t), frame_start, frame_end, tuple(names))
