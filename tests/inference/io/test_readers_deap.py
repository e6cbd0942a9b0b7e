"""DEAP .dat/.mat files and folders become checked arrays and Recordings with clear errors."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from evoke_tools.synthetic import make_subject, write_dat, write_deap_folder

from inference.dsp.electrodes import DEAP_ALL_CHANNELS
from inference.errors import InputError
from inference.io.deap_files import (
    DeapFolder,
    deap_recording,
    read_deap_dat,
    read_deap_mat,
    read_recording,
)

N_TRIALS = 3
SEED = 11


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("deap")
    write_deap_folder(out, [1, 2], seed=SEED, mat=True, n_trials=N_TRIALS)
    return out


@pytest.fixture(scope="module")
def subject1() -> tuple[np.ndarray, np.ndarray]:
    return make_subject(1, SEED, N_TRIALS)


def test_dat_round_trip(folder: Path, subject1: tuple[np.ndarray, np.ndarray]) -> None:
    data, labels = read_deap_dat(folder / "s01.dat")
    assert data.shape == (N_TRIALS, 40, 8064) and data.dtype == np.float64
    assert labels.shape == (N_TRIALS, 4) and labels.dtype == np.float64
    np.testing.assert_array_equal(data, subject1[0])
    np.testing.assert_array_equal(labels, subject1[1])


def test_mat_round_trip(folder: Path, subject1: tuple[np.ndarray, np.ndarray]) -> None:
    data, labels = read_deap_mat(folder / "s01.mat")
    np.testing.assert_array_equal(data, subject1[0])
    np.testing.assert_array_equal(labels, subject1[1])


def test_mat_without_scipy_says_what_to_install(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "scipy.io", None)
    with pytest.raises(InputError, match=r"s01\.mat: reading \.mat files needs scipy"):
        read_deap_mat(folder / "s01.mat")


def test_corrupt_mat(tmp_path: Path) -> None:
    path = tmp_path / "s01.mat"
    path.write_bytes(b"MATLAB 5.0 MAT-file, but then nothing useful" + bytes(200))
    with pytest.raises(InputError, match=r"s01\.mat"):
        read_deap_mat(path)


def _write(tmp_path: Path, data: np.ndarray, labels: np.ndarray) -> Path:
    path = tmp_path / "s05.dat"
    write_dat(path, data, labels)
    return path


def test_wrong_shape_says_expected_and_got(tmp_path: Path) -> None:
    path = _write(tmp_path, np.zeros((2, 32, 8064), np.float32), np.full((2, 4), 5.0))
    with pytest.raises(InputError) as info:
        read_deap_dat(path)
    message = str(info.value)
    assert "s05.dat" in message and "(2, 32, 8064)" in message and "(trials, 40, 8064)" in message


def test_labels_must_match_trials(tmp_path: Path) -> None:
    path = _write(tmp_path, np.zeros((2, 40, 8064), np.float32), np.full((3, 4), 5.0))
    with pytest.raises(InputError, match=r"labels have shape \(3, 4\), expected \(2, 4\)"):
        read_deap_dat(path)


def test_nan_and_out_of_range_labels(tmp_path: Path) -> None:
    labels = np.full((2, 4), 5.0)
    labels[1, 1] = np.nan
    path = _write(tmp_path, np.zeros((2, 40, 8064), np.float32), labels)
    with pytest.raises(InputError, match=r"s05\.dat: 1 rating.*trial 2 arousal = nan"):
        read_deap_dat(path)
    labels[1, 1] = 0.0
    path = _write(tmp_path, np.zeros((2, 40, 8064), np.float32), labels)
    with pytest.raises(InputError, match="not numbers in 1..9"):
        read_deap_dat(path)


def test_non_finite_data_and_integer_data(tmp_path: Path) -> None:
    data = np.zeros((1, 40, 8064), np.float32)
    data[0, 3, 10] = np.inf
    with pytest.raises(InputError, match="1 NaN/Inf samples"):
        read_deap_dat(_write(tmp_path, data, np.full((1, 4), 5.0)))
    ints = np.zeros((1, 40, 8064), np.int16)
    with pytest.raises(InputError, match="floating point"):
        read_deap_dat(_write(tmp_path, ints, np.full((1, 4), 5.0)))


def test_wrong_content(tmp_path: Path) -> None:
    import pickle

    path = tmp_path / "s01.dat"
    path.write_bytes(pickle.dumps({"data": np.zeros(3)}, protocol=2))
    with pytest.raises(InputError, match="expected a dict with 'data' and 'labels'"):
        read_deap_dat(path)
    path.write_bytes(pickle.dumps([1, 2], protocol=2))
    with pytest.raises(InputError, match="got list"):
        read_deap_dat(path)


def test_recording_holds_every_trial_back_to_back(
    folder: Path, subject1: tuple[np.ndarray, np.ndarray]
) -> None:
    data, labels = subject1
    rec = deap_recording(folder / "s01.dat")
    assert rec.samples.shape == (N_TRIALS * 8064, 40)
    assert rec.channels == DEAP_ALL_CHANNELS and rec.rate == 128.0
    assert rec.source.endswith("s01.dat")
    assert rec.subject == 1 and [t.number for t in rec.trials] == [1, 2, 3]
    for k, trial in enumerate(rec.trials):
        assert (trial.onset, trial.stop) == (k * 8064 + 384, (k + 1) * 8064)
        assert trial.baseline_s == 3.0
        assert trial.ratings == tuple(labels[k])
        # held in float32 (DEAP's files go to features in float32; half the memory)
        np.testing.assert_array_equal(
            rec.samples[k * 8064 : (k + 1) * 8064], data[k].T.astype(np.float32)
        )
    assert rec.samples.dtype == np.float32


def test_trial_selection(folder: Path, subject1: tuple[np.ndarray, np.ndarray]) -> None:
    data, labels = subject1
    one = deap_recording(folder / "s01.dat", trial=2)
    assert one.samples.shape == (8064, 40) and len(one.trials) == 1
    assert (one.trials[0].onset, one.trials[0].stop) == (384, 8064)
    assert one.trials[0].ratings == tuple(labels[1])
    np.testing.assert_array_equal(one.samples, data[1].T.astype(np.float32))
    two = deap_recording(folder / "s01.mat", trial=[3, 1])
    assert [t.number for t in two.trials] == [3, 1]
    assert [t.number for t in two.trials] == [3, 1]
    np.testing.assert_array_equal(two.samples[:8064], data[2].T.astype(np.float32))
    np.testing.assert_array_equal(two.samples[8064:], data[0].T.astype(np.float32))
    assert two.trials[1].onset == 8064 + 384
    for bad in (0, 4, [1, 5]):
        with pytest.raises(InputError, match=r"out of range: the file holds 3 trials \(1\.\.3\)"):
            deap_recording(folder / "s01.dat", trial=bad)
    with pytest.raises(InputError, match="no trials selected"):
        deap_recording(folder / "s01.dat", trial=[])


def test_folder_lists_subjects_and_prefers_dat(folder: Path) -> None:
    deap = DeapFolder(folder)
    assert deap.subjects == [1, 2]
    assert deap.file(1).name == "s01.dat"
    data, labels = deap.load(2)
    assert data.shape == (N_TRIALS, 40, 8064)
    rec = deap.recording(2, trials=[1])
    assert rec.subject == 2 and len(rec.trials) == 1
    np.testing.assert_array_equal(rec.samples, data[0].T.astype(np.float32))


def test_folder_of_mat_files_only(tmp_path: Path, folder: Path) -> None:
    (tmp_path / "s03.mat").write_bytes((folder / "s01.mat").read_bytes())
    (tmp_path / "notes.txt").write_text("not a subject")
    deap = DeapFolder(tmp_path)
    assert deap.subjects == [3] and deap.file(3).suffix == ".mat"
    assert deap.load(3)[0].shape == (N_TRIALS, 40, 8064)


def test_folder_errors(tmp_path: Path, folder: Path) -> None:
    with pytest.raises(InputError, match=r"subject 7 not found in .*: found s01, s02"):
        DeapFolder(folder).load(7)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no DEAP files here"):
        DeapFolder(empty)
    with pytest.raises(InputError, match="not a folder"):
        DeapFolder(tmp_path / "missing")


def test_read_recording_dispatches_on_suffix(folder: Path) -> None:
    assert read_recording(folder / "s01.dat").samples.shape == (N_TRIALS * 8064, 40)
    assert read_recording(str(folder / "s02.mat"), trial=1).samples.shape == (8064, 40)
    assert read_recording(folder, subject=2, trial=[2]).subject == 2
    assert read_recording(folder / "s01.dat", subject=1).subject == 1


def test_read_recording_errors(tmp_path: Path, folder: Path) -> None:
    odd = tmp_path / "recording.xyz"
    odd.write_text("x")
    with pytest.raises(InputError) as info:
        read_recording(odd)
    message = str(info.value)
    assert "unsupported file type '.xyz'" in message and "supported: .dat .mat (DEAP)" in message
    assert "folder" in message
    with pytest.raises(InputError, match="holds 2 subjects"):
        read_recording(folder)
    with pytest.raises(InputError, match="asked for subject 2 but this file is subject 1"):
        read_recording(folder / "s01.dat", subject=2)
    with pytest.raises(InputError, match="no such file"):
        read_recording(tmp_path / "s04.dat")
    with pytest.raises(InputError, match="subject 9 not found"):
        read_recording(folder, subject=9)
