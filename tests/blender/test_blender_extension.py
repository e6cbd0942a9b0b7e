"""The extension in real Blender (the bpy module): built with Blender's tool, installed the
official way, registered and unregistered cleanly, baking through its operators, checked against
the runtime's own output. Rendering and presets: test_blender_presets_render.py."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bpy
import numpy as np
import pytest
from evoke_tools.paths import PRESETS_PATH

from inference import BaselineChoice, PredictOptions, load_model, predict
from inference.emotion.smoothing import SmoothingSettings
from inference.face.easing import EASE_S
from inference.io.deap_files import read_recording

pytestmark = pytest.mark.slow  # Blender: bpy and the installed extension; not in test-quick

MODULE = "bl_ext.user_default.evoke"


def test_installed_extension_registers_everything(installed: Path) -> None:
    assert MODULE in bpy.context.preferences.addons
    assert hasattr(bpy.ops.evoke, "bake") and hasattr(bpy.ops.evoke, "add_avatar")
    assert hasattr(bpy.types.Scene, "evoke")
    assert hasattr(bpy.types, "EVOKE_PT_main")
    # the readers' and live mode's libraries came inside the zip, and Blender unpacked them
    import os
    import zipfile

    names = zipfile.ZipFile(installed).namelist()
    wheels = {"pylsl": "pylsl", "pyxdf": "pyxdf", "edfio": "edfio", "python_osc": "pythonosc"}
    for wheel, package in wheels.items():  # the wheel's name, the package it unpacks
        assert any(n.startswith("wheels/") and f"/{wheel}-" in n for n in names), wheel
        site = Path(os.environ["BLENDER_USER_RESOURCES"], "extensions", ".local", "lib")
        assert list(site.glob(f"python3.*/site-packages/{package}")), package


def registered_names() -> set[str]:
    return {n for n in dir(bpy.types) if n.startswith("EVOKE_")}


def test_disable_enable_three_times_leaves_nothing_behind(installed: Path) -> None:
    import addon_utils  # Blender's own module: importable only once bpy is loaded

    expected = registered_names()
    assert len(expected) >= 10
    kinds = ("frame_change_post", "load_post", "depsgraph_update_post")

    def ours() -> dict[str, int]:  # handlers of the extension's own modules (OSC playback)
        return {k: sum(MODULE in getattr(h, "__module__", "") for h in getattr(bpy.app.handlers, k))
                for k in kinds}  # fmt: skip

    def others() -> dict[str, int]:
        return {k: len(getattr(bpy.app.handlers, k)) - ours()[k] for k in kinds}

    enabled, before = ours(), others()
    assert enabled["frame_change_post"] == 1
    for _ in range(3):
        addon_utils.disable(MODULE, default_set=True)
        assert registered_names() == set()
        assert not hasattr(bpy.types.Scene, "evoke")
        assert ours() == dict.fromkeys(kinds, 0) and others() == before
        addon_utils.enable(MODULE, default_set=True)
        assert registered_names() == expected and ours() == enabled
    assert hasattr(bpy.types.Scene, "evoke")


def test_bake_puts_the_runtime_output_on_the_shape_keys(
    face: Any,
    deap_two_trials: Path,
    setup_bake: Callable[..., Any],
    face_keys: tuple[str, ...],
    bake_presets: dict[str, Any],
) -> None:
    s = setup_bake(face)
    assert bpy.ops.evoke.bake() == {"FINISHED"}

    # The runtime, run independently here, says what every keyframe must hold.
    model = load_model()
    smoothing = SmoothingSettings(
        tau_s=s.smoothing.tau, hysteresis=s.smoothing.hysteresis, min_dwell_s=s.smoothing.dwell
    )
    pred = predict(
        read_recording(deap_two_trials, trial=2),
        model,
        PredictOptions(0.25, "blend", smoothing, hindsight=True),
    )
    tl = pred.timelines[0]
    names = list(model.emotions.names)
    scene = bpy.context.scene
    fps = scene.render.fps / scene.render.fps_base
    assert scene.frame_end >= 1 + int(60 * fps)
    blocks = face.data.shape_keys.key_blocks
    for i in (0, 17, 100, len(tl.t) - 1):
        frame = 1 + (tl.t[i] + 0.5) * fps
        scene.frame_set(int(frame), subframe=frame - int(frame))
        for key in face_keys:
            expected = sum(
                tl.weights[i, e] * bake_presets["emotions"][n]["shape_keys"].get(key, 0.0)
                for e, n in enumerate(names)
            )
            assert blocks[key].value == pytest.approx(expected, abs=1e-4), (key, i)
        assert face["evoke_valence"] == pytest.approx(tl.probs[i, 0], abs=1e-4)
        assert face["evoke_emotion"] == tl.emotion[i]
    # the emotion index holds between keys (constant interpolation), never an in-between value
    scene.frame_set(int(1 + (tl.t[5] + 0.5) * fps) + 2)
    assert face["evoke_emotion"] in set(tl.emotion.tolist())


def test_missing_keys_are_reported_and_the_rest_still_animate(
    face: Any,
    setup_bake: Callable[..., Any],
    animated_paths: Callable[[Any], set[str]],
    face_keys: tuple[str, ...],
) -> None:
    setup_bake(face, trial=1)
    assert bpy.ops.evoke.bake() == {"FINISHED"}  # warning, not failure
    from bpy_extras import anim_utils  # noqa: F401  (present in 4.4+, used by the extension)

    paths = animated_paths(face.data.shape_keys)
    assert {f'key_blocks["{k}"].value' for k in face_keys} <= paths
    assert not any("missingKey" in p for p in paths)


def test_bad_inputs_give_clear_errors(
    face: Any, deap_two_trials: Path, tmp_path: Path, setup_bake: Callable[..., Any]
) -> None:
    s = setup_bake(face)
    txt = tmp_path / "notes.txt"
    txt.write_text("not eeg")
    s.bake.source_path = str(txt)
    with pytest.raises(RuntimeError, match="unsupported"):
        bpy.ops.evoke.bake()
    s.bake.source_path = str(deap_two_trials)
    s.bake.trial = 9
    with pytest.raises(RuntimeError, match="trial 9 is out of range"):
        bpy.ops.evoke.bake()
    bpy.ops.mesh.primitive_cube_add()
    s.common.target = bpy.context.active_object
    with pytest.raises(RuntimeError, match="no mesh with shape keys"):
        bpy.ops.evoke.bake()
    assert face.data.shape_keys.animation_data is None  # nothing half-written


def test_a_face_linked_from_another_file_is_refused_and_the_scene_kept(
    face: Any, tmp_path: Path, setup_bake: Callable[..., Any]
) -> None:
    """Blender keeps no edit to linked data: a bake, a preview or a live session on a face linked
    from a library would seem to work and leave nothing. Each is refused, naming the library,
    and the scene stays as it was."""
    library = tmp_path / "avatar_library.blend"
    face.name = "LinkedFace"
    # Blender 5 adds keys at 1, 4.x at 0: neutral in every Blender, so a preview would show
    for key in face.data.shape_keys.key_blocks:
        key.value = 0.0
    bpy.data.libraries.write(str(library), {face})
    bpy.ops.wm.read_homefile(use_empty=True)
    with bpy.data.libraries.load(str(library), link=True) as (source, target):
        target.objects = ["LinkedFace"]
    linked = target.objects[0]
    bpy.context.scene.collection.objects.link(linked)
    assert linked.library is not None and linked.data.shape_keys.library is not None
    s = setup_bake(linked)
    actions_before, keys_before = len(bpy.data.actions), set(linked.keys())
    with pytest.raises(RuntimeError, match="linked from .*avatar_library.blend.*Make Local"):
        bpy.ops.evoke.bake()
    s.presets.preset_emotion = "happiness"
    with pytest.raises(RuntimeError, match="linked from"):
        bpy.ops.evoke.preview_preset()
    assert len(bpy.data.actions) == actions_before
    assert linked.data.shape_keys.animation_data is None
    assert all(k.value == 0 for k in linked.data.shape_keys.key_blocks)
    assert set(linked.keys()) == keys_before  # no emotion state written on it either


def test_model_with_other_features_is_refused(
    face: Any, tmp_path: Path, setup_bake: Callable[..., Any]
) -> None:
    from inference.dsp.features import FeatureSettings
    from inference.model.model_file import save_model
    from inference.model.untrained import untrained_metadata, untrained_weights

    s = setup_bake(face)
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"not a model")
    s.common.model_path = str(bad)
    with pytest.raises(RuntimeError, match="broken.npz"):
        bpy.ops.evoke.bake()
    psd = save_model(
        tmp_path / "psd.npz", untrained_weights(), untrained_metadata(FeatureSettings(kind="psd"))
    )
    s.common.model_path = str(psd)
    assert bpy.ops.evoke.bake() == {"FINISHED"}  # a PSD model computes PSD features itself
    s.common.model_path = ""


def test_save_and_reopen_keeps_the_animation(
    face: Any, deap_two_trials: Path, tmp_path: Path, setup_bake: Callable[..., Any]
) -> None:
    setup_bake(face)
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    scene = bpy.context.scene
    scene.frame_set(400)
    before = np.array([k.value for k in face.data.shape_keys.key_blocks[1:]])
    valence = face["evoke_valence"]
    name = face.name
    path = tmp_path / "baked.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.ops.wm.open_mainfile(filepath=str(path))
    scene = bpy.context.scene
    face = bpy.data.objects[name]
    scene.frame_set(400)
    after = np.array([k.value for k in face.data.shape_keys.key_blocks[1:]])
    np.testing.assert_allclose(after, before, atol=1e-6)
    assert face["evoke_valence"] == pytest.approx(valence)
    assert scene.evoke.bake.source_path == str(deap_two_trials)


def test_add_avatar_then_bake_with_the_bundled_presets(
    installed: Path, deap_two_trials: Path
) -> None:
    bpy.ops.wm.read_homefile(use_empty=True)
    assert bpy.ops.evoke.add_avatar() == {"FINISHED"}
    s = bpy.context.scene.evoke
    face = s.common.target
    assert face is not None and face.data.shape_keys is not None
    assert bpy.context.scene.camera is not None
    s.bake.source_path, s.bake.trial, s.common.hop, s.smoothing.mode = (
        str(deap_two_trials),
        1,
        0.25,
        "blend",
    )
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    presets = json.loads(PRESETS_PATH.read_text())
    model = load_model()
    smoothing = SmoothingSettings(
        tau_s=s.smoothing.tau, hysteresis=s.smoothing.hysteresis, min_dwell_s=s.smoothing.dwell
    )
    tl = predict(
        read_recording(deap_two_trials, trial=1),
        model,
        PredictOptions(0.25, "blend", smoothing, hindsight=True),
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


def test_fifos_and_devices_are_refused_without_blocking(
    face: Any, tmp_path: Path, setup_bake: Callable[..., Any]
) -> None:
    import os
    import signal

    model_cache = importlib.import_module(
        "bl_ext.user_default.evoke.evoke_blender.common.model_cache"
    )
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    s = setup_bake(face)

    def blocked(*_: Any) -> None:
        raise TimeoutError("blocked: waited for a writer or read without end")

    # Refused by what each file is, before any open (opening a FIFO waits for a writer, /dev/zero
    # never ends): each message says so. No wall-clock budget (a loaded machine stretches it);
    # only a guard that turns a hang into a failure instead of a stuck run.
    handler = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(300)
    try:
        assert "not a regular file" in model_cache.describe(str(fifo))  # the panel's model line
        s.common.model_path = str(fifo)
        with pytest.raises(RuntimeError, match="not a regular file"):
            bpy.ops.evoke.bake()
        s.common.model_path = ""
        with pytest.raises(RuntimeError, match="not a regular file"):
            bpy.ops.evoke.load_presets(filepath=str(fifo))
        s.bake.source_path = "/dev/zero"
        with pytest.raises(RuntimeError) as err:
            bpy.ops.evoke.bake()
        assert "/dev/zero" in str(err.value) and "blocked" not in str(err.value)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, handler)


def test_a_discrete_bake_eases_into_each_change(
    face: Any,
    deap_two_trials: Path,
    setup_bake: Callable[..., Any],
    face_keys: tuple[str, ...],
    bake_presets: dict[str, Any],
    animated_paths: Callable[[Any], set[str]],
) -> None:
    """One emotion at a time: the face holds still between changes and moves into each over
    EASE_S, as smoothstep (half way at the change, all the way EASE_S / 2 after it)."""
    s = setup_bake(face, trial=2, mode="discrete")
    # a quick filter, as live: changes to ease into (with hindsight, or the defaults, this
    # synthetic trial holds one emotion throughout)
    (
        s.smoothing.switch_s,
        s.smoothing.evidence,
        s.smoothing.confidence,
        s.smoothing.dwell,
        s.bake.as_live,
    ) = 5.0, 3.0, 0.75, 0.5, True
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    model = load_model()
    quick = SmoothingSettings(switch_s=5.0, evidence=3.0, confidence=0.75, min_dwell_s=0.5)
    options = PredictOptions(0.25, "discrete", quick, BaselineChoice())
    tl = predict(read_recording(deap_two_trials, trial=2), model, options).timelines[0]
    names = list(model.emotions.names)
    scene = bpy.context.scene
    fps = scene.render.fps / scene.render.fps_base
    blocks = face.data.shape_keys.key_blocks

    def face_at(seconds: float) -> np.ndarray:
        frame = 1 + seconds * fps
        scene.frame_set(int(frame), subframe=frame - int(frame))
        return np.array([blocks[k].value for k in face_keys])

    def preset(e: int) -> np.ndarray:
        weights = bake_presets["emotions"][names[e]]["shape_keys"]
        return np.array([weights.get(k, 0.0) for k in face_keys])

    changes = np.flatnonzero(np.diff(tl.emotion)) + 1
    gaps = np.diff(tl.t[changes])
    spaced = [c for k, c in enumerate(changes)  # changes with no other within an ease
              if (k == 0 or gaps[k - 1] > EASE_S) and (k == len(gaps) or gaps[k] > EASE_S)]  # fmt: skip
    assert len(spaced) >= 2, tl.emotion  # the synthetic trial changes emotion
    for c in spaced:
        at = tl.t[c] + 0.5  # the window's centre
        old, new = preset(int(tl.emotion[c - 1])), preset(int(tl.emotion[c]))
        np.testing.assert_allclose(face_at(at - EASE_S / 2), old, atol=1e-4)
        np.testing.assert_allclose(face_at(at), (old + new) / 2, atol=1e-4)
        np.testing.assert_allclose(face_at(at - EASE_S / 4), old + (new - old) * 0.15625, atol=1e-4)
        np.testing.assert_allclose(face_at(at + EASE_S / 2), new, atol=1e-4)
    # keys only where the face moves: two a change, plus the ends
    from bpy_extras import anim_utils  # noqa: F401

    anim_compat = importlib.import_module(f"{MODULE}.evoke_blender.common.anim_compat")
    curves = {fc.data_path: fc for fc in anim_compat.fcurves_of(face.data.shape_keys)}
    points = curves['key_blocks["browInnerUp"].value'].keyframe_points
    assert len(points) <= 2 * len(changes) + 2 < len(tl.t)
    assert {p.handle_left_type for p in points} == {"FREE"}


def test_the_panels_baseline_and_smoother_reach_the_bake(
    face: Any, deap_two_trials: Path, setup_bake: Callable[..., Any]
) -> None:
    """Session baseline and the moving-average smoother, chosen in the panel, give what the
    runtime gives with the same options; the notes name the baseline."""
    s = setup_bake(face, trial=2, mode="blend")
    s.bake.baseline, s.smoothing.smoother, s.smoothing.tau, s.smoothing.hysteresis = (
        "session",
        "ema",
        2.0,
        0.15,
    )
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    smoothing = SmoothingSettings(
        tau_s=2.0, hysteresis=0.15, min_dwell_s=s.smoothing.dwell, method="ema"
    )
    options = PredictOptions(0.25, "blend", smoothing, BaselineChoice("session"))
    tl = predict(read_recording(deap_two_trials, trial=2), load_model(), options).timelines[0]
    scene = bpy.context.scene
    fps = scene.render.fps / scene.render.fps_base
    for i in (3, 60, len(tl.t) - 2):
        frame = 1 + (tl.t[i] + 0.5) * fps
        scene.frame_set(int(frame), subframe=frame - int(frame))
        assert face["evoke_valence"] == pytest.approx(tl.probs[i, 0], abs=1e-4)
    default = predict(read_recording(deap_two_trials, trial=2), load_model(),
                      PredictOptions(0.25, "blend")).timelines[0]  # fmt: skip
    assert not np.allclose(default.probs, tl.probs)  # the options changed something
    s.bake.baseline, s.common.calibration = (
        "first",
        10.0,
    )  # DEAP's file is trials back to back: refused
    with pytest.raises(RuntimeError, match="a baseline must be rest"):
        bpy.ops.evoke.bake()
