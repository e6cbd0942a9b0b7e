"""Head surface maths: the skull, the face relief on it, and where eyes, lids and lips sit.

Pure numpy, vectorised over points, so the part builders and the shape keys share one
definition of the skin and Blender is needed only to turn the arrays into objects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

import numpy as np

from .proportions import (
    BROW_Z,
    EYE_RADIUS,
    EYE_X,
    EYE_Z,
    HEAD_LOOPS,
    HEAD_RX,
    HEAD_RY_BACK,
    HEAD_RY_FRONT,
    HEAD_RZ_BOTTOM,
    HEAD_RZ_TOP,
    HEAD_SEGMENTS,
    JAW_HINGE,
    LID_CORNER,
    LID_LOWER_MARGIN,
    LID_UPPER_MARGIN,
    MOUTH_A0,
    MOUTH_B0,
    MOUTH_Z,
    NOSE_TIP_Z,
    FloatArray,
)

# --------------------------------------------------------------------------- small maths


def smoothstep(e0: float, e1: float, x: FloatArray) -> FloatArray:
    """Hermite ramp from 0 at e0 to 1 at e1 (e1 < e0 allowed): the falloff for every key."""
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _gauss2(x: FloatArray, z: FloatArray, cx: float, cz: float, sx: float, sz: float) -> FloatArray:
    """Anisotropic Gaussian bump on the face plane (x, z)."""
    return np.exp(-0.5 * (((x - cx) / sx) ** 2 + ((z - cz) / sz) ** 2))


def gauss3(p: FloatArray, centre: Sequence[float], sigma: Sequence[float]) -> FloatArray:
    """Anisotropic Gaussian falloff around a 3D point: a smooth region of influence."""
    d = (p - np.asarray(centre)) / np.asarray(sigma)
    return np.exp(-0.5 * np.sum(d * d, axis=1))


def srgb_to_linear(c: Sequence[float]) -> tuple[float, float, float, float]:
    """Blender colour properties are scene-linear; the palette is written in sRGB."""
    lin = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
    return (lin[0], lin[1], lin[2], 1.0)


def rotate_x(p: FloatArray, pivot: FloatArray, angle: FloatArray | float) -> FloatArray:
    """Rotate points about an X-parallel axis through ``pivot`` (per-point angles allowed)."""
    r = p - pivot
    c = np.cos(angle)
    s = np.sin(angle)
    y = r[:, 1] * c - r[:, 2] * s
    z = r[:, 1] * s + r[:, 2] * c
    return pivot + np.stack([r[:, 0], y, z], axis=1)


# --------------------------------------------------------------------------- head surface


def skull(d: FloatArray) -> FloatArray:
    """Map unit directions to the skull surface: an egg-shaped ellipsoid with a tapered jaw."""
    x, y, z = d[:, 0], d[:, 1], d[:, 2]
    px = x * HEAD_RX
    py = y * np.where(y < 0.0, HEAD_RY_FRONT, HEAD_RY_BACK)
    pz = z * np.where(z > 0.0, HEAD_RZ_TOP, HEAD_RZ_BOTTOM)
    px = px * (1.0 + 0.10 * smoothstep(-0.03, -0.10, pz))  # narrow jaw, rounded chin
    px = px * (1.0 + 0.05 * smoothstep(0.0, 0.07, pz))  # slightly wider cranium
    tuck = smoothstep(0.0, 0.09, py) * smoothstep(-0.03, -0.11, pz)
    py = py - 0.03 * tuck  # the back of the skull tucks in above the neck
    pz = pz + 0.02 * tuck
    return np.stack([px, py, pz], axis=1)


def _nose(x: FloatArray, z: FloatArray) -> FloatArray:
    """Forward height of a small rounded button nose: bridge, ball tip and nostril wings."""
    top = EYE_Z - 0.004
    t = np.clip((top - z) / (top - NOSE_TIP_Z), 0.0, 1.0)
    width = 0.0065 + 0.004 * t
    bridge = (0.002 + 0.007 * t**1.6) * np.exp(-0.5 * (x / width) ** 2)
    bridge = (
        bridge * smoothstep(top + 0.012, top, z) * smoothstep(NOSE_TIP_Z - 0.012, NOSE_TIP_Z, z)
    )
    ball = 0.0085 * _gauss2(x, z, 0.0, NOSE_TIP_Z - 0.002, 0.0085, 0.0075)
    wings = 0.0045 * (
        _gauss2(x, z, 0.0115, NOSE_TIP_Z - 0.006, 0.0048, 0.0045)
        + _gauss2(x, z, -0.0115, NOSE_TIP_Z - 0.006, 0.0048, 0.0045)
    )
    return bridge + ball + wings


def _relief(p: FloatArray) -> FloatArray:
    """Forward (-Y) relief of the face on top of the skull: nose, muzzle, chin, cheeks, sockets.

    Relief only moves points along Y, so the face surface stays a height field y(x, z) on the
    front and placing brows and eyes on it is a one-dimensional problem.
    """
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    front = smoothstep(0.0, -0.05, y)
    fwd = _nose(x, z)
    fwd = fwd + 0.011 * _gauss2(x, z, 0.0, MOUTH_Z - 0.004, 0.030, 0.024)  # muzzle
    fwd = fwd + 0.004 * _gauss2(x, z, 0.0, -0.094, 0.022, 0.010)  # chin
    for side in (1.0, -1.0):
        fwd = fwd + 0.005 * _gauss2(x, z, side * 0.043, -0.030, 0.016, 0.014)  # cheek apples
        fwd = fwd + 0.001 * _gauss2(x, z, side * EYE_X, EYE_Z + 0.001, 0.016, 0.013)  # lid fold
        fwd = fwd + 0.003 * _gauss2(x, z, side * 0.030, BROW_Z + 0.006, 0.022, 0.008)  # brow
    return -fwd * front


def face_surface(d: FloatArray) -> FloatArray:
    """Skull plus face relief: the skin surface for unit directions ``d``."""
    p = skull(d)
    p[:, 1] += _relief(p)
    return p


def front_point(x: FloatArray, z: FloatArray, relief: bool = True) -> FloatArray:
    """Skin point on the front of the head at given (x, z), by fixed-point iteration.

    Used to seat brows, eyes and teeth on the face; vectorised over all queries.
    """
    dx = np.clip(x / HEAD_RX, -0.97, 0.97)
    dz = np.clip(z / HEAD_RZ_BOTTOM, -0.97, 0.97)
    d = np.zeros((len(dx), 3))
    for _ in range(40):
        norm = np.hypot(dx, dz)
        scale = np.where(norm > 0.985, 0.985 / np.maximum(norm, 1e-9), 1.0)
        dx, dz = dx * scale, dz * scale
        d = np.stack([dx, -np.sqrt(1.0 - dx * dx - dz * dz), dz], axis=1)
        p = skull(d)
        dx = dx + (x - p[:, 0]) / (0.85 * HEAD_RX)
        dz = dz + (z - p[:, 2]) / HEAD_RZ_BOTTOM
    p = skull(d)
    if relief:
        p[:, 1] += _relief(p)
    return p


def slide_on_skin(p: FloatArray, dx: FloatArray, dz: FloatArray) -> FloatArray:
    """Displacement carrying points across the front of the face by (dx, dz), along the skin.

    A straight move in X or Z would sink a point into the brow ridge or lift it off the cheek;
    this one adds the skin's change of depth between the start and the end, so brows and lips
    keep their height above the skin wherever they slide.
    """
    x, z = p[:, 0], p[:, 2]
    depth = front_point(x + dx, z + dz)[:, 1] - front_point(x, z)[:, 1]
    return np.stack([dx, depth, dz], axis=1)


def front_normal(x: FloatArray, z: FloatArray) -> FloatArray:
    """Outward skin normal at front points, by central differences of the height field."""
    h = 0.0015
    yx = (front_point(x + h, z)[:, 1] - front_point(x - h, z)[:, 1]) / (2 * h)
    yz = (front_point(x, z + h)[:, 1] - front_point(x, z - h)[:, 1]) / (2 * h)
    n = np.stack([yx, -np.ones_like(yx), yz], axis=1)
    return cast(FloatArray, n / np.linalg.norm(n, axis=1, keepdims=True))


def eye_centre(side: float) -> FloatArray:
    """Eyeball centre: behind the (socketless) skin so about a third of the ball shows."""
    skin = front_point(np.array([side * EYE_X]), np.array([EYE_Z]), relief=False)[0]
    return np.array([side * EYE_X, skin[1] + 0.58 * EYE_RADIUS, EYE_Z])


# --------------------------------------------------------------------------- mouth loops


def mouth_axes() -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mouth axis (centre to mouth), its up and right vectors for the loop projection."""
    alpha = math.asin(-MOUTH_Z / HEAD_RZ_BOTTOM)
    m = np.array([0.0, -math.cos(alpha), -math.sin(alpha)])
    up = np.array([0.0, -math.sin(alpha), math.cos(alpha)])
    return m, up, np.array([1.0, 0.0, 0.0])


def head_loops() -> tuple[FloatArray, FloatArray, FloatArray]:
    """Plane coordinates (a, b) and loop angles of the head's mouth-centred loops."""
    t = np.arange(HEAD_LOOPS) / HEAD_LOOPS
    phi = 2.0 * np.pi * np.arange(HEAD_SEGMENTS) / HEAD_SEGMENTS
    big_a = MOUTH_A0 + (np.pi - MOUTH_A0) * t**1.7
    big_b = MOUTH_B0 + (np.pi - MOUTH_B0) * t**1.3
    lower = np.sin(phi) < 0.0
    b_scale = np.where(lower, 1.12, 1.0) * np.ones_like(phi)
    a = big_a[:, None] * np.cos(phi)[None, :]
    b = np.minimum(big_b[:, None] * b_scale[None, :], np.pi) * np.sin(phi)[None, :]
    rho = np.hypot(a, b)
    # Great circles curve the lip line upward at the corners; bend it back so neutral is flat.
    alpha = math.asin(-MOUTH_Z / HEAD_RZ_BOTTOM)
    b = b - 0.5 * a * a * math.tan(alpha) * np.exp(-((rho / 0.7) ** 2))
    phis = np.broadcast_to(phi, a.shape)
    return a.reshape(-1), b.reshape(-1), np.ascontiguousarray(phis).reshape(-1)


def directions_from_plane(a: FloatArray, b: FloatArray) -> FloatArray:
    """Inverse azimuthal-equidistant projection about the mouth axis."""
    m, up, right = mouth_axes()
    rho = np.maximum(np.hypot(a, b), 1e-9)
    s = np.sin(rho) / rho
    d = np.cos(rho)[:, None] * m + (s * a)[:, None] * right + (s * b)[:, None] * up
    return cast(FloatArray, d / np.linalg.norm(d, axis=1, keepdims=True))


def lower_weight(phi: FloatArray) -> FloatArray:
    """How much a mouth-loop vertex belongs to the lower lip/jaw side (0.5 at the corners)."""
    return smoothstep(0.3, -0.3, np.sin(phi))


def jaw_weight(p: FloatArray, phi: FloatArray) -> FloatArray:
    """Skin weight of the jaw: lower side of the mouth loops, in front of and below the hinge."""
    front = smoothstep(JAW_HINGE[1] + 0.015, JAW_HINGE[1] - 0.02, p[:, 1])
    below = smoothstep(JAW_HINGE[2] + 0.005, JAW_HINGE[2] - 0.035, p[:, 2])
    return cast(FloatArray, lower_weight(phi) * front * below)


# --------------------------------------------------------------------------- eyelids


def lid_margin(beta: FloatArray, upper: bool) -> FloatArray:
    """Elevation of a lid margin per sideways angle: an almond whose lids meet at the corners."""
    peak = LID_UPPER_MARGIN if upper else LID_LOWER_MARGIN
    shape = np.maximum(1.0 - (np.abs(beta) / math.radians(LID_CORNER)) ** 2.0, -0.12)
    return cast(FloatArray, math.radians(peak) * shape)


def lid_points(
    centre: FloatArray, alpha: FloatArray, beta: FloatArray, r: FloatArray
) -> FloatArray:
    """Points on a sphere about the eye centre: alpha is elevation, beta the sideways angle."""
    x = r * np.cos(alpha) * np.sin(beta)
    y = -r * np.cos(alpha) * np.cos(beta)
    z = r * np.sin(alpha)
    return cast(FloatArray, centre + np.stack([x, y, z], axis=1))
