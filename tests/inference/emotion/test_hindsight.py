"""The octant filter in log space (never NaN), hindsight for bakes (forward-backward), explicit
"no smoothing", and a shown emotion that never contradicts its posterior."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.special import logsumexp

from inference.emotion.octant_filter import posteriors, smoothed_posteriors
from inference.emotion.smoothing import (
    HOLD_FLOOR,
    SmoothingSettings,
    StreamingSmoother,
    smooth_offline,
)
from inference.emotion.table import EmotionTable

FLOOR = 1e-6  # the filter's floor on a window's octant probability


def _log_terms(probs: np.ndarray, dt: float, switch_s: float, evidence: float):
    """Log evidence (n, 8) and log transition matrix, written out independently."""
    q = EmotionTable.octant_probabilities(probs)
    log_e = evidence * dt * np.log(np.maximum(q, FLOOR))
    rho = 1 - np.exp(-dt / switch_s)
    log_mix = np.log((1 - rho) * np.eye(8) + rho / 8)
    return log_e, log_mix


def _log_filter(log_e: np.ndarray, log_mix: np.ndarray) -> np.ndarray:
    """Bayes' rule window by window, entirely in log space with scipy's logsumexp."""
    log_pi = np.full(8, -np.log(8))
    out = []
    for row in log_e:
        log_pi = logsumexp(log_pi[None, :] + log_mix, axis=1) + row
        log_pi -= logsumexp(log_pi)
        out.append(np.exp(log_pi))
    return np.array(out)


@pytest.mark.parametrize(("dt", "evidence"), [(60.0, 10.0), (5.0, 100.0), (0.25, 100.0)])
def test_extreme_evidence_never_gives_nan_and_matches_log_space(dt: float, evidence: float) -> None:
    """`--hop 60 --evidence 10` once printed NaN for every row (q ** 600 underflowed to 0/0)."""
    rng = np.random.default_rng(7)
    probs = rng.uniform(0.01, 0.99, size=(300, 3))
    post = posteriors(probs, np.ones(300, bool), dt, 20.0, evidence)
    assert np.isfinite(post).all()
    np.testing.assert_allclose(post, _log_filter(*_log_terms(probs, dt, 20.0, evidence)), atol=1e-9)
    live = StreamingSmoother(dt, SmoothingSettings(switch_s=20.0, evidence=evidence))
    steps = np.concatenate([live.update(p).weights for p in probs])
    np.testing.assert_allclose(steps, post, atol=1e-9)
    out = smooth_offline(probs, np.ones(300, bool), dt, SmoothingSettings(evidence=evidence),
                         hindsight=True)  # fmt: skip
    assert np.isfinite(out.probs).all() and np.isfinite(out.confidence).all()


def test_hindsight_equals_every_path_summed() -> None:
    """Forward-backward against the definition: P(octant at t | all windows), by summing the
    joint probability of all 8**6 paths of six windows (one invalid: no evidence)."""
    rng = np.random.default_rng(8)
    n, dt, switch_s, evidence = 6, 0.5, 3.0, 2.0
    probs = rng.uniform(0.05, 0.95, size=(n, 3))
    valid = np.array([True, True, False, True, True, True])
    log_e, log_mix = _log_terms(probs, dt, switch_s, evidence)
    log_e[~valid] = 0.0
    # the filter's prior is uniform, then one transition, before the first window's evidence
    paths = np.array(list(itertools.product(range(8), repeat=n)))  # (8**6, n)
    first_prior = logsumexp(np.full((8, 1), -np.log(8)) + log_mix, axis=0)  # (8,)
    log_joint = first_prior[paths[:, 0]] + log_e[0, paths[:, 0]]
    for t in range(1, n):
        log_joint = log_joint + log_mix[paths[:, t - 1], paths[:, t]] + log_e[t, paths[:, t]]
    weight = np.exp(log_joint - logsumexp(log_joint))
    expected = np.stack([np.bincount(paths[:, t], weight, minlength=8) for t in range(n)])
    got = smoothed_posteriors(probs, valid, dt, switch_s, evidence)
    np.testing.assert_allclose(got, expected, atol=1e-10)


def test_a_baked_change_lands_where_the_evidence_changed() -> None:
    """Causal: the face turns seconds after the switch; hindsight: within a window of it."""
    rng = np.random.default_rng(9)
    clean = np.vstack([np.tile([0.3, 0.3, 0.3], (200, 1)), np.tile([0.7, 0.7, 0.7], (200, 1))])
    probs = np.clip(clean + 0.1 * rng.standard_normal(clean.shape), 0, 1)
    valid = np.ones(400, bool)
    settings = SmoothingSettings()
    live = smooth_offline(probs, valid, 0.25, settings)
    baked = smooth_offline(probs, valid, 0.25, settings, hindsight=True)
    assert (
        live.emotion[150] == baked.emotion[150] == 0 and live.emotion[-1] == baked.emotion[-1] == 7
    )
    turn_live = int(np.argmax(live.emotion == 7))
    turn_baked = int(np.argmax(baked.emotion == 7))
    assert abs(turn_baked - 200) <= 1 < turn_live - 200
    assert np.count_nonzero(np.diff(baked.emotion)) == 1


def test_hindsight_dwell_drops_short_runs_without_delay() -> None:
    from inference.emotion.smoothing import _dwell, _dwell_hindsight

    candidate = np.array([0, 0, 0, 3, 0, 0, 5, 5, 5, 5, 2, 2, 5, 5])
    assert _dwell_hindsight(candidate, 3).tolist() == [0, 0, 0, 0, 0, 0, 5, 5, 5, 5, 5, 5, 5, 5]
    assert _dwell(candidate, 3).tolist()[6:10] == [0, 0, 5, 5]  # live: two windows late
    assert _dwell_hindsight(candidate, 1).tolist() == candidate.tolist()


def test_no_smoothing_is_explicit() -> None:
    """method="none": each window's own octant; positional settings are refused (their meaning
    changed once without a word)."""
    rng = np.random.default_rng(10)
    probs = rng.uniform(size=(50, 3))
    out = smooth_offline(probs, np.ones(50, bool), 0.25, SmoothingSettings(method="none"))
    np.testing.assert_array_equal(out.emotion, EmotionTable.index_of_bits(probs > 0.5))
    live = StreamingSmoother(0.25, SmoothingSettings(method="none"))
    assert [int(live.update(p).emotion[0]) for p in probs] == out.emotion.tolist()
    with pytest.raises(TypeError):
        SmoothingSettings(0.0, 0.0, 0.0)  # type: ignore[misc]


def test_the_shown_emotion_never_contradicts_its_posterior() -> None:
    """A held emotion whose posterior fell below HOLD_FLOOR gives way to the posterior's best
    octant, whatever the dwell (which would otherwise keep it a while), offline, with
    hindsight and live alike: a shown emotion below the floor is one nothing else beats."""
    rng = np.random.default_rng(11)
    steps = np.repeat(rng.uniform(0.2, 0.8, size=(30, 3)), 20, axis=0)
    probs = np.clip(steps + 0.2 * rng.standard_normal(steps.shape), 0, 1)
    valid = np.ones(len(probs), bool)
    for dwell in (0.0, 1.0, 3.0):
        settings = SmoothingSettings(switch_s=20.0, evidence=2.0, min_dwell_s=dwell)
        for hindsight in (False, True):
            out = smooth_offline(probs, valid, 0.25, settings, hindsight=hindsight)
            low = out.confidence < HOLD_FLOOR
            np.testing.assert_array_equal(out.emotion[low], out.weights[low].argmax(axis=1))
            # the printed confidence is the shown emotion's own posterior
            plain = out.weights[np.arange(len(probs)), out.emotion]
            np.testing.assert_allclose(plain, out.confidence)
        live = StreamingSmoother(0.25, settings)
        steps_live = [live.update(p) for p in probs]
        offline = smooth_offline(probs, valid, 0.25, settings)
        assert [int(u.emotion[0]) for u in steps_live] == offline.emotion.tolist()
