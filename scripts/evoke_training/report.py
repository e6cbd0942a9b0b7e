"""A run folder's report.md and learning-curve PNGs, from its metrics (no training here).

Every figure stands beside its protocol, the majority-class rate, a logistic regression on the
same features and splits, and the student trained without a teacher; F1 is macro-F1; scores are
mean ± std over folds; window-kfold's figures carry their warning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from evoke_training import selection
from evoke_training.fold import LABELS
from evoke_training.metrics import DIMS, pm
from evoke_training.provenance import describe_data

MODELS = tuple(LABELS)
NETS = ("teacher", "student", "scratch")  # the fitted models, with learning curves
BASELINE_NOTE = (
    "Majority class: each dimension's more frequent label in the training fold, predicted for "
    "every test window. Logistic regression: L2 (C = 1) on the same 324 standardised band "
    "features and the same training windows as the networks. Student, no teacher: the same "
    "student, same initialisation and batches, trained on the labels alone. F1 is macro-F1 "
    "(per dimension the mean of the F1 of high and of low), so a constant predictor cannot "
    "score well; `f1_high_*` in metrics.json is the high class's F1 alone."
)


def plot_curves(rec: dict[str, Any], path: Path) -> None:
    """Each fitted model side by side: training loss, and validation/test mean accuracy."""
    nets = [w for w in NETS if rec.get(w)]
    fig, axes = plt.subplots(1, len(nets), figsize=(5 * len(nets), 3.6), squeeze=False)
    for ax, who in zip(axes[0], nets, strict=True):
        hist = rec[who]["history"]
        ep = [h["epoch"] for h in hist]
        ax.plot(ep, [h["train_loss"] for h in hist], "k.-", label="train loss")
        if hist and "val_loss" in hist[0]:
            ax.plot(ep, [h["val_loss"] for h in hist], "b:", label="validation loss")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        acc = ax.twinx()
        for key, style in (("val_mean_accuracy", "b.--"), ("test_mean_accuracy", "r.-")):
            if hist and key in hist[0]:
                acc.plot(ep, [h[key] for h in hist], style, label=key.split("_")[0] + " accuracy")
        acc.set_ylabel("mean accuracy")
        kept = rec[who]["best_epoch"]
        ax.axvline(kept, color="grey", lw=0.8)
        ax.set_title(f"{rec['name']} {LABELS[who]} (kept epoch {kept})", fontsize=9)
        lines = ax.get_legend_handles_labels()
        more = acc.get_legend_handles_labels()
        ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=7, loc="lower left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def columns(summaries: dict[str, Any]) -> list[str]:
    """The models a report shows, in order; without a teacher only the baselines and the
    no-teacher student."""
    return [w for w in MODELS if summaries.get(w)]


def score_rows(summaries: dict[str, Any]) -> list[str]:
    """A Markdown table: one row per score, one column per model, mean ± std over folds."""
    keys = ["mean_accuracy", *[f"accuracy_{d}" for d in DIMS], "mean_macro_f1"]
    keys += [*[f"macro_f1_{d}" for d in DIMS], "exact_match"]
    cols = columns(summaries)
    rows = [
        "| score | " + " | ".join(LABELS[w] for w in cols) + " |",
        "|---" * (len(cols) + 1) + "|",
    ]
    for k in keys:
        scale, nd, unit = (1.0, 3, "") if "f1" in k else (100.0, 2, " %")
        cells = " | ".join(pm(summaries[w], k, scale, nd) for w in cols)
        rows.append(f"| {k.replace('_', ' ')}{unit} | {cells} |")
    return rows


def _gain_lines(m: dict[str, Any]) -> list[str]:
    g = m.get("distillation_gain", {})
    if "mean_accuracy" not in g:
        why = "no teacher in this run" if not m.get("distilled", True) else "no fold done"
        return [f"Not measured: {why}."]
    return [
        "Distilled student minus the same student trained without a teacher, fold by fold: "
        f"mean accuracy {pm(g, 'mean_accuracy')} points, macro-F1 "
        f"{pm(g, 'mean_macro_f1', 1.0, 3)} (mean ± std over {g['mean_accuracy']['n']} folds)."
    ]


def _selection_lines(m: dict[str, Any], rule: str) -> list[str]:
    check = m.get("selection_check", {})
    if not check:
        return ["No test curve to check against."]
    rules = selection.RULES
    lines = [
        "Test mean accuracy at the epoch each rule picks minus at the last epoch, percentage "
        "points, mean ± std over folds (share of folds where it is worse; mean epoch). The "
        f"test fold picks nothing: this only shows how each rule did. In use: {rule}.",
        "",
        "| model | " + " | ".join(rules) + " |",
        "|---" * (len(rules) + 1) + "|",
    ]
    for who, by_rule in check.items():
        cells = [
            f"{s['mean_minus_last'] * 100:+.2f} ± {s['std_minus_last'] * 100:.2f} "
            f"({s['worse_share']:.0%}; {s['mean_epoch']:.1f})"
            for s in (by_rule[r] for r in rules)
        ]
        lines.append(f"| {LABELS[who]} | " + " | ".join(cells) + " |")
    return lines


def _cost_lines(m: dict[str, Any]) -> list[str]:
    t, s = m["models"]["teacher"], m["models"]["student"]
    lines = ["| | teacher | student | student / teacher |", "| --- | --- | --- | --- |"]
    for k in ("params", "macs"):
        lines.append(f"| {k} | {t[k]:,} | {s[k]:,} | {s[k] / t[k]:.4f} |")
    spe = m["seconds_per_epoch"]
    if spe["teacher"] and spe["student"]:
        lines.append(f"| s/epoch (this run) | {spe['teacher']:.2f} | {spe['student']:.2f} "
                     f"| {spe['student'] / spe['teacher']:.3f} |")  # fmt: skip
    return lines


def _fold_lines(m: dict[str, Any]) -> list[str]:
    cols = [w for w in MODELS if any(r.get(w) for r in m["folds"])]
    lines = ["| fold | n test | " + " | ".join(f"{LABELS[w]} acc %" for w in cols) + " | curves |",
             "|---" * (len(cols) + 3) + "|"]  # fmt: skip
    for r in m["folds"]:
        accs = [f"{r[w]['test']['mean_accuracy'] * 100:.2f}" if r.get(w) else "-" for w in cols]
        lines.append(f"| {r['name']} | {r['n_test']} | " + " | ".join(accs)
                     + f" | ![](curves/{r['name']}.png) |")  # fmt: skip
    return lines


def write_report(run_dir: Path, m: dict[str, Any]) -> Path:
    """report.md: data, protocol, every model's scores beside the baselines, what distillation
    adds, the selection check, costs, folds."""
    cfg = json.loads((run_dir / "config.json").read_text())
    protocol = f"{m['protocol']} ({m['scope']}, {m['folds_done']}/{m['folds_total']} folds)"
    teacher = (f"Teacher {cfg['teacher_epochs']} epochs, student {cfg['student_epochs']} epochs "
               f"(T {cfg['T']}, alpha {cfg['alpha']})" if m.get("distilled", True) else
               f"No teacher: the student alone on the labels, {cfg['student_epochs']} epochs")  # fmt: skip
    lines = [
        f"# EVOKE training run: {protocol}, {m['features'].upper()} features",
        "",
        f"Data: {describe_data(m['dataset'])}; {cfg.get('n_windows')} windows.",
        f"{teacher}; batch {cfg['batch']}, Adam lr {cfg['lr']}, seed {cfg['seed']}, "
        f"device {cfg.get('device')} x{cfg.get('world_size', 1)}.",
        "",
        f"**Protocol: {m['protocol']}.** {m['note']}",
        "",
        f"Model selection: each network keeps {m['selection']} on a validation slice of its "
        f"training windows ({cfg['val_fraction']:.0%} of its trials, or windows for "
        "window-kfold); the test fold is only scored.",
        "",
        f"## Test scores, {protocol}: mean ± std over folds",
        "",
        *score_rows(m["summary"]),
        "",
        BASELINE_NOTE,
        "",
        "## What distillation adds",
        "",
        *_gain_lines(m),
        "",
        "## Model selection check",
        "",
        *_selection_lines(m, cfg.get("select", "")),
        "",
        "## Cost",
        "",
        *_cost_lines(m),
        "",
        "## Folds",
        "",
        *_fold_lines(m),
    ]
    if "final" in m:
        lines += ["", f"`student_final.pt` (what export_model.py writes): {m['final']['source']}."]
    path = run_dir / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path
