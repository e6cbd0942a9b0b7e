"""Blender figures: bake time for one 63 s DEAP trial and a whole subject, render s/frame, zip size.

The code lives in `evoke_tools.bench_blender`; see its notes."""

from evoke_tools.bench_blender import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
