"""The "EVOKE" sidebar tab in the 3D viewport."""

from __future__ import annotations

from typing import Any, cast

import bpy

from ..inference.io.formats import format_of
from . import bake as baking
from . import model_cache


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


class EVOKE_PT_main(_Sidebar):
    bl_label = "EVOKE"
    bl_idname = "EVOKE_PT_main"

    def draw_panel(self, context: Any) -> None:
        s = context.scene.evoke
        layout = _layout(self)
        layout.operator("evoke.add_avatar", icon="USER")
        layout.prop(s, "target")
        box = layout.box()
        box.label(text="Model", icon="NETWORK_DRIVE")
        box.prop(s, "model_path", text="")
        text = model_cache.describe(s.model_path)
        for i, chunk in enumerate(_wrap(text, 38)):
            box.label(
                text=chunk,
                icon="ERROR" if i == 0 and ("UNTRAINED" in text or "NOT real" in text) else "NONE",
            )


class EVOKE_PT_source(_SubPanel):
    bl_label = "Recording and Bake"

    def draw_panel(self, context: Any) -> None:
        s = context.scene.evoke
        col = _layout(self).column()
        col.prop(s, "source_path")
        kind = format_of(bpy.path.abspath(s.source_path)) if s.source_path else ""
        if kind == "DEAP":
            row = col.row(align=True)
            row.prop(s, "subject")
            row.prop(s, "trial")
        elif kind in ("EDF", "BDF"):
            col.prop(s, "trial", text="Trial (DEAP's original BDF)")
        elif kind == "XDF":
            col.prop(s, "xdf_stream")
        elif kind == "CSV":
            col.prop(s, "csv_rate")
        elif kind:
            col.label(
                text=f"{kind} files need MNE-Python: convert to EDF for Blender", icon="ERROR"
            )
        if kind in ("XDF", "CSV"):
            col.prop(s, "unit")
        box = col.box()
        box.label(text="Channels")
        box.prop(s, "montage", text="")
        box.prop(s, "channel_map", text="Map")
        if kind and kind != "DEAP":
            box = col.box()
            row = box.row()
            row.label(text="Markers")
            row.operator("evoke.read_markers", text="Read", icon="MARKER")
            if len(s.markers):
                box.template_list("EVOKE_UL_markers", "", s, "markers", s, "marker_index", rows=3)
                row = box.row(align=True)
                row.prop(s, "span_start", text="From")
                row.prop(s, "span_end", text="To")
        col.prop(s, "mode", expand=True)
        col.prop(s, "hop")
        col.prop(s, "tau")
        col.prop(s, "hysteresis")
        col.prop(s, "dwell")
        col.operator("evoke.bake", icon="REC")


class EVOKE_PT_playback(_SubPanel):
    bl_label = "Current Emotion"

    def draw_panel(self, context: Any) -> None:
        s = context.scene.evoke
        state = baking.current_state(s.target or context.active_object)
        col = _layout(self).column()
        if state is None:
            col.label(text="Bake a recording to see emotions here")
            return
        col.label(
            text=f"{state['emotion'].capitalize()}  ({state['confidence']:.0%})", icon="SHADERFX"
        )
        mesh = state["mesh"]
        for prop, label in (
            ("evoke_valence", "Valence"),
            ("evoke_arousal", "Arousal"),
            ("evoke_dominance", "Dominance"),
        ):
            col.prop(mesh, f'["{prop}"]', text=label, slider=True)
        if "evoke_source" in mesh:
            col.label(text=str(mesh["evoke_source"]))


class EVOKE_UL_markers(bpy.types.UIList):
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
        if layout is None or item is None:
            return
        layout.label(text=f"{(index or 0) + 1}: {item.time_s:.2f} s  {item.label}")


class EVOKE_UL_preset_keys(bpy.types.UIList):
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
        if layout is None:
            return
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
        row.operator("evoke.preset_key_add", icon="ADD")
        remove = row.operator("evoke.preset_key_remove", icon="REMOVE")
        remove.index = s.preset_index
        row = col.row(align=True)
        row.operator("evoke.load_presets", text="Reset", icon="LOOP_BACK")
        row.operator("evoke.save_presets", icon="FILE_TICK")
        _draw_name_map(col, s, context)


def _draw_name_map(col: Any, s: Any, context: Any) -> None:
    """Avatars whose keys are not ARKit-named: map each preset key to the avatar's own."""
    box = col.box()
    box.label(text="Shape-key names (preset -> avatar)")
    face = baking.face_mesh(s.target or context.active_object)
    keys = face.data.shape_keys if face is not None else None
    for i, row_data in enumerate(s.name_map):
        row = box.row(align=True)
        row.prop(row_data, "preset_key", text="")
        if keys is not None:
            row.prop_search(row_data, "mesh_key", keys, "key_blocks", text="")
        else:
            row.prop(row_data, "mesh_key", text="")
        row.operator("evoke.name_map_remove", text="", icon="X").index = i
    box.operator("evoke.name_map_add", icon="ADD")


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


class EVOKE_PT_live(_SubPanel):
    bl_label = "Live (LSL)"
    bl_options = {"DEFAULT_CLOSED"}

    def draw_panel(self, context: Any) -> None:
        from .live_ops import current_driver, found_streams

        s = context.scene.evoke
        col = _layout(self).column()
        row = col.row(align=True)
        row.prop(s, "live_stream")
        row.operator("evoke.live_find_streams", text="", icon="VIEWZOOM")
        for info in found_streams():
            label = f"{info['name']}  ({info['type']}, {info['channels']} ch, {info['rate']:g} Hz)"
            col.operator("evoke.live_use_stream", text=label, icon="RADIOBUT_OFF").name = info[
                "name"
            ]
        col.prop(s, "calibration")
        col.prop(s, "unit", text="Unit")
        col.label(text="Channels: the montage and map under Recording", icon="INFO")
        driver = current_driver()
        row = col.row(align=True)
        if driver is None:
            row.operator("evoke.live_connect", icon="LINKED")
            return
        row.operator("evoke.live_disconnect", icon="UNLINKED")
        row.operator("evoke.live_calibrate", icon="FILE_REFRESH")
        if driver.recording is None:
            col.operator("evoke.live_record", icon="REC")
        else:
            col.operator(
                "evoke.live_record",
                text=f"Stop Recording ({driver.recording.seconds:.0f} s)",
                icon="SNAP_FACE",
                depress=True,
            )
        st = driver.status
        col.label(
            text=f"{st.state.upper()}  {st.message}",
            icon="ERROR" if st.state in ("lost", "error") else "RADIOBUT_ON",
        )
        if st.rate:
            col.label(text=f"{st.stream}: {st.rate:g} Hz, {st.matched} of 32 electrodes")
            if st.missing:
                col.label(
                    text=f"missing: {', '.join(st.missing[:6])}{' ...' if len(st.missing) > 6 else ''}"
                )
            col.label(
                text=f"last sample {st.since_last_sample_s:.1f} s ago; windows {st.windows} ({st.windows_skipped} skipped)"
            )
            if st.unit_note:
                for chunk in _wrap(st.unit_note, 48):
                    col.label(text=chunk)
            if st.skip_reason:
                for i, chunk in enumerate(_wrap(f"skipping: {st.skip_reason}", 48)):
                    col.label(text=chunk, icon="ERROR" if i == 0 else "NONE")
            col.label(
                text=f"latency p50 {st.percentile(st.latency_ms, 50):.1f} ms, p95 {st.percentile(st.latency_ms, 95):.1f} ms"
            )
        if st.emotion:
            v, a, d = st.probs
            col.label(
                text=f"{st.emotion.capitalize()}   V {v:.2f}  A {a:.2f}  D {d:.2f}", icon="SHADERFX"
            )


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
