"""XDF, EDF/BDF and CSV readers and the one dispatcher, on real files of each format.

EDF/BDF: files written by pyEDFlib's own EdfWriter, and the test files pyEDFlib's wheel ships
(made by other programs), read by our reader (edfio) and checked against pyEDFlib's reader. XDF: pyxdf has no writer, so
`write_xdf` below follows the XDF 1.0 specification byte by byte and pyxdf itself must read the
file back identically (the independent check); our reader is then checked against that.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyedflib
import pytest
import pyxdf
from evoke_tools.writers import _eeg_stream, _pyedflib_read, write_edf, write_xdf

from inference import load_model
from inference.dsp.electrodes import DEAP_EEG_CHANNELS
from inference.errors import InputError
from inference.io.csv_file import read_csv
from inference.io.deap_files import read_recording as read_deap
from inference.io.edf import read_edf
from inference.io.formats import SUPPORTED, read_recording
from inference.io.xdf import read_xdf
from inference.predict import predict

EPOC = ("AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6", "F4", "F8", "AF4")
PYEDFLIB_DATA = Path(pyedflib.__file__).resolve().parent / "tests" / "data"


# ----------------------------------------------------------------------------------------- XDF
@pytest.fixture(scope="module")
def xdf_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    rng = np.random.default_rng(3)
    markers = {
        "name": "Markers",
        "type": "Markers",
        "rate": 0,
        "format": "string",
        "channel_count": 1,
        "labels": ("marker",),
        "stamps": np.array([1000.5, 1002.0]),
        "values": ["start", "stop <&>"],
    }
    acc = {
        "name": "Motion",
        "type": "ACC",
        "rate": 50,
        "format": "double64",
        "channel_count": 3,
        "labels": ("X", "Y", "Z"),
        "unit": "g",
        "stamps": 1000.0 + np.arange(250) / 50,
        "values": rng.standard_normal((250, 3)),
    }
    eeg = _eeg_stream(tuple(DEAP_EEG_CHANNELS[:16]), 256.0, 5.0, 4)
    streams = [markers, acc, eeg]  # the EEG stream is not the first: the reader must find it
    path = tmp_path_factory.mktemp("xdf") / "session.xdf"
    write_xdf(path, streams)
    return path, streams


def test_written_xdf_reads_back_identically_with_pyxdf(
    xdf_file: tuple[Path, list[dict[str, Any]]],
) -> None:
    path, written = xdf_file
    streams, header = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    assert header["info"]["version"] == ["1.0"]
    by_name = {s["info"]["name"][0]: s for s in streams}
    assert set(by_name) == {"TestAmp", "Motion", "Markers"}
    for w in written:
        got = by_name[w["name"]]
        np.testing.assert_array_equal(got["time_stamps"], w["stamps"])
        if w["format"] == "string":
            assert [row[0] for row in got["time_series"]] == w["values"]
        else:
            np.testing.assert_array_equal(got["time_series"], w["values"])
        labels = [c["label"][0] for c in got["info"]["desc"][0]["channels"][0]["channel"]]
        assert labels == list(w["labels"])
        assert int(got["footer"]["info"]["sample_count"][0]) == len(w["stamps"])


def test_xdf_reader_picks_the_eeg_stream(xdf_file: tuple[Path, list[dict[str, Any]]]) -> None:
    path, written = xdf_file
    eeg = written[2]
    rec = read_recording(path)
    assert rec.channels == tuple(eeg["labels"]) and rec.rate == 256.0 and rec.trials == ()
    np.testing.assert_array_equal(rec.samples, eeg["values"])
    assert rec.format == "XDF" and rec.details["stream"] == "TestAmp"
    assert rec.first_time_s == pytest.approx(1000.0)
    # by name, by type, case-insensitively; the accelerometer's unit "g" is not converted
    assert read_xdf(path, stream="testamp").channels == rec.channels
    motion = read_recording(path, stream="ACC")
    assert motion.channels == ("X", "Y", "Z") and motion.rate == 50.0
    # float32, as every reader holds samples (a double64 stream rounds to 24 bits)
    np.testing.assert_array_equal(motion.samples, written[1]["values"].astype(np.float32))


def test_xdf_stream_errors_list_the_streams(
    xdf_file: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    path, written = xdf_file
    with pytest.raises(InputError, match=r"no stream named or typed 'Nope'.*'Markers'.*'Motion'"):
        read_xdf(path, stream="Nope")
    with pytest.raises(InputError, match="holds text"):
        read_xdf(path, stream="Markers")
    only_markers = tmp_path / "markers.xdf"
    write_xdf(only_markers, [written[0]])
    with pytest.raises(InputError, match=r"markers\.xdf: no EEG stream.*'Markers' \(type Markers"):
        read_xdf(only_markers)


def test_xdf_millivolts_are_converted_and_rate_zero_uses_measured(tmp_path: Path) -> None:
    s = _eeg_stream(("Fp1", "Fp2", "Cz"), 128.0, 4.0, 5)
    s["unit"] = "mV"
    write_xdf(tmp_path / "mv.xdf", [s])
    rec = read_xdf(tmp_path / "mv.xdf")
    np.testing.assert_allclose(rec.samples, s["values"].astype(np.float64) * 1000.0)
    assert any("mV to microvolts" in str(n) for n in rec.notes)
    s["rate"], s["unit"] = 0, "microvolts"
    write_xdf(tmp_path / "irregular.xdf", [s])
    assert read_xdf(tmp_path / "irregular.xdf").rate == pytest.approx(128.0, rel=1e-3)


def test_xdf_rate_zero_with_restarting_stamps_uses_the_median_step(tmp_path: Path) -> None:
    """A 256 Hz stream with nominal rate 0 whose sender restarted its clock halfway: its span
    says 512 Hz; its steps say 256 Hz."""
    s = _eeg_stream(("Fp1", "Fp2", "Cz"), 256.0, 8.0, 6)
    half = len(s["stamps"]) // 2
    s["stamps"] = np.concatenate([s["stamps"][:half], s["stamps"][:half]])
    s["rate"] = 0
    write_xdf(tmp_path / "restart.xdf", [s])
    rec = read_xdf(tmp_path / "restart.xdf")
    assert rec.rate == pytest.approx(1.0 / float(np.median(np.diff(s["stamps"][:half]))))
    assert rec.rate == pytest.approx(256.0, rel=1e-3)
    assert any("go back 1 time(s)" in str(n) for n in rec.notes)


def test_xdf_with_many_marker_streams(tmp_path: Path) -> None:
    """900 marker streams of one marker each are read (their markers placed); a file of more than
    MAX_XDF_STREAMS streams is refused at the chunk walk (60,000 took 31 s)."""
    import struct

    from evoke_tools.hostile_headers import _FILE_HEADER, _eeg_body, _string_header, _xdf_chunk

    from inference.limits import MAX_XDF_STREAMS

    marker = b"\x01\x01" + b"\x08" + struct.pack("<d", 105.0) + b"\x01\x01x"  # 1 sample: "x"
    many = b"".join(_string_header(1, sid) + _xdf_chunk(3, struct.pack("<I", sid) + marker)
                    for sid in range(2, 902))  # fmt: skip
    path = tmp_path / "many.xdf"
    path.write_bytes(b"XDF:" + _FILE_HEADER + _eeg_body(10) + many)
    rec = read_recording(path)
    assert len(rec.markers) == 900 and {m.sample for m in rec.markers} == {5 * 128}
    extra = b"".join(_string_header(1, sid) for sid in range(2, MAX_XDF_STREAMS + 2))
    path.write_bytes(b"XDF:" + _FILE_HEADER + _eeg_body(2) + extra)
    with pytest.raises(InputError, match=rf"many\.xdf: more than {MAX_XDF_STREAMS:,} streams"):
        read_recording(path)


@pytest.mark.parametrize("cut", [2, 40, 300, -7, -1000])
def test_truncated_or_garbage_xdf_is_refused_naming_the_file(
    xdf_file: tuple[Path, list[dict[str, Any]]], tmp_path: Path, cut: int
) -> None:
    data = xdf_file[0].read_bytes()
    bad = tmp_path / "cut.xdf"
    bad.write_bytes(data[:cut])
    with pytest.raises(InputError, match=r"cut\.xdf: .*(truncated|not an XDF|damaged|empty)"):
        read_recording(bad)
    bad.write_bytes(b"XDF:" + b"\x01\x05\x01\x00<nonsense" + data[200:400])
    with pytest.raises(InputError, match=r"cut\.xdf: "):
        read_recording(bad)


# ----------------------------------------------------------------------------------------- EDF
@pytest.mark.parametrize("bdf", [False, True])
def test_edf_and_bdf_written_by_pyedflib(tmp_path: Path, bdf: bool) -> None:
    rng = np.random.default_rng(7)
    rate, seconds = 256.0, 4
    signals = [rng.standard_normal(round(rate * seconds)) * 30 for _ in EPOC]
    path = tmp_path / ("epoc.bdf" if bdf else "epoc.edf")
    write_edf(path, EPOC, (rate,) * len(EPOC), signals, bdf=bdf)
    rec = read_recording(path)
    labels, _, reference = _pyedflib_read(path)
    assert rec.channels == EPOC == tuple(labels) and rec.rate == rate and rec.trials == ()
    assert rec.format == ("BDF" if bdf else "EDF")
    # float32: pyEDFlib's float64 values, rounded to float32 (24 bits hold 16- and 24-bit data)
    assert rec.samples.dtype == np.float32
    np.testing.assert_array_equal(rec.samples, np.column_stack(reference).astype(np.float32))
    resolution = 2 * 30 * 6 / (2**24 if bdf else 2**16)  # physical range / digital steps
    np.testing.assert_allclose(rec.samples, np.column_stack(signals), atol=resolution)


@pytest.mark.parametrize("name", ["test_generator.bdf", "written"])
def test_bdf_first_byte_is_not_taken_as_text(tmp_path: Path, name: str) -> None:
    """A BDF header begins with 0xFF by the format's definition: no "not ASCII" note for it
    (pyEDFlib's BioSemi test file, and one pyEDFlib writes)."""
    path = PYEDFLIB_DATA / name
    if name == "written":
        path = tmp_path / "plain.bdf"
        write_edf(path, EPOC[:4], (128.0,) * 4, [np.zeros(256) + k for k in range(4)], bdf=True)
    assert path.read_bytes()[:1] == b"\xff"
    rec = read_recording(path)
    assert not [n for n in rec.notes if "ASCII" in str(n)]


def test_bdf_with_a_utf8_microvolt_unit(tmp_path: Path) -> None:
    """A BDF whose dimension is UTF-8 "µV" (bytes c2 b5 56): read as microvolts, the values
    pyEDFlib reads with "uV" (pyEDFlib refuses the non-ASCII unit), with one note."""
    rng = np.random.default_rng(3)
    path = tmp_path / "micro.bdf"
    signals = [rng.standard_normal(512) * 30 for _ in EPOC[:4]]
    write_edf(path, EPOC[:4], (256.0,) * 4, signals, bdf=True)
    _, _, reference = _pyedflib_read(path)
    data = bytearray(path.read_bytes())
    ns = int(data[252:256])  # the 4 signals and BDF+'s annotation signal
    start = 256 + ns * (16 + 80)  # the dimension fields, 8 bytes a signal
    for k in range(4):
        assert data[start + 8 * k : start + 8 * k + 8] == b"uV      "
        data[start + 8 * k : start + 8 * k + 8] = "µV".encode() + b"     "
    path.write_bytes(bytes(data))
    rec = read_recording(path)
    notes = " | ".join(map(str, rec.notes))
    assert rec.details["units"] == ("µV",) * 4 and "not voltages" not in notes
    assert "read as UTF-8" in notes and "guess" not in notes
    np.testing.assert_array_equal(rec.samples, np.column_stack(reference).astype(np.float32))


def test_edf_units_and_mixed_rates(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    eeg = [rng.standard_normal(512) * 0.03 for _ in range(9)]  # millivolts
    temp = [np.linspace(36.0, 36.5, 2)]  # 1 Hz: dropped and reported
    labels = ("EEG Fp1", "EEG Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "Oz", "Temp")
    path = tmp_path / "mixed.edf"
    write_edf(path, labels, (256.0,) * 9 + (1.0,), eeg + temp, unit="mV")
    rec = read_edf(path)
    assert rec.channels == labels[:9] and rec.rate == 256.0
    _, _, reference = _pyedflib_read(path)
    np.testing.assert_allclose(rec.samples, np.column_stack(reference[:9]) * 1000.0, rtol=1e-6)
    notes = " | ".join(map(str, rec.notes))
    assert "Temp (1 Hz)" in notes and "mV to microvolts" in notes


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("test_generator.edf", 11),  # EDFbrowser's generator: 11 signals at 200 Hz
        ("test_legacy.edf", 11),  # plain EDF whose annotation signal must not become data
        ("test_subsecond.edf", 1),  # EDF+ with a sub-second start time
        ("test_utf8.edf", 1),  # EDF+ with UTF-8 in its annotations
        ("test_generator.bdf", 1),  # BioSemi BDF+, 5 signals at 5 different rates
        ("test_generator_datarec_generator_0_5.bdf", 1),  # 0.5 s data records
        ("test_generator_datarec_generator_2.bdf", 1),  # 2 s data records
    ],
)
def test_files_made_by_other_programs(name: str, kept: int) -> None:
    """edfio (our reader) and pyEDFlib (the reference) give identical physical values."""
    path = PYEDFLIB_DATA / name
    labels, rates, signals = _pyedflib_read(path)
    rec = read_recording(path)
    assert len(rec.channels) == kept
    assert rec.channels == tuple(labels[:kept]) and rec.rate == rates[0]
    assert rec.samples.shape == (len(signals[0]), kept)
    np.testing.assert_array_equal(rec.samples, np.column_stack(signals[:kept]).astype(np.float32))
    if kept < len(labels) and "Annotations" not in labels[-1]:
        notes = " ".join(map(str, rec.notes))
        assert all(label in notes for label in labels[kept:])


def _with_record_count(data: bytes, count: int) -> bytes:
    """The same file with another 'number of data records' in its header (bytes 236-243)."""
    return data[:236] + f"{count:<8d}".encode() + data[244:]


@pytest.mark.parametrize("name", ["test_generator.edf", "test_generator.bdf"])
def test_unknown_or_wrong_record_count_reads_what_the_file_holds(tmp_path: Path, name: str) -> None:
    """-1 records (a recorder that never closed the file) and a wrong count read like MNE does:
    as many whole records as the file holds, with a note."""
    original = read_recording(PYEDFLIB_DATA / name)
    data = (PYEDFLIB_DATA / name).read_bytes()
    for count in (-1, 3, 10**7):
        path = tmp_path / f"count{count}{Path(name).suffix}"
        path.write_bytes(_with_record_count(data, count))
        rec = read_recording(path)
        np.testing.assert_array_equal(rec.samples, original.samples)
        assert "records" in " ".join(map(str, rec.notes))


def test_truncated_edf_keeps_its_whole_records_or_is_refused(tmp_path: Path) -> None:
    full = PYEDFLIB_DATA / "test_generator.edf"
    data = full.read_bytes()
    _, _, reference = _pyedflib_read(full)
    bad = tmp_path / "cut.edf"
    bad.write_bytes(data[:100])
    with pytest.raises(InputError, match=r"cut\.edf: not a readable EDF/BDF file"):
        read_recording(bad)
    bad.write_bytes(data[:5000])  # the header and less than one data record
    with pytest.raises(InputError, match=r"cut\.edf: the EDF file holds no samples"):
        read_recording(bad)
    bad.write_bytes(data[: len(data) // 2])  # a recording that stopped midway
    rec = read_recording(bad)
    n = rec.samples.shape[0]
    assert 0.4 * len(reference[0]) < n < 0.5 * len(reference[0]) and n % 200 == 0
    np.testing.assert_array_equal(
        rec.samples, np.column_stack(reference[:11])[:n].astype(np.float32)
    )
    assert "truncated" in " ".join(map(str, rec.notes))


def test_epoc_edf_end_to_end(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    rate, seconds = 256.0, 10
    t = np.arange(round(rate * seconds)) / rate
    signals = [
        20 * np.sin(2 * np.pi * (6 + k) * t + k) + 10 * rng.standard_normal(t.size)
        for k in range(len(EPOC))
    ]
    path = tmp_path / "epoc.edf"
    write_edf(path, EPOC, (rate,) * len(EPOC), signals)
    pred = predict(read_recording(path), load_model())
    (timeline,) = pred.timelines
    # 10 s is too short for the default 30 s calibration: half of what follows the last window
    assert len(timeline.t) == seconds - 4 and np.isfinite(timeline.probs).all()
    assert timeline.valid.all()
    notes = " | ".join(pred.notes)
    missing = [n for n in DEAP_EEG_CHANNELS if n not in EPOC]
    assert (
        len(missing) == 18
        and f"missing electrodes (read as no change): {', '.join(missing)}" in notes
    )
    assert "resampled from 256 Hz to 128 Hz" in notes
    assert "baseline: the first 4 s (the recording is too short for 30 s)" in notes


# ----------------------------------------------------------------------------------------- CSV
def _write_csv(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_csv_with_time_column_and_with_rate(tmp_path: Path) -> None:
    rng = np.random.default_rng(10)
    values = rng.standard_normal((300, 3)) * 10
    t = np.arange(300) / 250.0
    lines = ["timestamp,Fp1,Fz,O2"] + [
        f"{ti:.6f},{a!r},{b!r},{c!r}" for ti, (a, b, c) in zip(t, values.tolist(), strict=True)
    ]
    path = _write_csv(tmp_path / "eeg.csv", "\n".join(lines) + "\n\n")
    rec = read_recording(path)
    assert rec.channels == ("Fp1", "Fz", "O2") and rec.rate == 250.0 and rec.trials == ()
    np.testing.assert_array_equal(rec.samples, values.astype(np.float32))  # held as float32
    no_time = ["Fp1;Fz"] + [f"{a!r};{b!r}" for a, b in values[:, :2].tolist()] + ["1;"]
    path2 = _write_csv(tmp_path / "semi.csv", "\n".join(no_time))
    rec2 = read_csv(path2, rate=128)
    assert rec2.rate == 128.0 and rec2.samples.shape == (301, 2)
    assert np.isnan(rec2.samples[-1, 1])  # an empty cell is a missing sample


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Fp1,Fz\n1,2\n3,4\n", "no sampling rate: pass it"),
        ("t,Fp1,Fz\n0,1,2\n0.01,3\n", r"line 3 has 2 values but the header names 3"),
        ("t,Fp1,Fz\n0,1,2\n\n0.01,3,x4\n", r"line 4, column 3 \('Fz'\): 'x4' is not a number"),
        ("1,2\n3,4\n", "line 1 must be a header of channel names"),
        ("time,Fp1\n0,1\n0,2\n", r"line 3: the 'time' column does not increase"),
        ("time,Fp1\n0,1\n1,2\n2,3\n", "times must be in seconds"),
        ("", "empty CSV file"),
        ("t,Fp1\n", "no samples after the header"),
    ],
)
def test_csv_errors_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = _write_csv(tmp_path / "bad.csv", text)
    with pytest.raises(InputError, match=rf"bad\.csv: .*{message}"):
        read_recording(path)


def test_binary_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(InputError, match=r"bin\.csv: not a text"):
        read_recording(path, rate=128)


# ---------------------------------------------------------------------------------- dispatcher
def test_dispatcher_deap_and_errors(deap_two_trials: Path, tmp_path: Path) -> None:
    rec = read_recording(deap_two_trials, trial=2)
    ref = read_deap(deap_two_trials, trial=2)
    np.testing.assert_array_equal(rec.samples, ref.samples)
    assert rec.trials == ref.trials
    with pytest.raises(InputError) as info:
        read_recording(tmp_path / "x.doc")
    for kind in (".dat", ".mat", ".xdf", ".edf", ".bdf", ".csv", "folder", ".set", ".vhdr", ".fif"):
        assert kind in str(info.value)
    assert SUPPORTED in str(info.value)
    with pytest.raises(InputError, match="no such file"):
        read_recording(tmp_path / "none.edf")
    csv_path = _write_csv(tmp_path / "a.csv", "Fp1\n1\n2\n")
    with pytest.raises(InputError, match="carry no subjects"):
        read_recording(csv_path, subject=1, rate=128)
    with pytest.raises(InputError, match="carries no trials"):
        read_recording(csv_path, trial=1, rate=128)
    with pytest.raises(InputError, match="'stream' applies to XDF"):
        read_recording(csv_path, stream="EEG", rate=128)
    with pytest.raises(InputError, match="does not apply to DEAP"):
        read_recording(deap_two_trials, rate=128)


def test_missing_libraries_say_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "edfio", None)
    monkeypatch.setitem(sys.modules, "pyxdf", None)
    edf = tmp_path / "a.edf"
    edf.write_bytes(b"0")
    with pytest.raises(InputError, match=r"pip install edfio"):
        read_recording(edf)
    xdf = tmp_path / "a.xdf"
    xdf.write_bytes(b"XDF:")
    with pytest.raises(InputError, match=r"pip install pyxdf"):
        read_recording(xdf)


@pytest.mark.parametrize("rate", [512.0, 500.0, 256.0, 128.0])
def test_csv_rate_from_rounded_time_column(tmp_path: Path, rate: float) -> None:
    """Times written with 5 decimals round every step (1/512 s -> 0.00195); the rate must not."""
    from inference.io.csv_file import read_csv

    n = int(rate * 6)
    data = np.column_stack([np.arange(n) / rate, np.random.default_rng(0).standard_normal((n, 3))])
    path = tmp_path / "rounded.csv"
    np.savetxt(path, data, delimiter=",", header="time,Fz,Cz,Pz", comments="", fmt="%.5f")
    assert read_csv(path).rate == rate


def test_csv_blank_lines_and_blank_cells_in_bulk(tmp_path: Path) -> None:
    """Megabytes of blank lines are skipped and rows of blank cells are missing samples, read
    in bulk (a 50 MB blank CSV took 27 s): the values equal numpy's genfromtxt (blank cells
    NaN, blank lines skipped) and an error after them still names its true line."""
    rng = np.random.default_rng(4)
    head = rng.standard_normal((300, 3)).round(3)
    tail = rng.standard_normal((300, 3)).round(3)
    text = "Fp1,Fp2,Cz\n" + "".join(f"{a},{b},{c}\n" for a, b, c in head)
    text += "\n" * 300_000 + ",,\n" * 100_000 + " , ,\r\n" * 1000
    text += "".join(f"{a},{b},{c}\n" for a, b, c in tail)
    path = _write_csv(tmp_path / "blank.csv", text)
    rec = read_csv(path, rate=128.0)
    reference = np.genfromtxt(path, delimiter=",", skip_header=1)  # skips blank lines too
    assert rec.samples.shape == reference.shape == (300 + 101_000 + 300, 3)
    np.testing.assert_array_equal(rec.samples, reference.astype(np.float32))
    bad = _write_csv(tmp_path / "bad.csv", text + ",1\n")
    with pytest.raises(
        InputError, match=rf"bad\.csv: line {1 + 300 + 401_000 + 300 + 1} has 2 values"
    ):
        read_csv(bad, rate=128.0)
    ragged = _write_csv(tmp_path / "ragged.csv", "Fp1,Fp2,Cz\n" + ",,\n" * 10 + ",\n")
    with pytest.raises(InputError, match=r"ragged\.csv: line 12 has 2 values"):
        read_csv(ragged, rate=128.0)
