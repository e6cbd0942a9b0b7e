"""DEAP's preprocessed files (`sXX.dat` pickles, `sXX.mat` Matlab copies) as Recordings.

Each file holds data (trials x 40 channels x 8064 samples at 128 Hz: 3 s baseline, then 60 s of
video) and labels (trials x 4: valence, arousal, dominance, liking on 1..9). Both are checked
here, once, so a wrong file fails with a message naming it instead of deep inside the features.
`.dat` files are unpickled by `safe_pickle`, which never runs code a file might carry.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..deap import (  # noqa: F401  (re-exported: the readers' callers name them here)
    BASELINE_S,
    BASELINE_SAMPLES,
    N_CHANNELS,
    N_RATINGS,
    N_SAMPLES,
    N_SUBJECTS,
    RATE,
    RATING_NAMES,
    RAW_RATE,
    STATUS_VIDEO_START,
    SUBJECT_FILE,
    TRIAL_S,
)  # fmt: skip
from ..dsp.electrodes import DEAP_ALL_CHANNELS
from ..errors import InputError
from ..limits import MAX_DEAP_MAT_BYTES, MAX_INFLATION, MAX_RECORDING_BYTES, MiB
from .recording import Recording, Trial
from .safe_files import check_regular
from .safe_pickle import load_pickle

PathLike = str | os.PathLike[str]
TrialSelection = int | Sequence[int] | None


def _check(data: object, labels: object, source: str) -> tuple[np.ndarray, np.ndarray]:
    """DEAP's shapes, float samples, finite samples and ratings in 1..9, or an InputError."""
    if not isinstance(data, np.ndarray):
        raise InputError(f"{source}: 'data' is {type(data).__name__}, expected an array")
    if not isinstance(labels, np.ndarray):
        raise InputError(f"{source}: 'labels' is {type(labels).__name__}, expected an array")
    if data.ndim != 3 or data.shape[1:] != (N_CHANNELS, N_SAMPLES) or data.shape[0] < 1:
        raise InputError(
            f"{source}: data has shape {data.shape}, expected (trials, {N_CHANNELS}, {N_SAMPLES}) "
            f"as in DEAP (40, 40, 8064)"
        )
    n_trials = data.shape[0]
    if labels.shape != (n_trials, N_RATINGS):
        raise InputError(
            f"{source}: labels have shape {labels.shape}, expected ({n_trials}, {N_RATINGS}) "
            "(valence, arousal, dominance, liking per trial)"
        )
    if not np.issubdtype(data.dtype, np.floating):
        raise InputError(f"{source}: data must be floating point, got {data.dtype}")
    if not (np.issubdtype(labels.dtype, np.floating) or np.issubdtype(labels.dtype, np.integer)):
        raise InputError(f"{source}: labels must be numbers, got {labels.dtype}")
    labels = labels.astype(np.float64)
    bad = ~np.isfinite(labels) | (labels < 1.0) | (labels > 9.0)
    if bad.any():
        trial, column = np.argwhere(bad)[0]
        raise InputError(
            f"{source}: {int(bad.sum())} rating(s) are not numbers in 1..9, first: trial "
            f"{trial + 1} {RATING_NAMES[column]} = {labels[trial, column]}"
        )
    finite = np.isfinite(data)
    if not finite.all():
        raise InputError(f"{source}: data hold {int(finite.size - finite.sum())} NaN/Inf samples")
    return data, labels


def read_deap_dat(path: PathLike) -> tuple[np.ndarray, np.ndarray]:
    """(data (trials, 40, 8064) float, labels (trials, 4) float64) from a DEAP `.dat` pickle."""
    source = str(path)
    content = load_pickle(path)
    if not isinstance(content, dict) or not {"data", "labels"} <= content.keys():
        keys = sorted(map(str, content)) if isinstance(content, dict) else type(content).__name__
        raise InputError(f"{source}: expected a dict with 'data' and 'labels', got {keys}")
    return _check(content["data"], content["labels"], source)


def read_deap_mat(path: PathLike) -> tuple[np.ndarray, np.ndarray]:
    """The same from DEAP's Matlab copy (`.mat`); needs scipy, which Blender does not ship."""
    source = str(path)
    try:
        from scipy.io import loadmat
    except ImportError:
        raise InputError(
            f"{source}: reading .mat files needs scipy (pip install scipy); "
            "the .dat files of DEAP's Python release need nothing extra"
        ) from None
    size = check_regular(path, "DEAP .mat", MAX_RECORDING_BYTES)
    _check_declared(path, source, size)
    try:
        content = loadmat(path, variable_names=["data", "labels"])
    except NotImplementedError as exc:  # Matlab v7.3 (HDF5) files
        raise InputError(f"{source}: cannot read this .mat version ({exc})") from exc
    except Exception as exc:  # scipy raises many types for a truncated or foreign file
        raise InputError(f"{source}: not a readable .mat file: {exc}") from exc
    missing = [key for key in ("data", "labels") if key not in content]
    if missing:
        raise InputError(
            f"{source}: no variable {' or '.join(missing)} (DEAP .mat files hold both)"
        )
    return _check(content["data"], content["labels"], source)


def _check_declared(path: PathLike, source: str, size: int) -> None:
    """The arrays a .mat declares, from its headers alone: a compressed file can claim gigabytes."""
    from scipy.io import whosmat

    try:
        variables = whosmat(path)
        declared = {name: (shape, kind) for name, shape, kind in variables}
    except NotImplementedError as exc:  # Matlab v7.3 (HDF5) files
        raise InputError(f"{source}: cannot read this .mat version ({exc})") from exc
    except Exception as exc:  # scipy raises many types for a truncated or foreign file
        raise InputError(f"{source}: not a readable .mat file: {exc}") from exc
    counts = Counter(name for name, _, _ in variables)
    twice = sorted(name for name in ("data", "labels") if counts[name] > 1)
    if twice:  # scipy's loader keeps the first, a check of the last would pass a bomb
        raise InputError(f"{source}: declares '{twice[0]}' more than once")
    total = 0
    for name in ("data", "labels"):
        if name in declared:
            shape, kind = declared[name]
            if kind not in ("double", "single"):
                raise InputError(f"{source}: '{name}' is a {kind} array, DEAP's are numbers")
            total += math.prod(shape) * 8
    budget = min(MAX_DEAP_MAT_BYTES, MAX_INFLATION * size + MiB)
    if total > budget:
        raise InputError(
            f"{source}: declares {total:,} bytes of arrays in a {size:,}-byte file; more than a "
            f"DEAP .mat holds ({budget:,})"
        )


def _select(trial: TrialSelection, n_trials: int, source: str) -> list[int]:
    """0-based indices from 1-based trial number(s); None selects every trial."""
    if trial is None:
        return list(range(n_trials))
    numbers = [trial] if isinstance(trial, int | np.integer) else list(trial)
    if not numbers:
        raise InputError(f"{source}: no trials selected")
    for number in numbers:
        if isinstance(number, bool) or not isinstance(number, int | np.integer):
            raise InputError(f"{source}: trial numbers are whole numbers, got {number}")
        if not 1 <= number <= n_trials:
            raise InputError(
                f"{source}: trial {number} is out of range: the file holds {n_trials} trials "
                f"(1..{n_trials})"
            )
    return [int(number) - 1 for number in numbers]


def to_recording(
    data: np.ndarray,
    labels: np.ndarray,
    source: str,
    trial: TrialSelection = None,
    subject: int | None = None,
) -> Recording:
    """Checked DEAP arrays -> one Recording: selected trials back to back along time."""
    chosen = _select(trial, data.shape[0], source)
    # (trials * 8064, 40), transposed straight into the result: no intermediate copy of the whole
    # subject (np.take would buffer one). Held in float32: DEAP's files are preprocessed and go to
    # features in float32 anyway, so the values are the same and a float64 subject (98 MiB) costs
    # 49 MiB more while it is read instead of 98.
    picked = data if chosen == list(range(data.shape[0])) else data[chosen]
    samples = np.empty((len(chosen), N_SAMPLES, N_CHANNELS), dtype=np.float32)
    samples[...] = picked.transpose(0, 2, 1)
    samples = samples.reshape(-1, N_CHANNELS)
    trials = tuple(
        Trial(
            onset=k * N_SAMPLES + BASELINE_SAMPLES,
            stop=(k + 1) * N_SAMPLES,
            baseline_s=BASELINE_S,
            ratings=tuple(float(r) for r in labels[index]),
            number=index + 1,
        )
        for k, index in enumerate(chosen)
    )
    return Recording(
        samples, DEAP_ALL_CHANNELS, RATE, source, trials, format="DEAP", unit_known=True,
        preprocessed=True,  # DEAP referenced and band-passed (4-45 Hz) these already
        subject=subject,
    )  # fmt: skip


def _subject_of(path: Path) -> int | None:
    match = SUBJECT_FILE.match(path.name)
    return int(match.group(1)) if match else None


_FILE_READERS: dict[str, Callable[[PathLike], tuple[np.ndarray, np.ndarray]]] = {
    ".dat": read_deap_dat,
    ".mat": read_deap_mat,
}


def deap_recording(path: PathLike, trial: TrialSelection = None) -> Recording:
    """A DEAP `.dat` or `.mat` file as a Recording; `trial` is a 1-based number or a list."""
    file = Path(path)
    reader = _FILE_READERS.get(file.suffix.lower())
    if reader is None:
        raise InputError(f"{path}: not a DEAP file (expected .dat or .mat)")
    data, labels = reader(path)
    return to_recording(data, labels, str(path), trial, _subject_of(file))


class DeapFolder:
    """A folder of DEAP subjects s01..s32 (`.dat` preferred over `.mat` for the same subject)."""

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise InputError(f"{self.path}: not a folder")
        files: dict[int, Path] = {}
        for entry in sorted(self.path.iterdir()):
            subject = _subject_of(entry)
            if subject is None or not entry.is_file():
                continue
            if subject not in files or entry.suffix.lower() == ".dat":
                files[subject] = entry
        if not files:
            raise InputError(
                f"{self.path}: no DEAP files here (expected s01.dat ... s32.dat, or .mat copies)"
            )
        self.files = dict(sorted(files.items()))

    @property
    def subjects(self) -> list[int]:
        return list(self.files)

    def file(self, subject: int) -> Path:
        if subject not in self.files:
            found = ", ".join(f"s{s:02d}" for s in self.files)
            raise InputError(f"subject {subject} not found in {self.path}: found {found}")
        return self.files[subject]

    def load(self, subject: int) -> tuple[np.ndarray, np.ndarray]:
        """(data, labels) of one subject, checked."""
        path = self.file(subject)
        return _FILE_READERS[path.suffix.lower()](path)

    def recording(self, subject: int, trials: TrialSelection = None) -> Recording:
        return deap_recording(self.file(subject), trials)


SUPPORTED = ".dat .mat (DEAP), folder (DEAP s01..s32)"


def read_recording(
    path: PathLike, subject: int | None = None, trial: TrialSelection = None
) -> Recording:
    """A DEAP folder, `.dat` or `.mat` file as a Recording (`inference.io.formats` chooses the
    reader for every other format).

    `subject` picks a subject in a folder (optional when the folder holds only one) and, for a
    single sXX file, must agree with its number. `trial` is a 1-based number or a list of them.
    """
    file = Path(path)
    if file.is_dir():
        folder = DeapFolder(file)
        if subject is None:
            if len(folder.subjects) > 1:
                first, last = folder.subjects[0], folder.subjects[-1]
                raise InputError(
                    f"{file}: holds {len(folder.subjects)} subjects (s{first:02d}..s{last:02d}); "
                    "choose one (subject=N, or --subject N)"
                )
            subject = folder.subjects[0]
        return folder.recording(subject, trial)
    suffix = file.suffix.lower()
    if suffix not in _FILE_READERS:
        shown = f"'{file.suffix}'" if file.suffix else "(no suffix)"
        raise InputError(f"{file}: unsupported file type {shown}; supported: {SUPPORTED}")
    if not file.exists():
        raise InputError(f"{file}: no such file or folder")
    number = _subject_of(file)
    if subject is not None and number is not None and subject != number:
        raise InputError(f"{file}: asked for subject {subject} but this file is subject {number}")
    return deap_recording(file, trial)
