"""OSC from a baked timeline: as the scene plays (or the frame changes), the face's baked state
goes out over OSC with the live session's namings, so an avatar in VRChat or a VTuber app
follows a recording too. A frame-change handler; it never raises and never blocks. A frame the
rate limit held back is sent when its time comes (a one-shot timer), so the avatar always ends
on the frame the scene shows."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import bpy
from bpy.app.handlers import persistent

from ...inference.errors import EvokeError
from ...inference.live import wiring
from ...inference.live.osc_out import OscOutput
from ...inference.live.outputs import EmotionState
from ..common import face_state
from ..common.rig import face_mesh

if TYPE_CHECKING:
    from ..properties import EVOKE_PG_root
    from .property_group import EVOKE_PG_live

_outputs: list[OscOutput] = []
_settings: tuple[Any, ...] = ()
last_error = ""  # why sending stopped (shown by the panel)


def _ensure(live: EVOKE_PG_live) -> list[OscOutput]:
    """The outputs for these settings (new ones when they changed): one per target."""
    global _outputs, _settings
    wanted = (live.osc_target, live.osc_mode, live.osc_prefix, live.osc_rate)
    if not _outputs or wanted != _settings:
        close()
        options = wiring.OutputOptions(osc_mode=live.osc_mode, osc_prefix=live.osc_prefix.strip(),
                                       osc_rate_hz=live.osc_rate)  # fmt: skip
        made = wiring.make_outputs([("osc", live.osc_target)], options)
        _outputs = [o for o in made if isinstance(o, OscOutput)]
        _settings = wanted
    return _outputs


def _flush() -> float | None:
    """A timer: send what the rate held back once it is due; again until nothing waits."""
    waits = [w for w in (o.flush(time.monotonic()) for o in _outputs) if w is not None]
    return min(waits) if waits else None


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
        s: EVOKE_PG_root = scene.evoke
        if not s.live.osc_playback or not bpy.app.online_access:
            close()
            return
        mesh = face_mesh(s.common.target)
        if mesh is None or face_state.EMOTION not in mesh:
            return
        now, state = time.monotonic(), state_at(mesh, scene.frame_current)
        for output in _ensure(s.live):
            output.send(state, now)
        if not bpy.app.timers.is_registered(_flush):
            wait = _flush()  # nothing held back: no timer
            if wait is not None:
                bpy.app.timers.register(_flush, first_interval=wait)
        last_error = ""
    except (EvokeError, OSError, ValueError) as exc:
        last_error = str(exc)
    except Exception as exc:  # a handler must never take playback down
        last_error = f"{type(exc).__name__}: {exc}"


def close() -> None:
    global _outputs, _settings
    if bpy.app.timers.is_registered(_flush):
        bpy.app.timers.unregister(_flush)
    for output in _outputs:
        output.close()
    _outputs, _settings = [], ()


def register() -> None:
    if on_frame not in bpy.app.handlers.frame_change_post:
        bpy.app.handlers.frame_change_post.append(on_frame)


def unregister() -> None:
    while on_frame in bpy.app.handlers.frame_change_post:
        bpy.app.handlers.frame_change_post.remove(on_frame)
    close()
