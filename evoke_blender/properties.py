"""The root of the scene's settings, `scene.evoke`: one group per feature, each defined beside
its feature. Saved with the .blend file; files saved before the split are carried over by
`migration`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import bpy
from bpy.props import IntProperty, PointerProperty

from .bake.property_group import EVOKE_PG_bake
from .common.property_group import EVOKE_PG_common, EVOKE_PG_smoothing
from .live.property_group import EVOKE_PG_live
from .presets.property_group import EVOKE_PG_presets
from .render.property_group import EVOKE_PG_render

# the group each pointer of the root holds, by the pointer's name (the migration reads it too)
GROUPS: dict[str, type[bpy.types.PropertyGroup]] = {
    "common": EVOKE_PG_common,
    "smoothing": EVOKE_PG_smoothing,
    "bake": EVOKE_PG_bake,
    "presets": EVOKE_PG_presets,
    "render": EVOKE_PG_render,
    "live": EVOKE_PG_live,
}


class EVOKE_PG_root(bpy.types.PropertyGroup):
    """Every EVOKE setting of a scene, by feature, and the version of their layout."""

    schema_version: IntProperty(  # type: ignore[valid-type]
        name="Settings version",
        default=0,
        description="Layout of these settings when last saved (0: saved before versions)",
    )
    # Blender reads the annotations (the branch below TYPE_CHECKING); mypy reads the groups'
    # classes, so it checks every setting name each function uses
    if TYPE_CHECKING:
        common: EVOKE_PG_common
        smoothing: EVOKE_PG_smoothing
        bake: EVOKE_PG_bake
        presets: EVOKE_PG_presets
        render: EVOKE_PG_render
        live: EVOKE_PG_live
    else:
        common: PointerProperty(type=EVOKE_PG_common)
        smoothing: PointerProperty(type=EVOKE_PG_smoothing)
        bake: PointerProperty(type=EVOKE_PG_bake)
        presets: PointerProperty(type=EVOKE_PG_presets)
        render: PointerProperty(type=EVOKE_PG_render)
        live: PointerProperty(type=EVOKE_PG_live)
