"""F-curves filled at once: the one writer of keyframes for a bake, a live recording and the
render overlay (one `foreach_set` per curve), and the face's animated state properties."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...inference.face.easing import flat_handles, step_keys
from . import face_state
from .anim_compat import ActionBatch

_FREE_HANDLE = 0  # Blender's handle type FREE (DNA value): handles stay where they are put


@dataclass(frozen=True)
class Keys:
    """Where to key and what: frames (k,), values (k, columns), optional Bezier handles."""

    frames: np.ndarray
    values: np.ndarray
    handles: tuple[np.ndarray, np.ndarray] | None = None  # left, right: (k, columns, 2)

    def columns(self, cols: Any) -> Keys:
        if self.handles is None:
            return Keys(self.frames, self.values[:, cols])
        left, right = self.handles
        return Keys(self.frames, self.values[:, cols], (left[:, cols], right[:, cols]))


def face_keys(times_s: np.ndarray, values: np.ndarray, frame_of: Any, *, eased: bool) -> Keys:
    """Keys of a face timeline: every window, or (eased) the changes of a stepwise one."""
    if not eased:
        return Keys(frame_of(times_s), values)
    key_t, key_v = step_keys(times_s, values)
    left, right = flat_handles(key_t, key_v)
    left[..., 0], right[..., 0] = frame_of(left[..., 0]), frame_of(right[..., 0])
    return Keys(frame_of(key_t), key_v, (left, right))


def key_curves(
    fcurves: Any,
    paths: list[str],
    frames: np.ndarray,
    values: np.ndarray,
    *,
    constant: bool = False,
    handles: tuple[np.ndarray, np.ndarray] | None = None,
) -> None:
    """One F-curve per data path (with `index` suffix "#i" for array elements), filled at once.

    handles: Bezier handles (left, right), each (k, columns, 2), kept as given (type FREE)."""
    n = len(frames)
    co = np.empty((n, 2), dtype=np.float32)
    co[:, 0] = frames
    for col, path in enumerate(paths):
        data_path, _, index = path.partition("#")
        fc = fcurves.new(data_path, index=int(index or 0))
        points = fc.keyframe_points
        points.add(n)
        co[:, 1] = values[:, col]
        points.foreach_set("co", co.ravel())
        if constant:
            points.foreach_set("interpolation", [0] * n)  # CONSTANT
        if handles is not None:
            points.foreach_set("handle_left_type", [_FREE_HANDLE] * n)
            points.foreach_set("handle_right_type", [_FREE_HANDLE] * n)
            points.foreach_set("handle_left", handles[0][:, col].astype(np.float32).ravel())
            points.foreach_set("handle_right", handles[1][:, col].astype(np.float32).ravel())
        fc.update()


def key_face(fcurves: Any, paths: list[str], keys: Keys) -> None:
    key_curves(fcurves, paths, keys.frames, keys.values, handles=keys.handles)


def key_state(
    batch: ActionBatch,
    mesh: Any,
    action_name: str,
    frames: np.ndarray,
    vad_confidence: np.ndarray,
    emotion: np.ndarray,
) -> None:
    """VAD, confidence (n, 4) and the emotion index (n,) as animated properties of the face.

    The emotion steps (constant interpolation). Built in `batch`; `show_state` then makes the
    properties exist, once the batch is committed.
    """
    props = batch.fcurves(mesh, action_name)
    key_curves(props, [f'["{p}"]' for p in face_state.ANIMATED[:4]], frames, vad_confidence)
    key_curves(
        props, [f'["{face_state.EMOTION}"]'], frames, emotion[:, None].astype(float), constant=True
    )


def show_state(mesh: Any, names: tuple[str, ...]) -> None:
    """The animated properties exist (an F-curve needs its property) and name their emotions,
    so the panel and the render overlay can read the index back."""
    for name, rest in zip(face_state.ANIMATED, face_state.RESTING, strict=True):
        if name not in mesh:
            mesh[name] = rest
    mesh[face_state.EMOTION_NAMES] = json.dumps(list(names))
