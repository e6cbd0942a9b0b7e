"""Recordings from BrainFlow (`DataFilter.write_file`) and the OpenBCI GUI, as formats: files
those programs wrote, read against their own readers (BrainFlow's `DataFilter.read_file`, numpy
on the GUI's text), with the board's default placement assumed and said."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from inference.errors import InputError
from inference.io.brainflow_boards import BOARDS
from inference.io.formats import format_of, read_recording

DataFilter = pytest.importorskip(
    "brainflow.data_filter", reason="BrainFlow is the writer"
).DataFilter
BoardShim = pytest.importorskip("brainflow.board_shim").BoardShim
# the OpenBCI GUI's own sample recording (MIT, OpenBCI_GUI/data/EEG_Sample_Data), kept beside
# the checkout rather than in it
OPENBCI = Path(os.environ.get("EVOKE_REALEEG", "/work/shared/realeeg")) / (
    "OpenBCI_GUI-v6-blinks-jawClench-alpha.txt"
)
real_file = pytest.mark.skipif(
    not OPENBCI.is_file(), reason=f"the real OpenBCI GUI recording is not at {OPENBCI} "
    "(set EVOKE_REALEEG to its folder)",
)  # fmt: skip
CYTON = ("Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2")
DAISY = (*CYTON, "F7", "F8", "F3", "F4", "T7", "T8", "P3", "P4")


@pytest.mark.parametrize("board_id", sorted(BOARDS))
def test_board_table_matches_brainflow(board_id: int) -> None:
    """The layouts read without BrainFlow are BrainFlow's own (its board descriptions)."""
    d = BoardShim.get_board_descr(board_id)
    b = BOARDS[board_id]
    assert (b.columns, b.rate, b.eeg, b.timestamp, b.marker) == (
        d["num_rows"], d["sampling_rate"], tuple(d["eeg_channels"]), d["timestamp_channel"],
        d["marker_channel"],
    )  # fmt: skip
    if b.labels:
        assert ",".join(b.labels) == d["eeg_names"]
    if b.montage and "eeg_names" in d:  # OpenBCI's default placement, as BrainFlow names it
        from inference.dsp.montages import MONTAGES

        assert ",".join(MONTAGES[b.montage].electrodes) == d["eeg_names"]


def _board_file(path: Path, board_id: int, seconds: float, rate: float | None = None) -> np.ndarray:
    """A board's whole data array, as BrainFlow holds it (rows x samples), written by BrainFlow."""
    d = BoardShim.get_board_descr(board_id)
    rate = rate or float(d["sampling_rate"])
    n = int(seconds * rate)
    rng = np.random.default_rng(board_id + 10)
    data = rng.standard_normal((int(d["num_rows"]), n)) * 20
    data[0] = np.arange(n) % 256  # package number
    data[d["timestamp_channel"]] = 1.7e9 + np.arange(n) / rate
    data[d["marker_channel"]] = 0.0
    data[d["marker_channel"], [rate_at := int(rate), 5 * rate_at]] = (1.0, 2.5)  # insert_marker
    DataFilter.write_file(np.ascontiguousarray(data), str(path), "w")
    return data


@pytest.mark.parametrize(
    ("board_id", "given", "labels"),
    [(0, None, CYTON), (2, None, DAISY), (0, "cyton", CYTON), (38, "muse-2", BOARDS[38].labels),
     (-1, -1, BOARDS[-1].labels)],
)  # fmt: skip
def test_brainflow_files_read_as_brainflow_reads_them(
    tmp_path: Path, board_id: int, given: str | int | None, labels: tuple[str, ...]
) -> None:
    path = tmp_path / "BrainFlow-RAW_session_0.csv"
    _board_file(path, board_id, 8.0)
    assert format_of(path) == "BrainFlow"
    rec = read_recording(path, board=given)
    reference = DataFilter.read_file(str(path))  # BrainFlow's own reader
    layout = BOARDS[board_id]
    np.testing.assert_array_equal(rec.samples, reference[list(layout.eeg)].T.astype(np.float32))
    assert rec.channels == labels and rec.rate == layout.rate and rec.unit_known
    marked = np.flatnonzero(reference[layout.marker])
    assert [(m.sample, m.label) for m in rec.markers] == [
        (int(marked[0]), "marker 1"), (int(marked[1]), "marker 2.5")]  # fmt: skip
    notes = " | ".join(rec.notes)
    assert layout.title in notes
    assert ("assumed from its" in notes) == (given is None)
    assert ("(assumed;" in notes) == bool(layout.montage)


def test_brainflow_board_mismatch_and_other_rates(tmp_path: Path) -> None:
    path = tmp_path / "cyton.csv"
    _board_file(path, 0, 6.0)
    with pytest.raises(
        InputError, match=r"cyton\.csv: OpenBCI Ganglion recordings have 15 columns"
    ):
        read_recording(path, board="ganglion")
    with pytest.raises(InputError, match=r"cyton\.csv: board 'nonsense' is neither"):
        read_recording(path, board="nonsense")
    with pytest.raises(InputError, match=r"cyton\.csv: BrainFlow has no EEG board 99999"):
        read_recording(path, board="99999")
    plain = tmp_path / "plain.csv"
    plain.write_text("time,Fp1\n0,1\n")
    with pytest.raises(InputError, match=r"plain\.csv: 'board' applies to BrainFlow files only"):
        read_recording(plain, board="cyton")
    _board_file(path, 0, 6.0, rate=500.0)  # a Cyton set to 500 Hz: the stamps decide
    rec = read_recording(path)
    assert rec.rate == pytest.approx(500.0, rel=1e-6) and "using the stamps' rate" in " ".join(
        rec.notes
    )
    odd = tmp_path / "odd.csv"
    DataFilter.write_file(np.zeros((11, 300)), str(odd), "w")
    with pytest.raises(InputError, match=r"odd\.csv: 11 columns match no common BrainFlow board"):
        read_recording(odd)


@real_file
def test_the_real_openbci_gui_recording() -> None:
    """The OpenBCI GUI v6 file (8 channels, 250 Hz): its EXG columns as numpy reads them, named by
    OpenBCI's default Cyton placement, said in a note; a montage given replaces the assumption."""
    rec = read_recording(OPENBCI)
    reference = np.genfromtxt(OPENBCI, delimiter=",", comments="%", skip_header=5,
                              usecols=range(1, 9))  # fmt: skip
    assert format_of(OPENBCI) == "OpenBCI" and rec.rate == 250.0 and rec.channels == CYTON
    np.testing.assert_array_equal(rec.samples, reference.astype(np.float32))
    assert rec.duration_s == pytest.approx(90.0, abs=1.0)
    assert any("(assumed;" in n and "Fp1, Fp2, C3" in n for n in rec.notes)
    other = read_recording(OPENBCI, channel_map="1=Fz,2=Cz")
    assert other.channels[:2] == ("Fz", "Cz") and not any("(assumed;" in n for n in other.notes)


@real_file
def test_openbci_gui_file_without_column_names(tmp_path: Path) -> None:
    """Older GUIs write no column-name line: the channels follow the sample index."""
    lines = OPENBCI.read_text().splitlines(keepends=True)
    old = tmp_path / "OpenBCI-RAW-old.txt"
    old.write_text("".join(lines[:4] + lines[5:2005]))
    rec = read_recording(old)
    np.testing.assert_array_equal(rec.samples, read_recording(OPENBCI).samples[:2000])
    bad = tmp_path / "notes.txt"
    bad.write_text("shopping list\n")
    with pytest.raises(
        InputError,
        match=r"notes\.txt: unsupported '\.txt' file: neither a BrainFlow nor an OpenBCI",
    ):
        read_recording(bad)
