"""Write a predicted emotion timeline onto an avatar as keyframes.

Shape-key values = blend weights (n, 8) @ preset matrix (8, keys): one matrix product, then one
`foreach_set` per F-curve, so a 63 s trial at 0.25 s hop bakes in milliseconds.
A window's moment is its centre (the window spans t .. t + 1 s). One emotion at a time
(discrete): the face holds still between changes and eases into each over 0.4 s
(`inference.emotion.easing`: two keys with flat handles, a smoothstep, as the live face does).
A blend of the eight: a key at every window. The VAD probabilities, the emotion index and its
confidence are animated custom properties on the face object, keyed at every window, so the
timeline can be inspected in the Graph Editor and survives save and reopen.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import bpy
import numpy as np

from ...inference.emotion.easing import flat_handles, step_keys
from ...inference.emotion.presets import Presets
from ...inference.emotion.table import EmotionTable
from ...inference.predict import TrialTimeline
from ..common import face_state
from ..common.anim_compat import ActionBatch
from ..presets.face import face_drive


@dataclass
class BakeReport:
    windows: int
    frame_start: int
    frame_end: int
    keys_driven: list[str]
    keys_missing: list[str]
    bones_driven: list[str] = field(default_factory=list)
    face: str = ""  # the face profile and how much of it the mesh carries ('VRoid: 14 of 16 keys')
    notes: list[str] = field(default_factory=list)


def face_mesh(obj: Any) -> Any | None:
    """The mesh with shape keys to drive: the object itself, or the first such child."""
    if obj is None:
        return None
    if obj.type == "MESH" and obj.data.shape_keys is not None:
        return obj
    for child in obj.children_recursive:
        if child.type == "MESH" and child.data.shape_keys is not None:
            return child
    return None


def armature_of(mesh: Any) -> Any | None:
    for mod in mesh.modifiers:
        if mod.type == "ARMATURE" and mod.object is not None:
            return mod.object
    parent = mesh.parent
    return parent if parent is not None and parent.type == "ARMATURE" else None


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


def bake_timeline(
    obj: Any,
    timeline: TrialTimeline,
    table: EmotionTable,
    presets: Presets,
    *,
    fps: float,
    frame_start: int,
    window_s: float,
    name_map: dict[str, str] | None = None,
    profile: str = "AUTO",
    blend: bool = False,
) -> BakeReport:
    """Keyframe the face: built completely first, then assigned at once (see ActionBatch), so a
    failure anywhere leaves the previous animation in place and the scene as it was."""
    mesh = face_mesh(obj)
    if mesh is None:
        raise ValueError(f"'{obj.name}' has no mesh with shape keys to animate")
    drive = face_drive(mesh, presets, table.names, name_map=name_map, profile=profile)
    n = len(timeline.t)
    centres = np.asarray(timeline.t) + window_s / 2

    def frame_of(seconds: np.ndarray) -> np.ndarray:
        return frame_start + seconds * fps

    frames = frame_of(centres)
    values = timeline.weights @ drive.matrix  # (n, keys)
    vad = np.column_stack([timeline.probs, timeline.confidence])
    if not (np.isfinite(values).all() and np.isfinite(vad).all() and np.isfinite(frames).all()):
        raise ValueError("the timeline holds NaN values: nothing was keyed")
    eased = not blend
    face = face_keys(centres, values, frame_of, eased=eased)
    with ActionBatch() as batch:
        for id_data, action, cols, paths in drive.curves(mesh):
            key_face(batch.fcurves(id_data, action), paths, face.columns(cols))
        key_state(batch, mesh, "EVOKE VAD", frames, vad, timeline.emotion)
        bones_driven = _bake_bones(batch, mesh, timeline, table, presets,
                                   lambda rot: face_keys(centres, rot, frame_of, eased=eased))  # fmt: skip
        show_state(mesh, table.names)
        batch.commit()
    frame_end = (
        frame_start + math.ceil((float(timeline.t[-1]) + window_s) * fps) if n else frame_start
    )
    return BakeReport(n, frame_start, frame_end, sorted(drive.names),
                      list(drive.mapping.missing), bones_driven, drive.summary(),
                      list(drive.mapping.notes))  # fmt: skip


def _bake_bones(
    batch: ActionBatch,
    mesh: Any,
    timeline: TrialTimeline,
    table: EmotionTable,
    presets: Presets,
    keys_of: Any,
) -> list[str]:
    """Optional head/neck poses per emotion, blended like the shape keys."""
    arm = armature_of(mesh)
    names = sorted({b for pose in presets.bones.values() for b in pose})
    names = [b for b in names if arm is not None and b in arm.pose.bones]
    if not names or arm is None:
        return []
    rot = np.zeros((len(table.names), len(names) * 3))
    for row, emotion in enumerate(table.names):
        for b, (x, y, z) in presets.bones.get(emotion, {}).items():
            if b in names:
                rot[row, 3 * names.index(b) : 3 * names.index(b) + 3] = np.radians([x, y, z])
    paths = [f'pose.bones["{b}"].rotation_euler#{i}' for b in names for i in range(3)]
    key_face(batch.fcurves(arm, "EVOKE pose"), paths, keys_of(timeline.weights @ rot))
    for b in names:  # last: the only change to the scene before the batch commits
        arm.pose.bones[b].rotation_mode = "XYZ"
    return names


def current_state(obj: Any) -> dict[str, Any] | None:
    """What the panel shows during playback: the baked values at the current frame."""
    mesh = face_mesh(obj)
    if mesh is None or face_state.EMOTION not in mesh:
        return None
    names = face_state.emotion_names(mesh)
    index = int(mesh[face_state.EMOTION])
    return {
        "mesh": mesh,
        "emotion": names[index] if 0 <= index < len(names) else str(index),
        "confidence": float(mesh.get(face_state.CONFIDENCE, 0.0)),
    }


def set_scene_range(scene: bpy.types.Scene, report: BakeReport) -> None:
    scene.frame_start = report.frame_start
    scene.frame_end = max(report.frame_end, report.frame_start + 1)
