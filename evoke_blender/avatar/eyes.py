"""The eye keys: lids that blink, widen, squint and follow the gaze, and the gaze itself.

Lids are spherical shells about the eyeball centre, so every lid key slides a lid along its
own sphere (by elevation, or sideways for the in/out gaze) and the lid glides over the eyeball.
The eyeballs are separate objects on the eye bones: an ``eyeLook*`` key moves the lids here, and
``build`` adds drivers that turn each eyeball by ``eye_rotation`` of the same key values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import cast

import numpy as np

from .mesh import FaceData
from .proportions import LID_CORNER, LID_LO_L, LID_LO_R, LID_UP_L, LID_UP_R, FloatArray
from .surface import lid_margin, lid_points, smoothstep

# How far a full eyeLook key turns the eyeball (degrees): ARKit's ranges, a little under a real
# eye's, so the iris never hides in the corner of the lids.
GAZE_DEGREES: dict[str, float] = {"Up": 20.0, "Down": 22.0, "In": 24.0, "Out": 24.0}
# How much of the gaze the lids follow: the upper lid rides the iris up and down.
_LID_FOLLOW = {"Up": (0.55, 0.25), "Down": (0.60, 0.25)}  # (upper, lower) share of the pitch
_LID_TURN = 0.40  # share of a sideways gaze the lid margins turn with


# --------------------------------------------------------------------------- lid helpers


def eye_islands(left: bool) -> tuple[int, int]:
    """The (upper, lower) lid islands of one eye."""
    return (LID_UP_L, LID_LO_L) if left else (LID_UP_R, LID_LO_R)


def lid_columns(fd: FaceData) -> FloatArray:
    """Per-vertex opening weight of lid columns: full over the pupil, zero at the eye corners."""
    beta = np.nan_to_num(fd.attrs["beta"])
    return cast(
        FloatArray, np.sqrt(np.clip(1.0 - (beta / math.radians(LID_CORNER)) ** 2, 0.0, 1.0))
    )


def _lid_move(
    fd: FaceData, island: int, d_alpha: FloatArray | float, d_beta: FloatArray | float
) -> FloatArray:
    """Slide a lid's margin by (elevation, sideways) radians, fading out to its far edge.

    Either amount may vary per vertex. Targets lie on the lid's sphere, so it glides over the ball.
    """
    sel = fd.island == island
    out = np.zeros_like(fd.p)
    if not sel.any():
        return out
    ramp = smoothstep(1.0, 0.0, fd.attrs["lidf"][sel])
    da = np.broadcast_to(d_alpha, fd.p[:, 0].shape)[sel]
    db = np.broadcast_to(d_beta, fd.p[:, 0].shape)[sel]
    alpha = fd.attrs["alpha"][sel] + da * ramp
    beta = fd.attrs["beta"][sel] + db * ramp
    centre = fd.eye_l if island in (LID_UP_L, LID_LO_L) else fd.eye_r
    out[sel] = lid_points(centre, alpha, beta, fd.attrs["radius"][sel]) - fd.p[sel]
    return out


def inner_side(fd: FaceData, left: bool) -> FloatArray:
    """Per lid vertex: +1 at the eye's inner corner (by the nose), -1 at the outer, 0 mid-eye."""
    beta = np.nan_to_num(fd.attrs["beta"])
    toward_nose = -beta if left else beta  # beta > 0 is toward +X, the character's left
    return cast(FloatArray, np.clip(toward_nose / math.radians(LID_CORNER), -1.0, 1.0))


def lid_shift(fd: FaceData, island: int, delta: FloatArray | float) -> FloatArray:
    """Slide a lid's margin up (+) or down by ``delta`` radians of elevation."""
    return _lid_move(fd, island, delta, 0.0)


# --------------------------------------------------------------------------- lid keys


def key_blink(fd: FaceData, left: bool) -> FloatArray:
    """Upper lid sweeps down over the eye and closes just past a slightly raised lower lid."""
    up, lo = eye_islands(left)
    beta = np.nan_to_num(fd.attrs["beta"])
    lower_rise = math.radians(9.0) * lid_columns(fd)
    closed = lid_margin(beta, upper=False) + lower_rise - math.radians(3.0)
    d = lid_shift(fd, up, closed - lid_margin(beta, upper=True))
    return d + lid_shift(fd, lo, lower_rise)


def key_eye_wide(fd: FaceData, left: bool) -> FloatArray:
    """Upper lid retracts to show white above the iris; lower lid drops a little."""
    up, lo = eye_islands(left)
    w = lid_columns(fd)
    return lid_shift(fd, up, math.radians(20.0) * w) + lid_shift(fd, lo, math.radians(-8.0) * w)


def key_eye_squint(fd: FaceData, left: bool) -> FloatArray:
    """Lower lid rises over the iris and the upper lid narrows: the tight eyes of smiles, anger."""
    up, lo = eye_islands(left)
    w = lid_columns(fd)
    return lid_shift(fd, up, math.radians(-11.0) * w) + lid_shift(fd, lo, math.radians(21.0) * w)


def _key_look_vertical(fd: FaceData, left: bool, direction: str) -> FloatArray:
    """Looking up or down: both lids follow the iris, the upper one most."""
    up, lo = eye_islands(left)
    sign = 1.0 if direction == "Up" else -1.0
    pitch = sign * math.radians(GAZE_DEGREES[direction]) * lid_columns(fd)
    upper, lower = _LID_FOLLOW[direction]
    return lid_shift(fd, up, upper * pitch) + lid_shift(fd, lo, lower * pitch)


def _key_look_sideways(fd: FaceData, left: bool, direction: str) -> FloatArray:
    """Looking in (to the nose) or out: the lid margins turn a little with the eye."""
    up, lo = eye_islands(left)
    toward_plus_x = (direction == "Out") == left
    yaw = (1.0 if toward_plus_x else -1.0) * math.radians(GAZE_DEGREES[direction]) * _LID_TURN
    turn = yaw * lid_columns(fd)
    return _lid_move(fd, up, 0.0, turn) + _lid_move(fd, lo, 0.0, turn)


def key_look(fd: FaceData, left: bool, direction: str) -> FloatArray:
    """The lids of one gaze direction (Up, Down, In or Out); the eyeball turns by drivers."""
    if direction in ("Up", "Down"):
        return _key_look_vertical(fd, left, direction)
    return _key_look_sideways(fd, left, direction)


# --------------------------------------------------------------------------- the eyeballs


def gaze_coefficients(left: bool) -> dict[str, tuple[float, float]]:
    """Per eyeLook key of one eye: its (pitch, yaw) in radians at full weight.

    Pitch turns about +X (positive looks down), yaw about +Z (positive looks toward +X, the
    character's left): the eyeball looks down -Y at rest.
    """
    side = "Left" if left else "Right"
    out_sign = 1.0 if left else -1.0  # "out" is toward the eye's own side
    rad = {d: math.radians(v) for d, v in GAZE_DEGREES.items()}
    return {
        f"eyeLookUp{side}": (-rad["Up"], 0.0),
        f"eyeLookDown{side}": (rad["Down"], 0.0),
        f"eyeLookIn{side}": (0.0, -out_sign * rad["In"]),
        f"eyeLookOut{side}": (0.0, out_sign * rad["Out"]),
    }


def eye_rotation(values: Mapping[str, float], left: bool) -> tuple[float, float]:
    """The eyeball's (pitch, yaw) in radians for given key values (missing keys count as 0)."""
    pitch = yaw = 0.0
    for name, (p, y) in gaze_coefficients(left).items():
        weight = float(values.get(name, 0.0))
        pitch += p * weight
        yaw += y * weight
    return pitch, yaw


def gaze_matrix(pitch: float, yaw: float) -> FloatArray:
    """Rotation of an eyeball: pitch about X first, then yaw about Z (Blender's Euler XYZ)."""
    cp, sp, cy, sy = math.cos(pitch), math.sin(pitch), math.cos(yaw), math.sin(yaw)
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cp, -sp], [0.0, sp, cp]])
    rz = np.array([[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]])
    return cast(FloatArray, rz @ rx)
