"""Features from a stream of samples, window by window, equal to the offline path.

Samples arrive already in DEAP electrode order at the feature rate (the live driver matches
channels and resamples before pushing). A ring buffer keeps only what the next window needs.
"""

from __future__ import annotations

import numpy as np

from .features import (
    N_ELECTRODES,
    FeatureSettings,
    band_features,
    baseline_signal,
    to_grid,
    window_validity,
)


class StreamingFeatures:
    """push() samples; get grid features for every window completed since the last push."""

    def __init__(
        self, settings: FeatureSettings, hop_s: float, present: np.ndarray | None = None
    ) -> None:
        self.settings = settings
        self.n = settings.window_samples
        self.hop = round(hop_s * settings.rate)
        if self.hop < 1:
            raise ValueError("hop must be at least one sample")
        self.present = np.ones(N_ELECTRODES, bool) if present is None else np.asarray(present, bool)
        self._baseline_de: np.ndarray | None = None
        self._baseline_ok = False
        self.reset_stream()

    def reset_stream(self) -> None:
        """Forget buffered samples (after a dropout); keeps the baseline."""
        self._buffer = np.zeros((0, N_ELECTRODES), dtype=np.float32)
        self._consumed = 0  # absolute index of the buffer's first sample
        self._next_start = 0  # absolute start of the next window
        self.windows_done = 0

    @property
    def has_baseline(self) -> bool:
        return self._baseline_de is not None

    def set_baseline(self, rest: np.ndarray) -> None:
        """Rest recording, (baseline_s * rate, 32) samples: averaged into one window, like DEAP."""
        need = self.n * self.settings.baseline_segments
        rest = np.asarray(rest, dtype=np.float32)
        if rest.shape != (need, N_ELECTRODES):
            raise ValueError(f"baseline must be ({need}, {N_ELECTRODES}) samples, got {rest.shape}")
        base = baseline_signal(rest.T[self.present], self.settings)  # (channels, n)
        self._baseline_ok = bool(window_validity(base))
        self._baseline_de = band_features(base, self.settings)

    def push(self, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Append (k, 32) samples; return (grid (w, bands, 9, 9), valid (w,)) of completed windows."""
        if self._baseline_de is None:
            raise RuntimeError("set_baseline() (calibration) must come before push()")
        chunk = np.asarray(samples, dtype=np.float32).reshape(-1, N_ELECTRODES)
        self._buffer = np.concatenate([self._buffer, chunk])
        end = self._consumed + len(self._buffer)
        last_start = end - self.n
        if last_start < self._next_start:
            return self._empty()
        starts = np.arange(self._next_start, last_start + 1, self.hop) - self._consumed
        view = np.lib.stride_tricks.sliding_window_view(
            self._buffer.T[self.present], self.n, axis=-1
        )
        windows = view[:, starts].transpose(1, 0, 2)  # (w, channels, n)
        valid = window_validity(windows) & self._baseline_ok
        feats = band_features(windows, self.settings) - self._baseline_de
        feats[~valid] = 0.0
        full = np.zeros((len(starts), N_ELECTRODES, feats.shape[-1]), dtype=np.float32)
        full[:, self.present] = feats
        self._next_start = int(starts[-1] + self._consumed + self.hop)
        drop = min(self._next_start - self._consumed, len(self._buffer))
        if drop > 0:
            self._buffer = self._buffer[drop:]
            self._consumed += drop
        self.windows_done += len(starts)
        return to_grid(full), valid

    def _empty(self) -> tuple[np.ndarray, np.ndarray]:
        bands = len(self.settings.bands)
        return np.zeros((0, bands, 9, 9), np.float32), np.zeros(0, bool)
