"""Render a demo clip headless: the extension is built, installed and driven like a user would.

python scripts/evoke.py render_demo RECORDING --out clip.mp4 [--subject N] [--trial K] [--seconds S]
    [--engine workbench|eevee|cycles] [--height 360] [--hop 0.25] [--model M.npz]

Blender's user folders go to a temporary directory, so this never touches your own Blender setup.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from evoke_tools.process_exit import leave

# what Blender's C code prints for every frame it renders (a progress bar replaces them)
PER_FRAME_LINES = ("Append frame", "Time: ", "Fra:")


@contextmanager
def one_progress_bar(total: int) -> Iterator[None]:
    """One bar on stderr while Blender renders; its own per-frame lines (printed to file
    descriptor 1 from C, where Python cannot filter them) go to a file, and the rest is
    printed back afterwards (reports such as the Cycles fallback note)."""
    import bpy
    from tqdm import tqdm

    bar = tqdm(total=total, unit="frame", desc="rendering", file=sys.stderr, dynamic_ncols=True)

    def tick(*_args: Any) -> None:
        bar.update(1)

    bpy.app.handlers.render_post.append(tick)
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile("w+") as captured:
        os.dup2(captured.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            bpy.app.handlers.render_post.remove(tick)
            bar.close()
            captured.seek(0)
            for line in captured:
                if line.strip() and not line.startswith(PER_FRAME_LINES):
                    print(line, end="")


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


def _parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
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
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)

    from evoke_tools.extension import install_for_script

    install_for_script("demo")
    import bpy

    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps = 24
    try:
        bpy.ops.evoke.add_avatar()
        s = scene.evoke
        s.bake.source_path = str(Path(args.recording).resolve())
        s.bake.subject, s.bake.trial, s.common.hop, s.smoothing.mode = (
            args.subject,
            args.trial,
            args.hop,
            args.mode,
        )
        s.common.model_path = str(Path(args.model).resolve()) if args.model else ""
        s.render.engine, s.render.resolution = args.engine.upper(), args.height
        started = time.perf_counter()
        bpy.ops.evoke.bake()
        print(f"baked in {time.perf_counter() - started:.2f} s")
        out = Path(args.out).resolve()
        start = (
            busiest_start(scene, s.common.target, args.seconds)
            if args.start == "auto"
            else float(args.start)
        )
        scene.frame_start = scene.frame_start + round(start * scene.render.fps)
        print(f"clip from {start:.1f} s into the trial")
        fps = scene.render.fps / scene.render.fps_base
        last = scene.frame_start + round(args.seconds * fps) - 1 if args.seconds > 0 else None
        frames = min(last or scene.frame_end, scene.frame_end) - scene.frame_start + 1
        with one_progress_bar(frames):
            bpy.ops.evoke.render_clip(filepath=str(out), seconds=args.seconds)
    except RuntimeError as exc:  # operators report errors as RuntimeError in background mode
        print(f"error: {exc}".strip(), file=sys.stderr)
        return 2
    if args.save_blend:
        bpy.ops.wm.save_as_mainfile(filepath=str(Path(args.save_blend).resolve()))
    print(out)
    return 0


if __name__ == "__main__":
    leave(main())
