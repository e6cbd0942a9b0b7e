"""Train the CCNN teacher and distil the EVOKE student (Eq. 1), fold by fold, beside the
baselines that say what the figures mean.

    python scripts/evoke.py train --data DIR --protocol trial-kfold --folds 5 --epochs 100 --out runs/x
    python scripts/evoke.py train --data DIR --no-teacher --out runs/alone   # the student alone

Per fold (evoke_training.fold): the teacher on the fold's training windows (BCE-with-logits),
the student distilled from its logits with Eq. 1, the same student trained on the labels alone,
a logistic regression and the majority class; every epoch kept by the selection rule on a
validation slice of the training windows (never the test fold); all scored on the test fold.
Checkpoints are written after every epoch (atomically), so a killed run resumed with --resume
loses at most the epoch in progress; a finished fold's are deleted (--keep-checkpoints keeps
them). Under `torchrun` each process trains on its shard and rank 0 writes every file.
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

from evoke_training import data as D
from evoke_training import models, report
from evoke_training import progress as bar
from evoke_training import protocols as P
from evoke_training.config import CHOICES, FINGERPRINT, Config, config_diff, parse_config
from evoke_training.fitting import Env, barrier, save_atomic, setup_env
from evoke_training.fold import fold_epochs, make_fold, train_fold
from evoke_training.provenance import data_provenance
from evoke_training.selection import TEXT as SELECTION_TEXT
from evoke_training.summary import figures_line, summarize_run

log = logging.getLogger("evoke.train")


def _load(cfg: Config, env: Env) -> D.WindowSet:
    """Rank 0 fills the feature cache first; the others then read it."""
    if env.main:
        ws = D.load_features(cfg.data, cfg.features, cfg.hop, cfg.subjects, cfg.cache, cfg.baseline)
    barrier(env)
    if not env.main:
        ws = D.load_features(cfg.data, cfg.features, cfg.hop, cfg.subjects, cfg.cache, cfg.baseline)
    return ws


def _setup_logging(run: Path, main: bool) -> None:
    log.setLevel(logging.INFO)
    log.handlers.clear()
    log.propagate = False
    if main:
        fh = logging.FileHandler(run / "train.log")
        fh.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log.addHandler(fh)
        sh = bar.TqdmHandler()
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


def _check(cfg: Config) -> None:
    if cfg.protocol not in P.PROTOCOLS:
        raise SystemExit(
            f"unknown --protocol {cfg.protocol!r}; choose from {', '.join(P.PROTOCOLS)}"
        )
    if cfg.final not in CHOICES["final"]:
        raise SystemExit(f"--final must be one of {', '.join(CHOICES['final'])}")
    if min(cfg.teacher_epochs, cfg.student_epochs) < 0:
        raise SystemExit("epochs cannot be negative (0: that model is not trained)")


def run(cfg: Config) -> dict[str, Any]:
    """Train every fold (or --fold N), then summarise, report and make student_final.pt."""
    _check(cfg)
    env = setup_env(cfg.device)
    run_dir = Path(cfg.out)
    if env.main:
        _check_run_dir(run_dir, cfg)
        dataset = data_provenance(cfg.data, cfg.data_kind, cfg.subjects, cfg.data_name, cfg.cache)
        run_dir.mkdir(parents=True, exist_ok=True)
    barrier(env)
    _setup_logging(run_dir, env.main)
    torch.manual_seed(cfg.seed)
    ws = _load(cfg, env)
    splits = P.make_splits(ws.subject, ws.trial, cfg.protocol, cfg.folds, cfg.seed, cfg.scope)
    if cfg.fold is not None and not 1 <= cfg.fold <= len(splits):
        raise SystemExit(f"--fold {cfg.fold}: this protocol has folds 1..{len(splits)}")
    if env.main:
        _write_config(run_dir, cfg, ws, splits, env, dataset)
    log.info("%d windows, %d subjects, %s (%s), %d splits, device %s, world %d", len(ws),
             len(np.unique(ws.subject)), cfg.protocol, cfg.scope, len(splits), env.device, env.world)  # fmt: skip
    x, y = torch.from_numpy(ws.x), torch.from_numpy(ws.y.astype(np.int64))
    todo = [splits[cfg.fold - 1]] if cfg.fold is not None else splits
    total = len(todo) * fold_epochs(cfg)
    if cfg.fold is None and cfg.final == "all":
        total += fold_epochs(cfg, with_test=False)
    with bar.overall(total, f"{cfg.protocol} run", cfg.progress and env.main):
        if cfg.ray:
            from evoke_training.ray_folds import run_folds_on_ray

            run_folds_on_ray(todo, cfg, env, run_dir)
        else:
            for split in todo:
                _run_fold(split, ws, x, y, cfg, env, run_dir)
        barrier(env)
        summary = summarize(run_dir, splits, cfg, write=env.main)
        if summary["complete"] and cfg.fold is None:
            make_final(cfg, env, ws, x, y, run_dir, summary)  # every rank: "all" trains under DDP
            summary = summarize(run_dir, splits, cfg, write=env.main)
    barrier(env)
    return summary


def _write_config(run_dir: Path, cfg: Config, ws: D.WindowSet, splits: list[P.Split], env: Env,
                  dataset: dict[str, Any]) -> None:  # fmt: skip
    """config.json: the command's settings as given (with their local paths, what --resume
    checks) and the data's provenance (no path) that every report and the model file copy."""
    meta = {
        **asdict(cfg),
        "dataset": {**dataset, "n_windows": len(ws)},
        "feature_settings": D.FeatureSettings(kind=cfg.features, baseline=cfg.baseline).to_dict(),
        "n_windows": len(ws),
        "subjects_used": sorted(int(s) for s in np.unique(ws.subject)),
        "splits": [s.name for s in splits],
        "selection": SELECTION_TEXT[cfg.select],
        "device": str(env.device),
        "world_size": env.world,
        "torch": torch.__version__,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (run_dir / "config.json").write_text(json.dumps(meta, indent=1))


def prune_checkpoints(run_dir: Path, tag: str, cfg: Config) -> None:
    """Delete a finished fold's per-epoch checkpoints (~100 MB each with the teacher's)."""
    ckpt = run_dir / "ckpt"
    if cfg.keep_checkpoints or not ckpt.is_dir():
        return
    for f in ckpt.glob(f"{tag}-*.pt"):
        f.unlink(missing_ok=True)
    if not any(ckpt.iterdir()):
        ckpt.rmdir()


def _run_fold(split: P.Split, ws: D.WindowSet, x: torch.Tensor, y: torch.Tensor, cfg: Config,
              env: Env, run_dir: Path) -> None:  # fmt: skip
    """Train one split's models; write its record, student and curves."""
    fold_file = run_dir / "folds" / f"{split.name}.json"
    if fold_file.exists() and cfg.resume:
        log.info("%s: done already, skipping", split.name)
        bar.advance(fold_epochs(cfg))
        return
    fold = make_fold(ws, x, y, split.train, split.test, cfg, env, split.name, run_dir / "ckpt")
    rec = train_fold(fold)
    if not env.main:
        return
    state = rec.pop("student_state")
    save_atomic({"arch": "student", "state_dict": state, "fold": split.name},
                run_dir / "students" / f"{split.name}.pt")  # fmt: skip
    fold_file.parent.mkdir(parents=True, exist_ok=True)
    partial = fold_file.with_name(f".{fold_file.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(rec, indent=1))
    partial.replace(fold_file)  # only a complete record marks the fold done (--resume, Ray)
    prune_checkpoints(run_dir, split.name, cfg)
    report.plot_curves(rec, run_dir / "curves" / f"{split.name}.png")
    scored = {w: rec[w]["test"]["mean_accuracy"] for w in report.MODELS if rec.get(w)}
    log.info("%s: test mean accuracy %s", split.name,
             ", ".join(f"{w} {v:.4f}" for w, v in scored.items()))  # fmt: skip


def make_final(cfg: Config, env: Env, ws: D.WindowSet, x: torch.Tensor, y: torch.Tensor,
               run_dir: Path, summary: dict[str, Any]) -> None:  # fmt: skip
    """student_final.pt: the best fold's student (by validation accuracy) or one retrained on
    every window (--final all; its epoch is picked on a validation slice of all the data)."""
    final_file = run_dir / "student_final.pt"
    if cfg.final == "none" or (final_file.exists() and cfg.resume):
        bar.advance(fold_epochs(cfg, with_test=False) if cfg.final == "all" else 0)
        return
    if cfg.final == "best-fold":
        best = max(summary["folds"], key=lambda r: r["student"]["val_mean_accuracy"])
        info = {"source": f"best fold ({best['name']}, by validation mean accuracy)"}
        state = torch.load(run_dir / "students" / f"{best['name']}.pt", weights_only=True)
        if env.main:
            save_atomic({"arch": "student", "state_dict": state["state_dict"], **info}, final_file)
    else:
        everything = np.arange(len(ws))
        fold = make_fold(ws, x, y, everything, everything[:0], cfg, env, "final", run_dir / "ckpt")
        rec = train_fold(fold)
        info = {"source": "all data (teacher and student retrained on every window)"
                if cfg.distilled else "all data (student retrained on every window, no teacher)"}  # fmt: skip
        info.update({f"{who}_{k}": rec[who][k] for who in ("teacher", "student") if rec[who]
                     for k in ("best_epoch", "val_mean_accuracy", "seconds_per_epoch")})  # fmt: skip
        if env.main:
            save_atomic({"arch": "student", "state_dict": rec["student_state"], **info}, final_file)
            prune_checkpoints(run_dir, "final", cfg)
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
    secs = {who: [r[who]["seconds_per_epoch"] for r in recs if r.get(who)]
            for who in ("teacher", "student")}  # fmt: skip
    saved = json.loads((run_dir / "config.json").read_text())
    out: dict[str, Any] = {
        "protocol": cfg.protocol,
        "scope": cfg.scope,
        "features": cfg.features,
        "distilled": cfg.distilled,
        "dataset": saved["dataset"],
        "selection": saved["selection"],
        "complete": len(recs) == len(splits),
        "folds_done": len(recs),
        "folds_total": len(splits),
        "folds": recs,
        **summarize_run(recs),
        "seconds_per_epoch": {w: float(np.mean(v)) if v else None for w, v in secs.items()},
        "models": {},
        "note": P.protocol_note(cfg.protocol),
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
    if summary.get("folds_done") and os.environ.get("RANK", "0") == "0":
        print(f"{cfg.protocol}: {figures_line(summary['summary'])}", file=sys.stdout)
        print(f"macro-F1: {figures_line(summary['summary'], 'mean_macro_f1')}")
        if cfg.protocol == "window-kfold":
            print(P.WINDOW_WARNING)
        print(f"({summary['folds_done']}/{summary['folds_total']} folds) -> {cfg.out}/report.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
