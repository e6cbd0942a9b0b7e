"""Export the baked emotion timeline: CSV or JSON by the file's extension, the CLI's columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import bpy
from bpy.props import StringProperty

from ...inference.emotion import timeline_export
from ..common import face_state, safe_output
from ..common.operators import OperatorResult, guarded, say, settings
from ..common.rig import face_mesh
from .baked import baked_rows, has_bake


def baked_face(context: Any) -> Any | None:
    """The selected face (the panel's avatar, else the active object) when it carries a bake."""
    face = face_mesh(settings(context).common.target or context.active_object)
    return face if has_bake(face) else None


def default_name(face: Any) -> str:
    """'<face>_<source>.csv', e.g. Face_s01_dat_trial_2.csv."""
    source = str(face.get(face_state.SOURCE, "")) or "timeline"
    return bpy.path.clean_name(f"{face.name} {source}") + ".csv"


class BakedFaceExport:
    """Mixed into the export operators: on only for a baked face, a file browser with a default
    name beside the .blend (`suffix` picks the extension)."""

    suffix: ClassVar[str]
    kinds: ClassVar[str]  # the file kinds, for messages: ".csv or .json"
    filepath: StringProperty(subtype="FILE_PATH", options={"SKIP_SAVE"})  # type: ignore[valid-type]

    @classmethod
    def poll(cls, context: Any) -> bool:
        if context.scene is not None and baked_face(context) is not None:
            return True
        cls.poll_message_set("Bake a recording onto the selected face first")  # type: ignore[attr-defined]
        return False

    def invoke(self, context: Any, event: Any) -> OperatorResult:
        face = baked_face(context)
        if not self.filepath and face is not None:
            folder = bpy.path.abspath("//") if bpy.data.filepath else ""
            self.filepath = str(Path(folder, default_name(face)).with_suffix(self.suffix))
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context: Any) -> OperatorResult:
        return guarded(self, lambda: self._export_selected(context))

    def _export_selected(self, context: Any) -> OperatorResult:
        face = baked_face(context)
        if face is None or not self.filepath:
            say(self, {"ERROR"}, f"Select a baked face and choose a {self.kinds} file")
            return {"CANCELLED"}
        return self._export(context, face, Path(bpy.path.abspath(self.filepath)))

    def _export(self, context: Any, face: Any, path: Path) -> OperatorResult:
        raise NotImplementedError


class EVOKE_OT_export_timeline(BakedFaceExport, bpy.types.Operator):
    """Write the selected face's baked emotion timeline (trial, t, valence, arousal, dominance, emotion, confidence, valid) as CSV or JSON, by the file's extension"""

    bl_idname = "evoke.export_timeline"
    bl_label = "Export Timeline"
    suffix = ".csv"
    kinds = ".csv or .json"

    filter_glob: StringProperty(default="*.csv;*.json", options={"HIDDEN"})  # type: ignore[valid-type]

    def _export(self, context: Any, face: Any, path: Path) -> OperatorResult:
        text = timeline_export.render(baked_rows(face), timeline_export.format_of(path))
        safe_output.write_text(path, text, f"{face.name}'s timeline")
        say(self, {"INFO"}, f"Wrote {face.name}'s baked timeline to {path}")
        return {"FINISHED"}
