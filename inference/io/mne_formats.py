"""Formats labs keep that only MNE reads well (EEGLAB .set, FIF, BrainVision .vhdr, and the rest
of `mne.io.read_raw`'s list), through MNE when it is installed.

For the command line and training: MNE is large and not bundled into the Blender extension, which
reads DEAP, XDF, EDF/BDF and CSV itself. MNE gives volts; the Recording is in microvolts. EEG
channels only (MNE's channel types), labels as MNE names them; MNE's annotations become markers.

Bounded before MNE opens anything: the files a header names (BrainVision's DataFile and
MarkerFile, EEGLAB's `.fdt`) must be regular files (a FIFO would block MNE's open for ever) and
are counted with the header in the recording's budget (a sparse 64 GB data file is refused by
its size, before MNE reads its markers or allocates anything). The samples are read from MNE a
block at a time into one float32 array: a float32 file is held once, not as MNE's float64 and
its transpose. MNE's warnings become notes.
"""

from __future__ import annotations

import configparser
import os
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..limits import (
    MAX_CHANNELS,
    MAX_INFLATION,
    MAX_MARKER_FILE_BYTES,
    MAX_MARKERS,
    MAX_RECORDING_BYTES,
    MAX_TEXT_BYTES,
    READ_BLOCK_BYTES,
    MiB,
)
from .mat_inflation import check_mat_inflation
from .recording import Marker, Recording
from .safe_files import check_regular, read_bytes

PathLike = str | os.PathLike[str]
# Suffixes read through MNE, with what they are (for messages and the dispatcher's table).
MNE_FORMATS = {
    ".set": "EEGLAB",
    ".fif": "FIF",
    ".fif.gz": "FIF",
    ".vhdr": "BrainVision",
    ".cnt": "Neuroscan CNT",
    ".gdf": "GDF",
    ".mff": "EGI MFF",
    ".egi": "EGI",
    ".nxe": "Nexstim",
    ".eeg": "Nihon Kohden",
    ".lay": "Persyst",
    ".nicolet": "Nicolet",
}


def read_mne(path: PathLike) -> Recording:
    """A recording MNE reads, as a Recording of its EEG channels in microvolts."""
    source = str(path)
    file = Path(path)
    kind = MNE_FORMATS.get(_suffix(file), "recording")
    if file.is_dir():  # some formats (.mff) are folders
        size = sum(f.stat().st_size for f in file.rglob("*") if f.is_file())
    else:
        size = check_regular(file, kind, MAX_RECORDING_BYTES)
    try:
        import mne
    except ImportError:
        raise InputError(
            f"{source}: reading {kind} files needs MNE-Python (pip install mne); the Blender "
            "extension reads DEAP, XDF, EDF/BDF and CSV itself, convert to one of those"
        ) from None
    if not file.is_dir():
        size += _data_bytes(file, source)  # checked before MNE opens any of them
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            raw = mne.io.read_raw(file, preload=False, verbose="error")
            picks = mne.pick_types(raw.info, eeg=True, exclude=())
            if len(picks) == 0:
                raise InputError(f"{source}: MNE finds no EEG channels in this file")
            needed = len(picks) * raw.n_times * 8
            budget = MAX_INFLATION * max(size, 1) + MiB
            if len(picks) > MAX_CHANNELS or needed > budget:
                raise InputError(
                    f"{source}: declares {len(picks)} EEG channels x {raw.n_times:,} samples "
                    f"({needed:,} bytes), more than {size:,} bytes of files can hold"
                )
            samples = _samples(raw, picks)
            rate = float(raw.info["sfreq"])
            labels = tuple(raw.ch_names[i] for i in picks)
            markers = _markers(mne, raw, samples.shape[0], notes)
        except InputError:
            raise
        except Exception as exc:  # every reader has its own errors
            raise InputError(
                f"{source}: MNE cannot read this file ({type(exc).__name__}: {exc})"
            ) from None
    notes.append(f"read with MNE {mne.__version__}; volts converted to microvolts")
    notes += sorted({f"MNE: {w.message}" for w in caught})
    kind = MNE_FORMATS.get(_suffix(file), "MNE")
    return Recording(samples, labels, rate, source, (), markers, format=kind, notes=tuple(notes),
                     unit_known=True)  # fmt: skip


def _samples(raw: Any, picks: np.ndarray) -> np.ndarray:
    """(samples, channels) float32 microvolts, read a block of samples at a time: MNE gives
    float64 (channels, samples), which whole would be 2x a float32 file and its transpose 2x
    more."""
    n = raw.n_times
    out = np.empty((n, len(picks)), dtype=np.float32)
    step = max(1, READ_BLOCK_BYTES // (8 * len(picks)))
    for start in range(0, n, step):  # blocks of samples, not samples
        block = raw.get_data(picks=picks, start=start, stop=min(n, start + step))
        block *= 1e6  # volts -> microvolts
        out[start : start + block.shape[1]] = block.T
    return out


def _data_bytes(file: Path, source: str) -> int:
    """The bytes of the files a header names (BrainVision's data and marker files, EEGLAB's
    .fdt), each a regular file within its budget: MNE opens them, and a FIFO would block it, a
    sparse 64 GB data file fill memory before any check."""
    suffix = _suffix(file)
    if suffix == ".vhdr":
        named = _brainvision_files(file, source)
    elif suffix == ".set":
        named = _eeglab_files(file, source)
    else:
        return 0
    total = 0
    for what, name, budget in named:
        try:
            total += check_regular(name, what, budget)
        except InputError as exc:
            raise InputError(f"{source}: {exc}") from None
    if total > MAX_RECORDING_BYTES:
        raise InputError(f"{source}: its files hold {total:,} bytes, more than a recording can be")
    return total


def _brainvision_files(file: Path, source: str) -> list[tuple[str, Path, int]]:
    """BrainVision's DataFile and MarkerFile, exactly as MNE resolves them: the header decoded
    by its Codepage (UTF-8 by default, "ANSI" as cp1252, Latin-1 where that fails), the text
    before "[Comment]" parsed by configparser (section names case-sensitive: a decoy "[COMMON
    INFOS]" is another section, as MNE sees it), the names joined to the header's folder."""
    data = read_bytes(file, "BrainVision header", MAX_TEXT_BYTES)
    _, _, settings = data.partition(b"\n")  # MNE reads the first line apart, then the rest
    found = re.search("Codepage=(.+)", settings.decode("ascii", "ignore"))  # MNE's flags are 0
    codepage = found.group(1).strip() if found else "utf-8"
    codepage = "cp1252" if codepage == "ANSI" else codepage
    try:
        text = settings.decode(codepage)
    except UnicodeDecodeError:
        text = settings.decode("latin-1")
    except LookupError:
        raise InputError(f"{source}: the header's Codepage {codepage[:40]!r} is unknown") from None
    params = text.split("[Comment]")[0]
    cfg = configparser.ConfigParser(interpolation=None)
    try:
        cfg.read_string(params)
    except configparser.Error as exc:
        shown = str(exc).splitlines()[0][:200]
        raise InputError(f"{source}: not a readable BrainVision header ({shown})") from None
    section = "Common Infos" if cfg.has_section("Common Infos") else "Common infos"
    if not cfg.has_section(section):
        raise InputError(f"{source}: the header has no [Common Infos] section")
    files = [("BrainVision data", "DataFile", MAX_RECORDING_BYTES),
             ("BrainVision marker", "MarkerFile", MAX_MARKER_FILE_BYTES)]  # fmt: skip
    missing = [what for what, key, _ in files if not cfg.get(section, key, fallback="")]
    if missing:
        raise InputError(f"{source}: the header names no {' or '.join(missing)} file")
    folder = os.path.dirname(file)
    return [(what, Path(os.path.join(folder, cfg.get(section, key))), budget)
            for what, key, budget in files]  # fmt: skip


def _eeglab_files(file: Path, source: str) -> list[tuple[str, Path, int]]:
    """EEGLAB's .fdt, where the .set keeps its samples in one, as MNE resolves it: `data` names
    it, as a variable of its own (eeglabio's layout) or a field of one `EEG` struct (EEGLAB's),
    whatever the .set's size; the .set's name with .fdt where the named file does not exist."""
    try:
        from scipy.io import loadmat, whosmat

        check_mat_inflation(file, source)  # scipy inflates what it looks at, whosmat too
        variables = {name: kind for name, _, kind in whosmat(str(file))}
        name = None
        if variables.get("data") == "char":
            name = str(loadmat(str(file), variable_names=["data"])["data"][0])
        elif "EEG" in variables:
            eeg = loadmat(str(file), variable_names=["EEG"], squeeze_me=True)["EEG"]
            data = eeg["data"].item() if "data" in (eeg.dtype.names or ()) else None
            name = data if isinstance(data, str) else None
    except InputError:
        raise
    except Exception as exc:  # scipy raises many types for a file that is not a .set
        raise InputError(f"{source}: not a readable EEGLAB file ({exc})") from None
    if name:
        named = Path(os.path.join(os.path.dirname(file), name))
        if os.path.exists(named):
            return [("EEGLAB data", named, MAX_RECORDING_BYTES)]
    beside = file.with_suffix(".fdt")  # MNE's fallback when the named file is gone
    if os.path.exists(beside):
        return [("EEGLAB data", beside, MAX_RECORDING_BYTES)]
    if name:
        raise InputError(f"{source}: its data file {file.parent / name}: no such file")
    return []


def _markers(mne: object, raw: object, n: int, notes: list[str]) -> tuple[Marker, ...]:
    """MNE's annotations on the data's samples (MNE places them, first_samp and all)."""
    count = len(raw.annotations)  # type: ignore[attr-defined]
    if not count:
        return ()
    if count > MAX_MARKERS:
        notes.append(f"{count:,} annotations: not read as markers (at most {MAX_MARKERS:,})")
        return ()
    events, ids = mne.events_from_annotations(raw, verbose="error")  # type: ignore[attr-defined]
    names = {code: text for text, code in ids.items()}
    where = events[:, 0] - raw.first_samp  # type: ignore[attr-defined]
    return tuple(
        sorted(
            Marker(int(k), names[int(c)])
            for k, c in zip(where, events[:, 2], strict=True)
            if 0 <= k < n
        )
    )


def _suffix(file: Path) -> str:
    if [s.lower() for s in file.suffixes[-2:]] == [".fif", ".gz"]:
        return ".fif.gz"
    return file.suffix.lower()
