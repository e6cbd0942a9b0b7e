"""Build (and validate) the extension zip with Blender's own extension tool.

`python scripts/build_extension.py [--out dist]` -> dist/evoke-<version>.zip. The tool ships in
the `bpy` wheel (bl_pkg/cli/blender_ext.py) and runs with plain Python.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def blender_ext_tool() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("bpy")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("error: the bpy module is not installed (make setup installs it)")
    base = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(base.glob("*/scripts/addons_core/bl_pkg/cli/blender_ext.py"))
    if not found:
        raise SystemExit(f"error: Blender's extension tool was not found under {base}")
    return found[-1]


def build(out: Path, *, split_platforms: bool = False) -> list[Path]:
    tool = blender_ext_tool()
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(tool), "validate", str(ROOT)], check=True)
    cmd = [sys.executable, str(tool), "build", "--source-dir", str(ROOT), "--output-dir", str(out)]
    if split_platforms:
        cmd.append("--split-platforms")
    subprocess.run(cmd, check=True)
    return sorted(out.glob("evoke-*.zip"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=str(ROOT / "dist"))
    ap.add_argument(
        "--split-platforms",
        action="store_true",
        help="one zip per platform (needed once wheels are bundled)",
    )
    args = ap.parse_args()
    for path in build(Path(args.out), split_platforms=args.split_platforms):
        print(f"{path}  {path.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
