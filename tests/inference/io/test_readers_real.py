"""Recordings as labs have them: files MNE writes (FIF, EEGLAB, BrainVision, EDF), DEAP's original
BDF recordings with their Status codes, markers to bake a span between, units named or not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import mne
import numpy as np
import pytest
from evoke_tools.artefacts import raw_trials
from evoke_tools.paths import ROOT
from evoke_tools.writers import TWENTE_ORDER, _eeg_stream, write_deap_original_bdf, write_xdf

from inference import load_model, predict
from inference.dsp.electrodes import DEAP_EEG_CHANNELS
from inference.errors import InputError
from inference.io.formats import describe_markers, read_recording

NAMES = ("Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "Fz", "Cz", "Pz", "T7")


@pytest.fixture(scope="module")
def mne_raw() -> mne.io.RawArray:
    """14 EEG channels at 256 Hz in volts with two annotations, as MNE holds a recording."""
    x = raw_trials(1, 1, 256.0, seed=4)[0][: 256 * 20, : len(NAMES)].T * 1e-6
    info = mne.create_info(list(NAMES), 256.0, "eeg")
    raw = mne.io.RawArray(x, info, verbose="error")
    raw.set_annotations(mne.Annotations([4.0, 15.5], [0.0, 0.0], ["music on", "music off"]))
    return raw


# resolution each writer keeps, in microvolts: FIF/EEGLAB/BrainVision store float32, MNE's EDF
# export 16-bit integers over the data's range
@pytest.mark.parametrize(
    ("suffix", "atol"), [(".fif", 1e-4), (".set", 1e-4), (".vhdr", 1e-4), (".edf", 0.05)]
)
def test_files_mne_writes_read_as_mne_reads_them(
    mne_raw: mne.io.RawArray, tmp_path: Path, suffix: str, atol: float
) -> None:
    path = tmp_path / f"rec{suffix}"
    if suffix == ".fif":
        mne_raw.save(path, verbose="error")
    else:
        mne.export.export_raw(path, mne_raw, verbose="error")
    rec = read_recording(path)
    reference = mne.io.read_raw(path, preload=True, verbose="error")
    assert rec.channels == NAMES and rec.rate == 256.0 and rec.unit_known
    np.testing.assert_allclose(rec.samples, reference.get_data(picks="eeg").T * 1e6, atol=1e-9)
    np.testing.assert_allclose(rec.samples, mne_raw.get_data().T * 1e6, atol=atol)
    labels = [m.label.removeprefix("Comment/") for m in rec.markers]  # BrainVision's type prefix
    assert labels == ["music on", "music off"]
    assert [m.sample for m in rec.markers] == [4 * 256, round(15.5 * 256)]
    assert np.isfinite(predict(rec, load_model()).timelines[0].probs).all()


@pytest.mark.parametrize("kind", ["vhdr", "set"])
def test_header_and_data_files_longer_than_a_mebibyte(tmp_path: Path, kind: str) -> None:
    """BrainVision (pybv) and EEGLAB with a separate .fdt (eeglabio's .set split as EEGLAB saves
    long recordings): the budget counts the data files the header names, so they read whole."""
    from evoke_tools.writers import write_brainvision, write_eeglab_fdt

    x = raw_trials(1, 1, 256.0, seed=5)[0][: 256 * 90, :32].astype(np.float32)  # 90 s: 2.9 MB
    labels = tuple(DEAP_EEG_CHANNELS)
    if kind == "vhdr":
        files = write_brainvision(tmp_path / "long", x, 256.0, labels)
    else:
        files = write_eeglab_fdt(tmp_path / "long.set", x, 256.0, labels)
    assert files[0].stat().st_size < 1 << 20 < sum(f.stat().st_size for f in files)
    rec = read_recording(files[0])
    reference = mne.io.read_raw(files[0], preload=True, verbose="error").get_data(picks="eeg")
    assert rec.channels == labels and rec.samples.dtype == np.float32
    np.testing.assert_array_equal(rec.samples, (reference.T * 1e6).astype(np.float32))
    np.testing.assert_allclose(rec.samples, x, rtol=1e-5, atol=1e-3)


def test_data_files_must_be_regular_and_within_the_budget(tmp_path: Path) -> None:
    """A .vhdr whose DataFile is a FIFO (MNE's open would block for ever), a sparse 64 GB file,
    or missing; an EEGLAB .set whose .fdt is a FIFO: refused before MNE opens them."""
    import os

    from evoke_tools.writers import write_brainvision, write_eeglab_fdt

    x = np.random.default_rng(0).standard_normal((256 * 4, 32)).astype(np.float32)
    vhdr, vmrk, eeg = write_brainvision(tmp_path / "rec", x, 256.0, tuple(DEAP_EEG_CHANNELS))
    eeg.unlink()
    os.mkfifo(eeg)
    with pytest.raises(InputError, match=r"rec\.vhdr: .*rec\.eeg: not a regular file"):
        read_recording(vhdr)
    eeg.unlink()
    with open(eeg, "wb") as f:
        f.truncate(64 << 30)  # sparse: no blocks on disk
    with pytest.raises(InputError, match=r"rec\.vhdr: .*rec\.eeg: .* bytes is more than"):
        read_recording(vhdr)
    eeg.unlink()
    with pytest.raises(InputError, match=r"rec\.vhdr: .*rec\.eeg: no such file"):
        read_recording(vhdr)
    path, fdt = write_eeglab_fdt(tmp_path / "rec.set", x, 256.0, tuple(DEAP_EEG_CHANNELS))
    fdt.unlink()
    os.mkfifo(fdt)
    with pytest.raises(InputError, match=r"rec\.set: .*rec\.fdt: not a regular file"):
        read_recording(path)


def test_without_mne_other_formats_say_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "mne", None)
    path = tmp_path / "rec.set"
    path.write_bytes(b"0")
    with pytest.raises(InputError, match=r"EEGLAB files needs MNE-Python \(pip install mne\)"):
        read_recording(path)


@pytest.mark.slow
def test_span_between_two_markers(mne_raw: mne.io.RawArray, tmp_path: Path) -> None:
    path = tmp_path / "rec.fif"
    mne_raw.save(path, verbose="error")
    assert describe_markers(read_recording(path)) == [
        "1: 4.00 s  music on",
        "2: 15.50 s  music off",
    ]
    rec = read_recording(path, between=(1, 2))
    (trial,) = rec.trials
    assert (trial.onset, trial.stop) == (4 * 256, round(15.5 * 256))  # 3 s before it: baseline
    (tl,) = predict(rec, load_model()).timelines
    assert len(tl.t) == 11 and tl.t[-1] == 10.0  # 11.5 s of span: windows at 0..10 s
    with pytest.raises(InputError, match="does not come after"):
        read_recording(path, between=(2, 1))
    with pytest.raises(InputError, match="out of range"):
        read_recording(path, between=(1, 3))
    out = subprocess.run([sys.executable, "-m", "inference", "predict", str(path), "--markers"],
                         capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert out.returncode == 0 and "2: 15.50 s  music off" in out.stdout
    out = subprocess.run([sys.executable, "-m", "inference", "predict", str(path), "--between", "1", "2", "--json"],
                         capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert out.returncode == 0 and out.stdout.count('"t"') == 11


def test_xdf_marker_stream_becomes_markers(tmp_path: Path) -> None:
    eeg = _eeg_stream(DEAP_EEG_CHANNELS[:16], 250.0, 20.0, seed=2)
    markers = {
        "name": "Events", "type": "Markers", "rate": 0, "format": "string", "channel_count": 1,
        "labels": ("marker",), "stamps": 1000.0 + np.array([3.2, 12.0]), "values": ["start", "end"],
    }  # fmt: skip
    path = tmp_path / "session.xdf"
    write_xdf(path, [markers, eeg])
    rec = read_recording(path)
    assert [(m.sample, m.label) for m in rec.markers] == [(800, "start"), (3000, "end")]
    span = read_recording(path, between=(1, 2))
    assert span.trials[0].onset == 800 and span.trials[0].stop == 3000


@pytest.fixture(scope="module")
def deap_originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two trials written as DEAP's original BDF in both channel orders."""
    from evoke_tools.synthetic import make_subject

    data, _ = make_subject(1, seed=9, n_trials=2)
    from scipy.signal import resample_poly

    trials = [resample_poly(t[:32].T, 4, 1, axis=0) for t in data]
    folder = tmp_path_factory.mktemp("deap_original")
    starts = write_deap_original_bdf(folder / "s01.bdf", trials, DEAP_EEG_CHANNELS, TWENTE_ORDER)
    write_deap_original_bdf(folder / "s23.bdf", trials, DEAP_EEG_CHANNELS, DEAP_EEG_CHANNELS)
    # the later subjects' layouts: a blank Status label (s24-s28) or "-1" (s29-s32), the upper
    # trigger lines and amplifier bits held high (0x18FF01-0x18FF07)
    for name, label in (("s24.bdf", ""), ("s29.bdf", "-1")):
        write_deap_original_bdf(folder / name, trials, DEAP_EEG_CHANNELS, DEAP_EEG_CHANNELS,
                                status_label=label, held=0x18FF00)  # fmt: skip
    return {"twente": folder / "s01.bdf", "geneva": folder / "s23.bdf", "starts": starts,
            "blank": folder / "s24.bdf", "minus_one": folder / "s29.bdf"}  # fmt: skip


@pytest.mark.slow
def test_deap_original_bdf_splits_into_trials_in_either_channel_order(
    deap_originals: dict[str, Any],
) -> None:
    twente = read_recording(deap_originals["twente"])
    geneva = read_recording(deap_originals["geneva"])
    assert [t.onset for t in geneva.trials] == [t.onset for t in twente.trials]
    assert twente.rate == 512.0 and len(twente.channels) == 47  # 32 EEG + 15 others; no Status
    assert [t.onset for t in twente.trials] == deap_originals["starts"]
    assert all(t.stop - t.onset == 60 * 512 and t.baseline_s == 3.0 for t in twente.trials)
    assert [m.label for m in twente.markers[:3]] == ["code 3", "code 4", "code 5"]
    model = load_model()
    a = predict(read_recording(deap_originals["twente"], trial=2), model).timelines
    b = predict(read_recording(deap_originals["geneva"], trial=2), model).timelines
    assert len(a) == len(b) == 1 and a[0].trial == 2 and len(a[0].t) == 60
    np.testing.assert_allclose(a[0].raw_probs, b[0].raw_probs, atol=1e-6)  # same electrodes
    with pytest.raises(InputError, match="trial 3 is out of range 1..2"):
        read_recording(deap_originals["twente"], trial=3)
    notes = " ".join(map(str, twente.notes))
    assert "in the order they were shown" in notes and "video order" in notes


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["blank", "minus_one"])
def test_deap_later_subjects_status_layouts(deap_originals: dict[str, Any], layout: str) -> None:
    """s24-s32: the Status channel found without its label, the held lines masked out."""
    rec = read_recording(deap_originals[layout])
    geneva = read_recording(deap_originals["geneva"])
    assert rec.channels == geneva.channels and len(rec.channels) == 47  # Status is not data
    assert [t.onset for t in rec.trials] == deap_originals["starts"]
    assert [m.label for m in rec.markers] == [m.label for m in geneva.markers]
    assert [m.label for m in rec.markers[:3]] == ["code 3", "code 4", "code 5"]
    np.testing.assert_array_equal(rec.samples, geneva.samples)
    notes = " ".join(map(str, rec.notes))
    assert "held high" in notes and "0xff00" in notes


def test_csv_units_stated_or_guessed(tmp_path: Path) -> None:
    x = raw_trials(1, 1, 256.0, seed=6)[0][: 256 * 8, :8]
    header = ",".join(["time", *DEAP_EEG_CHANNELS[:8]])
    t = np.arange(len(x)) / 256.0
    path = tmp_path / "volts.csv"
    np.savetxt(
        path, np.column_stack([t, x * 1e-6]), delimiter=",", header=header, comments="", fmt="%.10g"
    )
    guessed = read_recording(path)
    np.testing.assert_allclose(guessed.samples, x, rtol=1e-6, atol=1e-6)
    assert any("read as V" in str(n) for n in guessed.notes)
    stated = read_recording(path, unit="V")
    np.testing.assert_allclose(stated.samples, x, rtol=1e-6, atol=1e-6)
    assert not any("read as" in str(n) for n in stated.notes)
    edf = tmp_path / "rec.edf"
    edf.write_bytes(b"0")
    with pytest.raises(InputError, match="applies to XDF and CSV"):
        read_recording(edf, unit="V")
