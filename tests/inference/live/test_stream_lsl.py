"""scripts/evoke.py stream_lsl as a real LSL outlet in a subprocess, received by pylsl on loopback.

LSLAPICFG points liblsl at tests/lsl_loopback.cfg (machine scope, 127.0.0.1, no IPv6) before
pylsl is imported here and in every subprocess, so nothing leaves this machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pylsl  # conftest pointed liblsl at tests/lsl_loopback.cfg before anything imported it
import pytest
from evoke_tools.paths import LOOPBACK_CONFIG as CONFIG
from evoke_tools.paths import ROOT

from inference.dsp.electrodes import DEAP_ALL_CHANNELS
from inference.dsp.trials import trial_features
from inference.io.formats import read_recording
from inference.live.player import play, playback_samples
from inference.live.processor import LiveProcessor
from inference.model.model_file import load_model

SCRIPT = ROOT / "scripts" / "evoke.py"  # its stream_lsl tool

RATE = 128.0


def _env(extra_path: Path | None = None) -> dict[str, str]:
    paths = [str(ROOT)] + ([str(extra_path)] if extra_path else [])
    if extra_path:
        paths.reverse()
    return {**os.environ, "LSLAPICFG": str(CONFIG), "PYTHONPATH": os.pathsep.join(paths)}


class Outlets:
    """Starts stream_lsl.py subprocesses and always ends them (SIGTERM, then SIGKILL)."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[str]] = []

    def start(self, recording: Path, name: str, *extra: str) -> subprocess.Popen[str]:
        cmd = [sys.executable, str(SCRIPT), "stream_lsl", str(recording), "--name", name, *extra]
        proc = subprocess.Popen(
            cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
            for pipe in (proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()


@pytest.fixture
def outlets() -> Iterator[Outlets]:
    o = Outlets()
    try:
        yield o
    finally:
        o.close()


def _resolve(name: str) -> pylsl.StreamInfo:
    found = pylsl.resolve_byprop("name", name, timeout=10)
    assert len(found) == 1, f"stream {name} not found on loopback"
    return found[0]


def _pull(inlet: pylsl.StreamInlet, n: int, limit_s: float) -> tuple[np.ndarray, np.ndarray]:
    """At least n samples (or whatever came within limit_s)."""
    chunks, stamps = [], []
    got, end = 0, time.monotonic() + limit_s
    while got < n and time.monotonic() < end:
        data, ts = inlet.pull_chunk(timeout=0.2, max_samples=1024)
        if len(ts):
            chunks.append(np.asarray(data, dtype=np.float32))
            stamps.append(np.asarray(ts))
            got += len(ts)
    if not chunks:
        return np.zeros((0, 0), np.float32), np.zeros(0)
    return np.concatenate(chunks), np.concatenate(stamps)


def _locate(played: np.ndarray, received: np.ndarray) -> np.ndarray:
    """The file's samples the received block must equal (found by its first sample, looped)."""
    hits = np.flatnonzero((played == received[0]).all(axis=1))
    assert hits.size == 1, f"first received sample matches {hits.size} file samples"
    idx = (hits[0] + np.arange(len(received))) % len(played)
    return played[idx]


@pytest.mark.slow
def test_replay_matches_file(deap_two_trials: Path, outlets: Outlets) -> None:
    name = f"evoke-test-{uuid.uuid4().hex[:8]}"
    proc = outlets.start(deap_two_trials, name, "--loop", "--max-seconds", "30", "--trial", "2")
    inlet = None
    try:
        info = _resolve(name)
        inlet = pylsl.StreamInlet(info, recover=True)
        full = inlet.info(timeout=5)
        assert full.get_channel_labels() == list(DEAP_ALL_CHANNELS)
        assert full.get_channel_units()[:32] == ["microvolts"] * 32
        assert full.get_channel_types()[:32] == ["EEG"] * 32
        assert full.type() == "EEG" and full.nominal_srate() == RATE
        assert full.channel_format() == pylsl.cf_float32
        received, stamps = _pull(inlet, round(2.5 * RATE), limit_s=10)
        assert len(received) >= 2 * RATE
        played = playback_samples(read_recording(deap_two_trials, trial=2))
        np.testing.assert_array_equal(received, _locate(played, received))
        assert np.median(np.diff(stamps)) == pytest.approx(1 / RATE, rel=1e-3)
    finally:
        del inlet  # inlets go before their outlets
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    lines = out.strip().splitlines()
    assert lines[0].startswith(f"streaming '{name}'") and "40 channels at 128 Hz" in lines[0]
    assert "63.0 s" in lines[0] and lines[-1].startswith(f"stopped '{name}'")


@pytest.mark.slow
def test_live_features_over_lsl_equal_offline_features(
    deap_two_trials: Path, outlets: Outlets
) -> None:
    """Chunks as LSL delivers them from another process -> the live feature stage, against the
    offline definition (trial_features) on the same samples read from the file."""
    name = f"evoke-test-{uuid.uuid4().hex[:8]}"
    proc = outlets.start(deap_two_trials, name, "--loop", "--speed", "4", "--max-seconds", "20")
    model = load_model()
    # DEAP files are already re-referenced and band-passed: the offline definition uses them as is
    # a 3 s calibration: DEAP's own baseline, which trial_features takes before each trial
    live = LiveProcessor(model, DEAP_ALL_CHANNELS, RATE, calibration_s=3.0, common_average=False,
                         bandpass=False)  # fmt: skip
    inlet = None
    try:
        inlet = pylsl.StreamInlet(_resolve(name), recover=True)
        chunks: list[np.ndarray] = []
        grids = []
        end = time.monotonic() + 15
        while sum(map(len, chunks)) < 9 * RATE and time.monotonic() < end:
            data, _ = inlet.pull_chunk(timeout=0.2, max_samples=1024, as_numpy=True)
            if data is not None and len(data):
                chunks.append(np.asarray(data, dtype=np.float32))
                grids.append(live.push_features(chunks[-1])[0])
    finally:
        del inlet
    proc.terminate()
    received = np.concatenate(chunks)
    assert len(received) >= 9 * RATE and len(chunks) > 3  # several chunks, as LSL cut them
    same = _locate(playback_samples(read_recording(deap_two_trials)), received)
    offline, ok, _ = trial_features(same[:, :32].T[None], model.features, hop_s=0.25)
    grid = np.concatenate(grids)
    assert grid.shape == offline[0].shape and grid.shape[0] >= 20 and ok.all()
    np.testing.assert_allclose(grid, offline[0], atol=1e-5, rtol=1e-5)  # float32 features


@pytest.mark.slow
def test_inlet_recovers_when_outlet_returns(deap_two_trials: Path, outlets: Outlets) -> None:
    name = f"evoke-test-{uuid.uuid4().hex[:8]}"
    source = f"src-{name}"
    args = ("--loop", "--max-seconds", "40", "--source-id", source)
    first = outlets.start(deap_two_trials, name, *args)
    inlet = None
    try:
        inlet = pylsl.StreamInlet(_resolve(name), recover=True)
        before, _ = _pull(inlet, 64, limit_s=8)
        assert len(before) >= 64
        first.kill()  # a crash: no clean shutdown
        first.wait(timeout=5)
        inlet.pull_chunk(timeout=0.0)  # drain what was in flight
        outlets.start(deap_two_trials, name, *args)
        after, _ = _pull(inlet, 64, limit_s=15)
        assert len(after) >= 64, "the recovering inlet got no data from the restarted outlet"
        played = playback_samples(read_recording(deap_two_trials))
        np.testing.assert_array_equal(after[-32:], _locate(played, after[-32:]))
    finally:
        del inlet


@pytest.mark.slow
def test_missing_liblsl_says_what_to_install(deap_two_trials: Path, tmp_path: Path) -> None:
    fake = tmp_path / "fake" / "pylsl"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        'raise RuntimeError("LSL binary library file was not found.")\n'
    )
    out = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "stream_lsl",
            str(deap_two_trials),
            "--name",
            "x",
            "--max-seconds",
            "1",
        ],
        env=_env(fake.parent),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0
    assert (
        "liblsl" in out.stderr and "pip install pylsl" in out.stderr and "PYLSL_LIB" in out.stderr
    )


def test_play_paces_by_the_clock_and_speed() -> None:
    samples = np.arange(40, dtype=np.float32).reshape(20, 2)
    now = [0.0]
    pushed: list[tuple[np.ndarray, np.ndarray]] = []

    def sleep(s: float) -> None:
        now[0] += max(s, 1e-3)

    sent = play(
        lambda x, t: pushed.append((x.copy(), t.copy())),
        samples,
        10.0,
        chunk=4,
        speed=2.0,
        clock=lambda: now[0],
        sleep=sleep,
    )
    assert sent == 20 and now[0] == pytest.approx(19 / 20, abs=0.06)  # 20 samples at 20 Hz
    data = np.concatenate([x for x, _ in pushed])
    stamps = np.concatenate([t for _, t in pushed])
    np.testing.assert_array_equal(data, samples)
    np.testing.assert_allclose(np.diff(stamps), 1 / 20)
    assert all(len(x) == 4 for x, _ in pushed)
    now[0] = 0.0
    looped = play(lambda x, t: None, samples, 10.0, chunk=4, loop=True, max_seconds=3.0,
                  clock=lambda: now[0], sleep=sleep)  # fmt: skip
    assert 28 <= looped <= 36  # 3 s of a 2 s file at 10 Hz, in chunks of 4
