"""Render Clip in real Blender through the installed extension: the clip decodes with the expected
frames and shows the overlay while it renders, and afterwards the scene is exactly as it was
(every render, display and engine setting, the frame range, the world, the datablocks), also
when the render fails."""

from __future__ import annotations

import importlib
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bpy
import pytest
from evoke_tools.paths import ROOT
from mathutils import Vector  # importable once bpy is

pytestmark = pytest.mark.slow  # Blender: bpy and the installed extension; not in test-quick

CLIP_MODULE = "bl_ext.user_default.evoke.evoke_blender.render.clip"
DATA_KINDS = (
    "objects",
    "collections",
    "meshes",
    "curves",
    "materials",
    "actions",
    "worlds",
    "fonts",
)


def _rna_dump(struct: Any, depth: int = 3, seen: frozenset[int] = frozenset()) -> dict[str, Any]:
    """Every readable property of a struct, following pointers `depth` levels (not collections):
    wider than what the extension snapshots, so a setting it forgets to put back shows here."""
    out: dict[str, Any] = {}
    if struct is None or struct.as_pointer() in seen:
        return out
    seen = seen | {struct.as_pointer()}
    for prop in struct.bl_rna.properties:
        name = prop.identifier
        if name == "rna_type" or prop.type == "COLLECTION":
            continue
        try:
            value = getattr(struct, name)
        except (AttributeError, RuntimeError):
            continue
        if prop.type == "POINTER":
            if value is not None and isinstance(value, bpy.types.ID):
                out[name] = f"ID:{value.name}"
            elif depth > 0 and value is not None:
                out[name] = _rna_dump(value, depth - 1, seen)
        elif getattr(prop, "is_array", False):
            out[name] = [round(v, 6) if isinstance(v, float) else v for v in value]
        else:
            out[name] = round(value, 6) if isinstance(value, float) else value
    return out


def _scene_state(scene: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        path: _rna_dump(getattr(scene, path), depth=3)
        for path in ("render", "display", "cycles", "eevee", "view_settings")
        if getattr(scene, path, None) is not None
    }
    state["frames"] = (scene.frame_start, scene.frame_end, scene.frame_current)
    state["world"] = scene.world.name if scene.world else None
    state["data"] = {kind: sorted(b.name for b in getattr(bpy.data, kind)) for kind in DATA_KINDS}
    state["modifiers"] = {
        (o.name, m.name): m.render_levels
        for o in scene.objects
        for m in o.modifiers
        if m.type == "SUBSURF"
    }
    return state


@pytest.fixture
def baked_scene(face: Any, setup_bake: Callable[..., Any]) -> Any:
    """The test face baked, a camera, a subdivided face, and render settings of the user's own."""
    bpy.ops.object.camera_add(location=(0, -6, 0), rotation=(1.5708, 0, 0))
    scene = bpy.context.scene
    scene.camera = bpy.context.active_object
    face.modifiers.new("Subdivision", "SUBSURF").render_levels = 3
    s = setup_bake(face)
    assert bpy.ops.evoke.bake() == {"FINISHED"}
    s.render.resolution, s.render.engine = 120, "WORKBENCH"
    scene.render.fps = 12
    scene.render.resolution_x, scene.render.resolution_y = 1234, 567  # the user's, not ours
    scene.render.engine = "CYCLES"
    scene.render.filepath = "//my_renders/"
    scene.world = None
    scene.frame_set(7)
    return scene


def test_render_clip_decodes_and_leaves_the_scene_as_it_was(
    baked_scene: Any, tmp_path: Path
) -> None:
    before = _scene_state(baked_scene)
    seen_while_rendering: list[set[str]] = []

    def look(*_args: Any) -> None:
        overlay = bpy.data.collections.get("EVOKE Overlay")
        seen_while_rendering.append({o.name for o in overlay.objects} if overlay else set())

    bpy.app.handlers.render_post.append(look)
    try:
        clip = tmp_path / "clip.mp4"
        assert bpy.ops.evoke.render_clip(filepath=str(clip), seconds=1.0) == {"FINISHED"}
    finally:
        bpy.app.handlers.render_post.remove(look)
    movie = bpy.data.movieclips.load(str(clip))  # decoded by Blender's own FFmpeg
    assert movie.frame_duration == 12 and tuple(movie.size) == (160, 120)
    bpy.data.movieclips.remove(movie)
    assert not list(tmp_path.glob(".evoke-*"))  # no staging folder left
    # the completeness check that guards the move: this clip passes, any cut of it fails
    mp4_complete = importlib.import_module(CLIP_MODULE).mp4_complete
    data = clip.read_bytes()
    assert mp4_complete(clip)
    for keep in (len(data) // 3, len(data) - 1):
        cut = tmp_path / f"cut{keep}.mp4"
        cut.write_bytes(data[:keep])
        assert not mp4_complete(cut), keep
    assert len(seen_while_rendering) == 12  # one per frame: the overlay was there for each
    assert all({"EVOKE label fear", "EVOKE bar V"} <= names for names in seen_while_rendering)
    after = _scene_state(baked_scene)
    assert after == before


def test_a_failed_render_leaves_the_scene_as_it_was(baked_scene: Any, tmp_path: Path) -> None:
    before = _scene_state(baked_scene)
    blocked = tmp_path / "clip.mp4"
    blocked.mkdir()  # FFmpeg cannot open a folder for writing
    with pytest.raises(RuntimeError):
        bpy.ops.evoke.render_clip(filepath=str(blocked), seconds=1.0)
    assert _scene_state(baked_scene) == before


def test_a_folder_that_cannot_be_written_is_named_and_the_old_clip_stays(
    baked_scene: Any, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "renders"
    not_a_folder.write_text("a file where the folder should be")
    with pytest.raises(RuntimeError) as err:
        bpy.ops.evoke.render_clip(filepath=str(not_a_folder / "clip.mp4"), seconds=0.5)
    message = str(err.value)
    assert f"cannot write the clip to {not_a_folder}" in message and "unexpected" not in message
    if Path("/proc").is_dir():  # a folder that exists and takes no file (Linux): it says so
        with pytest.raises(RuntimeError) as err:
            bpy.ops.evoke.render_clip(filepath="/proc/evoke.mp4", seconds=0.5)
        message = str(err.value)
        assert "cannot write the clip to /proc: the folder is not writable" in message, message
        assert "No such file" not in message
    old = tmp_path / "old.mp4"
    old.write_bytes(b"the user's earlier clip")
    before = _scene_state(baked_scene)

    def lose_the_output(scene: Any, *_args: Any) -> None:
        """The file being written vanishes mid-render (as on a full or unplugged disk)."""
        if scene.frame_current > scene.frame_start:
            for stage in tmp_path.glob(".evoke-*"):
                shutil.rmtree(stage)

    bpy.app.handlers.render_pre.append(lose_the_output)
    try:
        with pytest.raises(RuntimeError, match="old.mp4 already there is untouched"):
            bpy.ops.evoke.render_clip(filepath=str(old), seconds=0.5)
    finally:
        bpy.app.handlers.render_pre.remove(lose_the_output)
    assert old.read_bytes() == b"the user's earlier clip"
    assert not list(tmp_path.glob(".evoke-*")) and not list(tmp_path.glob("*.mp4.*"))
    assert _scene_state(baked_scene) == before


@pytest.mark.skipif(
    sys.platform != "linux", reason="a full disk is imitated by Linux's RLIMIT_FSIZE"
)
def test_a_full_disk_fails_the_render_and_keeps_the_old_clip(
    baked_scene: Any, tmp_path: Path, full_disk: Callable[[int], Any]
) -> None:
    """FFmpeg meets a disk that fills up half-way through the clip: the render fails naming
    the clip, the old clip keeps every byte, no partial file is left, the scene is as it was (it
    used to report 'Rendered 72 frames' over a truncated MP4 with no index)."""
    whole = tmp_path / "whole.mp4"
    assert bpy.ops.evoke.render_clip(filepath=str(whole), seconds=1.0) == {"FINISHED"}
    room = whole.stat().st_size // 2
    old = tmp_path / "clip.mp4"
    old.write_bytes(b"the user's earlier clip" * 20)
    before = _scene_state(baked_scene)
    with full_disk(room), pytest.raises(RuntimeError, match="clip.mp4 already there is untouched"):
        bpy.ops.evoke.render_clip(filepath=str(old), seconds=1.0)
    assert old.read_bytes() == b"the user's earlier clip" * 20
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "presets.json", "whole.mp4"]
    assert _scene_state(baked_scene) == before


def test_unsaved_file_clip_goes_home_and_says_so(
    baked_scene: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: Any
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert not bpy.data.filepath and baked_scene.evoke.render.clip_path.startswith("//")
    assert bpy.ops.evoke.render_clip(seconds=0.25) == {"FINISHED"}
    written = tmp_path / baked_scene.evoke.render.clip_path[2:]
    assert importlib.import_module(CLIP_MODULE).mp4_complete(written)
    assert f"the clip went to {tmp_path}" in capfd.readouterr().out


def test_a_cancelled_job_restores_and_says_so(baked_scene: Any, tmp_path: Path) -> None:
    """The interface's path: Blender's render job ends early (Esc). The job sees it on its next
    poll, whatever the frames rendered, and puts everything back."""
    job_module = importlib.import_module("bl_ext.user_default.evoke.evoke_blender.render.job")
    clip = importlib.import_module(CLIP_MODULE)
    before = _scene_state(baked_scene)
    job = job_module.ClipJob.begin(baked_scene)
    clip.configure_output(baked_scene, str(tmp_path / "c.mp4"), "WORKBENCH", 120)
    clip.build_overlay(baked_scene, baked_scene.camera, baked_scene.evoke.common.target, ["a"] * 8)
    clip.prepare_clip(baked_scene, str(tmp_path / "c.mp4"), "WORKBENCH", 120, frame_end=30)
    job.start(baked_scene.frame_end - baked_scene.frame_start + 1)
    assert job.poll(True) == "running" and _scene_state(baked_scene) != before
    assert job.poll(False) == "cancelled"  # the job ended with no frame rendered
    assert _scene_state(baked_scene) == before
    assert job._frame_done not in bpy.app.handlers.render_post  # no handler left behind


def test_overlay_sits_inside_the_frame(baked_scene: Any, tmp_path: Path) -> None:
    clip = importlib.import_module(CLIP_MODULE)
    scene, face = baked_scene, baked_scene.evoke.common.target
    clip.configure_output(scene, str(tmp_path / "c.mp4"), "WORKBENCH", 120)
    names = [f"e{k}" for k in range(8)]
    overlay = clip.build_overlay(scene, scene.camera, face, names)
    from bpy_extras.object_utils import world_to_camera_view

    scene.frame_set(scene.frame_start)
    assert {"EVOKE label e0", "EVOKE bar V", "EVOKE bar A", "EVOKE bar D"} <= {
        o.name for o in overlay.objects
    }
    for obj in overlay.objects:
        for corner in obj.bound_box:
            x, y, _ = world_to_camera_view(scene, scene.camera, obj.matrix_world @ Vector(corner))
            assert -1e-3 <= x <= 1.001 and -1e-3 <= y <= 1.001, obj.name


def test_render_without_a_bake_is_refused(face: Any) -> None:
    bpy.context.scene.evoke.common.target = face
    before = _scene_state(bpy.context.scene)
    with pytest.raises(RuntimeError, match="Bake a recording"):
        bpy.ops.evoke.render_clip(filepath="/tmp/never.mp4")
    assert _scene_state(bpy.context.scene) == before


def test_headless_without_egl_falls_back_to_cycles(deap_two_trials: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "__EGL_VENDOR_LIBRARY_FILENAMES": str(tmp_path / "none.json"),
        "EGL_PLATFORM": "none",
    }
    env["BLENDER_USER_RESOURCES"] = str(tmp_path / "user")
    (tmp_path / "tmp").mkdir()
    env["TMPDIR"] = str(tmp_path / "tmp")  # the script's temp dir: left empty at its end
    clip = tmp_path / "noegl.mp4"
    cmd = [sys.executable, str(ROOT / "scripts" / "evoke.py"), "render_demo", str(deap_two_trials), "--trial", "1",
           "--seconds", "0.25", "--height", "96", "--out", str(clip)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "rendered with Cycles instead" in done.stdout + done.stderr
    assert "Append frame" not in done.stdout  # one progress bar, not a line per frame
    assert bpy.data.movieclips.load(str(clip)).frame_duration == 6
    assert not list((tmp_path / "tmp").iterdir())  # no zip, user or Blender session folder left
