"""A real sender we did not write: mne-lsl's PlayerLSL replays a raw FIF file in volts (LSL's
channel units say so in MNE-LSL's way) on loopback; the live chain reading it gives, window for
window, what the same file gives offline."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np
import pylsl
import pytest
from evoke_tools.artefacts import add_artefact, raw_trials
from evoke_tools.writers import start_player_lsl, write_fif

from inference import BaselineChoice, PredictOptions, load_model, predict
from inference.dsp.electrodes import DEAP_EEG_CHANNELS
from inference.io.formats import read_recording
from inference.live.processor import LiveProcessor
from inference.live.stream_info import describe_stream

RATE = 256.0


def _pull(name: str, seconds: float) -> tuple[object, list[np.ndarray]]:
    found = pylsl.resolve_byprop("name", name, minimum=1, timeout=10.0)
    assert found, f"no stream {name}"
    inlet = pylsl.StreamInlet(found[0], max_buflen=60)
    info = inlet.info(timeout=5.0)
    chunks: list[np.ndarray] = []
    got = 0
    end = time.monotonic() + seconds + 10
    while got < RATE * seconds and time.monotonic() < end:
        chunk, _ = inlet.pull_chunk(timeout=0.5, max_samples=4096)
        if chunk:
            chunks.append(np.asarray(chunk, dtype=np.float64))
            got += len(chunk)
    del inlet  # before the outlet goes
    return info, chunks


@pytest.mark.slow
def test_playerlsl_in_volts_gives_what_the_file_gives_offline(tmp_path: Path) -> None:
    x = raw_trials(1, 1, RATE, seed=12)[0][: round(RATE * 45)]
    x = add_artefact(x, "all", RATE, np.random.default_rng(3))  # DC offsets, mains, drift
    path = write_fif(tmp_path / "raw.fif", x, RATE)
    name = f"evoke-player-{uuid.uuid4().hex[:8]}"
    player = start_player_lsl(path, name, seconds=60.0)
    try:
        stream_info, chunks = _pull(name, seconds=14.0)
    finally:
        player.kill()
        player.wait(10)
    described = describe_stream(stream_info)
    scale, note = described.unit_scale()
    assert described.labels == DEAP_EEG_CHANNELS and described.rate == RATE
    assert scale == 1e6 and "description" in note  # MNE-LSL writes "0": volts

    model = load_model()
    live = LiveProcessor(model, described.labels, described.rate, hop_s=0.25, unit_scale=scale,
                         calibration_s=5.0)  # fmt: skip
    updates = [u for chunk in chunks for u in live.push(chunk)]
    assert len(updates) >= 30 and all(u.valid for u in updates)

    # where in the file the stream started: PlayerLSL sends the file's values as they are (the
    # reader holds them as float32: 24 bits, 2 nV at these tens of mV of DC offset)
    received = np.concatenate(chunks)
    whole = read_recording(path)
    first = np.flatnonzero(
        np.all(np.isclose(whole.samples, received[0] * 1e6, rtol=1e-7, atol=1e-6), axis=1)
    )
    assert first.size == 1, "the first received sample is not in the file"
    start = int(first[0])
    span = whole.samples[start : start + len(received)]
    np.testing.assert_array_equal(span, (received * 1e6).astype(np.float32))
    offline = predict(
        replace(whole, samples=span, markers=()),
        model,
        PredictOptions(hop_s=0.25, mode="blend", baseline=BaselineChoice("first", seconds=5.0)),
    ).timelines[0]
    n = len(updates)
    assert np.abs(np.array([u.raw for u in updates]) - offline.raw_probs[:n]).max() < 1e-4
    assert [u.emotion for u in updates] == offline.emotion[:n].tolist()
