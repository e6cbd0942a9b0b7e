"""Fitting one network: the device and its place in a torchrun job, checkpoints written
atomically and resumed, the loss on labels, the epoch loop that keeps the epoch its selection
rule (evoke_training.selection) picks on a validation slice (never on the test fold)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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

from evoke_training import metrics as M
from evoke_training import progress as bar
from evoke_training.config import Config, config_diff
from evoke_training.selection import HALF, chosen_epoch

log = logging.getLogger("evoke.train")
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (logits, window indices) -> loss


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


def label_loss(y: torch.Tensor) -> LossFn:
    """BCE-with-logits against the true VAD bits of the windows in the batch."""
    targets = y.float()

    def loss(logits: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(logits, targets[idx].to(logits.device))

    return loss


@dataclass
class _Progress:
    """Where a fit stands: what resuming restores and each epoch checkpoints."""

    result: FitResult
    start: int = 1
    recent: dict[int, dict[str, torch.Tensor]] = field(default_factory=dict)  # last HALF + 1

    def keep(self, model: nn.Module, epoch: int, rule: str, epochs: int) -> None:
        """Remember this epoch's weights, keep the rule's pick if it is among the recent ones,
        forget what no later pick can choose."""
        self.recent[epoch] = _copy(model.state_dict())
        pick = chosen_epoch(self.result.history, rule, epochs)
        if pick in self.recent:
            self.result.best_epoch, self.result.best_state = pick, self.recent[pick]
        self.recent = {e: w for e, w in self.recent.items() if e >= epoch - HALF}


def _copy(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in state.items()}


def _resume(model: nn.Module, opt: torch.optim.Optimizer, arch: str, cfg: Config, ckpt: Path | None,
            epochs: int, desc: str) -> _Progress:  # fmt: skip
    fresh = _Progress(FitResult(_copy(model.state_dict()), 0))
    if ckpt is None or not cfg.resume or not ckpt.exists():
        return fresh
    state = torch.load(ckpt, map_location="cpu", weights_only=True)
    if state.get("arch") != arch:
        raise SystemExit(
            f"{ckpt}: checkpoint is of architecture {state.get('arch')!r}, not {arch!r}; "
            "pick another --out or delete the checkpoint"
        )
    if state.get("config") != cfg.fingerprint():
        raise SystemExit(
            f"{ckpt}: checkpoint was made with another configuration; {config_diff(state['config'], cfg)}"
        )
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    recent = {int(e): w for e, w in state["recent"].items()} | {state["epoch"]: state["model"]}
    progress = _Progress(FitResult(state["best_state"], state["best_epoch"], state["history"]),
                         state["epoch"] + 1, recent)  # fmt: skip
    if progress.start <= epochs:
        log.info("%s: resuming at epoch %d of %d", desc, progress.start, epochs)
    return progress


def _train_epoch(net: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, order: torch.Tensor,
                 loss_fn: LossFn, cfg: Config, env: Env, desc: str) -> tuple[float, int]:  # fmt: skip
    """One pass over `order` in batches; (summed loss, windows seen)."""
    net.train()
    total, seen = 0.0, 0
    bar = tqdm(range(0, len(order), cfg.batch), desc=desc, leave=False,
               disable=not (cfg.progress and env.main))  # fmt: skip
    for i in bar:
        idx = order[i : i + cfg.batch]
        loss = loss_fn(net(x[idx].to(env.device)), idx)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += float(loss.detach()) * len(idx)
        seen += len(idx)
        bar.set_postfix(loss=f"{total / seen:.4f}")
    return total, seen


def _scores(model: nn.Module, x: torch.Tensor, y: torch.Tensor, val_idx: np.ndarray,
            test_idx: np.ndarray) -> dict[str, float]:  # fmt: skip
    """Validation loss (BCE on the labels, whatever the training loss) and mean accuracy; the
    test mean accuracy for the learning curves and the selection check only."""
    out = {}
    if len(val_idx):
        logits = predict(model, x[val_idx])
        out["val_mean_accuracy"] = score(logits, y[val_idx])["mean_accuracy"]
        out["val_loss"] = float(F.binary_cross_entropy_with_logits(logits, y[val_idx].float()))
    if len(test_idx):
        out["test_mean_accuracy"] = score(predict(model, x[test_idx]), y[test_idx])["mean_accuracy"]
    return out


def fit(
    model: nn.Module,
    arch: str,
    x: torch.Tensor,
    y: torch.Tensor,
    split: tuple[np.ndarray, np.ndarray, np.ndarray],
    loss_fn: LossFn,
    epochs: int,
    cfg: Config,
    env: Env,
    ckpt: Path | None,
    desc: str,
) -> FitResult:
    """Adam on the split's training windows for `epochs`; keeps the epoch cfg.select picks on
    the validation slice (the last when there is none). split: (train, val, test) indices.
    `epochs` 0 keeps the initial weights (epoch 0).

    Test accuracy is logged per epoch for the learning curves only; it never picks anything.
    """
    train_idx, val_idx, test_idx = split
    model.to(env.device)
    net: nn.Module = DDP(model) if env.world > 1 else model
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    progress = _resume(model, opt, arch, cfg, ckpt, epochs, desc)
    result = progress.result
    bar.advance(min(progress.start - 1, epochs))  # epochs a resumed fit does not redo
    # The sampler only needs len(): it shards and reshuffles positions 0..n-1 every epoch.
    positions = TensorDataset(torch.arange(len(train_idx)))
    sampler: DistributedSampler[int] = DistributedSampler(
        positions, num_replicas=env.world, rank=env.rank, shuffle=True, seed=cfg.seed
    )
    train_t = torch.as_tensor(train_idx)
    for epoch in range(progress.start, epochs + 1):
        sampler.set_epoch(epoch)
        order = train_t[torch.as_tensor(list(sampler))]
        t0 = time.perf_counter()
        total, seen = _train_epoch(
            net, opt, x, order, loss_fn, cfg, env, f"{desc} {epoch}/{epochs}"
        )
        row = {
            "epoch": float(epoch),
            "train_loss": total / max(seen, 1),
            "seconds": time.perf_counter() - t0,
        }
        row.update(_scores(model, x, y, val_idx, test_idx))
        result.history.append(row)
        progress.keep(model, epoch, cfg.select, epochs)
        log.info("%s epoch %d/%d loss %.4f val %.4f test %.4f (%.1f s)", desc, epoch, epochs,
                 row["train_loss"], row.get("val_mean_accuracy", float("nan")),
                 row.get("test_mean_accuracy", float("nan")), row["seconds"])  # fmt: skip
        if ckpt is not None and env.main:
            _checkpoint(ckpt, arch, cfg, epoch, model, opt, progress)
        bar.advance()
    return result


def _checkpoint(ckpt: Path, arch: str, cfg: Config, epoch: int, model: nn.Module,
                opt: torch.optim.Optimizer, progress: _Progress) -> None:  # fmt: skip
    """Everything a resumed fit needs (the recent weights but this epoch's, which is `model`)."""
    result = progress.result
    recent = {str(e): w for e, w in progress.recent.items() if e != epoch}
    save_atomic({"arch": arch, "config": cfg.fingerprint(), "epoch": epoch,
                 "model": model.state_dict(), "optimizer": opt.state_dict(),
                 "history": result.history, "best_state": result.best_state,
                 "best_epoch": result.best_epoch, "recent": recent}, ckpt)  # fmt: skip
