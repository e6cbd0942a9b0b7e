"""BrainFlow as a live source, with BrainFlow's own boards: the synthetic board, and a playback
board replaying a file BrainFlow's DataFilter wrote. No mock: BoardShim, its ring buffer, its
board descriptions."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from brainflow.board_shim import BoardIds, BoardShim, BrainFlowInputParams
from brainflow.data_filter import DataFilter

from inference import BaselineChoice, PredictOptions, Recording, load_model, predict
from inference.errors import InputError
from inference.live.brainflow_board import BrainFlowSource, describe_board, parse_source
from inference.live.processor import LiveProcessor
from inference.live.source import LiveSource

SYNTHETIC = BoardIds.SYNTHETIC_BOARD.value


def _opened(source: BrainFlowSource, seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while source.poll() is None and not source.error and time.monotonic() < end:
        time.sleep(0.05)
    assert source.description is not None, source.error


@pytest.mark.slow
def test_the_synthetic_board_streams_its_electrodes_in_microvolts() -> None:
    source: LiveSource = BrainFlowSource("synthetic")
    assert isinstance(source, BrainFlowSource)
    try:
        _opened(source)
        d = source.description
        assert d is not None and d.rate == BoardShim.get_sampling_rate(SYNTHETIC)
        assert d.labels == tuple(BoardShim.get_eeg_names(SYNTHETIC))
        assert d.unit_scale() == (1.0, "unit from the stream's description: microvolts")
        time.sleep(1.0)
        started = time.perf_counter()
        pulled = source.pull()
        # never waits for the board (a second of samples is there): generous for a loaded machine
        assert time.perf_counter() - started < 0.5
        assert pulled.samples is not None and pulled.stamps is not None
        assert pulled.samples.shape[1] == len(d.labels) and pulled.samples.shape[0] > 100
        assert 0 <= source.local_clock() - pulled.stamps[-1] < 10.0  # Unix time, both
        live = LiveProcessor(load_model(), d.labels, d.rate, calibration_s=3.0)
        assert set(live.stats.matched) == {
            "Fz",
            "C3",
            "Cz",
            "C4",
            "Pz",
            "Oz",
            "F7",
            "F3",
            "F4",
            "F8",
        }
        updates = live.push(pulled.samples, pulled.stamps)
        end = time.monotonic() + 8
        while len(updates) < 4 and time.monotonic() < end:
            time.sleep(0.25)
            chunk = source.pull()
            if chunk.samples is not None:
                updates += live.push(chunk.samples, chunk.stamps)
        assert len(updates) >= 4 and all(u.valid for u in updates)
    finally:
        source.close()


@pytest.mark.slow
def test_a_playback_board_gives_what_the_file_gives_offline(tmp_path: Path) -> None:
    """Record 20 s of the synthetic board with BrainFlow, write it with BrainFlow's DataFilter,
    replay it through the playback board: live windows equal offline ones on the same samples."""
    board = BoardShim(SYNTHETIC, BrainFlowInputParams())
    board.prepare_session()
    board.start_stream()
    time.sleep(12.0)
    data = board.get_board_data()
    board.stop_stream()
    board.release_session()
    path = tmp_path / "synthetic.csv"
    DataFilter.write_file(data, str(path), "w")

    source = BrainFlowSource("playback", file=str(path), master_board="synthetic")
    rows, _, d = describe_board("synthetic")
    try:
        _opened(source)
        chunks: list[np.ndarray] = []
        end = time.monotonic() + 15
        while sum(len(c) for c in chunks) < 10 * d.rate and time.monotonic() < end:
            time.sleep(0.25)
            pulled = source.pull()
            if pulled.samples is not None:
                chunks.append(pulled.samples)
    finally:
        source.close()
    received = np.concatenate(chunks)
    eeg = data[rows].T.astype(np.float32)
    np.testing.assert_allclose(received[:1000], eeg[:1000], atol=1e-3)  # the file, as written
    model = load_model()
    live = LiveProcessor(model, d.labels, d.rate, calibration_s=3.0)
    updates = [u for c in np.array_split(received, 40) for u in live.push(c)]
    rec = Recording(received.astype(np.float64), d.labels, d.rate, "playback", unit_known=True)
    options = PredictOptions(hop_s=0.25, baseline=BaselineChoice("first", seconds=3.0))
    offline = predict(rec, model, options).timelines[0]
    n = len(updates)
    assert n >= 10
    np.testing.assert_allclose([u.raw for u in updates], offline.raw_probs[:n], atol=1e-4)


def test_boards_are_named_as_brainflow_names_them_and_refused_with_the_reason() -> None:
    _, _, muse = describe_board("muse_2")
    assert muse.labels == ("TP9", "AF7", "AF8", "TP10")
    with pytest.raises(InputError, match="only 0 of the 32.*TP9"):
        LiveProcessor(load_model(), muse.labels, muse.rate)
    _, _, daisy = describe_board("CYTON_DAISY_BOARD")
    assert len(daisy.labels) == 16 and describe_board(BoardIds.CYTON_DAISY_BOARD.value)[2] == daisy
    with pytest.raises(
        InputError, match="no board 'headset-9000': common ones are synthetic, cyton"
    ):
        describe_board("headset-9000")
    with pytest.raises(InputError, match="master_board"):
        describe_board("playback")
    with pytest.raises(InputError, match="unknown parameter"):
        BrainFlowSource("synthetic", port="COM3")
    assert parse_source("brainflow:cyton,serial_port=/dev/ttyUSB0") == (
        "cyton",
        {"serial_port": "/dev/ttyUSB0"},
    )
    with pytest.raises(InputError, match="key=value"):
        parse_source("brainflow:cyton,/dev/ttyUSB0")


def test_a_board_that_cannot_open_says_why_without_blocking() -> None:
    started = time.monotonic()
    source = BrainFlowSource("cyton", serial_port="/dev/evoke-no-such-port")
    assert time.monotonic() - started < 3.0  # the port is opened in the background
    try:
        end = time.monotonic() + 20
        while not source.error and time.monotonic() < end:
            assert source.poll() is None
            time.sleep(0.1)
        assert "BrainFlow cyton" in source.error and source.pull().samples is None
    finally:
        source.close()
