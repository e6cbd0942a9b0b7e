"""The EVOKE tab's main panel: the avatar and the model in use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..common import model_cache
from ..common.panels import _layout, _Sidebar, _wrap

if TYPE_CHECKING:
    from ..properties import EVOKE_PG_root


class EVOKE_PT_main(_Sidebar):
    bl_label = "EVOKE"
    bl_idname = "EVOKE_PT_main"

    def draw_panel(self, context: Any) -> None:
        s: EVOKE_PG_root = context.scene.evoke
        layout = _layout(self)
        layout.operator("evoke.add_avatar", icon="USER")
        layout.prop(s.common, "target")
        box = layout.box()
        box.label(text="Model", icon="NETWORK_DRIVE")
        box.prop(s.common, "model_path", text="")
        text = model_cache.describe(s.common.model_path)
        for i, chunk in enumerate(_wrap(text, 38)):
            box.label(
                text=chunk,
                icon="ERROR" if i == 0 and ("UNTRAINED" in text or "NOT real" in text) else "NONE",
            )
