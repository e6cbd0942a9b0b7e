"""The adapting baseline: the recursion written out, offline equal to live, and what it is for
(a slow drift of amplitude over a long session)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from evoke_tools.sessions import make_session

from inference import BaselineChoice, PredictOptions, Recording, load_model, predict
from inference.dsp import adaptation
from inference.dsp.adaptation import AdaptState
from inference.dsp.baseline import estimate_baseline
from inference.dsp.electrodes import DEAP_EEG_CHANNELS
from inference.dsp.features import FeatureSettings
from inference.live.processor import LiveProcessor

SETTINGS = FeatureSettings()


def test_follow_is_the_moving_average_of_the_accepted_windows() -> None:
    """Against the recursion written out window by window: accepted windows (valid, finite, no
    electrode above the rest's amplitude moved by the baseline's own shift at the block's
    start) move it, others do not; in one call or in pieces, as live pushes them."""
    rng = np.random.default_rng(0)
    n, ch, bands = 700, 3, 4  # several blocks
    features = rng.normal(2.0, 0.5, (n, ch, bands)) + np.linspace(0, 1, n)[:, None, None]
    valid = rng.random(n) > 0.1
    features[5] = np.nan  # a window with no features never moves it
    log_var = rng.normal(0.0, 0.2, (n, ch)) + np.linspace(0, 1.4, n)[:, None]  # drifting up
    log_var[100:110, 1] += 5.0  # a burst
    est = estimate_baseline(rng.normal(0, 10, (ch, 128 * 30)).astype(np.float32), SETTINGS)
    est = replace(est, de=rng.normal(size=(ch, bands)).astype(np.float32),
                  single_offset=rng.normal(size=(ch, bands)).astype(np.float32) * 0.1,
                  log_var_centre=np.zeros(ch), log_var_spread=np.full(ch, 0.2))  # fmt: skip
    g, z = 0.01, 5.0
    before, end = adaptation.follow(features, valid, log_var, est, AdaptState.start(est), g, z)
    b = est.de.astype(np.float64)
    block_start = b.copy()
    accepted = 0
    for k in range(n):  # the recursion, window by window
        if k % 256 == 0:
            block_start = b.copy()
        np.testing.assert_allclose(before[k], b, atol=1e-5)
        moved = (block_start - est.de).mean(axis=-1) * 2 * np.log(2)
        quiet = np.all((log_var[k] - moved) / 0.2 <= z)
        if valid[k] and np.isfinite(features[k]).all() and quiet:
            b = b + g * (features[k] - est.single_offset - b)
            accepted += 1
    np.testing.assert_allclose(end.current.reshape(ch, bands), b, atol=1e-9)
    assert 500 < accepted < n - 50  # the burst and the invalid windows were left out
    state, parts = AdaptState.start(est), []
    for cut in np.array_split(np.arange(n), 37):  # pieces, as live pushes come
        part, state = adaptation.follow(features[cut], valid[cut], log_var[cut], est, state, g, z)
        parts.append(part)
    np.testing.assert_allclose(np.concatenate(parts), before, atol=1e-5)


@pytest.fixture(scope="module")
def drifting() -> tuple[np.ndarray, float]:
    """A raw session whose amplitude grows to twice over its length (electrode contact
    drying, say): after a while, a fixed baseline reads every window as 'more power'."""
    s = make_session(4, seed=2, rest_s=45.0, trials=2)
    return s.samples * np.linspace(1.0, 2.0, len(s.samples))[:, None], s.rate


@pytest.mark.slow
def test_offline_equals_live_and_the_drift_is_followed(drifting: tuple[np.ndarray, float]) -> None:
    x, rate = drifting
    model = load_model()
    choice = BaselineChoice("first", seconds=30.0, adapt_s=20.0)
    rec = Recording(x, DEAP_EEG_CHANNELS, rate, "drift", unit_known=True)
    tl = predict(rec, model, PredictOptions(hop_s=0.25, mode="blend", baseline=choice)).timelines[0]
    live = LiveProcessor(model, DEAP_EEG_CHANNELS, rate, hop_s=0.25, calibration_s=30.0,
                         adapt_s=20.0)  # fmt: skip
    updates = [u for c in np.array_split(x, len(x) // 64) for u in live.push(c)]
    n = len(updates)
    assert n >= len(tl.t) - 3
    np.testing.assert_allclose([u.raw for u in updates], tl.raw_probs[:n], atol=1e-4)

    fixed = predict(rec, model, PredictOptions(hop_s=0.25, baseline=BaselineChoice("first", 30.0)))
    grid_of = {}
    for name, options in (("fixed", BaselineChoice("first", 30.0)), ("adapting", choice)):
        live = LiveProcessor(model, DEAP_EEG_CHANNELS, rate, hop_s=0.25, calibration_s=30.0,
                             adapt_s=options.adapt_s)  # fmt: skip
        grids = [live.push_features(c)[0] for c in np.array_split(x, len(x) // 64)]
        grid_of[name] = np.concatenate(grids)

    def mean(g: np.ndarray) -> float:
        return float(np.mean(g[g != 0]))

    # the last 50 s (amplitude about 1.9 times the calibration's) against the first 20 s after
    # the calibration (both hold a single window's offset above DEAP's statistic, ~0.8 bits)
    drift = {k: mean(g[-200:]) - mean(g[:80]) for k, g in grid_of.items()}
    assert drift["fixed"] > 0.6  # bits: log2(1.9) of extra power in every band, less the trials'
    assert abs(drift["adapting"]) < 0.3 * drift["fixed"]
    assert fixed.timelines[0].emotion.tolist() != tl.emotion.tolist()


def test_a_storm_moves_the_baseline_no_more_than_missing_data(
    drifting: tuple[np.ndarray, float],
) -> None:
    """30 s of large 6 Hz artefact on four electrodes leaves the baseline where 30 s without
    those electrodes' data (NaN: no window accepted) leaves it."""
    x, rate = drifting
    storm = slice(round(40 * rate), round(70 * rate))
    states = {}
    for kind in ("storm", "missing"):
        y = x[: round(75 * rate)].copy()
        if kind == "storm":
            t = np.arange(storm.stop - storm.start) / rate
            y[storm, :4] += 400.0 * np.sin(2 * np.pi * 6 * t)[:, None]
        else:
            y[storm, :4] = np.nan
        live = LiveProcessor(load_model(), DEAP_EEG_CHANNELS, rate, hop_s=0.25, calibration_s=30.0,
                             adapt_s=60.0)  # fmt: skip
        for c in np.array_split(y, 75 * 4):
            live.push(c)
        assert live.features._adapted is not None
        states[kind] = live.features._adapted.current
    assert np.abs(states["storm"] - states["missing"]).max() < 0.05


def test_adapting_holds_a_block_of_windows_not_the_recording(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`--adapt` once held every window's samples in float64 (1.35 GB for a 2 h EDF): now its
    extra memory is a block's, whatever the length, and the blocks give the same baselines as
    one pass over everything."""
    import importlib
    import tracemalloc

    predict_module = importlib.import_module("inference.predict")

    rng = np.random.default_rng(3)
    rate, seconds = 128.0, 12 * 60  # 2,876 windows at hop 0.25: 94 MB of float64 windows
    x = rng.normal(0, 10, (round(rate * seconds), 32)).astype(np.float32)
    rec = Recording(x, DEAP_EEG_CHANNELS, rate, "long", unit_known=True)
    model = load_model()
    peaks = {}
    for name, adapt in (("fixed", 0.0), ("adapting", 60.0)):
        options = PredictOptions(hop_s=0.25, baseline=BaselineChoice("first", 30.0, adapt_s=adapt))
        tracemalloc.start()
        tl = predict(rec, model, options).timelines[0]
        peaks[name] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    assert peaks["adapting"] - peaks["fixed"] < 24, peaks  # MiB
    monkeypatch.setattr(predict_module, "_ADAPT_WINDOWS", 1 << 30)  # one block: the reference
    whole = predict(rec, model, options).timelines[0]
    np.testing.assert_allclose(tl.raw_probs, whole.raw_probs, atol=1e-5)
