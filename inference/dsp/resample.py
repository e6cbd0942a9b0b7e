"""Rational-ratio resampling to the model's 128 Hz, in numpy alone.

Headsets record at 250, 256, 500 or 512 Hz; the features are defined at 128 Hz. This is
scipy.signal.resample_poly(x, up, down, axis=0) with its default window ('kaiser', 5.0) and zero
padding, re-implemented because Blender's Python has no scipy: upsample by `up`, low-pass with a
Kaiser-windowed sinc, keep every `down`-th sample. The polyphase form computes only the kept
samples: each output is a dot product of a few input samples with one phase of the filter, and
all outputs of one phase, over all channels, are one einsum over a strided window view.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..errors import InputError

KAISER_BETA = 5.0  # scipy.signal.resample_poly's default window ('kaiser', 5.0)
MAX_DENOMINATOR = 1000


def resample_ratio(rate_in: float, rate_out: float = 128.0) -> tuple[int, int]:
    """(up, down): the ratio rate_out / rate_in as a fraction with down <= 1000."""
    rates = []
    for name, rate in (("input", rate_in), ("output", rate_out)):
        try:
            value = float(rate)
        except (TypeError, ValueError):
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            raise InputError(f"{name} sampling rate must be a positive number, got {rate}")
        rates.append(value)
    ratio = (Fraction(rates[1]) / Fraction(rates[0])).limit_denominator(MAX_DENOMINATOR)
    if ratio == 0:
        raise InputError(f"cannot resample from {rate_in:g} Hz to {rate_out:g} Hz")
    return ratio.numerator, ratio.denominator


def _lowpass(up: int, down: int) -> tuple[np.ndarray, int]:
    """scipy's anti-aliasing filter for up/down (firwin with a Kaiser window, gain `up`)."""
    max_rate = max(up, down)
    half_len = 10 * max_rate
    m = np.arange(2 * half_len + 1) - half_len
    cutoff = 1.0 / max_rate  # relative to Nyquist
    h = cutoff * np.sinc(cutoff * m) * np.kaiser(2 * half_len + 1, KAISER_BETA)
    return h * (up / h.sum()), half_len


def polyphase_filter(up: int, down: int) -> tuple[np.ndarray, int, int]:
    """(polyphase [phase, k] = h[k up + phase], first kept output, half the filter's length).

    As scipy: the filter is padded in front so that output sample 0 sits at its centre, and the
    first `first` outputs of the full upsample-filter-decimate result are dropped.
    """
    h, half_len = _lowpass(up, down)
    pre_pad = down - half_len % down
    first = (half_len + pre_pad) // down
    h = np.concatenate([np.zeros(pre_pad), h])
    taps = -(-h.size // up)  # filter taps per phase
    polyphase = np.concatenate([h, np.zeros(taps * up - h.size)]).reshape(taps, up).T
    return polyphase, first, half_len


def resample(samples: np.ndarray, rate_in: float, rate_out: float = 128.0) -> np.ndarray:
    """Resample (n_samples, n_channels) from rate_in to rate_out Hz; returns float64.

    The output rate is rate_in * up / down (see `resample_ratio`), which equals rate_out unless
    the ratio needs a denominator above 1000. The output has ceil(n * up / down) samples.
    """
    up, down = resample_ratio(rate_in, rate_out)
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 2:
        raise InputError(f"samples must be 2-D (samples x channels), got shape {x.shape}")
    if up == down:
        return x.copy()
    n_in = x.shape[0]
    n_out = -(-n_in * up // down)
    if n_in == 0:
        return np.zeros((0, x.shape[1]))

    polyphase, first, _ = polyphase_filter(up, down)
    taps = polyphase.shape[1]

    # Output j of the upsampled-filtered-decimated signal is sum_k x[base_j - k] h[phase_j + k up],
    # with base_j = t_j // up and phase_j = t_j % up for t_j = (first + j) * down. Outputs j, j + up,
    # j + 2 up, ... share a phase and their bases step by `down`: one strided window view each.
    t = (first + np.arange(min(up, n_out))) * down
    base, phase = t // up, t % up
    # Zero padding on both sides turns out-of-range input indices into zeros (scipy's 'constant').
    last_base = ((first + n_out - 1) * down) // up
    after = max(0, last_base - (n_in - 1))
    padded = np.concatenate([np.zeros((taps - 1, x.shape[1])), x, np.zeros((after, x.shape[1]))])
    # windows[i, c, k] = padded[i + k, c]: the input x[base - (taps-1) + k] sits at window `base`.
    windows = np.lib.stride_tricks.sliding_window_view(padded, taps, axis=0)
    out = np.empty((n_out, x.shape[1]))
    for r in range(base.size):  # one strided dot product per filter phase (at most `up` <= 1000)
        count = len(range(r, n_out, up))
        view = windows[base[r] : base[r] + (count - 1) * down + 1 : down]
        out[r::up] = np.einsum("nck,k->nc", view, polyphase[phase[r], ::-1])
    return out
