"""Load, save, preview and edit the emotion presets; map shape-key names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bpy
import numpy as np

from ...inference.face.presets import Presets
from ..common.face_drive import SHAPE_KEYS, settings_drive
from ..common.operators import OperatorResult, guarded, say, settings
from ..common.paths import PRESETS_PATH
from ..common.rig import face_mesh
from .scene import fill_scene_presets, presets_from_scene, scene_emotions, user_dir

if TYPE_CHECKING:
    from ..properties import EVOKE_PG_root


class EVOKE_OT_load_presets(bpy.types.Operator):
    """Load emotion presets for editing (the bundled ones, or a JSON file)"""

    bl_idname = "evoke.load_presets"
    bl_label = "Load Presets"
    bl_options = {"REGISTER", "UNDO"}

    filepath: bpy.props.StringProperty(subtype="FILE_PATH", default="")  # type: ignore[valid-type]

    def execute(self, context: Any) -> OperatorResult:
        def work() -> OperatorResult:
            presets = Presets.load(
                bpy.path.abspath(self.filepath) if self.filepath else PRESETS_PATH
            )
            fill_scene_presets(settings(context).presets, presets)
            return {"FINISHED"}

        return guarded(self, work)


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
                else user_dir() / "presets.json"
            )
            path.write_text(
                json.dumps(presets_from_scene(settings(context).presets).to_dict(), indent=1),
                encoding="utf-8",
            )
            say(self, {"INFO"}, f"Saved presets to {path}")
            return {"FINISHED"}

        return guarded(self, work)


class EVOKE_OT_preview_preset(bpy.types.Operator):
    """Show the selected emotion's preset on the avatar (sets the shape keys now)"""

    bl_idname = "evoke.preview_preset"
    bl_label = "Preview"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: Any) -> OperatorResult:
        s = settings(context)
        mesh = face_mesh(s.common.target or context.active_object)
        if mesh is None:
            say(self, {"ERROR"}, "No avatar with shape keys selected")
            return {"CANCELLED"}
        return guarded(self, lambda: self._preview(s, mesh))

    def _preview(self, s: EVOKE_PG_root, mesh: Any) -> OperatorResult:
        from ..avatar.build import apply_preset

        presets = presets_from_scene(s.presets)
        emotions = scene_emotions(s)
        drive = settings_drive(s, mesh, presets, emotions)  # as the bake and live mode drive it
        e = s.presets.preset_emotion
        row = drive.matrix[emotions.index(e)] if e in emotions else np.zeros(len(drive.names))
        values = {n: float(v) for n, v in zip(drive.names, row, strict=True)}
        preset = {
            "shape_keys": {n: values[n] for kind, n in drive.columns if kind == SHAPE_KEYS},
            "bones": presets.bones.get(e, {}),
        }
        posed = {b for pose in presets.bones.values() for b in pose}
        apply_preset(mesh, preset, driven=posed)  # as the contact sheet renders; bones once
        keys_only = {"shape_keys": preset["shape_keys"]}
        for part, _ in drive.part_meshes(mesh)[1:]:  # teeth, eyes: as the bake drives them
            apply_preset(part, keys_only, driven=())
        if drive.uses_vrm_addon:
            drive.set_expressions(mesh, values)
        say(self, {"INFO"}, drive.summary())
        return {"FINISHED"}


_ROW_LISTS = (
    ("preset_keys", "Preset key", "A shape key of the preset being edited"),
    ("name_map", "Name mapping", "A preset -> avatar shape-key name mapping"),
)


class EVOKE_OT_add_row(bpy.types.Operator):
    """Add a row to a list of the presets panel"""

    bl_idname = "evoke.add_row"
    bl_label = "Add"
    bl_options = {"REGISTER", "UNDO"}

    collection: bpy.props.EnumProperty(items=_ROW_LISTS)  # type: ignore[valid-type]
    key: bpy.props.StringProperty(name="Shape key")  # type: ignore[valid-type]

    @classmethod
    def description(cls, context: Any, properties: Any) -> str:
        if properties.collection == "name_map":
            return "Map a preset (ARKit) shape-key name to one of this avatar's shape keys"
        return "Add a shape key to the selected emotion's preset"

    def execute(self, context: Any) -> OperatorResult:
        s = settings(context)
        if self.collection == "name_map":
            s.presets.name_map.add()
            return {"FINISHED"}
        if len(s.presets.preset_keys) == 0:
            fill_scene_presets(s.presets, Presets.load(PRESETS_PATH))
        row = s.presets.preset_keys.add()
        row.emotion, row.key, row.weight = s.presets.preset_emotion, self.key or "browInnerUp", 0.5
        return {"FINISHED"}


class EVOKE_OT_remove_row(bpy.types.Operator):
    """Remove a row from a list of the presets panel"""

    bl_idname = "evoke.remove_row"
    bl_label = "Remove"
    bl_options = {"REGISTER", "UNDO"}

    collection: bpy.props.EnumProperty(items=_ROW_LISTS)  # type: ignore[valid-type]
    index: bpy.props.IntProperty()  # type: ignore[valid-type]

    @classmethod
    def description(cls, context: Any, properties: Any) -> str:
        if properties.collection == "name_map":
            return "Remove this shape-key name mapping"
        return "Remove the selected shape key from the preset"

    def execute(self, context: Any) -> OperatorResult:
        rows = getattr(settings(context).presets, self.collection)
        if 0 <= self.index < len(rows):
            rows.remove(self.index)
        return {"FINISHED"}
