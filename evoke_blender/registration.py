"""The one registration list: classes in dependency order, unregistered in exact reverse."""

from __future__ import annotations

from typing import Any

import bpy

from . import migration, properties
from .avatar import ops as avatar_ops
from .avatar import panel as avatar_panel
from .bake import ops as bake_ops
from .bake import panel as bake_panel
from .bake import property_group as bake_group
from .common import model_cache
from .common import property_group as common_group
from .export import gltf as export_gltf
from .export import ops as export_ops
from .live import ops as live_ops
from .live import osc_playback
from .live import panel as live_panel
from .live import property_group as live_group
from .presets import ops as presets_ops
from .presets import panel as presets_panel
from .presets import property_group as presets_group
from .render import ops as render_ops
from .render import panel as render_panel
from .render import property_group as render_group

CLASSES: tuple[type, ...] = (
    # the settings: rows before the groups that hold them, the groups before the root
    common_group.EVOKE_PG_common,
    common_group.EVOKE_PG_smoothing,
    bake_group.EVOKE_PG_marker,
    bake_group.EVOKE_PG_bake,
    presets_group.EVOKE_PG_preset_key,
    presets_group.EVOKE_PG_name_map,
    presets_group.EVOKE_PG_presets,
    render_group.EVOKE_PG_render,
    live_group.EVOKE_PG_live,
    properties.EVOKE_PG_root,
    avatar_ops.EVOKE_OT_add_avatar,
    bake_ops.EVOKE_OT_bake,
    bake_ops.EVOKE_OT_read_markers,
    export_ops.EVOKE_OT_export_timeline,
    export_gltf.EVOKE_OT_export_gltf,
    presets_ops.EVOKE_OT_load_presets,
    presets_ops.EVOKE_OT_save_presets,
    presets_ops.EVOKE_OT_preview_preset,
    presets_ops.EVOKE_OT_add_row,
    presets_ops.EVOKE_OT_remove_row,
    render_ops.EVOKE_OT_render_clip,
    live_ops.EVOKE_OT_live_find_streams,
    live_ops.EVOKE_OT_live_use_stream,
    live_ops.EVOKE_OT_live_connect,
    live_ops.EVOKE_OT_live_disconnect,
    live_ops.EVOKE_OT_live_calibrate,
    live_ops.EVOKE_OT_live_record,
    live_ops.EVOKE_OT_live_tick,
    presets_panel.EVOKE_UL_preset_keys,
    bake_panel.EVOKE_UL_markers,
    avatar_panel.EVOKE_PT_main,
    bake_panel.EVOKE_PT_source,
    bake_panel.EVOKE_PT_playback,
    presets_panel.EVOKE_PT_presets,
    render_panel.EVOKE_PT_render,
    live_panel.EVOKE_PT_live,
)


def register() -> None:
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    pointer: Any = bpy.props.PointerProperty  # stubs declare it as returning None
    bpy.types.Scene.evoke = pointer(type=properties.EVOKE_PG_root)  # type: ignore[attr-defined]
    osc_playback.register()
    migration.register()  # after Scene.evoke: it reads and writes it


def unregister() -> None:
    live_ops.stop()  # the timer and the inlet go first
    migration.unregister()
    osc_playback.unregister()
    del bpy.types.Scene.evoke  # type: ignore[attr-defined]
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
    model_cache.clear()
