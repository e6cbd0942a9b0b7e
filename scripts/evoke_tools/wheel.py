"""Build the runtime's wheel (`inference` with its model and tables) from a clean copy.

python scripts/evoke.py wheel [--out dist]

setuptools builds in the source tree's `build/lib` and packs whatever is there: in a checkout
where a module was deleted or renamed since the last build, the stale module would ship. So the
wheel is built from a fresh temporary copy of what git tracks (`checkout.source_files`), and
nothing of the checkout is read or written but the files copied.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from evoke_tools.checkout import copy_sources
from evoke_tools.paths import ROOT


def build_wheel(out: Path, root: Path = ROOT) -> Path:
    """The wheel of `root` (a checkout or a source tree), written into `out`; returns its path."""
    with tempfile.TemporaryDirectory(prefix="evoke-wheel-") as tmp:
        source, built = Path(tmp) / "source", Path(tmp) / "built"
        copy_sources(root, source)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(built), str(source)],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"error: pip wheel failed:\n{done.stderr[-2000:]}")
        (wheel,) = built.glob("evoke_blender-*.whl")
        out.mkdir(parents=True, exist_ok=True)
        return Path(shutil.move(wheel, out / wheel.name))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", default=str(ROOT / "dist"))
    args = ap.parse_args(argv)
    path = build_wheel(Path(args.out))
    print(f"{path}  {path.stat().st_size / 1024:.0f} KiB")
    return 0
