"""Make the bundled model, reproducibly: `python scripts/evoke.py make_model` (the Makefile's `make model`).

1. writes 4 synthetic DEAP-format subjects (scripts/evoke.py synth_deap, seed 0) with the generator's
   SYNTHETIC.txt marker, 2. trains the CCNN teacher and distils the student under trial-kfold
   (4 folds: the reported metrics, beside the majority class, a logistic regression and the
   student trained without a teacher), 3. retrains both on all 4 subjects (--final all) for the
   exported student, 4. exports inference/model/evoke_student.npz whose provenance says plainly
   that it was trained on synthetic data (declared twice: the marker and data_kind "synthetic").
   ~30 minutes on a 2-core CPU; rerunning resumes where it stopped.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

import torch
from evoke_tools.paths import ROOT
from evoke_tools.synthetic import write_deap_folder

from evoke_training import export as export_model
from evoke_training import models, train
from evoke_training.config import Config
from evoke_training.provenance import read_marker
from inference.model.model_file import bundled_model_path, load_model

SUBJECTS, SEED = 4, 0


def synthetic_folder(folder: Path) -> Path:
    """The 4 synthetic subjects (and the generator's marker), written once (same seed, same files)."""
    done = all((folder / f"s{k:02d}.dat").exists() for k in range(1, SUBJECTS + 1))
    if not done or (read_marker(folder) or {}).get("seed") != SEED:
        write_deap_folder(folder, SUBJECTS, SEED)
    return folder


def cost_figures() -> dict[str, float]:
    """Student / teacher ratios of parameters, MACs and CPU latency at batch 1."""
    t, s = models.CCNN(), models.Student()
    x = torch.randn(1, 4, 9, 9)
    out = {
        "teacher_params": models.count_params(t),
        "student_params": models.count_params(s),
        "teacher_macs": models.profile(t, x).macs,
        "student_macs": models.profile(s, x).macs,
        "teacher_cpu_ms_batch1": models.latency_ms(t, x, repeats=200),
        "student_cpu_ms_batch1": models.latency_ms(s, x, repeats=200),
    }
    for k in ("params", "macs", "cpu_ms_batch1"):
        out[f"ratio_{k}"] = out[f"student_{k}"] / out[f"teacher_{k}"]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--work", default=str(ROOT / "out" / "make_model"), help="data and run folder")
    p.add_argument("--out", default=str(bundled_model_path()), help="model file to write")
    p.add_argument("--teacher-epochs", type=int, default=5)
    p.add_argument("--student-epochs", type=int, default=30)
    p.add_argument("--folds", type=int, default=4)
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    a = p.parse_args(argv)
    t0 = time.perf_counter()
    work = Path(a.work)
    folder = synthetic_folder(work / "data")
    run_dir = work / "run"
    cfg = Config(
        data=str(folder),
        out=str(run_dir),
        protocol="trial-kfold",
        folds=a.folds,
        teacher_epochs=a.teacher_epochs,
        student_epochs=a.student_epochs,
        seed=SEED,
        final="all",
        data_kind="synthetic",
        device="cpu",
        resume=(run_dir / "config.json").exists(),
        progress=a.progress,
    )
    summary = train.run(cfg)
    path = export_model.export(
        run_dir,
        a.out,
        notes="Made by `python scripts/evoke.py make_model` (make model). Retrain on DEAP for real use.",
    )
    s = summary["summary"]
    figures = {
        **{f"{who}_mean_accuracy": s[who]["mean_accuracy"] for who in s if s[who]},
        "student_over_teacher_accuracy": s["student"]["mean_accuracy"]["mean"]
        / s["teacher"]["mean_accuracy"]["mean"],
        "distillation_gain": summary["distillation_gain"],
        "seconds_per_epoch": summary["seconds_per_epoch"],
        "final": summary.get("final", {}),
        **cost_figures(),
        "seconds_this_command": time.perf_counter() - t0,
    }
    (work / "figures.json").write_text(json.dumps(figures, indent=1))
    print(json.dumps(figures, indent=1))
    print(f"{path}: {load_model(path).describe()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
