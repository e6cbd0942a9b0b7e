"""The Recording and Bake panel, and the current emotion during playback."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bpy

from ...inference.io.formats import RecordingFormat
from ..common import face_state
from ..common.panels import _layout, _ListRows, _SubPanel
from . import keyframes
from .recording_source import OPTION_PROPERTIES, recording_format

if TYPE_CHECKING:
    from ..properties import EVOKE_PG_root


class EVOKE_PT_source(_SubPanel):
    bl_label = "Recording and Bake"

    def draw_panel(self, context: Any) -> None:
        s: EVOKE_PG_root = context.scene.evoke
        col = _layout(self).column()
        col.prop(s.bake, "source_path")
        kind = recording_format(s)
        if kind is not None and not kind.in_extension:
            col.label(
                text=f"{kind.title} files need MNE-Python: convert to EDF for Blender",
                icon="ERROR",
            )
        elif kind is not None:
            draw_options(col, s, kind)
        box = col.box()
        box.label(text="Channels")
        box.prop(s.common, "montage", text="")
        box.prop(s.common, "channel_map", text="Map")
        trials = kind is not None and kind.every_file_has_trials
        if kind is not None and not trials:
            box = col.box()
            row = box.row()
            row.label(text="Markers")
            row.operator("evoke.read_markers", text="Read", icon="MARKER")
            if len(s.bake.markers):
                box.template_list(
                    "EVOKE_UL_markers", "", s.bake, "markers", s.bake, "marker_index", rows=3
                )
                row = box.row(align=True)
                row.prop(s.bake, "span_start", text="From")
                row.prop(s.bake, "span_end", text="To")
        draw_baseline(col.box(), s, trials)
        col.prop(s.smoothing, "mode", expand=True)
        col.prop(s.common, "hop")
        box = col.box()
        draw_smoothing(box, s)
        if s.smoothing.smoother == "hmm":
            box.prop(s.bake, "as_live")
        col.prop(s.bake, "timeline_markers")
        col.operator("evoke.bake", icon="REC")
        row = col.row(align=True)
        row.operator("evoke.export_timeline", icon="EXPORT")
        row.operator("evoke.export_gltf", icon="EXPORT")


def draw_options(col: Any, s: EVOKE_PG_root, kind: RecordingFormat) -> None:
    """The reader options the recording's format takes (its descriptor's), subject and trial on
    one row."""
    shown = [o for o in OPTION_PROPERTIES if o in kind.options]
    if "subject" in shown and "trial" in shown:
        row = col.row(align=True)
        row.prop(s.bake, "subject")
        row.prop(s.bake, "trial")
        shown = shown[2:]
    for option in shown:
        if option == "trial" and kind.trial_note:
            col.prop(s.bake, "trial", text=f"Trial ({kind.trial_note})")
        else:
            group, name = OPTION_PROPERTIES[option]
            col.prop(getattr(s, group), name)


def draw_baseline(box: Any, s: EVOKE_PG_root, trials: bool) -> None:
    """The resting span: automatic (the trials' own, as DEAP's, or the first seconds), or one
    the user names; `trials`: the format's files all have trials (DEAP)."""
    box.label(text="Baseline (rest)")
    box.prop(s.bake, "baseline", text="")
    if s.bake.baseline in ("auto", "first") and not trials:
        box.prop(s.common, "calibration")
    elif s.bake.baseline == "span":
        row = box.row(align=True)
        row.prop(s.bake, "baseline_from")
        row.prop(s.bake, "baseline_to")
    elif s.bake.baseline == "markers":
        row = box.row(align=True)
        row.prop(s.bake, "baseline_marker_start", text="From")
        row.prop(s.bake, "baseline_marker_end", text="To")
    if s.bake.baseline != "auto" or not trials:
        box.prop(s.common, "outlier_z")
    box.prop(s.common, "adapt")


def draw_smoothing(box: Any, s: EVOKE_PG_root) -> None:
    box.prop(s.smoothing, "smoother")
    if s.smoothing.smoother == "hmm":
        box.prop(s.smoothing, "switch_s")
        box.prop(s.smoothing, "evidence")
        box.prop(s.smoothing, "confidence")
    elif s.smoothing.smoother == "ema":
        box.prop(s.smoothing, "tau")
        box.prop(s.smoothing, "hysteresis")
    if s.smoothing.smoother != "none":
        box.prop(s.smoothing, "dwell")


class EVOKE_PT_playback(_SubPanel):
    bl_label = "Current Emotion"

    def draw_panel(self, context: Any) -> None:
        s: EVOKE_PG_root = context.scene.evoke
        state = keyframes.current_state(s.common.target or context.active_object)
        col = _layout(self).column()
        if state is None:
            col.label(text="Bake a recording to see emotions here")
            return
        col.label(
            text=f"{state['emotion'].capitalize()}  ({state['confidence']:.0%})", icon="SHADERFX"
        )
        mesh = state["mesh"]
        for prop, label, _ in face_state.VAD:
            col.prop(mesh, f'["{prop}"]', text=label, slider=True)
        if face_state.SOURCE in mesh:
            col.label(text=str(mesh[face_state.SOURCE]))


class EVOKE_UL_markers(_ListRows, bpy.types.UIList):
    def draw_row(self, layout: bpy.types.UILayout, item: Any, index: int) -> None:
        layout.label(text=f"{index + 1}: {item.time_s:.2f} s  {item.label}")
