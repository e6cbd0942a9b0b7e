"""Regenerate Table I: cost and accuracy of ViT, Arjun ViT, CCNN and the EVOKE student.

    python scripts/evoke.py table1 --data DIR --epochs 100 --folds 5 --protocol window-kfold --json t1.json

Cost columns are measured here: layers and multiply-adds ("FLOPs" as the paper counts them) from
a forward pass with hooks, weight size = float32 parameters in MiB (the paper's "MB"), median
latency at batch 1, throughput in windows/s at --throughput-batch (1024; a model too slow for
that on this device is timed at a smaller batch, which the table states). Accuracy columns come
from a quick training with --epochs on whatever data it is given, with DE and with PSD features;
the student is distilled from the CCNN of the same fold. Arjun ViT reads raw 32x128 EEG, so one
raw-window run fills both of its columns. Beside them, on the same splits: the student trained
without a teacher, a logistic regression and the majority class; every score is mean ± std over
folds, F1 is macro-F1, and the protocol's caveat is printed with the table.
"""

from __future__ import annotations

import argparse
import json
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from evoke_training import data as D
from evoke_training import metrics as M
from evoke_training import models
from evoke_training import progress as bar
from evoke_training import protocols as P
from evoke_training.config import Config, study_config, study_parser
from evoke_training.fitting import Env, fit, label_loss, predict, score, setup_env
from evoke_training.fold import LABELS, baseline_records, fold_epochs, make_fold, train_fold
from evoke_training.metrics import pm
from evoke_training.provenance import data_provenance, describe_data

ORDER = ("vit", "arjun", "ccnn", "student")  # the paper's rows, with costs
BASELINE_ROWS = ("scratch", "linear", "majority")  # accuracy beside them, on the same splits
ROWS = ORDER + BASELINE_ROWS
MAX_THROUGHPUT_SECONDS = 10.0  # per timed pass


def device_name(dev: torch.device) -> str:
    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"CPU: {line.split(':', 1)[1].strip()} ({torch.get_num_threads()} threads)"
    except OSError:
        pass
    return f"CPU: {platform.processor() or platform.machine()} ({torch.get_num_threads()} threads)"


def cost(name: str, dev: torch.device, batch: int) -> dict[str, Any]:
    spec = models.MODELS[name]
    torch.manual_seed(0)
    net = spec.build().to(dev).eval()
    x1 = spec.example(1).to(dev)
    prof = models.profile(net, x1)
    params = models.count_params(net)
    ms = models.latency_ms(net, x1, repeats=20 if name == "vit" else 200)
    b = batch
    while b > 1 and ms * b / 1e3 > MAX_THROUGHPUT_SECONDS * 4:  # batch 1 time x b: a rough bound
        b //= 2
    tput = models.throughput(net, spec.example(b).to(dev), repeats=1 if name == "vit" else 3)
    return {
        "model": spec.name,
        "layers": prof.layers,
        "params": params,
        "macs": prof.macs,
        "weight_mib": params * 4 / 2**20,
        "latency_ms_batch1": ms,
        "throughput": tput,
        "throughput_batch": b,
    }


def _bce_fit(name: str, ws: D.WindowSet, split: P.Split, cfg: Config, env: Env,
             epochs: int) -> dict[str, float]:  # fmt: skip
    """Train one baseline on a fold (epoch kept by the selection rule) and score it on the test fold."""
    x, y = torch.from_numpy(ws.x), torch.from_numpy(ws.y.astype(np.int64))
    fold = make_fold(ws, x, y, split.train, split.test, cfg, env, name)
    torch.manual_seed(cfg.seed)
    net = models.build(name)
    res = fit(net, name, x, y, fold.split, label_loss(y), epochs, cfg, env, None, name)
    net.load_state_dict(res.best_state)
    return score(predict(net, x[split.test]), y[split.test])


def _grid_fold(ws: D.WindowSet, split: P.Split, cfg: Config, env: Env, train: tuple[str, ...],
               per: dict[str, list[dict[str, float]]]) -> None:  # fmt: skip
    """One fold of the grid-feature models, appended to `per`: the baselines always, the CCNN,
    both students and ViT as `train` asks."""
    x, y = torch.from_numpy(ws.x), torch.from_numpy(ws.y.astype(np.int64))
    fold = make_fold(ws, x, y, split.train, split.test, cfg, env, f"{cfg.features} {split.name}")
    rec = train_fold(fold) if {"ccnn", "student"} & set(train) else baseline_records(fold)
    for who, row in (("ccnn", "teacher"), ("student", "student"), ("scratch", "scratch"),
                     ("linear", "linear"), ("majority", "majority")):  # fmt: skip
        if rec.get(row):
            per[who].append(rec[row]["test"])
    if "vit" in train:
        per["vit"].append(_bce_fit("vit", ws, split, cfg, env, cfg.student_epochs))


def planned_epochs(args: argparse.Namespace, cfg: Config, n_splits: int) -> int:
    """Every epoch the accuracy columns train (the progress bar's total)."""
    per_fold = fold_epochs(cfg) if {"ccnn", "student"} & set(args.train) else 0
    per_fold += args.epochs if "vit" in args.train else 0
    return n_splits * (2 * per_fold + (args.epochs if "arjun" in args.train else 0))


def accuracy(args: argparse.Namespace, env: Env) -> dict[str, dict[str, Any]]:
    """{model: {"de": summary, "psd": summary}} of every score over folds."""
    out: dict[str, dict[str, Any]] = {m: {} for m in ROWS}
    cfg = study_config(args, teacher_epochs=args.epochs, student_epochs=args.epochs)
    ws = D.load_features(args.data, "de", subjects=args.subjects, cache_dir=args.cache)
    splits = P.make_splits(ws.subject, ws.trial, args.protocol, args.folds, args.seed)
    with bar.overall(planned_epochs(args, cfg, len(splits)), "Table I", args.progress):
        for kind in ("de", "psd"):
            cfg.features = kind
            ws = D.load_features(args.data, kind, subjects=args.subjects, cache_dir=args.cache)
            per: dict[str, list[dict[str, float]]] = {m: [] for m in ROWS}
            for split in splits:
                _grid_fold(ws, split, cfg, env, args.train, per)
            for m, runs in per.items():
                if runs:
                    out[m][kind] = M.summarize(runs)
        if "arjun" in args.train:
            raw = D.load_raw(args.data, subjects=args.subjects)
            runs = [_bce_fit("arjun", raw, s, cfg, env, args.epochs) for s in splits]
            out["arjun"]["de"] = out["arjun"]["psd"] = M.summarize(runs)
    return out


def _cost_cells(r: dict[str, Any]) -> str:
    if "params" not in r:
        return " | ".join(["-"] * 6)
    return (f"{r['layers']} | {r['params'] / 1e6:.3f}M | {r['macs'] / 1e6:.3f}M | "
            f"{r['weight_mib']:.2f}MB | {r['latency_ms_batch1']:.4f} | "
            f"{r['throughput']:.0f} @ {r['throughput_batch']}")  # fmt: skip


def markdown(rows: list[dict[str, Any]], device: str, args: argparse.Namespace,
             dataset: dict[str, Any]) -> str:  # fmt: skip
    head = (
        "| Model | #Layers | #Params | FLOPs (MACs) | Weight | Inference (ms) | Throughput "
        "(windows/s @ batch) | DE macro-F1 | DE Acc (%) | PSD macro-F1 | PSD Acc (%) |"
    )
    lines = [head, "|" + " --- |" * 11]
    for r in rows:
        acc = []
        for kind in ("de", "psd"):
            s = r.get("scores", {}).get(kind, {})
            acc += [pm(s, "mean_macro_f1", 1.0, 2), pm(s, "mean_accuracy", 100.0, 2)]
        lines.append(f"| {r['model']} | {_cost_cells(r)} | " + " | ".join(acc) + " |")
    note = (
        f"\nDevice: {device}. Accuracy: **{args.protocol}**, {args.folds} folds, {args.epochs} "
        f"epochs, on {describe_data(dataset)}. Scores are mean ± std over folds of the means over "
        "V, A and D; F1 is macro-F1. Majority class, logistic regression and the student without "
        "a teacher are scored on the same splits (see a run's report.md). Arjun ViT reads raw "
        f"windows (same run in both columns). MB = MiB of float32 weights. "
        f"{P.protocol_note(args.protocol)}"
    )
    return "\n".join(lines) + "\n" + note + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    p = study_parser(__doc__.split("\n\n")[0] if __doc__ else None, 3,
                     "training epochs per model and fold; 0: costs only")  # fmt: skip
    p.add_argument("--train", default=None, help="models to train (default: all; CPU: not vit)")
    p.add_argument("--throughput-batch", type=int, default=1024)
    p.add_argument("--json", nargs="?", const="table1.json", help="also write JSON (FILE)")
    p.add_argument("--out", help="write the Markdown table to FILE")
    a = p.parse_args(argv)
    env = setup_env(a.device)
    dataset = data_provenance(a.data, a.data_kind, a.subjects, a.data_name, a.cache)
    default = ORDER if env.device.type == "cuda" else ("arjun", "ccnn", "student")
    a.train = tuple(a.train.split(",")) if a.train else default
    scores = accuracy(a, env) if a.epochs > 0 else {m: {} for m in ROWS}
    rows = [{**cost(name, env.device, a.throughput_batch), "scores": scores[name]}
            for name in ORDER]  # fmt: skip
    rows += [{"model": LABELS[b], "scores": scores[b]} for b in BASELINE_ROWS]
    device = device_name(env.device)
    table = markdown(rows, device, a, dataset)
    if "vit" not in a.train:
        table += "ViT accuracy not measured (85M parameters: train it on a GPU, or pass --train).\n"
    print(table)
    if a.out:
        Path(a.out).write_text(table)
    if a.json:
        result = {"device": device, "protocol": a.protocol, "dataset": dataset,
                  "note": P.protocol_note(a.protocol), "rows": rows}  # fmt: skip
        Path(a.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
