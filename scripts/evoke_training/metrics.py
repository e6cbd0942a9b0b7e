"""Multi-label scores for (valence, arousal, dominance): per-dimension accuracy and F1, their
means, the exact-match rate (all three right), and mean +- std over folds."""

from __future__ import annotations

import numpy as np

DIMS = ("valence", "arousal", "dominance")


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """(n, 3) 0/1 truths and predictions -> flat dict of scores in 0..1.

    F1 is for the 'high' class of each dimension; where a dimension has no positive in either
    truth or prediction, F1 is 0 (sklearn's zero_division=0).
    """
    t = np.asarray(y_true).astype(bool)
    p = np.asarray(y_pred).astype(bool)
    if t.shape != p.shape or t.ndim != 2 or t.shape[1] != len(DIMS):
        raise ValueError(f"need two (n, 3) arrays, got {t.shape} and {p.shape}")
    if t.shape[0] == 0:
        raise ValueError("no samples to score")
    acc = (t == p).mean(axis=0)
    tp = (t & p).sum(axis=0)
    denom = t.sum(axis=0) + p.sum(axis=0)
    f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    out: dict[str, float] = {}
    for i, d in enumerate(DIMS):
        out[f"accuracy_{d}"] = float(acc[i])
        out[f"f1_{d}"] = float(f1[i])
    out["mean_accuracy"] = float(acc.mean())
    out["mean_f1"] = float(f1.mean())
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
    """'93.23 +- 0.41' for a summarized score (percent by default)."""
    if key not in summary:
        return "-"
    s = summary[key]
    return f"{s['mean'] * scale:.{nd}f} +- {s['std'] * scale:.{nd}f}"
