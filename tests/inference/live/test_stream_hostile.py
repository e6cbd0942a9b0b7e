"""LSL streams that misbehave, from real pylsl outlets on loopback: a NaN rate, a 20 kHz stream
the 4-a-second pulls must keep up with, time stamps that go backwards."""

from __future__ import annotations

import math
import time
import uuid
import warnings

import numpy as np
import pylsl  # conftest pointed liblsl at tests/lsl_loopback.cfg before anything imported it

from inference.live.processor import LiveProcessor
from inference.live.session import LiveSession, SessionSettings
from inference.live.stream import LSLStream
from inference.model.model_file import load_model

LABELS = ("Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2")


def _outlet(rate: float) -> tuple[str, pylsl.StreamOutlet]:
    name = f"evoke-hostile-{uuid.uuid4().hex[:8]}"
    info = pylsl.StreamInfo(name, "EEG", len(LABELS), rate, "float32", f"src-{name}")
    channels = info.desc().append_child("channels")
    for label in LABELS:
        channels.append_child("channel").append_child_value("label", label)
    return name, pylsl.StreamOutlet(info, chunk_size=0, max_buffered=60)


def _open(stream: LSLStream, limit_s: float = 15.0) -> None:
    """Until the inlet is open and its data connection made (LSL opens it on the first pull:
    what an outlet sends before that is not received)."""
    end = time.monotonic() + limit_s
    while stream.poll() is None and not stream.error and time.monotonic() < end:
        time.sleep(0.05)
    assert stream.description is not None, stream.error
    stream.pull()
    time.sleep(1.0)


def test_a_nan_rate_is_a_message_not_an_inlet_error() -> None:
    name, outlet = _outlet(float("nan"))
    stream = LSLStream(name, resolve_timeout_s=10)
    end = time.monotonic() + 15
    while not stream.error and time.monotonic() < end:
        stream.poll()
        time.sleep(0.05)
    assert "a sampling rate of NaN" in stream.error and "could not create" not in stream.error
    stream.close()
    del outlet


def test_a_20_khz_stream_is_read_as_fast_as_it_arrives() -> None:
    rate = 20_000.0
    name, outlet = _outlet(rate)
    stream = LSLStream(name, resolve_timeout_s=10)
    try:
        _open(stream)
        x = np.random.default_rng(0).standard_normal((int(rate * 3), len(LABELS))) * 20
        now = pylsl.local_clock()
        outlet.push_chunk(x.astype(np.float32), now - (len(x) - 1 - np.arange(len(x))) / rate)
        # all of it arrived first (LSL's own threads, slower on a loaded machine): then the
        # pulls are ours alone, and each takes what the rate needs, not a fixed 4,096
        end = time.monotonic() + 20
        while stream._inlet.samples_available() < len(x) and time.monotonic() < end:
            time.sleep(0.05)
        got, ticks = 0, 0
        while got < len(x) and ticks < 20:
            pulled = stream.pull()
            got += 0 if pulled.samples is None else len(pulled.samples)
            ticks += 1
        # 3 s of a 20 kHz stream in 2 pulls (4,096 a pull took 15)
        assert got == len(x) and ticks == math.ceil(len(x) / stream._max_chunk) == 2
        model = load_model()
        live = LiveProcessor(model, LABELS, rate, calibration_s=3.0)
        assert live.rate == rate  # an accepted rate
    finally:
        stream.close()
        del outlet


def test_time_stamps_going_backwards_become_arrival_times() -> None:
    rate = 256.0
    name, outlet = _outlet(rate)
    stream = LSLStream(name, resolve_timeout_s=10)
    try:
        _open(stream)
        x = np.random.default_rng(1).standard_normal((512, len(LABELS))).astype(np.float32)
        outlet.push_chunk(x, 1e6 - np.arange(512) / rate)  # backwards, and far in the future
        stamps = None
        end = time.monotonic() + 10
        while stamps is None and time.monotonic() < end:
            stamps = stream.pull().stamps
            time.sleep(0.05)
        assert stamps is not None and "go backwards or are far from" in stream.notice
        age = stream.local_clock() - stamps
        assert np.all(np.diff(stamps) > 0) and 0 <= age.min() and age.max() < 5
    finally:
        stream.close()
        del outlet


def test_the_processor_counts_from_the_samples_when_stamps_go_backwards() -> None:
    model = load_model()
    live = LiveProcessor(model, LABELS, 256.0, calibration_s=3.0)
    x = np.random.default_rng(2).standard_normal((256, len(LABELS))) * 20
    live.push(x, 100.0 + np.arange(256) / 256)
    live.push(x, 50.0 + np.arange(256) / 256)  # backwards
    assert "go backwards" in live.stats.clock_note
    updates = live.push(np.tile(x, (4, 1)), np.full(1024, np.nan))
    assert all(np.isfinite(u.t) and u.t > 100.0 for u in updates)


def test_a_stream_with_no_channels_says_so() -> None:
    name = f"evoke-hostile-{uuid.uuid4().hex[:8]}"
    outlet = pylsl.StreamOutlet(pylsl.StreamInfo(name, "EEG", 0, 128.0, "float32", f"src-{name}"))
    stream = LSLStream(name, resolve_timeout_s=10)
    try:
        end = time.monotonic() + 15
        while not stream.error and time.monotonic() < end:
            stream.poll()
            time.sleep(0.05)
        assert stream.error.startswith(f"stream '{name}' has 0 channels at 128 Hz; EEG needs 1-")
    finally:
        stream.close()
        del outlet


def test_a_nan_stream_is_said_in_words_never_as_a_numpy_warning() -> None:
    """Every sample NaN from the start (a headset with no contact): no raw RuntimeWarning, and
    the session says why nothing shows."""
    name, outlet = _outlet(128.0)
    session = LiveSession(load_model(), LSLStream(name, resolve_timeout_s=10),
                          SessionSettings(calibration_s=3.0))  # fmt: skip
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # any warning fails the test
            end = time.monotonic() + 30
            while session.status.windows < 4 and time.monotonic() < end:
                outlet.push_chunk(np.full((32, len(LABELS)), np.nan, np.float32))
                session.tick()
                time.sleep(0.25)
        assert (
            session.status.windows >= 4 and session.status.windows_skipped == session.status.windows
        )
        assert "calibration had NaN samples" in session.status.skip_reason
    finally:
        session.close()
        del outlet
