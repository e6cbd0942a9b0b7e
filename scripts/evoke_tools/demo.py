"""`make demo`: a synthetic DEAP subject through the whole runtime, each trial's emotion timeline.

Until the Blender extension lands this is the product's main job from the command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from evoke_tools.synthetic import write_deap_folder
from inference import EvokeError, PredictOptions, load_model, predict
from inference.io.formats import read_recording


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="out", help="folder for the synthetic recording")
    ap.add_argument("--trials", type=int, default=4, help="trials to show (of 40)")
    ap.add_argument("--hop", type=float, default=1.0)
    args = ap.parse_args()
    folder = Path(args.out) / "synthetic_deap"
    # Subject 5: the bundled model was trained on synthetic subjects 1-4 (seed 0), never on this one.
    path = folder / "s05.dat"
    if not path.exists():
        print(f"writing a synthetic DEAP-format subject to {path} ...")
        write_deap_folder(folder, subjects=[5], seed=0)
    try:
        model = load_model()
        rec = read_recording(path, trial=list(range(1, args.trials + 1)))
        pred = predict(rec, model, PredictOptions(hop_s=args.hop))
    except EvokeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"model: {pred.model}")
    for note in pred.notes:
        print(f"note: {note}")
    for tl in pred.timelines:
        v, a, d = tl.ratings[:3]
        truth = model.emotions.names[4 * (v > 5) + 2 * (a > 5) + (d > 5)]
        print(f"\ntrial {tl.trial}: self-report V {v:.1f} A {a:.1f} D {d:.1f} -> '{truth}'")
        starts = np.flatnonzero(np.r_[True, np.diff(tl.emotion) != 0])  # run-length summary
        ends = np.r_[starts[1:], len(tl.emotion)] - 1
        segments = [
            f"{tl.t[s]:4.0f}-{tl.t[e] + args.hop:3.0f} s {model.emotions.names[tl.emotion[s]]}"
            for s, e in zip(starts, ends, strict=True)
        ]
        print("  " + "\n  ".join(segments))
        p = tl.probs.mean(axis=0)
        bits = np.asarray(tl.ratings[:3]) > model.label_threshold
        agree = ((tl.probs > 0.5) == bits).mean(axis=0)
        print(f"  mean P(valence) {p[0]:.2f}  P(arousal) {p[1]:.2f}  P(dominance) {p[2]:.2f}")
        print(
            f"  windows agreeing with the self-report: V {agree[0]:.0%}  A {agree[1]:.0%}  D {agree[2]:.0%}"
        )
    print(f"\nfull per-window output: python -m inference predict {path} --trial 1 [--json]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
