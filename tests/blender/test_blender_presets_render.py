"""Presets and name maps in real Blender through the installed extension: presets preview and map
onto other key names, and a refused preset or name map leaves the previous bake whole."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bpy
import numpy as np
import pytest
from evoke_tools.paths import PRESETS_PATH

pytestmark = pytest.mark.slow  # Blender: bpy and the installed extension; not in test-quick


def test_name_map_drives_an_avatar_with_other_key_names(
    installed: Path, setup_bake: Callable[..., Any], animated_paths: Callable[[Any], set[str]]
) -> None:
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.ops.mesh.primitive_uv_sphere_add()
    obj = bpy.context.active_object
    obj.shape_key_add(name="Basis")
    obj.shape_key_add(name="Smile_L").data[0].co = (0.0, 0.0, 2.0)
    s = setup_bake(obj, mode="blend")
    assert bpy.ops.evoke.add_row(collection="name_map") == {"FINISHED"}
    s.presets.name_map[0].preset_key, s.presets.name_map[0].mesh_key = "mouthSmileLeft", "Smile_L"
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    assert animated_paths(obj.data.shape_keys) == {'key_blocks["Smile_L"].value'}
    bpy.ops.evoke.remove_row(collection="name_map", index=0)
    assert len(s.presets.name_map) == 0


def test_preview_applies_the_preset_with_name_map_and_pose(installed: Path) -> None:
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.ops.evoke.add_avatar()
    s = bpy.context.scene.evoke
    face = s.common.target
    face.data.shape_keys.key_blocks["mouthSmileLeft"].name = "Smile_L"  # a non-ARKit name
    bpy.ops.evoke.load_presets()
    bpy.ops.evoke.add_row(collection="name_map")
    s.presets.name_map[0].preset_key, s.presets.name_map[0].mesh_key = "mouthSmileLeft", "Smile_L"
    s.presets.preset_emotion = "happiness"
    assert bpy.ops.evoke.preview_preset() == {"FINISHED"}
    presets = json.loads(PRESETS_PATH.read_text())
    happy = presets["emotions"]["happiness"]
    blocks = face.data.shape_keys.key_blocks
    assert blocks["Smile_L"].value == pytest.approx(happy["shape_keys"]["mouthSmileLeft"])
    assert blocks["jawOpen"].value == pytest.approx(happy["shape_keys"].get("jawOpen", 0.0))
    s.presets.preset_emotion = "sadness"  # sadness lowers the head in the bundled presets
    bpy.ops.evoke.preview_preset()
    head = face.parent.pose.bones["head"]  # the armature parents the face
    tilt = presets["emotions"]["sadness"]["bones"]["head"]
    assert tuple(head.rotation_euler) == pytest.approx(tuple(np.radians(tilt)), abs=1e-5)
    assert blocks["Smile_L"].value == pytest.approx(
        presets["emotions"]["sadness"]["shape_keys"].get("mouthSmileLeft", 0.0)
    )


def test_editing_a_preset_adds_and_removes_its_keys(installed: Path) -> None:
    bpy.ops.wm.read_homefile(use_empty=True)
    s = bpy.context.scene.evoke
    s.presets.preset_emotion = "anger"
    assert bpy.ops.evoke.add_row(collection="preset_keys", key="cheekPuff") == {
        "FINISHED"
    }  # loads the presets
    anger = [(r.key, round(r.weight, 4)) for r in s.presets.preset_keys if r.emotion == "anger"]
    assert ("cheekPuff", 0.5) in anger
    before = len(s.presets.preset_keys)
    added = next(
        i
        for i, r in enumerate(s.presets.preset_keys)
        if r.key == "cheekPuff" and r.emotion == "anger"
    )
    assert bpy.ops.evoke.remove_row(collection="preset_keys", index=added) == {"FINISHED"}
    assert len(s.presets.preset_keys) == before - 1
    assert ("anger", "cheekPuff") not in {(r.emotion, r.key) for r in s.presets.preset_keys}
    assert bpy.ops.evoke.remove_row(collection="preset_keys", index=999) == {"FINISHED"}
    assert len(s.presets.preset_keys) == before - 1  # an index past the end removes nothing


def _scene_state(face: Any) -> dict[str, Any]:
    keys = face.data.shape_keys
    anim = keys.animation_data
    return {
        "action": anim.action.name if anim and anim.action else None,
        "users": anim.action.users if anim and anim.action else 0,
        "props_action": face.animation_data.action.name if face.animation_data else None,
        "actions": sorted(a.name for a in bpy.data.actions),
        "values": [round(k.value, 6) for k in keys.key_blocks],
        "props": {k: face[k] for k in face.keys() if k.startswith("evoke_")},
    }


def test_a_failed_bake_leaves_the_previous_one_whole(
    face: Any, tmp_path: Path, setup_bake: Callable[..., Any], bake_presets: dict[str, Any]
) -> None:
    """Presets naming one key twice (jawOpen / JAWOPEN) or a name map sending two keys to one
    are refused before anything changes: the previous bake keeps its action, users, values."""
    s = setup_bake(face)
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    bpy.context.scene.frame_set(300)
    before = _scene_state(face)
    assert before["action"] and before["users"] >= 1
    bad = json.loads(json.dumps(bake_presets))
    bad["emotions"]["fear"]["shape_keys"]["JAWOPEN"] = 0.5
    bad["emotions"]["fear"]["shape_keys"]["jawOpen"] = 0.2
    (tmp_path / "twice.json").write_text(json.dumps(bad))
    with pytest.raises(RuntimeError, match="JAWOPEN|jawOpen"):
        bpy.ops.evoke.load_presets(filepath=str(tmp_path / "twice.json"))
    assert bpy.ops.evoke.add_row(collection="name_map") == {"FINISHED"}
    s.presets.name_map[0].preset_key, s.presets.name_map[0].mesh_key = (
        "mouthSmileLeft",
        "mouthSmileRight",
    )
    with pytest.raises(RuntimeError, match="both drive the shape key 'mouthSmileRight'"):
        bpy.ops.evoke.bake()
    bpy.context.scene.frame_set(300)
    assert _scene_state(face) == before
    s.presets.name_map.clear()


def test_nan_preset_weights_are_refused_at_load(
    face: Any, tmp_path: Path, bake_presets: dict[str, Any]
) -> None:
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(bake_presets).replace('"jawOpen": 0.7', '"jawOpen": NaN'))
    with pytest.raises(RuntimeError, match="NaN is not a JSON value"):
        bpy.ops.evoke.load_presets(filepath=str(path))
    path.write_text(json.dumps(bake_presets).replace('"jawOpen": 0.7', '"jawOpen": 1e400'))
    with pytest.raises(RuntimeError, match="NaN or infinite"):  # a number too large for a float
        bpy.ops.evoke.load_presets(filepath=str(path))
