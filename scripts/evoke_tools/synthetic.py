"""Synthetic DEAP subjects in DEAP's exact file format, with learnable but noisy emotion effects.

DEAP itself may not be redistributed, so tests, demos and CI train on these files instead.

Format (as `data_preprocessed_python/sXX.dat`): a protocol-2 pickle written the way Python 2
wrote it (byte strings as `str`), of a dict {'data': float64 (40 trials, 40 channels, 8064),
'labels': float64 (40, 4)}; valence, arousal, dominance, liking on a continuous 1..9 scale.
128 Hz, 3 s pre-trial baseline then 60 s of stimulus. `--mat` also writes `sXX.mat` (the same
two arrays, like DEAP's Matlab copies).

EEG (channels 1-32, Geneva order, microvolts, about 10-30 uV RMS): 1/f^beta background (beta
1..2 per subject), a posterior-dominant alpha rhythm at a subject-specific peak (8.5-11.5 Hz),
frontal-midline theta, beta and a little gamma, mixed between neighbouring electrodes (volume
conduction), white sensor noise, per-subject and per-channel gains and a common average
reference. Every component is band-limited to 4-45 Hz by masking its spectrum, as DEAP's
band-pass did.

Planted effects act only in the 60 s stimulus (from 3.0 s, ramping in over 0.5 s; the baseline
is untouched, so baseline removal helps). For each trial and dimension, e = s * u + N(0, 0.25)
with u = (rating - 5) / 4 in -1..1 and a per-subject strength s ~ U(0.4, 1.2) (some subjects
show weak effects); the noise term has nothing to do with the rating, so single windows and
even single trials mislead. Each effect multiplies a band's amplitude by exp(coefficient * e):

- valence, frontal alpha asymmetry: alpha at F3 F7 AF3 Fp1 FC5 FC1 x exp(-0.80 e_v), at F4 F8
  AF4 Fp2 FC6 FC2 x exp(+0.80 e_v): higher valence, less left alpha relative to right.
- arousal, over C3 Cz C4 CP1 CP2 CP5 CP6 P3 Pz P4: beta (14-31 Hz) x exp(+0.90 e_a) and alpha
  x exp(-0.55 e_a): higher arousal, a higher beta/alpha ratio.
- dominance: beta and gamma at T7 T8 x exp(+1.10 e_d); theta at Fz FC1 FC2 x exp(-0.90 e_d).

On top, every band varies by trial and channel (amplitude log-gain N(0, 0.12)), every trial by
an overall gain, and alpha drops by 10 % during every video. Ratings: uniform 1..9, a third
snapped near whole numbers; dominance correlates with valence (as in DEAP) and liking follows
valence. A ridge-regression probe on one subject's 1 s band-DE windows reaches 50-80 % (mean
about 67 %) per dimension on held-out trials. Subject k uses the seed seed + k (reproducible).

Channels 33-40: hEOG and vEOG slow waves (vEOG with blinks), zEMG and tEMG broadband noise,
GSR level with slow drift, respiration near 0.25 Hz, a plethysmograph pulse near 1.1 Hz, and
skin temperature near 32 (units as loose as DEAP's).
"""

from __future__ import annotations

import argparse
import pickle
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from inference.deap import BASELINE_S, N_SAMPLES, RATE  # DEAP's layout, one home
from inference.dsp.electrodes import DEAP_EEG_CHANNELS, grid_positions

N_EEG = 32

_LEFT_FRONTAL = ("F3", "F7", "AF3", "Fp1", "FC5", "FC1")
_RIGHT_FRONTAL = ("F4", "F8", "AF4", "Fp2", "FC6", "FC2")
_CENTRO_PARIETAL = ("C3", "Cz", "C4", "CP1", "CP2", "CP5", "CP6", "P3", "Pz", "P4")
_TEMPORAL = ("T7", "T8")
_FRONTAL_MIDLINE = ("Fz", "FC1", "FC2")
_POSTERIOR = ("O1", "Oz", "O2", "PO3", "PO4", "P7", "P3", "Pz", "P4", "P8")

# Effect sizes (amplitude log-gain at |u| = 1 and subject strength 1) and noise, see docstring.
VALENCE_ALPHA = 0.80
AROUSAL_BETA = 0.90
AROUSAL_ALPHA = 0.55
DOMINANCE_FAST = 1.10
DOMINANCE_THETA = 0.90
TRIAL_EFFECT_NOISE = 0.25
TRIAL_BAND_NOISE = 0.12
STRENGTH = (0.4, 1.2)  # per-subject effect strength range
POSTERIOR_ALPHA = 16.0  # alpha RMS (uV) at O1 Oz O2 PO3 PO4 P7 P3 Pz P4 P8 sources
FRONTAL_ALPHA = 5.0  # alpha RMS (uV) elsewhere

_FREQS = np.fft.rfftfreq(N_SAMPLES, 1.0 / RATE)


def _mask(names: Sequence[str]) -> np.ndarray:
    """1.0 at the named EEG channels, 0.0 elsewhere, shape (32,)."""
    return np.isin(np.array(DEAP_EEG_CHANNELS), names).astype(np.float64)


def _band(low: float, high: float, edge: float = 1.0) -> np.ndarray:
    """A spectral window: 1 inside low..high Hz, raised-cosine edges `edge` Hz wide outside."""
    f = _FREQS
    rise = np.clip((f - (low - edge)) / edge, 0.0, 1.0)
    fall = np.clip(((high + edge) - f) / edge, 0.0, 1.0)
    return (0.5 - 0.5 * np.cos(np.pi * rise)) * (0.5 - 0.5 * np.cos(np.pi * fall))


_PASSBAND = _band(4.0, 45.0, edge=0.5)  # DEAP's 4-45 Hz band-pass, as a spectral mask


def _unit_rms(shape: np.ndarray) -> np.ndarray:
    """Scale an amplitude spectrum so that complex white noise shaped by it has unit RMS."""
    return shape * N_SAMPLES / np.sqrt(4.0 * np.sum(shape**2, axis=-1, keepdims=True))


def _noise(rng: np.random.Generator, lead: tuple[int, ...], spectrum: np.ndarray) -> np.ndarray:
    """Gaussian noise with the given amplitude spectrum (unit-RMS scaled), shape lead + (T,)."""
    size = (*lead, _FREQS.size)
    real = rng.standard_normal(size, dtype=np.float32)
    imag = rng.standard_normal(size, dtype=np.float32)
    return np.fft.irfft((real + 1j * imag) * _unit_rms(spectrum), n=N_SAMPLES, axis=-1)


def _stimulus_ramp() -> np.ndarray:
    """0 during the baseline, rising over 0.5 s to 1 at stimulus onset: where effects apply."""
    t = np.arange(N_SAMPLES) / RATE
    return np.clip((t - BASELINE_S) / 0.5, 0.0, 1.0)


def _ratings(rng: np.random.Generator, n_trials: int) -> np.ndarray:
    """(n_trials, 4) valence, arousal, dominance, liking: continuous 1..9 with some clustering."""
    raw = rng.uniform(1.0, 9.0, size=(n_trials, 4))
    snap = rng.random((n_trials, 4)) < 1 / 3
    raw = np.where(snap, np.round(raw) + rng.normal(0.0, 0.08, raw.shape), raw)
    raw[:, 2] = 0.4 * raw[:, 0] + 0.6 * raw[:, 2]  # dominance follows valence a little
    raw[:, 3] = raw[:, 0] + rng.normal(0.0, 1.2, n_trials)  # liking follows valence
    return np.clip(raw, 1.0, 9.0)


def _mixing(rng: np.random.Generator) -> np.ndarray:
    """(32, 32) volume-conduction mixing: each electrode sees its grid neighbours a little."""
    rows, cols = grid_positions()
    d2 = (rows[:, None] - rows[None, :]) ** 2 + (cols[:, None] - cols[None, :]) ** 2
    spread = np.exp(-d2 / 2.0) * rng.uniform(0.9, 1.1, size=d2.shape)
    return 0.6 * np.eye(N_EEG) + 0.4 * spread / spread.sum(axis=1, keepdims=True)


def _eeg(rng: np.random.Generator, ratings: np.ndarray) -> np.ndarray:
    """(n_trials, 32, 8064) EEG in microvolts with the planted effects (see module docstring)."""
    n = ratings.shape[0]
    u = (ratings[:, :3] - 5.0) / 4.0  # (n, 3) valence, arousal, dominance in -1..1
    strength = rng.uniform(*STRENGTH, size=3)  # per subject: some subjects show weaker effects
    alpha_peak = rng.uniform(8.5, 11.5)
    beta_exp = rng.uniform(1.0, 2.0) + rng.normal(0.0, 0.1, size=N_EEG)

    def effect(k: int) -> np.ndarray:  # (n,) rating term plus rating-unrelated trial noise
        return strength[k] * u[:, k] + rng.normal(0.0, TRIAL_EFFECT_NOISE, n)

    v, a, d = effect(0), effect(1), effect(2)
    left, right = _mask(_LEFT_FRONTAL), _mask(_RIGHT_FRONTAL)
    centro, temporal, midline = _mask(_CENTRO_PARIETAL), _mask(_TEMPORAL), _mask(_FRONTAL_MIDLINE)
    # Stimulus-period log-gains per band, (n, 32); the N(0, .) terms vary by trial and channel.
    jitter = rng.normal(0.0, TRIAL_BAND_NOISE, size=(4, n, N_EEG))
    gain_alpha = (
        VALENCE_ALPHA * v[:, None] * (right - left)
        - AROUSAL_ALPHA * a[:, None] * centro
        - 0.1  # watching a video desynchronises alpha a little in every trial
        + jitter[0]
    )
    gain_beta = (
        AROUSAL_BETA * a[:, None] * centro + DOMINANCE_FAST * d[:, None] * temporal + jitter[1]
    )
    gain_theta = -DOMINANCE_THETA * d[:, None] * midline + jitter[2]
    gain_gamma = DOMINANCE_FAST * d[:, None] * temporal + jitter[3]
    ramp = _stimulus_ramp()

    def rhythm(spectrum: np.ndarray, rms: np.ndarray, log_gain: np.ndarray) -> np.ndarray:
        envelope = 1.0 + (np.exp(log_gain)[..., None] - 1.0) * ramp  # (n, 32, T)
        return _noise(rng, (n, N_EEG), spectrum) * (rms[:, None] * envelope)

    posterior = _mask(_POSTERIOR)
    frontal = left + right + _mask(("Fz",))
    f = np.maximum(_FREQS, 1.0)
    sources = _noise(rng, (n, N_EEG), f[None, :] ** (-beta_exp[:, None] / 2.0) * _PASSBAND) * 11.0
    sources += rhythm(
        np.exp(-0.5 * ((_FREQS - alpha_peak) / 0.9) ** 2) * _PASSBAND,
        FRONTAL_ALPHA + (POSTERIOR_ALPHA - FRONTAL_ALPHA) * posterior,
        gain_alpha,
    )
    sources += rhythm(_band(4.5, 7.5) * _PASSBAND, 2.0 + 2.5 * midline + frontal, gain_theta)
    sources += rhythm(_band(14.0, 31.0), np.full(N_EEG, 3.0), gain_beta)
    sources += rhythm(_band(31.0, 44.0), 1.2 + 1.3 * temporal, gain_gamma)

    eeg = np.einsum("ij,njt->nit", _mixing(rng), sources)
    eeg += _noise(rng, (n, N_EEG), _PASSBAND) * 1.5  # sensor noise, band-limited like the rest
    eeg *= (rng.uniform(1.4, 2.8) * rng.lognormal(0.0, 0.15, N_EEG))[:, None]  # subject, channel
    eeg *= rng.lognormal(0.0, 0.1, n)[:, None, None]  # the whole trial, baseline included
    return eeg - eeg.mean(axis=1, keepdims=True)  # common average reference


def _peripheral(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 8, 8064): hEOG, vEOG, zEMG, tEMG, GSR, respiration, plethysmograph, temperature."""
    t = np.arange(N_SAMPLES) / RATE
    slow = np.exp(-0.5 * (_FREQS / 0.6) ** 2)  # below ~1 Hz
    eog = _noise(rng, (n, 2), slow) * np.array([40.0, 30.0])[:, None]
    # Blinks: random impulses (about one per 4 s) smoothed into ~0.2 s bumps of 100-200 uV.
    spikes = (rng.random((n, N_SAMPLES)) < 0.25 / RATE) * rng.uniform(100.0, 200.0, (n, N_SAMPLES))
    width = 0.04  # s, standard deviation of the Gaussian bump; its peak is scaled to 1
    bump = np.exp(-0.5 * (2 * np.pi * _FREQS * width) ** 2) * np.sqrt(2 * np.pi) * width * RATE
    eog[:, 1] += np.fft.irfft(np.fft.rfft(spikes, axis=-1) * bump, n=N_SAMPLES, axis=-1)
    emg = _noise(rng, (n, 2), _band(20.0, 60.0, edge=4.0)) * np.array([6.0, 4.0])[:, None]
    gsr = rng.uniform(800.0, 1500.0) + _noise(rng, (n,), np.exp(-0.5 * (_FREQS / 0.1) ** 2)) * 25.0
    resp_f = rng.uniform(0.2, 0.33, (n, 1))
    resp = 1000.0 + 300.0 * np.sin(2 * np.pi * resp_f * t + rng.uniform(0, 2 * np.pi, (n, 1)))
    pulse_f = rng.uniform(1.0, 1.3, (n, 1))
    phase = 2 * np.pi * pulse_f * t + rng.uniform(0, 2 * np.pi, (n, 1))
    pleth = 2000.0 + 400.0 * (np.sin(phase) + 0.5 * np.sin(2 * phase) + 0.2 * np.sin(3 * phase))
    temp = rng.uniform(30.0, 34.0) + rng.uniform(-0.1, 0.1, (n, 1)) * t / t[-1]
    rest = np.stack([gsr, resp, pleth, temp + 0.005 * rng.standard_normal((n, N_SAMPLES))], 1)
    return np.concatenate([eog, emg, rest], axis=1)


def make_subject(subject: int, seed: int, n_trials: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """One synthetic subject: data float64 (as real DEAP) (n_trials, 40, 8064), labels float64 (n_trials, 4)."""
    if n_trials < 1:
        raise ValueError(f"n_trials must be at least 1, got {n_trials}")
    rng = np.random.default_rng(seed + subject)
    labels = _ratings(rng, n_trials)
    eeg = _eeg(rng, labels)
    data = np.concatenate([eeg, _peripheral(rng, n_trials)], axis=1).astype(np.float64)
    return data, labels


class _Python2Pickler(pickle._Pickler):
    """Writes text and bytes as Python 2 `str` (BINSTRING), as DEAP's cPickle files hold them."""

    dispatch: ClassVar[dict[Any, Any]] = dict(pickle._Pickler.dispatch)

    def save_py2_str(self, obj: str | bytes) -> None:
        raw = obj.encode("latin1") if isinstance(obj, str) else obj
        if len(raw) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(raw)]) + raw)  # type: ignore[attr-defined]
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(raw)) + raw)  # type: ignore[attr-defined]
        self.memoize(obj)  # type: ignore[attr-defined]

    dispatch[str] = save_py2_str
    dispatch[bytes] = save_py2_str


def write_dat(path: Path, data: np.ndarray, labels: np.ndarray) -> None:
    """Write one DEAP-format `.dat` (protocol-2, Python 2 style pickle)."""
    with open(path, "wb") as f:
        _Python2Pickler(f, protocol=2).dump({"data": data, "labels": labels})


def write_deap_folder(
    out: str | Path, subjects: int | Sequence[int], seed: int, mat: bool = False, n_trials: int = 40
) -> list[Path]:
    """Write sXX.dat (and sXX.mat) for subjects 1..N (an int) or the listed subject numbers."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    numbers = range(1, subjects + 1) if isinstance(subjects, int) else subjects
    # The training companion reads this marker (evoke_training.provenance: `key: value` lines) so
    # that a model trained here says it saw synthetic data, from which generator and seed.
    (folder / "SYNTHETIC.txt").write_text(
        "Synthetic DEAP-format data written by scripts/evoke.py synth_deap; not real EEG.\n"
        f"generator: evoke_tools.synthetic\nseed: {seed}\n"
    )
    written: list[Path] = []
    for k in numbers:
        data, labels = make_subject(k, seed, n_trials)
        dat = folder / f"s{k:02d}.dat"
        write_dat(dat, data, labels)
        written.append(dat)
        if mat:
            from scipy.io import savemat

            savemat(folder / f"s{k:02d}.mat", {"data": data, "labels": labels})
            written.append(folder / f"s{k:02d}.mat")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", required=True, type=Path, help="folder to write sXX.dat into")
    parser.add_argument("--subjects", type=int, default=32, help="subjects 1..N (default 32)")
    parser.add_argument("--seed", type=int, default=0, help="subject k uses seed + k")
    parser.add_argument("--trials", type=int, default=40, help="trials per subject (DEAP: 40)")
    parser.add_argument("--mat", action="store_true", help="also write sXX.mat (needs scipy)")
    args: Any = parser.parse_args(argv)
    if not 1 <= args.subjects <= 99 or args.trials < 1:
        parser.error("--subjects must be 1..99 and --trials at least 1")
    for path in write_deap_folder(args.out, args.subjects, args.seed, args.mat, args.trials):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
