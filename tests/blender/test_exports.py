"""Results out of Blender, in real Blender: the baked timeline exported as CSV and JSON (checked
against `python -m inference predict`, also after save and reopen), timeline markers where the
emotion changes (re-bake, user markers, failed bake, undo), and a glTF round trip of the baked
shape-key animation through Blender's own exporter and importer."""

from __future__ import annotations

import csv
import importlib
import io
import json
import math
import os
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bpy
import numpy as np
import pytest
from evoke_tools.paths import PRESETS_PATH, ROOT

from inference import PredictOptions, load_model, predict
from inference.emotion.smoothing import SmoothingSettings
from inference.emotion.timeline_export import COLUMNS
from inference.io.deap_files import read_recording

pytestmark = pytest.mark.slow  # Blender: bpy and the installed extension; not in test-quick

EXPORT_OPS = "bl_ext.user_default.evoke.evoke_blender.export.ops"


def cli_rows(path: Path, s: Any, *, trial: int, fmt: str = "--json") -> str:
    """`python -m inference predict` with the options the scene's bake used (the float32 values
    Blender holds, written out in full, so both sides decode with the same numbers)."""
    args = [
        "predict", str(path), "--trial", str(trial), fmt, "--hop", repr(s.common.hop), "--mode", s.smoothing.mode,
        "--tau", repr(s.smoothing.tau), "--hysteresis", repr(s.smoothing.hysteresis), "--dwell", repr(s.smoothing.dwell),
    ]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "inference", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def export(tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    assert bpy.ops.evoke.export_timeline(filepath=str(path)) == {"FINISHED"}
    return path.read_text(encoding="utf-8")


def test_timeline_exports_match_the_cli_and_survive_reopen(
    face: Any, deap_two_trials: Path, tmp_path: Path, setup_bake: Callable[..., Any]
) -> None:
    s = setup_bake(face, trial=2, mode="blend")
    assert not bpy.ops.evoke.export_timeline.poll()  # nothing baked yet: the button is off
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    assert bpy.ops.evoke.export_timeline.poll()
    exported_json, exported_csv = export(tmp_path, "a.json"), export(tmp_path, "a.csv")

    expected = json.loads(cli_rows(deap_two_trials, s, trial=2))
    assert len(expected) > 200 and {r["trial"] for r in expected} == {2}
    assert json.loads(exported_json) == expected  # same rows, same (rounded) numbers
    assert exported_csv == cli_rows(deap_two_trials, s, trial=2, fmt="--csv")  # one writer
    parsed = list(csv.DictReader(io.StringIO(exported_csv)))
    assert tuple(parsed[0]) == COLUMNS and len(parsed) == len(expected)
    for got, want in zip(parsed, expected, strict=True):
        assert int(got["trial"]) == want["trial"] and got["emotion"] == want["emotion"]
        assert got["valid"] == ("true" if want["valid"] else "false")
        for c in ("t", "valence", "arousal", "dominance", "confidence"):
            assert float(got[c]) == pytest.approx(want[c], abs=5e-5), c

    # the rows are what the face is keyed with (the properties hold the unrounded values)
    scene = bpy.context.scene
    fps = scene.render.fps / scene.render.fps_base
    for row in expected[::37]:
        frame = scene.frame_start + (row["t"] + 0.5) * fps
        scene.frame_set(int(frame), subframe=frame - int(frame))
        assert face["evoke_valence"] == pytest.approx(row["valence"], abs=5e-5)
        assert face["evoke_confidence"] == pytest.approx(row["confidence"], abs=5e-5)

    ops = importlib.import_module(EXPORT_OPS)
    assert ops.default_name(face) == "Sphere_s01_dat_trial_2.csv"
    with pytest.raises(RuntimeError, match=r"\.csv or \.json"):
        bpy.ops.evoke.export_timeline(filepath=str(tmp_path / "a.txt"))

    blend = tmp_path / "baked.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    bpy.ops.wm.read_homefile(use_empty=True)
    assert not bpy.ops.evoke.export_timeline.poll()
    bpy.ops.wm.open_mainfile(filepath=str(blend))
    assert bpy.ops.evoke.export_timeline.poll()
    assert export(tmp_path, "b.json") == exported_json
    assert export(tmp_path, "b.csv") == exported_csv


@pytest.mark.skipif(
    sys.platform != "linux", reason="a full disk is imitated by Linux's RLIMIT_FSIZE"
)
def test_a_full_disk_leaves_the_existing_exports_as_they_were(
    face: Any, tmp_path: Path, setup_bake: Callable[..., Any], full_disk: Callable[[int], Any]
) -> None:
    """Export Timeline (CSV, JSON) and Export glTF on a disk that fills up after 2 KB: each fails
    naming the file, and the file already there keeps every byte (it used to become a 4 KB
    partial CSV, an empty JSON, a partial .glb)."""
    setup_bake(face, trial=2, mode="blend")
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    olds = {
        name: f"the user's earlier {name}".encode() * 10 for name in ("a.csv", "a.json", "a.glb")
    }
    for name, data in olds.items():
        (tmp_path / name).write_bytes(data)
    bpy.ops.object.select_all(action="DESELECT")
    face.select_set(True)
    with full_disk(2048):
        for name in ("a.csv", "a.json"):
            with pytest.raises(RuntimeError, match=f"{name} already there is untouched") as err:
                bpy.ops.evoke.export_timeline(filepath=str(tmp_path / name))
            assert "the disk is full" in str(err.value), name
        with pytest.raises(RuntimeError, match="a.glb already there is untouched") as err:
            bpy.ops.evoke.export_gltf(filepath=str(tmp_path / "a.glb"))
    # the exporter's own traceback is read for its cause (it used to say 'the glTF exporter
    # stopped: Python: Traceback (most recent call last):')
    message = str(err.value).splitlines()[0]
    assert "the disk is full" in message and "Traceback" not in message, message
    for name, data in olds.items():
        assert (tmp_path / name).read_bytes() == data, name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*olds, "presets.json"])
    # with room again, each export replaces its file whole
    assert bpy.ops.evoke.export_timeline(filepath=str(tmp_path / "a.csv")) == {"FINISHED"}
    assert bpy.ops.evoke.export_gltf(filepath=str(tmp_path / "a.glb")) == {"FINISHED"}
    assert (tmp_path / "a.csv").stat().st_size > 2048 and glb_json(tmp_path / "a.glb")["animations"]


def test_a_live_recording_over_a_bake_retires_its_rows(
    face: Any, setup_bake: Callable[..., Any]
) -> None:
    """The live recording replaces the bake's animation: exporting the bake's rows would lie."""
    setup_bake(face)
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    assert bpy.ops.evoke.export_timeline.poll() and bpy.ops.evoke.export_gltf.poll()
    record = importlib.import_module("bl_ext.user_default.evoke.evoke_blender.live.record")
    live = record.LiveRecording(started=0.0)
    blocks = len(face.data.shape_keys.key_blocks)
    for now, emotion in ((0.5, 1), (1.0, 2)):
        live.add(now, np.full(blocks, 0.3), (0.4, 0.5, 0.6, 0.7), emotion)
    driven = np.arange(blocks) > 0
    names = tuple(json.loads(face["evoke_emotions"]))
    record.write_recording(
        face, [(face, slice(0, blocks))], live, driven, names, fps=24.0, frame_start=1
    )
    assert not bpy.ops.evoke.export_timeline.poll() and not bpy.ops.evoke.export_gltf.poll()


def quick_as_live(s: Any) -> Any:
    """A quick filter, as live: the synthetic trials change emotion often enough to have changes
    to mark and keys that move (the defaults, or hindsight, hold them on one emotion)."""
    (
        s.smoothing.switch_s,
        s.smoothing.evidence,
        s.smoothing.confidence,
        s.smoothing.dwell,
        s.bake.as_live,
    ) = 5.0, 3.0, 0.75, 0.5, True
    return s


def expected_markers(path: Path, s: Any, trial: int) -> list[tuple[int, str]]:
    """Computed here from the runtime: the first window, then each change of emotion, at the
    first whole frame at or after its key (window centre)."""
    model = load_model()
    smoothing = SmoothingSettings(tau_s=s.smoothing.tau, hysteresis=s.smoothing.hysteresis, min_dwell_s=s.smoothing.dwell,
                                  switch_s=s.smoothing.switch_s, evidence=s.smoothing.evidence,
                                  confidence=s.smoothing.confidence)  # fmt: skip
    options = PredictOptions(
        s.common.hop, s.smoothing.mode, smoothing, hindsight=not s.bake.as_live
    )
    tl = predict(read_recording(path, trial=trial), model, options).timelines[0]
    scene = bpy.context.scene
    fps = scene.render.fps / scene.render.fps_base
    found = []
    for i, e in enumerate(tl.emotion):
        if i == 0 or e != tl.emotion[i - 1]:
            frame = scene.frame_start + (tl.t[i] + model.features.window_s / 2) * fps
            found.append((math.ceil(frame - 1e-6), model.emotions.names[int(e)]))
    return found


def markers_now() -> list[tuple[int, str]]:
    return sorted((m.frame, m.name) for m in bpy.context.scene.timeline_markers)


USER = [(3, "my cue"), (40, "happiness")]  # the user's own, one named like an emotion


def test_markers_where_the_emotion_changes_replace_only_ours(
    face: Any, deap_two_trials: Path, setup_bake: Callable[..., Any]
) -> None:
    scene = bpy.context.scene
    for frame, name in USER:
        scene.timeline_markers.new(name, frame=frame)
    s = quick_as_live(setup_bake(face, trial=2, mode="discrete"))
    assert s.bake.timeline_markers  # on by default
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    ours2 = expected_markers(deap_two_trials, s, 2)
    assert len(ours2) >= 3  # the synthetic trial changes emotion
    assert markers_now() == sorted(USER + ours2)
    for frame, name in ours2:  # the face shows the marker's emotion from its frame on
        scene.frame_set(frame)
        names = json.loads(face["evoke_emotions"])
        assert names[face["evoke_emotion"]] == name
        if frame != ours2[0][0]:
            scene.frame_set(frame - 1)
            assert names[face["evoke_emotion"]] != name

    s.bake.trial = 1  # a re-bake replaces ours, keeps the user's
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    ours1 = expected_markers(deap_two_trials, s, 1)
    assert ours1 != ours2 and markers_now() == sorted(USER + ours1)

    s.bake.timeline_markers = False  # off: the previous bake's markers go, none come
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    assert markers_now() == sorted(USER)


def test_failed_bake_and_undo_leave_markers_and_rows_as_before(
    face: Any, deap_two_trials: Path, tmp_path: Path, setup_bake: Callable[..., Any]
) -> None:
    scene = bpy.context.scene
    scene.timeline_markers.new("my cue", frame=3)
    s = quick_as_live(setup_bake(face, trial=2, mode="discrete"))
    bpy.ops.ed.undo_push(message="before the bakes")
    assert bpy.ops.evoke.bake("EXEC_DEFAULT", True) == {"FINISHED"}  # True: an undo step, as
    after_first, rows_first = markers_now(), export(tmp_path, "first.json")
    assert len(after_first) > 2

    # fails inside the bake, after the prediction: two preset keys on one shape key
    row = s.presets.name_map.add()
    row.preset_key, row.mesh_key = "mouthSmileLeft", "jawOpen"
    s.bake.trial = 1
    with pytest.raises(RuntimeError, match="both drive the shape key"):
        bpy.ops.evoke.bake()
    assert markers_now() == after_first
    assert export(tmp_path, "failed.json") == rows_first

    s.presets.name_map.clear()
    assert bpy.ops.evoke.bake("EXEC_DEFAULT", True) == {"FINISHED"}  # from a button
    assert markers_now() != after_first
    assert export(tmp_path, "second.json") != rows_first
    assert bpy.ops.ed.undo() == {"FINISHED"}
    assert markers_now() == after_first  # undo brings the first bake's markers and rows back
    assert bpy.context.scene.evoke.bake.trial == 2
    assert export(tmp_path, "undone.json") == rows_first


def glb_json(path: Path) -> dict[str, Any]:
    """The JSON chunk of a binary glTF (header, then chunk length and type, then the JSON)."""
    data = path.read_bytes()
    length, kind = struct.unpack_from("<II", data, 12)
    assert data[:4] == b"glTF" and kind == 0x4E4F534A  # "JSON"
    document: dict[str, Any] = json.loads(data[20 : 20 + length])
    return document


def shape_key_values(key: Any, names: tuple[str, ...], frames: list[int]) -> np.ndarray:
    scene = bpy.context.scene
    values = []
    for frame in frames:
        scene.frame_set(frame)
        values.append([key.key_blocks[n].value for n in names])
    return np.array(values)


def animated_keys(key: Any, animated_paths: Callable[[Any], set[str]]) -> set[str]:
    return {p.split('"')[1] for p in animated_paths(key) if p.startswith("key_blocks[")}


GLTF_TOLERANCE = 1e-4  # float32 in the file, sampled at every frame: exact at whole frames


def test_gltf_round_trip_keeps_the_shape_key_animation(
    face: Any,
    tmp_path: Path,
    setup_bake: Callable[..., Any],
    face_keys: tuple[str, ...],
    animated_paths: Callable[[Any], set[str]],
) -> None:
    s = quick_as_live(setup_bake(face, trial=2, mode="blend"))
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    s.bake.trial = 1  # a re-bake leaves the first bake's actions behind, unassigned
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    scene = bpy.context.scene
    fps, frames = scene.render.fps, list(range(scene.frame_start, scene.frame_end + 1, 5))
    baked = shape_key_values(face.data.shape_keys, face_keys, frames)
    assert np.ptp(baked, axis=0).min() > 0.01  # every key moves over the trial
    assert animated_keys(face.data.shape_keys, animated_paths) == set(face_keys)

    path = tmp_path / "face.glb"
    bpy.ops.object.select_all(action="DESELECT")
    face.select_set(True)
    result = bpy.ops.export_scene.gltf(filepath=str(path), use_selection=True)
    assert result == {"FINISHED"}
    document = glb_json(path)
    (animation,) = document["animations"]  # the assigned bake only, not the replaced one
    assert {c["target"]["path"] for c in animation["channels"]} == {"weights"}

    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.context.scene.render.fps = fps
    assert bpy.ops.import_scene.gltf(filepath=str(path)) == {"FINISHED"}
    (mesh,) = [o for o in bpy.data.objects if o.type == "MESH"]
    key = mesh.data.shape_keys
    assert key.animation_data is not None and key.animation_data.action is not None
    assert animated_keys(key, animated_paths) == set(face_keys)
    again = shape_key_values(key, face_keys, frames)
    np.testing.assert_allclose(again, baked, atol=GLTF_TOLERANCE)


def bone_rotations(rig: Any, bones: list[str], frames: list[int]) -> list[list[Any]]:
    scene = bpy.context.scene
    rotations = []
    for frame in frames:
        scene.frame_set(frame)
        rotations.append([rig.pose.bones[b].matrix_basis.to_quaternion() for b in bones])
    return rotations


def rig(face: Any) -> Any:
    """An armature with a chain of the bones the bundled presets turn (head, neck), deforming
    the face: the shape of a rigged avatar, built here so only the bake is under test."""
    bones = sorted({b for e in json.loads(PRESETS_PATH.read_text())["emotions"].values()
                    for b in e.get("bones", {})})  # fmt: skip
    rig = bpy.data.objects.new("Rig", bpy.data.armatures.new("Rig"))
    bpy.context.scene.collection.objects.link(rig)
    bpy.context.view_layer.objects.active = rig
    bpy.ops.object.mode_set(mode="EDIT")
    parent = None
    for i, name in enumerate(bones):
        bone = rig.data.edit_bones.new(name)
        bone.head, bone.tail, bone.parent = (0, 0, 1 + 0.4 * i), (0, 0, 1.4 + 0.4 * i), parent
        parent = bone
    bpy.ops.object.mode_set(mode="OBJECT")
    face.parent = rig
    face.modifiers.new("Armature", "ARMATURE").object = rig
    face.vertex_groups.new(name=bones[-1]).add(list(range(len(face.data.vertices))), 1.0, "REPLACE")
    return rig


def test_gltf_export_of_a_rebaked_rigged_face_is_one_animation_of_this_bake(
    face: Any, tmp_path: Path, setup_bake: Callable[..., Any], face_keys: tuple[str, ...],
    animated_paths: Callable[[Any], set[str]],
) -> None:  # fmt: skip
    scene, skeleton = bpy.context.scene, rig(face)
    scene.camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    scene.collection.objects.link(scene.camera)
    s = setup_bake(face, trial=1, mode="blend")
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    s.bake.trial = 2  # the first bake's actions stay in the file, unassigned, until it is reopened
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    keys, fps = face_keys, scene.render.fps
    bones = sorted({p.split('"')[1] for p in animated_paths(skeleton)})
    assert len(bones) >= 2  # the bundled presets turn the head and the neck
    frames = list(range(scene.frame_start, scene.frame_end + 1, 9))
    baked = shape_key_values(face.data.shape_keys, keys, frames)
    posed = bone_rotations(skeleton, bones, frames)

    import addon_utils  # Blender's own module: importable once bpy is loaded

    addon_utils.disable("io_scene_gltf2")  # a user turned the exporter off: the button enables it
    assert not addon_utils.check("io_scene_gltf2")[1]
    camera = scene.camera  # the user's selection is left as it was
    bpy.ops.object.select_all(action="DESELECT")
    camera.select_set(True)
    bpy.context.view_layer.objects.active = camera
    path = tmp_path / "avatar.glb"
    assert bpy.ops.evoke.export_gltf(filepath=str(path)) == {"FINISHED"}
    assert [o.name for o in bpy.context.selected_objects] == [camera.name]
    assert bpy.context.view_layer.objects.active == camera

    document = glb_json(path)
    (animation,) = document["animations"]  # face and head together, the earlier bake not at all
    assert animation["name"] == "EVOKE s01.dat trial 2"
    nodes = document["nodes"]
    targets = {
        (nodes[c["target"]["node"]]["name"], c["target"]["path"]) for c in animation["channels"]
    }
    assert (face.name, "weights") in targets and {(b, "rotation") for b in bones} <= targets
    assert camera.name not in {n["name"] for n in nodes}  # the avatar only

    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.context.scene.render.fps = fps
    assert bpy.ops.import_scene.gltf(filepath=str(path)) == {"FINISHED"}
    (mesh,) = [
        o for o in bpy.data.objects
        if o.type == "MESH" and o.data.shape_keys and set(keys) <= set(o.data.shape_keys.key_blocks.keys())
    ]  # fmt: skip
    (arm,) = [o for o in bpy.data.objects if o.type == "ARMATURE"]
    assert animated_keys(mesh.data.shape_keys, animated_paths) >= set(keys)
    np.testing.assert_allclose(
        shape_key_values(mesh.data.shape_keys, keys, frames), baked, atol=GLTF_TOLERANCE
    )
    for want, got in zip(posed, bone_rotations(arm, bones, frames), strict=True):
        for bone, a, b in zip(bones, want, got, strict=True):
            assert a.rotation_difference(b).angle < GLTF_TOLERANCE, bone
