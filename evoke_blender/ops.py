"""Operators: add the avatar, bake a recording, edit presets. Errors become reports, never tracebacks."""

from __future__ import annotations

import json
import time
import traceback
from pathlib import Path
from typing import Any, Literal

import bpy

from ..inference.emotion.smoothing import SmoothingSettings
from ..inference.errors import EvokeError
from ..inference.predict import PredictOptions, predict
from . import bake as baking
from . import model_cache
from .presets import DEFAULT_PRESETS_PATH, Presets
from .recording_source import channel_map_used, read_with_settings

OperatorResult = set[Literal["RUNNING_MODAL", "CANCELLED", "FINISHED", "PASS_THROUGH", "INTERFACE"]]


def settings(context: Any) -> Any:
    return context.scene.evoke


def presets_from_scene(s: Any) -> Presets:
    """The presets being edited in the panel, or the bundled file when none were loaded."""
    if len(s.preset_keys) == 0:
        return Presets.load()
    keys: dict[str, dict[str, float]] = {}
    for row in s.preset_keys:
        keys.setdefault(row.emotion, {})[row.key] = row.weight
    bones = (
        Presets.load().bones if DEFAULT_PRESETS_PATH.exists() else {}
    )  # poses are not edited in the UI
    return Presets(keys, bones)


def fill_scene_presets(s: Any, presets: Presets) -> None:
    s.preset_keys.clear()
    for emotion, weights in presets.shape_keys.items():
        for key, weight in sorted(weights.items()):
            row = s.preset_keys.add()
            row.emotion, row.key, row.weight = emotion, key, weight


def _guarded(op: Any, work: Any) -> OperatorResult:
    """Run `work`; turn our errors into one clear report and anything else into a short one."""
    try:
        result: OperatorResult = work()
        return result
    except (EvokeError, ValueError, OSError) as exc:
        op.report({"ERROR"}, str(exc))
    except Exception as exc:  # never a traceback dialog: log it, tell the user briefly
        traceback.print_exc()
        op.report(
            {"ERROR"}, f"EVOKE: unexpected {type(exc).__name__}: {exc} (details in the console)"
        )
    return {"CANCELLED"}


class EVOKE_OT_add_avatar(bpy.types.Operator):
    """Add the EVOKE avatar (rigged head with ARKit face shape keys) with a camera and lights"""

    bl_idname = "evoke.add_avatar"
    bl_label = "Add EVOKE Avatar"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: Any) -> OperatorResult:
        def work() -> OperatorResult:
            from .avatar.build import add_camera_and_lights, build_avatar

            obj = build_avatar()
            add_camera_and_lights(obj)
            face = baking.face_mesh(obj)
            settings(context).target = face or obj
            self.report({"INFO"}, f"Added {obj.name}")
            return {"FINISHED"}

        return _guarded(self, work)


class EVOKE_OT_bake(bpy.types.Operator):
    """Read the recording, run the EVOKE model and keyframe the avatar's face over the timeline"""

    bl_idname = "evoke.bake"
    bl_label = "Bake Emotions"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context: Any) -> bool:
        return context.scene is not None

    def execute(self, context: Any) -> OperatorResult:
        return _guarded(self, lambda: self._bake(context))

    def _bake(self, context: Any) -> OperatorResult:
        s = settings(context)
        target = s.target or context.active_object
        mesh = baking.face_mesh(target)
        if mesh is None:
            name = target.name if target else "nothing"
            self.report(
                {"ERROR"},
                f"Pick an avatar: {name} has no mesh with shape keys (use Add EVOKE Avatar)",
            )
            return {"CANCELLED"}
        if not s.source_path:
            self.report({"ERROR"}, "Choose a recording file first")
            return {"CANCELLED"}
        wm = context.window_manager
        wm.progress_begin(0, 3)
        started = time.perf_counter()
        try:
            model = model_cache.get_model(s.model_path)
            recording, described = read_with_settings(s)
            wm.progress_update(1)
            smoothing = SmoothingSettings(tau_s=s.tau, hysteresis=s.hysteresis, min_dwell_s=s.dwell)
            pred = predict(
                recording, model, PredictOptions(hop_s=s.hop, mode=s.mode, smoothing=smoothing)
            )
            wm.progress_update(2)
            scene = context.scene
            fps = scene.render.fps / scene.render.fps_base
            name_map = {row.preset_key: row.mesh_key for row in s.name_map if row.preset_key}
            report = baking.bake_timeline(
                target, pred.timelines[0], model.emotions, presets_from_scene(s),
                fps=fps, frame_start=scene.frame_start, window_s=model.features.window_s, name_map=name_map,
            )  # fmt: skip
            baking.set_scene_range(scene, report)
            mesh["evoke_source"] = described
            mesh["evoke_model"] = pred.model
            mesh["evoke_channel_map"] = channel_map_used(recording)
            wm.progress_update(3)
        finally:
            wm.progress_end()
        for note in pred.notes:
            self.report({"WARNING"}, note)
        if report.keys_missing:
            self.report(
                {"WARNING"},
                f"{len(report.keys_missing)} preset shape keys are not on {mesh.name}: "
                f"{', '.join(report.keys_missing[:8])}{' ...' if len(report.keys_missing) > 8 else ''}; "
                f"{len(report.keys_driven)} keys still animate (map names under Presets)",
            )
        self.report(
            {"INFO"},
            f"Baked {report.windows} windows onto {mesh.name}, frames {report.frame_start}-{report.frame_end} "
            f"in {time.perf_counter() - started:.2f} s. Model: {pred.model}",
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
            if not s.source_path:
                self.report({"ERROR"}, "Choose a recording file first")
                return {"CANCELLED"}
            recording, name = read_with_settings(s, whole=True)
            s.markers.clear()
            for marker in recording.markers:
                row = s.markers.add()
                row.label, row.time_s = marker.label, marker.sample / recording.rate
            s.span_start = s.span_end = 0
            found = len(recording.markers)
            self.report({"INFO"}, f"{name}: {found} markers" if found else f"{name} has no markers")
            return {"FINISHED"}

        return _guarded(self, work)


class EVOKE_OT_load_presets(bpy.types.Operator):
    """Load emotion presets for editing (the bundled ones, or a JSON file)"""

    bl_idname = "evoke.load_presets"
    bl_label = "Load Presets"
    bl_options = {"REGISTER", "UNDO"}

    filepath: bpy.props.StringProperty(subtype="FILE_PATH", default="")  # type: ignore[valid-type]

    def execute(self, context: Any) -> OperatorResult:
        def work() -> OperatorResult:
            presets = Presets.load(bpy.path.abspath(self.filepath) if self.filepath else None)
            fill_scene_presets(settings(context), presets)
            return {"FINISHED"}

        return _guarded(self, work)


class EVOKE_OT_save_presets(bpy.types.Operator):
    """Save the edited presets as JSON (by default in this extension's user folder)"""

    bl_idname = "evoke.save_presets"
    bl_label = "Save Presets"

    filepath: bpy.props.StringProperty(subtype="FILE_PATH", default="")  # type: ignore[valid-type]

    def execute(self, context: Any) -> OperatorResult:
        def work() -> OperatorResult:
            path = (
                Path(bpy.path.abspath(self.filepath))
                if self.filepath
                else _user_dir() / "presets.json"
            )
            path.write_text(
                json.dumps(presets_from_scene(settings(context)).to_dict(), indent=1),
                encoding="utf-8",
            )
            self.report({"INFO"}, f"Saved presets to {path}")
            return {"FINISHED"}

        return _guarded(self, work)


def _user_dir() -> Path:
    package = __package__.rpartition(".")[0] if __package__ else "evoke"
    try:
        return Path(bpy.utils.extension_path_user(package, path="", create=True))
    except (ValueError, AttributeError):  # not installed as an extension (e.g. run from source)
        return Path(bpy.utils.user_resource("CONFIG", path="evoke", create=True))


class EVOKE_OT_preview_preset(bpy.types.Operator):
    """Show the selected emotion's preset on the avatar (sets the shape keys now)"""

    bl_idname = "evoke.preview_preset"
    bl_label = "Preview"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: Any) -> OperatorResult:
        s = settings(context)
        mesh = baking.face_mesh(s.target or context.active_object)
        if mesh is None:
            self.report({"ERROR"}, "No avatar with shape keys selected")
            return {"CANCELLED"}
        from .avatar.build import apply_preset
        from .presets import resolve_keys

        presets = presets_from_scene(s)
        weights = presets.shape_keys.get(s.preset_emotion, {})
        name_map = {row.preset_key: row.mesh_key for row in s.name_map if row.preset_key}
        found, _ = resolve_keys(
            list(weights), [b.name for b in mesh.data.shape_keys.key_blocks], name_map
        )
        preset = {
            "shape_keys": {found[k]: w for k, w in weights.items() if k in found},
            "bones": presets.bones.get(s.preset_emotion, {}),
        }
        apply_preset(mesh, preset)  # the same function the contact sheet renders with
        return {"FINISHED"}


class EVOKE_OT_preset_key_add(bpy.types.Operator):
    """Add a shape key to the selected emotion's preset"""

    bl_idname = "evoke.preset_key_add"
    bl_label = "Add Key"
    bl_options = {"REGISTER", "UNDO"}

    key: bpy.props.StringProperty(name="Shape key")  # type: ignore[valid-type]

    def execute(self, context: Any) -> OperatorResult:
        s = settings(context)
        if len(s.preset_keys) == 0:
            fill_scene_presets(s, Presets.load())
        row = s.preset_keys.add()
        row.emotion, row.key, row.weight = s.preset_emotion, self.key or "browInnerUp", 0.5
        return {"FINISHED"}


class EVOKE_OT_preset_key_remove(bpy.types.Operator):
    """Remove a shape key from the preset"""

    bl_idname = "evoke.preset_key_remove"
    bl_label = "Remove Key"
    bl_options = {"REGISTER", "UNDO"}

    index: bpy.props.IntProperty()  # type: ignore[valid-type]

    def execute(self, context: Any) -> OperatorResult:
        s = settings(context)
        if 0 <= self.index < len(s.preset_keys):
            s.preset_keys.remove(self.index)
        return {"FINISHED"}


class EVOKE_OT_render_clip(bpy.types.Operator):
    """Render the baked animation to an MP4 with the emotion label and VAD bars in view"""

    bl_idname = "evoke.render_clip"
    bl_label = "Render Clip"

    filepath: bpy.props.StringProperty(subtype="FILE_PATH", default="")  # type: ignore[valid-type]
    seconds: bpy.props.FloatProperty(  # type: ignore[valid-type]
        name="Seconds", min=0.0, default=0.0, description="0 = the whole bake"
    )

    def execute(self, context: Any) -> OperatorResult:
        return _guarded(self, lambda: self._render(context))

    def _render(self, context: Any) -> OperatorResult:
        from . import render

        s = settings(context)
        scene = context.scene
        mesh = baking.face_mesh(s.target or context.active_object)
        state = baking.current_state(mesh)
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
            names = json.loads(str(mesh.get("evoke_emotions", "[]")))
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


class EVOKE_OT_name_map_add(bpy.types.Operator):
    """Map a preset (ARKit) shape-key name to one of this avatar's shape keys"""

    bl_idname = "evoke.name_map_add"
    bl_label = "Add Name Mapping"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: Any) -> OperatorResult:
        settings(context).name_map.add()
        return {"FINISHED"}


class EVOKE_OT_name_map_remove(bpy.types.Operator):
    """Remove a shape-key name mapping"""

    bl_idname = "evoke.name_map_remove"
    bl_label = "Remove Name Mapping"
    bl_options = {"REGISTER", "UNDO"}

    index: bpy.props.IntProperty()  # type: ignore[valid-type]

    def execute(self, context: Any) -> OperatorResult:
        s = settings(context)
        if 0 <= self.index < len(s.name_map):
            s.name_map.remove(self.index)
        return {"FINISHED"}
