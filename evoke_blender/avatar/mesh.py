"""Mesh islands as arrays: the ``Part`` each builder returns and their merge into one face mesh.

Every skin-deformed part becomes an island of a single mesh (see ``build``), so the merge keeps
per-vertex island ids and attributes: the shape keys select and move parts through them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .proportions import DEFORM_BONES, FloatArray
from .surface import eye_centre


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


def grid_faces(rows: int, cols: int, closed: bool, offset: int = 0) -> list[tuple[int, ...]]:
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


def fan(pole: int, ring_start: int, cols: int, reverse: bool) -> list[tuple[int, ...]]:
    """Triangles closing a ring onto a pole vertex."""
    tris: list[tuple[int, ...]] = []
    for c in range(cols):
        a, b = ring_start + c, ring_start + (c + 1) % cols
        tris.append((pole, b, a) if reverse else (pole, a, b))
    return tris


def uv_sphere(n_seg: int, n_rings: int) -> tuple[FloatArray, list[tuple[int, ...]]]:
    """Unit UV sphere with poles on Z, as arrays (vertex 0 and the last are the poles)."""
    theta = np.pi * np.arange(1, n_rings) / n_rings
    psi = 2.0 * np.pi * np.arange(n_seg) / n_seg
    t, p = np.meshgrid(theta, psi, indexing="ij")
    ring = np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)], axis=-1).reshape(
        -1, 3
    )
    verts = np.vstack([[0.0, 0.0, 1.0], ring, [0.0, 0.0, -1.0]])
    faces = fan(0, 1, n_seg, reverse=False)
    faces += [tuple(reversed(f)) for f in grid_faces(n_rings - 1, n_seg, closed=True, offset=1)]
    faces += fan(len(verts) - 1, 1 + (n_rings - 2) * n_seg, n_seg, reverse=True)
    return verts, faces


def merge(
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
        eye_centre(1.0),
        eye_centre(-1.0),
    )
    merged = {b: np.concatenate(w) for b, w in weights.items()}
    return data, faces, mats, merged


def weight_levels(weights: Mapping[str, FloatArray]) -> tuple[list[str], NDArray[np.int64]]:
    """Skin weights normalised per vertex and quantised to percent, one column per bone.

    Quantising lets Blender take each vertex group in a few calls (one per level) instead of
    one per vertex.
    """
    names = [b for b in DEFORM_BONES if b in weights]
    stack = np.stack([weights[b] for b in names], axis=1)
    total = stack.sum(axis=1, keepdims=True)
    stack = np.where(total > 0, stack / np.maximum(total, 1e-12), 0.0)
    return names, np.round(stack * 100.0).astype(np.int64)
