"""Which epoch's weights a fit keeps (one rule, stated in every report), and a check of every
rule against the test curve after the fact: the test fold never picks anything, it only shows
how a rule would have done.

    python scripts/evoke.py selection RUN [RUN ...]   # the check over finished run folders

Rules (`--select`):
- smoothed-val-loss (the default): the lowest validation loss (BCE on the labels) averaged over
  the epoch and the 2 on each side (fewer at either end). A loss moves smoothly where the accuracy
  of a slice of a few trials jumps by whole trials, and a centred mean does not lag as a trailing
  one does. No minimum epoch: on synthetic data the student overfits within 1-2 epochs, and a
  minimum epoch there kept worse epochs than the last (docs/REPRODUCE.md has the measurement).
- val-accuracy: the best validation mean accuracy (the previous rule; it chases the noise of a
  tiny slice and once picked a fold's worst test epoch).
- last: the last epoch.
Without a validation slice every rule is the last epoch. Ties go to the later epoch. An epoch's
centred mean is known HALF epochs after it (at once at the last epoch), so the fit keeps the
weights of its last HALF + 1 epochs (`recent`) and the pick among them; the pick made epoch by
epoch is the pick over the whole history (tested).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

RULES = ("smoothed-val-loss", "val-accuracy", "last")
DEFAULT = "smoothed-val-loss"
HALF = 2  # the centred mean covers epoch - HALF .. epoch + HALF
TEXT = {
    "smoothed-val-loss": (
        f"the epoch of lowest validation loss averaged over it and the {HALF} epochs on each side"
    ),
    "val-accuracy": "the epoch of best validation mean accuracy",
    "last": "the last epoch",
}
Row = dict[str, float]


def _centred(losses: list[float], e: int) -> float:
    return float(np.mean(losses[max(0, e - 1 - HALF) : e + HALF]))


def chosen_epoch(history: list[Row], rule: str, epochs: int) -> int:
    """The epoch (1-based) a rule picks from the history so far, `epochs` being planned; 0
    with no history. Before the run ends, smoothed-val-loss only weighs epochs whose centred
    mean is complete (the latest while there is none)."""
    if rule not in RULES:
        raise ValueError(f"unknown selection rule {rule!r}; choose from {', '.join(RULES)}")
    n = len(history)
    if n == 0:
        return 0
    if rule == "last" or "val_loss" not in history[0]:
        return n
    key: Callable[[int], float]
    if rule == "val-accuracy":
        candidates = range(1, n + 1)

        def key(e: int) -> float:
            return history[e - 1]["val_mean_accuracy"]
    else:
        candidates = range(1, n + 1 if n >= epochs else n - HALF + 1)
        losses = [h["val_loss"] for h in history]

        def key(e: int) -> float:
            return -_centred(losses, e)

    return max(candidates, key=lambda e: (key(e), e)) if len(candidates) else n


def check(history: list[Row], epochs: int | None = None) -> dict[str, dict[str, float]]:
    """Per rule: the epoch it picks, and its test mean accuracy minus the last epoch's."""
    if not history or "test_mean_accuracy" not in history[0]:
        return {}
    planned = epochs or len(history)
    last = history[-1]["test_mean_accuracy"]
    out = {}
    for rule in RULES:
        e = chosen_epoch(history, rule, planned)
        out[rule] = {"epoch": e, "minus_last": history[e - 1]["test_mean_accuracy"] - last}
    return out


def summarize_check(folds: list[dict[str, Any]], models: Sequence[str]) -> dict[str, Any]:
    """{model: {rule: mean and std over folds of (test accuracy at its pick - at the last epoch),
    the share of folds where it is worse, the mean epoch picked}} from fold records."""
    out: dict[str, Any] = {}
    for who in models:
        checks = [check(r[who]["history"]) for r in folds if r.get(who) and r[who]["history"]]
        checks = [c for c in checks if c]
        if not checks:
            continue
        out[who] = {}
        for rule in RULES:
            d = np.array([c[rule]["minus_last"] for c in checks])
            out[who][rule] = {
                "mean_minus_last": float(d.mean()),
                "std_minus_last": float(d.std()),
                "worse_share": float((d < -1e-12).mean()),
                "mean_epoch": float(np.mean([c[rule]["epoch"] for c in checks])),
                "n": len(d),
            }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="every selection rule against the last epoch")
    p.add_argument("runs", nargs="+", help="train.py run folders (their folds/*.json)")
    a = p.parse_args(argv)
    folds = [
        json.loads(f.read_text()) for r in a.runs for f in sorted(Path(r).glob("folds/*.json"))
    ]
    result = summarize_check(folds, ("teacher", "student", "scratch"))
    print(f"{len(folds)} folds; test mean accuracy at each rule's epoch minus at the last epoch")
    for who, rules in result.items():
        for rule, s in rules.items():
            print(f"{who:8s} {rule:18s} {s['mean_minus_last'] * 100:+.2f} ± "
                  f"{s['std_minus_last'] * 100:.2f} pp, worse in {s['worse_share']:.0%} of "
                  f"{s['n']} folds, mean epoch {s['mean_epoch']:.1f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
