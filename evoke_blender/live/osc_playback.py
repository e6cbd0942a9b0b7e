"""OSC from a baked timeline: as the scene plays (or the frame changes), the face's baked state
goes out over OSC with the live session's namings, so an avatar in VRChat or a VTuber app
follows a recording too. A frame-change handler; it never raises and never blocks."""

from __future__ import annotations

import time
from typing import Any

import bpy
from bpy.app.handlers import persistent

from ...inference.errors import EvokeError
from ...inference.live.osc_out import OscOutput, parse_target
from ...inference.live.outputs import EmotionState
from ..common import face_state
from ..common.rig import face_mesh

_output: OscOutput | None = None
_settings: tuple[Any, ...] = ()
last_error = ""  # why sending stopped (shown by the panel)


def _ensure(s: Any) -> OscOutput:
    """The output for these settings (a new one when they changed)."""
    global _output, _settings
    wanted = (s.osc_target, s.osc_mode, s.osc_prefix, s.osc_rate)
    if _output is None or wanted != _settings:
        close()
        host, port = parse_target(s.osc_target)
        _output = OscOutput(host, port, mode=s.osc_mode, prefix=s.osc_prefix.strip() or "/evoke",
                            rate_hz=s.osc_rate)  # fmt: skip
        _settings = wanted
    return _output


def state_at(mesh: Any, frame: int) -> EmotionState:
    """The face's baked state at the current frame."""
    names = face_state.emotion_names(mesh)
    index = int(mesh.get(face_state.EMOTION, 0))
    return EmotionState(
        float(mesh.get(face_state.VALENCE, 0.5)), float(mesh.get(face_state.AROUSAL, 0.5)),
        float(mesh.get(face_state.DOMINANCE, 0.5)), index,
        names[index] if 0 <= index < len(names) else "", float(mesh.get(face_state.CONFIDENCE, 0.0)),
        True, 0.0, frame,
    )  # fmt: skip


@persistent
def on_frame(scene: Any, depsgraph: Any = None) -> None:
    global last_error
    try:
        s = scene.evoke
        if not s.osc_playback or not bpy.app.online_access:
            close()
            return
        mesh = face_mesh(s.target)
        if mesh is None or face_state.EMOTION not in mesh:
            return
        _ensure(s).send(state_at(mesh, scene.frame_current), time.monotonic())
        last_error = ""
    except (EvokeError, OSError, ValueError) as exc:
        last_error = str(exc)
    except Exception as exc:  # a handler must never take playback down
        last_error = f"{type(exc).__name__}: {exc}"


def close() -> None:
    global _output, _settings
    if _output is not None:
        _output.close()
    _output, _settings = None, ()


def register() -> None:
    if on_frame not in bpy.app.handlers.frame_change_post:
        bpy.app.handlers.frame_change_post.append(on_frame)


def unregister() -> None:
    while on_frame in bpy.app.handlers.frame_change_post:
        bpy.app.handlers.frame_change_post.remove(on_frame)
    close()
