"""A student alone (--no-teacher) on undeclared data under window-kfold: one command, zero
epochs meaning zero, "unknown" data, the leak warning everywhere, the progress bar's total."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from evoke_training import export as export_model
from evoke_training import protocols as P
from evoke_training import train
from evoke_training.config import parse_config

from inference.model.model_file import load_model


def test_zero_means_zero() -> None:
    base = ["--data", "d", "--out", "o"]
    c = parse_config([*base, "--teacher-epochs", "0"])
    assert (c.teacher_epochs, c.student_epochs, c.distilled) == (0, 100, False)
    assert parse_config([*base, "--no-teacher", "--epochs", "3"]).teacher_epochs == 0
    c = parse_config([*base, "--epochs", "3", "--student-epochs", "0"])
    assert (c.teacher_epochs, c.student_epochs) == (3, 0)
    c = parse_config([*base, "--epochs", "0", "--val-fraction", "0"])
    assert (c.teacher_epochs, c.student_epochs, c.val_fraction) == (0, 0, 0.0)
    c = parse_config([*base, "--epochs", "7", "--teacher-epochs", "100"])  # given = the default
    assert (c.teacher_epochs, c.student_epochs) == (100, 7)
    s, t = np.repeat([1, 2], 10), np.tile(np.repeat(np.arange(5), 2), 2)
    fit, val = P.validation_split(np.arange(20), s, t, "trial-kfold", 0.0)
    assert len(val) == 0 and len(fit) == 20


@pytest.mark.slow
def test_student_alone_on_undeclared_data(unmarked: Path, tmp_path: Path, capsys: Any,
                                          no_paths: Any) -> None:  # fmt: skip
    run = tmp_path / "alone"
    argv = ["--data", str(unmarked), "--out", str(run), "--no-teacher", "--protocol",
            "window-kfold", "--folds", "2", "--student-epochs", "3", "--batch", "64",
            "--val-fraction", "0", "--cache", str(tmp_path / "cache")]  # fmt: skip
    assert train.main(argv) == 0
    printed = capsys.readouterr()
    assert "6/6" in printed.err  # the run's bar: 2 folds x 3 student epochs, no teacher
    assert P.WINDOW_WARNING in printed.out and "student, no teacher" in printed.out
    assert json.loads((run / "config.json").read_text())["teacher_epochs"] == 0
    rec = json.loads((run / "folds" / "fold1.json").read_text())
    assert rec["teacher"] is None and rec["distilled"] is False and "scratch" not in rec
    assert rec["n_val"] == 0 and rec["student"]["best_epoch"] == 3  # no slice: the last epoch
    assert set(rec) >= {"majority", "linear"}
    m = json.loads((run / "metrics.json").read_text())
    assert m["summary"]["teacher"] == {} and m["summary"]["student"] == {}
    assert m["summary"]["scratch"]["mean_accuracy"]["n"] == 2 and m["dataset"]["kind"] == "unknown"
    report = (run / "report.md").read_text()
    assert P.WINDOW_WARNING in report and "'unknown'" in report and "Not measured" in report
    assert "student, no teacher" in report and "teacher (CCNN)" not in report
    model = load_model(export_model.export(run, tmp_path / "alone.npz"))
    line = model.describe()
    assert line.startswith("trained on data of unknown kind") and line.endswith(P.WINDOW_WARNING)
    assert "no teacher" in line and "logistic regression" in line
    prov = model.provenance
    assert prov["synthetic_data"] is None and prov["distilled"] is False
    assert "student_no_teacher" not in prov["baselines"]  # the model is that student
    for text in (report, (run / "metrics.json").read_text(), json.dumps(model.metadata)):
        no_paths(text, unmarked, tmp_path)


def test_a_statement_against_the_marker_is_refused(synth: Path, tmp_path: Path) -> None:
    argv = ["--data", str(synth), "--out", str(tmp_path / "r"), "--data-kind", "deap"]
    with pytest.raises(SystemExit, match="SYNTHETIC.txt"):
        train.main(argv)
    assert not (tmp_path / "r").exists()
