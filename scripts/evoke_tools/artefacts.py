"""What an amplifier adds must not change the emotion: the share of windows whose emotion changes.

python scripts/evoke.py bench_artefacts [--subjects 2] [--trials 4] [--rate 512] [--json out.json]

Synthetic DEAP trials (clean, band-limited EEG in microvolts) are upsampled to an amplifier's rate
with scipy's resample_poly and become raw recordings; each artefact is added to a copy: per-channel
DC offsets of several millivolts, 50 Hz and 60 Hz mains (common and per-channel parts), slow drift,
a signal common to every channel, and all of them at once. Every copy and the clean one go through
the same runtime (`predict`, discrete emotions, default smoothing, hop 0.25 s); the figure is the
share of windows whose shown emotion differs from the clean copy's. The control column runs the
artefact copies without the preprocessing (as DEAP's preprocessed files are run), to show what it
is for. "drift" is slow (sinusoids of 0.05-0.3 Hz and a random walk smoothed over 2 s); an
unsmoothed (Brownian) random walk is reported beside it: its 1/f^2 spectrum reaches into the EEG
bands themselves (about 1 uV rms in 4-8 Hz here), where no filter can tell it from EEG.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ARTEFACTS = ("dc_offset", "mains_50hz", "mains_60hz", "drift", "common_signal", "all")
# Reported beside them, not held to the target: broadband noise rather than an amplifier artefact.
EXTRA = ("brownian_walk",)


def raw_trials(subjects: int, trials: int, rate: float, seed: int) -> list[np.ndarray]:
    """Clean trials (3 s baseline + 60 s), 32 EEG channels, microvolts, at `rate`."""
    from fractions import Fraction

    from scipy.signal import resample_poly

    from evoke_tools.synthetic import make_subject

    ratio = Fraction(rate / 128.0).limit_denominator(1000)
    out = []
    for subject in range(1, subjects + 1):
        data, _ = make_subject(subject, seed, n_trials=trials)
        for trial in data[:, :32]:
            out.append(resample_poly(trial.T, ratio.numerator, ratio.denominator, axis=0))
    return out


def add_artefact(x: np.ndarray, kind: str, rate: float, rng: np.random.Generator) -> np.ndarray:
    """x (samples, channels) in microvolts with one kind of amplifier artefact added."""
    n, ch = x.shape
    t = np.arange(n)[:, None] / rate
    if kind == "all":
        for part in ARTEFACTS[:-1]:  # every amplifier artefact, not the extra
            x = add_artefact(x, part, rate, rng)
        return x
    if kind == "dc_offset":  # DC-coupled amplifiers: tens of mV possible, here up to 10 mV
        return x + rng.uniform(-10_000.0, 10_000.0, ch)
    if kind in ("mains_50hz", "mains_60hz"):
        f = 50.0 if kind == "mains_50hz" else 60.0
        common = 40.0 * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
        own = rng.uniform(0.0, 10.0, ch) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi, ch))
        return x + common + own
    if kind == "drift":  # electrode polarisation and sweat: slow, large
        slow = rng.uniform(100.0, 300.0, ch) * np.sin(
            2 * np.pi * rng.uniform(0.05, 0.3, ch) * t + rng.uniform(0, 2 * np.pi, ch)
        )
        return x + slow + slow_walk(n, ch, rate, rng)
    if kind == "brownian_walk":  # not slow: a raw random walk puts power into the EEG bands
        return x + np.cumsum(rng.standard_normal((n, ch)), axis=0) * (20.0 / np.sqrt(rate))
    if kind == "common_signal":  # the reference electrode's own activity, on every channel
        return x + 30.0 * rng.standard_normal((n, 1))
    raise ValueError(f"unknown artefact {kind!r}")


def slow_walk(n: int, ch: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """A random walk (20 uV per sqrt(s)) smoothed over 2 s: wandering, but only below ~0.5 Hz."""
    walk = np.cumsum(rng.standard_normal((n + 1, ch)), axis=0) * (20.0 / np.sqrt(rate))
    width = round(2 * rate)
    csum = np.cumsum(np.vstack([np.zeros((1, ch)), walk]), axis=0)
    padded = np.concatenate([csum, np.repeat(csum[-1:], width, axis=0)])
    return (padded[width : width + n] - padded[:n]) / width


def _emotions(samples: np.ndarray, rate: float, *, preprocess: bool) -> np.ndarray:
    from inference import PredictOptions, Recording, load_model, predict
    from inference.deap import BASELINE_S
    from inference.dsp.electrodes import DEAP_EEG_CHANNELS
    from inference.io.recording import Trial

    base = round(BASELINE_S * rate)
    rec = Recording(
        samples, DEAP_EEG_CHANNELS, rate, "bench", (Trial(base, samples.shape[0]),),
        unit_known=True, preprocessed=not preprocess,
    )  # fmt: skip
    pred = predict(rec, load_model(), PredictOptions(hop_s=0.25))
    return pred.timelines[0].emotion


def artefact_shares(
    subjects: int = 2, trials: int = 4, rate: float = 512.0, seed: int = 7
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    clean = raw_trials(subjects, trials, rate, seed)
    kinds = ARTEFACTS + EXTRA
    changed = {kind: 0 for kind in kinds}
    control = {kind: 0 for kind in kinds}
    total = 0
    for x in clean:
        reference = _emotions(x, rate, preprocess=True)
        reference_raw = _emotions(x, rate, preprocess=False)
        total += len(reference)
        for kind in kinds:
            dirty = add_artefact(x, kind, rate, rng)
            changed[kind] += int((_emotions(dirty, rate, preprocess=True) != reference).sum())
            control[kind] += int((_emotions(dirty, rate, preprocess=False) != reference_raw).sum())
    return {
        "rate_hz": rate,
        "trials": len(clean),
        "windows": total,
        "changed_share": {k: round(v / total, 4) for k, v in changed.items()},
        "changed_share_without_preprocessing": {k: round(v / total, 4) for k, v in control.items()},
        "target": f"< 0.10 for {', '.join(ARTEFACTS)}",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--subjects", type=int, default=2)
    ap.add_argument("--trials", type=int, default=4, help="trials per subject")
    ap.add_argument("--rate", type=float, default=512.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    figures = artefact_shares(args.subjects, args.trials, args.rate, args.seed)
    print(f"{figures['trials']} trials, {figures['windows']} windows at {args.rate:g} Hz")
    print(f"{'artefact':16s} {'changed':>8s} {'without preprocessing':>22s}")
    for kind in ARTEFACTS + EXTRA:
        a = figures["changed_share"][kind]
        b = figures["changed_share_without_preprocessing"][kind]
        print(f"{kind:16s} {a:8.1%} {b:22.1%}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
