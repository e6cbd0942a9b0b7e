"""Fig. 4: student accuracy and F1 against the temperature T and the weight alpha of Eq. 1.

    python scripts/evoke.py sweep --data DIR --epochs 50 --folds 5 --out runs/sweep

One teacher is trained per fold and kept fixed; for each T (alpha = 0.25 held fixed) and each
alpha (T = 1.25 held fixed) a fresh student is distilled from it and scored on the test fold
(epoch kept by the selection rule on a validation slice). T = 1.25 and alpha = 0.25 are always
in the grid (added, and said so, when --Ts or --alphas lack them). Beside the curves, on the
same splits: the teacher, the student trained without a teacher (= alpha 0: Eq. 1 with alpha 0
is the label loss, same initialisation and batches, so alpha 0 reuses it), a logistic regression
and the majority class. Writes sweep.json and fig4.png (2x2, laid out like the paper's; F1 is
macro-F1; bands are ± std over folds).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from evoke_training import data as D
from evoke_training import metrics as M
from evoke_training import progress as bar
from evoke_training import protocols as P
from evoke_training.config import Config, study_config, study_parser
from evoke_training.fitting import Env, label_loss, predict, score, setup_env
from evoke_training.fold import (
    LABELS,
    baseline_records,
    kd_loss,
    make_fold,
    train_student,
    train_teacher,
)
from evoke_training.provenance import data_provenance

TS = (1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0)
ALPHAS = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)
T0, ALPHA0 = 1.25, 0.25  # the paper's best: each axis is swept with the other held here
REFERENCES = ("teacher", "scratch", "linear", "majority")  # horizontal lines in Fig. 4
STYLES = {"teacher": "k-", "scratch": "g--", "linear": "m-.", "majority": "r:"}


def grid_axes(
    ts: Sequence[float], alphas: Sequence[float]
) -> tuple[list[float], list[float], list[str]]:
    """The swept values with each axis's fixed point included, and what had to be added."""
    added = [f"T={T0}"] * (T0 not in ts) + [f"alpha={ALPHA0}"] * (ALPHA0 not in alphas)
    return sorted({*ts, T0}), sorted({*alphas, ALPHA0}), added


def _fold(ws: D.WindowSet, split: P.Split, cfg: Config, env: Env,
          grid: list[tuple[float, float]], per: dict[str, list[dict[str, float]]]) -> None:  # fmt: skip
    """One fold: the teacher, the references, one distilled student per grid point."""
    x, y = torch.from_numpy(ws.x), torch.from_numpy(ws.y.astype(np.int64))
    fold = make_fold(ws, x, y, split.train, split.test, cfg, env, split.name)
    teacher, _ = train_teacher(fold)
    z = predict(teacher, x)
    per["teacher"].append(score(z[split.test], y[split.test]))
    for who, rec in baseline_records(fold).items():
        per[who].append(rec["test"])
    scratch, _ = train_student(fold, label_loss(y), "scratch", curves=False)
    per["scratch"].append(score(predict(scratch, x[split.test]), y[split.test]))
    for t, a in grid:
        if a == 0:  # Eq. 1 with alpha 0 is the label loss: the no-teacher student, trained above
            per[f"{t},{a}"].append(per["scratch"][-1])
            continue
        student, _ = train_student(fold, kd_loss(z, y, t, a), "student", curves=False,
                                   desc=f"{split.name} T={t} a={a}")  # fmt: skip
        per[f"{t},{a}"].append(score(predict(student, x[split.test]), y[split.test]))


def sweep(args: argparse.Namespace) -> dict[str, Any]:
    if args.teacher_epochs == 0:
        raise SystemExit("the sweep distils from a teacher: --teacher-epochs must be above 0")
    env = setup_env(args.device)
    cfg = study_config(args, teacher_epochs=args.teacher_epochs,
                       student_epochs=args.student_epochs, features=args.features)  # fmt: skip
    dataset = data_provenance(args.data, args.data_kind, args.subjects, args.data_name, args.cache)
    ws = D.load_features(args.data, args.features, subjects=args.subjects, cache_dir=args.cache)
    splits = P.make_splits(ws.subject, ws.trial, args.protocol, args.folds, args.seed)
    ts, alphas, added = grid_axes(args.Ts, args.alphas)
    grid = sorted({(t, ALPHA0) for t in ts} | {(T0, a) for a in alphas})
    per: dict[str, list[dict[str, float]]] = {k: [] for k in REFERENCES}
    per.update({f"{t},{a}": [] for t, a in grid})
    students = 1 + sum(a != 0 for _, a in grid)
    total = len(splits) * (args.teacher_epochs + students * args.student_epochs)
    with bar.overall(total, "Fig. 4", args.progress):
        for split in splits:
            _fold(ws, split, cfg, env, grid, per)
    return {
        "protocol": args.protocol,
        "folds": len(splits),
        "features": args.features,
        "teacher_epochs": args.teacher_epochs,
        "student_epochs": args.student_epochs,
        "dataset": dataset,
        "fixed": {"T_sweep": {"alpha": ALPHA0}, "alpha_sweep": {"T": T0}},
        "added_to_grid": added,
        "references": {k: M.summarize(per[k]) for k in REFERENCES},
        "T_sweep": {str(t): M.summarize(per[f"{t},{ALPHA0}"]) for t in ts},
        "alpha_sweep": {str(a): M.summarize(per[f"{T0},{a}"]) for a in alphas},
        "note": P.protocol_note(args.protocol),
    }


def _panel(ax: Any, result: dict[str, Any], key: str, metric: str, scale: float) -> None:
    """One panel: the student's curve with its ± std band, the references as lines. The axis
    spans the curve and the trained references; a reference far below it (the majority class,
    usually) is named in the legend with its value instead of squashing the curves."""
    xs = [float(k) for k in result[key]]
    mean = np.array([v[metric]["mean"] for v in result[key].values()]) * scale
    std = np.array([v[metric]["std"] for v in result[key].values()]) * scale
    ax.plot(xs, mean, "o-", label="student, distilled")
    ax.fill_between(xs, mean - std, mean + std, alpha=0.2)
    low, high = float((mean - std).min()), float((mean + std).max())
    refs = {w: r for w in REFERENCES if (r := result["references"][w].get(metric))}
    for who, ref in refs.items():
        if who != "majority":
            low = min(low, (ref["mean"] - ref["std"]) * scale)
            high = max(high, (ref["mean"] + ref["std"]) * scale)
    pad = max(high - low, 1e-3 * scale) * 0.15
    low, high = low - pad, high + pad
    for who, ref in refs.items():
        m, s = ref["mean"] * scale, ref["std"] * scale
        label = LABELS[who]
        if not low <= m <= high:
            label += f" {m:.3g} (off the axis)"
        ax.axhline(m, color=STYLES[who][0], ls=STYLES[who][1:], lw=1, label=label)
        ax.axhspan(m - s, m + s, color=STYLES[who][0], alpha=0.06)
    ax.set_ylim(low, high)


def plot(result: dict[str, Any], path: Path) -> None:
    """(a) accuracy vs T, (b) accuracy vs alpha, (c) F1 vs T, (d) F1 vs alpha; ± std bands."""
    fig, axes = plt.subplots(2, 2, figsize=(10, 8))
    axes_of = (("T_sweep", "temperature T", f"alpha = {ALPHA0} fixed"),
               ("alpha_sweep", "alpha", f"T = {T0} fixed"))  # fmt: skip
    for col, (key, label, fixed) in enumerate(axes_of):
        for row, (metric, scale, name) in enumerate(
            (("mean_accuracy", 100.0, "accuracy (%)"), ("mean_macro_f1", 1.0, "macro-F1"))
        ):
            ax = axes[row, col]
            _panel(ax, result, key, metric, scale)
            ax.set_xlabel(label)
            ax.set_ylabel(name)
            ax.set_title(
                f"({'abcd'[2 * row + col]}) student {name} vs {label} ({fixed})", fontsize=9
            )
    axes[0, 0].legend(fontsize=7)
    title = (f"{result['protocol']}, {result['folds']} folds, teacher {result['teacher_epochs']} / "
             f"student {result['student_epochs']} epochs, mean ± std over folds; "
             f"{result['dataset']['name']}")  # fmt: skip
    if result["protocol"] == "window-kfold":
        title += f"\n{P.WINDOW_WARNING}"
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _floats(s: str) -> tuple[float, ...]:
    return tuple(float(v) for v in s.split(","))


def main(argv: Sequence[str] | None = None) -> int:
    p = study_parser(__doc__.split("\n\n")[0] if __doc__ else None, 50,
                     "teacher and student epochs (Fig. 4: 50)")  # fmt: skip
    p.add_argument("--out", default="runs/sweep")
    p.add_argument("--teacher-epochs", type=int, help="teacher epochs (default --epochs)")
    p.add_argument("--student-epochs", type=int, help="student epochs (default --epochs)")
    p.add_argument("--features", default="de", choices=("de", "psd"))
    p.add_argument("--Ts", type=_floats, default=TS, help=f"temperatures ({T0} always added)")
    p.add_argument("--alphas", type=_floats, default=ALPHAS, help=f"alphas ({ALPHA0} always added)")
    a = p.parse_args(argv)
    a.teacher_epochs = a.epochs if a.teacher_epochs is None else a.teacher_epochs  # 0 means 0
    a.student_epochs = a.epochs if a.student_epochs is None else a.student_epochs
    result = sweep(a)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.json").write_text(json.dumps(result, indent=1))
    plot(result, out / "fig4.png")
    if result["added_to_grid"]:
        print(f"added to the grid (each axis's fixed point): {', '.join(result['added_to_grid'])}")
    print(f"wrote {out / 'sweep.json'} and {out / 'fig4.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
