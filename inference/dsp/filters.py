"""Butterworth band-pass design and its zero-state impulse response, in numpy alone.

Blender's Python has no scipy, yet features must match scipy's `butter` + `lfilter` exactly
(TorchEEG's definition). Filtering a fixed-length window from zero initial state is a linear map:
y = L x with L lower-triangular Toeplitz built from the impulse response. So one matrix per band
replaces every per-window, per-channel filter call.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def butter_bandpass(
    order: int, low_hz: float, high_hz: float, rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """(b, a) of a digital Butterworth band-pass, as scipy.signal.butter(order, [lo, hi], 'band').

    Analog prototype -> low-pass to band-pass -> bilinear transform with pre-warping, in zpk form
    (the same steps scipy takes, so coefficients agree to rounding).
    """
    nyquist = rate / 2.0
    if not (0 < low_hz < high_hz < nyquist):
        raise ValueError(
            f"band {low_hz}-{high_hz} Hz must lie inside (0, {nyquist}) Hz at {rate} Hz"
        )
    # Analog Butterworth prototype poles (unit cut-off).
    m = np.arange(-order + 1, order, 2)
    poles = -np.exp(1j * np.pi * m / (2 * order))
    # Pre-warp the edges for a bilinear transform at fs = 2 (scipy's normalised convention).
    fs = 2.0
    w1, w2 = (2 * fs * np.tan(np.pi * np.array([low_hz, high_hz]) / nyquist / fs)).tolist()
    bw, wo = w2 - w1, np.sqrt(w1 * w2)
    # Low-pass to band-pass: each pole splits in two; `order` zeros appear at the origin.
    p_lp = poles * bw / 2
    root = np.sqrt(p_lp**2 - wo**2)
    p_bp = np.concatenate([p_lp + root, p_lp - root])
    z_bp = np.zeros(order)
    k_bp = bw**order
    # Bilinear transform.
    fs2 = 2 * fs
    z_d = np.concatenate([(fs2 + z_bp) / (fs2 - z_bp), -np.ones(order)])
    p_d = (fs2 + p_bp) / (fs2 - p_bp)
    k_d = k_bp * np.real(np.prod(fs2 - z_bp) / np.prod(fs2 - p_bp))
    b = k_d * np.real(np.poly(z_d))
    a = np.real(np.poly(p_d))
    return b, a


def impulse_responses(
    coefficients: Sequence[tuple[np.ndarray, np.ndarray]], length: int
) -> np.ndarray:
    """First `length` samples of each filter's impulse response, shape (n_filters, length).

    Runs the difference equation once per sample index for all filters together; this happens
    once at set-up, never per window.
    """
    b = np.array([c[0] for c in coefficients], dtype=np.float64)
    a = np.array([c[1] for c in coefficients], dtype=np.float64)
    b = b / a[:, :1]
    a = a / a[:, :1]
    n_taps = a.shape[1]
    h = np.zeros((len(coefficients), length + n_taps), dtype=np.float64)  # leading zeros = history
    for n in range(length):
        i = n + n_taps  # position of sample n after the zero history
        x_term = b[:, n] if n < b.shape[1] else 0.0
        # y[n] = b[n] - sum_k a[k] y[n-k]
        past = h[:, i - 1 : i - n_taps : -1]  # y[n-1] ... y[n-n_taps+1]
        h[:, i] = x_term - np.sum(a[:, 1:] * past, axis=1)
    return h[:, n_taps:]


def window_filter_matrix(
    bands: Sequence[tuple[float, float]], order: int, rate: float, length: int
) -> np.ndarray:
    """Matrix M, shape (length, n_bands * length): windows @ M filters every band at once.

    Column block k holds L_k^T, the zero-state filter of band k as a lower-triangular Toeplitz map.
    """
    h = impulse_responses([butter_bandpass(order, lo, hi, rate) for lo, hi in bands], length)
    lag = np.arange(length)[:, None] - np.arange(length)[None, :]  # i - j
    toeplitz = np.where(lag >= 0, h[:, np.clip(lag, 0, None)], 0.0)  # (bands, length, length)
    return np.concatenate([t.T for t in toeplitz], axis=1)
