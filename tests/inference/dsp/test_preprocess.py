"""One preprocessing for files and streams: the band-pass against scipy, a recording processed
whole and the same samples streamed in random chunks give the same windows, and what amplifiers
add (DC offsets, mains, drift, a common signal) changes fewer than 10% of the emotions."""

from __future__ import annotations

import numpy as np
import pytest
from evoke_tools.artefacts import ARTEFACTS, add_artefact, artefact_shares, raw_trials
from scipy.signal import lfilter

from inference import BaselineChoice, PredictOptions, Recording, load_model, predict
from inference.dsp.electrodes import DEAP_EEG_CHANNELS
from inference.dsp.preprocess import Preprocessor, StreamFIR, bandpass_fir
from inference.errors import InputError
from inference.io.units import guess_scale, microvolt_scale
from inference.live.processor import LiveProcessor


def test_bandpass_response_and_output_against_scipy_lfilter() -> None:
    h = bandpass_fir(128.0, 4.0, 45.0, 97)
    freqs = np.fft.rfftfreq(8192, 1 / 128)
    gain = np.abs(np.fft.rfft(h, 8192))
    at = {f: float(gain[np.argmin(abs(freqs - f))]) for f in (0, 0.3, 8, 20, 40, 50, 60)}
    assert at[0] < 1e-12 and at[0.3] < 1e-3  # DC exactly rejected, drift nearly
    assert all(abs(at[f] - 1) < 0.01 for f in (8, 20, 40))  # flat passband
    assert at[50] < 1e-3 and at[60] < 1e-3  # mains below -60 dB
    x = np.random.default_rng(0).standard_normal((900, 3)) + 500.0
    np.testing.assert_allclose(
        StreamFIR(h).push(x)[200:], lfilter(h, 1.0, x, axis=0)[200:], rtol=1e-9, atol=1e-9
    )


def test_preprocessor_output_is_aligned_to_signal_time() -> None:
    """A 10 Hz burst comes out where it went in (the band-pass's delay is taken off)."""
    rate = 256.0
    t = np.arange(round(rate * 8)) / rate
    x = np.where((t > 4) & (t < 5), np.sin(2 * np.pi * 10 * t), 0.0)[:, None] * [1.0, -1.0] + 300.0
    raw, y = Preprocessor(rate, 128.0, 2, common_average=False).process(x)
    assert len(raw) == len(y) == round(8 * 128)
    envelope = np.abs(y[:, 0])
    onset = np.flatnonzero(envelope > 0.5)[0] / 128.0
    assert abs(onset - 4.0) < 0.05
    np.testing.assert_allclose(
        raw[:, 0], 300.0 + np.interp(np.arange(1024) / 128, t, x[:, 0] - 300.0), atol=0.2
    )


def test_a_recording_whole_and_streamed_give_the_same_windows() -> None:
    """Offline (one push of everything) and live (random chunks) on the same raw samples."""
    rate = 256.0
    x = raw_trials(1, 1, rate, seed=3)[0][: round(rate * 25)]
    x = add_artefact(x, "all", rate, np.random.default_rng(1))
    model = load_model()
    rec = Recording(x, DEAP_EEG_CHANNELS, rate, "raw", unit_known=True)
    # a 10 s calibration both ways: the robust baseline, outlier rejection included
    first_10s = BaselineChoice("first", seconds=10.0)
    options = PredictOptions(hop_s=0.25, mode="blend", baseline=first_10s)
    offline = predict(rec, model, options).timelines[0]
    live = LiveProcessor(model, DEAP_EEG_CHANNELS, rate, hop_s=0.25, calibration_s=10.0)
    rng = np.random.default_rng(2)
    cuts = np.cumsum(rng.integers(1, 90, size=len(x)))
    updates = [u for chunk in np.split(x, cuts[cuts < len(x)]) for u in live.push(chunk)]
    n = len(updates)
    assert n >= len(offline.t) - 3  # live lacks only the last windows, awaiting look-ahead
    raw_live = np.array([u.raw for u in updates])
    assert np.abs(raw_live - offline.raw_probs[:n]).max() < 1e-4
    assert np.abs(np.array([u.probs for u in updates]) - offline.probs[:n]).max() < 1e-4
    assert [u.emotion for u in updates] == offline.emotion[:n].tolist()
    # on the signal's clock: live t is the window's last sample, offline t its start, both from
    # the recording's start (the calibration moves the first window, not the clock)
    live_t = np.array([u.t for u in updates])
    assert offline.onset_s == 0.0 and offline.t[0] == 10.0
    np.testing.assert_allclose(live_t, offline.t[:n] + 127 / 128, atol=1e-6)


@pytest.mark.slow
def test_amplifier_artefacts_change_fewer_than_a_tenth_of_the_emotions() -> None:
    figures = artefact_shares(subjects=1, trials=3, rate=512.0, seed=11)
    assert figures["windows"] > 600
    for kind in ARTEFACTS:
        assert figures["changed_share"][kind] < 0.10, (kind, figures)
    # the control: without the preprocessing, a DC offset changes most windows
    assert figures["changed_share_without_preprocessing"]["dc_offset"] > 0.5


@pytest.mark.parametrize(
    ("unit", "scale"),
    [("uV", 1.0), ("µV", 1.0), ("microvolts", 1.0), ("mV", 1e3), ("V", 1e6), ("volts", 1e6),
     ("0", 1e6), ("-3", 1e3), ("-6", 1.0), ("degC", None), ("", None)],
)  # fmt: skip
def test_unit_names_and_mne_lsl_multipliers(unit: str, scale: float | None) -> None:
    assert microvolt_scale(unit) == scale


@pytest.mark.parametrize(("factor", "unit"), [(1.0, "uV"), (1e-3, "mV"), (1e-6, "V")])
def test_units_guessed_from_the_amplitude(factor: float, unit: str) -> None:
    for rate in (128.0, 512.0, 2048.0):
        x = raw_trials(1, 1, rate, seed=1)[0][: round(rate * 5)] + 5000.0  # with DC offsets
        scale, guessed = guess_scale(x * factor)
        assert guessed == unit and scale == pytest.approx(1 / factor)


@pytest.mark.parametrize("rate", [0.0001, 50.0, 1e6, float("nan")])
def test_implausible_rates_are_refused_before_anything_is_built(rate: float) -> None:
    with pytest.raises(InputError, match="sampling rate"):
        LiveProcessor(load_model(), DEAP_EEG_CHANNELS, rate)
    rec = Recording(np.zeros((1000, 32)), DEAP_EEG_CHANNELS, 128.0, "x.csv")
    object.__setattr__(rec, "rate", rate)
    with pytest.raises(InputError, match="sampling rate"):
        predict(rec, load_model())


@pytest.mark.parametrize("rate", [128.0, 512.0, 250.0])
def test_a_nan_spoils_only_the_outputs_whose_taps_reach_it(rate: float) -> None:
    """A one-sample glitch is lost for the band-pass's (and resampler's) reach around it, not
    for the whole block a matrix product computes at once (NaN * 0 is NaN)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((round(rate * 8), 3))
    at = round(rate * 4)
    x[at, 1] = np.nan
    raw, y = Preprocessor(rate, 128.0, 3).process(x)
    bad = np.flatnonzero(~np.isfinite(y).all(axis=1)) / 128.0
    reach = 0.375 + (0.0 if rate == 128.0 else 0.2)  # the FIR's half length (+ the resampler's)
    assert bad.size > 0 and bad.min() >= 4.0 - reach and bad.max() <= 4.0 + reach
    assert np.isfinite(y[: round(128 * (4.0 - reach)) - 1]).all()
    assert np.isfinite(y[round(128 * (4.0 + reach)) + 1 :]).all()
