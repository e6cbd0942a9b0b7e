"""The robust baseline: DEAP's statistic over every group of accepted windows, the middle kept.

Checked against an independent reference: scipy's Butterworth + lfilter per group, numpy's
quantiles, and outlier rejection written out window by window.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal, stats

from inference.dsp.baseline import (
    HOP_S,
    MIN_SECONDS_TO_JUDGE,
    REJECT_Z,
    estimate_baseline,
    estimate_pooled,
)
from inference.dsp.features import FeatureSettings, band_features, baseline_signal

SETTINGS = FeatureSettings()
N = SETTINGS.window_samples


def _de_reference(x: np.ndarray) -> np.ndarray:
    """(channels, 128) -> (channels, bands): scipy's filter from zero state, then DE."""
    out = []
    for lo, hi in SETTINGS.bands:
        b, a = signal.butter(SETTINGS.filter_order, [lo, hi], btype="bandpass", fs=SETTINGS.rate)
        y = signal.lfilter(b, a, x.astype(np.float64), axis=-1)
        out.append(0.5 * np.log2(2 * np.pi * np.e * y.var(axis=-1)))
    return np.stack(out, axis=-1)


def _reference(span: np.ndarray, reject_z: float = REJECT_Z) -> tuple[np.ndarray, int, int]:
    """The estimator written out: (baseline (channels, bands), windows used, outliers)."""
    hop = round(HOP_S * 128)
    starts = range(0, span.shape[-1] - N + 1, hop)
    windows = [span[:, a : a + N].astype(np.float64) for a in starts]
    log_var = np.array([np.log(win.var(axis=-1)) for win in windows])  # (w, channels)
    median = np.median(log_var, axis=0)
    spread = np.maximum(1.4826 * np.median(np.abs(log_var - median), axis=0), 0.05)
    judge = span.shape[-1] / 128 >= MIN_SECONDS_TO_JUDGE
    keep = {k for k in range(len(windows))
            if not (judge and ((log_var[k] - median) / spread > reject_z).any())}  # fmt: skip
    step = N // hop  # a group: three disjoint windows, one window apart
    groups = [(g, g + step, g + 2 * step) for g in range(len(windows) - 2 * step)]
    des = [_de_reference(np.mean([windows[k] for k in g], axis=0))
           for g in groups if set(g) <= keep]  # fmt: skip
    middle = stats.trim_mean(np.array(des), 0.25, axis=0)  # the interquartile mean
    return middle, len(keep), len(windows) - len(keep)


def _eeg(rng: np.random.Generator, seconds: float, channels: int = 6) -> np.ndarray:
    """Band-limited noise with an alpha rhythm, microvolts: (channels, samples)."""
    n = round(seconds * SETTINGS.rate)
    x = signal.lfilter(
        *signal.butter(4, [4, 40], "bandpass", fs=128), rng.standard_normal((channels, n)) * 20
    )
    t = np.arange(n) / SETTINGS.rate
    return (x + 8 * np.sin(2 * np.pi * 10 * t + rng.uniform(0, 6, (channels, 1)))).astype(
        np.float32
    )


def test_three_seconds_is_deaps_baseline_to_the_bit() -> None:
    rng = np.random.default_rng(0)
    pre = _eeg(rng, 3.0 * 5).reshape(6, 5, -1).transpose(1, 0, 2)  # five trials' 3 s
    est = estimate_baseline(pre, SETTINGS)
    deap = band_features(baseline_signal(pre, SETTINGS), SETTINGS)
    np.testing.assert_array_equal(est.de, deap)
    assert est.ok.all() and (est.used == 9).all() and (est.outliers == 0).all()
    np.testing.assert_allclose(est.de[2], _de_reference(pre[2].reshape(6, 3, N).mean(1)), atol=1e-4)


def test_a_long_span_matches_the_written_out_reference_with_blinks_rejected() -> None:
    rng = np.random.default_rng(1)
    span = _eeg(rng, 30.0)
    for start in (2.3, 9.1, 17.6):  # blinks: 0.25 s bumps of ~150 uV on the first two channels
        at = round(start * 128)
        span[:2, at : at + 32] += 150 * np.hanning(32)
    est = estimate_baseline(span, SETTINGS)
    reference, used, outliers = _reference(span)
    assert outliers == int(est.outliers) >= 12 and used == int(est.used)  # ~5 windows a blink
    np.testing.assert_allclose(est.de, reference, atol=1e-4)  # float32 filters vs scipy's
    assert f"rejected: {outliers} amplitude outliers" in est.describe()


def test_the_median_shrugs_off_what_one_snippet_does_not() -> None:
    """A blink in a 3 s baseline moves DEAP's estimate; over 30 s the estimate barely moves."""
    rng = np.random.default_rng(2)
    clean = _eeg(rng, 30.0)
    blinked = clean.copy()
    blinked[:2, 128 : 128 + 32] += 150 * np.hanning(32)
    short = [estimate_baseline(x[:, :384], SETTINGS).de for x in (clean, blinked)]
    long = [estimate_baseline(x, SETTINGS).de for x in (clean, blinked)]
    assert np.abs(short[0] - short[1]).max() > 1.0  # bits: the snippet is spoiled
    assert np.abs(long[0] - long[1]).max() < 0.1  # a few groups fewer: sampling, not the blink


def test_nan_and_flat_windows_are_rejected_and_too_few_leave_no_baseline() -> None:
    rng = np.random.default_rng(3)
    span = _eeg(rng, 10.0)
    span[3, 128 * 4 + 5] = np.nan
    span[1, 128 * 7 : 128 * 8] = 4.0
    est = estimate_baseline(span, SETTINGS)
    # windows every 0.25 s: the NaN sample lies in 4, the flat second spoils 7 (partly flat
    # windows vary, and are judged on their own)
    assert est.ok and int(est.invalid) == 4 + 1 and int(est.used) == 37 - 5
    assert "5 with NaN samples or a flat electrode" in est.describe()
    dead = span[:, :384].copy()
    dead[0, 200] = np.inf
    none = estimate_baseline(dead, SETTINGS)
    assert not none.ok and (none.de == 0).all()


def test_check_signal_judges_validity_too() -> None:
    rng = np.random.default_rng(4)
    span = _eeg(rng, 6.0)
    check = span.copy()
    check[2, 128 * 2 : 128 * 3] = 0.0  # flat before referencing, hidden after it
    est = estimate_baseline(span, SETTINGS, check=check)
    assert int(est.invalid) == 1 and int(est.used) == 20


def test_pooled_spans_take_the_median_of_every_spans_groups() -> None:
    rng = np.random.default_rng(5)
    parts = [_eeg(rng, 3.0) for _ in range(7)]
    pooled = estimate_pooled(parts, SETTINGS)
    each = estimate_baseline(np.stack(parts), SETTINGS).de  # one group per 3 s span
    np.testing.assert_allclose(pooled.de, stats.trim_mean(each, 0.25, axis=0), atol=1e-5)
    two = estimate_pooled(parts[:2], SETTINGS)  # too few to trim: both kept
    np.testing.assert_allclose(two.de, each[:2].mean(axis=0), atol=1e-5)
    assert int(pooled.windows) == 7 * 9 and int(pooled.used) == 63


@pytest.mark.parametrize("reject_z", [0.0, 3.0])
def test_rejection_can_be_switched_off_or_tightened(reject_z: float) -> None:
    rng = np.random.default_rng(6)
    span = _eeg(rng, 20.0)
    span[:2, 600:632] += 200 * np.hanning(32)
    est = estimate_baseline(span, SETTINGS, reject_z=reject_z)
    reference, used, outliers = _reference(span, reject_z) if reject_z else _reference(span, 1e9)
    assert int(est.outliers) == outliers and (outliers == 0) == (reject_z == 0)
    np.testing.assert_allclose(est.de, reference, atol=1e-4)
