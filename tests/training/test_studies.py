"""Table I and Fig. 4 on tiny data: the baselines beside every figure, ± std, the fixed points
of Fig. 4 always in its grid, the protocol's caveat."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest
import torch
from evoke_training import sweep, table1
from evoke_training.fitting import Env
from evoke_training.provenance import data_provenance


@pytest.mark.slow
def test_sweep_keeps_its_fixed_points_and_references(synth: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    args = ["--data", str(synth), "--epochs", "1", "--folds", "2", "--Ts", "1,2", "--no-progress",
            "--alphas", "0,1", "--out", str(out), "--cache", str(tmp_path / "cache")]  # fmt: skip
    assert sweep.main(args) == 0
    result = json.loads((out / "sweep.json").read_text())
    assert list(result["T_sweep"]) == ["1.0", "1.25", "2.0"]
    assert list(result["alpha_sweep"]) == ["0.0", "0.25", "1.0"]
    assert result["added_to_grid"] == ["T=1.25", "alpha=0.25"]
    assert result["fixed"] == {"T_sweep": {"alpha": 0.25}, "alpha_sweep": {"T": 1.25}}
    refs = result["references"]
    assert all(refs[k]["mean_accuracy"]["n"] == 2 for k in ("teacher", "scratch", "linear",
                                                              "majority"))  # fmt: skip
    assert result["alpha_sweep"]["0.0"] == refs["scratch"]  # alpha 0 is the no-teacher student
    assert result["dataset"]["kind"] == "synthetic"
    assert (out / "fig4.png").stat().st_size > 0
    with pytest.raises(SystemExit, match="teacher"):
        sweep.main([*args, "--teacher-epochs", "0"])


@pytest.mark.slow
def test_table1_scores_every_model_beside_the_baselines(synth: Path, tmp_path: Path) -> None:
    args = argparse.Namespace(
        data=str(synth), epochs=1, protocol="trial-kfold", folds=2, seed=0, subjects=None,
        cache=str(tmp_path / "cache"), train=("ccnn", "student"), progress=False,
    )  # fmt: skip
    scores = table1.accuracy(args, Env(torch.device("cpu")))
    for model in ("ccnn", "student", "scratch", "linear", "majority"):
        for kind in ("de", "psd"):
            assert scores[model][kind]["mean_macro_f1"]["n"] == 2, (model, kind)
    assert scores["vit"] == {} and scores["arjun"] == {}
    rows: list[dict[str, Any]] = [{**table1.cost("student", torch.device("cpu"), 8),
                                   "scores": scores["student"]}]  # fmt: skip
    rows += [{"model": table1.LABELS[b], "scores": scores[b]} for b in table1.BASELINE_ROWS]
    md = table1.markdown(rows, "cpu", args, data_provenance(synth, cache_dir=args.cache))
    student = next(line for line in md.splitlines() if line.startswith("| EVOKE student"))
    assert student.count("±") == 4  # macro-F1 and accuracy, DE and PSD
    for label in ("majority class", "logistic regression", "student, no teacher"):
        assert f"| {label} |" in md
    assert "trial-kfold" in md and "synthetic" in md and "macro-F1" in md
    assert str(synth) not in md
