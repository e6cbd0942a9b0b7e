"""Band features of 1 s EEG windows on the 9x9 grid: one implementation for training, baking and live.

Definition (TorchEEG's, used by the paper): for each window, channel and band, a 5th-order
Butterworth band-pass applied from zero state to that window alone, then differential entropy
DE = 1/2 * log2(2 * pi * e * variance) (population variance). The pre-trial baseline (DEAP: three
1 s segments averaged sample by sample) goes through the same map and is subtracted.
PSD alternative: log10 of the mean periodogram power (Hann window, density scaling) in each band.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ..deap import BASELINE_S
from ..errors import ModelError
from .electrodes import GRID_SIZE, grid_positions
from .filters import window_filter_matrix

DEFAULT_BANDS: tuple[tuple[float, float], ...] = (
    (4.0, 8.0),
    (8.0, 14.0),
    (14.0, 31.0),
    (31.0, 49.0),
)
N_ELECTRODES = 32
BASELINES = ("trial", "session")  # FeatureSettings.baseline
# A window whose raw variance is below this (microvolts^2) on some electrode is "flat".
FLAT_VARIANCE = 1e-10
_ROWS_PER_CHUNK = (
    4096  # bounds memory: 4096 rows x 512 float32 = 8 MiB a product, as fast as larger
)


@dataclass(frozen=True)
class FeatureSettings:
    """Everything that changes the numbers a model sees; a model file stores this verbatim."""

    kind: str = "de"  # "de" (differential entropy) or "psd" (log band power)
    rate: float = 128.0
    window_s: float = 1.0
    bands: tuple[tuple[float, float], ...] = DEFAULT_BANDS
    filter_order: int = 5
    baseline_s: float = BASELINE_S  # pre-trial seconds, cut into window-long segments and averaged
    # which baseline training took: "trial", each trial's own pre-trial seconds (the paper's);
    # "session", one per subject from every trial's pre-trial seconds pooled, estimated as a
    # live calibration is (inference.dsp.baseline). At run time, DEAP files follow it.
    baseline: str = "trial"

    def __post_init__(self) -> None:
        if self.kind not in ("de", "psd"):
            raise ValueError(f"feature kind must be 'de' or 'psd', got {self.kind!r}")
        if self.baseline not in BASELINES:
            raise ValueError(f"baseline must be one of {BASELINES}, got {self.baseline!r}")
        n = self.window_samples
        if abs(n - self.window_s * self.rate) > 1e-9 or n < 8:
            raise ValueError("window_s * rate must be a whole number of samples (>= 8)")
        if abs(self.baseline_s / self.window_s - round(self.baseline_s / self.window_s)) > 1e-9:
            raise ValueError("baseline_s must be a whole number of windows")

    @property
    def window_samples(self) -> int:
        return round(self.window_s * self.rate)

    @property
    def baseline_segments(self) -> int:
        return round(self.baseline_s / self.window_s)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["bands"] = [list(b) for b in self.bands]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureSettings:
        keys = ("kind", "rate", "window_s", "filter_order", "baseline_s", "baseline")
        known = {k: d[k] for k in keys if k in d}
        bands = tuple((float(lo), float(hi)) for lo, hi in d.get("bands", DEFAULT_BANDS))
        return cls(bands=bands, **known)

    def check_matches(self, other: FeatureSettings, *, what: str = "model") -> None:
        """Refuse to feed a model features computed differently from its training."""
        if self != other:
            mine, theirs = self.to_dict(), other.to_dict()
            diff = [f"{k}: {theirs[k]} vs {mine[k]}" for k in mine if mine[k] != theirs[k]]
            raise ModelError(
                f"{what} was trained on different features ({'; '.join(diff)}); "
                "recompute features with the model's settings or pick a matching model"
            )


@lru_cache(maxsize=8)
def _filter_matrices(settings: FeatureSettings) -> tuple[np.ndarray, np.ndarray]:
    """(M, mean map): windows @ M filters every band; windows @ mean map is each band's mean.

    The mean comes straight from the input: mean(x @ L^T) = x @ mean(L^T).
    """
    n, n_bands = settings.window_samples, len(settings.bands)
    m = window_filter_matrix(settings.bands, settings.filter_order, settings.rate, n)
    mean_map = m.reshape(n, n_bands, n).mean(axis=-1)
    return m.astype(np.float32), mean_map.astype(np.float32)


@lru_cache(maxsize=8)
def _psd_band_matrix(settings: FeatureSettings) -> np.ndarray:
    n = settings.window_samples
    freqs = np.fft.rfftfreq(n, d=1.0 / settings.rate)
    masks = np.array([(freqs >= lo) & (freqs < hi) for lo, hi in settings.bands], dtype=np.float64)
    counts = masks.sum(axis=1, keepdims=True)
    if np.any(counts == 0):
        raise ValueError("a band holds no frequency bin at this window length")
    return (masks / counts).T  # (n_freqs, n_bands): averages the bins of each band


def band_features(windows: np.ndarray, settings: FeatureSettings) -> np.ndarray:
    """Band feature of each window: (..., n_samples) -> (..., n_bands), float32.

    Non-finite or zero-variance input gives -inf/NaN here; callers mask such windows.
    """
    n = settings.window_samples
    if windows.shape[-1] != n:
        raise ValueError(f"windows must have {n} samples, got {windows.shape[-1]}")
    if windows.ndim > 2 and math.prod(windows.shape[:-1]) > _ROWS_PER_CHUNK:
        return by_chunks(lambda part: band_features(part, settings), windows)
    lead = windows.shape[:-1]
    flat = np.ascontiguousarray(windows, dtype=np.float32).reshape(-1, n)
    out = np.empty((flat.shape[0], len(settings.bands)), dtype=np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        for start in range(0, flat.shape[0], _ROWS_PER_CHUNK):  # chunks bound memory only
            out[start : start + _ROWS_PER_CHUNK] = band_rows(
                flat[start : start + _ROWS_PER_CHUNK], settings
            )
    return out.reshape(*lead, len(settings.bands))


def by_chunks(fn: Callable[[np.ndarray], np.ndarray], windows: np.ndarray) -> np.ndarray:
    """fn over (..., n) windows a block of the leading axis at a time, joined: a view of many
    windows (sliding windows share samples) is never copied whole, only a block at a time."""
    lead = windows.shape[:-1]
    if windows.ndim <= 2 or math.prod(lead) <= _ROWS_PER_CHUNK:
        return fn(windows)
    if lead[0] == 1:
        return by_chunks(fn, windows[0])[None]
    step = max(1, _ROWS_PER_CHUNK // math.prod(lead[1:]))
    return np.concatenate([by_chunks(fn, windows[i : i + step]) for i in range(0, lead[0], step)])


def band_rows(rows: np.ndarray, settings: FeatureSettings) -> np.ndarray:
    """(rows, n_samples) float32 -> (rows, n_bands): the features without chunking or errstate.

    The live path calls this directly (inside its own errstate) to keep each step lean.
    """
    n = settings.window_samples
    if settings.kind == "de":
        m, mean_map = _filter_matrices(settings)
        y = (rows @ m).reshape(rows.shape[0], -1, n)
        mean_sq = np.einsum("wbt,wbt->wb", y, y)
        mean_sq *= 1.0 / n
        mean = rows @ mean_map
        var = np.maximum(mean_sq - mean * mean, 0.0)
        return 0.5 * np.log2(var * (2 * np.pi * np.e))
    hann, scale, bands = _psd_constants(settings)
    spec = np.fft.rfft(rows * hann, axis=-1)
    power = (spec.real**2 + spec.imag**2) * scale
    power[:, 1 : (n + 1) // 2] *= 2  # one-sided: double all but DC (and Nyquist)
    return np.log10(power @ bands)


@lru_cache(maxsize=8)
def _psd_constants(settings: FeatureSettings) -> tuple[np.ndarray, float, np.ndarray]:
    n = settings.window_samples
    hann = np.hanning(n + 1)[:-1].astype(np.float32)  # periodic Hann, like scipy's
    scale = 1.0 / (settings.rate * float(np.sum(hann.astype(np.float64) ** 2)))
    return hann, scale, _psd_band_matrix(settings)


def baseline_signal(pre_trial: np.ndarray, settings: FeatureSettings) -> np.ndarray:
    """Average the pre-trial segments sample by sample: (..., segs * n) -> (..., n)."""
    n, segs = settings.window_samples, settings.baseline_segments
    if pre_trial.shape[-1] != n * segs:
        raise ValueError(f"baseline must have {n * segs} samples, got {pre_trial.shape[-1]}")
    return pre_trial.reshape(*pre_trial.shape[:-1], segs, n).mean(axis=-2)


def window_starts(n_samples: int, window: int, hop: int) -> np.ndarray:
    """Start sample of every whole window in a span of n_samples."""
    if hop < 1:
        raise ValueError("hop must be at least one sample")
    if n_samples < window:
        return np.zeros(0, dtype=np.intp)
    return np.arange(0, n_samples - window + 1, hop, dtype=np.intp)


def window_validity(windows: np.ndarray) -> np.ndarray:
    """True where every channel of a window is finite and not flat: (..., ch, n) -> (...).

    Variance from sums of the offsets to each channel's first sample: a flat channel gives an
    exact 0 whatever its DC level, and NaN/Inf anywhere gives a non-finite variance.
    """
    if windows.ndim > 3 and math.prod(windows.shape[:-1]) > _ROWS_PER_CHUNK:
        return by_chunks(window_validity, windows)
    n = windows.shape[-1]
    d = windows - windows[..., :1]
    with np.errstate(invalid="ignore", over="ignore"):
        mean = np.add.reduce(d, axis=-1) * (1.0 / n)
        var = np.einsum("...t,...t->...", d, d) * (1.0 / n) - mean * mean
        ok = np.isfinite(var) & (var > FLAT_VARIANCE)
    return ok.all(axis=-1)


def to_grid(features: np.ndarray, cells: np.ndarray | None = None) -> np.ndarray:
    """(..., electrodes, bands) -> (..., bands, 9, 9), empty cells zero.

    cells: the flat 9x9 cell of each electrode given; default all 32 in DEAP order.
    """
    lead = features.shape[:-2]
    grid = np.zeros((*lead, features.shape[-1], GRID_SIZE * GRID_SIZE), dtype=np.float32)
    grid[..., grid_cells() if cells is None else cells] = np.moveaxis(features, -1, -2)
    return grid.reshape(*lead, features.shape[-1], GRID_SIZE, GRID_SIZE)


@lru_cache(maxsize=1)
def grid_cells() -> np.ndarray:
    """Flat 9x9 cell of each DEAP electrode, in DEAP order."""
    rows, cols = grid_positions()
    cells = rows * GRID_SIZE + cols
    cells.setflags(write=False)
    return cells
