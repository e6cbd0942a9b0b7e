"""Band features against an independent scipy reference (butter + lfilter per window)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from inference.dsp.electrodes import DEAP_EEG_CHANNELS, GRID_LAYOUT
from inference.dsp.features import FeatureSettings, band_features, to_grid
from inference.dsp.filters import butter_bandpass
from inference.dsp.trials import trial_features

SETTINGS = FeatureSettings()
TOL = 1e-4  # the bound on |ours - scipy| for DE values


def eeg_like(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    return (20 * x + 2 * np.cumsum(x, axis=-1) / np.sqrt(shape[-1])).astype(np.float32)


def scipy_de(window: np.ndarray, lo: float, hi: float) -> float:
    b, a = signal.butter(5, [lo, hi], btype="band", fs=128)
    return 0.5 * np.log2(2 * np.pi * np.e * np.var(signal.lfilter(b, a, window.astype(np.float64))))


@pytest.mark.parametrize(("lo", "hi"), SETTINGS.bands)
def test_butterworth_coefficients_match_scipy(lo: float, hi: float) -> None:
    b, a = butter_bandpass(5, lo, hi, 128.0)
    b_ref, a_ref = signal.butter(5, [lo, hi], btype="band", fs=128)
    np.testing.assert_allclose(b, b_ref, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(a, a_ref, rtol=1e-9, atol=1e-12)


def test_other_rates_and_orders_match_scipy() -> None:
    for order, lo, hi, rate in [
        (3, 1.0, 4.0, 256.0),
        (4, 8.0, 13.0, 200.0),
        (6, 30.0, 45.0, 100.0),
    ]:
        b, a = butter_bandpass(order, lo, hi, rate)
        b_ref, a_ref = signal.butter(order, [lo, hi], btype="band", fs=rate)
        np.testing.assert_allclose(b, b_ref, rtol=1e-8, atol=1e-14)
        np.testing.assert_allclose(a, a_ref, rtol=1e-8, atol=1e-12)


def test_band_de_matches_scipy_per_window() -> None:
    windows = eeg_like((50, 128))
    ours = band_features(windows, SETTINGS)
    ref = np.array([[scipy_de(w, lo, hi) for lo, hi in SETTINGS.bands] for w in windows])
    assert np.abs(ours - ref).max() < TOL


def test_band_de_survives_a_large_dc_offset() -> None:
    windows = eeg_like((20, 128), seed=3) + 3000.0  # unreferenced headset data sits on big offsets
    ours = band_features(windows, SETTINGS)
    ref = np.array([[scipy_de(w, lo, hi) for lo, hi in SETTINGS.bands] for w in windows])
    assert np.abs(ours - ref).max() < 1e-3  # float32 input: offset costs ~7 significant digits


def test_psd_matches_scipy_periodogram() -> None:
    settings = FeatureSettings(kind="psd")
    windows = eeg_like((30, 128), seed=1)
    ours = band_features(windows, settings)
    freqs, power = signal.periodogram(windows.astype(np.float64), fs=128, window="hann", axis=-1)
    ref = np.stack(
        [
            np.log10(power[:, (freqs >= lo) & (freqs < hi)].mean(axis=1))
            for lo, hi in settings.bands
        ],
        axis=1,
    )
    np.testing.assert_allclose(ours, ref, atol=1e-4)


def test_trial_features_baseline_windows_and_grid_against_scipy() -> None:
    eeg = eeg_like((2, 32, 128 * 3 + 128 * 5), seed=2)  # 3 s baseline + 5 s trial
    grid, valid, times = trial_features(eeg, SETTINGS, hop_s=1.0)
    assert grid.shape == (2, 5, 4, 9, 9) and grid.dtype == np.float32
    assert valid.all()
    np.testing.assert_allclose(times, [0, 1, 2, 3, 4])
    trial, window, channel = 1, 3, DEAP_EEG_CHANNELS.index("Fz")
    base = eeg[trial, channel, :384].reshape(3, 128).mean(axis=0)
    start = 384 + 128 * window
    ref = [
        scipy_de(eeg[trial, channel, start : start + 128], lo, hi) - scipy_de(base, lo, hi)
        for lo, hi in SETTINGS.bands
    ]
    row = next(r for r, names in enumerate(GRID_LAYOUT) if "Fz" in names)
    col = GRID_LAYOUT[row].index("Fz")
    assert np.abs(grid[trial, window, :, row, col] - ref).max() < TOL


def test_grid_places_each_electrode_and_leaves_blanks_zero() -> None:
    feats = np.arange(32 * 4, dtype=np.float32).reshape(1, 32, 4) + 1
    grid = to_grid(feats)[0]
    for r, names in enumerate(GRID_LAYOUT):
        for c, name in enumerate(names):
            expected = 0 if name == "-" else feats[0, DEAP_EEG_CHANNELS.index(name)]
            np.testing.assert_array_equal(grid[:, r, c], expected)


def test_hop_quarter_second_gives_overlapping_windows() -> None:
    eeg = eeg_like((1, 32, 384 + 256), seed=4)
    grid, valid, times = trial_features(eeg, SETTINGS, hop_s=0.25)
    np.testing.assert_allclose(times, np.arange(5) * 0.25)
    one_s, _, _ = trial_features(eeg, SETTINGS, hop_s=1.0)
    np.testing.assert_allclose(grid[0, [0, 4]], one_s[0], atol=1e-6)


def test_bad_windows_are_marked_and_zeroed_not_nan() -> None:
    eeg = eeg_like((1, 32, 384 + 128 * 4), seed=5)
    eeg[0, 5, 384 + 130] = np.nan  # in window 1
    eeg[0, 9, 384 + 3 * 128 : 384 + 4 * 128] = 7.0  # flat electrode in window 3
    grid, valid, _ = trial_features(eeg, SETTINGS)
    assert valid.tolist() == [[True, False, True, False]]
    assert np.isfinite(grid).all()
    assert not grid[0, 1].any() and not grid[0, 3].any()


def test_missing_electrodes_read_as_zero() -> None:
    eeg = eeg_like((1, 32, 384 + 256), seed=6)
    present = np.ones(32, bool)
    present[DEAP_EEG_CHANNELS.index("Oz")] = False
    eeg[0, DEAP_EEG_CHANNELS.index("Oz")] = np.nan  # must not poison the window
    grid, valid, _ = trial_features(eeg, SETTINGS, present=present)
    assert valid.all()
    assert np.all(grid[0, :, :, 8, 4] == 0)  # Oz cell
    assert np.all(grid[0, :, :, 8, 3] != 0)  # O1 still there


def test_settings_round_trip_and_mismatch_is_refused() -> None:
    from inference.errors import ModelError

    s = FeatureSettings.from_dict(SETTINGS.to_dict())
    assert s == SETTINGS
    other = FeatureSettings(kind="psd")
    with pytest.raises(ModelError, match="kind"):
        SETTINGS.check_matches(other)
