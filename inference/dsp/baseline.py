"""The resting baseline every window's band features are taken relative to, estimated robustly.

DEAP's definition (the paper's, via TorchEEG): the three 1 s segments before a trial are averaged
sample by sample, and that one signal's band DE is the baseline. One 3 s snippet is noisy: a
blink or an alpha burst in it moves every window of the trial. So over a longer span (a live
calibration, the first seconds of a recording, a span the user names) the same statistic is
taken many times and the middle of them kept:

1. the span is cut into 1 s windows every `HOP_S` (0.25 s); windows with NaN/Inf or a flat
   electrode are rejected, and so are amplitude outliers (blinks, movement, bursts): a window
   whose log variance on some electrode lies more than `reject_z` robust standard deviations
   (1.4826 MAD) above that electrode's median over the span. Only spans of
   `MIN_SECONDS_TO_JUDGE` or more are judged (a median of three says nothing);
2. every group of `segments` (DEAP: 3) accepted windows one window apart (disjoint, as DEAP's
   three seconds are) is averaged sample by sample and its band DE taken, exactly as DEAP's
   baseline is;
3. the baseline is the per electrode and band interquartile mean of those DEs (the mean of the
   middle half: as robust to a quarter of odd groups either way as the median, and steadier:
   a session started 5 s later agrees in more windows, `scripts/evoke.py bench_baseline`).

Overlapping windows make the estimate steady under a shifted start: a session started half a
second later sees mostly the same windows, not a fresh sample of them. On a 3 s span with
nothing rejected there is one group, so the result is DEAP's baseline to the bit: the paper's
protocol is this estimator's smallest case. Keeping DEAP's statistic (rather
than, say, the median DE of single windows, which is about log2(3)/2 higher) keeps a model
trained on DEAP's baselines fed the numbers it was trained on.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, fields

import numpy as np

from .features import FeatureSettings, band_features, window_validity

REJECT_Z = 5.0  # robust z of a window's log variance above which it is an outlier
MIN_SECONDS_TO_JUDGE = 8.0  # shorter spans: no outlier rejection (NaN/flat still rejected)
HOP_S = 0.25  # between the span's windows: a session started 0.5 s later shares its windows
_MAD_FLOOR = 0.05  # log-variance units: identical windows must not make every change an outlier
_MAD_TO_STD = 1.4826
TRIM = 0.25  # the interquartile mean of the groups: robust as a median, steadier (bench_baseline)


@dataclass(frozen=True)
class BaselineEstimate:
    """A baseline per leading index (trials, or one session): DE and what went into it."""

    de: np.ndarray  # (..., channels, bands) float32; zeros where not ok
    ok: np.ndarray  # (...) bool: at least one group of accepted windows
    windows: np.ndarray  # (...) int: 1 s windows in the span (every HOP_S, overlapping)
    invalid: np.ndarray  # (...) int: rejected for NaN/Inf samples or a flat electrode
    outliers: np.ndarray  # (...) int: rejected as amplitude outliers (blinks, movement, bursts)
    # for the adapting baseline (inference.dsp.adaptation): how far a single window's DE sits
    # above DEAP's statistic (..., channels, bands), and the rest's log variance per electrode,
    # centre and robust spread (..., channels), to judge later windows by
    single_offset: np.ndarray
    log_var_centre: np.ndarray
    log_var_spread: np.ndarray

    def single(self, index: int) -> BaselineEstimate:
        """One baseline: trial `index`'s, or this one when there is one for every trial."""
        if self.de.ndim == 2:
            return self
        return BaselineEstimate(*(getattr(self, f.name)[index] for f in fields(self)))

    def take(self, index: list[int]) -> BaselineEstimate:
        """The estimates at these leading indices (trials)."""
        at = np.array(index, dtype=np.intp)
        return BaselineEstimate(*(getattr(self, f.name)[at] for f in fields(self)))

    @property
    def used(self) -> np.ndarray:
        return self.windows - self.invalid - self.outliers

    def describe(self, index: int | tuple[int, ...] = ()) -> str:
        """'97 of 117 windows used; rejected: 20 amplitude outliers ...' for one baseline."""
        total, used = int(self.windows[index]), int(self.used[index])
        bad, odd = int(self.invalid[index]), int(self.outliers[index])
        parts = [f"{odd} amplitude outliers (blinks, movement)"] if odd else []
        parts += [f"{bad} with NaN samples or a flat electrode"] if bad else []
        rejected = f"; rejected: {', '.join(parts)}" if parts else ""
        return f"{used} of {total} windows used (1 s, every {HOP_S:g} s){rejected}"


def estimate_baseline(
    span: np.ndarray,
    settings: FeatureSettings,
    *,
    check: np.ndarray | None = None,
    reject_z: float = REJECT_Z,
) -> BaselineEstimate:
    """Baseline band features of (..., channels, samples) spans (see the module notes).

    check: the same samples before re-referencing and filtering (validity is judged on them too:
    a common average turns a dead electrode into minus the others).
    """
    windows, valid = _windows(span, check, settings)
    lead = windows.shape[:-3]
    stats = _log_variance(windows, valid)
    outlier = _outliers(stats, valid, span.shape[-1] / settings.rate, reject_z)
    de, usable = _group_features(windows, valid & ~outlier, settings)
    single = _single_features(windows, valid & ~outlier, settings)
    return _estimate(de, usable, lead, valid, outlier, single, stats)


def estimate_pooled(
    spans: list[np.ndarray],
    settings: FeatureSettings,
    *,
    checks: list[np.ndarray] | None = None,
    reject_z: float = REJECT_Z,
) -> BaselineEstimate:
    """One baseline from several (channels, samples) spans together (a session's pre-trial
    seconds, say): outliers judged over all their windows, groups within each span."""
    cut = [_windows(span, None if checks is None else checks[k], settings)
           for k, span in enumerate(spans)]  # fmt: skip
    windows = np.concatenate([w for w, _ in cut])
    valid = np.concatenate([v for _, v in cut])
    seconds = sum(span.shape[-1] for span in spans) / settings.rate
    stats = _log_variance(windows, valid)
    outlier = _outliers(stats, valid, seconds, reject_z)
    des, usables, at = [], [], 0
    for w, v in cut:
        de, usable = _group_features(w, v & ~outlier[at : at + len(v)], settings)
        des.append(de)
        usables.append(usable)
        at += len(v)
    single = _single_features(windows, valid & ~outlier, settings)
    return _estimate(np.concatenate(des), np.concatenate(usables), (), valid, outlier, single,
                     stats)  # fmt: skip


def _windows(
    span: np.ndarray, check: np.ndarray | None, settings: FeatureSettings
) -> tuple[np.ndarray, np.ndarray]:
    """(..., w, channels, n) windows every HOP_S (views), and their validity (..., w)."""
    n = settings.window_samples
    hop = max(1, round(HOP_S * settings.rate))

    def cut(x: np.ndarray) -> np.ndarray:
        if x.shape[-1] < n:
            return np.zeros((*x.shape[:-1], 0, n), dtype=x.dtype).swapaxes(-2, -3)
        view = np.lib.stride_tricks.sliding_window_view(x, n, axis=-1)[..., ::hop, :]
        return np.swapaxes(view, -2, -3)

    windows = cut(span)
    valid = window_validity(windows)
    if check is not None:
        valid &= window_validity(cut(check))
    return windows, valid


def log_variance(windows: np.ndarray) -> np.ndarray:
    """(..., channels, n) windows -> (..., channels): what amplitude outliers are judged on."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.var(windows, axis=-1, dtype=np.float64))


def _log_variance(
    windows: np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(log variance (..., w, channels), its median over the valid windows (..., channels), and
    its robust spread (..., channels))."""
    log_var = log_variance(windows)
    masked = np.where(valid[..., None], log_var, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(masked, axis=-2)
        mad = np.nanmedian(np.abs(masked - median[..., None, :]), axis=-2)
    return log_var, median, np.maximum(mad * _MAD_TO_STD, _MAD_FLOOR)


def outlying(log_var: np.ndarray, centre: np.ndarray, spread: np.ndarray, z: float) -> np.ndarray:
    """(..., channels) log variances -> (...) True where some electrode lies more than z robust
    SDs above its centre."""
    with np.errstate(invalid="ignore"):
        return ((log_var - centre) / spread > z).any(axis=-1)


def _outliers(
    stats: tuple[np.ndarray, np.ndarray, np.ndarray],
    valid: np.ndarray,
    seconds: float,
    reject_z: float,
) -> np.ndarray:
    """(..., w) True where some electrode's log variance lies far above its median over the
    span; none in spans too short to judge."""
    log_var, median, spread = stats
    if reject_z <= 0 or seconds < MIN_SECONDS_TO_JUDGE or log_var.shape[-2] == 0:
        return np.zeros(valid.shape, dtype=bool)
    return valid & outlying(log_var, median[..., None, :], spread[..., None, :], reject_z)


def _single_features(
    windows: np.ndarray, accepted: np.ndarray, settings: FeatureSettings
) -> np.ndarray:
    """The trimmed mean of the accepted single windows' band features: (..., channels, bands).
    A single window's DE sits above DEAP's statistic (an average of three has less variance);
    the adapting baseline (inference.dsp.adaptation) tracks single windows and needs the gap."""
    if windows.shape[-3] == 0:
        return np.zeros((*windows.shape[:-3], windows.shape[-2], len(settings.bands)), np.float32)
    de = band_features(windows, settings)
    return _trimmed_mean_groups(np.where(accepted[..., None, None], de, np.nan))


def _group_features(
    windows: np.ndarray, accepted: np.ndarray, settings: FeatureSettings
) -> tuple[np.ndarray, np.ndarray]:
    """DEAP's statistic for every group of `segments` disjoint windows a window apart (g,
    g + step, ...): (..., groups, channels, bands) and which groups are all accepted."""
    segments = settings.baseline_segments
    step = max(1, round(settings.window_samples / max(1, round(HOP_S * settings.rate))))
    w = windows.shape[-3]
    groups = max(w - (segments - 1) * step, 0)
    bands = len(settings.bands)
    if groups == 0:
        shape = (*windows.shape[:-3], 0)
        return np.zeros((*shape, windows.shape[-2], bands), np.float32), np.zeros(shape, bool)
    first = np.arange(groups)
    averaged = windows[..., first, :, :].astype(np.float32)
    usable = accepted[..., first].copy()
    for j in range(1, segments):  # DEAP's sample-by-sample average of the three segments
        averaged += windows[..., first + j * step, :, :]
        usable &= accepted[..., first + j * step]
    averaged /= np.float32(segments)
    return band_features(averaged, settings), usable


def _estimate(
    de: np.ndarray,
    usable: np.ndarray,
    lead: tuple[int, ...],
    valid: np.ndarray,
    outlier: np.ndarray,
    single: np.ndarray,
    stats: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> BaselineEstimate:
    """The interquartile mean over usable groups, and the counts."""
    de = np.where(usable[..., None, None], de, np.nan)
    ok = usable.any(axis=-1) & np.isfinite(de).any(axis=-3).all(axis=(-2, -1))
    middle = np.where(ok[..., None, None], _trimmed_mean_groups(de), 0.0).astype(np.float32)
    offset = np.where(ok[..., None, None], single - middle, 0.0).astype(np.float32)
    return BaselineEstimate(
        middle,
        np.asarray(ok, bool).reshape(lead),
        np.full(lead, valid.shape[-1], dtype=np.intp),
        (~valid).sum(axis=-1).astype(np.intp),
        outlier.sum(axis=-1).astype(np.intp),
        offset,
        stats[1].reshape(*lead, -1),
        stats[2].reshape(*lead, -1),
    )


def _trimmed_mean_groups(de: np.ndarray) -> np.ndarray:
    """The trimmed mean over the groups axis, NaN (unusable groups) ignored: of n values, the
    floor(TRIM * n) lowest and highest are dropped (as scipy.stats.trim_mean), so one or two
    groups are kept whole; a slice with no value gives NaN."""
    ordered = np.sort(de, axis=-3)  # NaN last
    count = np.isfinite(de).sum(axis=-3, keepdims=True)
    cut = np.floor(TRIM * count).astype(np.intp)
    rank = np.arange(de.shape[-3]).reshape(-1, 1, 1)
    kept = (rank >= cut) & (rank < count - cut)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(kept, ordered, 0.0).sum(axis=-3) / kept.sum(axis=-3)
