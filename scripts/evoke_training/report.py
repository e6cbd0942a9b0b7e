"""A run folder's report.md and learning-curve PNGs, from its metrics (no training here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from evoke_training.metrics import DIMS, pm


def plot_curves(rec: dict[str, Any], path: Path) -> None:
    """Teacher and student side by side: training loss, and validation/test mean accuracy."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, who in zip(axes, ("teacher", "student"), strict=True):
        hist = rec[who]["history"]
        ep = [h["epoch"] for h in hist]
        ax.plot(ep, [h["train_loss"] for h in hist], "k.-", label="train loss")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        acc = ax.twinx()
        for key, style in (("val_mean_accuracy", "b.--"), ("test_mean_accuracy", "r.-")):
            if hist and key in hist[0]:
                acc.plot(ep, [h[key] for h in hist], style, label=key.split("_")[0] + " accuracy")
        acc.set_ylabel("mean accuracy")
        best = rec[who]["best_epoch"]
        ax.axvline(best, color="grey", lw=0.8)
        ax.set_title(f"{rec['name']} {who} (best epoch {best})")
        lines = ax.get_legend_handles_labels()
        more = acc.get_legend_handles_labels()
        ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=7, loc="lower left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _score_rows(summary: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    keys = [f"accuracy_{d}" for d in DIMS] + [f"f1_{d}" for d in DIMS]
    keys += ["mean_accuracy", "mean_f1", "exact_match"]
    rows = ["| score | teacher (CCNN) | student (EVOKE) |", "| --- | --- | --- |"]
    for k in keys:
        scale, nd = (1.0, 3) if k.startswith("f1") or k == "mean_f1" else (100.0, 2)
        unit = "" if scale == 1.0 else " %"
        rows.append(f"| {k}{unit} | {pm(summary['teacher'], k, scale, nd)} "
                    f"| {pm(summary['student'], k, scale, nd)} |")  # fmt: skip
    return rows


def write_report(run_dir: Path, m: dict[str, Any]) -> Path:
    """report.md: config, scores as mean +- std over folds, per-fold table, costs, caveat."""
    cfg = json.loads((run_dir / "config.json").read_text())
    data_kind = "SYNTHETIC DEAP-format data" if cfg.get("synthetic_data") else "DEAP"
    lines = [
        f"# EVOKE training run: {m['protocol']} ({m['scope']}), {m['features'].upper()} features",
        "",
        f"Data: `{cfg['data']}` ({data_kind}), subjects {cfg.get('subjects_used')}, "
        f"{cfg.get('n_windows')} windows. Folds done: {m['folds_done']}/{m['folds_total']}.",
        f"Teacher {cfg['teacher_epochs']} epochs, student {cfg['student_epochs']} epochs, "
        f"batch {cfg['batch']}, Adam lr {cfg['lr']}, T {cfg['T']}, alpha {cfg['alpha']}, "
        f"seed {cfg['seed']}, device {cfg.get('device')} x{cfg.get('world_size', 1)}.",
        "",
        f"**Protocol caveat.** {m['note']}",
        "",
        "Each model's best epoch is picked on a validation slice of the training windows "
        f"({cfg['val_fraction']:.0%} of its trials, or windows for window-kfold); the test fold "
        "is only scored.",
        "",
        "## Test scores (mean +- std over folds)",
        "",
        *_score_rows(m["summary"]),
        "",
        "## Cost",
        "",
        "| | teacher | student | student / teacher |",
        "| --- | --- | --- | --- |",
    ]
    t, s = m["models"]["teacher"], m["models"]["student"]
    for k in ("params", "macs"):
        lines.append(f"| {k} | {t[k]:,} | {s[k]:,} | {s[k] / t[k]:.4f} |")
    spe = m["seconds_per_epoch"]
    if spe["teacher"]:
        lines.append(f"| s/epoch (this run) | {spe['teacher']:.2f} | {spe['student']:.2f} "
                     f"| {spe['student'] / spe['teacher']:.3f} |")  # fmt: skip
    st, ss = m["summary"]["teacher"], m["summary"]["student"]
    if "mean_accuracy" in st:
        ratio = ss["mean_accuracy"]["mean"] / max(st["mean_accuracy"]["mean"], 1e-12)
        lines.append(f"| mean accuracy | | | {ratio:.3f} |")
    lines += ["", "## Folds", "", "| fold | n test | teacher acc % | student acc % | "
              "teacher F1 | student F1 | curves |", "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for r in m["folds"]:
        tt, sv = r["teacher"]["test"], r["student"]["test"]
        lines.append(
            f"| {r['name']} | {r['n_test']} | {tt['mean_accuracy'] * 100:.2f} | "
            f"{sv['mean_accuracy'] * 100:.2f} | {tt['mean_f1']:.3f} | {sv['mean_f1']:.3f} | "
            f"![](curves/{r['name']}.png) |"
        )
    if "final" in m:
        lines += ["", f"`student_final.pt` (what export_model.py writes): {m['final']['source']}."]
    path = run_dir / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path
