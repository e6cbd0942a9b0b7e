"""Render a demo clip headless: the extension is built, installed and driven like a user would.

python scripts/evoke.py render_demo RECORDING --out clip.mp4 [--subject N] [--trial K] [--seconds S]
    [--engine workbench|eevee|cycles] [--height 360] [--hop 0.25] [--model M.npz]
    [--blender /path/to/blender]

Blender's user folders go to a temporary directory, so this never touches your own Blender setup.
The clip itself is made by `blender_clip` (the same code in the bpy module or, with --blender, in
a Blender binary); this adds the build and install, and a progress bar under the bpy module.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from evoke_tools.blender_clip import main as render_clip
from evoke_tools.blender_clip import parser
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


def _parse(argv: list[str] | None) -> tuple[str, list[str]]:
    """(--blender's PATH or "", the clip's own arguments), all checked now: a typo is refused
    before a Blender starts."""
    args = list(sys.argv[1:] if argv is None else argv)
    ap = parser(__doc__)
    ap.add_argument("--blender", metavar="PATH",
                    help="render in this Blender binary (4.2 or later), not the bpy module")  # fmt: skip
    ap.parse_args(args)
    own = argparse.ArgumentParser(add_help=False)
    own.add_argument("--blender", default="")
    chosen, clip = own.parse_known_args(args)
    return chosen.blender, clip


def main(argv: list[str] | None = None) -> int:
    blender, clip = _parse(argv)
    if blender:
        from evoke_tools.blender_binary import render_in_binary

        return render_in_binary(blender, clip)
    from evoke_tools.extension import install_for_script

    install_for_script("demo")
    return render_clip(clip, one_progress_bar)


if __name__ == "__main__":
    leave(main())
