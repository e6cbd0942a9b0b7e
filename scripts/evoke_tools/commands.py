"""The companion tools behind one command: `python scripts/evoke.py TOOL [options]`.

`TOOLS` is the one table: a tool is a module with a `main()` that parses `sys.argv[1:]`, so
adding one is one line here. `python scripts/evoke.py` lists them; `... TOOL --help` explains
one. Modules are imported only when their tool runs (a benchmark's torch, a render's bpy).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple


class Tool(NamedTuple):
    module: str  # whose main() runs the tool
    summary: str  # one line for the list


TOOLS: dict[str, Tool] = {
    # use the runtime and the extension
    "demo": Tool("evoke_tools.demo", "a synthetic DEAP subject through the whole runtime"),
    "render_demo": Tool("evoke_tools.render_demo", "render a clip headless, the extension driven as a user would"),
    "batch_clips": Tool("evoke_tools.batch_clips", "a clip per recording or trial, on every core or on a Ray cluster"),
    "live_session": Tool("evoke_tools.live_session", "a headless live session on an LSL stream or BrainFlow board"),
    "stream_lsl": Tool("evoke_tools.stream_lsl", "replay a recording as an LSL EEG outlet, paced by the clock"),
    "synth_deap": Tool("evoke_tools.synthetic", "synthetic subjects in DEAP's exact file format"),
    "contact_sheet": Tool("evoke_tools.contact_sheet", "the eight presets on the avatar, one labelled sheet"),
    "blind_faces": Tool("evoke_tools.blind_faces", "render the presets unlabelled, or score a namer's answers"),
    # build
    "build_extension": Tool("evoke_tools.extension", "build and validate the extension zips"),
    "wheel": Tool("evoke_tools.wheel", "build the runtime's wheel from a clean copy of the checkout"),
    # train and reproduce the paper
    "train": Tool("evoke_training.train", "train the CCNN teacher and distil the student, fold by fold"),
    "export_model": Tool("evoke_training.export", "run folder -> the model file the extension runs"),
    "make_model": Tool("evoke_training.make_model", "make the bundled demonstration model, reproducibly"),
    "table1": Tool("evoke_training.table1", "regenerate the paper's Table I"),
    "sweep": Tool("evoke_training.sweep", "Fig. 4: accuracy against the temperature T and alpha"),
    "selection": Tool("evoke_training.selection", "check model selection over finished run folders"),
    # measure
    "bench_runtime": Tool("evoke_tools.bench_runtime", "the runtime's speed against torch and scipy"),
    "bench_blender": Tool("evoke_tools.bench_blender", "bake and render times in Blender, the zip's size"),
    "bench_memory": Tool("evoke_tools.bench_memory", "peak memory of reading and predicting long recordings"),
    "bench_baseline": Tool("evoke_tools.bench_baseline", "agreement of the face after a shifted start"),
    "bench_smoothing": Tool("evoke_tools.bench_smoothing", "reaction and flicker of the smoothers, their curves"),
    "bench_artefacts": Tool("evoke_tools.artefacts", "what an amplifier adds must not change the emotion"),
    "bench_real_eeg": Tool("evoke_tools.bench_real_eeg", "the face on real EEG: flicker, confidence, start-shift agreement"),
    "bench_batch": Tool("evoke_tools.bench_batch", "speed-up of 2 workers over 1 (timelines, clips), Ray's overhead"),
    "bench_live": Tool("evoke_tools.bench_live", "the live bridge without Blender: memory, CPU, signal -> OSC latency"),
    "hostile_inputs": Tool("evoke_tools.hostile", "bad and hostile inputs against the command line"),
}  # fmt: skip


def usage() -> str:
    width = max(map(len, TOOLS))
    rows = "\n".join(f"  {name:<{width}}  {tool.summary}" for name, tool in TOOLS.items())
    return (
        "usage: python scripts/evoke.py TOOL [options]   (TOOL --help: its options)\n\n"
        f"tools:\n{rows}"
    )


def find(name: str) -> Callable[[], int | None] | None:
    """The tool's main (imported now), or None for a name not in the table; `render-demo` and
    `render_demo.py` (the old script's name) are `render_demo`."""
    tool = TOOLS.get(name.replace("-", "_").removesuffix(".py"))
    if tool is None:
        return None
    main: Callable[[], int | None] = importlib.import_module(tool.module).main
    return main


def main(argv: Sequence[str] | None = None) -> int | None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if args else 2
    run = find(args[0])
    if run is None:
        print(f"error: no tool '{args[0]}'; the tools are: {', '.join(TOOLS)}", file=sys.stderr)
        return 2
    # the tool parses sys.argv as if run alone; its usage names it as it was called
    sys.argv = [f"evoke.py {args[0]}", *args[1:]]
    return run()
