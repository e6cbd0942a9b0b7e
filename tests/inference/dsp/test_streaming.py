"""The streaming extractor must give exactly the offline features on the same samples."""

from __future__ import annotations

import numpy as np
import pytest

from inference.dsp.features import FeatureSettings
from inference.dsp.streaming import StreamingFeatures
from inference.dsp.trials import trial_features

SETTINGS = FeatureSettings()


@pytest.mark.parametrize("hop_s", [1.0, 0.25])
def test_streaming_equals_offline_for_any_chunking(hop_s: float) -> None:
    rng = np.random.default_rng(0)
    eeg = (20 * rng.standard_normal((1, 32, 384 + 128 * 6))).astype(np.float32)
    eeg[0, 3, 384 + 200] = np.inf  # one bad sample: the same windows must be invalid in both
    offline, valid, _ = trial_features(eeg, SETTINGS, hop_s=hop_s)
    stream = StreamingFeatures(SETTINGS, hop_s)
    stream.set_baseline(eeg[0, :, :384].T)
    samples = eeg[0, :, 384:].T
    got, got_valid = [], []
    cuts = np.sort(rng.choice(np.arange(1, len(samples)), size=25, replace=False))
    for chunk in np.split(samples, cuts):  # irregular chunks, as an LSL inlet delivers them
        g, v = stream.push(chunk)
        got.append(g)
        got_valid.append(v)
    np.testing.assert_allclose(np.concatenate(got), offline[0], atol=1e-5)
    np.testing.assert_array_equal(np.concatenate(got_valid), valid[0])


def test_hop_longer_than_window_skips_samples_correctly() -> None:
    rng = np.random.default_rng(1)
    eeg = (20 * rng.standard_normal((1, 32, 384 + 128 * 9))).astype(np.float32)
    offline, _, _ = trial_features(eeg, SETTINGS, hop_s=2.0)
    stream = StreamingFeatures(SETTINGS, 2.0)
    stream.set_baseline(eeg[0, :, :384].T)
    parts = [stream.push(c)[0] for c in np.array_split(eeg[0, :, 384:].T, 40)]
    np.testing.assert_allclose(np.concatenate(parts), offline[0], atol=1e-5)


def test_push_before_calibration_is_refused() -> None:
    stream = StreamingFeatures(SETTINGS, 1.0)
    with pytest.raises(RuntimeError, match="baseline"):
        stream.push(np.zeros((10, 32)))
