"""Render Clip."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import bpy

from ..bake import keyframes
from ..common import face_state
from ..common.operators import OperatorResult, guarded, settings


class EVOKE_OT_render_clip(bpy.types.Operator):
    """Render the baked animation to an MP4 with the emotion label and VAD bars in view"""

    bl_idname = "evoke.render_clip"
    bl_label = "Render Clip"

    filepath: bpy.props.StringProperty(subtype="FILE_PATH", default="")  # type: ignore[valid-type]
    seconds: bpy.props.FloatProperty(  # type: ignore[valid-type]
        name="Seconds", min=0.0, default=0.0, description="0 = the whole bake"
    )

    def execute(self, context: Any) -> OperatorResult:
        return guarded(self, lambda: self._render(context))

    def _render(self, context: Any) -> OperatorResult:
        from . import clip as render

        s = settings(context)
        scene = context.scene
        mesh = keyframes.face_mesh(s.target or context.active_object)
        state = keyframes.current_state(mesh)
        if mesh is None or state is None:
            self.report({"ERROR"}, "Bake a recording onto the avatar before rendering")
            return {"CANCELLED"}
        if scene.camera is None:
            self.report({"ERROR"}, "The scene has no camera (Add EVOKE Avatar adds one)")
            return {"CANCELLED"}
        path = bpy.path.abspath(self.filepath or s.clip_path)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        render.configure_output(scene, path, s.engine, s.resolution)  # the overlay fits this frame
        if s.show_overlay:
            names = face_state.emotion_names(mesh)
            render.build_overlay(scene, scene.camera, mesh, names)
        fps = scene.render.fps / scene.render.fps_base
        end = scene.frame_start + round(self.seconds * fps) - 1 if self.seconds > 0 else None
        started = time.perf_counter()
        engine, note = render.render_clip(scene, path, s.engine, s.resolution, frame_end=end)
        if note:
            self.report({"WARNING"}, note)
        frames = scene.frame_end - scene.frame_start + 1
        took = time.perf_counter() - started
        self.report(
            {"INFO"},
            f"Rendered {frames} frames with {engine} to {path} in {took:.1f} s ({took / frames:.2f} s/frame)",
        )
        return {"FINISHED"}
