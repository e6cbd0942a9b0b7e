"""Formats labs keep that only MNE reads well (EEGLAB .set, FIF, BrainVision .vhdr, and the rest
of `mne.io.read_raw`'s list), through MNE when it is installed.

For the command line and training: MNE is large and not bundled into the Blender extension, which
reads DEAP, XDF, EDF/BDF and CSV itself. MNE gives volts; the Recording is in microvolts. EEG
channels only (MNE's channel types), labels as MNE names them; MNE's annotations become markers.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..limits import MAX_CHANNELS, MAX_INFLATION, MAX_RECORDING_BYTES, MiB
from .recording import Marker, Recording
from .safe_files import check_regular

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
    if file.is_dir():  # some formats (.mff) are folders
        size = sum(f.stat().st_size for f in file.rglob("*") if f.is_file())
    else:
        size = check_regular(file, MNE_FORMATS.get(_suffix(file), "recording"), MAX_RECORDING_BYTES)
    try:
        import mne
    except ImportError:
        kind = MNE_FORMATS.get(_suffix(file), "this format")
        raise InputError(
            f"{source}: reading {kind} files needs MNE-Python (pip install mne); the Blender "
            "extension reads DEAP, XDF, EDF/BDF and CSV itself, convert to one of those"
        ) from None
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
                f"({needed:,} bytes), more than a {size:,}-byte file can hold"
            )
        data = raw.get_data(picks=picks)  # volts, (channels, samples)
    except InputError:
        raise
    except Exception as exc:  # every reader has its own errors
        raise InputError(
            f"{source}: MNE cannot read this file ({type(exc).__name__}: {exc})"
        ) from exc
    rate = float(raw.info["sfreq"])
    labels = tuple(raw.ch_names[i] for i in picks)
    samples = np.ascontiguousarray(data.T) * 1e6
    markers = _markers(mne, raw, samples.shape[0])
    meta: dict[str, object] = {
        "format": MNE_FORMATS.get(_suffix(file), "MNE"),
        "notes": [f"read with MNE {mne.__version__}; volts converted to microvolts"],
        "unit": "uV",
    }
    return Recording(samples, labels, rate, source, (), meta, markers)


def _markers(mne: object, raw: object, n: int) -> tuple[Marker, ...]:
    """MNE's annotations on the data's samples (MNE places them, first_samp and all)."""
    if not len(raw.annotations):  # type: ignore[attr-defined]
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
