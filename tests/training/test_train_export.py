"""Training companion end to end on tiny synthetic data: train, report, resume, export, parity;
every figure beside its protocol and baselines, provenance without paths."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from evoke_tools.paths import ROOT
from evoke_tools.synthetic import make_subject, write_dat
from evoke_training import data as D
from evoke_training import export as export_model
from evoke_training import fitting, models, train
from evoke_training.protocols import WINDOW_WARNING

from inference.errors import InputError
from inference.model.model_file import load_model, save_model
from inference.model.networks import NETWORKS
from inference.model.untrained import untrained_metadata

LABELS = ("majority class", "logistic regression", "student, no teacher")


def _cfg(synth: Path, out: Path, **kw: Any) -> train.Config:
    base: dict[str, Any] = dict(
        data=str(synth), out=str(out), folds=2, teacher_epochs=1, student_epochs=1,
        batch=64, progress=False, cache=str(synth.parent / "cache"),
    )  # fmt: skip
    base.update(kw)
    return train.Config(**base)


def test_numpy_runtime_matches_torch_student(tmp_path: Path) -> None:
    torch.manual_seed(0)
    net = models.Student().eval()
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(3.0)  # larger than init: exercise the ReLUs and big logits
    weights = {k: v.numpy() for k, v in net.state_dict().items()}
    path = save_model(tmp_path / "m.npz", weights, untrained_metadata())
    x = np.random.default_rng(1).normal(size=(200, 4, 9, 9)).astype(np.float32)
    with torch.no_grad():
        expected = net(torch.from_numpy(x)).numpy()
    got = load_model(path).net.logits(x)
    assert np.max(np.abs(got - expected)) <= 1e-5


@pytest.mark.slow
def test_train_report_export(synth: Path, tmp_path: Path, no_paths: Any) -> None:
    run = tmp_path / "run"
    summary = train.run(_cfg(synth, run, student_epochs=2))
    assert summary["complete"] and summary["folds_done"] == 2
    for name in ("metrics.json", "report.md", "config.json", "student_final.pt", "train.log"):
        assert (run / name).exists(), name
    assert not (run / "ckpt").exists()  # per-epoch checkpoints pruned once the folds are done
    assert sorted(p.name for p in (run / "students").iterdir()) == ["fold1.pt", "fold2.pt"]
    assert sorted(p.name for p in (run / "curves").iterdir()) == ["fold1.png", "fold2.png"]
    m = json.loads((run / "metrics.json").read_text())
    assert set(m["summary"]) == {"majority", "linear", "scratch", "teacher", "student"}
    assert all(m["summary"][w]["mean_macro_f1"]["n"] == 2 for w in m["summary"])
    assert m["seconds_per_epoch"]["teacher"] > 0
    assert m["dataset"]["kind"] == "synthetic" and m["dataset"]["seed"] == 5
    for r in m["folds"]:  # the distilled and the no-teacher student differ by their loss only
        assert r["student"]["history"][0]["train_loss"] != r["scratch"]["history"][0]["train_loss"]
    assert set(m["selection_check"]["student"]) == {"smoothed-val-loss", "val-accuracy", "last"}
    report = (run / "report.md").read_text()
    assert "trial-kfold" in report and "synthetic" in report and "seed 5" in report
    assert all(label in report for label in LABELS) and "macro-F1" in report
    assert "What distillation adds" in report and WINDOW_WARNING not in report
    model = load_model(export_model.export(run, tmp_path / "student.npz"))
    assert model.metadata["architecture"]["name"] in NETWORKS  # a name the runtime knows
    assert set(export_model.ARCHITECTURES.values()) <= set(NETWORKS)
    prov = model.provenance
    assert prov["trained"] and prov["synthetic_data"] and prov["data_kind"] == "synthetic"
    assert "mean_accuracy" in prov["metrics"] and "mean_macro_f1" in prov["metrics"]
    assert set(prov["baselines"]) == {"majority", "logistic_regression", "student_no_teacher",
                                      "teacher"}  # fmt: skip
    line = model.describe()
    assert "synthetic" in line and "NOT real EEG" in line and "trial-kfold" in line
    for words in ("majority class", "logistic regression", "student without teacher"):
        assert words in line
    texts = [report, (run / "metrics.json").read_text(), json.dumps(model.metadata)]
    for text in texts:
        no_paths(text, synth, tmp_path)
    assert model.probabilities(np.zeros((2, 4, 9, 9), np.float32)).shape == (2, 3)
    with pytest.raises(SystemExit, match="--resume"):
        train.run(_cfg(synth, run, student_epochs=2))  # refuses to overwrite a run silently
    # a run folder from before provenance was recorded is refused, not exported as "DEAP"
    m.pop("dataset")
    (run / "metrics.json").write_text(json.dumps(m))
    with pytest.raises(SystemExit, match="retrain it"):
        export_model.export(run, tmp_path / "old.npz")
    assert not (tmp_path / "old.npz").exists()


@pytest.mark.slow
def test_resume_after_interruption(synth: Path, tmp_path: Path, monkeypatch: Any) -> None:
    run = tmp_path / "run"
    real_save = fitting.save_atomic  # what the epoch loop checkpoints with
    calls: list[str] = []

    def dying_save(obj: Any, path: Path) -> None:
        real_save(obj, path)
        calls.append(path.name)
        if path.name == "fold1-teacher.pt" and obj["epoch"] == 1:
            raise KeyboardInterrupt  # killed during epoch 2, after epoch 1's checkpoint

    monkeypatch.setattr(fitting, "save_atomic", dying_save)
    cfg = _cfg(synth, run, teacher_epochs=2, fold=1, final="none", keep_checkpoints=True)
    with pytest.raises(KeyboardInterrupt):
        train.run(cfg)
    first = torch.load(run / "ckpt" / "fold1-teacher.pt", weights_only=True)
    assert first["epoch"] == 1
    monkeypatch.setattr(fitting, "save_atomic", real_save)
    cfg.resume = True
    train.run(cfg)
    rec = json.loads((run / "folds" / "fold1.json").read_text())
    hist = rec["teacher"]["history"]
    assert [h["epoch"] for h in hist] == [1.0, 2.0]
    assert hist[0]["seconds"] == first["history"][0]["seconds"]  # epoch 1 was not redone
    assert "resuming at epoch 2" in (run / "train.log").read_text()

    assert (run / "ckpt" / "fold1-teacher.pt").exists()  # --keep-checkpoints keeps them
    other = _cfg(synth, run, teacher_epochs=2, fold=1, final="none", resume=True, lr=0.5)
    with pytest.raises(SystemExit, match="another configuration"):
        train.run(other)
    (run / "folds" / "fold1.json").unlink()
    ck = run / "ckpt"
    (ck / "fold1-teacher.pt").write_bytes((ck / "fold1-student.pt").read_bytes())
    with pytest.raises(SystemExit, match="architecture 'student'"):
        train.run(cfg)


def test_data_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        D.load_features(tmp_path)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="no sXX.dat"):
        D.load_features(tmp_path)
    data, labels = make_subject(3, seed=0, n_trials=2)
    labels[1, 0] = np.nan
    write_dat(tmp_path / "s03.dat", data, labels)
    with pytest.raises(InputError, match="subject s03"):
        D.load_features(tmp_path)


def test_feature_cache_is_reused(synth: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    a = D.load_features(synth, "psd", subjects=[1], cache_dir=cache)
    files = list(cache.iterdir())
    assert len(files) == 1 and "psd" in files[0].name
    stamp = files[0].stat().st_mtime_ns
    b = D.load_features(synth, "psd", subjects=[1], cache_dir=cache)
    assert files[0].stat().st_mtime_ns == stamp
    assert np.array_equal(a.x, b.x) and a.x.shape[1:] == (4, 9, 9)
    raw = D.load_raw(synth, subjects=[1])
    assert raw.x.shape == (3 * 60, 32, 128)


@pytest.mark.slow
def test_torchrun_two_processes_on_cpu(synth: Path, tmp_path: Path) -> None:
    """The DDP path (gloo, DistributedSampler, rank 0 writes) under a real torchrun."""
    import shutil
    import subprocess

    beside = Path(sys.executable).with_name("torchrun")
    torchrun = str(beside) if beside.exists() else shutil.which("torchrun")
    if torchrun is None:
        pytest.skip("torchrun not installed")
    run = tmp_path / "ddp"
    cmd = [
        torchrun,
        "--standalone", "--nproc_per_node", "2", str(ROOT / "scripts" / "evoke.py"), "train",
        "--data", str(synth), "--out", str(run), "--folds", "2", "--epochs", "1",
        "--batch", "64", "--no-progress", "--cache", str(synth.parent / "cache"), "--fold", "1",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["world_size"] == 2
    assert (run / "folds" / "fold1.json").exists() and (run / "students" / "fold1.pt").exists()


@pytest.mark.slow
def test_a_session_baseline_is_trained_recorded_and_followed_at_run_time(
    synth: Path, tmp_path: Path
) -> None:
    """--baseline session: features relative to each subject's pooled pre-trial seconds, the
    model file says so, and the runtime then takes DEAP files' baselines the same way."""
    from inference import PredictOptions, predict
    from inference.dsp.baseline import estimate_pooled
    from inference.dsp.features import FeatureSettings
    from inference.dsp.trials import window_features
    from inference.io.deap_files import read_recording

    pooled = D.load_features(synth, hop_s=1.0, subjects=[1], cache_dir=tmp_path / "c",
                             baseline="session")  # fmt: skip
    own = D.load_features(synth, hop_s=1.0, subjects=[1], cache_dir=tmp_path / "c")
    data, _ = D.read_subject(synth / "s01.dat")
    eeg = data[:, :32]
    settings = FeatureSettings(baseline="session")
    base = estimate_pooled(list(eeg[:, :, :384]), settings)
    feats, _, _ = window_features(eeg[:, :, 384:], settings)
    expected = (feats - base.de)[0, 0]  # trial 1, window 1: (32 electrodes, 4 bands)
    grid = pooled.x[0]  # (4, 9, 9); Fp1 sits at row 0, column 3
    assert grid[:, 0, 3] == pytest.approx(expected[0], abs=1e-5)
    assert not np.allclose(pooled.x, own.x)

    run = tmp_path / "run"
    train.run(_cfg(synth, run, baseline="session", teacher_epochs=0))
    model = load_model(export_model.export(run, tmp_path / "session.npz"))
    assert model.features.baseline == "session"
    assert model.metadata["features"]["baseline"] == "session"
    pred = predict(read_recording(synth / "s01.dat"), model, PredictOptions())
    assert any("3 trials' pre-trial seconds pooled" in note for note in pred.notes)
