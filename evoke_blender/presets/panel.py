"""The Presets panel: the eight emotions' shape-key weights and the name map."""

from __future__ import annotations

from typing import Any

import bpy

from ..bake import keyframes
from ..common.panels import _layout, _ListRows, _SubPanel


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
        s = context.scene.evoke
        col = _layout(self).column()
        row = col.row(align=True)
        row.prop(s, "preset_emotion", text="")
        row.operator("evoke.preview_preset", icon="HIDE_OFF")
        if len(s.preset_keys) == 0:
            col.operator("evoke.load_presets", text="Edit Presets", icon="PRESET")
            return
        col.template_list("EVOKE_UL_preset_keys", "", s, "preset_keys", s, "preset_index", rows=6)
        row = col.row(align=True)
        row.operator("evoke.add_row", text="Add Key", icon="ADD").collection = "preset_keys"
        remove = row.operator("evoke.remove_row", icon="REMOVE")
        remove.collection, remove.index = "preset_keys", s.preset_index
        row = col.row(align=True)
        row.operator("evoke.load_presets", text="Reset", icon="LOOP_BACK")
        row.operator("evoke.save_presets", icon="FILE_TICK")
        _draw_name_map(col, s, context)


def _draw_name_map(col: Any, s: Any, context: Any) -> None:
    """Avatars whose keys are not ARKit-named: map each preset key to the avatar's own."""
    box = col.box()
    box.label(text="Shape-key names (preset -> avatar)")
    face = keyframes.face_mesh(s.target or context.active_object)
    keys = face.data.shape_keys if face is not None else None
    for i, row_data in enumerate(s.name_map):
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
