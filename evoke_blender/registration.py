"""The one registration list: classes in dependency order, unregistered in exact reverse."""

from __future__ import annotations

from typing import Any

import bpy

from . import live_ops, model_cache, ops, panel, properties

CLASSES: tuple[type, ...] = (
    properties.EVOKE_PG_preset_key,
    properties.EVOKE_PG_name_map,
    properties.EVOKE_PG_marker,
    properties.EVOKE_PG_settings,
    ops.EVOKE_OT_add_avatar,
    ops.EVOKE_OT_bake,
    ops.EVOKE_OT_read_markers,
    ops.EVOKE_OT_load_presets,
    ops.EVOKE_OT_save_presets,
    ops.EVOKE_OT_preview_preset,
    ops.EVOKE_OT_preset_key_add,
    ops.EVOKE_OT_preset_key_remove,
    ops.EVOKE_OT_render_clip,
    ops.EVOKE_OT_name_map_add,
    ops.EVOKE_OT_name_map_remove,
    live_ops.EVOKE_OT_live_find_streams,
    live_ops.EVOKE_OT_live_use_stream,
    live_ops.EVOKE_OT_live_connect,
    live_ops.EVOKE_OT_live_disconnect,
    live_ops.EVOKE_OT_live_calibrate,
    live_ops.EVOKE_OT_live_record,
    live_ops.EVOKE_OT_live_tick,
    panel.EVOKE_UL_preset_keys,
    panel.EVOKE_UL_markers,
    panel.EVOKE_PT_main,
    panel.EVOKE_PT_source,
    panel.EVOKE_PT_playback,
    panel.EVOKE_PT_presets,
    panel.EVOKE_PT_render,
    panel.EVOKE_PT_live,
)


def register() -> None:
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    pointer: Any = bpy.props.PointerProperty  # stubs declare it as returning None
    bpy.types.Scene.evoke = pointer(type=properties.EVOKE_PG_settings)  # type: ignore[attr-defined]


def unregister() -> None:
    live_ops.stop()  # the timer and the inlet go first
    del bpy.types.Scene.evoke  # type: ignore[attr-defined]
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
    model_cache.clear()
