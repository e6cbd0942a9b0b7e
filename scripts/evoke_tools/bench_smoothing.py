"""How fast the face follows a change, and how still it stays when nothing changes.

python scripts/evoke.py bench_smoothing [--subjects 8] [--json out.json] [--plot docs/smoothing.png]

Data: synthetic DEAP subjects (evoke_tools.synthetic) the bundled model never saw (its metadata
names the subjects and the seed it was trained on; the generator draws subject k of seed s from
seed s + k, so those draws are refused), through the bundled model, hop 0.25 s.
- Switches: a trial's 3 s baseline and its first 30 s of video, then 30 s of another trial's
  video (the features stay relative to the first trial's baseline, as in one session). The
  target is the emotion the new trial's own evidence favours: the octant of the highest mean log
  probability over its windows (the Bayes decision for a steady state). A pair whose two halves
  have the same target is no switch and is left out.
- Reaction: from the switch to the end of the first window after which the face shows the
  target for 5 s without a break (the moment the data needed had arrived; live adds the filters'
  look-ahead). A switch that never does so within the 30 s is "never settled" (its reaction
  counts as 30 s in the p95, so the p95 says when more than 5 % never settle).
- Flicker: changes of the shown emotion per minute over whole 60 s trials, after the first 10 s.
- Hindsight (bakes): the same switches smoothed with the whole recording known; reaction is
  then counted to the centre of the window where the face settles (where a bake keys it).
- Blend movement: in blend mode, how much of the face changes per second on the same trials
  (sum over the eight presets of |weight change| per second).
Every smoothing setting of a grid over both methods (EMA + hysteresis + dwell, and the octant
filter) is run offline on the same raw model outputs; the current defaults and the old ones are
also run live (LiveProcessor, chunked like a stream, with its preprocessing and timing). The plot
draws reaction against flicker for every setting, the defaults marked.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inference import BaselineChoice, PredictOptions, Recording, load_model, predict
from inference.dsp.electrodes import DEAP_EEG_CHANNELS
from inference.emotion.smoothing import SmoothingSettings, smooth_offline
from inference.emotion.table import EmotionTable
from inference.io.recording import Trial
from inference.live.processor import LiveProcessor
from inference.model.model_file import EvokeModel

HOP_S = 0.25
WINDOW_S = 1.0
RATE = 128.0
BASE = 384  # DEAP's 3 s pre-trial baseline
HALF_S = 30.0  # seconds of each trial in a switch
HOLD_S = 5.0  # settled: the target shown this long without a break
SETTLE_S = 10.0  # flicker and movement count after this (the start from "undecided" is not flicker)
OLD_DEFAULTS = SmoothingSettings(tau_s=1.0, hysteresis=0.1, min_dwell_s=0.5, method="ema")
GOALS = {"reaction_p50_s": 2.5, "reaction_p95_s": 6.0, "flicker_per_min": 1.0}


@dataclass
class Material:
    """Raw model outputs (NaN-free: synthetic trials have no artefacts) and their recordings."""

    switches: list[np.ndarray]  # (windows, 3) per switch, windows from the first trial's onset
    switch_eeg: list[np.ndarray]  # (samples, 32) baseline + 60 s, for the live run
    steady: list[np.ndarray]  # (windows, 3) per whole trial


def _raw(model: EvokeModel, eeg: np.ndarray) -> np.ndarray:
    """(samples, 32) DEAP-preprocessed, 3 s baseline first -> raw probabilities per window."""
    rec = Recording(eeg, DEAP_EEG_CHANNELS, RATE, "bench", (Trial(BASE, len(eeg)),),
                    unit_known=True, preprocessed=True)  # fmt: skip
    options = PredictOptions(hop_s=HOP_S, baseline=BaselineChoice("trial"))
    return predict(rec, model, options).timelines[0].raw_probs


def unseen(model: EvokeModel, first: int, subjects: int, seed: int) -> None:
    """Refuse generator draws the model was trained on (the generator seeds subject k of seed
    s with s + k)."""
    data = model.provenance.get("dataset", {})
    if data.get("generator") != "evoke_tools.synthetic":
        return  # trained on other data: every synthetic subject is new to it
    trained = {int(data.get("seed", 0)) + int(k) for k in data.get("subjects", ())}
    ours = {seed + k for k in range(first, first + subjects)}
    if trained & ours:
        raise SystemExit(f"subjects {first}..{first + subjects - 1} of seed {seed} are draws the "
                         f"model was trained on ({sorted(trained & ours)}): pick others")  # fmt: skip


def material(model: EvokeModel, subjects: int, trials: int, seed: int, first: int = 5) -> Material:
    from evoke_tools.synthetic import make_subject

    half = round(HALF_S * RATE)
    out = Material([], [], [])
    for subject in range(first, first + subjects):
        data, _ = make_subject(subject, seed, n_trials=trials)
        eeg = data[:, :32].transpose(0, 2, 1).astype(np.float32)  # (trials, samples, 32)
        out.steady += [_raw(model, trial) for trial in eeg]
        for a in range(0, trials - 1, 2):
            spliced = np.concatenate([eeg[a, : BASE + half], eeg[a + 1, BASE : BASE + half]])
            out.switch_eeg.append(spliced)
            out.switches.append(_raw(model, spliced))
    return out


def target(raw: np.ndarray) -> int:
    """The octant the windows' evidence favours: highest mean log octant probability."""
    q = np.maximum(EmotionTable.octant_probabilities(raw), 1e-6)
    return int(np.log(q).mean(axis=0).argmax())


def _halves(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts = np.arange(len(raw)) * HOP_S
    return raw[starts + WINDOW_S <= HALF_S], raw[starts >= HALF_S]


def reaction(shown: np.ndarray, shown_at: np.ndarray, goal: int) -> float:
    """Seconds from the switch to the first time the goal is then shown HOLD_S without a break;
    inf when never within the second half."""
    after = np.flatnonzero(shown_at > HALF_S)
    hold = round(HOLD_S / HOP_S)
    is_goal = shown == goal
    # run length of the goal from each window on, by a reversed cumulative count
    runs = np.zeros(len(shown) + 1, dtype=np.intp)
    for k in range(len(shown) - 1, -1, -1):  # one pass over ~240 booleans per switch
        runs[k] = runs[k + 1] + 1 if is_goal[k] else 0
    ok = after[runs[after] >= hold]
    return float(shown_at[ok[0]] - HALF_S) if ok.size else float("inf")


CLEAR_SHARE = 0.6  # a clear switch: the new trial's windows name the target this often or more


def _switch_goals(m: Material) -> list[tuple[int, np.ndarray, int]]:
    """(index, raw, goal) of the pairs that really switch."""
    out = []
    for k, raw in enumerate(m.switches):
        first, second = _halves(raw)
        if target(first) != target(second):
            out.append((k, raw, target(second)))
    return out


def _clear(raw: np.ndarray, goal: int) -> bool:
    """Whether most single windows of the new trial already name the target: the model's
    evidence, not the smoother, decides how fast an ambiguous switch can show."""
    second = _halves(raw)[1]
    return bool(
        np.mean(EmotionTable.octant_probabilities(second).argmax(axis=1) == goal) >= CLEAR_SHARE
    )


def evaluate(m: Material, settings: SmoothingSettings, hindsight: bool = False) -> dict[str, float]:
    """Reaction (offline), flicker and blend movement of one setting."""
    reactions, clear = [], []
    for _, raw, goal in _switch_goals(m):
        sm = smooth_offline(raw, np.ones(len(raw), bool), HOP_S, settings, hindsight=hindsight)
        # as live: the window's end (when its data is in); a bake: its centre (where it is keyed)
        ends = np.arange(len(raw)) * HOP_S + (WINDOW_S / 2 if hindsight else WINDOW_S)
        reactions.append(reaction(sm.emotion, ends, goal))
        clear.append(_clear(raw, goal))
    flicker, movement = [], []
    skip = round(SETTLE_S / HOP_S)
    for raw in m.steady:
        sm = smooth_offline(raw, np.ones(len(raw), bool), HOP_S, settings, hindsight=hindsight)
        minutes = (len(raw) - skip) * HOP_S / 60
        flicker.append(np.count_nonzero(np.diff(sm.emotion[skip:])) / minutes)
        movement.append(np.abs(np.diff(sm.weights[skip:], axis=0)).sum(axis=1).mean() / HOP_S)
    return _summary(np.array(reactions), np.array(clear), flicker, movement)


def _summary(
    r: np.ndarray, clear: np.ndarray, flicker: list[float], movement: list[float]
) -> dict[str, Any]:
    def reactions(part: np.ndarray) -> dict[str, float]:
        capped = np.where(np.isfinite(part), part, HALF_S)
        return {
            "switches": len(part),
            "never_settled": int((~np.isfinite(part)).sum()),
            "reaction_p50_s": round(float(np.percentile(capped, 50)), 2)
            if len(part)
            else float("nan"),
            "reaction_p95_s": round(float(np.percentile(capped, 95)), 2)
            if len(part)
            else float("nan"),
        }

    return {
        **reactions(r),
        "clear": reactions(r[clear]),
        "flicker_per_min": round(float(np.mean(flicker)), 2) if flicker else float("nan"),
        "blend_movement_per_s": round(float(np.mean(movement)), 3) if movement else float("nan"),
    }


def live_reactions(model: EvokeModel, m: Material, settings: SmoothingSettings) -> dict[str, float]:
    """The same switches through LiveProcessor in 0.25 s chunks: its preprocessing, its clock.
    The face can show an update at its window's last sample plus the filters' look-ahead."""
    reactions, clear = [], []
    for k, raw, goal in _switch_goals(m):
        clear.append(_clear(raw, goal))
        live = LiveProcessor(model, DEAP_EEG_CHANNELS, RATE, hop_s=HOP_S, smoothing=settings,
                             calibration_s=3.0)  # fmt: skip
        eeg = m.switch_eeg[k]
        updates = [u for c in np.array_split(eeg, len(eeg) // 32) for u in live.push(c)]
        delay = live.resample_delay_s + live.bandpass_delay_s
        shown = np.array([u.emotion for u in updates])
        at = np.array([u.t for u in updates]) + 1 / RATE + delay - BASE / RATE  # from onset
        reactions.append(reaction(shown, at, goal))
    return _summary(np.array(reactions), np.array(clear), [], [])


def grid() -> list[SmoothingSettings]:
    ema = [SmoothingSettings(tau_s=t, hysteresis=h, min_dwell_s=d, method="ema")
           for t, h, d in itertools.product((0.5, 1, 2, 3, 4), (0.05, 0.1, 0.15, 0.2), (0.5, 1, 2))]  # fmt: skip
    hmm = [SmoothingSettings(method="hmm", switch_s=s, evidence=e, confidence=c, min_dwell_s=d)
           for s, e, c, d in itertools.product((5, 10, 20, 40), (1, 1.5, 2, 3, 4),
                                               (0.6, 0.7, 0.8, 0.9, 0.95), (0.5,))]  # fmt: skip
    return ema + hmm


def _label(s: SmoothingSettings) -> str:
    if s.method == "ema":
        return f"ema tau {s.tau_s:g} h {s.hysteresis:g} dwell {s.min_dwell_s:g}"
    return f"hmm switch {s.switch_s:g} s evidence {s.evidence:g} conf {s.confidence:g} dwell {s.min_dwell_s:g}"


def best(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The setting the curve suggests: flicker within its goal (a face that keeps still is the
    goal a smoother alone can meet), then the quickest reaction: p50, then p95, then the fewest
    switches never settled."""
    ok = [r for r in rows if r["flicker_per_min"] <= GOALS["flicker_per_min"]] or rows
    return min(ok, key=lambda r: (r["reaction_p50_s"], r["reaction_p95_s"], r["never_settled"]))


def plot(rows: list[dict[str, Any]], marked: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharex=True)
    panels = (("reaction_p50_s", None, "reaction p50, all switches"),
              ("reaction_p95_s", "clear", "reaction p95, clear switches"))  # fmt: skip
    for ax, (key, part, title) in zip(axes, panels, strict=True):

        def y(r: dict[str, Any], key: str = key, part: str | None = part) -> float:
            return float(r[part][key] if part else r[key])

        for method, colour in (("ema", "tab:blue"), ("hmm", "tab:orange")):
            pts = [r for r in rows if r["method"] == method]
            ax.scatter([r["flicker_per_min"] for r in pts], [y(r) for r in pts], s=14,
                       color=colour, alpha=0.6,
                       label="EMA + hysteresis + dwell" if method == "ema" else "octant filter (HMM)")  # fmt: skip
        for (name, row), style in zip(marked.items(), ("*", "X", "P"), strict=False):
            ax.scatter(row["flicker_per_min"], y(row), s=180, marker=style, color="black",
                       zorder=5, label=name)  # fmt: skip
        ax.axhline(GOALS[key], color="green", lw=1, ls="--")
        ax.axvline(GOALS["flicker_per_min"], color="green", lw=1, ls="--")
        ax.fill_between([0, GOALS["flicker_per_min"]], 0, GOALS[key], color="green", alpha=0.08,
                        label="goal")  # fmt: skip
        ax.set_xlabel("flicker on steady trials (emotion changes per minute)")
        ax.set_ylabel(f"{title} (s; never settled = {HALF_S:g} s)")
        ax.set_xscale("symlog", linthresh=1.0)
        ax.set_ylim(0, HALF_S + 1)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="upper right")
    fig.suptitle("How fast the face follows a switch, against how often it changes when nothing "
                 "does (bundled model, synthetic subjects, hop 0.25 s)", fontsize=9)  # fmt: skip
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(subjects: int, trials: int, seed: int, first: int = 5) -> dict[str, Any]:
    model = load_model()
    unseen(model, first, subjects, seed)
    m = material(model, subjects, trials, seed, first)
    rows = []
    for settings in grid():
        rows.append({"setting": _label(settings), **asdict(settings), **evaluate(m, settings)})
    suggested = best(rows)
    current = SmoothingSettings()
    figures: dict[str, Any] = {
        "subjects": subjects,
        "switches": len(_switch_goals(m)),
        "pairs": len(m.switches),
        "steady_trials": len(m.steady),
        "goals": GOALS,
        "suggested": suggested,
        "first_subject": first,
        "current_defaults": {"setting": _label(current), **evaluate(m, current)},
        "hindsight_defaults": {"setting": _label(current), **evaluate(m, current, True)},
        "old_defaults": {"setting": _label(OLD_DEFAULTS), **evaluate(m, OLD_DEFAULTS)},
        "live": {
            "current_defaults": live_reactions(model, m, current),
            "old_defaults": live_reactions(model, m, OLD_DEFAULTS),
        },
        "grid": rows,
    }
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--subjects", type=int, default=8)
    ap.add_argument("--first-subject", type=int, default=5,
                    help="the first generator subject (the bundled model saw 1-4 of seed 0)")  # fmt: skip
    ap.add_argument("--trials", type=int, default=12, help="trials per subject (pairs: half)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="write the figures (and the whole grid) here")
    ap.add_argument("--plot", help="draw reaction against flicker here (PNG)")
    args = ap.parse_args(argv)
    fig = run(args.subjects, args.trials, args.seed, args.first_subject)
    print(f"{fig['switches']} switches of {fig['pairs']} pairs, {fig['steady_trials']} steady trials, "
          f"{args.subjects} synthetic subjects; goals: {GOALS}")  # fmt: skip
    print(f"{'':26s} {'all switches: p50':>17s} {'p95':>6s} {'never':>6s}   {'clear: p50':>10s} "
          f"{'p95':>6s} {'never':>6s}   {'flicker/min':>11s} {'blend/s':>8s}")  # fmt: skip
    lines = [(n, fig[n]) for n in ("old_defaults", "current_defaults", "hindsight_defaults",
                                   "suggested")]  # fmt: skip
    lines += [(f"live, {n}", r) for n, r in fig["live"].items()]
    for name, r in lines:
        c = r["clear"]
        print(f"{name:26s} {r['reaction_p50_s']:17.2f} {r['reaction_p95_s']:6.2f} "
              f"{r['never_settled']:6d}   {c['reaction_p50_s']:10.2f} {c['reaction_p95_s']:6.2f} "
              f"{c['never_settled']:6d}   {r['flicker_per_min']:11.2f} "
              f"{r['blend_movement_per_s']:8.3f}   {r.get('setting', '')}")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(fig, indent=1))
    if args.plot:
        rows = fig["grid"]
        plot(rows, {"defaults": fig["current_defaults"], "old defaults": fig["old_defaults"]},
             Path(args.plot))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
