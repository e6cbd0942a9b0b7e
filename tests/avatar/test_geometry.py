"""The avatar's geometry without Blender: parts, skin weights, bone layout and ARKit keys.

Everything here is computed by the extension's pure-numpy modules, in head-local metres
(+x is the character's left). ``tests/blender/test_avatar.py`` checks that Blender's mesh
carries exactly these arrays, so these checks hold for the built avatar too.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, cast

import numpy as np
from evoke_tools.paths import PRESETS_PATH

from evoke_blender.avatar import expressions, mesh, parts, proportions, surface
from inference.emotion.table import EmotionTable

EMOTIONS = EmotionTable.default().names

# A key must move some vertex by at least 2 mm: about 1% of the 0.22 m head, which is ~2 px in
# a 256 px portrait frame, the least change a viewer can see. Smaller keys would be dead sliders.
MIN_KEY_MM = 2.0
# Two emotions must differ by at least 1 mm on average over the face (~600 vertices): a change
# spread over the whole face, not one vertex, so each emotion reads as a distinct expression.
MIN_PRESET_MEAN_MM = 1.0

# merge()'s result: FaceData (per-vertex arrays), faces, face materials, skin weights (conftest)
Merged = tuple[Any, list[tuple[int, ...]], list[int], dict[str, np.ndarray]]

# Apple's list (ARFaceAnchor.BlendShapeLocation), written out here as the specification.
ARKIT_52 = """
eyeBlinkLeft eyeLookDownLeft eyeLookInLeft eyeLookOutLeft eyeLookUpLeft eyeSquintLeft eyeWideLeft
eyeBlinkRight eyeLookDownRight eyeLookInRight eyeLookOutRight eyeLookUpRight eyeSquintRight
eyeWideRight jawForward jawLeft jawRight jawOpen mouthClose mouthFunnel mouthPucker mouthLeft
mouthRight mouthSmileLeft mouthSmileRight mouthFrownLeft mouthFrownRight mouthDimpleLeft
mouthDimpleRight mouthStretchLeft mouthStretchRight mouthRollLower mouthRollUpper mouthShrugLower
mouthShrugUpper mouthPressLeft mouthPressRight mouthLowerDownLeft mouthLowerDownRight
mouthUpperUpLeft mouthUpperUpRight browDownLeft browDownRight browInnerUp browOuterUpLeft
browOuterUpRight cheekPuff cheekSquintLeft cheekSquintRight noseSneerLeft noseSneerRight tongueOut
""".split()


def _presets() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(PRESETS_PATH.read_text(encoding="utf-8")))


def _mirror_index(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each vertex, the vertex at its mirror image (x -> -x), and whether one is there."""
    mirrored = p * np.array([-1.0, 1.0, 1.0])
    idx = np.empty(len(p), dtype=np.int64)
    for start in range(0, len(p), 512):
        chunk = mirrored[start : start + 512]
        d2 = (chunk**2).sum(1)[:, None] + (p**2).sum(1)[None, :] - 2.0 * chunk @ p.T
        idx[start : start + 512] = np.argmin(d2, axis=1)
    exact = np.linalg.norm(p[idx] - mirrored, axis=1) < 1e-7
    return idx, exact


def test_the_mesh_is_well_formed_islands(merged: Merged) -> None:
    """Faces index real vertices of their own island, each edge joins at most two faces."""
    fd, faces, mats, _ = merged
    assert len(mats) == len(faces) > 5000
    assert set(mats) == set(range(len(proportions.FACE_MATERIALS)))  # every slot is used
    edges: dict[tuple[int, int], int] = {}
    for face in faces:
        assert len(set(face)) == len(face) >= 3
        assert 0 <= min(face) and max(face) < len(fd.p)
        assert len({int(fd.island[i]) for i in face}) == 1  # parts stay separate islands
        for a, b in zip(face, face[1:] + face[:1], strict=True):
            edge = (min(a, b), max(a, b))
            edges[edge] = edges.get(edge, 0) + 1
    assert max(edges.values()) == 2
    assert np.isfinite(fd.p).all()


def _components(faces: list[tuple[int, ...]], n: int) -> np.ndarray:
    """A label per vertex: its connected piece of the mesh (union-find over face edges)."""
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for face in faces:
        for a in face[1:]:
            parent[root(a)] = root(face[0])
    return np.array([root(i) for i in range(n)])


def _outward(p: np.ndarray, face: tuple[int, ...], inside: np.ndarray) -> float:
    """Twice the area-weighted normal of a face, dotted with the way out from ``inside``."""
    v = p[list(face)]
    normal = np.cross(v, np.roll(v, -1, axis=0)).sum(axis=0)
    return float(normal @ (v.mean(axis=0) - inside))


def _signed_volume(p: np.ndarray, faces: list[tuple[int, ...]]) -> float:
    """Volume enclosed by a closed surface: positive when its faces wind outward."""
    return sum(
        float(np.dot(p[f[0]], np.cross(p[f[k]], p[f[k + 1]]))) / 6.0
        for f in faces
        for k in range(1, len(f) - 1)
    )


OPEN_ISLANDS = (
    proportions.NECK,
    proportions.HAIR_ISLAND,
    proportions.LID_UP_L,
    proportions.LID_UP_R,
    proportions.LID_LO_L,
    proportions.LID_LO_R,
)


def test_every_island_faces_outward(merged: Merged) -> None:
    """Each piece winds consistently (a shared edge runs opposite ways in its two faces) and its
    normals point out: closed pieces enclose a positive volume, the open ones (neck tube, hair
    cap, lids) face away from what they wrap. Subdivision and shading need both."""
    fd, faces, _, _ = merged
    label = _components(faces, len(fd.p))
    pieces: dict[int, list[tuple[int, ...]]] = {}
    for face in faces:
        pieces.setdefault(int(label[face[0]]), []).append(face)
    assert len(pieces) == len(set(fd.island.tolist())) + 1  # one island holds both ears
    for piece in pieces.values():
        island = int(fd.island[piece[0][0]])
        directed = [(a, b) for f in piece for a, b in zip(f, f[1:] + f[:1], strict=True)]
        seen = set(directed)
        assert len(directed) == len(seen), island  # consistent winding
        if all((b, a) in seen for a, b in directed):  # closed
            assert _signed_volume(fd.p, piece) > 1e-7, island
            continue
        assert island in OPEN_ISLANDS, island
        eye = fd.eye_l if fd.p[piece[0][0], 0] > 0 else fd.eye_r
        for face in piece:
            centre = fd.p[list(face)].mean(axis=0)
            inside = {
                proportions.NECK: np.array([0.0, 0.012, centre[2]]),  # the neck's axis
                proportions.HAIR_ISLAND: np.zeros(3),  # the head centre
            }.get(island, eye)  # lids wrap the eyeball
            assert _outward(fd.p, face, inside) > 0, island
    verts, ball_faces, _ = parts.eyeball()
    assert _signed_volume(verts, ball_faces) > 0


def test_every_vertex_follows_a_deform_bone(merged: Merged) -> None:
    """Normalised, quantised weights: each vertex totals ~100 % over the deform bones."""
    fd, _, _, weights = merged
    names, levels = mesh.weight_levels(weights)
    assert names == list(proportions.DEFORM_BONES)
    assert np.abs(levels.sum(axis=1) - 100).max() <= 2  # rounding of up to 4 bones
    col = {bone: levels[:, i] for i, bone in enumerate(names)}
    for island in (proportions.TEETH_LO, proportions.TONGUE):  # lower teeth, tongue ride the jaw
        assert (col["jaw"][fd.island == island] == 100).all()
    assert (col["head"][fd.island == proportions.TEETH_UP] == 100).all()
    assert (col["spine"][fd.island == proportions.TORSO] == 100).all()
    jaw = col["jaw"] > 50
    assert (
        jaw.sum() > 100 and (fd.p[jaw, 2] < proportions.JAW_HINGE[2]).all()
    )  # only below the hinge


def test_bone_layout_is_a_buildable_rig(fd: Any) -> None:
    """Parents come first, bones have length, connected bones meet, eyes sit on the eyeballs."""
    layout = parts.bone_layout(fd)
    assert tuple(layout) == proportions.BONES
    for i, name in enumerate(proportions.BONES):
        head, tail, parent = layout[name]
        assert np.linalg.norm(tail - head) > 0.01, name
        if parent is not None:
            assert parent in proportions.BONES[:i], name
    for name in ("spine", "neck", "head"):  # Blender snaps connected bones onto their parent
        parent = layout[name][2]
        assert parent is not None
        np.testing.assert_allclose(layout[name][0], layout[parent][1], atol=1e-9)
    np.testing.assert_allclose(layout["eye.L"][0], proportions.HEAD_CENTER + fd.eye_l)
    assert layout["eye.L"][0][0] > 0 > layout["eye.R"][0][0]  # .L is the character's left
    assert layout["eye.L"][1][1] < layout["eye.L"][0][1]  # eye bones look forward (-Y)


def test_eyeball_shows_through_the_skin_and_looks_forward(fd: Any) -> None:
    verts, faces, mats = parts.eyeball()
    assert len(proportions.EYE_MATERIALS) == 3 and set(mats) == {0, 1, 2}
    pupil = np.unique(
        [i for f, m in zip(faces, mats, strict=True) if m == proportions.PUPIL for i in f]
    )
    assert verts[pupil, 1].max() < -0.9 * proportions.EYE_RADIUS  # the pupil is at the front (-Y)
    assert mats.count(proportions.SCLERA) > len(mats) // 2
    skin = surface.front_point(np.array([proportions.EYE_X]), np.array([proportions.EYE_Z]))[0]
    for centre in (fd.eye_l, fd.eye_r):
        assert (
            centre[1] - proportions.EYE_RADIUS < skin[1] < centre[1]
        )  # front pokes out, centre hidden


def test_keys_are_the_arkit_set(fd: Any, keys: dict[str, np.ndarray]) -> None:
    """All 52 of ARKit's blendshapes, in Apple's order, each a finite field over every vertex."""
    assert len(ARKIT_52) == len(set(ARKIT_52)) == 52
    assert tuple(keys) == proportions.REQUIRED_SHAPE_KEYS == tuple(ARKIT_52)
    for name, disp in keys.items():
        assert disp.shape == fd.p.shape and np.isfinite(disp).all(), name


def _region_ok(name: str, c: np.ndarray) -> bool:
    """Where a key's displaced-vertex centroid must lie (head-local metres; +x = left)."""
    x, _, z = c
    sided = name not in proportions.DIRECTION_KEYS  # jawLeft moves the whole jaw, left
    if sided and name.endswith("Left") and x <= 0.005:
        return False
    if sided and name.endswith("Right") and x >= -0.005:
        return False
    if name in proportions.DIRECTION_KEYS and abs(x) > 0.005:
        return False
    if name.startswith("brow"):
        return bool(z > proportions.EYE_Z + 0.015)
    if name.startswith("eye"):
        return bool(abs(abs(x) - proportions.EYE_X) < 0.01 and abs(z - proportions.EYE_Z) < 0.015)
    if name.startswith(("cheekSquint", "noseSneer")):
        return bool(proportions.MOUTH_Z < z < proportions.EYE_Z)
    if name.startswith(("mouth", "jaw", "cheekPuff", "tongue")):
        return bool(z < proportions.NOSE_TIP_Z)
    return False


def test_each_key_moves_its_region_visibly(fd: Any, keys: dict[str, np.ndarray]) -> None:
    for name, disp in keys.items():
        dist = np.linalg.norm(disp, axis=1)
        assert dist.max() * 1000 > MIN_KEY_MM, name
        moved = dist > 0.0005
        centroid = (fd.p[moved] * dist[moved, None]).sum(0) / dist[moved].sum()
        assert _region_ok(name, centroid), (name, np.round(centroid * 1000, 1))


def test_blink_closes_the_lid_over_the_pupil(fd: Any, keys: dict[str, np.ndarray]) -> None:
    """At full blink the upper lid margin passes below the eye centre (it covers the pupil)."""
    blink = keys["eyeBlinkLeft"]
    moved = np.linalg.norm(blink, axis=1) > 0.005
    assert fd.p[moved, 2].min() > proportions.EYE_Z  # the lid starts above the eye centre
    assert (fd.p + blink)[moved, 2].min() < proportions.EYE_Z - 0.002


def test_left_and_right_keys_mirror_each_other(fd: Any, keys: dict[str, np.ndarray]) -> None:
    """A Right key is its Left key seen in a mirror; unsided keys are their own mirror image."""
    idx, exact = _mirror_index(fd.p)
    assert exact[fd.island != proportions.HAIR_ISLAND].all()  # only the side-swept hair is lopsided
    flip = np.array([-1.0, 1.0, 1.0])
    for name in proportions.REQUIRED_SHAPE_KEYS:
        if name.endswith("Right"):
            continue
        other = keys[name.replace("Left", "Right")] if name.endswith("Left") else keys[name]
        assert np.abs(keys[name][~exact]).max() < 1e-12, name  # the hair never moves
        np.testing.assert_allclose(keys[name][exact], (other[idx] * flip)[exact], atol=1e-9)


def test_presets_name_only_existing_keys_and_bones() -> None:
    data = _presets()
    assert data["format"] == "evoke-presets" and data["version"] == 1 and data["notes"]
    assert sorted(data["emotions"]) == sorted(EMOTIONS)
    for emotion, preset in data["emotions"].items():
        for key, value in preset["shape_keys"].items():
            assert key in proportions.REQUIRED_SHAPE_KEYS, (emotion, key)
            assert 0.0 <= value <= 1.0
        for bone, rot in preset["bones"].items():
            assert bone in proportions.BONES, (emotion, bone)
            assert len(rot) == 3 and all(abs(v) <= 30 for v in rot)
    neutral = data["emotions"]["neutral"]
    assert not any(neutral["shape_keys"].values())
    assert not any(any(r) for r in neutral["bones"].values())


def test_every_emotion_reads_differently(fd: Any, keys: dict[str, np.ndarray]) -> None:
    """Shape keys alone (bones at rest) make every pair of emotions differ over the face.

    Blender mixes relative keys linearly (Basis + sum of weight x displacement), as done here;
    the Blender test adds the bones.
    """
    p = fd.p
    region = (p[:, 1] < -0.045) & (p[:, 2] > -0.115) & (p[:, 2] < 0.06) & (np.abs(p[:, 0]) < 0.065)
    assert region.sum() > 300
    shapes = {}
    for name, preset in _presets()["emotions"].items():
        mix = sum((v * keys[k] for k, v in preset["shape_keys"].items()), np.zeros_like(p))
        shapes[name] = (p + mix)[region]
    for a, b in itertools.combinations(shapes, 2):
        mean_mm = np.linalg.norm(shapes[a] - shapes[b], axis=1).mean() * 1000
        assert mean_mm > MIN_PRESET_MEAN_MM, (a, b, round(mean_mm, 2))


def test_geometry_is_deterministic(merged: Merged, keys: dict[str, np.ndarray]) -> None:
    """A rebuild gives the same arrays bit for bit, so saved files and presets stay valid."""
    fd, faces, mats, _ = merged
    again, faces2, mats2, _ = mesh.merge(parts.all_parts())
    assert faces2 == faces and mats2 == mats
    np.testing.assert_array_equal(again.p, fd.p)
    for name, disp in expressions.shape_key_displacements(again).items():
        np.testing.assert_array_equal(disp, keys[name])
