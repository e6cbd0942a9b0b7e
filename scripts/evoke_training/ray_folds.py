"""Folds as Ray tasks (`train.py --ray auto|ADDRESS|local`): a GPU each where the cluster has
GPUs, a CPU each otherwise; each task trains one fold exactly as `train.py --fold K` would and
writes the same files into the run folder (which every node must see at the same path, as
the data and its feature cache). A finished fold is never trained again: the driver sends only
folds without a record (with --resume), and a task retried after its worker died skips a fold
whose record it finds (records are written atomically: present means complete).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from evoke_training import data as D
from evoke_training import progress as bar
from evoke_training import protocols as P
from evoke_training.config import Config
from evoke_training.fitting import Env, setup_env
from evoke_training.fold import fold_epochs
from inference.errors import EvokeError

log = logging.getLogger("evoke.train")

ATTEMPTS = 3  # runs of a fold whose worker died (killed, preempted) before it is given up


def fold_record(run_dir: Path, name: str) -> Path:
    return run_dir / "folds" / f"{name}.json"


def train_one_fold(cfg: Config, name: str) -> str:
    """On a Ray worker: features from the cache the driver filled, then the fold `name`."""
    from evoke_training.train import _run_fold

    run_dir = Path(cfg.out)
    if fold_record(run_dir, name).exists():
        return f"{name}: done already"
    env = setup_env(cfg.device)
    ws = D.load_features(cfg.data, cfg.features, cfg.hop, cfg.subjects, cfg.cache, cfg.baseline)
    split = next(s for s in P.make_splits(ws.subject, ws.trial, cfg.protocol, cfg.folds, cfg.seed,
                                          cfg.scope) if s.name == name)  # fmt: skip
    x, y = torch.from_numpy(ws.x), torch.from_numpy(ws.y.astype("int64"))
    _run_fold(split, ws, x, y, cfg, env, run_dir)
    return f"{name}: trained on {env.device}{_ray_gpus()}"


def _ray_gpus() -> str:
    """The GPUs Ray gave this task (it sets CUDA_VISIBLE_DEVICES to them), for the log: torch
    trains on the CPU where it sees no CUDA device there, and the log says both."""
    import ray

    ids = ray.get_gpu_ids()
    return f" (Ray's GPU {', '.join(map(str, ids))})" if ids else ""


def run_folds_on_ray(todo: list[P.Split], cfg: Config, env: Env, run_dir: Path) -> None:
    """Every fold of `todo` not yet done, as one Ray task each; logs each as it finishes."""
    from inference.batch.ray_backend import connect, import_ray

    if env.world > 1:
        raise SystemExit("--ray runs each fold in its own process: start train.py without torchrun")
    try:
        ray = import_ray()
        # the tasks import evoke_training from the checkout's scripts/ (it is not installed)
        scripts = Path(__file__).resolve().parent.parent
        started = connect(str(cfg.ray), python_path=(str(scripts), str(scripts.parent)))
    except EvokeError as exc:  # no Ray, or no cluster there: one line, as train.py's others
        raise SystemExit(f"error: {exc}") from None
    try:
        gpus = ray.cluster_resources().get("GPU", 0)
        resources: dict[str, Any] = {"num_gpus": 1} if gpus else {"num_cpus": 1}
        task = ray.remote(max_retries=ATTEMPTS - 1, retry_exceptions=False, **resources)(
            train_one_fold
        )
        worker_cfg = replace(cfg, ray=None, progress=False, resume=True)
        refs = {}
        for split in todo:
            if fold_record(run_dir, split.name).exists() and cfg.resume:
                log.info("%s: done already, skipping", split.name)
                bar.advance(fold_epochs(cfg))
            else:
                refs[task.remote(worker_cfg, split.name)] = split.name
        where = f"{len(refs)} folds on Ray ({'a GPU' if gpus else 'a CPU'} each, {int(gpus)} GPUs, "
        log.info("%s%d CPUs)", where, int(ray.cluster_resources().get("CPU", 0)))
        failed = []
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            try:
                log.info("%s", ray.get(done[0]))
            except ray.exceptions.RayError as exc:
                failed.append(refs[done[0]])
                lines = [line for line in str(exc).splitlines() if line.strip()]
                # Ray's message opens with the task's name; the fold's own error is its last line
                log.info("%s: failed on Ray: %s", refs[done[0]], lines[-1] if lines else exc)
            bar.advance(fold_epochs(cfg))
        if failed:
            raise SystemExit(f"folds that failed on Ray: {', '.join(failed)} (rerun with --resume)")
    finally:
        if started:
            ray.shutdown()
