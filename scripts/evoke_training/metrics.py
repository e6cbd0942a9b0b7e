"""Multi-label scores for (valence, arousal, dominance): per-dimension accuracy and F1, their
means, the exact-match rate (all three right), and mean +- std over folds.

The F1 reported everywhere is macro-F1: per dimension, the mean of the F1 of "high" and the F1 of
"low", so a constant predictor cannot look good (it scores at most ~0.5 on a dimension, where the
F1 of the "high" class alone gives a constant "high" predictor up to 1.0). The positive class's F1
is kept as `f1_high_*` for comparison with papers that report it.
"""

from __future__ import annotations

import numpy as np

DIMS = ("valence", "arousal", "dominance")


def _f1(t: np.ndarray, p: np.ndarray) -> np.ndarray:
    """F1 of the True class per column; 0 where it is in neither truth nor prediction
    (sklearn's zero_division=0)."""
    tp = (t & p).sum(axis=0)
    denom = t.sum(axis=0) + p.sum(axis=0)
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """(n, 3) 0/1 truths and predictions -> flat dict of scores in 0..1."""
    t = np.asarray(y_true).astype(bool)
    p = np.asarray(y_pred).astype(bool)
    if t.shape != p.shape or t.ndim != 2 or t.shape[1] != len(DIMS):
        raise ValueError(f"need two (n, 3) arrays, got {t.shape} and {p.shape}")
    if t.shape[0] == 0:
        raise ValueError("no samples to score")
    acc = (t == p).mean(axis=0)
    f1_high = _f1(t, p)
    macro = (f1_high + _f1(~t, ~p)) / 2
    out: dict[str, float] = {}
    for i, d in enumerate(DIMS):
        out[f"accuracy_{d}"] = float(acc[i])
        out[f"macro_f1_{d}"] = float(macro[i])
        out[f"f1_high_{d}"] = float(f1_high[i])
    out["mean_accuracy"] = float(acc.mean())
    out["mean_macro_f1"] = float(macro.mean())
    out["mean_f1_high"] = float(f1_high.mean())
    out["exact_match"] = float((t == p).all(axis=1).mean())
    return out


def from_logits(y_true: np.ndarray, logits: np.ndarray) -> dict[str, float]:
    """Scores of logits thresholded at 0 (probability 0.5)."""
    return scores(y_true, np.asarray(logits) > 0)


def summarize(per_fold: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """{score: {"mean", "std", "n"}} over folds (population std; 0 for one fold)."""
    if not per_fold:
        return {}
    keys = [k for k in per_fold[0] if all(k in f for f in per_fold)]
    out: dict[str, dict[str, float]] = {}
    for k in keys:
        v = np.array([f[k] for f in per_fold], dtype=np.float64)
        out[k] = {"mean": float(v.mean()), "std": float(v.std()), "n": len(v)}
    return out


def pm(summary: dict[str, dict[str, float]], key: str, scale: float = 100.0, nd: int = 2) -> str:
    """'93.23 ± 0.41' for a summarized score (percent by default); '-' when it is absent."""
    if key not in summary:
        return "-"
    s = summary[key]
    return f"{s['mean'] * scale:.{nd}f} ± {s['std'] * scale:.{nd}f}"
