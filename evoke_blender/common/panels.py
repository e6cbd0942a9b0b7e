"""What every panel shares: the sidebar tab, a draw that never raises, list rows, text wrapping."""

from __future__ import annotations

from typing import Any, cast

import bpy


class _Sidebar(bpy.types.Panel):
    """Where every EVOKE panel lives: the 3D viewport's sidebar, tab "EVOKE" (never registered itself).

    A panel's draw must never raise (Blender would print a traceback at every redraw): each
    panel draws in `draw_panel`, and whatever it raises is shown as one line in the panel.
    """

    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "EVOKE"

    def draw(self, context: Any) -> None:
        try:
            self.draw_panel(context)
        except Exception as exc:
            _layout(self).label(text=f"EVOKE: {type(exc).__name__}: {exc}"[:200], icon="ERROR")

    def draw_panel(self, context: Any) -> None:
        raise NotImplementedError


class _SubPanel(_Sidebar):
    bl_parent_id = "EVOKE_PT_main"


class _ListRows:
    """Mixed into a UIList: Blender's nine-argument draw_item, drawn row by row in `draw_row`."""

    def draw_item(
        self,
        context: bpy.types.Context | None,
        layout: bpy.types.UILayout | None,
        data: Any | None,
        item: Any | None,
        icon: int | None,
        active_data: Any | None,
        active_property: str | None,
        index: int | None = 0,
        flt_flag: int | None = 0,
    ) -> None:
        if layout is not None and item is not None:
            self.draw_row(layout, item, index or 0)

    def draw_row(self, layout: bpy.types.UILayout, item: Any, index: int) -> None:
        raise NotImplementedError


def _layout(panel: bpy.types.Panel) -> bpy.types.UILayout:
    """Panels always have a layout while drawing; the stubs say it may be None."""
    return cast(bpy.types.UILayout, panel.layout)


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines
