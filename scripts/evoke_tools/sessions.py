"""Raw sessions as an amplifier records them: rest with blinks and alpha bursts, then trials.

A session of one synthetic subject (evoke_tools.synthetic): `rest_s` seconds of rest (the
subject's pre-trial seconds, one after another) followed by the videos of several trials, joined
with power-preserving crossfades; blinks on the frontal electrodes all through the rest and
densest in its first seconds, posterior alpha bursts (eyes closing for a moment) in its first
seconds; then resampled to an amplifier's rate, with what an amplifier adds (DC offsets, mains,
drift, a common signal: evoke_tools.artefacts). Microvolts, DEAP's 32 electrode names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.dsp.electrodes import DEAP_EEG_CHANNELS

RATE = 128.0
BASE = 384  # the generator's 3 s pre-trial baseline
FADE = 32  # samples of each crossfade (0.25 s)
# how much of a blink each electrode sees (the eyes are in front of Fp1/Fp2)
BLINK_WEIGHTS = {"Fp1": 1.0, "Fp2": 1.0, "AF3": 0.7, "AF4": 0.7, "F7": 0.4, "F8": 0.4,
                 "F3": 0.35, "F4": 0.35, "Fz": 0.35, "FC5": 0.15, "FC6": 0.15, "FC1": 0.15,
                 "FC2": 0.15}  # fmt: skip
ALPHA_WEIGHTS = {"O1": 1.0, "Oz": 1.0, "O2": 1.0, "PO3": 0.9, "PO4": 0.9, "P7": 0.7, "P8": 0.7,
                 "P3": 0.7, "Pz": 0.7, "P4": 0.7, "CP1": 0.3, "CP2": 0.3}  # fmt: skip


@dataclass(frozen=True)
class Session:
    samples: np.ndarray  # (n, 32) microvolts at `rate`
    rate: float
    rest_s: float  # where the first trial begins
    blinks_s: tuple[float, ...]  # blink times
    bursts_s: tuple[tuple[float, float], ...]  # alpha bursts (start, end)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """(samples, ch) parts end to end; each join a 0.25 s crossfade that keeps the variance of
    independent signals (cos / sin weights)."""
    theta = np.linspace(0, np.pi / 2, FADE)[:, None]
    out = parts[0]
    for part in parts[1:]:
        mixed = out[-FADE:] * np.cos(theta) + part[:FADE] * np.sin(theta)
        out = np.concatenate([out[:-FADE], mixed, part[FADE:]])
    return out


def _weights(table: dict[str, float]) -> np.ndarray:
    return np.array([table.get(name, 0.02) for name in DEAP_EEG_CHANNELS])


def add_blinks(x: np.ndarray, rate: float, times: np.ndarray, rng: np.random.Generator) -> None:
    """Blinks in place: 0.2-0.4 s bumps of 100-250 uV, strongest at Fp1/Fp2."""
    t = np.arange(len(x)) / rate
    weights = _weights(BLINK_WEIGHTS)
    for at in times:
        width, height = rng.uniform(0.05, 0.1), rng.uniform(100.0, 250.0)
        near = np.abs(t - at) < 5 * width
        x[near] += height * np.exp(-0.5 * ((t[near] - at) / width) ** 2)[:, None] * weights


def add_alpha_bursts(
    x: np.ndarray, rate: float, spans: list[tuple[float, float]], rng: np.random.Generator
) -> None:
    """Alpha bursts in place: 9.5-10.5 Hz, 20-40 uV, Hann envelope, posterior electrodes."""
    t = np.arange(len(x)) / rate
    weights = _weights(ALPHA_WEIGHTS)
    for start, end in spans:
        inside = (t >= start) & (t < end)
        envelope = np.hanning(int(inside.sum()))
        wave = np.sin(2 * np.pi * rng.uniform(9.5, 10.5) * t[inside] + rng.uniform(0, 6.3))
        x[inside] += (rng.uniform(20.0, 40.0) * envelope * wave)[:, None] * weights


def make_session(
    subject: int, seed: int, *, rest_s: float = 60.0, trials: int = 4, rate: float = 256.0
) -> Session:
    """One subject's raw session (see the module notes); reproducible from (subject, seed)."""
    from fractions import Fraction

    from scipy.signal import resample_poly

    from evoke_tools.artefacts import add_artefact
    from evoke_tools.synthetic import make_subject

    rests = round(rest_s / 3.0)
    data, _ = make_subject(subject, seed, n_trials=rests + trials)
    eeg = data[:, :32].transpose(0, 2, 1)  # (trials, samples, 32)
    parts = [trial[:BASE] for trial in eeg[:rests]] + [trial[BASE:] for trial in eeg[rests:]]
    clean = _joined(parts)
    rest_end = rests * BASE - (rests - 1) * FADE
    ratio = Fraction(rate / RATE).limit_denominator(1000)
    x = resample_poly(clean, ratio.numerator, ratio.denominator, axis=0)
    rng = np.random.default_rng(seed * 1000 + subject)
    rest = rest_end / RATE
    early = np.sort(rng.uniform(0.3, 8.0, 4))  # the first seconds: blinks settling in
    later = np.cumsum(rng.uniform(2.5, 6.0, 40))
    blinks = np.concatenate([early, later[later < rest - 0.5] + 8.0])
    blinks = blinks[blinks < rest - 0.5]
    bursts = [(1.0, 3.5), (5.0, 7.0), (rest * 0.6, rest * 0.6 + 2.5)]
    add_blinks(x, rate, blinks, rng)
    add_alpha_bursts(x, rate, bursts, rng)
    x = add_artefact(x, "all", rate, rng)
    return Session(x, rate, rest, tuple(blinks.tolist()), tuple(bursts))
