"""LiveProcessor: chunked live processing equals the offline definitions, whatever the chunking."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from inference import EvokeModel, load_model
from inference.dsp.electrodes import DEAP_EEG_CHANNELS
from inference.dsp.preprocess import StreamFIR, StreamResampler, bandpass_fir
from inference.dsp.resample import resample
from inference.dsp.trials import trial_features
from inference.errors import InputError
from inference.io.deap_files import read_recording
from inference.live.processor import LiveProcessor

EPOC = ("AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6", "F4", "F8", "AF4")


@pytest.fixture(scope="module")
def model() -> EvokeModel:
    return load_model()


def _live(model: EvokeModel, labels: Sequence[str], rate: float, **kwargs: Any) -> LiveProcessor:
    """A processor with a 3 s calibration (DEAP's own baseline length): the test signals are short."""
    return LiveProcessor(model, labels, rate, calibration_s=3.0, **kwargs)


def _chunks(x: np.ndarray, rng: np.random.Generator, high: int = 40) -> list[np.ndarray]:
    cuts = np.cumsum(rng.integers(1, high, size=len(x)))
    cuts = cuts[cuts < len(x)]
    return np.split(x, cuts)


def _noise(rng: np.random.Generator, n: int, ch: int) -> np.ndarray:
    return np.cumsum(rng.standard_normal((n, ch)), axis=0) * 0.5 + rng.standard_normal((n, ch)) * 10


@pytest.mark.parametrize("rate", [256.0, 250.0, 500.0, 1000.0])
@pytest.mark.parametrize("longest", [40, 900])  # live-sized chunks; chunks of several blocks
def test_stream_resampler_equals_offline(rate: float, longest: int) -> None:
    rng = np.random.default_rng(int(rate))
    x = _noise(rng, round(rate * 4), 3) + 4000.0  # with a DC offset, like a raw headset
    rs = StreamResampler(rate, 128.0)
    streamed = np.concatenate([rs.push(c) for c in _chunks(x, rng, high=longest)])
    offline = resample(x, rate, 128.0)
    skip = rs.taps  # the start differs by design (steady start instead of zero padding)
    assert len(streamed) > len(offline) - 2 * skip
    np.testing.assert_allclose(streamed[skip:], offline[skip : len(streamed)], rtol=1e-6)
    assert np.abs(streamed[:skip] - 4000.0).max() < 100  # no start-up step towards zero


def test_stream_fir_is_chunk_invariant_and_band_passes() -> None:
    rng = np.random.default_rng(1)
    h = bandpass_fir(128.0, 4.0, 45.0, 97)
    x = rng.standard_normal((1000, 2)) + 100.0
    whole = StreamFIR(h).push(x)
    fir = StreamFIR(h)
    parts = np.concatenate([fir.push(c) for c in _chunks(x, rng)])
    np.testing.assert_allclose(parts, whole, rtol=1e-12, atol=1e-9)  # rounding only
    np.testing.assert_allclose(whole[200:, 0], np.convolve(x[:, 0], h)[200:1000], rtol=1e-9)
    freqs = np.fft.rfftfreq(4096, 1 / 128)
    gain = np.abs(np.fft.rfft(h, 4096))
    assert gain[freqs < 1].max() < 0.05 and abs(gain[np.argmin(abs(freqs - 12))] - 1) < 0.02
    assert gain[freqs > 55].max() < 0.05


def test_live_features_equal_offline_trial_features(
    deap_two_trials: Path, model: EvokeModel
) -> None:
    rec = read_recording(deap_two_trials, trial=1)
    eeg = rec.samples[:, :32]  # 128 Hz, DEAP order: no resampling
    live = _live(model, DEAP_EEG_CHANNELS, 128.0, common_average=False, bandpass=False)
    rng = np.random.default_rng(2)
    grids, valids = [], []
    for chunk in _chunks(eeg[: 384 + 128 * 20], rng, high=100):
        g, v, _ = live.push_features(chunk)
        grids.append(g)
        valids.append(v)
    grid = np.concatenate(grids)
    offline, ok, _ = trial_features(eeg[: 384 + 128 * 20].T[None], model.features, hop_s=0.25)
    assert grid.shape == offline[0].shape and np.concatenate(valids).all() and ok.all()
    np.testing.assert_allclose(grid, offline[0], atol=1e-5, rtol=1e-5)


def test_random_chunks_equal_one_big_push(model: EvokeModel) -> None:
    rng = np.random.default_rng(3)
    rate, seconds = 250.0, 12
    labels = tuple(DEAP_EEG_CHANNELS[:20])
    x = _noise(rng, round(rate * seconds), len(labels)) + rng.uniform(-50, 50, len(labels))
    stamps = 500.0 + np.arange(len(x)) / rate

    one = _live(model, labels, rate)
    big = one.push(x, stamps)
    many = _live(model, labels, rate)
    small = []
    start = 0
    for chunk in _chunks(x, rng, high=30):
        small += many.push(chunk, stamps[start : start + len(chunk)])
        start += len(chunk)
    assert len(big) == len(small) == one.stats.windows > 20
    for a, b in zip(big, small, strict=True):
        assert a.t == pytest.approx(b.t, abs=1e-9) and a.emotion == b.emotion
        assert a.valid and b.valid
        np.testing.assert_allclose(a.raw, b.raw, rtol=1e-5)
        np.testing.assert_allclose(a.probs, b.probs, rtol=1e-5)
        np.testing.assert_allclose(a.weights, b.weights, rtol=1e-5, atol=1e-9)
    # t: the window's last sample on the pushed clock, 0.25 s apart
    assert np.allclose(np.diff([u.t for u in big]), 0.25)
    delay = one.resample_delay_s + one.bandpass_delay_s
    assert 0.3 < delay < 0.6
    # the first window's last sample is 3 s (calibration) + 1 s into the signal: outputs are
    # aligned to signal time, the filters' look-ahead shows in the latency, not in t
    assert big[0].t == pytest.approx(stamps[0] + 4.0 - 1 / 128, abs=1e-9)
    assert one.stats.latency_ms > 0 and many.stats.latency_p95_ms >= many.stats.latency_p50_ms


def test_nan_chunk_is_skipped_and_processing_continues(model: EvokeModel) -> None:
    rng = np.random.default_rng(4)
    x = _noise(rng, 128 * 12, 32)
    x[128 * 6 : 128 * 6 + 10, 5] = np.nan
    live = _live(model, DEAP_EEG_CHANNELS, 128.0)
    updates = []
    for chunk in np.array_split(x, 48):
        updates += live.push(chunk)
    valid = np.array([u.valid for u in updates])
    assert live.stats.windows == len(updates) and live.stats.windows_skipped == (~valid).sum() > 0
    assert valid[-4:].all() and valid[:4].all()  # before and after the gap
    held = [u for u in updates if not u.valid]
    assert all(np.isnan(u.raw).all() and np.isfinite(u.probs).all() for u in held)


def test_flat_channel_is_skipped_even_with_common_average(model: EvokeModel) -> None:
    rng = np.random.default_rng(5)
    x = _noise(rng, 128 * 8, 32)
    x[128 * 5 :, 3] = 12.0  # the electrode goes flat after the calibration
    live = _live(model, DEAP_EEG_CHANNELS, 128.0)
    updates = live.push(x)
    assert not updates[-1].valid and live.stats.windows_skipped > 0 and updates[0].valid


def test_epoc_layout_and_reset_stream(model: EvokeModel) -> None:
    rng = np.random.default_rng(6)
    live = _live(model, EPOC, 128.0, hop_s=0.5)
    assert len(live.stats.missing) == 18 and set(live.stats.matched) == set(EPOC)
    first = live.push(_noise(rng, 128 * 6, 14))  # 3 s calibration, then 2.625 s have an output
    assert live.stats.calibrated and len(first) == 4 and all(u.valid for u in first)
    live.reset_stream()
    assert live.stats.calibrated
    again = live.push(_noise(rng, 128 * 2, 14))  # no new calibration: windows after 1 s
    assert len(again) == 2 and all(np.isfinite(u.probs).all() for u in again)
    live.recalibrate()
    assert live.push(_noise(rng, 128 * 2, 14)) == [] and not live.stats.calibrated


def test_muse_is_refused_clearly(model: EvokeModel) -> None:
    with pytest.raises(InputError, match=r"only 0 of the 32 DEAP electrodes.*TP9, AF7, AF8, TP10"):
        LiveProcessor(model, ("TP9", "AF7", "AF8", "TP10"), 256.0)


def test_wrong_chunk_shape_is_refused(model: EvokeModel) -> None:
    live = _live(model, EPOC, 128.0)
    with pytest.raises(InputError, match=r"expected \(samples, 14\)"):
        live.push(np.zeros((4, 13)))


def test_a_volts_stream_is_guessed_and_drives_like_microvolts(model: EvokeModel) -> None:
    """A stream that names no unit and sends volts (as MNE does) gives the same windows as the
    same signal in microvolts, and says how its unit was found."""
    rng = np.random.default_rng(8)
    x = _noise(rng, 128 * 10, 32) + rng.uniform(-3000, 3000, 32)
    micro = _live(model, DEAP_EEG_CHANNELS, 128.0).push(x)
    guessed = _live(model, DEAP_EEG_CHANNELS, 128.0, unit_scale=None)
    volts = guessed.push(x * 1e-6)
    assert "read as V" in guessed.stats.unit_note and len(volts) == len(micro) > 5
    assert all(v.valid for v in volts)
    np.testing.assert_allclose([v.raw for v in volts], [m.raw for m in micro], atol=1e-4)


def test_skipped_windows_say_why(model: EvokeModel) -> None:
    rng = np.random.default_rng(9)
    x = _noise(rng, 128 * 8, 32)
    wrong = _live(model, DEAP_EEG_CHANNELS, 128.0, unit_scale=1.0)  # "microvolts", but volts
    wrong.push(x * 1e-6)
    assert wrong.stats.windows_skipped == wrong.stats.windows > 0
    assert "look like volts" in wrong.stats.skip_reason()
    nan = x.copy()
    nan[128 * 4 :, 2] = np.nan
    lost = _live(model, DEAP_EEG_CHANNELS, 128.0)
    lost.push(nan)
    assert lost.stats.skipped_nonfinite > 0 and "NaN" in lost.stats.skip_reason()
    flat = x.copy()
    flat[128 * 4 :, 2] = 7.0
    dead = _live(model, DEAP_EEG_CHANNELS, 128.0)
    dead.push(flat)
    assert dead.stats.skipped_flat > 0 and "flat" in dead.stats.skip_reason()
    fine = _live(model, DEAP_EEG_CHANNELS, 128.0)
    fine.push(x)
    assert fine.stats.windows > 0 and fine.stats.skip_reason() == ""
