"""What a bake keeps besides its keyframes: the timeline's rows on the face (exported later, also
after save and reopen) and the markers where the emotion changes.

Both are prepared before the keyframes are built and applied after they are committed: a bake
that fails leaves the face's rows and the scene's markers as they were, and Blender's undo of a
bake restores them with the rest of the scene.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...inference.emotion import timeline_export
from ...inference.model.model_file import EvokeModel
from ...inference.predict import TrialTimeline
from ..common import face_state
from . import markers as emotion_markers


@dataclass(frozen=True)
class BakeExtras:
    timeline: str  # timeline_export.encode of the rows
    markers: list[tuple[int, str]]  # (frame, emotion); empty when markers are off

    def apply(self, scene: Any, face: Any) -> None:
        """After the bake committed: nothing here can fail half-way."""
        face[face_state.TIMELINE] = self.timeline
        emotion_markers.replace(scene, self.markers)


def prepare(timeline: TrialTimeline, model: EvokeModel, scene: Any, *, markers: bool) -> BakeExtras:
    """Before the bake, from what it keys: the same frames (scene.frame_start, the model's window
    centres at the scene's rate) and the same emotion table."""
    table = model.emotions
    planned = (
        emotion_markers.plan(
            timeline.t,
            timeline.emotion,
            table.names,
            fps=scene.render.fps / scene.render.fps_base,
            frame_start=scene.frame_start,
            window_s=model.features.window_s,
        )
        if markers
        else []
    )  # markers off: a re-bake still removes the previous bake's, which no longer fit
    return BakeExtras(timeline_export.encode(timeline.rows(table)), planned)


def baked_rows(face: Any) -> list[dict[str, Any]]:
    """The rows the face's last bake stored; [] when it carries none."""
    text = face.get(face_state.TIMELINE) if face is not None else None
    if not isinstance(text, str):
        return []
    return timeline_export.decode(text, source=f"{face.name}'s baked timeline")


def has_bake(face: Any) -> bool:
    return face is not None and isinstance(face.get(face_state.TIMELINE), str)
