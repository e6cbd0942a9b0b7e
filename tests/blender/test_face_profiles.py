"""Face profiles in real Blender through the installed extension: avatars named by VRoid Studio,
VRM, Character Creator 4, MPFB or another ARKit spelling bake from a recording with no name map,
their own keys animated with their profile's weights; two namings on one mesh, no known naming,
the preview, the live driver and the VRM add-on's expressions (through a stand-in of its
properties: the add-on itself cannot be installed here)."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bpy
import numpy as np
import pytest
from evoke_tools.paths import ROOT

from inference import PredictOptions, load_model, predict
from inference.emotion.smoothing import SmoothingSettings
from inference.face.easing import EASE_S
from inference.io.deap_files import read_recording

pytestmark = pytest.mark.slow  # Blender: bpy and the installed extension; not in test-quick

EXT = "bl_ext.user_default.evoke.evoke_blender"
RAW = {
    p["id"]: p
    for p in json.loads((ROOT / "inference" / "face" / "face_profiles.json").read_text())[
        "profiles"
    ]
}
ARKIT = list(RAW["ARKIT"]["names"])
VROID_TABLE = RAW["VROID"]["variants"][0]["emotions"]  # the "parts" variant
VRM_TABLE = RAW["VRM"]["variants"][0]["emotions"]


def arkit_lr(name: str) -> str:
    return re.sub("Left$", "_L", re.sub("Right$", "_R", name))


def avatar(names: list[str], name: str = "Head") -> Any:
    """An empty scene with a sphere whose shape keys are exactly `names` (besides Basis), each
    moving a vertex."""
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.ops.mesh.primitive_uv_sphere_add()
    obj = bpy.context.active_object
    obj.name = name
    obj.shape_key_add(name="Basis")
    for key in names:
        block = obj.shape_key_add(name=key)
        block.data[0].co = (0.0, 0.0, 2.0)
        block.value = 0.0  # at rest (Blender 5 adds keys at 1.0)
    return obj


def timeline(deap: Path, s: Any, trial: int) -> Any:
    """What the runtime, run independently here, says the bake shows."""
    smoothing = SmoothingSettings(tau_s=s.smoothing.tau, hysteresis=s.smoothing.hysteresis, min_dwell_s=s.smoothing.dwell,
                                  method=s.smoothing.smoother, switch_s=s.smoothing.switch_s, evidence=s.smoothing.evidence,
                                  confidence=s.smoothing.confidence)  # fmt: skip
    options = PredictOptions(0.25, s.smoothing.mode, smoothing, hindsight=not s.bake.as_live)
    return predict(read_recording(deap, trial=trial), load_model(), options).timelines[0]


def frames_of_each_emotion(tl: Any) -> Iterator[tuple[float, str]]:
    """(frame, emotion) where the face shows each emotion the timeline shows (discrete) in full:
    the first run of it longer than the ease, just after its ease has ended."""
    names = load_model().emotions.names
    fps = bpy.context.scene.render.fps / bpy.context.scene.render.fps_base
    hop = float(tl.t[1] - tl.t[0])
    starts = np.flatnonzero(np.r_[True, tl.emotion[1:] != tl.emotion[:-1]])
    lengths = np.diff(np.r_[starts, len(tl.emotion)])
    for e in sorted(set(tl.emotion.tolist())):
        runs = [(a, n) for a, n in zip(starts, lengths, strict=True)
                if tl.emotion[a] == e and n * hop > EASE_S + hop]  # fmt: skip
        if runs:
            after_ease = EASE_S / 2 + 0.01 if runs[0][0] > 0 else 0.0
            yield 1 + (tl.t[runs[0][0]] + 0.5 + after_ease) * fps, names[e]


def go_to(frame: float) -> None:
    bpy.context.scene.frame_set(int(frame), subframe=frame - int(frame))


def status(s: Any, obj: Any) -> tuple[bool, list[str]]:
    """What the Presets panel says about the avatar's face profile."""
    return importlib.import_module(f"{EXT}.presets.panel").profile_status(s, obj)


def summary(tool: str, carried: int, drives: str, how: str = "detected", noun: str = "keys") -> str:
    """The panel's line: how much of the tool's face the avatar carries, what the presets drive."""
    title, total = RAW[tool]["title"], len(RAW[tool]["names"])
    return f"{title} ({how}): {carried} of {total} {noun}; the presets drive {drives}"


def values(obj: Any, keys: list[str]) -> dict[str, float]:
    blocks = obj.data.shape_keys.key_blocks
    return {k: round(blocks[k].value, 4) for k in keys}


@pytest.mark.parametrize(
    ("tool", "table", "summary"),
    [
        ("VROID", VROID_TABLE, summary("VROID", len(RAW["VROID"]["names"]), "16 of 16")),
        # shape keys named like expressions
        ("VRM", VRM_TABLE, summary("VRM", len(RAW["VRM"]["names"]), "4 of 4")),
    ],
)
def test_whole_expression_avatars_bake_their_own_table(
    installed: Path,
    deap_two_trials: Path,
    setup_bake: Callable[..., Any],
    animated_paths: Callable[[Any], set[str]],
    tool: str,
    table: dict[str, dict[str, float]],
    summary: str,
) -> None:
    names = list(RAW[tool]["names"])
    obj = avatar(names)
    s = setup_bake(obj, trial=1, mode="discrete")
    assert s.presets.face_profile == "AUTO" and len(s.presets.name_map) == 0
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    driven = sorted({k for weights in table.values() for k in weights})
    assert animated_paths(obj.data.shape_keys) == {f'key_blocks["{k}"].value' for k in driven}
    assert status(s, obj) == (True, [summary])
    shown = set()
    for frame, emotion in frames_of_each_emotion(timeline(deap_two_trials, s, 1)):
        go_to(frame)
        expected = {k: round(table[emotion].get(k, 0.0), 4) for k in driven}
        assert values(obj, driven) == pytest.approx(expected, abs=1e-4), emotion
        shown |= {emotion} if any(expected.values()) else set()
    assert shown  # the trial shows emotions the table moves the face for: not a vacuous check
    others = [n for n in names if n not in driven]
    assert not any(values(obj, others).values())  # the rest of the tool's keys stay at rest


# ARKit preset key -> the key each tool gives it (from the sources cited in profile_data.py)
UNITS = {
    "CC4": {
        "mouthSmileLeft": ["Mouth_Smile_L"],
        "mouthSmileRight": ["Mouth_Smile_R"],
        "browInnerUp": ["Brow_Raise_Inner_L", "Brow_Raise_Inner_R"],
        "jawOpen": ["Jaw_Open"],
        "eyeWideLeft": ["Eye_Wide_L"],
        "noseSneerLeft": ["Nose_Sneer_L"],
    },
    "CC3": {
        "mouthSmileLeft": ["A38_Mouth_Smile_Left"],
        "mouthSmileRight": ["A39_Mouth_Smile_Right"],
        "browInnerUp": ["A01_Brow_Inner_Up"],
        "jawOpen": ["A25_Jaw_Open"],
        "eyeWideLeft": ["A18_Eye_Wide_Left"],
        "noseSneerLeft": ["A23_Nose_Sneer_Left"],
    },
    "ARKIT_LR": {
        "mouthSmileLeft": ["mouthSmile_L"],
        "mouthSmileRight": ["mouthSmile_R"],
        "browInnerUp": ["browInnerUp"],
        "jawOpen": ["jawOpen"],
        "eyeWideLeft": ["eyeWide_L"],
        "noseSneerLeft": ["noseSneer_L"],
    },
}
UNITS["MPFB"] = {k: [k] for k in UNITS["CC4"]}  # MPFB's face units are the ARKit names
MESHES = {
    "CC4": [n for n in RAW["CC4"]["names"] if not re.match(r"A\d\d_", n)],  # CC4 Extended
    "CC3": [n for n in RAW["CC4"]["names"] if re.match(r"A\d\d_", n)],  # CC3+
    "MPFB": list(RAW["MPFB"]["names"]),  # face units and MPFB's visemes
    "ARKIT_LR": [arkit_lr(n) for n in ARKIT],
}
SUMMARIES = {
    "CC4": summary("CC4", len(MESHES["CC4"]), "7 of 8"),  # the test presets' missingKey
    "CC3": summary("CC4", len(MESHES["CC3"]), "6 of 7"),
    "MPFB": summary("MPFB", len(MESHES["MPFB"]), "6 of 7"),
    "ARKIT_LR": summary("ARKIT", len(ARKIT), "6 of 7"),
}


@pytest.mark.parametrize("tool", list(UNITS))
def test_unit_avatars_bake_the_presets_on_their_own_keys(
    installed: Path,
    deap_two_trials: Path,
    setup_bake: Callable[..., Any],
    bake_presets: dict[str, Any],
    animated_paths: Callable[[Any], set[str]],
    tool: str,
) -> None:
    obj = avatar(MESHES[tool])
    s = setup_bake(obj, trial=1, mode="discrete")
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    mesh_keys = [k for keys in UNITS[tool].values() for k in keys]
    assert animated_paths(obj.data.shape_keys) == {f'key_blocks["{k}"].value' for k in mesh_keys}
    assert status(s, obj) == (True, [SUMMARIES[tool]])
    shown = set()
    for frame, emotion in frames_of_each_emotion(timeline(deap_two_trials, s, 1)):
        go_to(frame)
        weights = bake_presets["emotions"][emotion]["shape_keys"]
        expected = {k: round(weights.get(p, 0.0), 4) for p, ks in UNITS[tool].items() for k in ks}
        assert values(obj, mesh_keys) == pytest.approx(expected, abs=1e-4), emotion
        shown |= {emotion} if any(expected.values()) else set()
    assert shown


def scene_state(obj: Any) -> dict[str, Any]:
    keys = obj.data.shape_keys
    return {
        "animation": keys.animation_data is not None and keys.animation_data.action is not None,
        "actions": sorted(a.name for a in bpy.data.actions),
        "values": [round(k.value, 6) for k in keys.key_blocks],
        "props": sorted(k for k in obj.keys() if k.startswith("evoke_")),
        "frames": (bpy.context.scene.frame_start, bpy.context.scene.frame_end),
    }


def test_a_mesh_with_no_known_names_is_refused_and_the_scene_stays(
    installed: Path, setup_bake: Callable[..., Any]
) -> None:
    obj = avatar(["Body_Fat", "Smile_Big", "Brow_Thing"])
    s = setup_bake(obj, trial=1)
    before = scene_state(obj)
    with pytest.raises(RuntimeError, match="no face keys EVOKE knows") as err:
        bpy.ops.evoke.bake()
    for looked_for in ("'Head'", "ARKit", "VRoid", "VRM", "Character Creator", "MPFB"):
        assert looked_for in str(err.value)
    assert "Shape-key names" in str(err.value)  # the name map is suggested
    assert scene_state(obj) == before
    ok, lines = status(s, obj)
    assert not ok and "no face keys EVOKE knows" in lines[0]
    # the name map it suggests then works
    assert bpy.ops.evoke.add_row(collection="name_map") == {"FINISHED"}
    s.presets.name_map[0].preset_key, s.presets.name_map[0].mesh_key = "mouthSmileLeft", "Smile_Big"
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    assert status(s, obj)[0]


def test_two_namings_bake_the_larger_and_the_profile_choice_switches(
    installed: Path, setup_bake: Callable[..., Any], animated_paths: Callable[[Any], set[str]]
) -> None:
    obj = avatar([*RAW["VROID"]["names"], *ARKIT])  # VRoid keys and ARKit "perfect sync"
    s = setup_bake(obj, trial=1)
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    paths = animated_paths(obj.data.shape_keys)
    assert paths and all("Fcl_" in p for p in paths)
    ok, lines = status(s, obj)
    assert ok and lines[0] == summary("VROID", len(RAW["VROID"]["names"]), "16 of 16")
    assert "52 ARKit keys" in lines[1] and "pick ARKit" in lines[1]
    s.presets.face_profile = "ARKIT"
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    paths = animated_paths(obj.data.shape_keys)
    assert paths == {f'key_blocks["{k}"].value' for k in
                     ("mouthSmileLeft", "mouthSmileRight", "browInnerUp", "jawOpen",
                      "eyeWideLeft", "noseSneerLeft")}  # fmt: skip
    assert status(s, obj) == (True, [summary("ARKIT", len(ARKIT), "6 of 7", how="chosen")])
    s.presets.face_profile = "VRM"  # a profile whose keys this mesh lacks: refused, nothing changes
    before = scene_state(obj)
    with pytest.raises(RuntimeError, match="VRM profile finds none of its keys"):
        bpy.ops.evoke.bake()
    assert scene_state(obj) == before


def test_preview_and_live_driver_use_the_profile(installed: Path) -> None:
    obj = avatar(list(RAW["VROID"]["names"]))
    s = bpy.context.scene.evoke
    s.common.target = obj
    s.presets.preset_emotion = "anger"
    assert bpy.ops.evoke.preview_preset() == {"FINISHED"}
    anger = {k: round(w, 4) for k, w in VROID_TABLE["anger"].items()}
    assert values(obj, list(anger)) == pytest.approx(anger)
    assert values(obj, ["Fcl_MTH_Joy"]) == {"Fcl_MTH_Joy": 0.0}
    s.presets.preset_emotion = "neutral"
    bpy.ops.evoke.preview_preset()
    assert not any(values(obj, list(anger)).values())

    driver_module = importlib.import_module(f"{EXT}.live.driver")
    scene_module = importlib.import_module(f"{EXT}.presets.scene")
    model = load_model()
    driver = driver_module.LiveDriver(obj, model, scene_module.presets_from_scene(s.presets),
                                      "evoke-no-such-stream", resolve_timeout_s=0.1)  # fmt: skip
    try:
        blocks = [b.name for b in obj.data.shape_keys.key_blocks]
        for e, emotion in enumerate(model.emotions.names):
            row = dict(zip(blocks, driver.face.to_blocks[e].tolist(), strict=True))
            expected = VROID_TABLE[emotion]
            assert {k: v for k, v in row.items() if v} == pytest.approx(expected), emotion
    finally:
        driver.close()
    errors = importlib.import_module("bl_ext.user_default.evoke.inference.errors")
    nothing = avatar(["Body_Fat"], name="Other")  # a new scene: `s` is gone with the old one
    presets = scene_module.presets_from_scene(bpy.context.scene.evoke.presets)
    with pytest.raises(errors.InputError, match="no face keys EVOKE knows"):  # before any lookup
        driver_module.LiveDriver(nothing, model, presets, "x")


# ------------------------------------------------------------------ the VRM add-on's expressions
# A stand-in for the properties saturday06/VRM-Addon-for-Blender registers (same path and names:
# Armature.vrm_addon_extension.spec_version / .vrm1.expressions.preset.<expression>.preview and
# .morph_target_binds). It tests EVOKE's side only: that the bake animates those previews and the
# preview operator sets them; not the add-on's own handling of an animated preview.
VRM_ATTRS = ["happy", "angry", "sad", "relaxed", "surprised", "neutral", "aa", "ih", "ou", "ee",
             "oh", "blink", "blink_left", "blink_right", "look_up", "look_down", "look_left",
             "look_right"]  # fmt: skip


@pytest.fixture
def vrm_addon_stand_in(installed: Path) -> Iterator[None]:
    from bpy.props import CollectionProperty, FloatProperty, PointerProperty, StringProperty

    bind = type(
        "EVOKETEST_PG_bind",
        (bpy.types.PropertyGroup,),
        {"__annotations__": {"index": StringProperty(), "weight": FloatProperty(default=1)}},
    )
    expression = type(
        "EVOKETEST_PG_expression",
        (bpy.types.PropertyGroup,),
        {
            "__annotations__": {
                "preview": FloatProperty(min=0.0, max=1.0),
                "morph_target_binds": CollectionProperty(type=bind),
            }
        },
    )
    preset = type(
        "EVOKETEST_PG_preset",
        (bpy.types.PropertyGroup,),
        {"__annotations__": {a: PointerProperty(type=expression) for a in VRM_ATTRS}},
    )
    expressions = type(
        "EVOKETEST_PG_expressions",
        (bpy.types.PropertyGroup,),
        {"__annotations__": {"preset": PointerProperty(type=preset)}},
    )
    vrm1 = type(
        "EVOKETEST_PG_vrm1",
        (bpy.types.PropertyGroup,),
        {"__annotations__": {"expressions": PointerProperty(type=expressions)}},
    )
    extension = type(
        "EVOKETEST_PG_extension",
        (bpy.types.PropertyGroup,),
        {
            "__annotations__": {
                "spec_version": StringProperty(default="1.0"),
                "vrm1": PointerProperty(type=vrm1),
            }
        },
    )
    classes = (bind, expression, preset, expressions, vrm1, extension)  # fmt: skip
    for cls in classes:
        bpy.utils.register_class(cls)
    bpy.types.Armature.vrm_addon_extension = PointerProperty(type=extension)
    try:
        yield
    finally:
        del bpy.types.Armature.vrm_addon_extension
        for cls in reversed(classes):
            bpy.utils.unregister_class(cls)


def test_vrm_addon_expressions_are_baked_and_previewed(
    vrm_addon_stand_in: None,
    deap_two_trials: Path,
    setup_bake: Callable[..., Any],
    bake_presets: dict[str, Any],
    animated_paths: Callable[[Any], set[str]],
) -> None:
    obj = avatar(["Fcl_ALL_Joy", "Fcl_ALL_Angry", "Fcl_ALL_Sorrow", "Fcl_ALL_Surprised", "Mouth"])
    bpy.ops.object.armature_add()
    arm = bpy.context.active_object
    obj.parent = arm
    preset = arm.data.vrm_addon_extension.vrm1.expressions.preset
    for attr, key in (("happy", "Fcl_ALL_Joy"), ("angry", "Fcl_ALL_Angry"),
                      ("sad", "Fcl_ALL_Sorrow"), ("surprised", "Fcl_ALL_Surprised")):  # fmt: skip
        getattr(preset, attr).morph_target_binds.add().index = key
    s = setup_bake(obj, trial=1, mode="discrete")
    assert status(s, obj) == (True, [summary("VRM", 4, "4 of 4", noun="expressions")])
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    driven = ["angry", "happy", "sad", "surprised"]
    path = "vrm_addon_extension.vrm1.expressions.preset.{}.preview"
    assert animated_paths(arm.data) == {path.format(a) for a in driven}
    assert animated_paths(obj.data.shape_keys) == set()  # the add-on moves the shape keys
    for frame, emotion in frames_of_each_emotion(timeline(deap_two_trials, s, 1)):
        go_to(frame)
        shown = {a: round(getattr(preset, a).preview, 4) for a in driven}
        assert shown == pytest.approx({a: VRM_TABLE[emotion].get(a, 0.0) for a in driven})
    bpy.context.scene.frame_set(1)
    s.presets.preset_emotion = "fear"
    assert bpy.ops.evoke.preview_preset() == {"FINISHED"}
    shown = {a: round(getattr(preset, a).preview, 4) for a in VRM_ATTRS}
    assert {a: v for a, v in shown.items() if v} == pytest.approx(VRM_TABLE["fear"])
    # the name map still drives shape keys beside the expressions
    assert bpy.ops.evoke.add_row(collection="name_map") == {"FINISHED"}
    s.presets.name_map[0].preset_key, s.presets.name_map[0].mesh_key = "mouthSmileRight", "Mouth"
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    assert animated_paths(obj.data.shape_keys) == {'key_blocks["Mouth"].value'}
    assert animated_paths(arm.data) == {path.format(a) for a in driven}
    for frame, emotion in frames_of_each_emotion(timeline(deap_two_trials, s, 1)):
        go_to(frame)
        weight = bake_presets["emotions"][emotion]["shape_keys"].get("mouthSmileRight", 0.0)
        assert values(obj, ["Mouth"]) == pytest.approx({"Mouth": weight}), emotion
    s.presets.name_map.clear()
    arm.data.vrm_addon_extension.spec_version = "0.0"  # VRM 0.x: its expressions are not used
    assert status(s, obj) == (True, [summary("VROID", 4, "4 of 5")])
