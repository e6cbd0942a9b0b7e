"""The head island: skin, lips and mouth bag in one mesh.

The head uses an unusual but face-friendly topology: its vertex loops are concentric around the
mouth (an azimuthal projection about the mouth axis), so the lips are real edge loops, the mouth
is a slit that opens into a dark mouth bag, and smile/frown/pucker deformations stay smooth.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from .mesh import Part, fan, grid_faces
from .proportions import HEAD, HEAD_LOOPS, HEAD_SEGMENTS, LIPS, MOUTH, SKIN, FloatArray
from .surface import (
    directions_from_plane,
    face_surface,
    head_loops,
    jaw_weight,
    mouth_axes,
)


def _lip_fullness(loop: FloatArray, phi: FloatArray) -> FloatArray:
    """Outward lip volume per loop: full in the middle, thin at the corners, rolled in."""
    profile = np.interp(loop, [0, 1, 2, 3, 4, 5], [-0.0008, 0.0022, 0.0024, 0.0010, 0.0002, 0.0])
    corner = np.abs(np.sin(phi)) ** 0.6
    lower = np.where(np.sin(phi) < 0.0, 1.15, 1.0)
    return cast(FloatArray, profile * corner * lower)


def _head_skin() -> tuple[FloatArray, FloatArray, FloatArray]:
    """Skin points of the mouth-centred loops, lips filled out; with each point's angle and loop."""
    a, b, phi = head_loops()
    loop = np.repeat(np.arange(HEAD_LOOPS, dtype=np.float64), HEAD_SEGMENTS)
    skin = face_surface(directions_from_plane(a, b))
    m, _, _ = mouth_axes()
    skin = skin + _lip_fullness(loop, phi)[:, None] * m
    return skin, phi, loop


def _mouth_bag(lip: FloatArray, phi: FloatArray) -> tuple[list[FloatArray], FloatArray]:
    """Rings from the lips into the head and the pole closing them: the dark inside of the mouth.

    Without a bag an opened mouth would show the back of the head through the slit.
    """
    m, up, _ = mouth_axes()
    centre = face_surface(m[None, :])[0]
    rings = []
    # (shrink toward the mouth centre, vertical opening, depth) per ring behind the lips
    for shrink, open_h, depth in (
        (0.96, 0.0008, 0.003),
        (0.85, 0.010, 0.012),
        (0.62, 0.011, 0.026),
    ):
        ring = centre + shrink * (lip - centre) - depth * m
        ring = ring + (open_h * np.sin(phi))[:, None] * up
        rings.append(ring)
    return rings, cast(FloatArray, centre - 0.034 * m)


def _head_faces(n_verts: int) -> tuple[list[tuple[int, ...]], list[int]]:
    """Faces and their materials, ring by ring: mouth bag, lips, then skin to the back pole."""
    n_seg = HEAD_SEGMENTS
    n_rows = 3 + HEAD_LOOPS
    faces = fan(0, 1, n_seg, reverse=False)
    faces += [tuple(reversed(f)) for f in grid_faces(n_rows, n_seg, closed=True, offset=1)]
    faces += fan(n_verts - 1, 1 + (n_rows - 1) * n_seg, n_seg, reverse=True)

    mats = [MOUTH] * n_seg
    for r in range(n_rows - 1):
        skin_loop = r - 3  # face row r spans ring r..r+1; rings 0-2 are the bag
        mat = MOUTH if skin_loop < -1 else LIPS if skin_loop < 2 else SKIN
        mats += [mat] * n_seg
    mats += [SKIN] * n_seg
    return faces, mats


def build_head() -> Part:
    """Head island: skin loops around the mouth, lips, and a mouth bag closed by a pole."""
    n_seg = HEAD_SEGMENTS
    skin, phi, loop = _head_skin()
    bag_rings, bag_pole = _mouth_bag(skin[:n_seg], phi[:n_seg])
    m, _, _ = mouth_axes()
    back_pole = face_surface(-m[None, :])[0]
    # Vertex order: bag pole, bag rings (deepest first), skin loops, back pole.
    verts = np.vstack([bag_pole[None, :], *reversed(bag_rings), skin, back_pole[None, :]])
    faces, mats = _head_faces(len(verts))

    phi_all = np.concatenate([[-np.pi / 2], np.tile(phi[:n_seg], 3), phi, [np.pi / 2]])
    loop_all = np.concatenate([[-4.0], np.repeat([-3.0, -2.0, -1.0], n_seg), loop, [HEAD_LOOPS]])
    jaw = jaw_weight(verts, phi_all)
    jaw[0] = 0.5  # bag pole: the throat, between upper and lower jaw
    return Part(
        HEAD,
        verts,
        faces,
        mats,
        {"head": 1.0 - jaw, "jaw": jaw},
        {"phi": phi_all, "loop": loop_all},
    )
