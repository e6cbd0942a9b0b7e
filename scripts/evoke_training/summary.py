"""Fold records -> what every report shows: each model's mean +- std over folds (the baselines
beside the teacher and the students), what distillation adds (paired per fold: the distilled
student minus the same student trained without a teacher), and the selection rule's check."""

from __future__ import annotations

from typing import Any

from evoke_training import metrics as M
from evoke_training import selection
from evoke_training.fold import LABELS

Summary = dict[str, dict[str, float]]


def model_summaries(recs: list[dict[str, Any]]) -> dict[str, Summary]:
    """{model: summary over folds} for every model in LABELS. Without a teacher the student is
    the no-teacher student: "scratch" holds it and "teacher"/"student" are empty."""
    out = {who: M.summarize([r[who]["test"] for r in recs if r.get(who)]) for who in LABELS}
    if recs and not all(r.get("distilled", True) for r in recs):
        out["scratch"], out["student"], out["teacher"] = out["student"], {}, {}
    return out


def distillation_gain(recs: list[dict[str, Any]]) -> Summary:
    """Distilled student minus the no-teacher student, fold by fold (mean accuracy, macro-F1)."""
    pairs = [(r["student"]["test"], r["scratch"]["test"]) for r in recs if r.get("scratch")]
    keys = ("mean_accuracy", "mean_macro_f1")
    return M.summarize([{k: s[k] - b[k] for k in keys} for s, b in pairs])


def summarize_run(recs: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures block of metrics.json."""
    return {
        "summary": model_summaries(recs),
        "distillation_gain": distillation_gain(recs),
        "selection_check": selection.summarize_check(recs, ("teacher", "student", "scratch")),
    }


def _mean(s: Summary, key: str = "mean_accuracy") -> str:
    return f"{s[key]['mean']:.2f}" if key in s else "-"


def figures_line(summaries: dict[str, Summary], key: str = "mean_accuracy") -> str:
    """'student 0.69 ± 0.02 (majority 0.55, logistic regression 0.66, ...)': a figure with
    its baselines, for printed summaries."""
    main = "student" if summaries.get("student") else "scratch"
    s = summaries[main]
    if key not in s:
        return "no figures yet"
    others = [f"{LABELS[w]} {_mean(summaries[w], key)}" for w in LABELS
              if w != main and summaries.get(w)]  # fmt: skip
    name = key.replace("_", " ")
    return (f"{LABELS[main]} {name} {s[key]['mean']:.3f} ± {s[key]['std']:.3f} over "
            f"{s[key]['n']} folds ({', '.join(others)})")  # fmt: skip


def flat(s: Summary, keys: tuple[str, ...] | None = None) -> dict[str, float]:
    """{key: mean, key_std: std} of a summary (the model file's metrics layout)."""
    out: dict[str, float] = {}
    for k, v in s.items():
        if keys is None or k in keys:
            out[k], out[f"{k}_std"] = v["mean"], v["std"]
    return out
