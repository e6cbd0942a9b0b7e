"""Train the CCNN teacher and distil the EVOKE student (Eq. 1), fold by fold.

    python scripts/train.py --data DIR --protocol trial-kfold --folds 5 --epochs 100 --out runs/x

Per fold: train the teacher on the fold's training windows (BCE-with-logits), pick its best epoch
on a validation slice held out of the training windows (never the test fold), then distil the
student from the teacher's logits with Eq. 1 and pick its best epoch the same way. Both are scored
on the test fold. Checkpoints are written after every epoch (atomically), so a killed run resumed
with --resume loses at most the epoch in progress. Under `torchrun` each process trains on its
shard (DistributedSampler) and rank 0 writes every file.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from evoke_training import data as D
from evoke_training import metrics as M
from evoke_training import models, report
from evoke_training import protocols as P
from evoke_training.config import FINGERPRINT, Config, config_diff, parse_config
from evoke_training.distill import distillation_loss
from evoke_training.fitting import (
    Env,
    FitResult,
    barrier,
    fit,
    label_loss,
    predict,
    save_atomic,
    score,
    setup_env,
)  # fmt: skip

log = logging.getLogger("evoke.train")


def teacher_then_student(
    ws: D.WindowSet,
    x: torch.Tensor,
    y: torch.Tensor,
    train: np.ndarray,
    test: np.ndarray,
    cfg: Config,
    env: Env,
    tag: str,
    ckpt_dir: Path | None,
) -> dict[str, Any]:
    """One fold: teacher, then the distilled student; returns both models' records and weights."""
    fit_idx, val_idx = P.validation_split(
        train, ws.subject, ws.trial, cfg.protocol, cfg.val_fraction, cfg.seed
    )
    split = (fit_idx, val_idx, test)

    def checkpoint(who: str) -> Path | None:
        return ckpt_dir / f"{tag}-{who}.pt" if ckpt_dir else None

    torch.manual_seed(cfg.seed)
    teacher = models.CCNN(in_channels=x.shape[1])
    t_fit = fit(teacher, "ccnn", x, y, split, label_loss(y), cfg.teacher_epochs, cfg, env,
                checkpoint("teacher"), f"{tag} teacher")  # fmt: skip
    teacher.load_state_dict(t_fit.best_state)
    teacher_logits = predict(teacher, x)
    yf = y.float()

    def kd(logits: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        dev = logits.device
        return distillation_loss(
            logits, teacher_logits[idx].to(dev), yf[idx].to(dev), cfg.T, cfg.alpha
        )

    torch.manual_seed(cfg.seed + 1)
    student = models.Student(in_channels=x.shape[1])
    s_fit = fit(student, "student", x, y, split, kd, cfg.student_epochs, cfg, env,
                checkpoint("student"), f"{tag} student")  # fmt: skip
    student.load_state_dict(s_fit.best_state)
    rec: dict[str, Any] = {
        "name": tag,
        "n_train": len(fit_idx),
        "n_val": len(val_idx),
        "n_test": len(test),
    }
    for who, net, res in (("teacher", teacher, t_fit), ("student", student, s_fit)):
        rec[who] = _model_record(net, res, x, y, test)
    rec["student_state"] = s_fit.best_state
    return rec


def _model_record(net: nn.Module, res: FitResult, x: torch.Tensor, y: torch.Tensor,
                  test: np.ndarray) -> dict[str, Any]:  # fmt: skip
    val_hist = [h.get("val_mean_accuracy", float("nan")) for h in res.history]
    return {
        "test": score(predict(net, x[test]), y[test]) if len(test) else {},
        "best_epoch": res.best_epoch,
        "val_mean_accuracy": val_hist[res.best_epoch - 1] if res.history else float("nan"),
        "seconds_per_epoch": res.seconds_per_epoch,
        "history": res.history,
    }


def _load(cfg: Config, env: Env) -> D.WindowSet:
    """Rank 0 fills the feature cache first; the others then read it."""
    if env.main:
        ws = D.load_features(cfg.data, cfg.features, cfg.hop, cfg.subjects, cfg.cache)
    barrier(env)
    if not env.main:
        ws = D.load_features(cfg.data, cfg.features, cfg.hop, cfg.subjects, cfg.cache)
    return ws


def _setup_logging(run: Path, main: bool) -> None:
    log.setLevel(logging.INFO)
    log.handlers.clear()
    log.propagate = False
    if main:
        fh = logging.FileHandler(run / "train.log")
        fh.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log.addHandler(fh)
        sh = logging.StreamHandler(sys.stderr)
        sh.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(sh)


def _check_run_dir(run: Path, cfg: Config) -> None:
    cfg_file = run / "config.json"
    if not cfg_file.exists():
        return
    saved = json.loads(cfg_file.read_text())
    same = {k: saved.get(k) for k in FINGERPRINT} == cfg.fingerprint()
    if not same:
        raise SystemExit(
            f"{run} holds a run with another configuration ({config_diff(saved, cfg)}); use another --out"
        )
    if not (cfg.resume or cfg.fold is not None):
        raise SystemExit(
            f"{run} already holds this run: pass --resume to continue it, or pick another --out"
        )


def run(cfg: Config) -> dict[str, Any]:
    """Train every fold (or --fold N), then summarise, report and make student_final.pt."""
    if cfg.protocol not in P.PROTOCOLS:
        raise SystemExit(
            f"unknown --protocol {cfg.protocol!r}; choose from {', '.join(P.PROTOCOLS)}"
        )
    if cfg.final not in ("best-fold", "all", "none"):
        raise SystemExit("--final must be best-fold, all or none")
    env = setup_env(cfg.device)
    run_dir = Path(cfg.out)
    if env.main:
        _check_run_dir(run_dir, cfg)
        run_dir.mkdir(parents=True, exist_ok=True)
    barrier(env)
    _setup_logging(run_dir, env.main)
    torch.manual_seed(cfg.seed)
    ws = _load(cfg, env)
    splits = P.make_splits(ws.subject, ws.trial, cfg.protocol, cfg.folds, cfg.seed, cfg.scope)
    if cfg.fold is not None and not 1 <= cfg.fold <= len(splits):
        raise SystemExit(f"--fold {cfg.fold}: this protocol has folds 1..{len(splits)}")
    if env.main:
        _write_config(run_dir, cfg, ws, splits, env)
    log.info("%d windows, %d subjects, %s (%s), %d splits, device %s, world %d", len(ws),
             len(np.unique(ws.subject)), cfg.protocol, cfg.scope, len(splits), env.device, env.world)  # fmt: skip
    x, y = torch.from_numpy(ws.x), torch.from_numpy(ws.y.astype(np.int64))
    for split in [splits[cfg.fold - 1]] if cfg.fold is not None else splits:
        _run_fold(split, ws, x, y, cfg, env, run_dir)
    barrier(env)
    summary = summarize(run_dir, splits, cfg, write=env.main)
    if summary["complete"] and cfg.fold is None:
        make_final(cfg, env, ws, x, y, run_dir, summary)  # every rank: "all" trains under DDP
        summary = summarize(run_dir, splits, cfg, write=env.main)
    barrier(env)
    return summary


def _write_config(
    run_dir: Path, cfg: Config, ws: D.WindowSet, splits: list[P.Split], env: Env
) -> None:
    meta = {
        **asdict(cfg),
        "synthetic_data": D.is_synthetic(cfg.data),
        "feature_settings": D.FeatureSettings(kind=cfg.features).to_dict(),
        "n_windows": len(ws),
        "subjects_used": sorted(int(s) for s in np.unique(ws.subject)),
        "splits": [s.name for s in splits],
        "device": str(env.device),
        "world_size": env.world,
        "torch": torch.__version__,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (run_dir / "config.json").write_text(json.dumps(meta, indent=1))


def _run_fold(split: P.Split, ws: D.WindowSet, x: torch.Tensor, y: torch.Tensor, cfg: Config,
              env: Env, run_dir: Path) -> None:  # fmt: skip
    """Train one split's teacher and student; write its record, student and curves."""
    fold_file = run_dir / "folds" / f"{split.name}.json"
    if fold_file.exists() and cfg.resume:
        log.info("%s: done already, skipping", split.name)
        return
    rec = teacher_then_student(
        ws, x, y, split.train, split.test, cfg, env, split.name, run_dir / "ckpt"
    )
    if not env.main:
        return
    state = rec.pop("student_state")
    save_atomic({"arch": "student", "state_dict": state, "fold": split.name},
                run_dir / "students" / f"{split.name}.pt")  # fmt: skip
    fold_file.parent.mkdir(parents=True, exist_ok=True)
    fold_file.write_text(json.dumps(rec, indent=1))
    report.plot_curves(rec, run_dir / "curves" / f"{split.name}.png")
    log.info("%s: teacher %.4f student %.4f mean accuracy on test", split.name,
             rec["teacher"]["test"]["mean_accuracy"], rec["student"]["test"]["mean_accuracy"])  # fmt: skip


def make_final(
    cfg: Config,
    env: Env,
    ws: D.WindowSet,
    x: torch.Tensor,
    y: torch.Tensor,
    run_dir: Path,
    summary: dict[str, Any],
) -> None:
    """student_final.pt: the best fold's student (by validation accuracy) or one retrained on
    every window (--final all; its best epoch is picked on a validation slice of all the data)."""
    final_file = run_dir / "student_final.pt"
    if cfg.final == "none" or (final_file.exists() and cfg.resume):
        return
    if cfg.final == "best-fold":
        best = max(summary["folds"], key=lambda r: r["student"]["val_mean_accuracy"])
        info = {"source": f"best fold ({best['name']}, by validation mean accuracy)"}
        state = torch.load(run_dir / "students" / f"{best['name']}.pt", weights_only=True)
        if env.main:
            save_atomic({"arch": "student", "state_dict": state["state_dict"], **info}, final_file)
    else:
        everything = np.arange(len(ws))
        rec = teacher_then_student(
            ws, x, y, everything, everything[:0], cfg, env, "final", run_dir / "ckpt"
        )
        info = {"source": "all data (teacher and student retrained on every window)"}
        info.update(
            {
                f"{who}_{k}": rec[who][k]
                for who in ("teacher", "student")
                for k in ("best_epoch", "val_mean_accuracy", "seconds_per_epoch")
            }
        )
        if env.main:
            save_atomic({"arch": "student", "state_dict": rec["student_state"], **info}, final_file)
    if env.main:
        (run_dir / "final.json").write_text(json.dumps(info, indent=1))
        log.info("student_final.pt: %s", info["source"])


def summarize(run_dir: Path, splits: list[P.Split], cfg: Config, write: bool) -> dict[str, Any]:
    """metrics.json and report.md from whatever folds are done (all, or some with --fold)."""
    recs = []
    for split in splits:
        f = run_dir / "folds" / f"{split.name}.json"
        if f.exists():
            recs.append(json.loads(f.read_text()))
    out: dict[str, Any] = {
        "protocol": cfg.protocol,
        "scope": cfg.scope,
        "features": cfg.features,
        "complete": len(recs) == len(splits),
        "folds_done": len(recs),
        "folds_total": len(splits),
        "folds": recs,
        "summary": {
            who: M.summarize([r[who]["test"] for r in recs]) for who in ("teacher", "student")
        },
        "seconds_per_epoch": {
            who: float(np.mean([r[who]["seconds_per_epoch"] for r in recs])) if recs else None
            for who in ("teacher", "student")
        },
        "models": {},
        "note": P.LEAK_NOTE,
    }
    for who, net in (("teacher", models.CCNN()), ("student", models.Student())):
        prof = models.profile(net, torch.zeros(1, 4, 9, 9))
        out["models"][who] = {"params": models.count_params(net), "macs": prof.macs}
    final = run_dir / "final.json"
    if final.exists():
        out["final"] = json.loads(final.read_text())
    if write:
        (run_dir / "metrics.json").write_text(json.dumps(out, indent=1))
        report.write_report(run_dir, out)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_config(argv, __doc__.split("\n\n")[0] if __doc__ else None)
    try:
        summary = run(cfg)
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    s = summary.get("summary", {})
    if s.get("student") and os.environ.get("RANK", "0") == "0":
        print(
            f"teacher mean accuracy {M.pm(s['teacher'], 'mean_accuracy')} %, "
            f"student {M.pm(s['student'], 'mean_accuracy')} % "
            f"({summary['folds_done']}/{summary['folds_total']} folds) -> {cfg.out}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
