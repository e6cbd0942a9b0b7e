"""The Recording and Bake panel, and the current emotion during playback."""

from __future__ import annotations

from typing import Any

import bpy

from ...inference.io.formats import RecordingFormat
from ..common import face_state
from ..common.panels import _layout, _ListRows, _SubPanel
from . import keyframes
from .recording_source import OPTION_PROPERTIES, recording_format


class EVOKE_PT_source(_SubPanel):
    bl_label = "Recording and Bake"

    def draw_panel(self, context: Any) -> None:
        s = context.scene.evoke
        col = _layout(self).column()
        col.prop(s, "source_path")
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
        box.prop(s, "montage", text="")
        box.prop(s, "channel_map", text="Map")
        trials = kind is not None and kind.every_file_has_trials
        if kind is not None and not trials:
            box = col.box()
            row = box.row()
            row.label(text="Markers")
            row.operator("evoke.read_markers", text="Read", icon="MARKER")
            if len(s.markers):
                box.template_list("EVOKE_UL_markers", "", s, "markers", s, "marker_index", rows=3)
                row = box.row(align=True)
                row.prop(s, "span_start", text="From")
                row.prop(s, "span_end", text="To")
        draw_baseline(col.box(), s, trials)
        col.prop(s, "mode", expand=True)
        col.prop(s, "hop")
        box = col.box()
        draw_smoothing(box, s)
        if s.smoother == "hmm":
            box.prop(s, "as_live")
        col.prop(s, "timeline_markers")
        col.operator("evoke.bake", icon="REC")
        row = col.row(align=True)
        row.operator("evoke.export_timeline", icon="EXPORT")
        row.operator("evoke.export_gltf", icon="EXPORT")


def draw_options(col: Any, s: Any, kind: RecordingFormat) -> None:
    """The reader options the recording's format takes (its descriptor's), subject and trial on
    one row."""
    shown = [o for o in OPTION_PROPERTIES if o in kind.options]
    if "subject" in shown and "trial" in shown:
        row = col.row(align=True)
        row.prop(s, "subject")
        row.prop(s, "trial")
        shown = shown[2:]
    for option in shown:
        if option == "trial" and kind.trial_note:
            col.prop(s, "trial", text=f"Trial ({kind.trial_note})")
        else:
            col.prop(s, OPTION_PROPERTIES[option])


def draw_baseline(box: Any, s: Any, trials: bool) -> None:
    """The resting span: automatic (the trials' own, as DEAP's, or the first seconds), or one
    the user names; `trials`: the format's files all have trials (DEAP)."""
    box.label(text="Baseline (rest)")
    box.prop(s, "baseline", text="")
    if s.baseline in ("auto", "first") and not trials:
        box.prop(s, "calibration")
    elif s.baseline == "span":
        row = box.row(align=True)
        row.prop(s, "baseline_from")
        row.prop(s, "baseline_to")
    elif s.baseline == "markers":
        row = box.row(align=True)
        row.prop(s, "baseline_marker_start", text="From")
        row.prop(s, "baseline_marker_end", text="To")
    if s.baseline != "auto" or not trials:
        box.prop(s, "outlier_z")
    box.prop(s, "adapt")


def draw_smoothing(box: Any, s: Any) -> None:
    box.prop(s, "smoother")
    if s.smoother == "hmm":
        box.prop(s, "switch_s")
        box.prop(s, "evidence")
        box.prop(s, "confidence")
    elif s.smoother == "ema":
        box.prop(s, "tau")
        box.prop(s, "hysteresis")
    if s.smoother != "none":
        box.prop(s, "dwell")


class EVOKE_PT_playback(_SubPanel):
    bl_label = "Current Emotion"

    def draw_panel(self, context: Any) -> None:
        s = context.scene.evoke
        state = keyframes.current_state(s.target or context.active_object)
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
