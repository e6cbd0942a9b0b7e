"""One fold, every model on the same windows: the CCNN teacher, the student distilled from it
(Eq. 1), the same student trained from scratch on the labels alone (same initialisation, same
batches: the paired comparison that shows what distillation adds), the logistic regression and
the majority class. Used by train.py, Table I and the sweep.

The validation slice is cut from the fold's training windows; the networks train on the rest
and so does the logistic regression; the majority class is read from all training windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from evoke_training import baselines, models
from evoke_training import data as D
from evoke_training import protocols as P
from evoke_training.config import Config
from evoke_training.distill import distillation_loss
from evoke_training.fitting import Env, FitResult, LossFn, fit, label_loss, predict, score

# Labels of the models a fold record may hold, in the order every report shows them.
LABELS = {
    "majority": "majority class",
    "linear": "logistic regression",
    "scratch": "student, no teacher",
    "teacher": "teacher (CCNN)",
    "student": "student, distilled",
}


@dataclass
class Fold:
    """What every model of one fold is trained and scored on."""

    ws: D.WindowSet
    x: torch.Tensor
    y: torch.Tensor
    train: np.ndarray  # all the fold's training windows
    fit_idx: np.ndarray  # ... less the validation slice
    val_idx: np.ndarray
    test: np.ndarray
    cfg: Config
    env: Env
    tag: str
    ckpt_dir: Path | None = None

    @property
    def split(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.fit_idx, self.val_idx, self.test

    def checkpoint(self, who: str) -> Path | None:
        return self.ckpt_dir / f"{self.tag}-{who}.pt" if self.ckpt_dir else None


def make_fold(ws: D.WindowSet, x: torch.Tensor, y: torch.Tensor, train: np.ndarray,
              test: np.ndarray, cfg: Config, env: Env, tag: str,
              ckpt_dir: Path | None = None) -> Fold:  # fmt: skip
    fit_idx, val_idx = P.validation_split(
        train, ws.subject, ws.trial, cfg.protocol, cfg.val_fraction, cfg.seed
    )
    return Fold(ws, x, y, train, fit_idx, val_idx, test, cfg, env, tag, ckpt_dir)


def model_record(net: nn.Module, res: FitResult, fold: Fold) -> dict[str, Any]:
    """A fitted model's test scores, the epoch kept, its validation accuracy and its curves."""
    kept = res.history[res.best_epoch - 1] if res.best_epoch > 0 else {}
    test = fold.test
    return {
        "test": score(predict(net, fold.x[test]), fold.y[test]) if len(test) else {},
        "best_epoch": res.best_epoch,
        "val_mean_accuracy": kept.get("val_mean_accuracy", float("nan")),
        "seconds_per_epoch": res.seconds_per_epoch,
        "history": res.history,
    }


def train_teacher(fold: Fold) -> tuple[nn.Module, FitResult]:
    torch.manual_seed(fold.cfg.seed)
    teacher = models.CCNN(in_channels=fold.x.shape[1])
    res = fit(teacher, "ccnn", fold.x, fold.y, fold.split, label_loss(fold.y),
              fold.cfg.teacher_epochs, fold.cfg, fold.env, fold.checkpoint("teacher"),
              f"{fold.tag} teacher")  # fmt: skip
    teacher.load_state_dict(res.best_state)
    return teacher, res


def kd_loss(teacher_logits: torch.Tensor, y: torch.Tensor, T: float, alpha: float) -> LossFn:
    """Eq. 1 against the teacher's logits of the windows in the batch."""
    yf = y.float()

    def loss(logits: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        dev = logits.device
        return distillation_loss(logits, teacher_logits[idx].to(dev), yf[idx].to(dev), T, alpha)

    return loss


def train_student(fold: Fold, loss: LossFn, who: str, curves: bool = True,
                  desc: str | None = None) -> tuple[nn.Module, FitResult]:  # fmt: skip
    """A student from the same initialisation (seed + 1) whatever its loss: distilled students
    and the one trained from scratch differ by their loss only. curves=False skips scoring the
    test fold every epoch (the sweep)."""
    torch.manual_seed(fold.cfg.seed + 1)
    student = models.Student(in_channels=fold.x.shape[1])
    split = fold.split if curves else (fold.fit_idx, fold.val_idx, fold.test[:0])
    res = fit(student, "student", fold.x, fold.y, split, loss, fold.cfg.student_epochs,
              fold.cfg, fold.env, fold.checkpoint(who), desc or f"{fold.tag} {who}")  # fmt: skip
    student.load_state_dict(res.best_state)
    return student, res


def baseline_records(fold: Fold) -> dict[str, Any]:
    """The majority class and the logistic regression, scored on the test fold."""
    ws = fold.ws
    return {
        "majority": {"test": baselines.majority_scores(ws.y[fold.train], ws.y[fold.test])},
        "linear": {"test": baselines.linear_scores(ws.x, ws.y, fold.fit_idx, fold.test)},
    }


def train_fold(fold: Fold) -> dict[str, Any]:
    """Every model of the fold. Without a teacher (--teacher-epochs 0) the student is the one
    trained on the labels alone, recorded as "student" (and "teacher" is None). Without a test
    fold (a final model on all data) there is nothing to score the baselines on."""
    cfg = fold.cfg
    rec: dict[str, Any] = {"name": fold.tag, "n_train": len(fold.fit_idx),
                           "n_val": len(fold.val_idx), "n_test": len(fold.test),
                           "distilled": cfg.distilled, "teacher": None}  # fmt: skip
    if cfg.distilled:
        teacher, t_fit = train_teacher(fold)
        rec["teacher"] = model_record(teacher, t_fit, fold)
        logits = predict(teacher, fold.x)
        student, s_fit = train_student(fold, kd_loss(logits, fold.y, cfg.T, cfg.alpha), "student")
    else:
        student, s_fit = train_student(fold, label_loss(fold.y), "student")
    rec["student"] = model_record(student, s_fit, fold)
    rec["student_state"] = s_fit.best_state
    if len(fold.test):
        if cfg.distilled:
            scratch, sc_fit = train_student(fold, label_loss(fold.y), "scratch")
            rec["scratch"] = model_record(scratch, sc_fit, fold)
        rec.update(baseline_records(fold))
    return rec


def fold_epochs(cfg: Config, with_test: bool = True) -> int:
    """Epochs train_fold trains (for the run's progress bar)."""
    students = 2 if cfg.distilled and with_test else 1
    return cfg.teacher_epochs + students * cfg.student_epochs
