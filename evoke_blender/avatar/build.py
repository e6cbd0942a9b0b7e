"""Procedural EVOKE avatar: a stylised, rigged head-and-shoulders bust with ARKit shape keys.

Why procedural: the avatar ships with the extension, so it must be licence-clean and small; a
few hundred lines of geometry are both, and they rebuild identically on every Blender version.

Layout (metres, Blender axes): the bust faces -Y, +X is the character's left (ARKit "Left",
Blender ".L"), the head centre sits at ``HEAD_CENTER``. All geometry is built in head-local
coordinates (origin at the head centre) as numpy arrays and shifted at the end.

One mesh object (the "face") holds every skin-deformed part as separate islands: head, neck,
torso, collar, hair, ears, eyelids, brows and teeth. Keeping them in one object means every
ARKit shape key (a blink moves lids, a brow key moves brows) lives on one mesh, which is what
avatars exported by Character Creator, Ready Player Me or MPFB look like. The eyeballs are
separate spheres parented to the eye bones so they can rotate.

The head uses an unusual but face-friendly topology: its vertex loops are concentric around the
mouth (an azimuthal projection about the mouth axis), so the lips are real edge loops, the mouth
is a slit that opens into a dark mouth bag, and smile/frown/pucker deformations stay smooth.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import bpy
import numpy as np
from mathutils import Matrix, Vector
from numpy.typing import NDArray

from ..common.paths import PRESETS_PATH

FloatArray = NDArray[np.float64]

BONES: tuple[str, ...] = ("root", "spine", "neck", "head", "jaw", "eye.L", "eye.R")

REQUIRED_SHAPE_KEYS: tuple[str, ...] = (
    "browInnerUp",
    "browDownLeft",
    "browDownRight",
    "browOuterUpLeft",
    "browOuterUpRight",
    "eyeWideLeft",
    "eyeWideRight",
    "eyeSquintLeft",
    "eyeSquintRight",
    "eyeBlinkLeft",
    "eyeBlinkRight",
    "cheekSquintLeft",
    "cheekSquintRight",
    "cheekPuff",
    "noseSneerLeft",
    "noseSneerRight",
    "mouthSmileLeft",
    "mouthSmileRight",
    "mouthFrownLeft",
    "mouthFrownRight",
    "mouthStretchLeft",
    "mouthStretchRight",
    "mouthPressLeft",
    "mouthPressRight",
    "mouthUpperUpLeft",
    "mouthUpperUpRight",
    "mouthLowerDownLeft",
    "mouthLowerDownRight",
    "mouthPucker",
    "mouthFunnel",
    "jawOpen",
)

COLLECTION_NAME = "EVOKE Avatar"

HEAD_CENTER = np.array([0.0, 0.0, 1.62])

# Skull: an ellipsoid with different front/back and top/bottom half-axes.
HEAD_RX = 0.081
HEAD_RY_FRONT = 0.088
HEAD_RY_BACK = 0.098
HEAD_RZ_TOP = 0.106
HEAD_RZ_BOTTOM = 0.106

# Face landmarks (head-local).
EYE_X = 0.034
EYE_Z = 0.0
EYE_RADIUS = 0.0175
MOUTH_Z = -0.062
NOSE_TIP_Z = -0.036
BROW_Z = 0.028
JAW_HINGE = np.array([0.0, 0.012, -0.022])

# Mouth loops: half-width of the slit and its half-height, in projection radians.
MOUTH_A0 = 0.33
MOUTH_B0 = 0.006
HEAD_SEGMENTS = 64
HEAD_LOOPS = 46

# Eyelids: margins as elevation angles (degrees) on spheres around the eyeball centre.
LID_UPPER_MARGIN = 30.0
LID_LOWER_MARGIN = -31.0
LID_UPPER_RADIUS = 1.075 * EYE_RADIUS
LID_LOWER_RADIUS = 1.055 * EYE_RADIUS
LID_CORNER = 68.0  # sideways angle where upper and lower lids meet

# Material slots on the face mesh, in order.
FACE_MATERIALS: tuple[str, ...] = (
    "skin",
    "lips",
    "mouth",
    "hair",
    "brow",
    "cloth",
    "collar",
    "teeth",
)
SKIN, LIPS, MOUTH, HAIR, BROW, CLOTH, COLLAR, TEETH = range(len(FACE_MATERIALS))

# sRGB colours (converted to linear for Blender) chosen to read well in Workbench and Cycles.
PALETTE_SRGB: dict[str, tuple[float, float, float]] = {
    "skin": (0.95, 0.76, 0.64),
    "lips": (0.83, 0.47, 0.45),
    "mouth": (0.30, 0.09, 0.11),
    "hair": (0.36, 0.22, 0.15),
    "brow": (0.30, 0.18, 0.12),
    "cloth": (0.25, 0.50, 0.70),
    "collar": (0.20, 0.40, 0.58),
    "teeth": (0.97, 0.95, 0.90),
    "sclera": (0.97, 0.96, 0.94),
    "iris": (0.30, 0.55, 0.45),
    "pupil": (0.04, 0.04, 0.05),
}

# Island ids: every vertex of the face mesh belongs to one part.
(
    HEAD,
    NECK,
    TORSO,
    COLLAR_ISLAND,
    HAIR_ISLAND,
    EAR,
    BROW_L,
    BROW_R,
    LID_UP_L,
    LID_UP_R,
    LID_LO_L,
    LID_LO_R,
    TEETH_UP,
    TEETH_LO,
) = range(14)


# --------------------------------------------------------------------------- small maths


def _scene() -> bpy.types.Scene:
    """The current scene; the stubs allow None, which never happens while building."""
    return cast(bpy.types.Scene, bpy.context.scene)


def _view_layer() -> bpy.types.ViewLayer:
    return cast(bpy.types.ViewLayer, bpy.context.view_layer)


def _smoothstep(e0: float, e1: float, x: FloatArray) -> FloatArray:
    """Hermite ramp from 0 at e0 to 1 at e1 (e1 < e0 allowed): the falloff for every key."""
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _gauss2(x: FloatArray, z: FloatArray, cx: float, cz: float, sx: float, sz: float) -> FloatArray:
    """Anisotropic Gaussian bump on the face plane (x, z)."""
    return np.exp(-0.5 * (((x - cx) / sx) ** 2 + ((z - cz) / sz) ** 2))


def _gauss3(p: FloatArray, centre: Sequence[float], sigma: Sequence[float]) -> FloatArray:
    """Anisotropic Gaussian falloff around a 3D point: a smooth region of influence."""
    d = (p - np.asarray(centre)) / np.asarray(sigma)
    return np.exp(-0.5 * np.sum(d * d, axis=1))


def _srgb_to_linear(c: Sequence[float]) -> tuple[float, float, float, float]:
    """Blender colour properties are scene-linear; the palette is written in sRGB."""
    lin = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
    return (lin[0], lin[1], lin[2], 1.0)


def _rotate_x(p: FloatArray, pivot: FloatArray, angle: FloatArray | float) -> FloatArray:
    """Rotate points about an X-parallel axis through ``pivot`` (per-point angles allowed)."""
    r = p - pivot
    c = np.cos(angle)
    s = np.sin(angle)
    y = r[:, 1] * c - r[:, 2] * s
    z = r[:, 1] * s + r[:, 2] * c
    return pivot + np.stack([r[:, 0], y, z], axis=1)


# --------------------------------------------------------------------------- head surface


def _skull(d: FloatArray) -> FloatArray:
    """Map unit directions to the skull surface: an egg-shaped ellipsoid with a tapered jaw."""
    x, y, z = d[:, 0], d[:, 1], d[:, 2]
    px = x * HEAD_RX
    py = y * np.where(y < 0.0, HEAD_RY_FRONT, HEAD_RY_BACK)
    pz = z * np.where(z > 0.0, HEAD_RZ_TOP, HEAD_RZ_BOTTOM)
    px = px * (1.0 + 0.10 * _smoothstep(-0.03, -0.10, pz))  # narrow jaw, rounded chin
    px = px * (1.0 + 0.05 * _smoothstep(0.0, 0.07, pz))  # slightly wider cranium
    tuck = _smoothstep(0.0, 0.09, py) * _smoothstep(-0.03, -0.11, pz)
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
        bridge * _smoothstep(top + 0.012, top, z) * _smoothstep(NOSE_TIP_Z - 0.012, NOSE_TIP_Z, z)
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
    front = _smoothstep(0.0, -0.05, y)
    fwd = _nose(x, z)
    fwd = fwd + 0.011 * _gauss2(x, z, 0.0, MOUTH_Z - 0.004, 0.030, 0.024)  # muzzle
    fwd = fwd + 0.004 * _gauss2(x, z, 0.0, -0.094, 0.022, 0.010)  # chin
    for side in (1.0, -1.0):
        fwd = fwd + 0.005 * _gauss2(x, z, side * 0.043, -0.030, 0.016, 0.014)  # cheek apples
        fwd = fwd + 0.001 * _gauss2(x, z, side * EYE_X, EYE_Z + 0.001, 0.016, 0.013)  # lid fold
        fwd = fwd + 0.003 * _gauss2(x, z, side * 0.030, BROW_Z + 0.006, 0.022, 0.008)  # brow
    return -fwd * front


def _face_surface(d: FloatArray) -> FloatArray:
    """Skull plus face relief: the skin surface for unit directions ``d``."""
    p = _skull(d)
    p[:, 1] += _relief(p)
    return p


def _front_point(x: FloatArray, z: FloatArray, relief: bool = True) -> FloatArray:
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
        p = _skull(d)
        dx = dx + (x - p[:, 0]) / (0.85 * HEAD_RX)
        dz = dz + (z - p[:, 2]) / HEAD_RZ_BOTTOM
    p = _skull(d)
    if relief:
        p[:, 1] += _relief(p)
    return p


def _front_normal(x: FloatArray, z: FloatArray) -> FloatArray:
    """Outward skin normal at front points, by central differences of the height field."""
    h = 0.0015
    yx = (_front_point(x + h, z)[:, 1] - _front_point(x - h, z)[:, 1]) / (2 * h)
    yz = (_front_point(x, z + h)[:, 1] - _front_point(x, z - h)[:, 1]) / (2 * h)
    n = np.stack([yx, -np.ones_like(yx), yz], axis=1)
    return cast(FloatArray, n / np.linalg.norm(n, axis=1, keepdims=True))


def _eye_centre(side: float) -> FloatArray:
    """Eyeball centre: behind the (socketless) skin so about a third of the ball shows."""
    skin = _front_point(np.array([side * EYE_X]), np.array([EYE_Z]), relief=False)[0]
    return np.array([side * EYE_X, skin[1] + 0.58 * EYE_RADIUS, EYE_Z])


# --------------------------------------------------------------------------- mesh parts


@dataclass
class Part:
    """One mesh island: vertices (head-local), faces, per-face materials and skin weights.

    ``attrs`` carries per-vertex parameters the shape keys need (mouth-loop angle, lid angles),
    so keys can be written in the part's own natural coordinates.
    """

    island: int
    verts: FloatArray
    faces: list[tuple[int, ...]]
    mats: list[int]
    weights: dict[str, FloatArray]
    attrs: dict[str, FloatArray] = field(default_factory=dict)


def _grid_faces(rows: int, cols: int, closed: bool, offset: int = 0) -> list[tuple[int, ...]]:
    """Quads between consecutive rows of a (rows x cols) vertex grid, optionally wrapped."""
    faces: list[tuple[int, ...]] = []
    span = cols if closed else cols - 1
    for r in range(rows - 1):
        for c in range(span):
            c1 = (c + 1) % cols
            a = offset + r * cols
            b = offset + (r + 1) * cols
            faces.append((a + c, a + c1, b + c1, b + c))
    return faces


def _fan(pole: int, ring_start: int, cols: int, reverse: bool) -> list[tuple[int, ...]]:
    """Triangles closing a ring onto a pole vertex."""
    tris: list[tuple[int, ...]] = []
    for c in range(cols):
        a, b = ring_start + c, ring_start + (c + 1) % cols
        tris.append((pole, b, a) if reverse else (pole, a, b))
    return tris


def _mouth_axes() -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mouth axis (centre to mouth), its up and right vectors for the loop projection."""
    alpha = math.asin(-MOUTH_Z / HEAD_RZ_BOTTOM)
    m = np.array([0.0, -math.cos(alpha), -math.sin(alpha)])
    up = np.array([0.0, -math.sin(alpha), math.cos(alpha)])
    return m, up, np.array([1.0, 0.0, 0.0])


def _head_loops() -> tuple[FloatArray, FloatArray, FloatArray]:
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
    _, up, _ = _mouth_axes()
    # Great circles curve the lip line upward at the corners; bend it back so neutral is flat.
    alpha = math.asin(-MOUTH_Z / HEAD_RZ_BOTTOM)
    b = b - 0.5 * a * a * math.tan(alpha) * np.exp(-((rho / 0.7) ** 2))
    phis = np.broadcast_to(phi, a.shape)
    return a.reshape(-1), b.reshape(-1), np.ascontiguousarray(phis).reshape(-1)


def _directions_from_plane(a: FloatArray, b: FloatArray) -> FloatArray:
    """Inverse azimuthal-equidistant projection about the mouth axis."""
    m, up, right = _mouth_axes()
    rho = np.maximum(np.hypot(a, b), 1e-9)
    s = np.sin(rho) / rho
    d = np.cos(rho)[:, None] * m + (s * a)[:, None] * right + (s * b)[:, None] * up
    return cast(FloatArray, d / np.linalg.norm(d, axis=1, keepdims=True))


def _lip_fullness(loop: FloatArray, phi: FloatArray) -> FloatArray:
    """Outward lip volume per loop: full in the middle, thin at the corners, rolled in."""
    profile = np.interp(loop, [0, 1, 2, 3, 4, 5], [-0.0008, 0.0022, 0.0024, 0.0010, 0.0002, 0.0])
    corner = np.abs(np.sin(phi)) ** 0.6
    lower = np.where(np.sin(phi) < 0.0, 1.15, 1.0)
    return cast(FloatArray, profile * corner * lower)


def _lower_weight(phi: FloatArray) -> FloatArray:
    """How much a mouth-loop vertex belongs to the lower lip/jaw side (0.5 at the corners)."""
    return _smoothstep(0.3, -0.3, np.sin(phi))


def _jaw_weight(p: FloatArray, phi: FloatArray) -> FloatArray:
    """Skin weight of the jaw: lower side of the mouth loops, in front of and below the hinge."""
    front = _smoothstep(JAW_HINGE[1] + 0.015, JAW_HINGE[1] - 0.02, p[:, 1])
    below = _smoothstep(JAW_HINGE[2] + 0.005, JAW_HINGE[2] - 0.035, p[:, 2])
    return cast(FloatArray, _lower_weight(phi) * front * below)


def _build_head() -> Part:
    """Head island: skin loops around the mouth, lips, and a mouth bag closed by a pole."""
    a, b, phi = _head_loops()
    n_seg = HEAD_SEGMENTS
    loop = np.repeat(np.arange(HEAD_LOOPS, dtype=np.float64), n_seg)
    d = _directions_from_plane(a, b)
    skin = _face_surface(d)
    m, up, _ = _mouth_axes()
    skin = skin + _lip_fullness(loop, phi)[:, None] * m

    centre = _face_surface(m[None, :])[0]
    lip = skin[:n_seg]
    bag_rings = []
    # (shrink toward the mouth centre, vertical opening, depth) per ring behind the lips
    for shrink, open_h, depth in (
        (0.96, 0.0008, 0.003),
        (0.85, 0.010, 0.012),
        (0.62, 0.011, 0.026),
    ):
        ring = centre + shrink * (lip - centre) - depth * m
        ring = ring + (open_h * np.sin(phi[:n_seg]))[:, None] * up
        bag_rings.append(ring)
    bag_pole = centre - 0.034 * m
    back_pole = _face_surface(-m[None, :])[0]

    # Vertex order: bag pole, bag rings (deepest first), skin loops, back pole.
    rings = [*reversed(bag_rings), skin]
    verts = np.vstack([bag_pole[None, :], *rings, back_pole[None, :]])
    n_rows = 3 + HEAD_LOOPS
    faces = _fan(0, 1, n_seg, reverse=False)
    faces += _grid_faces(n_rows, n_seg, closed=True, offset=1)
    faces += _fan(len(verts) - 1, 1 + (n_rows - 1) * n_seg, n_seg, reverse=True)

    mats = [MOUTH] * n_seg
    for r in range(n_rows - 1):
        skin_loop = r - 3  # face row r spans ring r..r+1; rings 0-2 are the bag
        mat = MOUTH if skin_loop < -1 else LIPS if skin_loop < 2 else SKIN
        mats += [mat] * n_seg
    mats += [SKIN] * n_seg

    phi_all = np.concatenate([[-np.pi / 2], np.tile(phi[:n_seg], 3), phi, [np.pi / 2]])
    loop_all = np.concatenate([[-4.0], np.repeat([-3.0, -2.0, -1.0], n_seg), loop, [HEAD_LOOPS]])
    jaw = _jaw_weight(verts, phi_all)
    jaw[0] = 0.5  # bag pole: the throat, between upper and lower jaw
    return Part(
        HEAD,
        verts,
        faces,
        mats,
        {"head": 1.0 - jaw, "jaw": jaw},
        {"phi": phi_all, "loop": loop_all},
    )


def _lid_margin(beta: FloatArray, upper: bool) -> FloatArray:
    """Elevation of a lid margin per sideways angle: an almond whose lids meet at the corners."""
    peak = LID_UPPER_MARGIN if upper else LID_LOWER_MARGIN
    shape = np.maximum(1.0 - (np.abs(beta) / math.radians(LID_CORNER)) ** 2.0, -0.12)
    return cast(FloatArray, math.radians(peak) * shape)


def _lid_open_weight(beta: FloatArray) -> FloatArray:
    """How far a lid column may travel: full over the pupil, zero at the eye corners."""
    return cast(
        FloatArray, np.sqrt(np.clip(1.0 - (beta / math.radians(LID_CORNER)) ** 2, 0.0, 1.0))
    )


def _build_lid(side: float, upper: bool) -> Part:
    """An eyelid: a thick spherical shell segment around the eyeball whose margin can move.

    Rows run from the margin (f = 0; a slightly smaller inner row gives the lid its thickness)
    to a far edge buried in the head (f = 1), so keys can slide the margin and stretch the lid.
    """
    centre = _eye_centre(side)
    far = math.radians(100.0 if upper else -85.0)
    radius = LID_UPPER_RADIUS if upper else LID_LOWER_RADIUS
    fractions = np.array([-0.02, 0.0, 0.12, 0.35, 0.65, 1.0])
    betas = np.radians(np.linspace(-85.0, 85.0, 19))
    f = np.repeat(fractions, len(betas))
    beta = np.tile(betas, len(fractions))
    margin = _lid_margin(beta, upper)
    alpha = margin + (far - margin) * f
    r = np.where(f < 0.0, 1.03 * EYE_RADIUS, radius)
    verts = _lid_points(centre, alpha, beta, r)
    faces = _grid_faces(len(fractions), len(betas), closed=False)
    if upper:
        faces = [tuple(reversed(face)) for face in faces]
    island = (LID_UP_L if side > 0 else LID_UP_R) if upper else (LID_LO_L if side > 0 else LID_LO_R)
    return Part(
        island,
        verts,
        faces,
        [SKIN] * len(faces),
        {"head": np.ones(len(verts))},
        {"alpha": alpha, "beta": beta, "radius": r, "lidf": f},
    )


def _lid_points(
    centre: FloatArray, alpha: FloatArray, beta: FloatArray, r: FloatArray
) -> FloatArray:
    """Points on a sphere about the eye centre: alpha is elevation, beta the sideways angle."""
    x = r * np.cos(alpha) * np.sin(beta)
    y = -r * np.cos(alpha) * np.cos(beta)
    z = r * np.sin(alpha)
    return cast(FloatArray, centre + np.stack([x, y, z], axis=1))


def _build_brow(side: float) -> Part:
    """An eyebrow: a tapered, arched strip hugging the forehead (a box tube, smoothed later)."""
    n = 12
    u = np.linspace(0.0, 1.0, n)
    x = side * (0.010 + 0.050 * u)
    zc = BROW_Z + 0.0075 * np.sin(np.pi * np.clip(u * 1.15, 0, 1) ** 0.8) - 0.006 * u
    half_h = 0.5 * (0.0080 - 0.0042 * u)
    top = _front_point(x, zc + half_h)
    bot = _front_point(x, zc - half_h)
    n_top = _front_normal(x, zc + half_h)
    n_bot = _front_normal(x, zc - half_h)
    out, back = 0.0017, -0.0025
    section = [top + out * n_top, top + back * n_top, bot + back * n_bot, bot + out * n_bot]
    verts = np.stack(section, axis=1).reshape(-1, 3)  # station-major, 4 per station
    faces = _grid_faces(n, 4, closed=True)
    if side < 0:
        faces = [tuple(reversed(f)) for f in faces]
    faces.append((0, 1, 2, 3) if side > 0 else (3, 2, 1, 0))
    last = 4 * (n - 1)
    faces.append(
        (last + 3, last + 2, last + 1, last) if side > 0 else (last, last + 1, last + 2, last + 3)
    )
    return Part(
        BROW_L if side > 0 else BROW_R,
        verts,
        faces,
        [BROW] * len(faces),
        {"head": np.ones(len(verts))},
        {"u": np.repeat(u, 4)},
    )


def _hairline(psi: FloatArray) -> FloatArray:
    """Polar angle (from the crown) of the hair edge per azimuth: forehead high, nape low."""
    c = np.cos(psi)
    theta = np.radians(86.0) - np.radians(28.0) * c + np.radians(10.0) * (1.0 - c * c) * -c
    fringe = np.radians(9.0) * np.exp(-(((psi - 0.55) / 0.45) ** 2))  # a side-swept lock
    return cast(FloatArray, theta + fringe)


def _build_hair() -> Part:
    """A smooth hair cap following the skull, thicker at the crown, edge tucked into the skin."""
    n_seg, n_rings = 64, 14
    psi = 2.0 * np.pi * np.arange(n_seg) / n_seg
    edge = _hairline(psi)
    rings = []
    for k in range(1, n_rings + 2):
        f = min(k / n_rings, 1.0)
        theta = edge * f + (np.radians(2.5) if k > n_rings else 0.0)
        d = np.stack(
            [np.sin(theta) * np.sin(psi), -np.sin(theta) * np.cos(psi), np.cos(theta)], axis=1
        )
        p = _skull(d)
        if k <= n_rings:
            thick = (
                0.005 + 0.013 * (1.0 - f**2.2) + 0.004 * np.exp(-(((psi - 0.45) / 0.5) ** 2)) * f
            )
        else:
            thick = np.full(n_seg, -0.003)
        rings.append(p + thick[:, None] * p / np.linalg.norm(p, axis=1, keepdims=True))
    crown = _skull(np.array([[0.0, 0.06, 0.998]]))[0] * (1.0 + 0.0155 / HEAD_RZ_TOP)
    verts = np.vstack([crown[None, :], *rings])
    faces = _fan(0, 1, n_seg, reverse=True) + [
        tuple(reversed(f)) for f in _grid_faces(len(rings), n_seg, closed=True, offset=1)
    ]
    return Part(HAIR_ISLAND, verts, faces, [HAIR] * len(faces), {"head": np.ones(len(verts))})


def _uv_sphere(n_seg: int, n_rings: int) -> tuple[FloatArray, list[tuple[int, ...]]]:
    """Unit UV sphere with poles on Z, as arrays (vertex 0 and the last are the poles)."""
    theta = np.pi * np.arange(1, n_rings) / n_rings
    psi = 2.0 * np.pi * np.arange(n_seg) / n_seg
    t, p = np.meshgrid(theta, psi, indexing="ij")
    ring = np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)], axis=-1).reshape(
        -1, 3
    )
    verts = np.vstack([[0.0, 0.0, 1.0], ring, [0.0, 0.0, -1.0]])
    faces = _fan(0, 1, n_seg, reverse=False)
    faces += [tuple(reversed(f)) for f in _grid_faces(n_rings - 1, n_seg, closed=True, offset=1)]
    faces += _fan(len(verts) - 1, 1 + (n_rings - 2) * n_seg, n_seg, reverse=True)
    return verts, faces


def _build_ear(side: float) -> Part:
    """A simple flattened ear, tilted back, sunk into the side of the head."""
    unit, faces = _uv_sphere(12, 8)
    shape = unit * np.array([0.0075, 0.018, 0.029])
    shape[:, 0] += (
        -0.004 * np.exp(-((unit[:, 1] / 0.6) ** 2 + (unit[:, 2] / 0.6) ** 2)) * (unit[:, 0] > 0)
    )
    tilt = math.radians(-12.0)
    rot = np.array(
        [[1, 0, 0], [0, math.cos(tilt), -math.sin(tilt)], [0, math.sin(tilt), math.cos(tilt)]]
    )
    verts = shape @ rot.T
    verts[:, 0] *= side
    verts = verts + np.array([side * 0.078, 0.016, -0.014])
    if side < 0:
        faces = [tuple(reversed(f)) for f in faces]
    return Part(EAR, verts, faces, [SKIN] * len(faces), {"head": np.ones(len(verts))})


def _build_neck() -> Part:
    """Neck tube from inside the head into the torso, blending head, neck and spine weights."""
    n_seg = 24
    z = np.linspace(-0.04, -0.175, 9)
    psi = 2.0 * np.pi * np.arange(n_seg) / n_seg
    zz, pp = np.meshgrid(z, psi, indexing="ij")
    widen = 1.0 + 0.3 * _smoothstep(-0.12, -0.175, zz)
    x = 0.041 * widen * np.sin(pp)
    y = 0.012 - 0.040 * widen * np.cos(pp)
    verts = np.stack([x, y, zz], axis=-1).reshape(-1, 3)
    faces = [tuple(reversed(f)) for f in _grid_faces(len(z), n_seg, closed=True)]
    vz = verts[:, 2]
    head = _smoothstep(-0.10, -0.05, vz)
    spine = _smoothstep(-0.125, -0.165, vz)
    return Part(
        NECK,
        verts,
        faces,
        [SKIN] * len(faces),
        {"head": head, "neck": 1.0 - head - spine, "spine": spine},
    )


def _build_torso() -> Part:
    """Shoulders and chest: a squarish, sloped ellipsoid in a shirt, cut below the frame."""
    unit, faces = _uv_sphere(40, 20)
    ux, uy, uz = unit[:, 0], unit[:, 1], unit[:, 2]
    x = np.sign(ux) * np.abs(ux) ** 0.5 * 0.20
    y = np.sign(uy) * np.abs(uy) ** 0.75 * np.where(uy < 0, 0.095, 0.085)
    z = np.sign(uz) * np.abs(uz) ** 0.45 * 0.26 - 0.403
    top = np.clip(uz, 0.0, None) ** 0.5
    z = z - 0.055 * _smoothstep(0.03, 0.17, np.abs(x)) * top  # shoulder slope (trapezius)
    y = y - 0.012 * _smoothstep(-0.20, -0.28, z) * np.exp(-((x / 0.08) ** 2)) * (uy < 0)  # chest
    z = np.maximum(z, -0.60)
    verts = np.stack([x, y + 0.008, z], axis=1)
    return Part(TORSO, verts, faces, [CLOTH] * len(faces), {"spine": np.ones(len(verts))})


def _build_collar() -> Part:
    """A soft crew-neck collar ring where the neck meets the shirt."""
    n_seg, n_tube = 32, 8
    psi = 2.0 * np.pi * np.arange(n_seg) / n_seg
    tube = 2.0 * np.pi * np.arange(n_tube) / n_tube
    pp, tt = np.meshgrid(psi, tube, indexing="ij")
    major, minor = 0.050, 0.0075
    dip = 0.012 * np.clip(np.cos(pp), 0, None) ** 2  # lower at the front
    rr = major + minor * np.cos(tt)
    x = rr * np.sin(pp)
    y = 0.012 - rr * np.cos(pp) * 1.04
    z = -0.145 - dip + minor * np.sin(tt)
    verts = np.stack([x, y, z], axis=-1).reshape(-1, 3)
    faces = _grid_faces(n_seg, n_tube, closed=True) + [
        (i * n_tube + j, i * n_tube + (j + 1) % n_tube, (j + 1) % n_tube, j)
        for i in [n_seg - 1]
        for j in range(n_tube)
    ]
    return Part(COLLAR_ISLAND, verts, faces, [COLLAR] * len(faces), {"spine": np.ones(len(verts))})


def _build_teeth(upper: bool) -> Part:
    """A row of teeth as a curved bar behind the lips: seen only when the mouth opens."""
    m, up, _ = _mouth_axes()
    centre = _face_surface(m[None, :])[0]
    n = 9
    u = np.linspace(-1.0, 1.0, n)
    half_w = 0.0205
    x = half_w * u
    back = 0.0070 + 0.013 * u**2
    if upper:
        z_top, z_bot = 0.0075, 0.0003
    else:
        z_top, z_bot = -0.0012, -0.0075
    base = np.stack([x, centre[1] + back, np.full(n, centre[2])], axis=1)
    rows = [
        base + np.array([0.0, 0.0, z_top]),
        base + np.array([0.0, 0.0, z_bot]),
        base + np.array([0.0, 0.004, z_bot]),
        base + np.array([0.0, 0.004, z_top]),
    ]
    verts = np.stack(rows, axis=1).reshape(-1, 3)
    faces = _grid_faces(n, 4, closed=True)
    faces += [(0, 1, 2, 3), (4 * (n - 1) + 3, 4 * (n - 1) + 2, 4 * (n - 1) + 1, 4 * (n - 1))]
    bone = "head" if upper else "jaw"
    return Part(
        TEETH_UP if upper else TEETH_LO,
        verts,
        faces,
        [TEETH] * len(faces),
        {bone: np.ones(len(verts))},
    )


def _all_parts() -> list[Part]:
    """Every island of the face mesh, in a fixed order (the build is deterministic)."""
    return [
        _build_head(),
        _build_neck(),
        _build_torso(),
        _build_collar(),
        _build_hair(),
        _build_ear(1.0),
        _build_ear(-1.0),
        _build_brow(1.0),
        _build_brow(-1.0),
        _build_lid(1.0, upper=True),
        _build_lid(-1.0, upper=True),
        _build_lid(1.0, upper=False),
        _build_lid(-1.0, upper=False),
        _build_teeth(upper=True),
        _build_teeth(upper=False),
    ]


# --------------------------------------------------------------------------- shape keys


@dataclass
class FaceData:
    """Merged per-vertex arrays of the face mesh, in head-local coordinates."""

    p: FloatArray
    island: NDArray[np.int64]
    attrs: dict[str, FloatArray]
    eye_l: FloatArray
    eye_r: FloatArray

    def mask(self, *islands: int) -> FloatArray:
        """1.0 on vertices of the given islands, else 0.0."""
        return np.isin(self.island, islands).astype(np.float64)


def _merge(
    parts: Sequence[Part],
) -> tuple[FaceData, list[tuple[int, ...]], list[int], dict[str, FloatArray]]:
    """Concatenate parts into one vertex array, re-indexed faces, materials and weights."""
    verts, faces, mats, islands = [], [], [], []
    weights: dict[str, list[FloatArray]] = {}
    attr_names = sorted({k for part in parts for k in part.attrs})
    attrs: dict[str, list[FloatArray]] = {k: [] for k in attr_names}
    offset = 0
    for part in parts:
        n = len(part.verts)
        verts.append(part.verts)
        faces += [tuple(i + offset for i in f) for f in part.faces]
        mats += part.mats
        islands.append(np.full(n, part.island, dtype=np.int64))
        for bone in set(weights) | set(part.weights):
            weights.setdefault(bone, [np.zeros(offset)] if offset else [])
            weights[bone].append(np.asarray(part.weights.get(bone, np.zeros(n)), dtype=np.float64))
        for k in attr_names:
            attrs[k].append(part.attrs.get(k, np.full(n, np.nan)))
        offset += n
    data = FaceData(
        np.vstack(verts),
        np.concatenate(islands),
        {k: np.concatenate(v) for k, v in attrs.items()},
        _eye_centre(1.0),
        _eye_centre(-1.0),
    )
    merged = {b: np.concatenate(w) for b, w in weights.items()}
    return data, faces, mats, merged


def _side(fd: FaceData, left: bool, width: float = 0.006) -> FloatArray:
    """Soft left/right split at the midline so Left+Right keys sum to a symmetric pose."""
    x = fd.p[:, 0]
    return _smoothstep(-width, width, x) if left else _smoothstep(width, -width, x)


def _lid_shift(fd: FaceData, island: int, delta: FloatArray | float) -> FloatArray:
    """Slide an eyelid's margin by ``delta`` radians of elevation (per column), fading to its far edge.

    Targets are computed on the lid's sphere, so the lid glides over the eyeball.
    """
    sel = fd.island == island
    out = np.zeros_like(fd.p)
    if not sel.any():
        return out
    beta = fd.attrs["beta"][sel]
    ramp = _smoothstep(1.0, 0.0, fd.attrs["lidf"][sel])
    shift = (
        np.broadcast_to(delta, fd.p[:, 0].shape)[sel]
        if np.ndim(delta)
        else np.full(len(beta), delta)
    )
    new_alpha = fd.attrs["alpha"][sel] + shift * ramp
    centre = fd.eye_l if island in (LID_UP_L, LID_LO_L) else fd.eye_r
    out[sel] = _lid_points(centre, new_alpha, beta, fd.attrs["radius"][sel]) - fd.p[sel]
    return out


def _eye_islands(left: bool) -> tuple[int, int]:
    return (LID_UP_L, LID_LO_L) if left else (LID_UP_R, LID_LO_R)


def _lid_columns(fd: FaceData) -> FloatArray:
    """Per-vertex opening weight of lid columns (NaN-safe for non-lid vertices)."""
    return _lid_open_weight(np.nan_to_num(fd.attrs["beta"]))


def _key_blink(fd: FaceData, left: bool) -> FloatArray:
    """Upper lid sweeps down over the eye and closes just past a slightly raised lower lid."""
    up, lo = _eye_islands(left)
    beta = np.nan_to_num(fd.attrs["beta"])
    lower_rise = math.radians(9.0) * _lid_columns(fd)
    closed = _lid_margin(beta, upper=False) + lower_rise - math.radians(3.0)
    d = _lid_shift(fd, up, closed - _lid_margin(beta, upper=True))
    return d + _lid_shift(fd, lo, lower_rise)


def _key_eye_wide(fd: FaceData, left: bool) -> FloatArray:
    """Upper lid retracts to show white above the iris; lower lid drops a little."""
    up, lo = _eye_islands(left)
    w = _lid_columns(fd)
    return _lid_shift(fd, up, math.radians(17.0) * w) + _lid_shift(fd, lo, math.radians(-6.0) * w)


def _key_eye_squint(fd: FaceData, left: bool) -> FloatArray:
    """Lower lid rises and the upper lid narrows: the tight eyes of smiles and anger."""
    up, lo = _eye_islands(left)
    w = _lid_columns(fd)
    return _lid_shift(fd, up, math.radians(-8.0) * w) + _lid_shift(fd, lo, math.radians(14.0) * w)


def _skin(fd: FaceData) -> FloatArray:
    return fd.mask(HEAD)


def _brow_mask(fd: FaceData, left: bool) -> FloatArray:
    return fd.mask(BROW_L if left else BROW_R)


def _forehead(fd: FaceData, cx: float, sx: float) -> FloatArray:
    """Skin falloff over the brow/forehead band, centred at x = cx."""
    p = fd.p
    return cast(FloatArray, _gauss3(p, (cx, -0.07, BROW_Z + 0.01), (sx, 0.03, 0.014)) * _skin(fd))


def _key_brow_inner_up(fd: FaceData) -> FloatArray:
    """Inner brow ends lift (the worried/sad brow), with the central forehead."""
    u = np.nan_to_num(fd.attrs["u"])
    brows = fd.mask(BROW_L, BROW_R) * (1.0 - u) ** 1.4
    w = 0.011 * brows + 0.004 * _forehead(fd, 0.0, 0.02)
    d = np.zeros_like(fd.p)
    d[:, 2] = w
    d[:, 0] = -0.0015 * brows * np.sign(fd.p[:, 0])
    return d


def _key_brow_down(fd: FaceData, left: bool) -> FloatArray:
    """Brow lowers and draws toward the nose (corrugator): inner end most."""
    u = np.nan_to_num(fd.attrs["u"])
    brow = _brow_mask(fd, left) * (1.0 - 0.85 * u**0.8)
    sign = 1.0 if left else -1.0
    skin = 0.5 * _forehead(fd, sign * 0.025, 0.015)
    d = np.zeros_like(fd.p)
    d[:, 2] = -0.0095 * brow - 0.003 * skin
    d[:, 0] = -sign * 0.0035 * brow
    d[:, 1] = -0.0012 * brow
    up, _ = _eye_islands(left)
    return d + _lid_shift(fd, up, math.radians(-5.0) * _lid_columns(fd))


def _key_brow_outer_up(fd: FaceData, left: bool) -> FloatArray:
    """Outer brow end lifts (surprise, fear)."""
    u = np.nan_to_num(fd.attrs["u"])
    brow = _brow_mask(fd, left) * u**1.1
    sign = 1.0 if left else -1.0
    d = np.zeros_like(fd.p)
    d[:, 2] = 0.0085 * brow + 0.0025 * _forehead(fd, sign * 0.045, 0.015)
    return d


def _key_cheek_squint(fd: FaceData, left: bool) -> FloatArray:
    """Cheek raises under the eye (Duchenne smile), pushing the lower lid up."""
    sign = 1.0 if left else -1.0
    w = _gauss3(fd.p, (sign * 0.040, -0.07, -0.026), (0.016, 0.04, 0.013)) * _skin(fd)
    d = np.zeros_like(fd.p)
    d[:, 2] = 0.0045 * w
    d[:, 1] = -0.0025 * w
    _, lo = _eye_islands(left)
    return d + _lid_shift(fd, lo, math.radians(6.0) * _lid_columns(fd))


def _key_cheek_puff(fd: FaceData) -> FloatArray:
    """Both cheeks balloon outward beside the mouth."""
    p = fd.p
    d = np.zeros_like(p)
    for sign in (1.0, -1.0):
        w = _gauss3(p, (sign * 0.040, -0.06, MOUTH_Z + 0.006), (0.016, 0.04, 0.017)) * _skin(fd)
        d[:, 0] += sign * 0.007 * w
        d[:, 1] -= 0.004 * w
    return d


def _key_nose_sneer(fd: FaceData, left: bool) -> FloatArray:
    """Nostril wing and the skin beside the nose pull up (disgust), dragging the upper lip."""
    sign = 1.0 if left else -1.0
    w = _gauss3(fd.p, (sign * 0.014, -0.08, NOSE_TIP_Z - 0.006), (0.008, 0.03, 0.011)) * _skin(fd)
    bridge = _gauss3(fd.p, (sign * 0.008, -0.08, EYE_Z - 0.016), (0.008, 0.03, 0.010)) * _skin(fd)
    d = np.zeros_like(fd.p)
    d[:, 2] = 0.0065 * w + 0.0025 * bridge
    d[:, 1] = -0.0015 * w + 0.0015 * bridge
    d[:, 0] = sign * 0.0015 * w
    return d


def _mouth_corner(fd: FaceData, left: bool, sigma: float = 0.011) -> FloatArray:
    """Falloff around a mouth corner on the skin (lips included, mouth bag mostly excluded)."""
    sign = 1.0 if left else -1.0
    corner = _face_surface(_directions_from_plane(np.array([sign * MOUTH_A0]), np.array([0.0])))[0]
    w = _gauss3(fd.p, corner, (sigma, 0.03, sigma * 0.95))
    return cast(FloatArray, w * _skin(fd))


def _key_mouth_corner(
    fd: FaceData, left: bool, move: tuple[float, float, float], sigma: float
) -> FloatArray:
    """Move a mouth corner by ``move`` = (outward, back, up) metres with a smooth falloff."""
    sign = 1.0 if left else -1.0
    w = _mouth_corner(fd, left, sigma)
    d = np.zeros_like(fd.p)
    d[:, 0] = sign * move[0] * w
    d[:, 1] = move[1] * w
    d[:, 2] = move[2] * w
    return d


def _key_smile(fd: FaceData, left: bool) -> FloatArray:
    """Corner pulls up, out and back (zygomaticus major); the cheek bunches up a bit."""
    d = _key_mouth_corner(fd, left, (0.0045, 0.004, 0.0090), 0.0105)
    d += _key_mouth_corner(fd, left, (0.001, 0.0, 0.002), 0.022)
    return d


def _key_frown(fd: FaceData, left: bool) -> FloatArray:
    """Corner pulls down (depressor anguli oris)."""
    d = _key_mouth_corner(fd, left, (0.0012, 0.001, -0.0070), 0.012)
    return d + _key_mouth_corner(fd, left, (0.0, 0.0, -0.0015), 0.02)


def _key_stretch(fd: FaceData, left: bool) -> FloatArray:
    """Corner pulls straight out and slightly down (risorius/platysma, fear)."""
    d = _key_mouth_corner(fd, left, (0.0065, 0.0025, -0.0025), 0.013)
    return d


def _lip_region(fd: FaceData, loops: float) -> FloatArray:
    """Falloff over the first mouth loops (lips and the skin just around them)."""
    loop = np.nan_to_num(fd.attrs["loop"], nan=99.0)
    return cast(FloatArray, _smoothstep(loops, 0.0, np.abs(loop)) * _skin(fd))


def _upper_lower(fd: FaceData) -> tuple[FloatArray, FloatArray]:
    phi = np.nan_to_num(fd.attrs["phi"])
    lower = _lower_weight(phi)
    return 1.0 - lower, lower


def _key_press(fd: FaceData, left: bool) -> FloatArray:
    """Lips press together and thin: both lips roll toward the slit and back."""
    upper, lower = _upper_lower(fd)
    w = _lip_region(fd, 4.0) * _side(fd, left, 0.012)
    d = np.zeros_like(fd.p)
    d[:, 2] = 0.0028 * w * (lower - upper)
    d[:, 1] = 0.0018 * w
    return d


def _key_upper_up(fd: FaceData, left: bool) -> FloatArray:
    """Upper lip raises, baring the upper teeth (disgust)."""
    upper, _ = _upper_lower(fd)
    w = _lip_region(fd, 6.0) * upper * _side(fd, left, 0.010)
    d = np.zeros_like(fd.p)
    d[:, 2] = 0.0060 * w
    d[:, 1] = -0.0008 * w
    return d


def _key_lower_down(fd: FaceData, left: bool) -> FloatArray:
    """Lower lip pulls down, showing the lower teeth."""
    _, lower = _upper_lower(fd)
    w = _lip_region(fd, 6.0) * lower * _side(fd, left, 0.010)
    d = np.zeros_like(fd.p)
    d[:, 2] = -0.0050 * w
    d[:, 1] = -0.0008 * w
    return d


def _key_pucker(fd: FaceData) -> FloatArray:
    """Lips gather toward the middle and push forward (a kiss)."""
    w = _lip_region(fd, 7.0)
    d = np.zeros_like(fd.p)
    d[:, 0] = -0.45 * fd.p[:, 0] * w
    d[:, 1] = -0.0055 * w
    return d


def _key_funnel(fd: FaceData) -> FloatArray:
    """Lips flare forward into an open 'O'."""
    upper, lower = _upper_lower(fd)
    w = _lip_region(fd, 6.0)
    d = np.zeros_like(fd.p)
    d[:, 0] = -0.25 * fd.p[:, 0] * w
    d[:, 1] = -0.0045 * w
    d[:, 2] = 0.0035 * w * (upper - lower)
    return d


def _key_jaw_open(fd: FaceData) -> FloatArray:
    """Lower jaw (chin, lower lip, lower mouth bag, lower teeth) swings open about the hinge."""
    phi = np.nan_to_num(fd.attrs["phi"])
    w = _jaw_weight(fd.p, phi) * _skin(fd) + fd.mask(TEETH_LO)
    angle = math.radians(19.0) * w
    return _rotate_x(fd.p, JAW_HINGE, angle) - fd.p


def _shape_key_displacements(fd: FaceData) -> dict[str, FloatArray]:
    """Every ARKit key as a per-vertex displacement field (head-local metres)."""
    keys: dict[str, FloatArray] = {
        "browInnerUp": _key_brow_inner_up(fd),
        "cheekPuff": _key_cheek_puff(fd),
        "mouthPucker": _key_pucker(fd),
        "mouthFunnel": _key_funnel(fd),
        "jawOpen": _key_jaw_open(fd),
    }
    for left, suffix in ((True, "Left"), (False, "Right")):
        keys["browDown" + suffix] = _key_brow_down(fd, left)
        keys["browOuterUp" + suffix] = _key_brow_outer_up(fd, left)
        keys["eyeWide" + suffix] = _key_eye_wide(fd, left)
        keys["eyeSquint" + suffix] = _key_eye_squint(fd, left)
        keys["eyeBlink" + suffix] = _key_blink(fd, left)
        keys["cheekSquint" + suffix] = _key_cheek_squint(fd, left)
        keys["noseSneer" + suffix] = _key_nose_sneer(fd, left)
        keys["mouthSmile" + suffix] = _key_smile(fd, left)
        keys["mouthFrown" + suffix] = _key_frown(fd, left)
        keys["mouthStretch" + suffix] = _key_stretch(fd, left)
        keys["mouthPress" + suffix] = _key_press(fd, left)
        keys["mouthUpperUp" + suffix] = _key_upper_up(fd, left)
        keys["mouthLowerDown" + suffix] = _key_lower_down(fd, left)
    return {name: keys[name] for name in REQUIRED_SHAPE_KEYS}


def _add_shape_keys(obj: bpy.types.Object, fd: FaceData) -> None:
    """Write the Basis and every ARKit key with foreach_set (no per-vertex Python)."""
    obj.shape_key_add(name="Basis", from_mix=False)
    base = fd.p + HEAD_CENTER
    for name, disp in _shape_key_displacements(fd).items():
        key = obj.shape_key_add(name=name, from_mix=False)
        key.slider_min = 0.0
        key.slider_max = 1.0
        key.data.foreach_set("co", (base + disp).astype(np.float32).ravel())
    shape_keys = cast(bpy.types.Mesh, obj.data).shape_keys
    if shape_keys is not None:
        shape_keys.use_relative = True


# --------------------------------------------------------------------------- Blender objects


def _material(name: str, colour_key: str, roughness: float = 0.5) -> bpy.types.Material:
    """A material that looks the same in Workbench (diffuse colour) and EEVEE/Cycles (nodes)."""
    mat = bpy.data.materials.new(name)
    rgba = _srgb_to_linear(PALETTE_SRGB[colour_key])
    mat.diffuse_color.foreach_set(rgba)
    mat.roughness = roughness
    if mat.node_tree is None:
        mat.use_nodes = True  # 4.x; in 5.0 materials always have a node tree
    tree = mat.node_tree
    if tree is not None:
        bsdf = next((n for n in tree.nodes if n.type == "BSDF_PRINCIPLED"), None)
        if bsdf is not None:
            cast(Any, bsdf.inputs["Base Color"]).default_value = rgba
            cast(Any, bsdf.inputs["Roughness"]).default_value = roughness
            if colour_key in ("skin", "lips") and "Subsurface Weight" in bsdf.inputs:
                cast(Any, bsdf.inputs["Subsurface Weight"]).default_value = 0.15
                cast(Any, bsdf.inputs["Subsurface Radius"]).default_value = (0.04, 0.015, 0.008)
    return mat


def _face_material_list(prefix: str) -> list[bpy.types.Material]:
    rough = {"skin": 0.55, "lips": 0.4, "mouth": 0.6, "hair": 0.6, "brow": 0.8, "cloth": 0.85}
    return [_material(f"{prefix} {k}", k, rough.get(k, 0.5)) for k in FACE_MATERIALS]


def _resolve_collection(collection: bpy.types.Collection | None) -> bpy.types.Collection:
    """Use the given collection or "EVOKE Avatar", linked to the scene so ops can see it."""
    scene = _scene()
    if collection is None:
        collection = bpy.data.collections.get(COLLECTION_NAME) or bpy.data.collections.new(
            COLLECTION_NAME
        )
    if collection.name not in scene.collection.children and collection != scene.collection:
        users = [c for c in bpy.data.collections if collection.name in c.children]
        if not users:
            scene.collection.children.link(collection)
    return collection


def _new_mesh_object(
    name: str,
    verts: FloatArray,
    faces: Sequence[Sequence[int]],
    mats: Sequence[int],
    collection: bpy.types.Collection,
) -> bpy.types.Object:
    """Create a smooth-shaded mesh object from arrays (object at the world origin)."""
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(verts.tolist(), [], [list(f) for f in faces])
    mesh.polygons.foreach_set("material_index", np.asarray(mats, dtype=np.int32))
    mesh.polygons.foreach_set("use_smooth", np.ones(len(mesh.polygons), dtype=bool))
    mesh.update()
    obj = bpy.data.objects.new(name, mesh)
    collection.objects.link(obj)
    return obj


def _add_vertex_groups(obj: bpy.types.Object, weights: Mapping[str, FloatArray]) -> None:
    """Skin weights, normalised per vertex and written in a few calls per quantised level."""
    names = [b for b in ("spine", "neck", "head", "jaw") if b in weights]
    stack = np.stack([weights[b] for b in names], axis=1)
    total = stack.sum(axis=1, keepdims=True)
    stack = np.where(total > 0, stack / np.maximum(total, 1e-12), 0.0)
    levels = np.round(stack * 100.0).astype(np.int64)
    for col, bone in enumerate(names):
        group = obj.vertex_groups.new(name=bone)
        for level in np.unique(levels[:, col]):
            if level == 0:
                continue
            idx = np.flatnonzero(levels[:, col] == level)
            group.add(idx.tolist(), float(level) / 100.0, "REPLACE")


def _bone_layout(fd: FaceData) -> dict[str, tuple[FloatArray, FloatArray, str | None]]:
    """Rest positions (world head, tail) and parents of the bones."""

    def at(*offset: float) -> FloatArray:
        return cast(FloatArray, HEAD_CENTER + np.array(offset))

    chin = _face_surface(np.array([[0.0, -0.55, -0.835]]))[0]
    forward = np.array([0.0, -0.025, 0.0])
    layout: dict[str, tuple[FloatArray, FloatArray, str | None]] = {
        "root": (np.array([0.0, 0.0, 1.06]), np.array([0.0, 0.0, 1.16]), None),
        "spine": (np.array([0.0, 0.012, 1.16]), at(0.0, 0.012, -0.15), "root"),
        "neck": (at(0.0, 0.012, -0.15), at(0.0, 0.012, -0.07), "spine"),
        "head": (at(0.0, 0.012, -0.07), at(0.0, 0.012, 0.15), "neck"),
        "jaw": (HEAD_CENTER + JAW_HINGE, HEAD_CENTER + chin, "head"),
        "eye.L": (HEAD_CENTER + fd.eye_l, HEAD_CENTER + fd.eye_l + forward, "head"),
        "eye.R": (HEAD_CENTER + fd.eye_r, HEAD_CENTER + fd.eye_r + forward, "head"),
    }
    return layout


def _build_armature(name: str, fd: FaceData, collection: bpy.types.Collection) -> bpy.types.Object:
    """The rig: root > spine > neck > head > (jaw, eye.L, eye.R). Needs edit mode once."""
    data = bpy.data.armatures.new(name)
    data.display_type = "OCTAHEDRAL"
    arm = bpy.data.objects.new(name, data)
    arm.show_in_front = True
    collection.objects.link(arm)
    view_layer = _view_layer()
    if bpy.context.mode != "OBJECT" and bpy.context.active_object is not None:
        bpy.ops.object.mode_set(mode="OBJECT")
    view_layer.objects.active = arm
    bpy.ops.object.mode_set(mode="EDIT")
    layout = _bone_layout(fd)
    for bone_name in BONES:
        head, tail, parent = layout[bone_name]
        eb = data.edit_bones.new(bone_name)
        eb.head = Vector(head.tolist())
        eb.tail = Vector(tail.tolist())
        eb.roll = 0.0
        eb.use_deform = bone_name in ("spine", "neck", "head", "jaw")
        if parent is not None:
            eb.parent = data.edit_bones[parent]
            eb.use_connect = bone_name in ("spine", "neck", "head")
    bpy.ops.object.mode_set(mode="OBJECT")
    for pb in cast(bpy.types.Pose, arm.pose).bones:
        pb.rotation_mode = "XYZ"
    return arm


def _parent_to_bone(obj: bpy.types.Object, arm: bpy.types.Object, bone_name: str) -> None:
    """Bone-parent keeping the rest transform: Blender parents to the bone's tail."""
    bone = cast(bpy.types.Armature, arm.data).bones[bone_name]
    obj.parent = arm
    obj.parent_type = "BONE"
    obj.parent_bone = bone_name
    tail = Matrix.Translation((0.0, bone.length, 0.0))
    obj.matrix_parent_inverse = (arm.matrix_world @ bone.matrix_local @ tail).inverted()


def _build_eye(name: str, centre: FloatArray, collection: bpy.types.Collection) -> bpy.types.Object:
    """Eyeball: a sphere looking down -Y, with sclera, iris and pupil as rings of faces."""
    n_seg, n_rings = 32, 16
    unit, faces = _uv_sphere(n_seg, n_rings)
    verts = np.stack([unit[:, 0], -unit[:, 2], unit[:, 1]], axis=1) * EYE_RADIUS  # pole at -Y
    polar = np.degrees(np.arccos(np.clip(-verts[:, 1] / EYE_RADIUS, -1.0, 1.0)))
    mats = []
    for f in faces:
        angle = float(np.mean(polar[list(f)]))
        mats.append(2 if angle < 14.0 else 1 if angle < 36.0 else 0)
    obj = _new_mesh_object(name, verts, faces, mats, collection)
    for key in ("sclera", "iris", "pupil"):
        mat = _material(f"{name} {key}", key, 0.15 if key != "sclera" else 0.3)
        cast(bpy.types.Mesh, obj.data).materials.append(mat)
    obj.location = Vector((HEAD_CENTER + centre).tolist())
    return obj


def build_avatar(
    name: str = "EVOKE Avatar", collection: bpy.types.Collection | None = None
) -> bpy.types.Object:
    """Build the stylised avatar and return its face mesh (the object holding the shape keys).

    The face mesh is parented to the armature (``avatar_armature(face)`` finds it) and deformed
    by it through an Armature modifier, then smoothed by a Subdivision Surface modifier.
    """
    coll = _resolve_collection(collection)
    fd, faces, mats, weights = _merge(_all_parts())
    arm = _build_armature(f"{name} Rig", fd, coll)
    face = _new_mesh_object(name, fd.p + HEAD_CENTER, faces, mats, coll)
    mesh = cast(bpy.types.Mesh, face.data)
    for mat in _face_material_list(name):
        mesh.materials.append(mat)
    _add_vertex_groups(face, weights)
    _add_shape_keys(face, fd)
    face.parent = arm
    mod = cast(bpy.types.ArmatureModifier, face.modifiers.new("Armature", "ARMATURE"))
    mod.object = arm
    sub = cast(bpy.types.SubsurfModifier, face.modifiers.new("Subdivision", "SUBSURF"))
    sub.levels = 1
    sub.render_levels = 2
    for label, centre in (("L", fd.eye_l), ("R", fd.eye_r)):
        eye = _build_eye(f"{name} Eye.{label}", centre, coll)
        _parent_to_bone(eye, arm, f"eye.{label}")
    face["evoke_avatar"] = 1
    _view_layer().update()
    return face


# --------------------------------------------------------------------------- presets


def avatar_armature(face: bpy.types.Object) -> bpy.types.Object | None:
    """The armature deforming ``face`` (via its Armature modifier), if any."""
    for mod in face.modifiers:
        if mod.type == "ARMATURE":
            target = cast(bpy.types.ArmatureModifier, mod).object
            if target is not None:
                return target
    return None


def load_presets(path: Path | str = PRESETS_PATH) -> dict[str, Any]:
    """Read the emotion presets file ("evoke-presets", version 1)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != "evoke-presets" or data.get("version") != 1:
        raise ValueError(f"{path}: not an evoke-presets version 1 file")
    return cast(dict[str, Any], data)


def apply_preset(face: bpy.types.Object, preset: Mapping[str, Any], strength: float = 1.0) -> None:
    """Set shape keys (others to 0) and bone rotations (degrees, Euler XYZ, bone-local) of a preset.

    Unknown names are skipped so presets written for ARKit avatars also work on partial rigs.
    """
    shape_keys = cast(bpy.types.Mesh, face.data).shape_keys
    if shape_keys is not None:
        values = cast(Mapping[str, float], preset.get("shape_keys", {}))
        for kb in list(shape_keys.key_blocks)[1:]:
            kb.value = min(max(float(values.get(kb.name, 0.0)) * strength, 0.0), 1.0)
    arm = avatar_armature(face)
    if arm is None or arm.pose is None:
        return
    rotations = cast(Mapping[str, Sequence[float]], preset.get("bones", {}))
    for pb in cast(bpy.types.Pose, arm.pose).bones:
        pb.rotation_mode = "XYZ"
        deg = rotations.get(pb.name, (0.0, 0.0, 0.0))
        pb.rotation_euler = tuple(math.radians(float(v)) * strength for v in deg)


# --------------------------------------------------------------------------- camera and lights


def _look_target(target_obj: bpy.types.Object) -> tuple[Vector, float]:
    """Point to aim at (mid-face) and a framing height, from the head bone or the bounding box."""
    arm = target_obj if target_obj.type == "ARMATURE" else avatar_armature(target_obj)
    if arm is not None:
        bones = cast(bpy.types.Armature, arm.data).bones
        if "head" in bones:
            bone = bones["head"]
            head = arm.matrix_world @ bone.head_local
            tail = arm.matrix_world @ bone.tail_local
            return head.lerp(tail, 0.13), (tail - head).length * 1.66
    corners = [target_obj.matrix_world @ Vector(c) for c in target_obj.bound_box]
    zmax = max(c.z for c in corners)
    zmin = min(c.z for c in corners)
    centre = sum(corners, Vector()) / 8.0
    return Vector((centre.x, centre.y, zmax - 0.3 * (zmax - zmin))), 0.6 * (zmax - zmin)


def _aim(obj: bpy.types.Object, target: Vector) -> None:
    """Point an object's -Z (cameras, lights) at ``target``."""
    direction = target - obj.location
    obj.rotation_euler = direction.to_track_quat("-Z", "Y").to_euler()


def _area_light(
    name: str,
    energy: float,
    size: float,
    colour: tuple[float, float, float],
    collection: bpy.types.Collection,
) -> bpy.types.Object:
    data = cast(bpy.types.AreaLight, bpy.data.lights.new(name, "AREA"))
    data.energy = energy
    data.size = size
    data.color = colour
    obj = bpy.data.objects.new(name, data)
    collection.objects.link(obj)
    return obj


def add_camera_and_lights(
    target_obj: bpy.types.Object, collection: bpy.types.Collection | None = None
) -> tuple[bpy.types.Object, list[bpy.types.Object]]:
    """A portrait camera at face height and a warm key / cool fill / rim three-point rig.

    The camera becomes the scene camera; lights matter for EEVEE/Cycles (Workbench uses its
    studio light).
    """
    coll = _resolve_collection(collection)
    target, height = _look_target(target_obj)
    cam_data = bpy.data.cameras.new("EVOKE Camera")
    cam_data.lens = 85.0
    cam_data.sensor_fit = "VERTICAL"
    cam_data.sensor_height = 24.0
    distance = height / (cam_data.sensor_height / cam_data.lens)
    cam = bpy.data.objects.new("EVOKE Camera", cam_data)
    coll.objects.link(cam)
    yaw = math.radians(8.0)
    cam.location = target + Vector((distance * math.sin(yaw), -distance * math.cos(yaw), 0.01))
    _aim(cam, target - Vector((0.0, 0.0, 0.05 * height)))
    _scene().camera = cam

    lights = []
    for name, energy, size, colour, offset in (
        ("EVOKE Key", 30.0, 0.6, (1.0, 0.93, 0.85), (-0.9, -1.1, 0.7)),
        ("EVOKE Fill", 10.0, 1.0, (0.85, 0.9, 1.0), (1.1, -0.9, 0.1)),
        ("EVOKE Rim", 25.0, 0.5, (1.0, 1.0, 1.0), (0.5, 1.0, 0.8)),
    ):
        light = _area_light(name, energy, size, colour, coll)
        light.location = target + Vector(offset)
        _aim(light, target)
        lights.append(light)
    _view_layer().update()  # so matrix_world is valid for callers right away
    return cam, lights
