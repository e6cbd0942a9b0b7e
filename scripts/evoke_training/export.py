"""Run folder -> model file the add-on runs (inference.model.model_file.save_model), with provenance.

    python scripts/evoke.py export_model runs/x --out inference/model/evoke_student.npz

Exports `student_final.pt` (or --weights FILE, e.g. RUN/students/fold2.pt). The provenance says
what data the student saw, as declared at training (kind, name, subjects, content hash; no
path), under which protocol it was scored, the student's mean ± std test scores over folds and,
beside them, the majority class, the logistic regression, the student without a teacher and the
teacher, so the add-on can tell users how far to trust it.
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

from evoke_training.protocols import WINDOW_WARNING
from evoke_training.provenance import describe_data
from evoke_training.summary import flat
from inference.dsp.features import FeatureSettings
from inference.model.model_file import model_metadata, save_model
from inference.model.networks import STUDENT

# A checkpoint's model (its "arch", as evoke_training.models names it) -> the numpy network that
# runs it (inference.model.networks.NETWORKS): a new student is one entry here and one there.
ARCHITECTURES = {"student": STUDENT}


def checkpoint_weights(path: Path) -> tuple[str, dict[str, np.ndarray]]:
    """(the runtime's architecture name, torch-layout float32 arrays named as its network
    expects, conv1.weight ...) of a training checkpoint."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    name = ARCHITECTURES.get(state.get("arch"))
    if name is None:
        raise SystemExit(
            f"{path}: holds a {state.get('arch')!r} model; the runtime runs {', '.join(ARCHITECTURES)}"
        )
    weights = {
        k: v.detach().cpu().numpy().astype(np.float32) for k, v in state["state_dict"].items()
    }
    return name, weights


# The baselines a model file carries beside its own figures (model_file.describe shows them).
BASELINES = {"majority": "majority", "linear": "logistic_regression",
             "scratch": "student_no_teacher", "teacher": "teacher"}  # fmt: skip
HEADLINE = ("mean_accuracy", "mean_macro_f1", "exact_match")


def synthetic_flag(kind: str) -> bool | None:
    """The older boolean: true for synthetic data, unknown stays unknown (null)."""
    return {"synthetic": True, "unknown": None}.get(kind, False)


def _baselines(m: dict[str, Any]) -> dict[str, dict[str, float]]:
    summaries = m["summary"]
    keep = [w for w in BASELINES if summaries.get(w) and (w != "scratch" or m["distilled"])]
    return {BASELINES[w]: flat(summaries[w], HEADLINE) for w in keep}


def provenance(run: Path, weights_file: Path, notes: str = "") -> dict[str, Any]:
    """The model file's provenance: the data as declared (no path), the protocol, the
    student's scores with the baselines beside them, the selection rule, notes."""
    cfg = json.loads((run / "config.json").read_text())
    m = json.loads((run / "metrics.json").read_text())
    dataset = dict(m["dataset"])
    kind = dataset["kind"]
    metrics: dict[str, Any] = flat(m["summary"]["student" if m["distilled"] else "scratch"])
    metrics["folds"] = m["folds_done"]
    final = m.get("final", {}).get("source", "") if weights_file.name == "student_final.pt" else ""
    how = (f"Distilled from a CCNN teacher (Eq. 1, T={cfg['T']}, alpha={cfg['alpha']}); teacher "
           f"{cfg['teacher_epochs']} and student {cfg['student_epochs']} epochs" if m["distilled"]
           else f"Trained without a teacher on the labels, {cfg['student_epochs']} epochs")  # fmt: skip
    text = (
        f"{how}. Weights: {weights_file.name}{' = ' + final if final else ''}. Metrics are the "
        f"student's test scores, mean over {m['folds_done']} {m['protocol']} folds (F1: "
        f"macro-F1); baselines on the same splits. Selection: {m['selection']}. {m['note']}"
    )
    if kind == "synthetic":
        text = "Trained on SYNTHETIC data: a demonstration model, meaningless on real EEG. " + text
    prov: dict[str, Any] = {
        "trained": True,
        "data_kind": kind,
        "synthetic_data": synthetic_flag(kind),
        "data": f"{describe_data(dataset)}; {dataset.get('n_windows')} windows",
        "dataset": dataset,
        "protocol": f"{m['protocol']} ({m['scope']}, {m['folds_total']} folds)",
        "metrics": metrics,
        "baselines": _baselines(m),
        "distilled": m["distilled"],
        "distillation_gain": flat(m.get("distillation_gain", {})),
        "model_selection": m["selection"],
        "date": date.today().isoformat(),
        "notes": (text + " " + notes).strip(),
    }
    if m["protocol"] == "window-kfold":
        prov["protocol_warning"] = WINDOW_WARNING
    return prov


def export(
    run: str | Path, out: str | Path, weights: str | Path | None = None, notes: str = ""
) -> Path:
    run = Path(run)
    wfile = Path(weights) if weights else run / "student_final.pt"
    for need in (run / "config.json", run / "metrics.json", wfile):
        if not need.exists():
            raise SystemExit(f"{need} is missing: is {run} a finished train.py run folder?")
    cfg = json.loads((run / "config.json").read_text())
    if "dataset" not in json.loads((run / "metrics.json").read_text()):
        raise SystemExit(f"{run} was trained before runs recorded their data's provenance and "
                         "baselines: retrain it (same command, another --out) to export it")  # fmt: skip
    features = FeatureSettings.from_dict(cfg["feature_settings"])
    name, arrays = checkpoint_weights(wfile)
    meta = model_metadata(features, provenance(run, wfile, notes), architecture_name=name)
    return save_model(out, arrays, meta)


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
