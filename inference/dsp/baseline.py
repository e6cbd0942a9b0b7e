"""The resting baseline every window's band features are taken relative to, estimated robustly.

DEAP's definition (the paper's, via TorchEEG): the three 1 s segments before a trial are averaged
sample by sample, and that one signal's band DE is the baseline. One 3 s snippet is noisy: a
blink or an alpha burst in it moves every window of the trial. So over a longer span (a live
calibration, the first seconds of a recording, a span the user names) the same statistic is
taken many times and the median kept:

1. the span is cut into 1 s windows; windows with NaN/Inf or a flat electrode are rejected, and
   so are amplitude outliers (blinks, movement, bursts): a window whose log variance on some
   electrode lies more than `reject_z` robust standard deviations (1.4826 MAD) above that
   electrode's median over the span. Outliers are only judged with `MIN_WINDOWS_TO_JUDGE`
   windows or more (a median of three says nothing);
2. every run of `segments` consecutive accepted windows (DEAP: 3) is averaged sample by sample
   and its band DE taken, exactly as DEAP's baseline is;
3. the baseline is the per electrode and band median of those DEs.

On a 3 s span with nothing rejected there is one group, so the result is DEAP's baseline to the
bit: the paper's protocol is this estimator's smallest case. Keeping DEAP's statistic (rather
than, say, the median DE of single windows, which is about log2(3)/2 higher) keeps a model
trained on DEAP's baselines fed the numbers it was trained on.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .features import FeatureSettings, band_features, window_validity

REJECT_Z = 5.0  # robust z of a window's log variance above which it is an outlier
MIN_WINDOWS_TO_JUDGE = 8  # fewer windows than this: no outlier rejection (NaN/flat still)
_MAD_FLOOR = 0.05  # log-variance units: identical windows must not make every change an outlier
_MAD_TO_STD = 1.4826


@dataclass(frozen=True)
class BaselineEstimate:
    """A baseline per leading index (trials, or one session): DE and what went into it."""

    de: np.ndarray  # (..., channels, bands) float32; zeros where not ok
    ok: np.ndarray  # (...) bool: at least one group of accepted windows
    windows: np.ndarray  # (...) int: 1 s windows in the span
    invalid: np.ndarray  # (...) int: rejected for NaN/Inf samples or a flat electrode
    outliers: np.ndarray  # (...) int: rejected as amplitude outliers (blinks, movement, bursts)

    @property
    def used(self) -> np.ndarray:
        return self.windows - self.invalid - self.outliers

    def describe(self, index: int | tuple[int, ...] = ()) -> str:
        """'27 of 30 windows (3 rejected as amplitude outliers)' for one baseline."""
        total, used = int(self.windows[index]), int(self.used[index])
        bad, odd = int(self.invalid[index]), int(self.outliers[index])
        parts = [f"{odd} amplitude outliers (blinks, movement)"] if odd else []
        parts += [f"{bad} with NaN samples or a flat electrode"] if bad else []
        return f"{used} of {total} windows" + (f", rejected: {'; '.join(parts)}" if parts else "")


def estimate_baseline(
    span: np.ndarray,
    settings: FeatureSettings,
    *,
    check: np.ndarray | None = None,
    reject_z: float = REJECT_Z,
) -> BaselineEstimate:
    """Baseline band features of (..., channels, samples) spans (see the module notes).

    check: the same samples before re-referencing and filtering (validity is judged on them too:
    a common average turns a dead electrode into minus the others). Samples past the last whole
    window are ignored.
    """
    n = settings.window_samples
    count = span.shape[-1] // n
    windows = _windows(span, n, count)  # (..., w, channels, n)
    valid = window_validity(windows)
    if check is not None:
        valid &= window_validity(_windows(check, n, count))
    return estimate_from_windows(windows, valid, settings, reject_z=reject_z)


def _windows(span: np.ndarray, n: int, count: int) -> np.ndarray:
    """(..., channels, samples) -> (..., count, channels, n) views of consecutive windows."""
    cut = span[..., : count * n]
    return np.swapaxes(cut.reshape(*cut.shape[:-1], count, n), -2, -3)


def estimate_from_windows(
    windows: np.ndarray,
    valid: np.ndarray,
    settings: FeatureSettings,
    *,
    reject_z: float = REJECT_Z,
) -> BaselineEstimate:
    """The estimator on (..., w, channels, n) windows already cut, with their validity (..., w).

    The windows need not be contiguous (a session's pre-trial seconds, pooled)."""
    segments = settings.baseline_segments
    w = windows.shape[-3]
    lead = windows.shape[:-3]
    accepted = np.asarray(valid, dtype=bool).copy()
    outlier = np.zeros_like(accepted)
    if reject_z > 0 and w >= MIN_WINDOWS_TO_JUDGE:
        outlier = _amplitude_outliers(windows, accepted, reject_z)
        accepted &= ~outlier
    # the accepted windows first, in their order: runs of `segments` of them form the groups
    order = np.argsort(~accepted, axis=-1, kind="stable")
    n_groups = max(w - segments + 1, 0)
    if n_groups == 0:
        return _estimate(np.zeros((*lead, windows.shape[-2], len(settings.bands)), np.float32),
                         np.zeros(lead, bool), w, valid, outlier)  # fmt: skip
    first = np.arange(n_groups)
    members = first[:, None] + np.arange(segments)[None, :]  # (groups, segments)
    slots = np.broadcast_to(members.reshape(-1), (*lead, members.size))
    chosen = np.take_along_axis(order, slots, axis=-1)
    picked = _take_windows(windows, chosen)  # (..., groups * segments, channels, n)
    picked = picked.reshape(*lead, n_groups, segments, *windows.shape[-2:])
    averaged = picked.mean(axis=-3, dtype=np.float32)  # DEAP's sample-by-sample average
    usable = first + segments <= accepted.sum(axis=-1)[..., None]  # (..., groups)
    de = band_features(averaged, settings)  # (..., groups, channels, bands)
    de = np.where(usable[..., None, None], de, np.nan)
    ok = usable.any(axis=-1) & np.isfinite(de).any(axis=-3).all(axis=(-2, -1))
    median = _nanmedian_groups(de)
    median = np.where(ok[..., None, None], median, 0.0).astype(np.float32)
    return _estimate(median, ok, w, valid, outlier)


def _nanmedian_groups(de: np.ndarray) -> np.ndarray:
    """Median over the groups axis ignoring NaN; all-NaN slices give NaN without a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(de, axis=-3)


def _take_windows(windows: np.ndarray, index: np.ndarray) -> np.ndarray:
    """windows (..., w, ch, n) at index (..., k) along w -> (..., k, ch, n)."""
    return np.take_along_axis(windows, index[..., None, None], axis=-3)


def _amplitude_outliers(windows: np.ndarray, accepted: np.ndarray, reject_z: float) -> np.ndarray:
    """(..., w) True where some electrode's log variance is far above its median over the span."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_var = np.log(np.var(windows, axis=-1, dtype=np.float64))  # (..., w, channels)
    masked = np.where(accepted[..., None], log_var, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(masked, axis=-2, keepdims=True)
        mad = np.nanmedian(np.abs(masked - median), axis=-2, keepdims=True)
    spread = np.maximum(mad * _MAD_TO_STD, _MAD_FLOOR)
    with np.errstate(invalid="ignore"):
        z = (log_var - median) / spread
        return accepted & (z > reject_z).any(axis=-1)


def _estimate(
    de: np.ndarray, ok: np.ndarray, w: int, valid: np.ndarray, outlier: np.ndarray
) -> BaselineEstimate:
    lead = np.shape(ok)
    return BaselineEstimate(
        de,
        np.asarray(ok, bool),
        np.full(lead, w, dtype=np.intp),
        (~np.asarray(valid, bool)).sum(axis=-1).astype(np.intp),
        np.asarray(outlier, bool).sum(axis=-1).astype(np.intp),
    )


def estimate_pooled(
    spans: list[np.ndarray],
    settings: FeatureSettings,
    *,
    checks: list[np.ndarray] | None = None,
    reject_z: float = REJECT_Z,
) -> BaselineEstimate:
    """One baseline from the windows of several (channels, samples) spans together (a session's
    pre-trial seconds, say)."""
    n = settings.window_samples
    parts, valid = [], []
    for k, span in enumerate(spans):
        windows = _windows(span, n, span.shape[-1] // n)
        ok = window_validity(windows)
        if checks is not None:
            ok &= window_validity(_windows(checks[k], n, span.shape[-1] // n))
        parts.append(windows)
        valid.append(ok)
    return estimate_from_windows(
        np.concatenate(parts), np.concatenate(valid), settings, reject_z=reject_z
    )
