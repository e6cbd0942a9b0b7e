"""Live operators and the timer that ticks the driver on Blender's main thread."""

from __future__ import annotations

from typing import Any

import bpy

from ...inference.errors import EvokeError
from ...inference.live.stream import StreamFinder
from ..common import model_cache, runtime_options
from ..common.operators import OperatorResult, guarded, say, settings
from ..common.rig import face_mesh
from ..presets.scene import presets_from_scene
from . import connections
from .driver import EASING_TICK_S, TICK_S, LiveDriver

_driver: LiveDriver | None = None
_finder: StreamFinder | None = None  # the last "Find Streams"


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
    _redraw()
    return EASING_TICK_S if _driver.moving() else TICK_S


def stop() -> None:
    global _driver
    if bpy.app.timers.is_registered(_timer):
        bpy.app.timers.unregister(_timer)
    if _driver is not None:
        if _driver.recording is not None:  # disconnecting never throws a recording away
            try:
                finish_recording(_driver, bpy.context.scene)
            except Exception as exc:  # stopping must not fail (it also runs on unregister)
                print(f"EVOKE: could not write the live recording: {exc}")
        _driver.close()
    _driver = None


def finish_recording(driver: LiveDriver, scene: Any) -> str:
    """Keyframe the recorded session from the scene's start frame and fit the frame range."""
    face = bpy.data.objects.get(driver.face_name)
    if face is None:
        driver.recording = None
        return "the avatar is gone: nothing recorded"
    fps = scene.render.fps / scene.render.fps_base
    report = driver.finish_recording(face, fps=fps, frame_start=scene.frame_start)
    if not report.keyframes:
        return "nothing was recorded (no face was shown while recording)"
    scene.frame_end = max(report.frame_end, scene.frame_start + 1)
    seconds = (report.frame_end - report.frame_start) / fps
    return (
        f"Recorded {seconds:.1f} s as {report.keyframes} keyframes on {len(report.keys)} shape "
        f"keys (frames {report.frame_start}-{report.frame_end})"
    )


class EVOKE_OT_live_connect(bpy.types.Operator):
    """Connect to a live EEG source (an LSL stream or a BrainFlow board) and drive the avatar's
    face (and the outputs chosen: OSC, LSL)"""

    bl_idname = "evoke.live_connect"
    bl_label = "Connect"

    def execute(self, context: Any) -> OperatorResult:
        return guarded(self, lambda: self._connect(context))

    def _connect(self, context: Any) -> OperatorResult:
        global _driver
        s = settings(context)
        reason = connections.network_reason(s.live)
        if reason and not bpy.app.online_access:
            say(self, {"ERROR"}, f"{reason}: allow Online Access in Preferences > System")
            return {"CANCELLED"}
        face = face_mesh(s.common.target or context.active_object)
        if face is None:
            say(self, {"ERROR"}, "Pick an avatar with shape keys first (Add EVOKE Avatar)")
            return {"CANCELLED"}
        stop()
        model = model_cache.get_model(s.common.model_path)
        driver = None
        try:
            driver = LiveDriver(face, model, presets_from_scene(s.presets), lambda: connections.source(s.live),
                                hop_s=s.common.hop, smoothing=runtime_options.smoothing(s.smoothing),
                                calibration_s=s.common.calibration, reject_z=s.common.outlier_z,
                                adapt_s=runtime_options.adapt_seconds(s.common),
                                name_map=runtime_options.name_map(s.presets), blend=s.smoothing.mode == "blend",
                                unit=None if s.common.unit == "AUTO" else s.common.unit, channel_map=s.common.channel_map,
                                montage=None if s.common.montage == "NONE" else s.common.montage,
                                profile=s.presets.face_profile)  # fmt: skip
            for output in connections.outputs(s.live, model.emotions.names):
                driver.add_output(output)
        except EvokeError as exc:
            if driver is not None:
                driver.close()
            say(self, {"ERROR"}, str(exc))
            return {"CANCELLED"}
        _driver = driver
        bpy.app.timers.register(_timer, first_interval=TICK_S)
        say(self, {"INFO"}, f"Opening {driver.source.name}")
        return {"FINISHED"}


def found_streams(wait: bool = False) -> list[dict[str, Any]]:
    """Streams found by the last search (`wait`: until that search ends; for scripts)."""
    if _finder is None:
        return []
    return _finder.wait() if wait else list(_finder.found)


def _redraw() -> None:
    """Ask the 3D views to redraw, so the sidebar shows fresh status (no windows when headless)."""
    wm = bpy.context.window_manager
    for window in wm.windows if wm is not None else []:
        for area in window.screen.areas:
            if area.type == "VIEW_3D":
                area.tag_redraw()


class EVOKE_OT_live_find_streams(bpy.types.Operator):
    """List the LSL streams on the network (searches for a second in the background)"""

    bl_idname = "evoke.live_find_streams"
    bl_label = "Find Streams"

    def execute(self, context: Any) -> OperatorResult:
        global _finder
        if not bpy.app.online_access:
            say(
                self,
                {"ERROR"},
                "Finding streams uses the network (LSL): allow Online Access in Preferences > System",
            )
            return {"CANCELLED"}
        if _finder is None or not _finder.searching:
            try:
                _finder = StreamFinder(wait_s=1.0)
            except EvokeError as exc:
                say(self, {"ERROR"}, str(exc))
                return {"CANCELLED"}
            bpy.app.timers.register(lambda: _redraw(), first_interval=1.3)  # show the result
        return {"FINISHED"}


class EVOKE_OT_live_use_stream(bpy.types.Operator):
    """Connect to this stream"""

    bl_idname = "evoke.live_use_stream"
    bl_label = "Use Stream"
    bl_options = {"INTERNAL"}

    name: bpy.props.StringProperty()  # type: ignore[valid-type]

    def execute(self, context: Any) -> OperatorResult:
        settings(context).live.stream = self.name
        return {"FINISHED"}


class EVOKE_OT_live_disconnect(bpy.types.Operator):
    """Disconnect from the live stream"""

    bl_idname = "evoke.live_disconnect"
    bl_label = "Disconnect"

    def execute(self, context: Any) -> OperatorResult:
        stop()
        return {"FINISHED"}


class EVOKE_OT_live_calibrate(bpy.types.Operator):
    """Record a new resting baseline from the next seconds of the stream (Calibration): sit
    still, eyes open, relaxed"""

    bl_idname = "evoke.live_calibrate"
    bl_label = "Calibrate"

    def execute(self, context: Any) -> OperatorResult:
        if _driver is None:
            say(self, {"ERROR"}, "Not connected")
            return {"CANCELLED"}
        _driver.recalibrate()
        return {"FINISHED"}


class EVOKE_OT_live_record(bpy.types.Operator):
    """Record the live face as keyframes (press again to stop), so the session can be rendered"""

    bl_idname = "evoke.live_record"
    bl_label = "Record Keyframes"
    bl_options = {"UNDO"}

    def execute(self, context: Any) -> OperatorResult:
        if _driver is None:
            say(self, {"ERROR"}, "Not connected")
            return {"CANCELLED"}
        if _driver.recording is None:
            try:
                _driver.start_recording()
            except EvokeError as exc:
                say(self, {"ERROR"}, str(exc))
                return {"CANCELLED"}
            say(self, {"INFO"}, "Recording the live face; press again to stop")
            return {"FINISHED"}
        say(self, {"INFO"}, finish_recording(_driver, context.scene))
        return {"FINISHED"}


class EVOKE_OT_live_tick(bpy.types.Operator):
    """Run one live step now (what the timer does; for scripts, where timers never fire)"""

    bl_idname = "evoke.live_tick"
    bl_label = "Live Tick"
    bl_options = {"INTERNAL"}

    def execute(self, context: Any) -> OperatorResult:
        if _driver is None:
            say(self, {"ERROR"}, "Not connected")
            return {"CANCELLED"}
        face = bpy.data.objects.get(_driver.face_name)
        if face is not None:
            _driver.tick(face)
        return {"FINISHED"}
