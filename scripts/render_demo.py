"""Render a demo clip headless: the extension is built, installed and driven like a user would.

python scripts/render_demo.py RECORDING --out clip.mp4 [--subject N] [--trial K] [--seconds S]
    [--engine workbench|eevee|cycles] [--height 360] [--hop 0.25] [--model M.npz]

Blender's user folders go to a temporary directory, so this never touches your own Blender setup.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("recording", help="DEAP .dat/.mat file or folder")
    ap.add_argument("--out", default="out/demo.mp4")
    ap.add_argument("--subject", type=int, default=1)
    ap.add_argument("--trial", type=int, default=1)
    ap.add_argument(
        "--seconds", type=float, default=20.0, help="length of the clip (0 = the whole trial)"
    )
    ap.add_argument("--engine", choices=("workbench", "eevee", "cycles"), default="workbench")
    ap.add_argument("--height", type=int, default=360)
    ap.add_argument("--hop", type=float, default=0.25)
    ap.add_argument("--mode", choices=("discrete", "blend"), default="discrete")
    ap.add_argument("--model", default="", help="model file (.npz); default: the bundled model")
    ap.add_argument("--save-blend", help="also save the scene as a .blend")
    args = ap.parse_args(argv)

    os.environ.setdefault("BLENDER_USER_RESOURCES", tempfile.mkdtemp(prefix="evoke-demo-"))
    import bpy  # after the environment: Blender reads it at import
    from build_extension import build

    with tempfile.TemporaryDirectory() as tmp:
        (zip_path,) = build(Path(tmp))
        result = bpy.ops.extensions.package_install_files(
            filepath=str(zip_path), repo="user_default", enable_on_install=True
        )
    if result != {"FINISHED"}:
        print("error: could not install the extension", file=sys.stderr)
        return 2
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps = 24
    try:
        bpy.ops.evoke.add_avatar()
        s = scene.evoke
        s.source_path = str(Path(args.recording).resolve())
        s.subject, s.trial, s.hop, s.mode = args.subject, args.trial, args.hop, args.mode
        s.model_path = str(Path(args.model).resolve()) if args.model else ""
        s.engine, s.resolution = args.engine.upper(), args.height
        started = time.perf_counter()
        bpy.ops.evoke.bake()
        print(f"baked in {time.perf_counter() - started:.2f} s")
        out = Path(args.out).resolve()
        bpy.ops.evoke.render_clip(filepath=str(out), seconds=args.seconds)
    except RuntimeError as exc:  # operators report errors as RuntimeError in background mode
        print(f"error: {exc}".strip(), file=sys.stderr)
        return 2
    if args.save_blend:
        bpy.ops.wm.save_as_mainfile(filepath=str(Path(args.save_blend).resolve()))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
