"""`train.py --ray`: folds as Ray tasks on a private local Ray, a finished fold never trained
again, the reports as a local run writes them, and a Ray-trained fold equal to one trained here
(torch on one thread in both: Ray gives each task one CPU)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from evoke_tools.paths import ROOT
from evoke_training import train

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # Ray on loopback only
pytest.importorskip(
    "ray",
    reason="Ray is the optional 'ray' extra (pip install 'evoke-blender[ray]'); the Blender "
    "venvs (Python 3.13) install only what tests/blender needs",
)

TINY = ["--folds", "2", "--epochs", "1", "--batch", "64", "--no-progress"]


def _train(synth: Path, run: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(ROOT / "scripts" / "evoke.py"), "train", "--data", str(synth), "--out",
           str(run), "--cache", str(synth.parent / "cache"), *TINY, *extra]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)


def _state(path: Path) -> tuple[int, int]:
    return path.stat().st_ino, path.stat().st_mtime_ns


def test_folds_run_as_ray_tasks_and_a_finished_fold_is_not_trained_again(
    synth: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    first = _train(synth, run, "--fold", "1")  # one fold here, as a user splitting by hand
    assert first.returncode == 0, first.stderr[-2000:]
    fold1 = run / "folds" / "fold1.json"
    before = _state(fold1)
    rest = _train(synth, run, "--ray", "local", "--resume")
    assert rest.returncode == 0, rest.stderr[-2000:]
    assert _state(fold1) == before  # not trained again, not rewritten
    log = (run / "train.log").read_text()
    assert "fold1: done already, skipping" in log and "1 folds on Ray (a CPU each" in log
    assert "fold2: trained on cpu" in log
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["complete"] and metrics["folds_done"] == 2
    assert (run / "report.md").is_file() and (run / "student_final.pt").is_file()
    assert (run / "students" / "fold2.pt").is_file() and (run / "curves" / "fold2.png").is_file()
    assert not list((run / "folds").glob(".*"))  # no partial record left

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        here = train.run(_local_cfg(synth, tmp_path / "here"))
    finally:
        torch.set_num_threads(threads)
    on_ray = json.loads((run / "folds" / "fold2.json").read_text())
    local = next(f for f in here["folds"] if f["name"] == "fold2")
    for who in ("teacher", "student", "scratch", "linear", "majority"):
        assert on_ray[who]["test"] == pytest.approx(local[who]["test"], abs=1e-6), who


def _local_cfg(synth: Path, out: Path) -> Any:
    return train.Config(data=str(synth), out=str(out), folds=2, teacher_epochs=1,
                        student_epochs=1, batch=64, progress=False,
                        cache=str(synth.parent / "cache"))  # fmt: skip


def test_an_unreachable_cluster_is_one_line(synth: Path, tmp_path: Path) -> None:
    done = _train(synth, tmp_path / "run", "--ray", "127.0.0.1:9")
    assert done.returncode != 0
    assert "--ray 127.0.0.1:9: cannot reach a Ray cluster" in done.stderr
    assert "Traceback" not in done.stderr
