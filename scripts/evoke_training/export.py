"""Run folder -> model file the add-on runs (inference.model.model_file.save_model), with provenance.

    python scripts/export_model.py runs/x --out inference/model/evoke_student.npz

Exports `student_final.pt` (or --weights FILE, e.g. RUN/students/fold2.pt). The provenance says
what data the student saw (synthetic or DEAP), under which protocol it was scored, and the
student's mean +- std test scores over folds, so the add-on can tell users how far to trust it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import torch

from inference.dsp.features import FeatureSettings
from inference.model.model_file import model_metadata, save_model


def student_weights(path: Path) -> dict[str, np.ndarray]:
    """Torch-layout float32 arrays named as inference/model/student.py expects (conv1.weight, ...)."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    if state.get("arch") != "student":
        raise SystemExit(f"{path}: holds a {state.get('arch')!r} model, not the student")
    return {k: v.detach().cpu().numpy().astype(np.float32) for k, v in state["state_dict"].items()}


def provenance(run: Path, weights_file: Path, notes: str = "") -> dict[str, Any]:
    cfg = json.loads((run / "config.json").read_text())
    m = json.loads((run / "metrics.json").read_text())
    student = m["summary"].get("student", {})
    flat: dict[str, Any] = {k: v["mean"] for k, v in student.items()}
    flat.update({f"{k}_std": v["std"] for k, v in student.items()})
    flat["folds"] = m["folds_done"]
    teacher = m["summary"].get("teacher", {})
    if "mean_accuracy" in teacher:
        flat["teacher_mean_accuracy"] = teacher["mean_accuracy"]["mean"]
    synthetic = bool(cfg.get("synthetic_data", False))
    subjects = cfg.get("subjects_used", [])
    data = (
        f"{'SYNTHETIC DEAP-format data (scripts/synth_deap.py), not real EEG' if synthetic else 'DEAP'}"
        f": {len(subjects)} subject(s) {subjects}, {cfg.get('n_windows')} windows from {cfg['data']}"
    )
    final = m.get("final", {}).get("source", "") if weights_file.name == "student_final.pt" else ""
    text = (
        f"Distilled from a CCNN teacher (Eq. 1, T={cfg['T']}, alpha={cfg['alpha']}); teacher "
        f"{cfg['teacher_epochs']} and student {cfg['student_epochs']} epochs. Weights: "
        f"{weights_file.name}{' = ' + final if final else ''}. Metrics are the student's test "
        f"scores, mean over {m['folds_done']} {m['protocol']} folds. {m['note']}"
    )
    if synthetic:
        text = "Trained on SYNTHETIC data: a demonstration model, meaningless on real EEG. " + text
    return {
        "trained": True,
        "synthetic_data": synthetic,
        "data": data,
        "protocol": f"{m['protocol']} ({m['scope']}, {m['folds_total']} folds)",
        "metrics": flat,
        "date": date.today().isoformat(),
        "notes": (text + " " + notes).strip(),
    }


def export(
    run: str | Path, out: str | Path, weights: str | Path | None = None, notes: str = ""
) -> Path:
    run = Path(run)
    wfile = Path(weights) if weights else run / "student_final.pt"
    for need in (run / "config.json", run / "metrics.json", wfile):
        if not need.exists():
            raise SystemExit(f"{need} is missing: is {run} a finished train.py run folder?")
    cfg = json.loads((run / "config.json").read_text())
    features = FeatureSettings.from_dict(cfg["feature_settings"])
    meta = model_metadata(features, provenance(run, wfile, notes))
    return save_model(out, student_weights(wfile), meta)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("run", help="a train.py run folder")
    p.add_argument("--out", required=True, help="model file to write (.npz)")
    p.add_argument("--weights", help="student checkpoint (default RUN/student_final.pt)")
    p.add_argument("--notes", default="", help="extra provenance notes")
    a = p.parse_args(argv)
    path = export(a.run, a.out, a.weights, a.notes)
    from inference.model.model_file import load_model

    print(f"{path}: {load_model(path).describe()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
