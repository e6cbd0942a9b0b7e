"""numpy polyphase resampling agrees with scipy.signal.resample_poly and keeps EEG rhythms."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from scipy.signal import resample_poly

from inference.dsp.resample import resample, resample_ratio
from inference.errors import InputError


def _reference(x: np.ndarray, rate_in: float, rate_out: float = 128.0) -> np.ndarray:
    ratio = (Fraction(rate_out) / Fraction(rate_in)).limit_denominator(1000)
    return resample_poly(x, ratio.numerator, ratio.denominator, axis=0)


@pytest.mark.parametrize("rate_in", [512.0, 256.0, 500.0, 250.0, 1000.0, 100.0, 160.0])
@pytest.mark.parametrize("n_samples", [1, 7, 1001, 10_007])
def test_agrees_with_scipy_resample_poly(rate_in: float, n_samples: int) -> None:
    rng = np.random.default_rng(int(rate_in) + n_samples)
    x = rng.standard_normal((n_samples, 4)) * 20.0 + 3.0
    ours, ref = resample(x, rate_in), _reference(x, rate_in)
    assert ours.shape == ref.shape == (-(-n_samples * 128 // int(rate_in)), 4)
    rms = np.sqrt(np.mean(ref**2))
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-6 * rms)
    edge = min(50, ref.shape[0])  # the ends, where zero padding matters
    np.testing.assert_allclose(ours[:edge], ref[:edge], rtol=0, atol=1e-6 * rms)
    np.testing.assert_allclose(ours[-edge:], ref[-edge:], rtol=0, atol=1e-6 * rms)


def test_ratio() -> None:
    assert resample_ratio(512) == (1, 4)
    assert resample_ratio(500) == (32, 125)
    assert resample_ratio(256, 128) == (1, 2)
    up, down = resample_ratio(127.93)  # needs a denominator above 1000: approximated
    assert down <= 1000 and abs(127.93 * up / down - 128) < 0.1


@pytest.mark.parametrize("rate_in", [512.0, 500.0, 256.0])
def test_a_10_hz_sine_keeps_its_amplitude_and_frequency(rate_in: float) -> None:
    t = np.arange(int(20 * rate_in)) / rate_in
    x = np.stack([np.sin(2 * np.pi * 10 * t), 30.0 * np.cos(2 * np.pi * 10 * t)], axis=1)
    y = resample(x.astype(np.float32), rate_in)
    t_out = np.arange(y.shape[0]) / 128.0
    expected = np.stack([np.sin(2 * np.pi * 10 * t_out), 30.0 * np.cos(2 * np.pi * 10 * t_out)], 1)
    inner = slice(256, -256)  # away from the zero-padded ends
    peak = np.abs(y[inner]).max(axis=0)
    np.testing.assert_allclose(peak, [1.0, 30.0], rtol=0.01)
    scale = np.array([1.0, 30.0])
    np.testing.assert_allclose(y[inner] / scale, expected[inner] / scale, rtol=0, atol=0.01)


def test_frequencies_above_the_new_nyquist_are_removed() -> None:
    t = np.arange(512 * 10) / 512.0
    y = resample(np.sin(2 * np.pi * 100 * t)[:, None], 512.0)  # would alias to 28 Hz
    assert np.sqrt(np.mean(y[128:-128] ** 2)) < 0.01


def test_channels_are_independent() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2000, 3))
    both = resample(x, 500.0)
    for c in range(3):
        np.testing.assert_allclose(both[:, c : c + 1], resample(x[:, c : c + 1], 500.0))


def test_same_rate_is_a_copy_and_upsampling_works() -> None:
    x = np.arange(12.0).reshape(6, 2)
    y = resample(x, 128.0)
    np.testing.assert_array_equal(y, x)
    assert y is not x
    up = resample(np.ones((640, 1)), 64.0)
    assert up.shape == (1280, 1)
    np.testing.assert_allclose(up[100:-100], 1.0, atol=1e-3)


@pytest.mark.parametrize("bad", [0.0, -128.0, float("nan"), float("inf"), "fast", None])
def test_bad_rates_are_input_errors(bad: object) -> None:
    x = np.zeros((10, 2))
    with pytest.raises(InputError, match="sampling rate must be a positive number"):
        resample(x, bad)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="output sampling rate"):
        resample(x, 256.0, bad)  # type: ignore[arg-type]


def test_samples_must_be_two_dimensional() -> None:
    with pytest.raises(InputError, match="2-D"):
        resample(np.zeros(100), 256.0)
    assert resample(np.zeros((0, 3)), 256.0).shape == (0, 3)
