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

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DistributedSampler, TensorDataset
from tqdm import tqdm

from evoke_training import data as D
from evoke_training import metrics as M
from evoke_training import models, report
from evoke_training import protocols as P
from evoke_training.distill import distillation_loss

log = logging.getLogger("evoke.train")

# Settings that change the numbers: a checkpoint made under others must not be resumed.
FINGERPRINT = (
    "data", "protocol", "scope", "folds", "teacher_epochs", "student_epochs", "features", "hop",
    "T", "alpha", "batch", "lr", "seed", "subjects", "val_fraction", "final",
)  # fmt: skip


@dataclass
class Config:
    data: str
    out: str
    protocol: str = "trial-kfold"
    scope: str = "pooled"
    folds: int = 5
    fold: int | None = None  # 1-based: run only this split (folds as separate processes)
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
    final: str = "best-fold"  # student_final.pt: "best-fold", "all" (retrain on all data), "none"
    device: str = "auto"
    cache: str | None = None
    resume: bool = False
    progress: bool = True

    def fingerprint(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in FINGERPRINT}


@dataclass
class Env:
    """Where this process runs: device and its place in a torchrun job."""

    device: torch.device
    rank: int = 0
    world: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0


@dataclass
class FitResult:
    best_state: dict[str, torch.Tensor]
    best_epoch: int
    history: list[dict[str, float]] = field(default_factory=list)

    @property
    def seconds_per_epoch(self) -> float:
        secs = [h["seconds"] for h in self.history]
        return float(np.mean(secs)) if secs else float("nan")


def setup_env(device: str = "auto") -> Env:
    """Join a torchrun job when WORLD_SIZE > 1 (nccl on CUDA, gloo on CPU)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    if device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA device is available")
    dev = torch.device(f"cuda:{local}" if use_cuda else "cpu")
    if use_cuda:
        torch.cuda.set_device(dev)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if use_cuda else "gloo")
    return Env(dev, rank, world)


def barrier(env: Env) -> None:
    if env.world > 1:
        dist.barrier()


def save_atomic(obj: Any, path: Path) -> None:
    """torch.save to a temporary name, then rename: a kill never leaves half a checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch: int = 1024) -> torch.Tensor:
    """Logits in eval mode (no dropout), on the model's device, returned on the CPU."""
    net = model.module if isinstance(model, DDP) else model
    was = net.training
    net.eval()
    dev = next(net.parameters()).device
    out = torch.cat([net(x[i : i + batch].to(dev)).float().cpu() for i in range(0, len(x), batch)])
    net.train(was)
    return out


def score(logits: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    return M.from_logits(y.numpy(), logits.numpy())


LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (logits, window indices) -> loss


def fit(
    model: nn.Module,
    arch: str,
    x: torch.Tensor,
    y: torch.Tensor,
    train_idx: np.ndarray,
    val_idx: np.ndarray,
    test_idx: np.ndarray,
    loss_fn: LossFn,
    epochs: int,
    cfg: Config,
    env: Env,
    ckpt: Path | None,
    desc: str,
) -> FitResult:
    """Adam on train_idx for `epochs`; best epoch by validation mean accuracy (last if no val).

    Test accuracy is logged per epoch for the learning curves only; it never picks anything.
    """
    model.to(env.device)
    net: nn.Module = DDP(model) if env.world > 1 else model
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    result = FitResult({k: v.detach().clone() for k, v in model.state_dict().items()}, 0)
    best_score, start = -1.0, 1
    if ckpt is not None and cfg.resume and ckpt.exists():
        state = torch.load(ckpt, map_location="cpu", weights_only=True)
        if state.get("arch") != arch:
            raise SystemExit(
                f"{ckpt}: checkpoint is of architecture {state.get('arch')!r}, not {arch!r}; "
                "pick another --out or delete the checkpoint"
            )
        if state.get("config") != cfg.fingerprint():
            raise SystemExit(
                f"{ckpt}: checkpoint was made with another configuration; {_diff(state['config'], cfg)}"
            )
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        result = FitResult(state["best_state"], state["best_epoch"], state["history"])
        best_score, start = state["best_score"], state["epoch"] + 1
        if start <= epochs:
            log.info("%s: resuming at epoch %d of %d", desc, start, epochs)
    # The sampler only needs len(): it shards and reshuffles positions 0..n-1 every epoch.
    positions = TensorDataset(torch.arange(len(train_idx)))
    sampler: DistributedSampler[int] = DistributedSampler(
        positions, num_replicas=env.world, rank=env.rank, shuffle=True, seed=cfg.seed
    )
    train_t = torch.as_tensor(train_idx)
    for epoch in range(start, epochs + 1):
        sampler.set_epoch(epoch)
        order = train_t[torch.as_tensor(list(sampler))]
        net.train()
        t0, total, seen = time.perf_counter(), 0.0, 0
        batches = range(0, len(order), cfg.batch)
        bar = tqdm(
            batches,
            desc=f"{desc} {epoch}/{epochs}",
            leave=False,
            disable=not (cfg.progress and env.main),
        )
        for i in bar:
            idx = order[i : i + cfg.batch]
            loss = loss_fn(net(x[idx].to(env.device)), idx)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
            seen += len(idx)
            bar.set_postfix(loss=f"{total / seen:.4f}")
        seconds = time.perf_counter() - t0
        row = {"epoch": float(epoch), "train_loss": total / max(seen, 1), "seconds": seconds}
        if len(val_idx):
            row["val_mean_accuracy"] = score(predict(model, x[val_idx]), y[val_idx])[
                "mean_accuracy"
            ]
        if len(test_idx):
            row["test_mean_accuracy"] = score(predict(model, x[test_idx]), y[test_idx])[
                "mean_accuracy"
            ]
        result.history.append(row)
        current = row.get("val_mean_accuracy", float(epoch))  # no validation: the last epoch wins
        if current > best_score:
            best_score, result.best_epoch = current, epoch
            result.best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        log.info(
            "%s epoch %d/%d loss %.4f val %.4f test %.4f (%.1f s)",
            desc,
            epoch,
            epochs,
            row["train_loss"],
            row.get("val_mean_accuracy", float("nan")),
            row.get("test_mean_accuracy", float("nan")),
            seconds,
        )
        if ckpt is not None and env.main:
            save_atomic(
                {
                    "arch": arch,
                    "config": cfg.fingerprint(),
                    "epoch": epoch,
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "history": result.history,
                    "best_state": result.best_state,
                    "best_epoch": result.best_epoch,
                    "best_score": best_score,
                },
                ckpt,
            )
    return result


def _diff(saved: dict[str, Any], cfg: Config) -> str:
    now = cfg.fingerprint()
    return ", ".join(
        f"{k}: {saved.get(k)!r} then, {now[k]!r} now" for k in now if saved.get(k) != now[k]
    )


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
    yf = y.float()

    def bce(logits: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(logits, yf[idx].to(logits.device))

    torch.manual_seed(cfg.seed)
    teacher = models.CCNN(in_channels=x.shape[1])
    t_ck = ckpt_dir / f"{tag}-teacher.pt" if ckpt_dir else None
    t_fit = fit(
        teacher,
        "ccnn",
        x,
        y,
        fit_idx,
        val_idx,
        test,
        bce,
        cfg.teacher_epochs,
        cfg,
        env,
        t_ck,
        f"{tag} teacher",
    )
    teacher.load_state_dict(t_fit.best_state)
    teacher_logits = predict(teacher, x)

    def kd(logits: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        dev = logits.device
        return distillation_loss(
            logits, teacher_logits[idx].to(dev), yf[idx].to(dev), cfg.T, cfg.alpha
        )

    torch.manual_seed(cfg.seed + 1)
    student = models.Student(in_channels=x.shape[1])
    s_ck = ckpt_dir / f"{tag}-student.pt" if ckpt_dir else None
    s_fit = fit(
        student,
        "student",
        x,
        y,
        fit_idx,
        val_idx,
        test,
        kd,
        cfg.student_epochs,
        cfg,
        env,
        s_ck,
        f"{tag} student",
    )
    student.load_state_dict(s_fit.best_state)
    rec: dict[str, Any] = {
        "name": tag,
        "n_train": len(fit_idx),
        "n_val": len(val_idx),
        "n_test": len(test),
    }
    for who, net, res in (("teacher", teacher, t_fit), ("student", student, s_fit)):
        val_hist = [h.get("val_mean_accuracy", float("nan")) for h in res.history]
        rec[who] = {
            "test": score(predict(net, x[test]), y[test]) if len(test) else {},
            "best_epoch": res.best_epoch,
            "val_mean_accuracy": val_hist[res.best_epoch - 1] if res.history else float("nan"),
            "seconds_per_epoch": res.seconds_per_epoch,
            "history": res.history,
        }
    rec["student_state"] = s_fit.best_state
    return rec


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
            f"{run} holds a run with another configuration ({_diff(saved, cfg)}); use another --out"
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
    log.info(
        "%d windows, %d subjects, %s (%s), %d splits, device %s, world %d",
        len(ws),
        len(np.unique(ws.subject)),
        cfg.protocol,
        cfg.scope,
        len(splits),
        env.device,
        env.world,
    )
    x, y = torch.from_numpy(ws.x), torch.from_numpy(ws.y.astype(np.int64))
    todo = [splits[cfg.fold - 1]] if cfg.fold is not None else splits
    for split in todo:
        fold_file = run_dir / "folds" / f"{split.name}.json"
        if fold_file.exists() and cfg.resume:
            log.info("%s: done already, skipping", split.name)
            continue
        rec = teacher_then_student(
            ws, x, y, split.train, split.test, cfg, env, split.name, run_dir / "ckpt"
        )
        if env.main:
            state = rec.pop("student_state")
            save_atomic(
                {"arch": "student", "state_dict": state, "fold": split.name},
                run_dir / "students" / f"{split.name}.pt",
            )
            fold_file.parent.mkdir(parents=True, exist_ok=True)
            fold_file.write_text(json.dumps(rec, indent=1))
            report.plot_curves(rec, run_dir / "curves" / f"{split.name}.png")
            log.info(
                "%s: teacher %.4f student %.4f mean accuracy on test",
                split.name,
                rec["teacher"]["test"]["mean_accuracy"],
                rec["student"]["test"]["mean_accuracy"],
            )
    barrier(env)
    summary = summarize(run_dir, splits, cfg, write=env.main)
    if summary["complete"] and cfg.fold is None:
        make_final(cfg, env, ws, x, y, run_dir, summary)  # every rank: "all" trains under DDP
        summary = summarize(run_dir, splits, cfg, write=env.main)
    barrier(env)
    return summary


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


def parse_args(argv: Sequence[str] | None = None) -> Config:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--data", required=True, help="folder of DEAP sXX.dat / sXX.mat files")
    p.add_argument("--out", required=True, help="run folder to write")
    p.add_argument("--protocol", default="trial-kfold", choices=P.PROTOCOLS)
    p.add_argument("--scope", default="pooled", choices=P.SCOPES)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--fold", type=int, help="run only split N (1-based), e.g. one per process")
    p.add_argument("--epochs", type=int, default=100, help="teacher and student epochs")
    p.add_argument("--teacher-epochs", type=int, help="override --epochs for the teacher")
    p.add_argument("--student-epochs", type=int, help="override --epochs for the student")
    p.add_argument("--features", default="de", choices=("de", "psd"))
    p.add_argument("--hop", type=float, default=1.0, help="window hop in seconds")
    p.add_argument("--T", type=float, default=1.25, help="distillation temperature")
    p.add_argument("--alpha", type=float, default=0.25, help="weight of the soft-target loss")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--subjects", help="comma-separated subject numbers, e.g. 1,2 (default all)")
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--final", default="best-fold", choices=("best-fold", "all", "none"))
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--cache", help="feature cache folder (default DATA/.evoke_cache)")
    p.add_argument("--resume", action="store_true", help="continue from the run's checkpoints")
    p.add_argument("--no-progress", action="store_true", help="no tqdm bars")
    a = p.parse_args(argv)
    subjects = [int(s) for s in a.subjects.split(",")] if a.subjects else None
    return Config(
        data=a.data,
        out=a.out,
        protocol=a.protocol,
        scope=a.scope,
        folds=a.folds,
        fold=a.fold,
        teacher_epochs=a.teacher_epochs or a.epochs,
        student_epochs=a.student_epochs or a.epochs,
        features=a.features,
        hop=a.hop,
        T=a.T,
        alpha=a.alpha,
        batch=a.batch,
        lr=a.lr,
        seed=a.seed,
        subjects=subjects,
        val_fraction=a.val_fraction,
        final=a.final,
        device=a.device,
        cache=a.cache,
        resume=a.resume,
        progress=not a.no_progress,
    )


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_args(argv)
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
