"""`train.py --ray`: folds as Ray tasks on a private local Ray, a finished fold never trained
again, the reports as a local run writes them, a GPU each where the cluster declares GPUs, and a
Ray-trained fold equal to one trained here (torch on one thread in both: Ray gives each task one
CPU)."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from dataclasses import replace
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
    synth: Path, tmp_path: Path, local_folds: dict[str, dict[str, Any]]
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
    _assert_same_figures(run, "fold2", local_folds)


@pytest.mark.skipif(
    torch.cuda.is_available(), reason="declares GPUs torch cannot see; here they may be real"
)
def test_on_a_cluster_with_gpus_each_fold_gets_a_gpu_and_trains_on_the_cpu_torch_sees(
    synth: Path, tmp_path: Path, local_folds: dict[str, dict[str, Any]]
) -> None:
    """Ray's logical GPUs (declared, not detected): each fold asks for one and Ray gives it one;
    torch, seeing no CUDA device, trains on the CPU, and the folds come out as trained here."""
    import ray

    scripts = ROOT / "scripts"  # the tasks import evoke_training from there, as train.py's do
    ray.init(address="local", num_cpus=2, num_gpus=2, include_dashboard=False,
             log_to_driver=False, logging_level=logging.ERROR,
             runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join((str(scripts), str(ROOT)))}})  # fmt: skip
    run = tmp_path / "run"
    try:
        train.run(replace(_local_cfg(synth, run), ray="local"))  # joins the Ray started here
    finally:
        ray.shutdown()
    log = (run / "train.log").read_text()
    assert "2 folds on Ray (a GPU each, 2 GPUs, 2 CPUs)" in log
    for name in ("fold1", "fold2"):
        assert re.search(rf"{name}: trained on cpu \(Ray's GPU \d+\)$", log, re.M), log
        _assert_same_figures(run, name, local_folds)


@pytest.fixture(scope="module")
def local_folds(synth: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Both folds trained here, torch on one thread (as a Ray task of one CPU), by name."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        here = train.run(_local_cfg(synth, tmp_path_factory.mktemp("here")))
    finally:
        torch.set_num_threads(threads)
    return {fold["name"]: fold for fold in here["folds"]}


def _assert_same_figures(run: Path, name: str, local_folds: dict[str, dict[str, Any]]) -> None:
    on_ray = json.loads((run / "folds" / f"{name}.json").read_text())
    for who in ("teacher", "student", "scratch", "linear", "majority"):
        assert on_ray[who]["test"] == pytest.approx(local_folds[name][who]["test"], abs=1e-6), who


def _local_cfg(synth: Path, out: Path) -> Any:
    return train.Config(data=str(synth), out=str(out), folds=2, teacher_epochs=1,
                        student_epochs=1, batch=64, progress=False,
                        cache=str(synth.parent / "cache"))  # fmt: skip


def test_an_unreachable_cluster_is_one_line(synth: Path, tmp_path: Path) -> None:
    done = _train(synth, tmp_path / "run", "--ray", "127.0.0.1:9")
    assert done.returncode != 0
    assert "--ray 127.0.0.1:9: cannot reach a Ray cluster" in done.stderr
    assert "Traceback" not in done.stderr
