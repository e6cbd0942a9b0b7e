"""Render Clip: Blender's own render job in the interface (the status bar shows its progress; Esc
or the bar's cancel button stops it), blocking in scripts and background mode. Either way the
scene's settings and data are put back afterwards (render.job)."""

from __future__ import annotations

import time
from typing import Any, cast

import bpy

from ...inference.errors import EvokeError
from ..bake import keyframes
from ..common import face_state
from ..common.operators import OperatorResult, guarded, say, settings
from ..common.rig import face_mesh
from ..common.safe_output import StagedOutput, first_line
from .job import ClipJob

POLL_SECONDS = 0.2  # how often the interface checks whether the render job has ended


class EVOKE_OT_render_clip(bpy.types.Operator):
    """Render the baked animation to an MP4 with the emotion label and VAD bars in view"""

    bl_idname = "evoke.render_clip"
    bl_label = "Render Clip"

    filepath: bpy.props.StringProperty(subtype="FILE_PATH", default="")  # type: ignore[valid-type]
    seconds: bpy.props.FloatProperty(  # type: ignore[valid-type]
        name="Seconds", min=0.0, default=0.0, description="0 = the whole bake"
    )

    def invoke(self, context: Any, event: Any) -> OperatorResult:
        if bpy.app.background or context.window is None:
            return self.execute(context)
        return guarded(self, lambda: self._start_in_interface(context))

    def execute(self, context: Any) -> OperatorResult:
        return guarded(self, lambda: self._render_blocking(context))

    def modal(self, context: Any, event: Any) -> OperatorResult:
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        state = self._job.poll(bpy.app.is_job_running("RENDER"))
        if state == "running":
            return {"PASS_THROUGH"}
        context.window_manager.event_timer_remove(self._timer)
        return self._finished(state)

    def _prepare(self, context: Any) -> ClipJob | None:
        """Checks, then the snapshot, then the changes: output, overlay, frame range, engine."""
        from . import clip

        s = settings(context)
        scene = context.scene
        mesh = face_mesh(s.common.target or context.active_object)
        if mesh is None or keyframes.current_state(mesh) is None:
            say(self, {"ERROR"}, "Bake a recording onto the avatar before rendering")
            return None
        if scene.camera is None:
            say(self, {"ERROR"}, "The scene has no camera (Add EVOKE Avatar adds one)")
            return None
        target, self._where = clip.clip_target(self.filepath or s.render.clip_path)
        self._path = str(target)
        # rendered beside the target and moved over it only once complete (never a partial clip
        # in place of the last one); a folder that cannot be written is refused here, by name
        self._out = StagedOutput(target, "the clip")
        job = ClipJob.begin(scene)
        try:
            clip.configure_output(scene, str(self._out.path), s.render.engine, s.render.resolution)
            if s.render.show_overlay:
                clip.build_overlay(scene, scene.camera, mesh, face_state.emotion_names(mesh))
            fps = scene.render.fps / scene.render.fps_base
            end = scene.frame_start + round(self.seconds * fps) - 1 if self.seconds > 0 else None
            self._engine, note = clip.prepare_clip(
                scene, str(self._out.path), s.render.engine, s.render.resolution, frame_end=end
            )
            job.start(scene.frame_end - scene.frame_start + 1)
        except BaseException:
            job.finish()
            self._out.discard()
            raise
        if note:
            say(self, {"WARNING"}, note)
        self._job, self._started = job, time.perf_counter()
        return job

    def _render_blocking(self, context: Any) -> OperatorResult:
        job = self._prepare(context)
        if job is None:
            return {"CANCELLED"}
        try:
            bpy.ops.render.render(animation=True)
        except RuntimeError as exc:  # Blender could not write a frame (a full disk, say)
            raise self._out.fail(f"Blender stopped rendering: {first_line(exc)}") from None
        finally:
            job.finish()
        return self._finished("done" if job.frames_done >= job.total else "cancelled")

    def _start_in_interface(self, context: Any) -> OperatorResult:
        if bpy.app.is_job_running("RENDER"):
            say(self, {"ERROR"}, "Blender is already rendering: wait for it, or cancel it")
            return {"CANCELLED"}
        job = self._prepare(context)
        if job is None:
            return {"CANCELLED"}
        try:
            started = cast(set[str], bpy.ops.render.render("INVOKE_DEFAULT", animation=True))
        except BaseException:
            job.finish()
            self._out.discard()
            raise
        if "CANCELLED" in started:
            job.finish()
            self._out.discard()
            say(self, {"ERROR"}, "Blender did not start the render")
            return {"CANCELLED"}
        wm = context.window_manager
        self._timer = wm.event_timer_add(POLL_SECONDS, window=context.window)
        wm.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def _finished(self, state: str) -> OperatorResult:
        job = self._job
        if job.unrestored:
            say(self, {"WARNING"}, f"Could not restore: {', '.join(job.unrestored)}")
        if state == "cancelled":
            untouched = self._out.untouched()
            self._out.discard()
            say(
                self,
                {"WARNING"},
                f"Render Clip cancelled after {job.frames_done} of {job.total} frames; "
                f"the scene's settings are as they were and {untouched}",
            )
            return {"CANCELLED"}
        from .clip import mp4_complete

        try:
            self._out.commit(mp4_complete)
        except EvokeError as exc:  # also reached from the modal timer, outside `guarded`
            say(self, {"ERROR"}, str(exc))
            return {"CANCELLED"}
        took = time.perf_counter() - self._started
        say(
            self,
            {"INFO"},
            f"Rendered {job.total} frames with {self._engine} to {self._path} in {took:.1f} s "
            f"({took / max(job.total, 1):.2f} s/frame)",
        )
        if self._where:
            say(self, {"INFO"}, self._where)
        return {"FINISHED"}
