"""Training settings: one dataclass, the one home of every default; the command line is built
from it (each field's `help`), so a default is never written twice."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, fields
from typing import Any

from evoke_training import protocols as P
from evoke_training import selection
from evoke_training.provenance import DECLARABLE
from inference.dsp.features import BASELINES

# Settings that change the numbers: a checkpoint made under others must not be resumed.
FINGERPRINT = (
    "data", "protocol", "scope", "folds", "teacher_epochs", "student_epochs", "features",
    "baseline", "hop",
    "T", "alpha", "batch", "lr", "seed", "subjects", "val_fraction", "final", "select",
)  # fmt: skip
CHOICES: dict[str, tuple[str, ...]] = {
    "protocol": P.PROTOCOLS,
    "scope": P.SCOPES,
    "features": ("de", "psd"),
    "baseline": BASELINES,
    "final": ("best-fold", "all", "none"),
    "device": ("auto", "cpu", "cuda"),
    "data_kind": DECLARABLE,
    "select": selection.RULES,
}
FLAGS = ("resume", "keep_checkpoints")  # store_true options
EPOCHS = ("teacher_epochs", "student_epochs")  # --epochs sets both unless one is given


HELP = {
    "protocol": "how windows are split into train and test",
    "scope": "one model for all subjects, or one per subject",
    "folds": "number of folds (k-fold protocols)",
    "fold": "run only split N (1-based), e.g. one per process",
    "teacher_epochs": "teacher epochs; 0: no teacher, the student learns the labels alone",
    "student_epochs": "student epochs; 0: the untrained student",
    "features": "band features: differential entropy or power",
    "baseline": "each trial's 3 s before it (the paper's), or one per subject from every "
    "trial's pre-trial seconds pooled, estimated robustly as a live calibration is",
    "hop": "window hop in seconds",
    "T": "distillation temperature",
    "alpha": "weight of the soft-target loss",
    "batch": "batch size",
    "lr": "Adam learning rate",
    "seed": "random seed",
    "val_fraction": "share of the training trials (windows under window-kfold) held out for "
    "the selection rule; 0: none, the last epoch is kept",
    "select": "which epoch's weights each fit keeps (see evoke_training.selection)",
    "keep_checkpoints": "keep every per-epoch checkpoint after the run (default: pruned)",
    "data_kind": "what the data are; unstated and without the synthetic generator's "
    "SYNTHETIC.txt they are reported as 'unknown'",
    "data_name": "a name for the data in reports and the model file (default from the kind)",
    "device": "where to train",
    "cache": "feature cache folder (default DATA/.evoke_cache)",
    "resume": "continue from the run's checkpoints",
    "progress": "tqdm bars (--no-progress turns them off)",
    "data": "folder of DEAP sXX.dat / sXX.mat files",
    "out": "run folder to write",
    "subjects": "comma-separated subject numbers, e.g. 1,2 (default all)",
    "final": "student_final.pt: the best fold's, one retrained on all data, or none",
    "ray": "run the folds as Ray tasks (a GPU each where the cluster has GPUs): auto (the "
    "cluster `ray start` made), its address, or local; needs pip install 'evoke-blender[ray]'",
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
    baseline: str = "trial"
    hop: float = 1.0
    T: float = 1.25
    alpha: float = 0.25
    batch: int = 128
    lr: float = 1e-3
    seed: int = 0
    subjects: list[int] | None = None
    val_fraction: float = 0.1
    final: str = "best-fold"
    select: str = selection.DEFAULT
    data_kind: str | None = None
    data_name: str | None = None
    device: str = "auto"
    cache: str | None = None
    resume: bool = False
    keep_checkpoints: bool = False
    progress: bool = True
    ray: str | None = None  # not in FINGERPRINT: where folds run never changes their numbers

    @property
    def distilled(self) -> bool:
        """A teacher is trained and the student distilled from it (--teacher-epochs > 0)."""
        return self.teacher_epochs > 0

    def fingerprint(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in FINGERPRINT}


def study_parser(description: str | None, epochs: int, epochs_help: str) -> argparse.ArgumentParser:
    """The options a study (Table I, the T/alpha sweep) shares with train.py; defaults from Config."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data", required=True, help=HELP["data"])
    p.add_argument("--epochs", type=int, default=epochs, help=epochs_help)
    p.add_argument("--protocol", default="trial-kfold", choices=P.PROTOCOLS, help=HELP["protocol"])
    p.add_argument("--folds", type=int, default=Config.folds, help=HELP["folds"])
    p.add_argument("--seed", type=int, default=0, help=HELP["seed"])
    p.add_argument("--subjects", type=lambda s: [int(v) for v in s.split(",")], default=None,
                   help=HELP["subjects"])  # fmt: skip
    p.add_argument("--device", default="auto", choices=CHOICES["device"], help=HELP["device"])
    p.add_argument("--cache", default=None, help=HELP["cache"])
    p.add_argument("--data-kind", choices=DECLARABLE, default=None, help=HELP["data_kind"])
    p.add_argument("--data-name", default=None, help=HELP["data_name"])
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    return p


def study_config(args: argparse.Namespace, **chosen: Any) -> Config:
    """A study's Config (Table I, the T/alpha sweep): it trains many models in memory, so it
    writes no run folder and draws no per-model progress bars (one bar for the whole study)."""
    return Config(
        data=args.data,
        out="",
        protocol=args.protocol,
        folds=args.folds,
        seed=args.seed,
        subjects=args.subjects,
        cache=args.cache,
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
        elif f.name in FLAGS:
            p.add_argument(flag, action="store_true", help=help_text)
        elif f.name in EPOCHS:  # None: not given, so --epochs or the default applies
            p.add_argument(flag, type=int, default=None, help=f"{help_text} (default {f.default})")
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
    p.add_argument("--no-teacher", dest="teacher_epochs", action="store_const", const=0,
                   help="the student alone, on the labels (= --teacher-epochs 0)")  # fmt: skip
    return p


def parse_config(argv: Sequence[str] | None = None, description: str | None = None) -> Config:
    """Config from the command line; a value given, 0 included, is the value used."""
    args = vars(build_parser(description).parse_args(argv))
    epochs = args.pop("epochs")
    for who in EPOCHS:
        if args[who] is None:
            args[who] = epochs if epochs is not None else Config.__dataclass_fields__[who].default
    return Config(**args)
