"""The avatar's parts as numpy meshes, the eyeball, and where the bones sit.

Each builder returns one island in head-local coordinates with its skin weights; ``all_parts``
fixes their order, which fixes the vertex order of the face mesh (the build is deterministic).
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np

from .head import build_head
from .mesh import FaceData, Part, fan, grid_faces, uv_sphere
from .proportions import (
    BROW,
    BROW_L,
    BROW_R,
    BROW_Z,
    CLOTH,
    COLLAR,
    COLLAR_ISLAND,
    EAR,
    EYE_RADIUS,
    HAIR,
    HAIR_ISLAND,
    HEAD_CENTER,
    HEAD_RZ_TOP,
    IRIS,
    JAW_HINGE,
    LID_LO_L,
    LID_LO_R,
    LID_LOWER_RADIUS,
    LID_UP_L,
    LID_UP_R,
    LID_UPPER_RADIUS,
    NECK,
    PUPIL,
    SCLERA,
    SKIN,
    TEETH,
    TEETH_LO,
    TEETH_UP,
    TONGUE,
    TONGUE_MAT,
    TORSO,
    FloatArray,
)
from .surface import (
    eye_centre,
    face_surface,
    front_normal,
    front_point,
    lid_margin,
    lid_points,
    mouth_axes,
    skull,
    smoothstep,
)

# --------------------------------------------------------------------------- face details


def _build_lid(side: float, upper: bool) -> Part:
    """An eyelid: a thick spherical shell segment around the eyeball whose margin can move.

    Rows run from the margin (f = 0; a slightly smaller inner row gives the lid its thickness)
    to a far edge buried in the head (f = 1), so keys can slide the margin and stretch the lid.
    """
    centre = eye_centre(side)
    far = math.radians(100.0 if upper else -85.0)
    radius = LID_UPPER_RADIUS if upper else LID_LOWER_RADIUS
    fractions = np.array([-0.02, 0.0, 0.12, 0.35, 0.65, 1.0])
    betas = np.radians(np.linspace(-85.0, 85.0, 19))
    f = np.repeat(fractions, len(betas))
    beta = np.tile(betas, len(fractions))
    margin = lid_margin(beta, upper)
    alpha = margin + (far - margin) * f
    r = np.where(f < 0.0, 1.03 * EYE_RADIUS, radius)
    verts = lid_points(centre, alpha, beta, r)
    faces = grid_faces(len(fractions), len(betas), closed=False)
    if not upper:  # lower lid rows run downward: flip so both lids face away from the eyeball
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


def _build_brow(side: float) -> Part:
    """An eyebrow: a tapered, arched strip hugging the forehead (a box tube, smoothed later)."""
    n = 12
    u = np.linspace(0.0, 1.0, n)
    x = side * (0.010 + 0.050 * u)
    zc = BROW_Z + 0.0075 * np.sin(np.pi * np.clip(u * 1.15, 0, 1) ** 0.8) - 0.006 * u
    half_h = 0.5 * (0.0100 - 0.0052 * u)
    top = front_point(x, zc + half_h)
    bot = front_point(x, zc - half_h)
    n_top = front_normal(x, zc + half_h)
    n_bot = front_normal(x, zc - half_h)
    out, back = 0.0017, -0.0025
    section = [top + out * n_top, top + back * n_top, bot + back * n_bot, bot + out * n_bot]
    verts = np.stack(section, axis=1).reshape(-1, 3)  # station-major, 4 per station
    faces = grid_faces(n, 4, closed=True)
    if side > 0:  # the mirrored right brow needs the opposite order to face outward too
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
        p = skull(d)
        if k <= n_rings:
            thick = (
                0.005 + 0.013 * (1.0 - f**2.2) + 0.004 * np.exp(-(((psi - 0.45) / 0.5) ** 2)) * f
            )
        else:
            thick = np.full(n_seg, -0.003)
        rings.append(p + thick[:, None] * p / np.linalg.norm(p, axis=1, keepdims=True))
    crown = skull(np.array([[0.0, 0.06, 0.998]]))[0] * (1.0 + 0.0155 / HEAD_RZ_TOP)
    verts = np.vstack([crown[None, :], *rings])
    faces = fan(0, 1, n_seg, reverse=False) + [
        tuple(reversed(f)) for f in grid_faces(len(rings), n_seg, closed=True, offset=1)
    ]
    return Part(HAIR_ISLAND, verts, faces, [HAIR] * len(faces), {"head": np.ones(len(verts))})


def _build_ear(side: float) -> Part:
    """A simple flattened ear, tilted back, sunk into the side of the head."""
    unit, faces = uv_sphere(12, 8)
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


def _build_teeth(upper: bool) -> Part:
    """A row of teeth as a curved bar behind the lips: seen only when the mouth opens."""
    m, up, _ = mouth_axes()
    centre = face_surface(m[None, :])[0]
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
    faces = grid_faces(n, 4, closed=True)
    faces += [(3, 2, 1, 0), (4 * (n - 1), 4 * (n - 1) + 1, 4 * (n - 1) + 2, 4 * (n - 1) + 3)]
    bone = "head" if upper else "jaw"
    return Part(
        TEETH_UP if upper else TEETH_LO,
        verts,
        faces,
        [TEETH] * len(faces),
        {bone: np.ones(len(verts))},
    )


def tongue_frame() -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The tongue's rest centre and its axes: across (+X), toward the lips, and up.

    The mouth bag runs back and up along the mouth axis, so the tongue lies in that tilted frame,
    on the bag's floor behind the lower teeth: hidden while the lips are closed.
    """
    m, up, right = mouth_axes()
    centre = face_surface(m[None, :])[0] - 0.024 * m - 0.008 * up
    return cast(FloatArray, centre), right, m, up


def _build_tongue() -> Part:
    """A flattened ellipsoid on the floor of the mouth; its tip points at the lips (``tip`` 1)."""
    unit, faces = uv_sphere(16, 10)
    centre, right, forward, up = tongue_frame()
    along = -unit[:, 1]  # +1 at the tip (toward the lips), -1 at the root
    top = np.clip(unit[:, 2], 0.0, None)
    verts = (
        centre
        + (0.0125 * unit[:, 0])[:, None] * right
        + (0.013 * along)[:, None] * forward
        + (0.0045 * unit[:, 2] * (1.0 - 0.25 * top**2))[:, None] * up
    )
    if np.dot(np.cross(right, forward), up) > 0:  # keep the sphere's outward winding
        faces = [tuple(reversed(f)) for f in faces]
    return Part(
        TONGUE,
        verts,
        faces,
        [TONGUE_MAT] * len(faces),
        {"jaw": np.ones(len(verts))},
        {"tip": 0.5 * (1.0 + along)},
    )


# --------------------------------------------------------------------------- body


def _build_neck() -> Part:
    """Neck tube from inside the head into the torso, blending head, neck and spine weights."""
    n_seg = 24
    z = np.linspace(-0.04, -0.175, 9)
    psi = 2.0 * np.pi * np.arange(n_seg) / n_seg
    zz, pp = np.meshgrid(z, psi, indexing="ij")
    widen = 1.0 + 0.3 * smoothstep(-0.12, -0.175, zz)
    x = 0.041 * widen * np.sin(pp)
    y = 0.012 - 0.040 * widen * np.cos(pp)
    verts = np.stack([x, y, zz], axis=-1).reshape(-1, 3)
    faces = [tuple(reversed(f)) for f in grid_faces(len(z), n_seg, closed=True)]
    vz = verts[:, 2]
    head = smoothstep(-0.10, -0.05, vz)
    spine = smoothstep(-0.125, -0.165, vz)
    return Part(
        NECK,
        verts,
        faces,
        [SKIN] * len(faces),
        {"head": head, "neck": 1.0 - head - spine, "spine": spine},
    )


def _build_torso() -> Part:
    """Shoulders and chest: a squarish, sloped ellipsoid in a shirt, cut below the frame."""
    unit, faces = uv_sphere(40, 20)
    ux, uy, uz = unit[:, 0], unit[:, 1], unit[:, 2]
    x = np.sign(ux) * np.abs(ux) ** 0.5 * 0.20
    y = np.sign(uy) * np.abs(uy) ** 0.75 * np.where(uy < 0, 0.095, 0.085)
    z = np.sign(uz) * np.abs(uz) ** 0.45 * 0.26 - 0.403
    top = np.clip(uz, 0.0, None) ** 0.5
    z = z - 0.055 * smoothstep(0.03, 0.17, np.abs(x)) * top  # shoulder slope (trapezius)
    y = y - 0.012 * smoothstep(-0.20, -0.28, z) * np.exp(-((x / 0.08) ** 2)) * (uy < 0)  # chest
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
    ring = grid_faces(n_seg, n_tube, closed=True) + [
        (i * n_tube + j, i * n_tube + (j + 1) % n_tube, (j + 1) % n_tube, j)
        for i in [n_seg - 1]
        for j in range(n_tube)
    ]
    faces = [tuple(reversed(f)) for f in ring]  # outward: the tube's rows run the other way
    return Part(COLLAR_ISLAND, verts, faces, [COLLAR] * len(faces), {"spine": np.ones(len(verts))})


# --------------------------------------------------------------------------- the whole bust


def all_parts() -> list[Part]:
    """Every island of the face mesh, in a fixed order (the build is deterministic)."""
    return [
        build_head(),
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
        _build_tongue(),
    ]


def eyeball() -> tuple[FloatArray, list[tuple[int, ...]], list[int]]:
    """Eyeball about its centre, looking down -Y: sclera, iris and pupil as rings of faces.

    A separate mesh (not an island of the face) so its bone can rotate it.
    """
    n_seg, n_rings = 32, 16
    unit, faces = uv_sphere(n_seg, n_rings)
    verts = np.stack([unit[:, 0], -unit[:, 2], unit[:, 1]], axis=1) * EYE_RADIUS  # pole at -Y
    polar = np.degrees(np.arccos(np.clip(-verts[:, 1] / EYE_RADIUS, -1.0, 1.0)))
    mats = []
    for f in faces:
        angle = float(np.mean(polar[list(f)]))
        mats.append(PUPIL if angle < 14.0 else IRIS if angle < 36.0 else SCLERA)
    return cast(FloatArray, verts), faces, mats


def bone_layout(fd: FaceData) -> dict[str, tuple[FloatArray, FloatArray, str | None]]:
    """Rest positions (world head, tail) and parents of the bones."""

    def at(*offset: float) -> FloatArray:
        return cast(FloatArray, HEAD_CENTER + np.array(offset))

    chin = face_surface(np.array([[0.0, -0.55, -0.835]]))[0]
    forward = np.array([0.0, -0.025, 0.0])
    layout: dict[str, tuple[FloatArray, FloatArray, str | None]] = {
        "root": (np.array([0.0, 0.0, 1.06]), np.array([0.0, 0.0, 1.16]), None),
        "spine": (np.array([0.0, 0.0, 1.16]), at(0.0, 0.012, -0.15), "root"),
        "neck": (at(0.0, 0.012, -0.15), at(0.0, 0.012, -0.07), "spine"),
        "head": (at(0.0, 0.012, -0.07), at(0.0, 0.012, 0.15), "neck"),
        "jaw": (HEAD_CENTER + JAW_HINGE, HEAD_CENTER + chin, "head"),
        "eye.L": (HEAD_CENTER + fd.eye_l, HEAD_CENTER + fd.eye_l + forward, "head"),
        "eye.R": (HEAD_CENTER + fd.eye_r, HEAD_CENTER + fd.eye_r + forward, "head"),
    }
    return layout
