"""The Presets panel: the eight emotions' shape-key weights and the name map."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bpy

from ..common import runtime_options
from ..common.face_drive import settings_drive, vrm_addon_expressions
from ..common.panels import _layout, _ListRows, _SubPanel, _wrap
from ..common.rig import face_mesh
from .scene import presets_from_scene, scene_emotions

if TYPE_CHECKING:
    from ..properties import EVOKE_PG_root


class EVOKE_UL_preset_keys(_ListRows, bpy.types.UIList):
    def draw_row(self, layout: bpy.types.UILayout, item: Any, index: int) -> None:
        row = layout.row(align=True)
        row.prop(item, "key", text="", emboss=False)
        row.prop(item, "weight", text="", slider=True)

    def filter_items(self, context: Any, data: Any, property: str) -> Any:
        rows = getattr(data, property)
        wanted = data.preset_emotion
        flags = [self.bitflag_filter_item if r.emotion == wanted else 0 for r in rows]
        return flags, []


class EVOKE_PT_presets(_SubPanel):
    bl_label = "Presets"
    bl_options = {"DEFAULT_CLOSED"}

    def draw_panel(self, context: Any) -> None:
        s: EVOKE_PG_root = context.scene.evoke
        col = _layout(self).column()
        row = col.row(align=True)
        row.prop(s.presets, "preset_emotion", text="")
        row.operator("evoke.preview_preset", icon="HIDE_OFF")
        _draw_profile(col, s, context)
        _draw_name_map(col, s, context)  # where a refusal sends the user: never behind a button
        if len(s.presets.preset_keys) == 0:
            col.operator("evoke.load_presets", text="Edit Presets", icon="PRESET")
            return
        col.template_list(
            "EVOKE_UL_preset_keys", "", s.presets, "preset_keys", s.presets, "preset_index", rows=6
        )
        row = col.row(align=True)
        row.operator("evoke.add_row", text="Add Key", icon="ADD").collection = "preset_keys"
        remove = row.operator("evoke.remove_row", icon="REMOVE")
        remove.collection, remove.index = "preset_keys", s.presets.preset_index
        row = col.row(align=True)
        row.operator("evoke.load_presets", text="Reset", icon="LOOP_BACK")
        row.operator("evoke.save_presets", icon="FILE_TICK")


def _draw_profile(col: Any, s: EVOKE_PG_root, context: Any) -> None:
    """The face profile: the choice, and what it finds on the avatar ('VRoid: 14 of 16 keys')."""
    col.prop(s.presets, "face_profile")
    face = face_mesh(s.common.target or context.active_object)
    if face is None:
        return
    ok, lines = profile_status(s, face)
    for i, line in enumerate(lines):
        first = "CHECKMARK" if ok else "ERROR"
        for j, chunk in enumerate(_wrap(line, 44)):
            col.label(text=chunk, icon="NONE" if j else first if i == 0 else "INFO")


_status: dict[tuple[Any, ...], tuple[bool, list[str]]] = {}  # panels redraw constantly


def profile_status(s: EVOKE_PG_root, face: Any) -> tuple[bool, list[str]]:
    """(recognised, lines): the drive's summary and notes, or why nothing would move."""
    from ...inference.errors import EvokeError
    from ..common.paths import PRESETS_PATH

    rows = tuple((r.emotion, r.key, r.weight > 0) for r in s.presets.preset_keys)
    stamp = PRESETS_PATH.stat().st_mtime if not rows and PRESETS_PATH.exists() else 0.0
    blocks = tuple(kb.name for kb in face.data.shape_keys.key_blocks)
    key = (face.name, blocks, s.presets.face_profile, s.common.model_path, stamp, rows,
           tuple(vrm_addon_expressions(face)),
           tuple(runtime_options.name_map(s.presets).items()))  # fmt: skip
    if key not in _status:
        _status.clear()
        try:
            drive = settings_drive(s, face, presets_from_scene(s.presets), scene_emotions(s))
            _status[key] = (True, [drive.summary(), *drive.mapping.notes])
        except EvokeError as exc:
            _status[key] = (False, [str(exc)])
    return _status[key]


def _draw_name_map(col: Any, s: EVOKE_PG_root, context: Any) -> None:
    """Avatars whose keys are not ARKit-named: map each preset key to the avatar's own."""
    box = col.box()
    box.label(text="Shape-key names (preset -> avatar)")
    face = face_mesh(s.common.target or context.active_object)
    keys = face.data.shape_keys if face is not None else None
    for i, row_data in enumerate(s.presets.name_map):
        row = box.row(align=True)
        row.prop(row_data, "preset_key", text="")
        if keys is not None:
            row.prop_search(row_data, "mesh_key", keys, "key_blocks", text="")
        else:
            row.prop(row_data, "mesh_key", text="")
        remove = row.operator("evoke.remove_row", text="", icon="X")
        remove.collection, remove.index = "name_map", i
    add = box.operator("evoke.add_row", text="Add Name Mapping", icon="ADD")
    add.collection = "name_map"
