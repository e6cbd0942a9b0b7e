"""Grid features of trials: every window's band features minus the trial's baseline.

One function for training (`trial_features`: DEAP's trials with their 3 s pre-trial baselines)
and for the runtime (`window_features` and `relative_grid`, where `inference.predict` chooses the
baseline: a trial's own seconds, a calibration span, or a session's pooled pre-trial seconds).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError
from .baseline import BaselineEstimate, estimate_baseline, estimate_pooled, log_variance
from .features import (
    N_ELECTRODES,
    FeatureSettings,
    band_features,
    to_grid,
    window_starts,
    window_validity,
)


def hop_samples(hop_s: float, rate: float) -> int:
    """The hop in samples; refused unless it is a whole number of samples at `rate`."""
    hop = round(hop_s * rate)
    if hop < 1 or abs(hop - hop_s * rate) > 1e-6:
        raise ValueError(f"hop {hop_s:g} s is not a whole number of samples at {rate:g} Hz")
    return hop


MAX_HOP_S = 60.0  # a window a minute: beyond it a timeline has too few windows to smooth


def check_hop(hop_s: float, rate: float | None = None, what: str = "hop") -> float:
    """The one check of a hop from a user (predict, batch, bake, live): finite seconds in
    (0, MAX_HOP_S] and, once the model's `rate` is known, a whole number of samples at it."""
    if not (isinstance(hop_s, int | float) and math.isfinite(hop_s) and 0 < hop_s <= MAX_HOP_S):
        raise InputError(
            f"{what} {hop_s!r}: give seconds between windows, above 0 and at most {MAX_HOP_S:g}"
        )
    if rate is not None:
        try:
            hop_samples(hop_s, rate)
        except ValueError:
            raise InputError(
                f"{what} {hop_s:g}: not a whole number of samples at the model's {rate:g} Hz "
                f"(use a multiple of 1/{rate:g} s, such as 0.25)"
            ) from None
    return float(hop_s)


def window_features(
    eeg: np.ndarray,
    settings: FeatureSettings,
    *,
    hop_s: float = 1.0,
    check: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Band features of every window of equal-length trials, without a baseline.

    eeg: (trials, channels, samples) at settings.rate. check: the same samples before
    re-referencing and filtering: validity is judged on them where given (a common average
    turns a dead electrode into minus the others). Returns (features (trials, windows, channels,
    bands) float32, valid (trials, windows), window starts in samples (windows,)).
    """
    n = settings.window_samples
    hop = hop_samples(hop_s, settings.rate)
    starts = window_starts(eeg.shape[-1], n, hop)
    # the starts are evenly spaced: a strided slice keeps the windows a view (indexing by
    # `starts` would copy every window of every trial at once)
    at_starts = slice(0, hop * len(starts), hop)
    windows = np.lib.stride_tricks.sliding_window_view(eeg, n, axis=-1)[:, :, at_starts]
    windows = windows.transpose(0, 2, 1, 3)  # (trials, windows, channels, n)
    judged = windows
    if check is not None:
        judged = np.lib.stride_tricks.sliding_window_view(check, n, axis=-1)[:, :, at_starts]
        judged = judged.transpose(0, 2, 1, 3)
    valid = window_validity(judged)
    return band_features(windows, settings), valid, starts


def window_log_variance(eeg: np.ndarray, settings: FeatureSettings, hop_s: float) -> np.ndarray:
    """(trials, channels, samples) -> (trials, windows, channels): the windows' log variance, as
    outliers are judged (the adapting baseline's acceptance)."""
    n, hop = settings.window_samples, hop_samples(hop_s, settings.rate)
    count = len(window_starts(eeg.shape[-1], n, hop))
    windows = np.lib.stride_tricks.sliding_window_view(eeg, n, axis=-1)[:, :, : hop * count : hop]
    return log_variance(windows).transpose(0, 2, 1)


def relative_grid(
    features: np.ndarray,
    valid: np.ndarray,
    baseline: BaselineEstimate,
    present: np.ndarray,
    per_window: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(features - baseline) on the 9x9 grid: (trials, windows, bands, 9, 9), and validity.

    baseline.de: (trials, channels, bands), or (channels, bands) for one baseline of every
    trial; per_window: (trials, windows, channels, bands) instead, an adapting baseline's.
    Windows whose baseline is unusable are invalid; invalid windows hold zeros; missing
    electrodes read as "no change from baseline" (0).
    """
    de, ok = baseline.de, np.asarray(baseline.ok)
    if de.ndim == 2:
        de, ok = de[None], ok.reshape(1)
    feats = features - (de[:, None] if per_window is None else per_window)
    valid = valid & ok[:, None] & np.isfinite(feats).all(axis=(-2, -1))
    feats[~valid] = 0.0
    full = np.zeros((*feats.shape[:2], N_ELECTRODES, feats.shape[-1]), dtype=np.float32)
    full[:, :, present] = feats
    return to_grid(full), valid


def trial_features(
    eeg: np.ndarray,
    settings: FeatureSettings,
    *,
    hop_s: float = 1.0,
    present: np.ndarray | None = None,
    check: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid features of equal-length trials with their pre-trial baselines, all at once: each
    trial's own (settings.baseline "trial", DEAP's protocol) or one from all of them pooled
    ("session").

    eeg: (n_trials, 32, baseline + trial samples), DEAP electrode order, at settings.rate; the
    first settings.baseline_s seconds are each trial's baseline (DEAP's protocol).
    present: (32,) electrodes that exist; missing ones read as "no change from baseline" (0).
    check: eeg as it was before re-referencing and filtering (same shape), for validity.
    Returns (grid (n_trials, n_windows, bands, 9, 9) float32, valid (n_trials, n_windows) bool,
    start times in seconds from stimulus onset (n_windows,)).
    """
    if eeg.ndim != 3 or eeg.shape[1] != N_ELECTRODES:
        raise ValueError(f"eeg must be (trials, {N_ELECTRODES}, samples), got {eeg.shape}")
    base_len = settings.window_samples * settings.baseline_segments
    present = np.ones(N_ELECTRODES, dtype=bool) if present is None else np.asarray(present, bool)
    live = eeg if present.all() else eeg[:, present]  # no copy when every electrode is there
    raw = None if check is None else (check if present.all() else check[:, present])
    pre = live[..., :base_len]
    pre_raw = None if raw is None else raw[..., :base_len]
    if settings.baseline == "session":
        baseline = estimate_pooled(
            list(pre), settings, checks=None if pre_raw is None else list(pre_raw)
        )
    else:
        baseline = estimate_baseline(pre, settings, check=pre_raw)
    feats, valid, starts = window_features(
        live[..., base_len:], settings, hop_s=hop_s,
        check=None if raw is None else raw[..., base_len:],
    )  # fmt: skip
    grid, valid = relative_grid(feats, valid, baseline, present)
    return grid, valid, starts / settings.rate
