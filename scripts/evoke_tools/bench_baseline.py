"""Does the face depend on when the session started? Agreement after a shifted start.

python scripts/evoke.py bench_baseline [--subjects 6] [--json out.json] [--plot docs/baseline_shift.png]

Each subject's raw session (evoke_tools.sessions: 60 s of rest whose first seconds carry blinks
and alpha bursts, blinks all through it, then four trials; 256 Hz with DC offsets, mains and
drift) is started 0, 0.5, 1, 2 and 5 s late, as if the user had pressed Connect then: the
calibration is the first seconds of what the session saw. The figure is the share of windows,
at the same moments of the recording and after both sessions' calibrations, whose shown emotion
is the same as the session started at 0 s. Four configurations tell the baseline's part from the
smoother's: the old (DEAP's 3 s snippet as the baseline, EMA smoothing), each change alone, and
the new (a robust 30 s calibration, the octant filter). The new one also runs live
(LiveProcessor, 0.25 s chunks), which must give what offline gives. A second curve: agreement
against the calibration's length, which is how the 30 s default was chosen.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from inference import BaselineChoice, PredictOptions, Recording, load_model, predict
from inference.dsp.electrodes import DEAP_EEG_CHANNELS
from inference.emotion.smoothing import SmoothingSettings, smooth_offline
from inference.live.processor import LiveProcessor
from inference.model.model_file import EvokeModel

from .bench_smoothing import OLD_DEFAULTS
from .sessions import Session, make_session

HOP_S = 0.25
SHIFTS_S = (0.5, 1.0, 2.0, 5.0)
CALIBRATIONS_S = (3.0, 5.0, 10.0, 20.0, 30.0, 45.0)
NEW = SmoothingSettings()
CONFIGS = {  # name: (calibration seconds, smoothing)
    "old: 3 s baseline, EMA": (3.0, OLD_DEFAULTS),
    "30 s robust baseline, EMA": (30.0, OLD_DEFAULTS),
    "3 s baseline, octant filter": (3.0, NEW),
    "new: 30 s robust baseline, octant filter": (30.0, NEW),
}
GOAL = 0.90


def _raw(
    model: EvokeModel, s: Session, shift: float, calibration: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(window starts in seconds of the whole session, raw probabilities, validity)."""
    x = s.samples[round(shift * s.rate) :]
    rec = Recording(x, DEAP_EEG_CHANNELS, s.rate, "session", unit_known=True)
    options = PredictOptions(hop_s=HOP_S, baseline=BaselineChoice("first", seconds=calibration))
    tl = predict(rec, model, options).timelines[0]
    return shift + tl.onset_s + tl.t, tl.raw_probs, tl.valid


def _agree(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> tuple[int, int]:
    """(same, compared) over the windows both timelines hold, matched by their start."""
    ta, ea = a
    tb, eb = b
    keys_a = np.round(ta * 128).astype(np.int64)
    keys_b = np.round(tb * 128).astype(np.int64)
    _, ia, ib = np.intersect1d(keys_a, keys_b, return_indices=True)
    return int((ea[ia] == eb[ib]).sum()), len(ia)


def _live(
    model: EvokeModel, s: Session, shift: float, calibration: float
) -> tuple[np.ndarray, np.ndarray]:
    x = s.samples[round(shift * s.rate) :]
    live = LiveProcessor(model, DEAP_EEG_CHANNELS, s.rate, hop_s=HOP_S, calibration_s=calibration)
    chunk = round(s.rate * HOP_S)
    updates = [u for c in np.array_split(x, len(x) // chunk) for u in live.push(c)]
    window = model.features.window_s
    starts = shift + np.array([u.t for u in updates]) + 1 / s.rate - window
    return starts, np.array([u.emotion for u in updates])


def run(subjects: int, seed: int) -> dict[str, Any]:
    model = load_model()
    sessions = [make_session(k, seed) for k in range(1, subjects + 1)]
    shifts = (0.0, *SHIFTS_S)
    raws = {  # (subject, shift, calibration) -> raw timeline
        (k, sh, cal): _raw(model, s, sh, cal)
        for k, s in enumerate(sessions)
        for sh in shifts
        for cal in CALIBRATIONS_S
    }

    def shown(
        k: int, sh: float, cal: float, smoothing: SmoothingSettings
    ) -> tuple[np.ndarray, np.ndarray]:
        t, raw, valid = raws[(k, sh, cal)]
        return t, smooth_offline(raw, valid, HOP_S, smoothing).emotion

    def agreement(cal: float, smoothing: SmoothingSettings) -> dict[str, float]:
        out = {}
        for sh in SHIFTS_S:
            same = total = 0
            for k in range(len(sessions)):
                a, n = _agree(shown(k, 0.0, cal, smoothing), shown(k, sh, cal, smoothing))
                same, total = same + a, total + n
            out[f"{sh:g}"] = round(same / total, 4)
        return out

    figures: dict[str, Any] = {
        "subjects": subjects,
        "goal": GOAL,
        "blinks_in_rest": [len(s.blinks_s) for s in sessions],
        "configs": {name: agreement(cal, sm) for name, (cal, sm) in CONFIGS.items()},
        "by_calibration_s": {
            f"{cal:g}": {
                "octant filter": float(np.mean(list(agreement(cal, NEW).values()))),
                "EMA": float(np.mean(list(agreement(cal, OLD_DEFAULTS).values()))),
            }
            for cal in CALIBRATIONS_S
        },
    }
    figures["live"] = _live_figures(model, sessions, shown)
    emotions = np.concatenate([shown(k, 0.0, 30.0, NEW)[1] for k in range(len(sessions))])
    figures["emotions_shown"] = int(len(np.unique(emotions)))
    return figures


def _live_figures(model: EvokeModel, sessions: list[Session], shown: Any) -> dict[str, float]:
    """The new configuration live: its agreement after a shifted start, and with offline."""
    out: dict[str, float] = {}
    same_offline = total_offline = 0
    starts = {k: _live(model, s, 0.0, 30.0) for k, s in enumerate(sessions)}
    for sh in SHIFTS_S:
        same = total = 0
        for k, s in enumerate(sessions):
            late = _live(model, s, sh, 30.0)
            a, n = _agree(starts[k], late)
            same, total = same + a, total + n
            a, n = _agree(shown(k, sh, 30.0, NEW), late)
            same_offline, total_offline = same_offline + a, total_offline + n
        out[f"{sh:g}"] = round(same / total, 4)
    out["same_as_offline"] = round(same_offline / total_offline, 4)
    return out


def plot(fig: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for name, row in fig["configs"].items():
        left.plot([float(k) for k in row], list(row.values()), marker="o", label=name)
    left.axhline(GOAL, color="green", ls="--", lw=1, label=f"goal {GOAL:.0%}")
    left.set_xlabel("session started this many seconds late")
    left.set_ylabel("windows showing the same emotion")
    left.set_ylim(0, 1.02)
    left.legend(fontsize=7)
    left.grid(alpha=0.3)
    cal = [float(k) for k in fig["by_calibration_s"]]
    for method in ("octant filter", "EMA"):
        right.plot(cal, [v[method] for v in fig["by_calibration_s"].values()], marker="o",
                   label=method)  # fmt: skip
    right.axvline(30, color="black", lw=1, ls=":", label="default 30 s")
    right.axhline(GOAL, color="green", ls="--", lw=1)
    right.set_xlabel("calibration length (s)")
    right.set_ylabel("agreement, mean over the four shifts")
    right.set_ylim(0, 1.02)
    right.legend(fontsize=7)
    right.grid(alpha=0.3)
    f.suptitle(f"Same face whenever the session starts ({fig['subjects']} synthetic raw sessions "
               "with blinks and alpha bursts at rest; bundled model)", fontsize=9)  # fmt: skip
    f.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    f.savefig(path, dpi=110)
    plt.close(f)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--subjects", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--plot", help="draw the curves here (PNG)")
    args = ap.parse_args(argv)
    fig = run(args.subjects, args.seed)
    print(f"{args.subjects} raw sessions; agreement with the session started at 0 s "
          f"(goal >= {GOAL:.0%}):")  # fmt: skip
    print(f"{'':44s}" + "".join(f"{f'+{s:g} s':>8s}" for s in SHIFTS_S))
    for name, row in [*fig["configs"].items(), ("new, live", fig["live"])]:
        print(f"{name:44s}" + "".join(f"{row[f'{s:g}']:8.1%}" for s in SHIFTS_S))
    print(f"live equals offline in {fig['live']['same_as_offline']:.1%} of windows")
    print("by calibration length (mean over shifts): " + ", ".join(
        f"{k} s: {v['octant filter']:.1%}" for k, v in fig["by_calibration_s"].items()))  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(fig, indent=1))
    if args.plot:
        plot(fig, Path(args.plot))
    return 0


if __name__ == "__main__":
    sys.exit(main())
