"""One clip inside Blender: a fresh scene, the avatar, the recording baked, Render Clip.

Both renderers run this file. render_demo imports it in a Python that has the bpy module;
batch_clips --blender (and render_demo --blender) hand it to a Blender binary:
`blender --background --factory-startup --python-exit-code 1 --python blender_clip.py -- ARGS`.
Blender's own Python has no venv, no tqdm and no evoke_tools, so this file imports only what
every Blender has (bpy, bpy_extras, numpy, the standard library) and reaches the runtime only
through the installed extension's operators (its zip carries `inference`).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

Rendering = Callable[[int], AbstractContextManager[object]]  # wraps the render of N frames


def parser(description: str | None = __doc__) -> argparse.ArgumentParser:
    """The clip's options, one home: render_demo adds its own to these."""
    ap = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("recording", help="DEAP .dat/.mat file or folder, .xdf, .edf/.bdf or .csv")
    ap.add_argument("--out", default="out/demo.mp4")
    ap.add_argument("--subject", type=int, default=1)
    ap.add_argument("--trial", type=int, default=1)
    ap.add_argument(
        "--seconds", type=float, default=20.0, help="length of the clip (0 = the whole trial)"
    )
    ap.add_argument(
        "--start",
        default="auto",
        help="seconds into the trial, or 'auto': where the emotion changes most",
    )
    ap.add_argument("--engine", choices=("workbench", "eevee", "cycles"), default="workbench")
    ap.add_argument("--height", type=int, default=360)
    ap.add_argument("--hop", type=float, default=0.25)
    ap.add_argument("--mode", choices=("discrete", "blend"), default="discrete")
    ap.add_argument("--model", default="", help="model file (.npz); default: the bundled model")
    ap.add_argument("--save-blend", help="also save the scene as a .blend")
    ap.add_argument("--extension", help="install this zip first (what --blender passes to Blender)")
    return ap


def install(zip_path: Path) -> None:
    """Install and enable the extension the official way, into the user folder Blender was
    started with (BLENDER_USER_RESOURCES: a throw-away one, never the user's own)."""
    import bpy

    result = bpy.ops.extensions.package_install_files(
        filepath=str(zip_path), repo="user_default", enable_on_install=True
    )
    if result != {"FINISHED"}:
        raise SystemExit(f"error: Blender could not install {zip_path}")


def busiest_start(scene: Any, face: Any, seconds: float) -> float:
    """Start (s into the trial) of the `seconds` span with the most emotion changes in the bake,
    so a short demo shows the face changing rather than one steady expression."""
    import numpy as np

    anim = face.data.shape_keys and face.animation_data
    if not anim or seconds <= 0:
        return 0.0
    from bpy_extras import anim_utils

    action = anim.action
    curves = (
        anim_utils.action_get_channelbag_for_slot(action, anim.action_slot).fcurves
        if hasattr(action, "slots")
        else action.fcurves
    )
    curve = next(fc for fc in curves if fc.data_path == '["evoke_emotion"]')
    co = np.empty(2 * len(curve.keyframe_points), dtype=np.float32)
    curve.keyframe_points.foreach_get("co", co)
    frames, emotion = co[0::2], co[1::2]
    fps = scene.render.fps / scene.render.fps_base
    times = (frames - scene.frame_start) / fps
    changes = np.r_[0, np.cumsum(np.diff(emotion) != 0)]  # changes up to each key
    ends = np.searchsorted(times, times + seconds, side="right") - 1
    fits = times + seconds <= times[-1] + 1.0
    if not fits.any():
        return 0.0
    count = np.where(fits, changes[ends] - changes, -1)
    return float(max(0.0, times[int(np.argmax(count))] - 0.5))


def render(args: argparse.Namespace, rendering: Rendering = nullcontext) -> Path:
    """Bake and render the clip `args` describe on a fresh scene; returns the MP4. Operators'
    errors come out as RuntimeError (their report), as in any background Blender."""
    import bpy

    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps = 24
    bpy.ops.evoke.add_avatar()
    s = scene.evoke
    s.bake.source_path = str(Path(args.recording).resolve())
    s.bake.subject, s.bake.trial = args.subject, args.trial
    s.common.hop, s.smoothing.mode = args.hop, args.mode
    s.common.model_path = str(Path(args.model).resolve()) if args.model else ""
    s.render.engine, s.render.resolution = args.engine.upper(), args.height
    started = time.perf_counter()
    bpy.ops.evoke.bake()
    print(f"baked in {time.perf_counter() - started:.2f} s")
    auto = args.start == "auto"
    start = busiest_start(scene, s.common.target, args.seconds) if auto else float(args.start)
    scene.frame_start = scene.frame_start + round(start * scene.render.fps)
    print(f"clip from {start:.1f} s into the trial")
    fps = scene.render.fps / scene.render.fps_base
    last = scene.frame_start + round(args.seconds * fps) - 1 if args.seconds > 0 else None
    frames = min(last or scene.frame_end, scene.frame_end) - scene.frame_start + 1
    out = Path(args.out).resolve()
    with rendering(frames):
        bpy.ops.evoke.render_clip(filepath=str(out), seconds=args.seconds)
    if args.save_blend:
        bpy.ops.wm.save_as_mainfile(filepath=str(Path(args.save_blend).resolve()))
    return out


def main(argv: list[str], rendering: Rendering = nullcontext) -> int:
    """Install the extension (when --extension names it), render, one `error:` line on failure:
    inside a Blender binary, and for render_demo under the bpy module."""
    args = parser().parse_args(argv)
    if args.extension:
        install(Path(args.extension))
    try:
        out = render(args, rendering)
    except RuntimeError as exc:
        print(f"error: {exc}".strip(), file=sys.stderr)
        return 2
    print(out)
    return 0


def script_arguments(argv: list[str]) -> list[str]:
    """What follows `--` on Blender's command line: the script's own arguments."""
    return argv[argv.index("--") + 1 :] if "--" in argv else []


if __name__ == "__main__":
    code = main(script_arguments(sys.argv))
    if code:
        sys.stdout.flush()
        sys.stderr.flush()
        raise SystemExit(code)
