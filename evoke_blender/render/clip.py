"""Demo clips: an MP4 of the avatar with the emotion label and VAD bars in view.

The overlay is keyframed from the face's baked VAD/emotion curves (not drivers: keyframes need no
script execution and render the same in every engine and Blender version).
"""

from __future__ import annotations

import struct
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any, cast

import bpy
import numpy as np

from ..common import face_state
from ..common.anim_compat import fcurves_of, fresh_fcurves
from ..common.key_curves import key_curves

OVERLAY = "EVOKE Overlay"
TRACK = (0.12, 0.12, 0.14, 1.0)
BAR_COLOURS = ((0.95, 0.75, 0.2, 1.0), (0.9, 0.3, 0.3, 1.0), (0.3, 0.55, 0.95, 1.0))


def eevee_id() -> str:
    return "BLENDER_EEVEE_NEXT" if bpy.app.version < (5, 0, 0) else "BLENDER_EEVEE"


def clip_target(path: str) -> tuple[Path, str]:
    """Where the clip goes, absolute, and a note when '//' (the .blend file's folder) had no
    folder to mean: an unsaved file's clip goes to the home folder, not wherever Blender was
    started from."""
    if path.startswith("//") and not bpy.data.filepath:
        target = Path.home() / path[2:]
        return target, (
            f"this .blend file is not saved, so '//' (its folder) means no folder yet: "
            f"the clip went to {target.parent}"
        )
    return Path(bpy.path.abspath(path)), ""


def mp4_complete(path: Path) -> bool:
    """Whether an MP4 was written to its end: its top-level boxes fill the file exactly and
    include the index ('moov') a player needs; a render stopped by a full disk leaves neither."""
    seen, size = set(), path.stat().st_size
    with open(path, "rb") as f:
        at = 0
        while at < size:
            head = f.read(8)
            if len(head) < 8:
                return False
            length, kind = struct.unpack(">I4s", head)
            if length == 1:  # a 64-bit size follows
                extended = f.read(8)
                if len(extended) < 8:
                    return False
                (length,) = struct.unpack(">Q", extended)
            elif length == 0:  # to the end of the file
                length = size - at
            if length < 8 or at + length > size:
                return False
            seen.add(kind)
            at += length
            f.seek(at)
    return {b"ftyp", b"moov", b"mdat"} <= seen


def configure_output(scene: Any, path: str, engine: str, height: int) -> None:
    """Size, engine and an H.264 MP4 container, across the 4.x / 5.0 output API change."""
    render = scene.render
    render.resolution_y = height - height % 2
    render.resolution_x = int(round(height * 4 / 3)) // 2 * 2
    render.resolution_percentage = 100
    render.filepath = path
    render.engine = {"WORKBENCH": "BLENDER_WORKBENCH", "EEVEE": eevee_id(), "CYCLES": "CYCLES"}[
        engine
    ]
    if engine == "WORKBENCH":
        shading = scene.display.shading
        shading.light = "STUDIO"
        shading.color_type = "MATERIAL"
        scene.display.render_aa = "8"
    if engine == "CYCLES":
        scene.cycles.samples = 16
        scene.cycles.device = "CPU"
    settings = render.image_settings
    if hasattr(settings, "media_type"):  # Blender 5.0
        settings.media_type = "VIDEO"
    settings.file_format = "FFMPEG"
    render.ffmpeg.format = "MPEG4"
    render.ffmpeg.codec = "H264"
    render.ffmpeg.constant_rate_factor = "MEDIUM"


def _material(name: str, colour: tuple[float, float, float, float]) -> Any:
    mat = bpy.data.materials.get(name) or bpy.data.materials.new(name)
    mat.diffuse_color.foreach_set(colour)
    if mat.node_tree is None:
        mat.use_nodes = True  # 4.x; in 5.0 materials always have a node tree
    bsdf = mat.node_tree.nodes.get("Principled BSDF") if mat.node_tree else None
    if bsdf is not None:
        bsdf.inputs["Base Color"].default_value = colour
        bsdf.inputs["Emission Color"].default_value = colour
        bsdf.inputs["Emission Strength"].default_value = 1.0
    return mat


def _quad(name: str, width: float, height: float, colour: tuple[float, float, float, float]) -> Any:
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(
        [(0, 0, 0), (width, 0, 0), (width, height, 0), (0, height, 0)], [], [(0, 1, 2, 3)]
    )
    mesh.materials.append(_material(name, colour))
    return mesh


def _curve_points(mesh: Any, prop: str) -> np.ndarray:
    """(n, 2) frames and values of the baked custom-property curve `prop` on the face."""
    for fc in fcurves_of(mesh):
        if fc.data_path == f'["{prop}"]':
            co = np.empty(2 * len(fc.keyframe_points), dtype=np.float32)
            fc.keyframe_points.foreach_get("co", co)
            return co.reshape(-1, 2)
    raise ValueError(f"'{mesh.name}' has no baked {prop}: bake a recording first")


def build_overlay(scene: Any, camera: Any, mesh: Any, emotions: list[str]) -> Any:
    """Emotion name and three VAD bars parented to the camera, animated from the bake."""
    old = bpy.data.collections.get(OVERLAY)
    if old is not None:
        for obj in list(old.objects):
            bpy.data.objects.remove(obj, do_unlink=True)
        bpy.data.collections.remove(old)
    coll = bpy.data.collections.new(OVERLAY)
    scene.collection.children.link(coll)
    # The view frame's corners in camera space (sensor fit and aspect included), scaled to depth 1.
    corners = [tuple(c) for c in camera.data.view_frame(scene=scene)]
    depth = 1.0
    scale = depth / abs(corners[0][2]) if camera.data.type == "PERSP" else 1.0
    half_w = max(abs(c[0]) for c in corners) * scale
    half_h = max(abs(c[1]) for c in corners) * scale
    emotion = _curve_points(mesh, face_state.EMOTION)
    white = _material("EVOKE overlay text", (1.0, 1.0, 1.0, 1.0))

    def add(name: str, data: Any, loc: tuple[float, float]) -> Any:
        obj = bpy.data.objects.new(name, data)
        coll.objects.link(obj)
        obj.parent = camera
        obj.location = (loc[0], loc[1], -depth)
        return obj

    size = half_h * 0.14
    for k, name in enumerate(emotions):
        text = cast(bpy.types.TextCurve, bpy.data.curves.new(f"EVOKE label {name}", "FONT"))
        text.body = name.capitalize()
        text.size = size
        text.materials.append(white)
        label = add(f"EVOKE label {name}", text, (-half_w * 0.92, -half_h * 0.88))
        shown = emotion.copy()
        shown[:, 1] = (np.rint(emotion[:, 1]) == k).astype(np.float32)
        fcurves = fresh_fcurves(label, f"EVOKE label {name}")
        key_curves(
            fcurves,
            ["scale#0", "scale#1", "scale#2"],
            shown[:, 0],
            np.repeat(shown[:, 1:], 3, axis=1),
            constant=True,
        )
    for row, (prop, _, letter) in enumerate(face_state.VAD):
        y = -half_h * (0.33 + 0.11 * row)
        text = cast(bpy.types.TextCurve, bpy.data.curves.new(f"EVOKE {letter}", "FONT"))
        text.body = letter
        text.size = size * 0.8
        text.materials.append(white)
        add(f"EVOKE {letter}", text, (half_w * 0.42, y - size * 0.3))
        width = half_w * 0.4
        track = add(
            f"EVOKE track {letter}",
            _quad(f"EVOKE track {letter}", width, size * 0.6, TRACK),
            (half_w * 0.5, y - size * 0.25),
        )
        track.location.z -= 0.002  # just behind the bar
        bar_mesh = _quad(f"EVOKE bar {letter}", width, size * 0.6, BAR_COLOURS[row])
        bar = add(f"EVOKE bar {letter}", bar_mesh, (half_w * 0.5, y - size * 0.25))
        points = _curve_points(mesh, prop)
        key_curves(
            fresh_fcurves(bar, f"EVOKE bar {letter}"), ["scale#0"], points[:, 0], points[:, 1:]
        )
    return coll


_PROBE = """
import bpy
bpy.ops.wm.read_homefile(use_empty=True)
scene = bpy.context.scene
scene.render.engine = "BLENDER_WORKBENCH"
scene.render.resolution_x = scene.render.resolution_y = 8
bpy.ops.object.camera_add()
scene.camera = bpy.context.active_object
bpy.ops.render.render()
print("EVOKE_GL_OK")
"""


@cache
def opengl_works() -> bool:
    """Can Workbench/EEVEE render here? Without an OpenGL/EGL context Blender aborts the whole
    process (no exception to catch), so headless sessions ask a throw-away Blender first."""
    if not bpy.app.background:
        return True  # Blender's own window needs OpenGL: it is there
    if bpy.app.binary_path:  # blender -b
        cmd = [bpy.app.binary_path, "-b", "--factory-startup", "--python-expr", _PROBE]
    else:  # the bpy module inside a plain Python
        cmd = [sys.executable, "-c", _PROBE]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and "EVOKE_GL_OK" in done.stdout


def prepare_clip(
    scene: Any, path: str, engine: str, height: int, *, frame_end: int | None = None
) -> tuple[str, str]:
    """Set the scene up to render the clip; returns (engine used, note). The caller has taken a
    snapshot (render.job) and puts everything back afterwards.

    Workbench and EEVEE need an OpenGL/EGL context; where none exists the clip is rendered with
    Cycles instead, which always works on a CPU, and the note says so.
    """
    if frame_end is not None:
        scene.frame_end = max(scene.frame_start, min(scene.frame_end, frame_end))
    if scene.world is None:  # an empty scene renders on black; a dark neutral reads better
        scene.world = bpy.data.worlds.new("EVOKE World")
        scene.world.color = (0.16, 0.17, 0.2)
    note = ""
    if engine != "CYCLES" and not opengl_works():
        note = f"{engine.capitalize()} needs OpenGL (EGL), which this machine lacks: rendered with Cycles instead"
        engine = "CYCLES"
    configure_output(scene, path, engine, height)
    if engine == "WORKBENCH":  # the quick preview: subdivide as in the viewport (half the time)
        for obj in scene.objects:
            for mod in obj.modifiers:
                if mod.type == "SUBSURF" and mod.render_levels > mod.levels:
                    mod.render_levels = mod.levels
    return engine, note
