"""Live operators and the timer that ticks the driver on Blender's main thread."""

from __future__ import annotations

from typing import Any

import bpy

from ..inference.errors import EvokeError
from ..inference.smoothing import SmoothingSettings
from . import bake as baking
from . import model_cache
from .live import TICK_S, LiveDriver
from .ops import OperatorResult, _guarded, presets_from_scene, settings

_driver: LiveDriver | None = None


def current_driver() -> LiveDriver | None:
    return _driver


def _timer() -> float | None:
    """Blender calls this every TICK_S seconds; returning None stops it."""
    if _driver is None:
        return None
    face = bpy.data.objects.get(_driver.face_name)
    if face is None:
        stop()
        return None
    try:
        _driver.tick(face)
    except Exception as exc:  # a timer must never take Blender down: stop and say why
        _driver.status.state, _driver.status.message = "error", f"{type(exc).__name__}: {exc}"
        return None
    for window in bpy.context.window_manager.windows:  # refresh the status in the sidebar
        for area in window.screen.areas:
            if area.type == "VIEW_3D":
                area.tag_redraw()
    return TICK_S


def stop() -> None:
    global _driver
    if bpy.app.timers.is_registered(_timer):
        bpy.app.timers.unregister(_timer)
    if _driver is not None:
        _driver.close()
    _driver = None


class EVOKE_OT_live_connect(bpy.types.Operator):
    """Connect to a live EEG stream (Lab Streaming Layer) and drive the avatar's face"""

    bl_idname = "evoke.live_connect"
    bl_label = "Connect"

    def execute(self, context: Any) -> OperatorResult:
        return _guarded(self, lambda: self._connect(context))

    def _connect(self, context: Any) -> OperatorResult:
        global _driver
        s = settings(context)
        if not bpy.app.online_access:
            self.report(
                {"ERROR"},
                "Live streams use the network (LSL, even on this machine): allow Online Access in Preferences > System",
            )
            return {"CANCELLED"}
        face = baking.face_mesh(s.target or context.active_object)
        if face is None:
            self.report({"ERROR"}, "Pick an avatar with shape keys first (Add EVOKE Avatar)")
            return {"CANCELLED"}
        if not s.live_stream.strip():
            self.report({"ERROR"}, "Type the name of the LSL stream to connect to")
            return {"CANCELLED"}
        stop()
        smoothing = SmoothingSettings(tau_s=s.tau, hysteresis=s.hysteresis, min_dwell_s=s.dwell)
        name_map = {row.preset_key: row.mesh_key for row in s.name_map if row.preset_key}
        try:
            _driver = LiveDriver(face, model_cache.get_model(s.model_path), presets_from_scene(s), s.live_stream.strip(),
                                 hop_s=s.hop, smoothing=smoothing, calibration_s=s.calibration, name_map=name_map)  # fmt: skip
        except EvokeError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        bpy.app.timers.register(_timer, first_interval=TICK_S)
        self.report({"INFO"}, f"Looking for stream '{s.live_stream}'")
        return {"FINISHED"}


class EVOKE_OT_live_disconnect(bpy.types.Operator):
    """Disconnect from the live stream"""

    bl_idname = "evoke.live_disconnect"
    bl_label = "Disconnect"

    def execute(self, context: Any) -> OperatorResult:
        stop()
        return {"FINISHED"}


class EVOKE_OT_live_calibrate(bpy.types.Operator):
    """Record a new resting baseline from the next seconds of the stream"""

    bl_idname = "evoke.live_calibrate"
    bl_label = "Recalibrate"

    def execute(self, context: Any) -> OperatorResult:
        if _driver is None:
            self.report({"ERROR"}, "Not connected")
            return {"CANCELLED"}
        _driver.recalibrate()
        return {"FINISHED"}


class EVOKE_OT_live_tick(bpy.types.Operator):
    """Run one live step now (what the timer does; for scripts, where timers never fire)"""

    bl_idname = "evoke.live_tick"
    bl_label = "Live Tick"
    bl_options = {"INTERNAL"}

    def execute(self, context: Any) -> OperatorResult:
        if _driver is None:
            self.report({"ERROR"}, "Not connected")
            return {"CANCELLED"}
        face = bpy.data.objects.get(_driver.face_name)
        if face is not None:
            _driver.tick(face)
        return {"FINISHED"}
