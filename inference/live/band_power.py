"""Band powers of the live EEG as BrainFlowsIntoVRChat (BFiVRC) computes them, in our own code.

BFiVRC (ChilloutCharles/BrainFlowsIntoVRChat, `logic/power_bands.py`, `neuro_feedback.py`)
takes the last 2 s of every EEG channel, BrainFlow's average band powers (delta 2-4, theta 4-8,
alpha 8-13, beta 13-30, gamma 30-45 Hz; each channel's five powers divided by their sum, then
averaged over the channels of a location), for the left (odd-numbered electrodes), the right
(even) and all channels; smooths each with an exponential moving average (its default: weight
1/60 at 60 Hz, a time constant of about 1 s); and derives

    Focus = tanh(1.1 * (beta / theta - 1)),  Relax = tanh(1.1 * (alpha / theta - 1))

with `Pos` twins (x + 1) / 2. Here: the same bands, locations, normalisation, smoothing and
formulas on a Hann-windowed, linearly detrended periodogram of the 2 s (BrainFlow's own spectrum
differs in detail: Welch segments, its own filters and denoising). Midline electrodes (Fz, Cz)
count in `Avg` only. Vectorised over channels and bands.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WINDOW_S = 2.0  # BFiVRC's --window-seconds default
TAU_S = 1.0  # BFiVRC's --ema-decay 1 at --refresh-rate 60: weight 1/60 each 1/60 s
SCALE = 1.1  # BFiVRC's normalize_scale
BANDS = (("Delta", 2.0, 4.0), ("Theta", 4.0, 8.0), ("Alpha", 8.0, 13.0), ("Beta", 13.0, 30.0),
         ("Gamma", 30.0, 45.0))  # fmt: skip
BAND_NAMES = tuple(b[0] for b in BANDS)
LOCATIONS = ("Left", "Right", "Avg")


@dataclass(frozen=True)
class BandPowers:
    """Relative band powers (0..1, a location's five sum to 1), smoothed, by location."""

    powers: np.ndarray  # (3 locations, 5 bands); NaN where a location has no electrode

    def band(self, location: str, band: str) -> float:
        return float(self.powers[LOCATIONS.index(location), BAND_NAMES.index(band)])

    def focus(self, location: str) -> float:
        return _ratio(self.band(location, "Beta"), self.band(location, "Theta"))

    def relax(self, location: str) -> float:
        return _ratio(self.band(location, "Alpha"), self.band(location, "Theta"))


def _ratio(numerator: float, denominator: float) -> float:
    """BFiVRC's tanh_normalize(n / d, 1.1, -1); 0 (undecided) where it is not a number."""
    if not (math.isfinite(numerator) and math.isfinite(denominator)) or denominator <= 0:
        return 0.0
    return math.tanh(SCALE * (numerator / denominator - 1.0))


def side_of(label: str) -> int:
    """0 left (odd number: Fp1, C3), 1 right (even: F4), 2 midline or unnumbered (Fz)."""
    digits = "".join(c for c in label if c.isdigit())
    if not digits:
        return 2
    return 0 if int(digits) % 2 else 1


def relative_band_powers(x: np.ndarray, rate: float) -> np.ndarray:
    """(samples, channels) -> (channels, 5) band powers, each channel's divided by its sum."""
    n = x.shape[0]
    t = np.arange(n, dtype=np.float64)
    design = np.column_stack([np.ones(n), t])
    coef, *_ = np.linalg.lstsq(design, x, rcond=None)  # linear detrend, all channels at once
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * t / n)  # periodic Hann, as spectral estimators use
    y = (x - design @ coef) * hann[:, None]
    psd = np.abs(np.fft.rfft(y, axis=0)) ** 2  # (freqs, channels)
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    edges = np.array([(lo, hi) for _, lo, hi in BANDS])
    member = (freqs[None, :] >= edges[:, :1]) & (freqs[None, :] < edges[:, 1:])  # (5, freqs)
    powers = (member.astype(np.float64) @ psd).T  # (channels, 5)
    total = powers.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, powers / total, np.nan)


class BandPowerTracker:
    """The last `WINDOW_S` seconds of the matched electrodes -> smoothed `BandPowers`."""

    def __init__(
        self, labels: Sequence[str], columns: np.ndarray, rate: float, hop_s: float
    ) -> None:
        """labels: the electrodes' 10-20 names; columns: where each is in the source's samples."""
        self.columns = np.asarray(columns, dtype=np.intp)
        self.rate, self.hop_s = float(rate), float(hop_s)
        self.size = max(int(round(WINDOW_S * rate)), 8)
        sides = np.array([side_of(lb) for lb in labels], dtype=np.intp)
        # (3, channels): which channels each location averages (Avg: all)
        self.locations = np.stack([sides == 0, sides == 1, np.ones(len(sides), bool)]).astype(
            np.float64
        )
        self.current: BandPowers | None = None
        self.reset()

    def reset(self) -> None:
        """Forget the signal (a dropout); the smoothed powers stay until new ones come."""
        self.buffer = np.zeros((self.size, len(self.columns)))
        self.filled = 0

    def push(self, samples: np.ndarray, updates: int) -> None:
        """New samples (source rate, all source channels, microvolts); `updates`: windows that
        completed with them (the powers follow the emotion's pace)."""
        x = np.asarray(samples, dtype=np.float64)[:, self.columns][-self.size :]
        k = x.shape[0]
        self.buffer = np.concatenate([self.buffer[k:], x])
        self.filled = min(self.size, self.filled + k)
        if updates and self.filled == self.size and np.isfinite(self.buffer).all():
            self._update(updates * self.hop_s)

    def _update(self, elapsed_s: float) -> None:
        per_channel = relative_band_powers(self.buffer, self.rate)  # (channels, 5)
        ok = np.isfinite(per_channel).all(axis=1)
        weights = self.locations * ok[None, :]
        counts = weights.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            target = (weights @ np.nan_to_num(per_channel)) / counts  # NaN: no electrode there
        if self.current is None:
            smoothed = target
        else:
            w = 1.0 - math.exp(-elapsed_s / TAU_S)
            old = self.current.powers
            smoothed = np.where(np.isfinite(old), (1 - w) * old + w * target, target)
        self.current = BandPowers(smoothed)
