"""Fig. 4: student accuracy and F1 against the temperature T and the weight alpha of Eq. 1.

    python scripts/sweep.py --data DIR --epochs 50 --folds 5 --out runs/sweep

One teacher is trained per fold and kept fixed; for each T (alpha = 0.25) and each alpha
(T = 1.25) a fresh student is distilled from it and scored on the test fold (best epoch picked on
a validation slice). Writes sweep.json and fig4.png (a 2x2 figure laid out like the paper's).
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
from evoke_training import models
from evoke_training import protocols as P
from evoke_training.config import study_config
from evoke_training.distill import distillation_loss
from evoke_training.fitting import fit, label_loss, predict, score, setup_env

TS = (1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0)
ALPHAS = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)
T0, ALPHA0 = 1.25, 0.25  # the paper's best: each axis is swept with the other held here


def sweep(args: argparse.Namespace) -> dict[str, Any]:
    env = setup_env(args.device)
    cfg = study_config(
        args,
        teacher_epochs=args.teacher_epochs,
        student_epochs=args.student_epochs,
        features=args.features,
    )
    ws = D.load_features(args.data, args.features, subjects=args.subjects, cache_dir=args.cache)
    x, y = torch.from_numpy(ws.x), torch.from_numpy(ws.y.astype(np.int64))
    yf = y.float()
    splits = P.make_splits(ws.subject, ws.trial, args.protocol, args.folds, args.seed)
    grid = sorted({(t, ALPHA0) for t in args.Ts} | {(T0, a) for a in args.alphas})
    per: dict[str, list[dict[str, float]]] = {f"{t},{a}": [] for t, a in grid}
    teachers = []
    for split in splits:
        fit_idx, val_idx = P.validation_split(
            split.train, ws.subject, ws.trial, args.protocol, cfg.val_fraction, args.seed
        )
        torch.manual_seed(args.seed)
        teacher = models.CCNN()
        res = fit(
            teacher, "ccnn", x, y, (fit_idx, val_idx, split.test), label_loss(y),
            args.teacher_epochs, cfg, env, None, f"{split.name} teacher",
        )  # fmt: skip
        teacher.load_state_dict(res.best_state)
        z = predict(teacher, x)
        teachers.append(score(z[split.test], y[split.test]))
        for t, a in grid:

            def kd(
                v: torch.Tensor, idx: torch.Tensor, t: float = t, a: float = a, z: torch.Tensor = z
            ) -> torch.Tensor:
                dev = v.device
                return distillation_loss(v, z[idx].to(dev), yf[idx].to(dev), t, a)

            torch.manual_seed(args.seed + 1)
            student = models.Student()
            r = fit(
                student, "student", x, y, (fit_idx, val_idx, split.test[:0]), kd,
                args.student_epochs, cfg, env, None, f"{split.name} T={t} a={a}",
            )  # fmt: skip
            student.load_state_dict(r.best_state)
            per[f"{t},{a}"].append(score(predict(student, x[split.test]), y[split.test]))
            print(f"{split.name} T={t} alpha={a}: {per[f'{t},{a}'][-1]['mean_accuracy']:.4f}")
    return {
        "protocol": args.protocol,
        "folds": len(splits),
        "features": args.features,
        "teacher_epochs": args.teacher_epochs,
        "student_epochs": args.student_epochs,
        "synthetic_data": D.is_synthetic(args.data),
        "teacher": M.summarize(teachers),
        "T_sweep": {str(t): M.summarize(per[f"{t},{ALPHA0}"]) for t in args.Ts},
        "alpha_sweep": {str(a): M.summarize(per[f"{T0},{a}"]) for a in args.alphas},
        "note": P.LEAK_NOTE,
    }


def plot(result: dict[str, Any], path: Path) -> None:
    """(a) accuracy vs T, (b) accuracy vs alpha, (c) F1 vs T, (d) F1 vs alpha; +- std bands."""
    fig, axes = plt.subplots(2, 2, figsize=(9, 7))
    for col, (key, label) in enumerate((("T_sweep", "temperature T"), ("alpha_sweep", "alpha"))):
        xs = [float(k) for k in result[key]]
        for row, (metric, scale, name) in enumerate(
            (("mean_accuracy", 100.0, "accuracy (%)"), ("mean_f1", 1.0, "F1"))
        ):
            mean = np.array([v[metric]["mean"] for v in result[key].values()]) * scale
            std = np.array([v[metric]["std"] for v in result[key].values()]) * scale
            ax = axes[row, col]
            ax.plot(xs, mean, "o-")
            ax.fill_between(xs, mean - std, mean + std, alpha=0.2)
            ax.set_xlabel(label)
            ax.set_ylabel(name)
            ax.set_title(f"({'abcd'[2 * row + col]}) student {name} vs {label}")
    fig.suptitle(f"{result['protocol']}, {result['folds']} folds, mean over folds")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _floats(s: str) -> tuple[float, ...]:
    return tuple(float(v) for v in s.split(","))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--data", required=True)
    p.add_argument("--out", default="runs/sweep")
    p.add_argument("--epochs", type=int, default=50, help="teacher and student epochs (Fig. 4: 50)")
    p.add_argument("--teacher-epochs", type=int)
    p.add_argument("--student-epochs", type=int)
    p.add_argument("--protocol", default="trial-kfold", choices=P.PROTOCOLS)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--features", default="de", choices=("de", "psd"))
    p.add_argument("--Ts", type=_floats, default=TS)
    p.add_argument("--alphas", type=_floats, default=ALPHAS)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--subjects", type=lambda s: [int(v) for v in s.split(",")], default=None)
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--cache", default=None)
    a = p.parse_args(argv)
    a.teacher_epochs = a.teacher_epochs or a.epochs
    a.student_epochs = a.student_epochs or a.epochs
    result = sweep(a)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.json").write_text(json.dumps(result, indent=1))
    plot(result, out / "fig4.png")
    print(f"wrote {out / 'sweep.json'} and {out / 'fig4.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
