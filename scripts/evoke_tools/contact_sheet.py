"""Render the eight emotion presets on the procedural avatar into one labelled 4x2 contact sheet.

Usage: python scripts/evoke.py contact_sheet --out docs/contact_sheet.png [--size 256]
                                       [--engine workbench|cycles]

Runs headless with the ``bpy`` module, on the extension built and installed the official way
(into a throw-away Blender user folder). Why a contact sheet: it is the quickest way for a
person to check that every emotion reads on the avatar, and it documents the presets.
``render_presets`` is the one renderer: the blind check (``blind_faces``) uses it unlabelled.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from evoke_tools.paths import PRESETS_PATH, ROOT
from evoke_tools.process_exit import leave
from inference.face.presets import Presets

if TYPE_CHECKING:  # bpy is imported after the extension is installed (see load_build)
    import bpy

ORDER = ("neutral", "happiness", "sadness", "anger", "fear", "surprise", "disgust", "excitement")
# The portrait: the avatar's own camera (the whole bust) moved in on the face, so the
# expression fills the frame (lens zoom, and a lift in metres that keeps the hair in view).
FACE_ZOOM = 1.5
FACE_LIFT = 0.03


def load_build() -> ModuleType:
    """The avatar builder of the extension, built and installed the official way."""
    import importlib

    from evoke_tools.extension import install_for_script

    install_for_script("contact-sheet")
    return importlib.import_module("bl_ext.user_default.evoke.evoke_blender.avatar.build")


def setup_render(scene: bpy.types.Scene, engine: str, size: int) -> None:
    """Square frames; Workbench with studio light and material colours, or a fast Cycles."""
    import bpy

    scene.render.resolution_x = size
    scene.render.resolution_y = size
    scene.render.resolution_percentage = 100
    scene.render.image_settings.file_format = "PNG"
    scene.render.image_settings.color_mode = "RGB"
    scene.view_settings.view_transform = "Standard"
    world = bpy.data.worlds.new("EVOKE World")
    world.color = (0.62, 0.66, 0.72)
    scene.world = world
    if engine == "cycles":
        scene.render.engine = "CYCLES"
        scene.view_settings.view_transform = "AgX" if _has_view("AgX") else "Filmic"
        scene.cycles.samples = 24
        scene.cycles.use_denoising = True
        scene.cycles.max_bounces = 4
        if world.node_tree is None:
            world.use_nodes = True
        bg = world.node_tree.nodes.get("Background") if world.node_tree else None
        if bg is not None:
            cast(Any, bg.inputs["Color"]).default_value = (0.35, 0.40, 0.48, 1.0)
            cast(Any, bg.inputs["Strength"]).default_value = 0.12
        return
    scene.render.engine = "BLENDER_WORKBENCH"
    shading = scene.display.shading
    shading.light = "STUDIO"
    shading.color_type = "MATERIAL"
    shading.show_specular_highlight = True
    shading.show_cavity = True
    shading.cavity_type = "WORLD"
    shading.cavity_ridge_factor = 0.6
    shading.cavity_valley_factor = 0.8
    scene.display.render_aa = "8"


def _has_view(name: str) -> bool:
    """Whether a view transform exists (AgX arrived in 4.0; Filmic is the older fallback)."""
    import bpy

    prop = bpy.types.ColorManagedViewSettings.bl_rna.properties["view_transform"]
    return name in {item.identifier for item in cast(Any, prop).enum_items}


def add_label(camera: bpy.types.Object, collection: bpy.types.Collection) -> bpy.types.Object:
    """A white caption on a dark bar, fixed to the bottom of the camera's view."""
    import bpy

    cam_data = cast(bpy.types.Camera, camera.data)
    dist = 0.3
    half_h = 0.5 * dist * cam_data.sensor_height / cam_data.lens
    curve = cast(bpy.types.TextCurve, bpy.data.curves.new("EVOKE Label", "FONT"))
    curve.align_x = "CENTER"
    curve.align_y = "CENTER"
    curve.size = 0.16 * half_h
    text = bpy.data.objects.new("EVOKE Label", curve)
    text.parent = camera
    text.location = (0.0, -0.83 * half_h, -dist)
    white = bpy.data.materials.new("EVOKE Label White")
    white.diffuse_color = (1.0, 1.0, 1.0, 1.0)
    curve.materials.append(white)
    collection.objects.link(text)

    bar_mesh = bpy.data.meshes.new("EVOKE Label Bar")
    w, h = 1.2 * half_h, 0.13 * half_h
    bar_mesh.from_pydata([(-w, -h, 0), (w, -h, 0), (w, h, 0), (-w, h, 0)], [], [(0, 1, 2, 3)])
    dark = bpy.data.materials.new("EVOKE Label Bar")
    dark.diffuse_color = (0.02, 0.025, 0.04, 1.0)
    bar_mesh.materials.append(dark)
    bar = bpy.data.objects.new("EVOKE Label Bar", bar_mesh)
    bar.parent = camera
    bar.location = (0.0, -0.83 * half_h, -dist - 0.002)
    collection.objects.link(bar)
    return text


def read_png(path: Path) -> np.ndarray:
    """Load a rendered PNG as a top-down (h, w, 3) float array via Blender's image API."""
    import bpy

    img = bpy.data.images.load(str(path))
    w, h = img.size
    buf = np.empty(w * h * 4, dtype=np.float32)
    img.pixels.foreach_get(buf)
    bpy.data.images.remove(img)
    return buf.reshape(h, w, 4)[::-1, :, :3]


def write_png(pixels: np.ndarray, path: Path) -> None:
    """Save a top-down (h, w, 3) float array as an 8-bit PNG."""
    import bpy

    h, w, _ = pixels.shape
    rgba = np.concatenate([pixels, np.ones((h, w, 1), dtype=np.float32)], axis=2)[::-1]
    img = bpy.data.images.new("EVOKE Contact Sheet", w, h, alpha=False)
    img.pixels.foreach_set(rgba.astype(np.float32).ravel())
    img.filepath_raw = str(path)
    img.file_format = "PNG"
    img.save()
    bpy.data.images.remove(img)


def compose(frames: list[np.ndarray], cols: int = 4, gap: int = 4) -> np.ndarray:
    """Tile equally sized frames into a grid with a thin dark gutter."""
    h, w, _ = frames[0].shape
    rows = (len(frames) + cols - 1) // cols
    sheet = np.full(
        (rows * h + (rows + 1) * gap, cols * w + (cols + 1) * gap, 3), 0.08, dtype=np.float32
    )
    for i, frame in enumerate(frames):
        r, c = divmod(i, cols)
        y, x = gap + r * (h + gap), gap + c * (w + gap)
        sheet[y : y + h, x : x + w] = frame
    return sheet


def frame_face(camera: bpy.types.Object) -> None:
    """Move the avatar's portrait camera in on the face (``FACE_ZOOM``, ``FACE_LIFT``)."""
    import bpy

    cast(bpy.types.Camera, camera.data).lens *= FACE_ZOOM
    camera.location.z += FACE_LIFT


def render_presets(
    emotions: Sequence[str],
    files: Sequence[Path],
    size: int,
    engine: str,
    *,
    labelled: bool,
) -> None:
    """Build the avatar in a fresh scene and render each emotion's preset to its file.

    ``labelled`` captions each frame with its emotion; without it nothing in a frame (or in
    Blender's scene) names the emotion, which a blind check needs.
    """
    build = load_build()  # installs the extension: must come before bpy is imported
    import bpy

    bpy.ops.wm.read_homefile(use_empty=True)
    face = build.build_avatar()
    camera, _lights = build.add_camera_and_lights(face)
    frame_face(camera)
    scene = cast(bpy.types.Scene, bpy.context.scene)
    setup_render(scene, engine, size)
    label = add_label(camera, face.users_collection[0]) if labelled else None
    presets = Presets.load(PRESETS_PATH)
    for emotion, path in zip(emotions, files, strict=True):
        build.apply_preset(face, presets.preset(emotion))
        if label is not None:
            cast(bpy.types.TextCurve, label.data).body = emotion
        scene.render.filepath = str(path)
        bpy.ops.render.render(write_still=True)


def render_sheet(out: Path, size: int, engine: str) -> float:
    """Render every preset, labelled, and tile them into the sheet; returns seconds."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        files = [Path(tmp) / f"{emotion}.png" for emotion in ORDER]
        render_presets(ORDER, files, size, engine, labelled=True)
        frames = [read_png(path) for path in files]
    out.parent.mkdir(parents=True, exist_ok=True)
    write_png(compose(frames), out)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "contact_sheet.png")
    parser.add_argument("--size", type=int, default=256, help="pixels per (square) frame")
    parser.add_argument("--engine", choices=("workbench", "cycles"), default="workbench")
    args = parser.parse_args(argv)
    seconds = render_sheet(args.out.resolve(), args.size, args.engine)
    print(f"wrote {args.out} ({args.engine}, {args.size}px frames) in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    leave(main())
