"""The one entry point for reading recordings: chooses the reader by file type.

| input | reader | options |
| --- | --- | --- |
| folder of s01..s32, `.dat`, `.mat` | DEAP (`readers_deap`) | `subject`, `trial` |
| `.xdf`, `.xdfz` | XDF via pyxdf (`readers_xdf`) | `stream` (name, type or id) |
| `.edf`, `.bdf` (EDF+/BDF+ too) | EDF/BDF via pyEDFlib (`readers_edf`) | - |
| `.csv` | CSV (`readers_csv`) | `rate` (else a time column) |

Only DEAP files carry trials; the other formats give a Recording without trials, and the pipeline
then takes the first seconds as the resting baseline. Readers of optional formats import their
library only when called, and say what to install when it is missing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from . import readers_deap
from .errors import InputError
from .readers_csv import read_csv
from .readers_deap import TrialSelection
from .readers_edf import read_edf
from .readers_xdf import read_xdf
from .recording import Recording

PathLike = str | os.PathLike[str]

SUPPORTED = (
    "folder of DEAP subjects (s01..s32), .dat/.mat (DEAP), .xdf/.xdfz (XDF), "
    ".edf/.bdf (EDF/BDF), .csv (CSV)"
)
_DEAP_SUFFIXES = (".dat", ".mat")
_OTHER: dict[str, tuple[str, Callable[..., Recording]]] = {
    ".xdf": ("XDF", read_xdf),
    ".xdfz": ("XDF", read_xdf),
    ".gz": ("XDF", read_xdf),  # only as .xdf.gz, checked below
    ".edf": ("EDF", read_edf),
    ".bdf": ("BDF", read_edf),
    ".csv": ("CSV", read_csv),
}


def _suffix(file: Path) -> str:
    suffix = file.suffix.lower()
    if suffix == ".gz":
        return ".gz" if [s.lower() for s in file.suffixes[-2:]] == [".xdf", ".gz"] else ""
    return suffix


def read_recording(
    path: PathLike,
    subject: int | None = None,
    trial: TrialSelection = None,
    *,
    stream: str | int | None = None,
    rate: float | None = None,
) -> Recording:
    """Any supported recording as a Recording, chosen by suffix (a folder is a DEAP folder).

    subject, trial: DEAP only (see `readers_deap.read_recording`). stream: XDF only, the stream's
    name, type or id. rate: CSV only, in Hz (else the CSV's time column gives it).
    """
    file = Path(path)
    suffix = "" if file.is_dir() else _suffix(file)
    if file.is_dir() or suffix in _DEAP_SUFFIXES:
        for name, value in (("stream", stream), ("rate", rate)):
            if value is not None:
                raise InputError(f"{file}: '{name}' does not apply to DEAP recordings")
        return readers_deap.read_recording(file, subject, trial)
    if suffix not in _OTHER:
        shown = f"'{file.suffix}'" if file.suffix else "(no suffix)"
        raise InputError(f"{file}: unsupported file type {shown}; supported: {SUPPORTED}")
    kind, reader = _OTHER[suffix]
    if not file.exists():
        raise InputError(f"{file}: no such file or folder")
    if subject is not None or trial is not None:
        raise InputError(
            f"{file}: {kind} files carry no subjects or trials; subject/trial selection is for "
            "DEAP recordings"
        )
    if kind == "XDF":
        if rate is not None:
            raise InputError(f"{file}: 'rate' applies to CSV files (XDF streams carry their rate)")
        return reader(file, stream=stream)
    if stream is not None:
        raise InputError(f"{file}: 'stream' applies to XDF files only")
    if kind == "CSV":
        return reader(file, rate=rate)
    if rate is not None:
        raise InputError(f"{file}: 'rate' applies to CSV files ({kind} files carry their rate)")
    return reader(file)
