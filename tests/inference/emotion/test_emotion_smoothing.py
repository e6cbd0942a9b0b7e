"""Emotion table and smoothing: offline and streaming agree; steady input never flickers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from inference.emotion.labels import vad_bits
from inference.emotion.smoothing import SmoothingSettings, StreamingSmoother, smooth_offline
from inference.emotion.table import EmotionTable
from inference.errors import InputError


def test_default_table_follows_design() -> None:
    t = EmotionTable.default()
    assert t.names[0] == "neutral" and t.names[7] == "excitement"
    assert t.names[int(EmotionTable.index_of_bits(np.array([1, 0, 1])))] == "happiness"
    assert t.names[int(EmotionTable.index_of_bits(np.array([0, 1, 0])))] == "fear"


def test_custom_table_and_its_errors(tmp_path: Path) -> None:
    data = EmotionTable.default().to_dict()
    data["emotions"][0]["name"] = "calm"
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data))
    assert EmotionTable.load(path).names[0] == "calm"
    data["emotions"] = data["emotions"][1:]
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="000"):
        EmotionTable.load(path)


def test_octant_probabilities_sum_to_one_and_match_bits() -> None:
    p = np.random.default_rng(0).uniform(size=(50, 3))
    w = EmotionTable.octant_probabilities(p)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    np.testing.assert_array_equal(w.argmax(axis=1), EmotionTable.index_of_bits(p > 0.5))


def test_labels_use_strictly_greater() -> None:
    bits = vad_bits(np.array([[5.0, 5.01, 9.0, 1.0], [1.0, 4.99, 5.0, 9.0]]))
    assert bits.tolist() == [[0, 1, 1], [0, 0, 0]]
    with pytest.raises(InputError, match="NaN"):
        vad_bits(np.array([[np.nan, 5, 5, 5]]))


def noisy_timeline(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    steps = np.repeat(rng.uniform(size=(n // 20 + 1, 3)), 20, axis=0)[:n]
    probs = np.clip(steps + 0.15 * rng.standard_normal((n, 3)), 0, 1)
    valid = rng.uniform(size=n) > 0.1
    probs[~valid] = np.nan
    return probs, valid


@pytest.mark.parametrize(
    "settings",
    [SmoothingSettings(), SmoothingSettings(tau_s=0.0, hysteresis=0.0, min_dwell_s=0.0),
     SmoothingSettings(tau_s=3.0, hysteresis=0.2, min_dwell_s=2.0),
     SmoothingSettings(method="hmm"), SmoothingSettings(method="hmm", min_dwell_s=0.0),
     SmoothingSettings(method="hmm", switch_s=3.0, evidence=5.0, confidence=0.95)],
)  # fmt: skip
def test_offline_equals_streaming(settings: SmoothingSettings) -> None:
    probs, valid = noisy_timeline(700, 1)  # several of the octant filter's 256-window blocks
    dt = 0.25
    offline = smooth_offline(probs, valid, dt, settings)
    live = StreamingSmoother(dt, settings)
    steps = [live.update(p, bool(v)) for p, v in zip(probs, valid, strict=True)]
    np.testing.assert_allclose(np.concatenate([s.probs for s in steps]), offline.probs, atol=1e-9)
    np.testing.assert_array_equal(np.concatenate([s.emotion for s in steps]), offline.emotion)
    np.testing.assert_allclose(
        np.concatenate([s.confidence for s in steps]), offline.confidence, atol=1e-9
    )
    np.testing.assert_allclose(  # the blend mode's weights
        np.concatenate([s.weights for s in steps]), offline.weights, atol=1e-9
    )


@pytest.mark.parametrize("method", ["ema", "hmm"])
def test_steady_noisy_input_never_flickers(method: str) -> None:
    rng = np.random.default_rng(2)
    probs = np.clip(np.array([0.55, 0.45, 0.6]) + 0.08 * rng.standard_normal((400, 3)), 0, 1)
    raw = smooth_offline(probs, np.ones(400, bool), 0.25, SmoothingSettings(method="none"))
    smooth = smooth_offline(probs, np.ones(400, bool), 0.25, SmoothingSettings(method=method))
    assert np.count_nonzero(np.diff(raw.emotion)) > 50  # without smoothing it flickers
    # once decided (the octant filter starts undecided, on the all-low octant), it holds
    assert np.count_nonzero(np.diff(smooth.emotion[40:])) == 0


@pytest.mark.parametrize("method", ["ema", "hmm"])
def test_clear_change_still_comes_through_quickly(method: str) -> None:
    probs = np.vstack([np.tile([0.1, 0.1, 0.1], (40, 1)), np.tile([0.9, 0.9, 0.9], (40, 1))])
    out = smooth_offline(probs, np.ones(80, bool), 0.25, SmoothingSettings(method=method))
    assert out.emotion[0] == 0 and out.emotion[-1] == 7
    switch = int(np.argmax(out.emotion == 7))
    assert 40 < switch <= 40 + 8  # within 2 s (EMA: 1 s time constant and 0.5 s dwell)


def test_invalid_windows_hold_and_never_give_nan() -> None:
    probs = np.array([[0.9, 0.9, 0.9], [np.nan] * 3, [np.nan] * 3])
    out = smooth_offline(
        probs, np.array([True, False, False]), 1.0, SmoothingSettings(method="none")
    )
    assert np.isfinite(out.probs).all() and out.emotion.tolist() == [7, 7, 7]
    leading = smooth_offline(np.full((2, 3), np.nan), np.zeros(2, bool), 1.0, SmoothingSettings())
    np.testing.assert_allclose(leading.probs, 0.5)


def test_octant_filter_against_the_recursion_written_out() -> None:
    """The offline prefix scan equals Bayes' rule applied window by window, in numpy."""
    from inference.emotion.octant_filter import posteriors

    probs, valid = noisy_timeline(600, 3)
    dt, switch_s, evidence = 0.25, 8.0, 3.0
    rho = 1 - np.exp(-dt / switch_s)
    pi = np.full(8, 1 / 8)
    expected = []
    for p, v in zip(probs, valid, strict=True):
        pi = (1 - rho) * pi + rho / 8
        if v:
            pi = pi * np.maximum(EmotionTable.octant_probabilities(p), 1e-6) ** (evidence * dt)
        pi = pi / pi.sum()
        expected.append(pi)
    np.testing.assert_allclose(
        posteriors(probs, valid, dt, switch_s, evidence), expected, atol=1e-12
    )


def test_the_octant_filter_forgets_when_it_started() -> None:
    """Started 1, 2 or 5 s apart on the same evidence, the filter shows the same emotions once
    it has seen a few seconds; EMA with hysteresis can keep a different bit for as long as the
    evidence stays inside its band."""
    rng = np.random.default_rng(4)
    steps = np.repeat(rng.uniform(0.2, 0.8, size=(20, 3)), 40, axis=0)
    probs = np.clip(steps + 0.1 * rng.standard_normal(steps.shape), 0, 1)
    valid = np.ones(len(probs), bool)
    settings = SmoothingSettings(method="hmm")
    whole = smooth_offline(probs, valid, 0.25, settings).emotion
    for late in (4, 8, 20):
        later = smooth_offline(probs[late:], valid[late:], 0.25, settings).emotion
        settled = 40  # 10 s
        assert np.mean(later[settled:] == whole[late + settled :]) > 0.99


def test_hmm_shows_the_evidence_and_holds_through_noise() -> None:
    rng = np.random.default_rng(5)
    steady = np.clip(np.array([0.7, 0.35, 0.6]) + 0.15 * rng.standard_normal((400, 3)), 0, 1)
    out = smooth_offline(steady, np.ones(400, bool), 0.25, SmoothingSettings(method="hmm"))
    # the best octant from the first windows (never an all-low octant the posterior doubts), held
    changes = np.flatnonzero(np.diff(out.emotion))
    assert len(changes) <= 1 and (out.emotion[20:] == 5).all()  # V, not A, D
    np.testing.assert_allclose(out.weights.sum(axis=1), 1.0)
    np.testing.assert_allclose(out.probs, out.weights @ np.array(
        [[bool(i & 4), bool(i & 2), bool(i & 1)] for i in range(8)], float))  # fmt: skip
