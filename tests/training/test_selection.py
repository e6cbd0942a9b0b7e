"""The selection rule by hand, its online choice equal to its final choice, and a fit keeping the
weights of exactly the epoch the rule picks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from evoke_training import fitting, selection
from evoke_training.config import Config
from evoke_training.models import Student


def _history(losses: list[float], accs: list[float] | None = None) -> list[dict[str, float]]:
    accs = accs or [0.5] * len(losses)
    return [{"epoch": float(i + 1), "val_loss": v, "val_mean_accuracy": a, "test_mean_accuracy": a}
            for i, (v, a) in enumerate(zip(losses, accs, strict=True))]  # fmt: skip


def test_smoothed_val_loss_by_hand() -> None:
    # a lucky dip at epoch 2 among high losses, a broad minimum around epoch 7, then overfitting
    losses = [1.0, 0.1, 0.9, 0.8, 0.7, 0.5, 0.4, 0.45, 0.7, 0.9]
    windows = {e: losses[max(0, e - 3) : e + 2] for e in range(1, 11)}  # epoch-2 .. epoch+2
    means = {e: sum(w) / len(w) for e, w in windows.items()}
    expected = min(means, key=lambda e: means[e])
    assert selection.chosen_epoch(_history(losses), "smoothed-val-loss", 10) == expected == 7
    # before the run ends only complete windows count: after 6 of 10 epochs, epochs 1..4
    assert selection.chosen_epoch(_history(losses[:6]), "smoothed-val-loss", 10) == 4
    assert selection.chosen_epoch(_history(losses[:2]), "smoothed-val-loss", 10) == 2
    assert selection.chosen_epoch(_history(losses), "last", 10) == 10
    accs = [0.4, 0.9, 0.5, 0.5, 0.6, 0.6, 0.6, 0.7, 0.7, 0.6]
    assert selection.chosen_epoch(_history(losses, accs), "val-accuracy", 10) == 2  # the old rule
    no_val = [{"epoch": 1.0, "train_loss": 1.0}, {"epoch": 2.0, "train_loss": 0.5}]
    assert all(selection.chosen_epoch(no_val, r, 2) == 2 for r in selection.RULES)
    assert selection.chosen_epoch([], "last", 5) == 0


@pytest.mark.parametrize("rule", selection.RULES)
def test_choice_made_epoch_by_epoch_is_the_final_choice(rule: str) -> None:
    """What fit does (after epoch e, keep the rule's pick if it is one of the last HALF + 1
    epochs, whose weights it still holds) ends on the rule's pick over the whole history."""
    rng = np.random.default_rng(3)
    for _ in range(300):
        epochs = int(rng.integers(1, 25))
        hist = _history(list(rng.random(epochs).round(1)), list(rng.random(epochs).round(1)))
        kept = 0
        for e in range(1, epochs + 1):
            pick = selection.chosen_epoch(hist[:e], rule, epochs)
            if pick >= e - selection.HALF:
                kept = pick
        assert kept == selection.chosen_epoch(hist, rule, epochs)


def test_check_against_the_last_epoch() -> None:
    losses = [1.0, 0.9, 0.8, 0.7, 0.75, 0.8]
    accs = [0.5, 0.9, 0.6, 0.7, 0.65, 0.6]
    c = selection.check(_history(losses, accs))
    assert c["last"] == {"epoch": 6, "minus_last": 0.0}
    assert c["val-accuracy"]["epoch"] == 2
    assert c["val-accuracy"]["minus_last"] == pytest.approx(0.3)
    folds = [{"student": {"history": _history(losses, accs)}}] * 2
    s = selection.summarize_check(folds, ("student", "teacher"))
    assert set(s) == {"student"} and s["student"]["val-accuracy"]["n"] == 2
    assert s["student"]["last"]["worse_share"] == 0.0


@pytest.mark.slow
def test_fit_keeps_the_weights_of_the_chosen_epoch(tmp_path: Path, monkeypatch: Any) -> None:
    saved: dict[int, dict[str, torch.Tensor]] = {}
    real = fitting.save_atomic

    def record(obj: Any, path: Path) -> None:  # every epoch's weights, as checkpointed
        saved[obj["epoch"]] = {k: v.clone() for k, v in obj["model"].items()}
        real(obj, path)

    monkeypatch.setattr(fitting, "save_atomic", record)
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.normal(size=(120, 4, 9, 9)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 2, size=(120, 3)))
    cfg = Config(data="", out="", batch=32, progress=False, lr=0.01)
    idx = np.arange(120)
    torch.manual_seed(0)
    res = fitting.fit(Student(), "student", x, y, (idx[:80], idx[80:100], idx[100:]),
                      fitting.label_loss(y), 6, cfg, fitting.Env(torch.device("cpu")),
                      tmp_path / "c.pt", "t")  # fmt: skip
    assert res.best_epoch == selection.chosen_epoch(res.history, cfg.select, 6) >= 1
    assert all(torch.equal(res.best_state[k], v) for k, v in saved[res.best_epoch].items())
    ckpt = torch.load(tmp_path / "c.pt", weights_only=True)  # what a resumed fit can still pick
    assert sorted(ckpt["recent"]) == ["4", "5"] and ckpt["epoch"] == 6
    assert all(torch.equal(ckpt["recent"]["5"][k], v) for k, v in saved[5].items())
