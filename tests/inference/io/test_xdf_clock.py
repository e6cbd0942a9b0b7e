"""XDF time stamps across a clock reset (the sender restarted mid-recording): each part placed on
the recording's clock by its own clock offsets, so markers land on the right samples; without a
reset, the same stamps as pyxdf's own synchronisation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyxdf
from evoke_tools.writers import _eeg_stream, write_xdf

from inference.dsp.electrodes import DEAP_EEG_CHANNELS
from inference.io.xdf import read_xdf
from inference.io.xdf_clock import resets, synchronized

RATE = 128.0


def marker_stream(times: list[float], labels: list[str]) -> dict[str, object]:
    return {"name": "Markers", "type": "Markers", "rate": 0, "format": "string", "channel_count": 1,
            "stamps": np.asarray(times), "values": labels}  # fmt: skip


def test_a_sender_restart_keeps_markers_on_their_samples(tmp_path: Path) -> None:
    """20 s stamped from 500 s, a restart, 20 s stamped from 3 s; on the recording's clock the
    parts are 2000-2020 s and 2025-2045 s. Markers sent at 2005 s and 2030 s (the recording's
    clock) belong on samples 640 and 20 x 128 + 640."""
    eeg = _eeg_stream(DEAP_EEG_CHANNELS, RATE, 40.0, seed=3)
    part = np.arange(round(20 * RATE)) / RATE
    eeg["stamps"] = np.concatenate([500.0 + part, 3.0 + part])
    noise = np.random.default_rng(1).normal(0, 2e-4, 20)  # measured offsets wobble a little
    eeg["clock"] = [(500.0 + 2 * k, 1500.0 + noise[k]) for k in range(10)] + [
        (3.0 + 2 * k, 2022.0 + noise[10 + k]) for k in range(10)
    ]
    before_sample = 0.25 / RATE  # a quarter sample before: the marker's sample is the next one
    markers = marker_stream([2005.0 - before_sample, 2030.0 - before_sample], ["a", "b"])
    path = tmp_path / "restart.xdf"
    write_xdf(path, [eeg, markers])

    rec = read_xdf(path)
    assert [(m.sample, m.label) for m in rec.markers] == [(640, "a"), (round(20 * RATE) + 640, "b")]
    assert any("clock was reset 1 time" in n for n in rec.notes)
    # one straight line through all offsets (pyxdf without its reset search) puts them elsewhere
    streams, _ = pyxdf.load_xdf(str(path), handle_clock_resets=False, dejitter_timestamps=False)
    one_line = next(s for s in streams if s["info"]["type"][0] == "EEG")["time_stamps"]
    assert abs(np.searchsorted(np.sort(one_line), 2005.0) - 640) > RATE


def test_without_a_reset_the_stamps_are_pyxdfs(tmp_path: Path) -> None:
    """A clock that drifts 50 ppm, offsets measured every 5 s with noise: pyxdf's own
    synchronisation (robust fit) is the reference, to 0.1 ms."""
    eeg = _eeg_stream(DEAP_EEG_CHANNELS[:4], RATE, 120.0, seed=4)
    rng = np.random.default_rng(2)
    eeg["clock"] = [(1000.0 + 5 * k, 37.0 + 5e-5 * 5 * k + rng.normal(0, 5e-5)) for k in range(25)]
    path = tmp_path / "drift.xdf"
    write_xdf(path, [eeg])
    streams, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    ours, found = synchronized(eeg["stamps"], *np.asarray(eeg["clock"]).T)
    assert found == 0
    np.testing.assert_allclose(ours, streams[0]["time_stamps"], atol=1e-4, rtol=0)


def test_resets_found_in_linear_time() -> None:
    """20,000 offsets stepping back every third: every step found, at once (pyxdf fits each)."""
    k = np.arange(20_000)
    times, values = 100.0 + 5 * (k % 3), 5.0 * (k // 3)
    found = resets(times, values)
    assert found.size == 6_666 and np.all(found % 3 == 0)
    stamps, count = synchronized(np.linspace(100, 110, 1000), times, values)
    assert count == 6_666 and np.isfinite(stamps).all()
