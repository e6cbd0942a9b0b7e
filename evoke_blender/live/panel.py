"""The Live panel: the source (an LSL stream, a BrainFlow board), the outputs (OSC, LSL),
connection, calibration, status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..common.panels import _layout, _SubPanel, _wrap
from .connections import BRAINFLOW_FIELDS

if TYPE_CHECKING:
    from ..properties import EVOKE_PG_root


def draw_source(col: Any, s: EVOKE_PG_root) -> None:
    from .ops import found_streams

    col.prop(s.live, "source", expand=True)
    if s.live.source == "LSL":
        row = col.row(align=True)
        row.prop(s.live, "stream")
        row.operator("evoke.live_find_streams", text="", icon="VIEWZOOM")
        for info in found_streams():
            label = f"{info['name']}  ({info['type']}, {info['channels']} ch, {info['rate']:g} Hz)"
            col.operator("evoke.live_use_stream", text=label, icon="RADIOBUT_OFF").name = info[
                "name"
            ]
        return
    col.prop(s.live, "brainflow_board")
    board = s.live.brainflow_board.strip().lower()
    if board in ("playback", "playback_file", "-3"):
        for key in ("file", "file_aux", "file_anc", "master_board"):
            col.prop(s, f"brainflow_{key}")
    elif board not in ("synthetic", "-1"):  # every BrainFlowInputParams field a board may need
        for key in BRAINFLOW_FIELDS:
            if not key.startswith("file"):
                col.prop(s, f"brainflow_{key}")


def draw_outputs(col: Any, s: EVOKE_PG_root) -> None:
    box = col.box()
    box.prop(s.live, "osc_enabled")
    if s.live.osc_enabled or s.live.osc_playback:
        box.prop(s.live, "osc_target")
        box.prop(s.live, "osc_mode")
        box.prop(s.live, "osc_prefix")
        box.prop(s.live, "osc_rate")
    box.prop(s.live, "osc_playback")
    box.prop(s.live, "lsl_out_enabled")
    if s.live.lsl_out_enabled:
        box.prop(s.live, "lsl_out_name")
    box.prop(s.live, "lsl_bands_enabled")
    if s.live.lsl_bands_enabled:
        box.prop(s.live, "lsl_bands_name")


class EVOKE_PT_live(_SubPanel):
    bl_label = "Live"
    bl_options = {"DEFAULT_CLOSED"}

    def draw_panel(self, context: Any) -> None:
        from .ops import current_driver

        s: EVOKE_PG_root = context.scene.evoke
        col = _layout(self).column()
        draw_source(col, s)
        col.prop(s.common, "calibration")
        col.prop(s.common, "outlier_z")
        col.prop(s.common, "adapt")
        col.prop(s.common, "unit", text="Unit")
        col.label(text="Channels: the montage and map under Recording", icon="INFO")
        draw_outputs(col, s)
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
        if st.state == "calibrating" and st.rate:
            col.progress(factor=st.calibration, text=f"calibrating {st.calibration:.0%}")
        elif st.baseline_note:
            for chunk in _wrap(f"baseline: {st.baseline_note}", 48):
                col.label(text=chunk)
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
            for line in st.outputs:
                col.label(text=f"-> {line}"[:120], icon="EXPORT")
        if st.emotion:
            v, a, d = st.probs
            col.label(
                text=f"{st.emotion.capitalize()}   V {v:.2f}  A {a:.2f}  D {d:.2f}", icon="SHADERFX"
            )
