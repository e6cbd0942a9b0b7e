"""Splits never leak what their protocol holds out, and are reproducible."""

from __future__ import annotations

import numpy as np
import pytest
from evoke_training import metrics
from evoke_training import protocols as P


def _windows(subjects: int = 3, trials: int = 6, windows: int = 5) -> tuple[np.ndarray, ...]:
    s, t, _ = np.meshgrid(
        np.arange(1, subjects + 1), np.arange(trials), np.arange(windows), indexing="ij"
    )
    return s.ravel(), t.ravel()


def test_window_kfold_tests_every_window_once() -> None:
    s, t = _windows()
    splits = P.make_splits(s, t, "window-kfold", folds=5, seed=3)
    tested = np.concatenate([sp.test for sp in splits])
    assert np.array_equal(np.sort(tested), np.arange(len(s)))
    for sp in splits:
        assert np.intersect1d(sp.train, sp.test).size == 0
        assert len(sp.train) + len(sp.test) == len(s)


@pytest.mark.parametrize("scope", ["pooled", "per-subject"])
def test_trial_kfold_keeps_trials_whole(scope: str) -> None:
    s, t = _windows()
    splits = P.make_splits(s, t, "trial-kfold", folds=3, seed=1, scope=scope)
    assert len(splits) == (3 if scope == "pooled" else 9)
    tested = np.concatenate([sp.test for sp in splits])
    assert np.array_equal(np.sort(tested), np.arange(len(s)))
    for sp in splits:
        train_trials = set(zip(s[sp.train], t[sp.train], strict=True))
        test_trials = set(zip(s[sp.test], t[sp.test], strict=True))
        assert train_trials.isdisjoint(test_trials)
        if scope == "per-subject":
            assert len(set(s[sp.train]) | set(s[sp.test])) == 1


def test_loso_holds_each_subject_out() -> None:
    s, t = _windows(subjects=4)
    splits = P.make_splits(s, t, "loso")
    assert [sp.name for sp in splits] == ["loso-s01", "loso-s02", "loso-s03", "loso-s04"]
    for sp in splits:
        assert set(s[sp.train]).isdisjoint(set(s[sp.test]))
        assert len(set(s[sp.test])) == 1
    with pytest.raises(ValueError, match="pooled"):
        P.make_splits(s, t, "loso", scope="per-subject")


@pytest.mark.parametrize("protocol", P.PROTOCOLS)
def test_deterministic_by_seed(protocol: str) -> None:
    s, t = _windows()
    a = P.make_splits(s, t, protocol, folds=3, seed=7)
    b = P.make_splits(s, t, protocol, folds=3, seed=7)
    c = P.make_splits(s, t, protocol, folds=3, seed=8)
    assert all(np.array_equal(x.test, y.test) for x, y in zip(a, b, strict=True))
    if protocol != "loso":
        assert not all(np.array_equal(x.test, y.test) for x, y in zip(a, c, strict=True))


def test_validation_slice_keeps_trials_whole() -> None:
    s, t = _windows()
    split = P.make_splits(s, t, "trial-kfold", folds=3)[0]
    fit, val = P.validation_split(split.train, s, t, "trial-kfold", 0.2)
    assert len(val) and len(fit) + len(val) == len(split.train)
    assert set(zip(s[fit], t[fit], strict=True)).isdisjoint(zip(s[val], t[val], strict=True))


def test_too_many_folds_is_a_clear_error() -> None:
    s, t = _windows(subjects=1, trials=2)
    with pytest.raises(ValueError, match="only 2 groups"):
        P.make_splits(s, t, "trial-kfold", folds=3)


def test_metrics_by_hand() -> None:
    y = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 1]])
    p = np.array([[1, 0, 0], [1, 0, 1], [1, 1, 0], [0, 0, 1]])
    m = metrics.scores(y, p)
    assert m["accuracy_valence"] == 0.75 and m["accuracy_arousal"] == 0.75
    assert m["f1_high_valence"] == pytest.approx(2 * 2 / (2 + 3))
    assert m["exact_match"] == 0.25  # only the third row is right in all three
    assert m["mean_accuracy"] == pytest.approx(0.75)
    s = metrics.summarize([{"a": 0.5}, {"a": 0.7}])
    assert s["a"]["mean"] == pytest.approx(0.6) and s["a"]["std"] == pytest.approx(0.1)
