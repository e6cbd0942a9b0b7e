"""Features from a stream of samples, window by window, equal to the offline path.

Samples arrive already in DEAP electrode order at the feature rate (the live driver matches
channels and resamples before pushing). A channel-major buffer keeps only what the next window
needs; appending is one copy and the windows of a push are one gather, so a live step costs a
handful of array operations whatever the chunking.
"""

from __future__ import annotations

import numpy as np

from . import adaptation
from .baseline import REJECT_Z, BaselineEstimate, estimate_baseline, log_variance
from .features import (
    N_ELECTRODES,
    FeatureSettings,
    band_rows,
    grid_cells,
    to_grid,
    window_validity,
)

_SLACK = 512  # samples of spare room before the buffer is compacted


class _ChannelBuffer:
    """(channels, samples) float32; appends copy once, drops only move an offset.

    Kept samples are moved to the front only when an append would not fit.
    """

    def __init__(self, channels: int, capacity: int) -> None:
        self.data = np.zeros((channels, capacity), dtype=np.float32)
        self.start = 0  # first kept column
        self.stop = 0  # one past the last kept column

    @property
    def length(self) -> int:
        return self.stop - self.start

    def append(self, rows: np.ndarray) -> None:
        """rows: (k, channels) samples."""
        k = rows.shape[0]
        if self.stop + k > self.data.shape[1]:
            kept = self.data[:, self.start : self.stop]
            if self.length + k > self.data.shape[1]:
                self.data = np.zeros((self.data.shape[0], 2 * (self.length + k)), np.float32)
            self.data[:, : kept.shape[1]] = kept  # numpy copes with the overlap
            self.start, self.stop = 0, kept.shape[1]
        self.data[:, self.stop : self.stop + k] = rows.T
        self.stop += k

    def drop(self, count: int) -> None:
        self.start = min(self.start + count, self.stop)

    def windows(self, starts: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """(w, channels, n) copies of the windows starting `starts` after the first kept sample."""
        index = (starts + self.start)[:, None] + offsets
        return np.take(self.data, index, axis=1).transpose(1, 0, 2)


class StreamingFeatures:
    """push() samples; get grid features for every window completed since the last push."""

    def __init__(
        self,
        settings: FeatureSettings,
        hop_s: float,
        present: np.ndarray | None = None,
        *,
        adapt_s: float = 0.0,
        reject_z: float = REJECT_Z,
    ) -> None:
        """adapt_s > 0: the baseline follows the session (inference.dsp.adaptation)."""
        self.settings = settings
        self.gain = adaptation.gain(hop_s, adapt_s)
        self.reject_z = reject_z
        self._estimate: BaselineEstimate | None = None
        self._adapted: adaptation.AdaptState | None = None  # the adapting baseline now
        self.n = settings.window_samples
        self.hop = round(hop_s * settings.rate)
        if self.hop < 1:
            raise ValueError("hop must be at least one sample")
        self.present = np.ones(N_ELECTRODES, bool) if present is None else np.asarray(present, bool)
        self.channels = int(self.present.sum())
        self.cells = grid_cells()[self.present]  # 9x9 cell of each present electrode
        self._offsets = np.arange(self.n)
        self._baseline_de: np.ndarray | None = None
        self._baseline_ok = False
        self.reset_stream()

    def reset_stream(self) -> None:
        """Forget buffered samples (after a dropout); keeps the baseline."""
        capacity = self.n + self.hop + _SLACK
        self._signal = _ChannelBuffer(self.channels, capacity)
        self._check = _ChannelBuffer(self.channels, capacity)  # what validity is judged on
        self._consumed = 0  # absolute index of the buffers' first sample
        self._next_start = 0  # absolute start of the next window
        self.windows_done = 0
        self.last_nonfinite = np.zeros(0, bool)  # per window of the last push: NaN/Inf seen

    def set_baseline(
        self, rest: np.ndarray, check: np.ndarray | None = None, *, reject_z: float = REJECT_Z
    ) -> BaselineEstimate:
        """Rest recording, (samples, 32), at least the model's baseline_s: the robust baseline
        estimate of `inference.dsp.baseline` (DEAP's own on exactly 3 s). check: the same
        samples before re-referencing and filtering, for validity."""
        need = self.n * self.settings.baseline_segments
        rest = np.asarray(rest, dtype=np.float32)
        if rest.ndim != 2 or rest.shape[1] != N_ELECTRODES or rest.shape[0] < need:
            raise ValueError(
                f"baseline must be (>= {need}, {N_ELECTRODES}) samples, got {rest.shape}"
            )
        raw = None if check is None else np.asarray(check, np.float32).T[self.present]
        estimate = estimate_baseline(
            rest.T[self.present], self.settings, check=raw, reject_z=reject_z
        )
        self._baseline_ok = bool(estimate.ok)
        self._baseline_de = estimate.de
        self._estimate, self._adapted = estimate, adaptation.AdaptState.start(estimate)
        return estimate

    def push(self, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Append (k, 32) samples; return (grid (w, bands, 9, 9), valid (w,)) of completed windows."""
        chunk = np.asarray(samples, dtype=np.float32).reshape(-1, N_ELECTRODES)[:, self.present]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return self.push_present(chunk)

    def push_present(
        self, samples: np.ndarray, check: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """push() for (k, present channels) samples, inside the caller's np.errstate.

        check: the same samples as they were before any re-referencing or filtering; a window
        is valid only where they are finite and no electrode is flat (a common average
        reference would turn a dead electrode into minus the others' average).
        """
        if self._baseline_de is None:
            raise RuntimeError("set_baseline() (calibration) must come before push()")
        self._signal.append(samples)
        self._check.append(samples if check is None else check)
        last_start = self._consumed + self._signal.length - self.n
        if last_start < self._next_start:
            return self._empty()
        starts = np.arange(
            self._next_start - self._consumed, last_start - self._consumed + 1, self.hop
        )
        w = starts.size
        windows = self._signal.windows(starts, self._offsets)  # (w, channels, n)
        feats = band_rows(windows.reshape(w * self.channels, self.n), self.settings)
        feats = feats.reshape(w, self.channels, -1)
        check = self._check.windows(starts, self._offsets)
        valid = window_validity(check)
        if self.gain > 0 and self._estimate is not None and self._adapted is not None:
            before, self._adapted = adaptation.follow(
                feats, valid, log_variance(windows), self._estimate, self._adapted, self.gain,
                self.reject_z,
            )  # fmt: skip
            feats = feats - before
        else:
            feats = feats - self._baseline_de
        self.last_nonfinite = ~np.isfinite(check).all(axis=(1, 2))  # why a window was skipped
        valid &= np.isfinite(feats).all(axis=(1, 2)) & self._baseline_ok
        feats[~valid] = 0.0
        self._next_start += w * self.hop
        drop = min(self._next_start - self._consumed, self._signal.length)
        if drop > 0:
            self._signal.drop(drop)
            self._check.drop(drop)
            self._consumed += drop
        self.windows_done += w
        return to_grid(feats, self.cells), valid

    def _empty(self) -> tuple[np.ndarray, np.ndarray]:
        self.last_nonfinite = np.zeros(0, bool)
        bands = len(self.settings.bands)
        return np.zeros((0, bands, 9, 9), np.float32), np.zeros(0, bool)
