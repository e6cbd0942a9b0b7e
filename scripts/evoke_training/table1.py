"""Regenerate Table I: cost and accuracy of ViT, Arjun ViT, CCNN and the EVOKE student.

    python scripts/table1.py --data DIR --epochs 100 --folds 5 --protocol window-kfold --json t1.json

Cost columns are measured here: layers and multiply-adds ("FLOPs" as the paper counts them) from
a forward pass with hooks, weight size = float32 parameters in MiB (the paper's "MB"), median
latency at batch 1, throughput in windows/s at --throughput-batch (1024; a model too slow for
that on this device is timed at a smaller batch, which the table states). Accuracy columns come
from a quick training with --epochs on whatever data it is given, with DE and with PSD features;
the student is distilled from the CCNN of the same fold. Arjun ViT reads raw 32x128 EEG, so one
raw-window run fills both of its columns.
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
from evoke_training import models, train
from evoke_training import protocols as P
from evoke_training.config import Config, study_config
from evoke_training.fitting import Env, fit, label_loss, predict, score, setup_env

ORDER = ("vit", "arjun", "ccnn", "student")
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


def _bce_fit(
    name: str, ws: D.WindowSet, split: P.Split, cfg: Config, env: Env, epochs: int
) -> dict[str, float]:
    """Train one baseline on a fold (best epoch by validation) and score it on the test fold."""
    x, y = torch.from_numpy(ws.x), torch.from_numpy(ws.y.astype(np.int64))
    fit_idx, val_idx = P.validation_split(
        split.train, ws.subject, ws.trial, cfg.protocol, cfg.val_fraction, cfg.seed
    )
    torch.manual_seed(cfg.seed)
    net = models.build(name)
    res = fit(
        net, name, x, y, (fit_idx, val_idx, split.test), label_loss(y), epochs, cfg, env, None, name
    )
    net.load_state_dict(res.best_state)
    return score(predict(net, x[split.test]), y[split.test])


def accuracy(args: argparse.Namespace, env: Env) -> dict[str, dict[str, Any]]:
    """{model: {"de": summary, "psd": summary}} of mean accuracy and F1 over folds."""
    out: dict[str, dict[str, Any]] = {m: {} for m in ORDER}
    cfg = study_config(
        args, teacher_epochs=args.epochs, student_epochs=args.epochs, cache=args.cache
    )
    for kind in ("de", "psd"):
        ws = D.load_features(args.data, kind, subjects=args.subjects, cache_dir=args.cache)
        x, y = torch.from_numpy(ws.x), torch.from_numpy(ws.y.astype(np.int64))
        splits = P.make_splits(ws.subject, ws.trial, args.protocol, args.folds, args.seed)
        per: dict[str, list[dict[str, float]]] = {m: [] for m in ORDER}
        for split in splits:
            if "ccnn" in args.train or "student" in args.train:
                rec = train.teacher_then_student(
                    ws, x, y, split.train, split.test, cfg, env, f"{kind} {split.name}", None
                )
                per["ccnn"].append(rec["teacher"]["test"])
                per["student"].append(rec["student"]["test"])
            if "vit" in args.train:
                per["vit"].append(_bce_fit("vit", ws, split, cfg, env, args.epochs))
        for m in ("vit", "ccnn", "student"):
            if per[m]:
                out[m][kind] = M.summarize(per[m])
    if "arjun" in args.train:
        raw = D.load_raw(args.data, subjects=args.subjects)
        splits = P.make_splits(raw.subject, raw.trial, args.protocol, args.folds, args.seed)
        runs = [_bce_fit("arjun", raw, s, cfg, env, args.epochs) for s in splits]
        out["arjun"]["de"] = out["arjun"]["psd"] = M.summarize(runs)
    return out


def markdown(rows: list[dict[str, Any]], device: str, args: argparse.Namespace) -> str:
    head = (
        "| Model | #Layers | #Params | FLOPs (MACs) | Weight | Inference (ms) | Throughput "
        "(windows/s @ batch) | DE F1 | DE Acc (%) | PSD F1 | PSD Acc (%) |"
    )
    lines = [head, "|" + " --- |" * 11]
    for r in rows:
        acc = []
        for kind in ("de", "psd"):
            s = r.get("scores", {}).get(kind)
            acc += (
                [f"{s['mean_f1']['mean']:.2f}", f"{s['mean_accuracy']['mean'] * 100:.2f}"]
                if s
                else ["-", "-"]
            )
        lines.append(
            f"| {r['model']} | {r['layers']} | {r['params'] / 1e6:.3f}M | {r['macs'] / 1e6:.3f}M "
            f"| {r['weight_mib']:.2f}MB | {r['latency_ms_batch1']:.4f} | "
            f"{r['throughput']:.0f} @ {r['throughput_batch']} | " + " | ".join(acc) + " |"
        )
    note = (
        f"\nDevice: {device}. Accuracy: {args.protocol}, {args.folds} folds, {args.epochs} epochs "
        f"on `{args.data}`{' (SYNTHETIC data)' if D.is_synthetic(args.data) else ''}; F1 and "
        "accuracy are means over V, A, D and over folds. Arjun ViT reads raw windows (same run in "
        f"both columns). MB = MiB of float32 weights. {P.LEAK_NOTE}"
    )
    return "\n".join(lines) + "\n" + note + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--data", required=True)
    p.add_argument("--epochs", type=int, default=3, help="training epochs per model and fold")
    p.add_argument("--protocol", default="trial-kfold", choices=P.PROTOCOLS)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--subjects", type=lambda s: [int(v) for v in s.split(",")], default=None)
    p.add_argument("--train", default=None, help="models to train (default: all; CPU: not vit)")
    p.add_argument("--throughput-batch", type=int, default=1024)
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--cache", default=None, help="feature cache folder")
    p.add_argument("--json", nargs="?", const="table1.json", help="also write JSON (FILE)")
    p.add_argument("--out", help="write the Markdown table to FILE")
    a = p.parse_args(argv)
    env = setup_env(a.device)
    default = ORDER if env.device.type == "cuda" else ("arjun", "ccnn", "student")
    a.train = tuple(a.train.split(",")) if a.train else default
    if a.epochs > 0:
        scores = accuracy(a, env)
    else:
        scores = {m: {} for m in ORDER}
    rows = []
    for name in ORDER:
        row = cost(name, env.device, a.throughput_batch)
        row["scores"] = scores[name]
        rows.append(row)
    device = device_name(env.device)
    table = markdown(rows, device, a)
    if "vit" not in a.train:
        table += "ViT accuracy not measured (85M parameters: train it on a GPU, or pass --train).\n"
    print(table)
    if a.out:
        Path(a.out).write_text(table)
    if a.json:
        Path(a.json).write_text(json.dumps({"device": device, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
