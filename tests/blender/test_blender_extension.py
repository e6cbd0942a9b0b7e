"""The extension in real Blender (the bpy module): built with Blender's tool, installed the
official way, operated through its operators, checked against the runtime's own output."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import bpy
import numpy as np
import pytest
from evoke_tools.paths import PRESETS_PATH, ROOT
from mathutils import Vector  # importable once bpy is

from inference import PredictOptions, load_model, predict
from inference.emotion.smoothing import SmoothingSettings
from inference.io.deap_files import read_recording

MODULE = "bl_ext.user_default.evoke"
KEYS = (
    "mouthSmileLeft",
    "mouthSmileRight",
    "browInnerUp",
    "jawOpen",
    "eyeWideLeft",
    "noseSneerLeft",
)
PRESETS: dict[str, Any] = {
    "format": "evoke-presets",
    "version": 1,
    "emotions": {
        "neutral": {"shape_keys": {}},
        "disgust": {"shape_keys": {"noseSneerLeft": 0.9, "browInnerUp": 0.1}},
        "fear": {"shape_keys": {"browInnerUp": 0.8, "eyeWideLeft": 1.0}},
        "anger": {"shape_keys": {"noseSneerLeft": 0.4, "mouthSmileRight": 0.05}},
        "sadness": {"shape_keys": {"browInnerUp": 0.6}},
        "happiness": {"shape_keys": {"mouthSmileLeft": 1.0, "mouthSmileRight": 1.0}},
        "surprise": {"shape_keys": {"jawOpen": 0.7, "browInnerUp": 0.5}},
        "excitement": {"shape_keys": {"mouthSmileLeft": 0.8, "jawOpen": 0.4, "missingKey": 1.0}},
    },
}


def face_with_keys() -> Any:
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.ops.mesh.primitive_uv_sphere_add()
    obj = bpy.context.active_object
    obj.shape_key_add(name="Basis")
    for name in KEYS:
        key = obj.shape_key_add(name=name)
        key.data[0].co = (0.0, 0.0, 2.0)  # every key moves something
    return obj


def setup_bake(obj: Any, tmp: Path, recording: Path, *, trial: int = 2, mode: str = "blend") -> Any:
    presets = tmp / "presets.json"
    presets.write_text(json.dumps(PRESETS))
    s = bpy.context.scene.evoke
    s.target = obj
    assert bpy.ops.evoke.load_presets(filepath=str(presets)) == {"FINISHED"}
    s.source_path = str(recording)
    s.trial = trial
    s.mode = mode
    s.hop = 0.25
    return s


def test_installed_extension_registers_everything(installed: Path) -> None:
    assert MODULE in bpy.context.preferences.addons
    assert hasattr(bpy.ops.evoke, "bake") and hasattr(bpy.ops.evoke, "add_avatar")
    assert hasattr(bpy.types.Scene, "evoke")
    assert hasattr(bpy.types, "EVOKE_PT_main")
    # the readers' and live mode's libraries came inside the zip, and Blender unpacked them
    import os
    import zipfile

    names = zipfile.ZipFile(installed).namelist()
    for package in ("pylsl", "pyxdf", "edfio"):
        assert any(n.startswith("wheels/") and f"/{package}-" in n for n in names), package
        site = Path(os.environ["BLENDER_USER_RESOURCES"], "extensions", ".local", "lib")
        assert list(site.glob(f"python3.*/site-packages/{package}")), package


def registered_names() -> set[str]:
    return {n for n in dir(bpy.types) if n.startswith("EVOKE_")}


def test_disable_enable_three_times_leaves_nothing_behind(installed: Path) -> None:
    import addon_utils  # Blender's own module: importable only once bpy is loaded

    expected = registered_names()
    assert len(expected) >= 10
    handlers = {
        name: len(getattr(bpy.app.handlers, name))
        for name in ("frame_change_post", "load_post", "depsgraph_update_post")
    }
    for _ in range(3):
        addon_utils.disable(MODULE, default_set=True)
        assert registered_names() == set()
        assert not hasattr(bpy.types.Scene, "evoke")
        assert {n: len(getattr(bpy.app.handlers, n)) for n in handlers} == handlers
        addon_utils.enable(MODULE, default_set=True)
        assert registered_names() == expected
    assert hasattr(bpy.types.Scene, "evoke")


def test_bake_puts_the_runtime_output_on_the_shape_keys(
    installed: Path, deap_two_trials: Path, tmp_path: Path
) -> None:
    obj = face_with_keys()
    s = setup_bake(obj, tmp_path, deap_two_trials)
    assert bpy.ops.evoke.bake() == {"FINISHED"}

    # The runtime, run independently here, says what every keyframe must hold.
    model = load_model()
    smoothing = SmoothingSettings(tau_s=s.tau, hysteresis=s.hysteresis, min_dwell_s=s.dwell)
    pred = predict(
        read_recording(deap_two_trials, trial=2), model, PredictOptions(0.25, "blend", smoothing)
    )
    tl = pred.timelines[0]
    names = list(model.emotions.names)
    scene = bpy.context.scene
    fps = scene.render.fps / scene.render.fps_base
    assert scene.frame_end >= 1 + int(60 * fps)
    for i in (0, 17, 100, len(tl.t) - 1):
        frame = 1 + (tl.t[i] + 0.5) * fps
        scene.frame_set(int(frame), subframe=frame - int(frame))
        for key in KEYS:
            expected = sum(
                tl.weights[i, e] * PRESETS["emotions"][n]["shape_keys"].get(key, 0.0)
                for e, n in enumerate(names)
            )
            assert obj.data.shape_keys.key_blocks[key].value == pytest.approx(expected, abs=1e-4), (
                key,
                i,
            )
        assert obj["evoke_valence"] == pytest.approx(tl.probs[i, 0], abs=1e-4)
        assert obj["evoke_emotion"] == tl.emotion[i]
    # the emotion index holds between keys (constant interpolation), never an in-between value
    scene.frame_set(int(1 + (tl.t[5] + 0.5) * fps) + 2)
    assert obj["evoke_emotion"] in set(tl.emotion.tolist())


def test_missing_keys_are_reported_and_the_rest_still_animate(
    installed: Path, deap_two_trials: Path, tmp_path: Path
) -> None:
    obj = face_with_keys()
    setup_bake(obj, tmp_path, deap_two_trials, trial=1)
    assert bpy.ops.evoke.bake() == {"FINISHED"}  # warning, not failure
    from bpy_extras import anim_utils  # noqa: F401  (present in 4.4+, used by the extension)

    paths = _animated_paths(obj.data.shape_keys)
    assert {f'key_blocks["{k}"].value' for k in KEYS} <= paths
    assert not any("missingKey" in p for p in paths)


def _animated_paths(id_data: Any) -> set[str]:
    anim = id_data.animation_data
    action = anim.action
    if hasattr(action, "slots"):
        from bpy_extras.anim_utils import action_get_channelbag_for_slot

        return {
            fc.data_path for fc in action_get_channelbag_for_slot(action, anim.action_slot).fcurves
        }
    return {fc.data_path for fc in action.fcurves}


def test_bad_inputs_give_clear_errors(
    installed: Path, deap_two_trials: Path, tmp_path: Path
) -> None:
    obj = face_with_keys()
    s = setup_bake(obj, tmp_path, deap_two_trials)
    txt = tmp_path / "notes.txt"
    txt.write_text("not eeg")
    s.source_path = str(txt)
    with pytest.raises(RuntimeError, match="unsupported"):
        bpy.ops.evoke.bake()
    s.source_path = str(deap_two_trials)
    s.trial = 9
    with pytest.raises(RuntimeError, match="trial 9 is out of range"):
        bpy.ops.evoke.bake()
    bpy.ops.mesh.primitive_cube_add()
    s.target = bpy.context.active_object
    with pytest.raises(RuntimeError, match="no mesh with shape keys"):
        bpy.ops.evoke.bake()
    assert obj.data.shape_keys.animation_data is None  # nothing half-written


def test_model_with_other_features_is_refused(
    installed: Path, deap_two_trials: Path, tmp_path: Path
) -> None:
    from inference.dsp.features import FeatureSettings
    from inference.model.model_file import save_model, untrained_metadata, untrained_weights

    obj = face_with_keys()
    s = setup_bake(obj, tmp_path, deap_two_trials)
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"not a model")
    s.model_path = str(bad)
    with pytest.raises(RuntimeError, match="broken.npz"):
        bpy.ops.evoke.bake()
    psd = save_model(
        tmp_path / "psd.npz", untrained_weights(), untrained_metadata(FeatureSettings(kind="psd"))
    )
    s.model_path = str(psd)
    assert bpy.ops.evoke.bake() == {"FINISHED"}  # a PSD model computes PSD features itself
    s.model_path = ""


def test_save_and_reopen_keeps_the_animation(
    installed: Path, deap_two_trials: Path, tmp_path: Path
) -> None:
    obj = face_with_keys()
    setup_bake(obj, tmp_path, deap_two_trials)
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    scene = bpy.context.scene
    scene.frame_set(400)
    before = np.array([k.value for k in obj.data.shape_keys.key_blocks[1:]])
    valence = obj["evoke_valence"]
    name = obj.name
    path = tmp_path / "baked.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.ops.wm.open_mainfile(filepath=str(path))
    scene = bpy.context.scene
    obj = bpy.data.objects[name]
    scene.frame_set(400)
    after = np.array([k.value for k in obj.data.shape_keys.key_blocks[1:]])
    np.testing.assert_allclose(after, before, atol=1e-6)
    assert obj["evoke_valence"] == pytest.approx(valence)
    assert scene.evoke.source_path == str(deap_two_trials)


def test_render_clip_decodes_with_the_expected_frames(
    installed: Path, deap_two_trials: Path, tmp_path: Path
) -> None:
    obj = face_with_keys()
    bpy.ops.object.camera_add(location=(0, -6, 0), rotation=(1.5708, 0, 0))
    bpy.context.scene.camera = bpy.context.active_object
    s = setup_bake(obj, tmp_path, deap_two_trials)
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    s.resolution = 120
    s.engine = "WORKBENCH"
    scene = bpy.context.scene
    scene.render.fps = 12
    clip = tmp_path / "clip.mp4"
    assert bpy.ops.evoke.render_clip(filepath=str(clip), seconds=1.0) == {"FINISHED"}
    movie = bpy.data.movieclips.load(str(clip))  # decoded by Blender's own FFmpeg
    assert movie.frame_duration == 12
    assert tuple(movie.size) == (160, 120)
    assert "EVOKE label fear" in bpy.data.objects and "EVOKE bar V" in bpy.data.objects
    # every overlay element sits inside the rendered frame (laid out for the clip's own aspect)
    from bpy_extras.object_utils import world_to_camera_view

    scene.frame_set(scene.frame_start)
    for obj in bpy.data.collections["EVOKE Overlay"].objects:
        for corner in obj.bound_box:
            x, y, _ = world_to_camera_view(scene, scene.camera, obj.matrix_world @ Vector(corner))
            assert -1e-3 <= x <= 1.001 and -1e-3 <= y <= 1.001, obj.name


def test_render_without_a_bake_is_refused(installed: Path) -> None:
    face_with_keys()
    bpy.context.scene.evoke.target = bpy.context.active_object
    with pytest.raises(RuntimeError, match="Bake a recording"):
        bpy.ops.evoke.render_clip(filepath="/tmp/never.mp4")


def test_add_avatar_then_bake_with_the_bundled_presets(
    installed: Path, deap_two_trials: Path
) -> None:
    bpy.ops.wm.read_homefile(use_empty=True)
    assert bpy.ops.evoke.add_avatar() == {"FINISHED"}
    s = bpy.context.scene.evoke
    face = s.target
    assert face is not None and face.data.shape_keys is not None
    assert bpy.context.scene.camera is not None
    s.source_path, s.trial, s.hop, s.mode = str(deap_two_trials), 1, 0.25, "blend"
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    presets = json.loads(PRESETS_PATH.read_text())
    model = load_model()
    smoothing = SmoothingSettings(tau_s=s.tau, hysteresis=s.hysteresis, min_dwell_s=s.dwell)
    tl = predict(
        read_recording(deap_two_trials, trial=1), model, PredictOptions(0.25, "blend", smoothing)
    ).timelines[0]
    scene = bpy.context.scene
    fps = scene.render.fps / scene.render.fps_base
    i = 40
    frame = 1 + (tl.t[i] + 0.5) * fps
    scene.frame_set(int(frame), subframe=frame - int(frame))
    for key in ("mouthSmileLeft", "browInnerUp", "eyeWideLeft", "jawOpen"):
        expected = sum(
            tl.weights[i, e] * presets["emotions"][n]["shape_keys"].get(key, 0.0)
            for e, n in enumerate(model.emotions.names)
        )
        assert face.data.shape_keys.key_blocks[key].value == pytest.approx(expected, abs=1e-4), key
    assert "synthetic" in face["evoke_model"]  # the bundled model says what it was trained on


def test_headless_without_egl_falls_back_to_cycles(deap_two_trials: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    root = ROOT
    env = {
        **os.environ,
        "__EGL_VENDOR_LIBRARY_FILENAMES": str(tmp_path / "none.json"),
        "EGL_PLATFORM": "none",
    }
    env["BLENDER_USER_RESOURCES"] = str(tmp_path / "user")
    clip = tmp_path / "noegl.mp4"
    cmd = [sys.executable, str(root / "scripts" / "render_demo.py"), str(deap_two_trials), "--trial", "1",
           "--seconds", "0.25", "--height", "96", "--out", str(clip)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "rendered with Cycles instead" in done.stdout
    assert bpy.data.movieclips.load(str(clip)).frame_duration == 6


def test_name_map_drives_an_avatar_with_other_key_names(
    installed: Path, deap_two_trials: Path, tmp_path: Path
) -> None:
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.ops.mesh.primitive_uv_sphere_add()
    obj = bpy.context.active_object
    obj.shape_key_add(name="Basis")
    obj.shape_key_add(name="Smile_L").data[0].co = (0.0, 0.0, 2.0)
    s = setup_bake(obj, tmp_path, deap_two_trials, mode="blend")
    assert bpy.ops.evoke.name_map_add() == {"FINISHED"}
    s.name_map[0].preset_key, s.name_map[0].mesh_key = "mouthSmileLeft", "Smile_L"
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    assert _animated_paths(obj.data.shape_keys) == {'key_blocks["Smile_L"].value'}
    bpy.ops.evoke.name_map_remove(index=0)
    assert len(s.name_map) == 0


def test_preview_applies_the_preset_with_name_map_and_pose(installed: Path, tmp_path: Path) -> None:
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.ops.evoke.add_avatar()
    s = bpy.context.scene.evoke
    face = s.target
    face.data.shape_keys.key_blocks["mouthSmileLeft"].name = "Smile_L"  # a non-ARKit name
    bpy.ops.evoke.load_presets()
    bpy.ops.evoke.name_map_add()
    s.name_map[0].preset_key, s.name_map[0].mesh_key = "mouthSmileLeft", "Smile_L"
    s.preset_emotion = "happiness"
    assert bpy.ops.evoke.preview_preset() == {"FINISHED"}
    presets = json.loads(PRESETS_PATH.read_text())
    happy = presets["emotions"]["happiness"]
    blocks = face.data.shape_keys.key_blocks
    assert blocks["Smile_L"].value == pytest.approx(happy["shape_keys"]["mouthSmileLeft"])
    assert blocks["jawOpen"].value == pytest.approx(happy["shape_keys"].get("jawOpen", 0.0))
    s.preset_emotion = "sadness"  # sadness lowers the head in the bundled presets
    bpy.ops.evoke.preview_preset()
    head = face.parent.pose.bones["head"]  # the armature parents the face
    tilt = presets["emotions"]["sadness"]["bones"]["head"]
    assert tuple(head.rotation_euler) == pytest.approx(tuple(np.radians(tilt)), abs=1e-5)
    assert blocks["Smile_L"].value == pytest.approx(
        presets["emotions"]["sadness"]["shape_keys"].get("mouthSmileLeft", 0.0)
    )


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
    installed: Path, deap_two_trials: Path, tmp_path: Path
) -> None:
    """Presets naming one key twice (jawOpen / JAWOPEN) or a name map sending two keys to one
    are refused before anything changes: the previous bake keeps its action, users, values."""
    obj = face_with_keys()
    s = setup_bake(obj, tmp_path, deap_two_trials)
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    bpy.context.scene.frame_set(300)
    before = _scene_state(obj)
    assert before["action"] and before["users"] >= 1
    bad = json.loads(json.dumps(PRESETS))
    bad["emotions"]["fear"]["shape_keys"]["JAWOPEN"] = 0.5
    bad["emotions"]["fear"]["shape_keys"]["jawOpen"] = 0.2
    (tmp_path / "twice.json").write_text(json.dumps(bad))
    with pytest.raises(RuntimeError, match="JAWOPEN|jawOpen"):
        bpy.ops.evoke.load_presets(filepath=str(tmp_path / "twice.json"))
    assert bpy.ops.evoke.name_map_add() == {"FINISHED"}
    s.name_map[0].preset_key, s.name_map[0].mesh_key = "mouthSmileLeft", "mouthSmileRight"
    with pytest.raises(RuntimeError, match="both drive the shape key 'mouthSmileRight'"):
        bpy.ops.evoke.bake()
    bpy.context.scene.frame_set(300)
    assert _scene_state(obj) == before
    s.name_map.clear()


def test_nan_preset_weights_are_refused_at_load(installed: Path, tmp_path: Path) -> None:
    face_with_keys()
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(PRESETS).replace('"jawOpen": 0.7', '"jawOpen": NaN'))
    with pytest.raises(RuntimeError, match="NaN or infinite"):
        bpy.ops.evoke.load_presets(filepath=str(path))


def test_fifos_and_devices_are_refused_without_blocking(
    installed: Path, deap_two_trials: Path, tmp_path: Path
) -> None:
    import os
    import time

    model_cache = importlib.import_module(
        "bl_ext.user_default.evoke.evoke_blender.common.model_cache"
    )
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    obj = face_with_keys()
    s = setup_bake(obj, tmp_path, deap_two_trials)
    started = time.monotonic()
    assert "not a regular file" in model_cache.describe(str(fifo))  # the panel's model line
    s.model_path = str(fifo)
    with pytest.raises(RuntimeError, match="not a regular file"):
        bpy.ops.evoke.bake()
    s.model_path = ""
    with pytest.raises(RuntimeError, match="not a regular file"):
        bpy.ops.evoke.load_presets(filepath=str(fifo))
    s.source_path = "/dev/zero"
    with pytest.raises(RuntimeError):
        bpy.ops.evoke.bake()
    assert time.monotonic() - started < 10  # nothing waited for a writer or read without end
