"""The Render Clip panel."""

from __future__ import annotations

from typing import Any

from ..common.panels import _layout, _SubPanel


class EVOKE_PT_render(_SubPanel):
    bl_label = "Render Clip"
    bl_options = {"DEFAULT_CLOSED"}

    def draw_panel(self, context: Any) -> None:
        s = context.scene.evoke
        col = _layout(self).column()
        col.prop(s, "engine")
        col.prop(s, "resolution")
        col.prop(s, "show_overlay")
        col.prop(s, "clip_path")
        col.operator("evoke.render_clip", icon="RENDER_ANIMATION")
