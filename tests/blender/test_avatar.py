"""The procedural avatar, in real Blender: rig, skinning, ARKit keys, presets, determinism.

``build.py`` is loaded by file path (like ``scripts/contact_sheet.py``) because the
``evoke_blender`` package ``__init__`` uses relative imports meant for Blender's extension
loader. Every test starts from an empty factory scene.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import math
import time
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import bpy  # real Blender; `make setup` installs it, so a missing one fails loudly
import numpy as np
import pytest
from evoke_tools.paths import ROOT

BUILD_PY = ROOT / "evoke_blender" / "avatar" / "build.py"
PRESETS = ROOT / "avatar_assets" / "presets.json"
EMOTIONS = ("neutral", "disgust", "fear", "anger", "sadness", "happiness", "surprise", "excitement")

# A key must move some vertex by at least 2 mm: about 1% of the 0.22 m head, which is ~2 px in
# a 256 px portrait frame, the least change a viewer can see. Smaller keys would be dead sliders.
MIN_KEY_MM = 2.0
# Two emotions must differ by at least 1 mm on average over the face (~600 vertices): a change
# spread over the whole face, not one vertex, so each emotion reads as a distinct expression.
MIN_PRESET_MEAN_MM = 1.0


@pytest.fixture
def build(installed: Path) -> ModuleType:
    """The avatar builder as the installed extension has it."""
    return importlib.import_module("bl_ext.user_default.evoke.evoke_blender.avatar.build")


@pytest.fixture()
def face(build: ModuleType) -> Any:
    """A freshly built avatar (face mesh) in an empty scene, subdivision off for 1:1 vertices."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    obj = build.build_avatar()
    obj.modifiers["Subdivision"].show_viewport = False
    return obj


def _key_co(face: Any, name: str) -> np.ndarray:
    kb = face.data.shape_keys.key_blocks[name]
    co = np.empty(len(kb.data) * 3)
    kb.data.foreach_get("co", co)
    return co.reshape(-1, 3)


def _evaluated(face: Any) -> np.ndarray:
    """World-space vertex positions after shape keys and the armature."""
    bpy.context.view_layer.update()
    depsgraph = bpy.context.evaluated_depsgraph_get()
    ev = face.evaluated_get(depsgraph)
    mesh = ev.to_mesh()
    co = np.empty(len(mesh.vertices) * 3)
    mesh.vertices.foreach_get("co", co)
    ev.to_mesh_clear()
    return cast(np.ndarray, co.reshape(-1, 3))


def _presets() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(PRESETS.read_text(encoding="utf-8")))


def test_armature_bones_and_hierarchy(build: ModuleType, face: Any) -> None:
    arm = build.avatar_armature(face)
    assert arm is not None and arm.type == "ARMATURE"
    bones = arm.data.bones
    assert sorted(b.name for b in bones) == sorted(build.BONES)
    assert tuple(build.BONES) == ("root", "spine", "neck", "head", "jaw", "eye.L", "eye.R")
    parent = {b.name: (b.parent.name if b.parent else None) for b in bones}
    assert parent == {
        "root": None,
        "spine": "root",
        "neck": "spine",
        "head": "neck",
        "jaw": "head",
        "eye.L": "head",
        "eye.R": "head",
    }
    assert (
        bones["eye.L"].head_local.x > 0 > bones["eye.R"].head_local.x
    )  # .L is the character's left


def test_mesh_is_skinned_and_eyes_follow_eye_bones(build: ModuleType, face: Any) -> None:
    arm = build.avatar_armature(face)
    mods = [m for m in face.modifiers if m.type == "ARMATURE"]
    assert len(mods) == 1 and mods[0].object == arm
    assert face.modifiers[0].type == "ARMATURE"  # deform before subdivision
    groups = {g.name: g.index for g in face.vertex_groups}
    for bone in ("spine", "neck", "head", "jaw"):
        assert bone in groups
        count = sum(
            1
            for v in face.data.vertices
            for g in v.groups
            if g.group == groups[bone] and g.weight > 0
        )
        assert count > 20, bone
    eyes = [
        o for o in face.users_collection[0].objects if o.parent == arm and o.parent_type == "BONE"
    ]
    assert sorted(o.parent_bone for o in eyes) == ["eye.L", "eye.R"]
    for eye in eyes:  # the eyeball sits on its bone's head (its pivot)
        eye_bone = arm.data.bones[eye.parent_bone]
        pivot = arm.matrix_world @ eye_bone.head_local
        assert (eye.matrix_world.translation - pivot).length < 1e-5


def test_all_required_shape_keys_exist(build: ModuleType, face: Any) -> None:
    names = [kb.name for kb in face.data.shape_keys.key_blocks]
    assert names[0] == "Basis"
    missing = set(build.REQUIRED_SHAPE_KEYS) - set(names)
    assert not missing
    assert len(build.REQUIRED_SHAPE_KEYS) == 31


def _region_ok(name: str, c: np.ndarray, build: ModuleType) -> bool:
    """Where a key's displaced-vertex centroid must lie (head-local metres; +x = left)."""
    x, _, z = c
    if (name.endswith("Left") and x <= 0.005) or (name.endswith("Right") and x >= -0.005):
        return False
    if name.startswith("brow"):
        return bool(z > build.EYE_Z + 0.015)
    if name.startswith("eye"):
        return bool(abs(abs(x) - build.EYE_X) < 0.01 and abs(z - build.EYE_Z) < 0.015)
    if name.startswith(("cheekSquint", "noseSneer")):
        return bool(build.MOUTH_Z < z < build.EYE_Z)
    if name.startswith(("mouth", "jaw", "cheekPuff")):
        return bool(z < build.NOSE_TIP_Z)
    return False


def test_each_key_moves_its_region_visibly(build: ModuleType, face: Any) -> None:
    base = _key_co(face, "Basis")
    for name in build.REQUIRED_SHAPE_KEYS:
        dist = np.linalg.norm(_key_co(face, name) - base, axis=1)
        assert dist.max() * 1000 > MIN_KEY_MM, name
        moved = dist > 0.0005
        centroid = (base[moved] * dist[moved, None]).sum(0) / dist[moved].sum() - build.HEAD_CENTER
        assert _region_ok(name, centroid, build), (name, np.round(centroid * 1000, 1))


def test_blink_closes_the_lid_over_the_pupil(build: ModuleType, face: Any) -> None:
    """At full blink the upper lid margin passes below the eye centre (it covers the pupil)."""
    base = _key_co(face, "Basis")
    blink = _key_co(face, "eyeBlinkLeft")
    moved = np.linalg.norm(blink - base, axis=1) > 0.005
    eye_z = build.HEAD_CENTER[2] + build.EYE_Z
    assert base[moved, 2].min() > eye_z  # lid starts above the eye centre
    assert blink[moved, 2].min() < eye_z - 0.002


def test_presets_name_only_existing_keys_and_bones(build: ModuleType, face: Any) -> None:
    data = _presets()
    assert data["format"] == "evoke-presets" and data["version"] == 1 and data["notes"]
    assert sorted(data["emotions"]) == sorted(EMOTIONS)
    keys = {kb.name for kb in face.data.shape_keys.key_blocks}
    for emotion, preset in data["emotions"].items():
        for key, value in preset["shape_keys"].items():
            assert key in keys, (emotion, key)
            assert 0.0 <= value <= 1.0
        for bone, rot in preset["bones"].items():
            assert bone in build.BONES, (emotion, bone)
            assert len(rot) == 3 and all(abs(v) <= 30 for v in rot)
    neutral = data["emotions"]["neutral"]
    assert not any(neutral["shape_keys"].values())
    assert not any(any(r) for r in neutral["bones"].values())


def _face_region(base: np.ndarray, build: ModuleType) -> np.ndarray:
    p = base - build.HEAD_CENTER
    return (p[:, 1] < -0.045) & (p[:, 2] > -0.115) & (p[:, 2] < 0.06) & (np.abs(p[:, 0]) < 0.065)


def test_every_emotion_reads_differently(build: ModuleType, face: Any) -> None:
    """Expressions alone (bones at rest) differ pairwise over the face; with bones too."""
    emotions = _presets()["emotions"]
    region = _face_region(_key_co(face, "Basis"), build)
    assert region.sum() > 300
    for with_bones in (False, True):
        shapes = {}
        for name, preset in emotions.items():
            build.apply_preset(face, preset if with_bones else {"shape_keys": preset["shape_keys"]})
            shapes[name] = _evaluated(face)[region]
        for a, b in itertools.combinations(shapes, 2):
            mean_mm = np.linalg.norm(shapes[a] - shapes[b], axis=1).mean() * 1000
            assert mean_mm > MIN_PRESET_MEAN_MM, (a, b, with_bones, round(mean_mm, 2))


def test_apply_preset_sets_keys_and_pose(build: ModuleType, face: Any) -> None:
    emotions = _presets()["emotions"]
    build.apply_preset(face, emotions["surprise"])
    kb = face.data.shape_keys.key_blocks
    assert kb["jawOpen"].value == pytest.approx(emotions["surprise"]["shape_keys"]["jawOpen"])
    build.apply_preset(face, emotions["sadness"])
    assert kb["jawOpen"].value == 0.0  # keys not in the preset are reset
    head = build.avatar_armature(face).pose.bones["head"]
    assert math.degrees(head.rotation_euler.x) == pytest.approx(
        emotions["sadness"]["bones"]["head"][0]
    )


def test_head_pitch_convention(build: ModuleType, face: Any) -> None:
    """+X on the head bone nods forward/down, as presets.json's notes say."""
    arm = build.avatar_armature(face)
    rest = _evaluated(face)
    nose = int(np.argmin(rest[:, 1]))
    arm.pose.bones["head"].rotation_euler = (math.radians(10.0), 0.0, 0.0)
    assert _evaluated(face)[nose, 2] < rest[nose, 2] - 0.005


def test_jaw_bone_moves_the_chin(build: ModuleType, face: Any) -> None:
    base = _key_co(face, "Basis")
    jaw_key = np.linalg.norm(_key_co(face, "jawOpen") - base, axis=1)
    chin = np.argsort(jaw_key)[-30:]  # the vertices the jaw carries most
    crown = int(np.argmax(base[:, 2]))
    arm = build.avatar_armature(face)
    rest = _evaluated(face)
    arm.pose.bones["jaw"].rotation_euler = (math.radians(15.0), 0.0, 0.0)
    posed = _evaluated(face)
    moved = np.linalg.norm(posed - rest, axis=1)
    assert moved[chin].mean() > 0.01
    assert (posed[chin, 2] < rest[chin, 2]).all()  # +X opens the mouth
    assert moved[crown] < 1e-6


def test_build_is_deterministic_and_fast(build: ModuleType) -> None:
    results = []
    for _ in range(2):
        bpy.ops.wm.read_factory_settings(use_empty=True)
        start = time.perf_counter()
        face = build.build_avatar()
        elapsed = time.perf_counter() - start
        assert elapsed < 2.0
        keys = np.concatenate(
            [_key_co(face, name) for name in ("Basis", *build.REQUIRED_SHAPE_KEYS)]
        )
        results.append(keys)
    np.testing.assert_array_equal(results[0], results[1])


def test_camera_frames_the_face(build: ModuleType, face: Any) -> None:
    from bpy_extras.object_utils import world_to_camera_view

    cam, lights = build.add_camera_and_lights(face)
    scene = bpy.context.scene
    assert scene.camera == cam and len(lights) == 3
    assert {o.name for o in (cam, *lights)} <= {o.name for o in face.users_collection[0].objects}
    head_z = build.HEAD_CENTER[2]
    assert abs(cam.location.z - head_z) < 0.1  # at face height
    arm = build.avatar_armature(face)
    for point in (
        arm.matrix_world @ arm.data.bones["eye.L"].head_local,
        arm.matrix_world @ arm.data.bones["jaw"].tail_local,
    ):
        uv = world_to_camera_view(scene, cam, point)
        assert 0.1 < uv.x < 0.9 and 0.1 < uv.y < 0.9 and uv.z > 0
