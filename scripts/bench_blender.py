"""Blender figures: bake time for one 63 s DEAP trial and a whole subject, render s/frame, zip size.

The code lives in `evoke_tools.bench_blender`; see its notes."""

import sys

from evoke_tools.bench_blender import main

if __name__ == "__main__":
    sys.exit(main())
