"""Blender figures: bake time for one 63 s DEAP trial and a whole subject, render s/frame, zip size.

python scripts/evoke.py bench_blender [--json] [--frames 24] [--engine workbench] [--trials 40]
Runs in the bpy module with the extension built, installed and driven through its operators.
Everything it writes (the zip, Blender's user and session folders, the synthetic subject, the
clip) lies in temporary folders removed when it ends: nothing is left in the temp folder.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from evoke_tools.process_exit import leave, remove_at_exit


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--engine", default="workbench", choices=("workbench", "eevee", "cycles"))
    ap.add_argument("--height", type=int, default=360)
    ap.add_argument("--trials", type=int, default=40, help="trials of the whole-subject bake")
    args = ap.parse_args(argv)
    from evoke_tools.extension import install_for_script

    zip_path = install_for_script("bench")
    import bpy

    from evoke_tools.synthetic import write_deap_folder

    tmp = Path(tempfile.mkdtemp(prefix="evoke-bench-data-"))
    remove_at_exit(tmp)  # the subject and the clip: ~100 MB left behind on every run before
    write_deap_folder(tmp / "deap", subjects=1, seed=5)
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps = 24
    bpy.ops.evoke.add_avatar()
    s = scene.evoke
    s.bake.source_path = str(tmp / "deap" / "s01.dat")
    s.common.hop = 0.25

    def bake(trial: int) -> float:
        s.bake.trial = trial
        t = time.perf_counter()
        bpy.ops.evoke.bake()
        return time.perf_counter() - t

    bake(1)  # warm: model load, first reads
    one = min(bake(2) for _ in range(3))
    started = time.perf_counter()
    for trial in range(1, args.trials + 1):
        bake(trial)
    subject = time.perf_counter() - started
    s.render.engine, s.render.resolution = args.engine.upper(), args.height
    clip = tmp / "bench.mp4"
    t = time.perf_counter()
    bpy.ops.evoke.render_clip(filepath=str(clip), seconds=args.frames / 24)
    per_frame = (time.perf_counter() - t) / args.frames
    figures = {
        "blender": bpy.app.version_string,
        "bake_trial_s": round(one, 4),
        "bake_trial_windows": int(round((60 - 1) / 0.25)) + 1,
        f"bake_subject_{args.trials}_trials_s": round(subject, 3),
        "render_engine": args.engine,
        "render_size": [scene.render.resolution_x, scene.render.resolution_y],
        "render_s_per_frame": round(per_frame, 4),
        "zip_kib": round(zip_path.stat().st_size / 1024, 1),
        "targets": {"bake_trial_s": "<= 1"},
    }
    print(
        json.dumps(figures, indent=1)
        if args.json
        else "\n".join(f"{k:28s} {v}" for k, v in figures.items())
    )
    return 0


if __name__ == "__main__":
    leave(main())
