"""Bake a recording onto the avatar; list a recording's markers."""

from __future__ import annotations

import time
from typing import Any

import bpy

from ...inference.predict import PredictOptions, predict
from ..common import face_state, model_cache, runtime_options
from ..common.operators import OperatorResult, guarded, say, settings
from ..common.rig import face_mesh, face_meshes, refuse_linked
from ..export import baked
from ..presets.scene import presets_from_scene
from . import keyframes
from .recording_source import channel_map_used, read_with_settings


class EVOKE_OT_bake(bpy.types.Operator):
    """Read the recording, run the EVOKE model and keyframe the avatar's face over the timeline"""

    bl_idname = "evoke.bake"
    bl_label = "Bake Emotions"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context: Any) -> bool:
        return context.scene is not None

    def execute(self, context: Any) -> OperatorResult:
        return guarded(self, lambda: self._bake(context))

    def _bake(self, context: Any) -> OperatorResult:
        s = settings(context)
        target = s.common.target or context.active_object
        mesh = face_mesh(target)
        if mesh is None:
            name = target.name if target else "nothing"
            say(
                self,
                {"ERROR"},
                f"Pick an avatar: {name} has no mesh with shape keys (use Add EVOKE Avatar)",
            )
            return {"CANCELLED"}
        refuse_linked(face_meshes(target))  # before reading anything: nothing could be kept
        if not s.bake.source_path:
            say(self, {"ERROR"}, "Choose a recording file first")
            return {"CANCELLED"}
        wm = context.window_manager
        wm.progress_begin(0, 3)
        started = time.perf_counter()
        try:
            model = model_cache.get_model(s.common.model_path)
            recording, described = read_with_settings(s)
            wm.progress_update(1)
            options = PredictOptions(hop_s=s.common.hop, mode=s.smoothing.mode,
                                     smoothing=runtime_options.smoothing(s.smoothing),
                                     baseline=runtime_options.baseline(s),
                                     hindsight=not s.bake.as_live)  # fmt: skip
            pred = predict(recording, model, options)
            wm.progress_update(2)
            scene = context.scene
            fps = scene.render.fps / scene.render.fps_base
            name_map = runtime_options.name_map(s.presets)
            extras = baked.prepare(pred.timelines[0], model, scene, markers=s.bake.timeline_markers)
            report = keyframes.bake_timeline(
                target, pred.timelines[0], model.emotions, presets_from_scene(s.presets),
                fps=fps, frame_start=scene.frame_start, window_s=model.features.window_s, name_map=name_map,
                profile=s.presets.face_profile, blend=s.smoothing.mode == "blend",
            )  # fmt: skip
            keyframes.set_scene_range(scene, report)
            mesh[face_state.SOURCE] = described
            mesh[face_state.MODEL] = pred.model
            mesh[face_state.CHANNEL_MAP] = channel_map_used(recording)
            extras.apply(scene, mesh)  # the rows to export, the markers: after the commit
            wm.progress_update(3)
        finally:
            wm.progress_end()
        for note in (*pred.notes, *report.notes):  # what was done, not what went wrong
            say(self, {"INFO"}, note)
        if pred.match.missing:  # the one loss a note describes: a warning too
            say(
                self,
                {"WARNING"},
                f"{len(pred.match.missing)} of the model's 32 electrodes are missing from the "
                "recording (read as no change): the emotions are less reliable",
            )
        if report.keys_missing:
            say(
                self,
                {"WARNING"},
                f"{report.face} on {mesh.name}; missing: "
                f"{', '.join(report.keys_missing[:8])}{' ...' if len(report.keys_missing) > 8 else ''}; "
                f"{len(report.keys_driven)} keys still animate (map names under Presets)",
            )
        say(
            self,
            {"INFO"},
            f"Baked {report.windows} windows onto {mesh.name}, frames {report.frame_start}-{report.frame_end} "
            f"in {time.perf_counter() - started:.2f} s ({report.face}). Model: {pred.model}",
        )
        return {"FINISHED"}


class EVOKE_OT_read_markers(bpy.types.Operator):
    """List the recording's markers (XDF marker streams, EDF+ annotations, BDF Status codes), to bake the span between two"""

    bl_idname = "evoke.read_markers"
    bl_label = "Read Markers"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: Any) -> OperatorResult:
        def work() -> OperatorResult:
            s = settings(context)
            if not s.bake.source_path:
                say(self, {"ERROR"}, "Choose a recording file first")
                return {"CANCELLED"}
            recording, name = read_with_settings(s, whole=True)
            s.bake.markers.clear()
            for marker in recording.markers:
                row = s.bake.markers.add()
                row.label, row.time_s = marker.label, marker.sample / recording.rate
            s.bake.span_start = s.bake.span_end = 0
            found = len(recording.markers)
            say(self, {"INFO"}, f"{name}: {found} markers" if found else f"{name} has no markers")
            return {"FINISHED"}

        return guarded(self, work)
