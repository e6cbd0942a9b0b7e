"""Temporal smoothing so a steady input never flickers the face, and a change still shows.

Two methods, each documented in the README (scripts/evoke.py bench_smoothing draws their curves):

`ema` (EMA + hysteresis + dwell):
1. EMA of the three VAD probabilities with time constant `tau_s` (0 = off).
2. Hysteresis per dimension: a bit turns on above 0.5 + h and off below 0.5 - h.
3. Dwell: a new emotion is shown only after it has been the candidate for `min_dwell_s`.
Invalid windows (NaN input, flat channels) repeat the last valid probabilities; before the first
valid window the probabilities are 0.5 (undecided) and the emotion is the table's all-low octant.

`hmm` (a Bayesian filter over the eight octants, `inference.emotion.octant_filter`): the
posterior after each window, with a switching prior of one change per `switch_s` seconds and
`evidence` windows' worth of belief per second. The candidate emotion is the posterior's best
octant once its probability reaches `confidence`; otherwise the last such one is held, but only
while its own posterior stays at `HOLD_FLOOR` or above (below it the face would contradict what
it prints: the best octant is the candidate instead); the all-low octant before any. Then the
same dwell, except that an emotion whose posterior has fallen below `HOLD_FLOOR` is never kept
by it (the candidate shows at once). The probabilities shown are the posterior's marginals, the blend weights the
posterior itself. It forgets its start, so when a session began does not matter.

`none`: no smoothing, explicitly: each window's own octant (the model's bits), no dwell;
invalid windows hold the last valid probabilities.

Hindsight (`smooth_offline(..., hindsight=True)`, `hmm` only: bakes, where the whole recording is
known): the posterior given every window (forward-backward), and a dwell that removes runs
shorter than `min_dwell_s` without delaying the ones it keeps, so a baked change lands where
the evidence changed instead of seconds later. Live use cannot look ahead: it is always causal.

`smooth_offline` handles a whole timeline with array operations; `StreamingSmoother` is the same
recursion one window at a time for live use. Tests hold the two equal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .octant_filter import OctantFilter, marginals, posteriors, smoothed_posteriors
from .table import OCTANT_BITS, EmotionTable

_BLOCK = 64  # EMA runs as a matrix product per block of windows
METHODS = ("ema", "hmm", "none")
HOLD_FLOOR = 0.25  # hmm: an emotion whose posterior falls below this is no longer held


@dataclass(frozen=True, kw_only=True)
class SmoothingSettings:
    """Keyword-only: SmoothingSettings(0, 0, 0) once meant "no smoothing"; say method="none"."""

    # hmm defaults from scripts/evoke.py bench_real_eeg and bench_smoothing (docs/real_eeg.md): of
    # a grid of switch time, evidence, confidence, dwell and HOLD_FLOOR, the setting whose face
    # changes at most once a minute on every non-reserved real recording and agrees most across
    # start shifts there; its held-out synthetic flicker is 0.63/min (reaction: see the docs)
    tau_s: float = 1.0  # ema
    hysteresis: float = 0.1  # ema
    min_dwell_s: float = 1.0  # hmm and ema
    method: str = "hmm"
    switch_s: float = 90.0  # hmm: expected seconds between changes of emotion
    evidence: float = 1.0  # hmm: windows' worth of belief per second
    confidence: float = 0.8  # hmm: posterior a new emotion needs before it is a candidate

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"smoothing must be one of {METHODS}, got {self.method!r}")
        for name, value, low, high in (
            ("tau", self.tau_s, 0.0, 3600.0),
            ("dwell", self.min_dwell_s, 0.0, 3600.0),
            ("switch time", self.switch_s, 0.1, 3600.0),
            ("evidence", self.evidence, 0.01, 100.0),
        ):
            if not (
                isinstance(value, int | float) and math.isfinite(value) and low <= value <= high
            ):
                raise ValueError(f"{name} must be a number in {low:g}..{high:g}, got {value}")
        h = self.hysteresis
        if not (isinstance(h, int | float) and math.isfinite(h) and 0 <= h < 0.5):
            raise ValueError(f"hysteresis must be a number in [0, 0.5), got {h}")
        c = self.confidence
        if not (isinstance(c, int | float) and math.isfinite(c) and 0.5 < c < 1):
            raise ValueError(f"confidence must be a number in (0.5, 1), got {c}")

    def ema_gain(self, dt: float) -> float:
        return 1.0 if self.tau_s == 0 else float(1.0 - np.exp(-dt / self.tau_s))

    def dwell_windows(self, dt: float) -> int:
        return max(1, int(np.ceil(self.min_dwell_s / dt - 1e-9)))


@dataclass(frozen=True)
class Smoothed:
    probs: np.ndarray  # (n, 3) smoothed P(valence), P(arousal), P(dominance)
    emotion: np.ndarray  # (n,) octant index after hysteresis and dwell
    confidence: np.ndarray  # (n,) P(shown octant) under the smoothed probabilities
    weights: np.ndarray  # (n, 8) blend weights: octant probabilities


def _hold_invalid(probs: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Replace invalid rows by the last valid row (0.5 before any)."""
    idx = np.where(valid, np.arange(len(valid)), -1)
    np.maximum.accumulate(idx, out=idx)
    held = np.where(idx[:, None] >= 0, probs[np.clip(idx, 0, None)], 0.5)
    return held


def _ema(x: np.ndarray, gain: float) -> np.ndarray:
    """y_t = (1-g) y_{t-1} + g x_t with y_{-1} = x_0, by blocks of matrix products."""
    if gain >= 1.0 or len(x) == 0:
        return x.copy()
    keep = 1.0 - gain
    lag = np.arange(_BLOCK)[:, None] - np.arange(_BLOCK)[None, :]
    mix = np.where(lag >= 0, gain * keep ** np.clip(lag, 0, None), 0.0)  # (B, B)
    decay = keep ** np.arange(1, _BLOCK + 1)  # (B,)
    out = np.empty_like(x)
    prev = x[0]
    for start in range(0, len(x), _BLOCK):  # blocks, not windows: len(x)/64 products
        block = x[start : start + _BLOCK]
        b = len(block)
        out[start : start + b] = mix[:b, :b] @ block + decay[:b, None] * prev
        prev = out[start + b - 1]
    return out


def _schmitt(p: np.ndarray, h: float) -> np.ndarray:
    """Per-column hysteresis: on above 0.5+h, off below 0.5-h, else keep (start: p0 > 0.5)."""
    on, off = p > 0.5 + h, p < 0.5 - h
    event = on | off
    event[0] = True
    first = p[0] > 0.5
    value = np.where(on, True, np.where(off, False, first))
    idx = np.where(event, np.arange(len(p))[:, None], 0)
    np.maximum.accumulate(idx, axis=0, out=idx)
    return np.take_along_axis(value, idx, axis=0)


def _dwell(candidate: np.ndarray, k: int) -> np.ndarray:
    """Accept a new label only after k consecutive windows of it."""
    n = len(candidate)
    if k <= 1 or n == 0:
        return candidate.copy()
    t = np.arange(n)
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = candidate[1:] != candidate[:-1]
    run_start = np.maximum.accumulate(np.where(new_run, t, 0))
    accept = (t - run_start == k - 1) | (t == 0)
    idx = np.maximum.accumulate(np.where(accept, t, 0))
    return candidate[idx]


def _finish(probs: np.ndarray, emotion: np.ndarray) -> Smoothed:
    weights = EmotionTable.octant_probabilities(probs)
    confidence = np.take_along_axis(weights, emotion[:, None], axis=1)[:, 0]
    return Smoothed(probs, emotion, confidence, weights)


def _confident(posterior: np.ndarray, confidence: float) -> np.ndarray:
    """The best octant wherever its posterior reaches `confidence`, else the last such one (the
    all-low octant before any) while its posterior stays >= HOLD_FLOOR, else the best."""
    best = posterior.argmax(axis=1)
    sure = posterior.max(axis=1) >= confidence
    idx = np.where(sure, np.arange(len(best)), -1)
    np.maximum.accumulate(idx, out=idx)
    held = np.where(idx >= 0, best[np.clip(idx, 0, None)], 0)
    kept = np.take_along_axis(posterior, held[:, None], axis=1)[:, 0] >= HOLD_FLOOR
    return np.where(kept, held, best)


def _dwell_hindsight(candidate: np.ndarray, k: int) -> np.ndarray:
    """Runs shorter than k windows take the last kept run's label; kept runs show from their
    first window (the first run is always kept, as live shows it at once)."""
    n = len(candidate)
    if k <= 1 or n == 0:
        return candidate.copy()
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = candidate[1:] != candidate[:-1]
    starts = np.flatnonzero(new_run)
    kept = np.diff(np.append(starts, n)) >= k
    kept[0] = True
    last_kept = np.maximum.accumulate(np.where(kept, np.arange(len(starts)), 0))
    return candidate[starts[last_kept[np.cumsum(new_run) - 1]]]


def smooth_offline(
    probs: np.ndarray,
    valid: np.ndarray,
    dt: float,
    settings: SmoothingSettings,
    *,
    hindsight: bool = False,
) -> Smoothed:
    """Smooth a whole timeline of raw probabilities (n, 3) sampled every dt seconds; hindsight:
    with the windows after each one too (`hmm` only; the others are the same either way)."""
    p = np.asarray(probs, dtype=np.float64).reshape(-1, 3)
    if len(p) == 0:
        empty = np.zeros(0, dtype=np.intp)
        return Smoothed(p, empty, np.zeros(0), np.zeros((0, 8)))
    v = np.asarray(valid, dtype=bool) & np.isfinite(p).all(axis=1)
    if settings.method == "hmm":
        args = (p, v, dt, settings.switch_s, settings.evidence)
        post = smoothed_posteriors(*args) if hindsight else posteriors(*args)
        dwell = _dwell_hindsight if hindsight else _dwell
        candidate = _confident(post, settings.confidence)
        emotion = dwell(candidate, settings.dwell_windows(dt))
        confidence = np.take_along_axis(post, emotion[:, None], axis=1)[:, 0]
        # the dwell never keeps an emotion its posterior has given up: the candidate shows now
        emotion = np.where(confidence < HOLD_FLOOR, candidate, emotion)
        confidence = np.take_along_axis(post, emotion[:, None], axis=1)[:, 0]
        return Smoothed(marginals(post), emotion, confidence, post)
    held = _hold_invalid(p, v)
    if settings.method == "none":
        return _finish(held, EmotionTable.index_of_bits(held > 0.5))
    smoothed = _ema(held, settings.ema_gain(dt))
    bits = _schmitt(smoothed, settings.hysteresis)
    emotion = _dwell(EmotionTable.index_of_bits(bits), settings.dwell_windows(dt))
    return _finish(smoothed, emotion)


class StreamingSmoother:
    """The same smoothing, one window at a time (live use, on Blender's main thread).

    Three numbers a step, so plain Python floats: numpy's cost per call would exceed the math.
    """

    def __init__(self, dt: float, settings: SmoothingSettings) -> None:
        self.settings = settings
        self.gain = settings.ema_gain(dt)
        self.dwell = settings.dwell_windows(dt)
        self.filter = OctantFilter(dt, settings.switch_s, settings.evidence)
        self.reset()

    def reset(self) -> None:
        self.last_valid = [0.5, 0.5, 0.5]
        self.value: list[float] | None = None
        self.bits = [False, False, False]
        self.shown = 0
        self.candidate = -1
        self.sure = 0  # hmm: the last confident octant
        self.run = 0
        self.filter.reset()

    def _show(self, candidate: int, first: bool) -> None:
        """Dwell: a new emotion shows once it has been the candidate for `dwell` windows."""
        self.run = self.run + 1 if candidate == self.candidate else 1
        self.candidate = candidate
        if first or self.run >= self.dwell:
            self.shown = candidate

    def _update_hmm(self, p: list[float], usable: bool) -> Smoothed:
        post = self.filter.update(p if usable else None)
        best = max(range(8), key=post.__getitem__)
        if post[best] >= self.settings.confidence:
            self.sure = best
        first = self.value is None
        self.value = [sum(x for x, bits in zip(post, OCTANT_BITS, strict=True) if bits[k])
                      for k in range(3)]  # fmt: skip
        candidate = self.sure if post[self.sure] >= HOLD_FLOOR else best
        self._show(candidate, first)
        shown = self.shown if post[self.shown] >= HOLD_FLOOR else candidate  # as offline
        return Smoothed(
            np.array([self.value]),
            np.array([shown], dtype=np.intp),
            np.array([post[shown]]),
            np.array([post]),
        )

    def update(self, probs: np.ndarray, valid: bool = True) -> Smoothed:
        p = np.asarray(probs, dtype=np.float64).reshape(3).tolist()
        usable = valid and all(map(math.isfinite, p))
        if self.settings.method == "hmm":
            return self._update_hmm(p, usable)
        if usable:
            self.last_valid = p
        first = self.value is None
        if self.settings.method == "none":
            self.value = list(self.last_valid)
            self.shown = EmotionTable.index_of(*(x > 0.5 for x in self.value))
            weights = EmotionTable.octant_probabilities_of(*self.value)
            return Smoothed(
                np.array([self.value]),
                np.array([self.shown], dtype=np.intp),
                np.array([weights[self.shown]]),
                np.array([weights]),
            )
        if self.value is None:
            self.value = list(self.last_valid)
            self.bits = [x > 0.5 for x in self.value]
        else:
            g = self.gain
            self.value = [y + g * (x - y) for y, x in zip(self.value, self.last_valid, strict=True)]
        high, low = 0.5 + self.settings.hysteresis, 0.5 - self.settings.hysteresis
        self.bits = [
            x > high or (x >= low and b) for x, b in zip(self.value, self.bits, strict=True)
        ]
        self._show(EmotionTable.index_of(*self.bits), first)
        weights = EmotionTable.octant_probabilities_of(*self.value)
        return Smoothed(
            np.array([self.value]),
            np.array([self.shown], dtype=np.intp),
            np.array([weights[self.shown]]),
            np.array([weights]),
        )
