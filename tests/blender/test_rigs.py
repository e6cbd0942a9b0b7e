"""Avatars as other tools make them, in real Blender through the installed extension: several
meshes with ARKit keys (head, teeth, eyes, as Ready Player Me ships them) under one armature in
an A-pose of its own, bones named by Ready Player Me, Mixamo, VRoid or Character Creator. The
avatar is written by Blender's glTF exporter and read back by its importer, as a user imports a
.glb: the importer decides the objects, bone axes, rotation modes and shape-key names.

What must hold: every mesh that carries the presets' keys is driven (bake, preview, live), the
rig's own head and neck turn, and no other bone of the rig moves."""

from __future__ import annotations

import importlib
import json
import math
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import bpy
import numpy as np
import pytest
from evoke_tools.paths import PRESETS_PATH, ROOT
from mathutils import Quaternion

from inference import load_model
from inference.face.easing import EASE_S

pytestmark = pytest.mark.slow  # Blender: bpy and the installed extension; not in test-quick

EXT = "bl_ext.user_default.evoke.evoke_blender"
PROFILES = json.loads((ROOT / "inference" / "face" / "face_profiles.json").read_text())
ARKIT = next(p for p in PROFILES["profiles"] if p["id"] == "ARKIT")["names"]
BUNDLED = json.loads(PRESETS_PATH.read_text())["emotions"]
# the parts of a Ready Player Me avatar as it ships them: head, teeth and both eyes each carry the
# same 67 keys (ARKit's 52 and 15 visemes), the body none; the head has by far the most vertices
VISEMES = ["viseme_sil", "viseme_PP", "viseme_FF", "viseme_TH", "viseme_DD", "viseme_kk",
           "viseme_CH", "viseme_SS", "viseme_nn", "viseme_RR", "viseme_aa", "viseme_E",
           "viseme_I", "viseme_O", "viseme_U"]  # fmt: skip
RPM_KEYS = [*ARKIT, *VISEMES]
MESHES = {
    "EyeLeft": RPM_KEYS,  # first by name: the tie the face must not go to
    "EyeRight": RPM_KEYS,
    "Wolf3D_Head": RPM_KEYS,
    "Wolf3D_Teeth": RPM_KEYS,
    "Wolf3D_Body": [],  # no shape keys: never driven
}
SUBDIVISIONS = {"Wolf3D_Head": 3, "Wolf3D_Teeth": 2}  # 642 and 162 vertices; the rest 42
# bone roles -> each tool's names for them
RIGS = {
    "Ready Player Me": {"hips": "Hips", "spine": "Spine", "neck": "Neck", "head": "Head",
                        "arm.L": "LeftArm", "arm.R": "RightArm"},
    "Mixamo": {"hips": "mixamorig:Hips", "spine": "mixamorig:Spine", "neck": "mixamorig:Neck",
               "head": "mixamorig:Head", "arm.L": "mixamorig:LeftArm",
               "arm.R": "mixamorig:RightArm"},
    "VRoid": {"hips": "J_Bip_C_Hips", "spine": "J_Bip_C_Spine", "neck": "J_Bip_C_Neck",
              "head": "J_Bip_C_Head", "arm.L": "J_Bip_L_UpperArm", "arm.R": "J_Bip_R_UpperArm"},
    "Character Creator": {"hips": "CC_Base_Hip", "spine": "CC_Base_Waist",
                          "neck": "CC_Base_NeckTwist01", "head": "CC_Base_Head",
                          "arm.L": "CC_Base_L_Upperarm", "arm.R": "CC_Base_R_Upperarm"},
}  # fmt: skip
LAYOUT = {  # role: head, tail, parent (metres)
    "hips": ((0, 0, 1.0), (0, 0, 1.1), None),
    "spine": ((0, 0, 1.1), (0, 0, 1.4), "hips"),
    "neck": ((0, 0, 1.45), (0, 0, 1.55), "spine"),
    "head": ((0, 0, 1.55), (0, 0, 1.8), "neck"),
    "arm.L": ((0.15, 0, 1.4), (0.45, 0, 1.4), "spine"),
    "arm.R": ((-0.15, 0, 1.4), (-0.45, 0, 1.4), "spine"),
}
PART_BONE = {"Wolf3D_Head": "head", "Wolf3D_Teeth": "head", "EyeLeft": "head",
             "EyeRight": "head", "Wolf3D_Body": "spine"}  # fmt: skip


def write_glb(path: Path, names: dict[str, str]) -> None:
    """A skinned, multi-mesh avatar with morph targets, written by Blender's glTF exporter."""
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    arm = bpy.data.objects.new("Armature", bpy.data.armatures.new("Armature"))
    scene.collection.objects.link(arm)
    bpy.context.view_layer.objects.active = arm
    bpy.ops.object.mode_set(mode="EDIT")
    for role, (head, tail, parent) in LAYOUT.items():
        bone = arm.data.edit_bones.new(names[role])
        bone.head, bone.tail = head, tail
        if parent is not None:
            bone.parent = arm.data.edit_bones[names[parent]]
    bpy.ops.object.mode_set(mode="OBJECT")
    for i, (name, keys) in enumerate(MESHES.items()):
        bpy.ops.mesh.primitive_ico_sphere_add(
            subdivisions=SUBDIVISIONS.get(name, 1), radius=0.08, location=(0.0, -0.1 * i, 1.65)
        )
        obj = bpy.context.active_object
        obj.name = obj.data.name = name
        group = obj.vertex_groups.new(name=names[PART_BONE[name]])
        group.add(range(len(obj.data.vertices)), 1.0, "REPLACE")
        obj.modifiers.new("Armature", "ARMATURE").object = arm
        obj.parent = arm
        if keys:
            obj.shape_key_add(name="Basis")
        for k, key in enumerate(keys):
            block = obj.shape_key_add(name=key)
            block.data[k % len(block.data)].co.z += 0.05  # every key moves a vertex
            block.value = 0.0
    assert bpy.ops.export_scene.gltf(filepath=str(path), export_format="GLB") == {"FINISHED"}


@pytest.fixture(params=list(RIGS))
def avatar(request: Any, installed: Path, tmp_path: Path) -> SimpleNamespace:
    """The imported avatar in an A-pose of its own: its armature, meshes and bone names."""
    names = RIGS[request.param]
    path = tmp_path / "avatar.glb"
    write_glb(path, names)
    bpy.ops.wm.read_homefile(use_empty=True)
    assert bpy.ops.import_scene.gltf(filepath=str(path)) == {"FINISHED"}
    arm = next(o for o in bpy.data.objects if o.type == "ARMATURE")
    pose = arm.pose.bones
    for side, angle in (("arm.L", -40.0), ("arm.R", 40.0)):  # arms down: an A-pose
        bone = pose[names[side]]
        bone.rotation_mode = "QUATERNION"
        bone.rotation_quaternion = Quaternion((0.0, 0.0, 1.0), math.radians(angle))
    pose[names["spine"]].rotation_mode = "XYZ"
    pose[names["spine"]].rotation_euler = (math.radians(4.0), 0.0, 0.0)
    pose[names["head"]].rotation_mode = "QUATERNION"  # as the importer leaves every bone
    bpy.context.view_layer.update()
    meshes = {o.name: o for o in arm.children if o.type == "MESH"}  # not the bones' display shape
    assert set(meshes) == set(MESHES)  # the importer kept the parts and their names
    for name, keys in MESHES.items():
        blocks = meshes[name].data.shape_keys
        assert [b.name for b in blocks.key_blocks][1:] == keys if keys else blocks is None
    return SimpleNamespace(tool=request.param, arm=arm, meshes=meshes, names=names)


def pose_of(arm: Any) -> dict[str, list[float]]:
    """Every pose bone's local transform, rounded: what a rig's own pose is."""
    return {b.name: [round(v, 5) for row in b.matrix_basis for v in row] for b in arm.pose.bones}


def key_values(obj: Any) -> dict[str, float]:
    return {b.name: round(b.value, 4) for b in obj.data.shape_keys.key_blocks[1:]}


def preset_keys(emotion: str) -> dict[str, float]:
    return BUNDLED[emotion]["shape_keys"]


def expected_rotation(emotion: str, role: str) -> list[float]:
    return [
        round(math.radians(v), 5) for v in BUNDLED[emotion].get("bones", {}).get(role, (0, 0, 0))
    ]


def test_preview_drives_every_mesh_and_turns_only_head_and_neck(avatar: SimpleNamespace) -> None:
    s = bpy.context.scene.evoke
    s.common.target = avatar.arm  # the armature chosen as the avatar, as a user picks a rig
    head, neck = avatar.names["head"], avatar.names["neck"]
    before = pose_of(avatar.arm)
    for emotion in ("sadness", "surprise", "fear", "neutral"):
        s.presets.preset_emotion = emotion
        assert bpy.ops.evoke.preview_preset() == {"FINISHED"}
        weights = preset_keys(emotion)
        for name, keys in MESHES.items():
            if keys:
                expected = {k: round(weights.get(k, 0.0), 4) for k in keys}
                assert key_values(avatar.meshes[name]) == pytest.approx(expected), (name, emotion)
        pose = avatar.arm.pose.bones
        for bone, role in ((head, "head"), (neck, "neck")):
            got = [round(v, 5) for v in pose[bone].rotation_euler]
            assert got == pytest.approx(expected_rotation(emotion, role), abs=1e-5), (bone, emotion)
        now = pose_of(avatar.arm)
        assert {b: m for b, m in now.items() if b not in (head, neck)} == {
            b: m for b, m in before.items() if b not in (head, neck)
        }  # the A-pose and the spine's lean stay
    assert preset_keys("surprise")["jawOpen"] > 0  # the teeth check above is not vacuous


def test_bake_keys_every_mesh_with_the_keys_and_only_head_and_neck(
    avatar: SimpleNamespace,
    setup_bake: Callable[..., Any],
    animated_paths: Callable[[Any], set[str]],
) -> None:
    setup_bake(avatar.arm, trial=1, mode="discrete")
    assert bpy.ops.evoke.load_presets() == {"FINISHED"}  # the bundled presets: they pose bones
    before = pose_of(avatar.arm)
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    used = set().union(*(v["shape_keys"] for v in BUNDLED.values()))
    for name, keys in MESHES.items():
        driven = sorted(set(keys) & used)
        obj = avatar.meshes[name]
        if driven:
            paths = animated_paths(obj.data.shape_keys)
            assert paths == {f'key_blocks["{k}"].value' for k in driven}, name
        else:
            keys_id = obj.data.shape_keys
            assert keys_id is None or keys_id.animation_data is None, name
    head, neck = avatar.names["head"], avatar.names["neck"]
    assert animated_paths(avatar.arm) == {f'pose.bones["{b}"].rotation_euler' for b in (head, neck)}
    face = avatar.meshes["Wolf3D_Head"]  # the head holds the state, not an eye with its keys
    assert "evoke_emotion" in face.keys()
    assert not [n for n, m in avatar.meshes.items() if n != face.name and "evoke_emotion" in m]
    names = load_model().emotions.names
    checked = 0
    for frame in range(bpy.context.scene.frame_start, bpy.context.scene.frame_end, 24):
        bpy.context.scene.frame_set(frame)
        emotion = names[int(face["evoke_emotion"])]
        teeth = key_values(avatar.meshes["Wolf3D_Teeth"])["jawOpen"]
        assert teeth == pytest.approx(key_values(face)["jawOpen"], abs=1e-4)  # one face
        eye = key_values(avatar.meshes["EyeLeft"])["eyeLookDownLeft"]
        assert eye == pytest.approx(key_values(face)["eyeLookDownLeft"], abs=1e-4)
        now = pose_of(avatar.arm)
        assert {b: m for b, m in now.items() if b not in (head, neck)} == {
            b: m for b, m in before.items() if b not in (head, neck)
        }
        checked += emotion != "neutral"
    assert checked  # frames showing an emotion that moves the face were among those checked


def test_live_face_moves_every_mesh_and_records_each(avatar: SimpleNamespace) -> None:
    face_output = importlib.import_module(f"{EXT}.live.face_output")
    rig = importlib.import_module(f"{EXT}.common.rig")
    scene_module = importlib.import_module(f"{EXT}.presets.scene")
    processor = importlib.import_module("bl_ext.user_default.evoke.inference.live.processor")
    face = rig.face_mesh(avatar.arm)
    assert face.name == "Wolf3D_Head"
    avatar.meshes["Wolf3D_Head"].name = "Head"  # no tool's name: the most vertices decide
    assert rig.face_mesh(avatar.arm).name == "Head"
    avatar.meshes["Wolf3D_Head"].name = "Wolf3D_Head"
    presets = scene_module.presets_from_scene(bpy.context.scene.evoke.presets)
    names = load_model().emotions.names
    out = face_output.FaceOutput(face, presets, names, name_map=None, profile="AUTO", blend=False)
    assert [n for n, _ in out.parts] == ["Wolf3D_Head", "Wolf3D_Teeth", "EyeLeft", "EyeRight"]
    surprise = names.index("surprise")
    weights = np.zeros(8, dtype=np.float32)
    weights[surprise] = 1.0
    update = processor.LiveUpdate(1.0, np.full(3, 0.5), surprise, 0.9, weights, True, np.zeros(3))
    out.start_recording()
    out.show(update, 0.0)
    out.write(face, update, EASE_S / 2)
    out.write(face, None, EASE_S + 0.1)
    jaw = preset_keys("surprise")["jawOpen"]
    assert key_values(avatar.meshes["Wolf3D_Teeth"])["jawOpen"] == pytest.approx(jaw, abs=1e-4)
    assert key_values(face)["jawOpen"] == pytest.approx(jaw, abs=1e-4)
    report = out.finish_recording(face, names, fps=24.0, frame_start=1)
    assert "jawOpen" in report.keys
    teeth_action = avatar.meshes["Wolf3D_Teeth"].data.shape_keys.animation_data
    assert teeth_action is not None and teeth_action.action is not None
    bpy.context.scene.frame_set(report.frame_end)
    assert key_values(avatar.meshes["Wolf3D_Teeth"])["jawOpen"] == pytest.approx(jaw, abs=1e-3)


def test_presets_panel_shows_the_name_map_before_edit_presets(installed: Path) -> None:
    """The refusal for an unknown face sends the user to Presets > Shape-key names: that box is
    drawn with the presets not yet loaded for editing."""
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.ops.mesh.primitive_uv_sphere_add()
    obj = bpy.context.active_object
    obj.shape_key_add(name="Basis")
    obj.shape_key_add(name="Smile_Big")
    s = bpy.context.scene.evoke
    s.common.target = obj
    assert len(s.presets.preset_keys) == 0
    panel = importlib.import_module(f"{EXT}.presets.panel")
    drawn = LayoutRecorder()
    panel.EVOKE_PT_presets.draw_panel(SimpleNamespace(layout=drawn), bpy.context)
    assert "Shape-key names (preset -> avatar)" in drawn.labels
    assert "no face keys EVOKE knows" in " ".join(drawn.labels)  # the refusal, wrapped
    assert ("evoke.add_row", "name_map") in drawn.operators


class LayoutRecorder:
    """Stands in for Blender's UILayout while a panel draws (no window here): what it shows."""

    def __init__(self, root: LayoutRecorder | None = None) -> None:
        self.root = root or self
        self.labels: list[str] = []
        self.operators: list[tuple[str, str]] = []

    def _child(self, *args: Any, **kwargs: Any) -> LayoutRecorder:
        return LayoutRecorder(self.root)

    row = column = box = split = _child

    def label(self, text: str = "", **kwargs: Any) -> None:
        self.root.labels.append(text)

    def operator(self, idname: str, **kwargs: Any) -> Any:
        recorder = self.root

        class Props:
            def __setattr__(self, name: str, value: Any) -> None:
                if name == "collection":
                    recorder.operators.append((idname, value))
                object.__setattr__(self, name, value)

        recorder.operators.append((idname, ""))
        return Props()

    def prop(self, *args: Any, **kwargs: Any) -> None:
        pass

    prop_search = template_list = prop
