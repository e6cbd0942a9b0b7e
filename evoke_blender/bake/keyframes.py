"""Write a predicted emotion timeline onto an avatar as keyframes.

Shape-key values = blend weights (n, 8) @ preset matrix (8, keys): one matrix product, then one
`foreach_set` per F-curve, so a 63 s trial at 0.25 s hop bakes in milliseconds.
A window's moment is its centre (the window spans t .. t + 1 s). One emotion at a time
(discrete): the face holds still between changes and eases into each over 0.4 s
(`inference.face.easing`: two keys with flat handles, a smoothstep, as the live face does).
A blend of the eight: a key at every window. The VAD probabilities, the emotion index and its
confidence are animated custom properties on the face object, keyed at every window, so the
timeline can be inspected in the Graph Editor and survives save and reopen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import bpy
import numpy as np
from bpy.utils import escape_identifier as escape

from ...inference.emotion.table import EmotionTable
from ...inference.face.presets import Presets
from ...inference.predict import TrialTimeline, window_centres
from ..common import face_state
from ..common.anim_compat import ActionBatch
from ..common.face_drive import face_drive
from ..common.key_curves import face_keys, key_face, key_state, show_state
from ..common.rig import armature_of, face_mesh, posed_bones


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
    centres = window_centres(timeline.t, window_s)

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
    notes = list(drive.mapping.notes)
    if n and timeline.t[0] > 0 and timeline.onset_s == 0:  # one clock: the recording's
        notes.append(f"the timeline starts {float(timeline.t[0]):g} s into the recording (after "
                     f"its baseline): frame {frame_start} is the recording's start")  # fmt: skip
    return BakeReport(n, frame_start, frame_end, sorted(drive.names),
                      list(drive.mapping.missing), bones_driven, drive.summary(), notes)  # fmt: skip


def _bake_bones(
    batch: ActionBatch,
    mesh: Any,
    timeline: TrialTimeline,
    table: EmotionTable,
    presets: Presets,
    keys_of: Any,
) -> list[str]:
    """Optional head/neck poses per emotion, blended like the shape keys, on the bones the rig
    names for those roles (`common.rig.posed_bones`); no other bone of the rig is keyed."""
    arm = armature_of(mesh)
    if arm is None or arm.pose is None:
        return []
    targets = posed_bones(arm, sorted({b for pose in presets.bones.values() for b in pose}))
    if not targets:
        return []
    names = sorted(targets)  # as the presets name them
    rot = np.zeros((len(table.names), len(names) * 3))
    for row, emotion in enumerate(table.names):
        for b, (x, y, z) in presets.bones.get(emotion, {}).items():
            if b in targets:
                rot[row, 3 * names.index(b) : 3 * names.index(b) + 3] = np.radians([x, y, z])
    paths = [
        f'pose.bones["{escape(targets[b])}"].rotation_euler#{i}' for b in names for i in range(3)
    ]
    key_face(batch.fcurves(arm, "EVOKE pose"), paths, keys_of(timeline.weights @ rot))
    for b in names:  # last: the only change to the scene before the batch commits
        arm.pose.bones[targets[b]].rotation_mode = "XYZ"
    return [targets[b] for b in names]


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
