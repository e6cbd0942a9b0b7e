"""The procedural avatar, in real Blender: rig, skinning, posing, presets, camera, speed.

``build`` is imported from the installed extension (as ``scripts/evoke.py contact_sheet`` does), so
these tests see what a user gets. The geometry itself (parts, weights, what each ARKit key does)
is tested without Blender in ``tests/avatar``; here the shape keys are checked to be exactly
those arrays. Every test starts from an empty factory scene.
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
from evoke_tools.paths import PRESETS_PATH

# The pure geometry modules, by name (why: see tests/avatar/test_geometry.py).
from evoke_blender.avatar import expressions, eyes, mesh, parts, proportions

pytestmark = pytest.mark.slow  # Blender: bpy and the installed extension; not in test-quick

BONES: tuple[str, ...] = proportions.BONES
HEAD_CENTER: np.ndarray = proportions.HEAD_CENTER
REQUIRED_SHAPE_KEYS: tuple[str, ...] = proportions.REQUIRED_SHAPE_KEYS


# Two emotions must differ by at least 1 mm on average over the face (~600 vertices): a change
# spread over the whole face, not one vertex, so each emotion reads as a distinct expression.
MIN_PRESET_MEAN_MM = 1.0


@pytest.fixture
def build(installed: Path) -> ModuleType:
    """The avatar builder as the installed extension has it."""
    return importlib.import_module("bl_ext.user_default.evoke.evoke_blender.avatar.build")


def rig() -> ModuleType:
    """The rig helpers of the installed extension (the `build` fixture installs it)."""
    return importlib.import_module("bl_ext.user_default.evoke.evoke_blender.common.rig")


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
    return cast(dict[str, Any], json.loads(PRESETS_PATH.read_text(encoding="utf-8")))


def test_armature_bones_and_hierarchy(build: ModuleType, face: Any) -> None:
    arm = rig().armature_of(face)
    assert arm is not None and arm.type == "ARMATURE"
    bones = arm.data.bones
    assert sorted(b.name for b in bones) == sorted(BONES)
    assert tuple(BONES) == ("root", "spine", "neck", "head", "jaw", "eye.L", "eye.R")
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
    arm = rig().armature_of(face)
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


def test_shape_keys_are_the_numpy_geometry(face: Any) -> None:
    """Basis and every ARKit key hold exactly the arrays tests/avatar checks (as float32)."""
    names = [kb.name for kb in face.data.shape_keys.key_blocks]
    assert names == ["Basis", *REQUIRED_SHAPE_KEYS] and len(REQUIRED_SHAPE_KEYS) == 52
    assert all(kb.value == 0.0 for kb in face.data.shape_keys.key_blocks[1:])  # starts neutral
    fd = mesh.merge(parts.all_parts())[0]
    base = fd.p + HEAD_CENTER
    np.testing.assert_array_equal(_key_co(face, "Basis"), base.astype(np.float32))
    for name, disp in expressions.shape_key_displacements(fd).items():
        np.testing.assert_array_equal(_key_co(face, name), (base + disp).astype(np.float32))


def _eyeballs(face: Any) -> dict[str, Any]:
    """The two eyeball objects, by the eye bone they hang on (eye.L, eye.R)."""
    objects = face.users_collection[0].objects
    return {o.parent_bone: o for o in objects if o.parent_type == "BONE"}


def test_eye_look_keys_turn_the_eyeballs(face: Any) -> None:
    """Setting a face's eyeLook key (as presets, bakes and live mode do) turns that eyeball by
    the numpy gaze (eyes.eye_rotation), through drivers Blender runs without Python."""
    balls = _eyeballs(face)
    rest = {bone: np.array(o.matrix_world.to_3x3()) for bone, o in balls.items()}
    for ball in balls.values():
        assert len(ball.animation_data.drivers) == 2  # pitch and yaw
        for fcurve in ball.animation_data.drivers:
            assert fcurve.driver.is_simple_expression, fcurve.driver.expression
    keys = face.data.shape_keys.key_blocks
    for left, side in ((True, "Left"), (False, "Right")):
        values = {f"eyeLookUp{side}": 0.7, f"eyeLookIn{side}": 0.5}
        for name, value in values.items():
            keys[name].value = value
        bpy.context.view_layer.update()
        bone, other = ("eye.L", "eye.R") if left else ("eye.R", "eye.L")
        turned = np.array(balls[bone].matrix_world.to_3x3()) @ np.linalg.inv(rest[bone])
        np.testing.assert_allclose(
            turned, eyes.gaze_matrix(*eyes.eye_rotation(values, left)), atol=1e-5
        )
        pupil = turned @ np.array([0.0, -1.0, 0.0])
        assert pupil[2] > 0.2 and pupil[0] * (1.0 if left else -1.0) < -0.1  # up, to the nose
        np.testing.assert_allclose(np.array(balls[other].matrix_world.to_3x3()), rest[other])
        for name in values:
            keys[name].value = 0.0
    bpy.context.view_layer.update()
    for bone, ball in balls.items():
        np.testing.assert_allclose(np.array(ball.matrix_world.to_3x3()), rest[bone], atol=1e-6)


def _face_region(base: np.ndarray) -> np.ndarray:
    p = base - HEAD_CENTER
    return (p[:, 1] < -0.045) & (p[:, 2] > -0.115) & (p[:, 2] < 0.06) & (np.abs(p[:, 0]) < 0.065)


def test_every_emotion_reads_differently_when_posed(build: ModuleType, face: Any) -> None:
    """Keys and bones together keep every pair of emotions apart (keys alone: tests/avatar)."""
    emotions = _presets()["emotions"]
    region = _face_region(_key_co(face, "Basis"))
    assert region.sum() > 300
    shapes = {}
    for name, preset in emotions.items():
        build.apply_preset(face, preset)
        shapes[name] = _evaluated(face)[region]
    for a, b in itertools.combinations(shapes, 2):
        mean_mm = np.linalg.norm(shapes[a] - shapes[b], axis=1).mean() * 1000
        assert mean_mm > MIN_PRESET_MEAN_MM, (a, b, round(mean_mm, 2))


def test_apply_preset_sets_keys_and_pose(build: ModuleType, face: Any) -> None:
    emotions = _presets()["emotions"]
    build.apply_preset(face, emotions["surprise"])
    kb = face.data.shape_keys.key_blocks
    assert kb["jawOpen"].value == pytest.approx(emotions["surprise"]["shape_keys"]["jawOpen"])
    build.apply_preset(face, emotions["sadness"])
    assert kb["jawOpen"].value == 0.0  # keys not in the preset are reset
    head = rig().armature_of(face).pose.bones["head"]
    assert math.degrees(head.rotation_euler.x) == pytest.approx(
        emotions["sadness"]["bones"]["head"][0]
    )


def test_head_pitch_convention(build: ModuleType, face: Any) -> None:
    """+X on the head bone nods forward/down, as presets.json's notes say."""
    arm = rig().armature_of(face)
    rest = _evaluated(face)
    nose = int(np.argmin(rest[:, 1]))
    arm.pose.bones["head"].rotation_euler = (math.radians(10.0), 0.0, 0.0)
    assert _evaluated(face)[nose, 2] < rest[nose, 2] - 0.005


def test_jaw_bone_moves_the_chin(build: ModuleType, face: Any) -> None:
    base = _key_co(face, "Basis")
    jaw_key = np.linalg.norm(_key_co(face, "jawOpen") - base, axis=1)
    chin = np.argsort(jaw_key)[-30:]  # the vertices the jaw carries most
    crown = int(np.argmax(base[:, 2]))
    arm = rig().armature_of(face)
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
        start = time.process_time()  # this process's CPU time: a busy machine does not add to it
        face = build.build_avatar()
        assert time.process_time() - start < 2.0
        keys = np.concatenate([_key_co(face, name) for name in ("Basis", *REQUIRED_SHAPE_KEYS)])
        results.append(keys)
    np.testing.assert_array_equal(results[0], results[1])


def test_camera_frames_the_face(build: ModuleType, face: Any) -> None:
    from bpy_extras.object_utils import world_to_camera_view

    cam, lights = build.add_camera_and_lights(face)
    scene = bpy.context.scene
    assert scene.camera == cam and len(lights) == 3
    assert {o.name for o in (cam, *lights)} <= {o.name for o in face.users_collection[0].objects}
    head_z = HEAD_CENTER[2]
    assert abs(cam.location.z - head_z) < 0.1  # at face height
    arm = rig().armature_of(face)
    for point in (
        arm.matrix_world @ arm.data.bones["eye.L"].head_local,
        arm.matrix_world @ arm.data.bones["jaw"].tail_local,
    ):
        uv = world_to_camera_view(scene, cam, point)
        assert 0.1 < uv.x < 0.9 and 0.1 < uv.y < 0.9 and uv.z > 0
