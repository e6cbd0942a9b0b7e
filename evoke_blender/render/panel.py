"""The Render Clip panel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..common.panels import _layout, _SubPanel

if TYPE_CHECKING:
    from ..properties import EVOKE_PG_root


class EVOKE_PT_render(_SubPanel):
    bl_label = "Render Clip"
    bl_options = {"DEFAULT_CLOSED"}

    def draw_panel(self, context: Any) -> None:
        s: EVOKE_PG_root = context.scene.evoke
        col = _layout(self).column()
        col.prop(s.render, "engine")
        col.prop(s.render, "resolution")
        col.prop(s.render, "show_overlay")
        col.prop(s.render, "clip_path")
        col.operator("evoke.render_clip", icon="RENDER_ANIMATION")
