"""Training settings: one dataclass, the one home of every default; the command line is built
from it (each field's `help`), so a default is never written twice."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, fields
from typing import Any

from evoke_training import protocols as P

# Settings that change the numbers: a checkpoint made under others must not be resumed.
FINGERPRINT = (
    "data", "protocol", "scope", "folds", "teacher_epochs", "student_epochs", "features", "hop",
    "T", "alpha", "batch", "lr", "seed", "subjects", "val_fraction", "final",
)  # fmt: skip
CHOICES: dict[str, tuple[str, ...]] = {
    "protocol": P.PROTOCOLS,
    "scope": P.SCOPES,
    "features": ("de", "psd"),
    "final": ("best-fold", "all", "none"),
    "device": ("auto", "cpu", "cuda"),
}


HELP = {
    "protocol": "how windows are split into train and test",
    "scope": "one model for all subjects, or one per subject",
    "folds": "number of folds (k-fold protocols)",
    "fold": "run only split N (1-based), e.g. one per process",
    "teacher_epochs": "teacher epochs",
    "student_epochs": "student epochs",
    "features": "band features: differential entropy or power",
    "hop": "window hop in seconds",
    "T": "distillation temperature",
    "alpha": "weight of the soft-target loss",
    "batch": "batch size",
    "lr": "Adam learning rate",
    "seed": "random seed",
    "val_fraction": "share of the training windows held out to pick the best epoch",
    "device": "where to train",
    "cache": "feature cache folder (default DATA/.evoke_cache)",
    "resume": "continue from the run's checkpoints",
    "progress": "tqdm bars (--no-progress turns them off)",
    "data": "folder of DEAP sXX.dat / sXX.mat files",
    "out": "run folder to write",
    "subjects": "comma-separated subject numbers, e.g. 1,2 (default all)",
    "final": "student_final.pt: the best fold's, one retrained on all data, or none",
}


@dataclass
class Config:
    data: str
    out: str
    protocol: str = "trial-kfold"
    scope: str = "pooled"
    folds: int = 5
    fold: int | None = None
    teacher_epochs: int = 100
    student_epochs: int = 100
    features: str = "de"
    hop: float = 1.0
    T: float = 1.25
    alpha: float = 0.25
    batch: int = 128
    lr: float = 1e-3
    seed: int = 0
    subjects: list[int] | None = None
    val_fraction: float = 0.1
    final: str = "best-fold"
    device: str = "auto"
    cache: str | None = None
    resume: bool = False
    progress: bool = True

    def fingerprint(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in FINGERPRINT}


def study_config(args: argparse.Namespace, **chosen: Any) -> Config:
    """A study's Config (Table I, the T/alpha sweep): it trains many models in memory, so it
    writes no run folder and draws no per-model progress bars."""
    return Config(
        data=args.data,
        out="",
        protocol=args.protocol,
        folds=args.folds,
        seed=args.seed,
        progress=False,
        **chosen,
    )


def config_diff(saved: dict[str, Any], cfg: Config) -> str:
    now = cfg.fingerprint()
    return ", ".join(
        f"{k}: {saved.get(k)!r} then, {now[k]!r} now" for k in now if saved.get(k) != now[k]
    )


def build_parser(description: str | None = None) -> argparse.ArgumentParser:
    """The command line of `Config`: one option per field, its default and help from the field."""
    p = argparse.ArgumentParser(description=description)
    for f in fields(Config):
        flag = "--" + f.name.replace("_", "-")
        help_text = HELP.get(f.name, "")
        if f.name == "progress":
            p.add_argument("--no-progress", dest="progress", action="store_false", help=help_text)
        elif f.name == "resume":
            p.add_argument(flag, action="store_true", help=help_text)
        elif f.name == "subjects":
            p.add_argument(
                flag, type=lambda s: [int(v) for v in s.split(",")], default=None, help=help_text
            )
        elif f.default is MISSING:
            p.add_argument(flag, required=True, help=help_text)
        else:
            kind = {"int": int, "float": float}.get(str(f.type).split(" ")[0], str)
            p.add_argument(flag, type=kind, default=f.default, choices=CHOICES.get(f.name),
                           help=f"{help_text} (default {f.default})")  # fmt: skip
    p.add_argument("--epochs", type=int, help="teacher and student epochs (each option overrides)")
    return p


def parse_config(argv: Sequence[str] | None = None, description: str | None = None) -> Config:
    args = vars(build_parser(description).parse_args(argv))
    epochs = args.pop("epochs")
    for who in ("teacher_epochs", "student_epochs"):
        if epochs is not None and args[who] == Config.__dataclass_fields__[who].default:
            args[who] = epochs
    return Config(**args)
