"""Band powers as BrainFlowsIntoVRChat computes them (`inference.live.band_power`), checked against
scipy's periodogram and against signals whose spectrum is known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import periodogram

from inference.live.band_power import (
    BANDS,
    TAU_S,
    BandPowerTracker,
    relative_band_powers,
    side_of,
)

RATE = 250.0


def test_relative_powers_match_scipys_periodogram() -> None:
    x = np.random.default_rng(4).standard_normal((500, 6)) * 20 + np.linspace(0, 50, 500)[:, None]
    ours = relative_band_powers(x, RATE)
    freqs, psd = periodogram(x, fs=RATE, window="hann", detrend="linear", axis=0)
    ref = np.stack([psd[(freqs >= lo) & (freqs < hi)].sum(axis=0) for _, lo, hi in BANDS], axis=1)
    ref /= ref.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12)  # same estimator: to rounding
    np.testing.assert_allclose(ours.sum(axis=1), 1.0)


def test_sides_smoothing_and_bfivrc_scores_on_known_signals() -> None:
    """Alpha (10 Hz) on the left electrodes, beta (20 Hz) on the right: relax high on the left,
    focus high on the right; the average holds both; smoothing follows BFiVRC's EMA."""
    labels = ("Fp1", "C3", "Fp2", "C4", "Cz")
    assert [side_of(label) for label in labels] == [0, 0, 1, 1, 2]
    t = np.arange(int(4 * RATE)) / RATE
    rng = np.random.default_rng(0)
    theta = 2 * np.sin(2 * np.pi * 6 * t)
    left = 10 * np.sin(2 * np.pi * 10 * t) + theta
    right = 10 * np.sin(2 * np.pi * 20 * t) + theta
    x = np.column_stack([left, left, right, right, theta]) + 0.1 * rng.standard_normal((len(t), 5))
    tracker = BandPowerTracker(labels, np.arange(5), RATE, hop_s=0.25)
    tracker.push(x[: int(RATE)], updates=1)  # 1 s: not yet 2 s of signal
    assert tracker.current is None
    tracker.push(x[int(RATE) :], updates=1)
    bands = tracker.current
    assert bands is not None
    assert bands.band("Left", "Alpha") > 0.9 and bands.band("Right", "Beta") > 0.9
    assert bands.relax("Left") > 0.99 and bands.focus("Right") > 0.99
    assert bands.focus("Left") < 0 and bands.relax("Right") < 0
    first = bands.powers.copy()
    # the same signal again: the EMA stays; a new target moves it by 1 - exp(-dt / tau)
    tracker.push(np.zeros((int(2 * RATE), 5)) + 1e-3 * rng.standard_normal((int(2 * RATE), 5)), 2)
    now = tracker.current
    assert now is not None
    target = relative_band_powers(tracker.buffer, RATE)
    avg = target.mean(axis=0)
    w = 1 - math.exp(-0.5 / TAU_S)
    np.testing.assert_allclose(now.powers[2], (1 - w) * first[2] + w * avg, rtol=1e-9)


def test_a_nan_sample_holds_the_last_powers() -> None:
    tracker = BandPowerTracker(("O1", "O2"), np.arange(2), RATE, hop_s=0.25)
    x = np.random.default_rng(1).standard_normal((int(2 * RATE), 2))
    tracker.push(x, 1)
    held = tracker.current
    assert held is not None and np.isfinite(held.powers).all()
    x[10, 0] = np.nan
    tracker.push(x, 1)
    assert tracker.current is held
    assert held.band("Avg", "Theta") == pytest.approx(held.powers[2, 1])
