"""Synthetic DEAP files: DEAP's exact format, EEG-like spectra, and the planted effects."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from evoke_tools import synthetic as synth_deap
from evoke_tools.synthetic import main, make_subject, write_deap_folder

from inference.dsp.electrodes import DEAP_EEG_CHANNELS
from inference.io.safe_pickle import load_pickle

RATE = 128.0
ONSET = 384


@pytest.fixture(scope="module")
def subject() -> tuple[np.ndarray, np.ndarray]:
    """A full 40-trial subject (the effect tests need trials to correlate across)."""
    return make_subject(1, seed=0)


def _band_power(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """Mean periodogram power in low..high Hz over the last axis."""
    freqs = np.fft.rfftfreq(x.shape[-1], 1.0 / RATE)
    power = np.abs(np.fft.rfft(x, axis=-1)) ** 2
    return power[..., (freqs >= low) & (freqs < high)].mean(axis=-1)


def _channels(names: tuple[str, ...]) -> list[int]:
    return [DEAP_EEG_CHANNELS.index(n) for n in names]


def test_files_have_deaps_exact_format(tmp_path: Path) -> None:
    paths = write_deap_folder(tmp_path, 2, seed=4, n_trials=2)
    assert [p.name for p in paths] == ["s01.dat", "s02.dat"]
    raw = paths[0].read_bytes()
    assert raw[:2] == b"\x80\x02"  # protocol 2, like Python 2's cPickle
    assert b"_codecs" not in raw  # bytes stored as Python 2 str, not Python 3 bytes
    with open(paths[0], "rb") as f:
        content = pickle.load(f, encoding="latin1")
    assert sorted(content) == ["data", "labels"]
    data, labels = content["data"], content["labels"]
    assert data.shape == (2, 40, 8064) and data.dtype == np.float64
    assert labels.shape == (2, 4) and labels.dtype == np.float64
    assert np.all((labels >= 1) & (labels <= 9))
    safe = load_pickle(paths[0])
    assert isinstance(safe, dict)
    np.testing.assert_array_equal(safe["data"], data)
    np.testing.assert_array_equal(safe["labels"], labels)


def test_mat_copies_hold_the_same_arrays(tmp_path: Path) -> None:
    from scipy.io import loadmat

    paths = write_deap_folder(tmp_path, [3], seed=4, mat=True, n_trials=1)
    assert [p.name for p in paths] == ["s03.dat", "s03.mat"]
    content = loadmat(paths[1])
    data, labels = make_subject(3, 4, n_trials=1)
    np.testing.assert_array_equal(content["data"], data)
    np.testing.assert_array_equal(content["labels"], labels)


def test_deterministic_per_seed_and_subject_k_uses_seed_plus_k() -> None:
    a = make_subject(2, seed=5, n_trials=2)
    b = make_subject(2, seed=5, n_trials=2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[0], make_subject(1, seed=6, n_trials=2)[0])
    assert not np.array_equal(a[0], make_subject(3, seed=5, n_trials=2)[0])


@pytest.mark.slow
def test_ratings_cover_the_scale_and_threshold_at_5_is_balanced(
    subject: tuple[np.ndarray, np.ndarray],
) -> None:
    labels = subject[1]
    assert labels.min() >= 1 and labels.max() <= 9
    high = (labels[:, :3] > 5).mean(axis=0)
    assert np.all((high > 0.2) & (high < 0.8))
    assert len(np.unique(labels)) > 100  # continuous, like DEAP's mouse ratings


@pytest.mark.slow
def test_amplitudes_look_like_eeg(subject: tuple[np.ndarray, np.ndarray]) -> None:
    eeg = subject[0][:, :32].astype(np.float64)
    rms = eeg.std(axis=-1)
    assert 5 < np.median(rms) < 60  # tens of microvolts
    np.testing.assert_allclose(eeg.mean(axis=1), 0.0, atol=1e-3)  # common average reference
    freqs = np.fft.rfftfreq(8064, 1.0 / RATE)
    power = (np.abs(np.fft.rfft(eeg, axis=-1)) ** 2).mean(axis=(0, 1))
    inside = power[(freqs >= 5) & (freqs <= 44)].mean()
    assert power[freqs < 3].mean() < 1e-3 * inside  # band-limited to 4-45 Hz
    assert power[freqs > 47].mean() < 1e-3 * inside


@pytest.mark.slow
def test_spectrum_has_posterior_alpha_and_falls_with_frequency(
    subject: tuple[np.ndarray, np.ndarray],
) -> None:
    eeg = subject[0][:, :32].astype(np.float64)
    occipital = eeg[:, _channels(("O1", "O2", "Oz"))]
    alpha = _band_power(occipital, 8, 12).mean()
    assert alpha > _band_power(occipital, 4, 7).mean()
    assert alpha > _band_power(occipital, 13, 20).mean()
    frontal = eeg[:, _channels(("Fp1", "Fp2", "AF3", "AF4"))]
    assert alpha > 2 * _band_power(frontal, 8, 12).mean()  # posterior-dominant
    assert _band_power(eeg, 4, 8).mean() > 5 * _band_power(eeg, 31, 45).mean()  # 1/f


@pytest.mark.slow
def test_peripheral_channels_are_plausible(subject: tuple[np.ndarray, np.ndarray]) -> None:
    other = subject[0][:, 32:].astype(np.float64)
    freqs = np.fft.rfftfreq(8064, 1.0 / RATE)
    spectrum = np.abs(np.fft.rfft(other - other.mean(axis=-1, keepdims=True), axis=-1))
    peak = freqs[spectrum.argmax(axis=-1)]  # (trials, 8)
    assert np.all((peak[:, 5] > 0.15) & (peak[:, 5] < 0.4))  # respiration
    assert np.all((peak[:, 6] > 0.9) & (peak[:, 6] < 1.4))  # plethysmograph pulse
    assert np.all((other[:, 7] > 28) & (other[:, 7] < 36))  # temperature
    assert np.all(other[:, 4] > 0)  # GSR level
    assert np.abs(other[:, 1]).max() > 100  # vEOG blinks


def _log_power(eeg: np.ndarray, names: tuple[str, ...], low: float, high: float) -> np.ndarray:
    return np.log(_band_power(eeg[:, _channels(names)], low, high)).mean(axis=1)


@pytest.mark.slow
def test_planted_effects_are_present_in_the_stimulus(
    subject: tuple[np.ndarray, np.ndarray],
) -> None:
    data, labels = subject
    stimulus = data[:, :32, ONSET:].astype(np.float64)
    asymmetry = _log_power(stimulus, synth_deap._RIGHT_FRONTAL, 8, 12) - _log_power(
        stimulus, synth_deap._LEFT_FRONTAL, 8, 12
    )
    assert np.corrcoef(labels[:, 0], asymmetry)[0, 1] > 0.3  # valence
    centro = synth_deap._CENTRO_PARIETAL
    beta_alpha = _log_power(stimulus, centro, 14, 31) - _log_power(stimulus, centro, 8, 12)
    assert np.corrcoef(labels[:, 1], beta_alpha)[0, 1] > 0.3  # arousal
    temporal_fast = _log_power(stimulus, ("T7", "T8"), 20, 45)
    midline_theta = _log_power(stimulus, ("Fz", "FC1", "FC2"), 4, 8)
    assert np.corrcoef(labels[:, 2], temporal_fast - midline_theta)[0, 1] > 0.3  # dominance


@pytest.mark.slow
def test_the_baseline_carries_no_effect(subject: tuple[np.ndarray, np.ndarray]) -> None:
    data, labels = subject
    eeg = data[:, :32].astype(np.float64)

    def slope(part: np.ndarray) -> float:
        asym = _log_power(part, synth_deap._RIGHT_FRONTAL, 8, 12) - _log_power(
            part, synth_deap._LEFT_FRONTAL, 8, 12
        )
        return float(np.polyfit(labels[:, 0], asym, 1)[0])

    # 3 s windows on both sides, so both estimates are equally noisy.
    assert abs(slope(eeg[..., :ONSET])) < 0.3 * slope(eeg[..., ONSET + 640 : ONSET + 1024])


def test_cli_writes_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "deap"
    assert main(["--out", str(out), "--subjects", "1", "--seed", "2", "--trials", "1"]) == 0
    assert (out / "s01.dat").is_file()
    assert "s01.dat" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--out", str(out), "--subjects", "0"])
