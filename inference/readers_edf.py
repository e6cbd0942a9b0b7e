"""EDF/EDF+ and BDF/BDF+ files (European/BioSemi Data Format) as Recordings, via edfio.

edfio rather than pyEDFlib: edfio is pure Python on numpy, so one wheel serves every Python and
platform Blender runs (pyEDFlib is a C extension with a wheel per Python version, and a zip that
bundles one is refused by the other Pythons); it reads the data records the file really holds,
so a header with an unknown (-1) or wrong record count, or a file cut short, still reads (as
MNE does) and memory follows the file's size, never the header's claims. Both give the same
physical values on the files the tests read (pyEDFlib is the independent reference there).

Labels come from the signal headers and values are physical (the header's calibration applied),
converted to microvolts where the header names another voltage unit (nV, mV, V). A Recording has
one rate: resampling signals of different rates against each other is out of scope, so the reader
keeps the signals at the rate most of the recognised EEG electrodes use (or, when no label is a
10-20 electrode, the rate most signals use) and reports every dropped signal in `meta["notes"]`.
Annotation signals ("EDF Annotations", "BDF Annotations") are never data. EDF has no trial
markers here: `trials` is empty and the pipeline uses the first seconds as the resting baseline.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from .electrodes import canonical_name
from .errors import InputError
from .recording import Recording

PathLike = str | os.PathLike[str]

# Multiply a value in this unit by the factor to get microvolts (keys are lower case).
_TO_MICROVOLTS = {
    "uv": 1.0,
    "µv": 1.0,
    "μv": 1.0,  # Greek mu as well as the micro sign
    "microvolt": 1.0,
    "microvolts": 1.0,
    "nv": 1e-3,
    "mv": 1e3,
    "millivolt": 1e3,
    "millivolts": 1e3,
    "v": 1e6,
    "volt": 1e6,
    "volts": 1e6,
}
_BDF_MAGIC = b"\xffBIOSEMI"
_HEADER_BYTES = 256


def microvolt_scale(unit: str | None) -> float | None:
    """Factor from `unit` to microvolts, or None when the unit is not a voltage we know."""
    if unit is None:
        return None
    return _TO_MICROVOLTS.get(unit.strip().lower())


def _choose_rate(labels: list[str], rates: list[float]) -> float:
    """The rate most recognised EEG electrodes share (else most signals); ties: first in file."""
    eeg = [r for label, r in zip(labels, rates, strict=True) if canonical_name(label) is not None]
    return Counter(eeg or rates).most_common(1)[0][0]


def _open(path: Path, source: str) -> tuple[Any, str, list[str]]:
    """The parsed file (edfio's Edf or Bdf), its format name and edfio's warnings as notes."""
    try:
        import edfio
    except ImportError:
        raise InputError(
            f"{source}: reading EDF/BDF files needs edfio (pip install edfio)"
        ) from None
    try:
        with path.open("rb") as f:
            head = f.read(_HEADER_BYTES)
    except OSError as exc:
        raise InputError(f"{source}: cannot open ({exc.strerror or exc})") from exc
    if len(head) < _HEADER_BYTES:
        raise InputError(f"{source}: not a readable EDF/BDF file (the header is cut short)")
    bdf = head.startswith(_BDF_MAGIC)  # the header says the format, whatever the suffix
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            parsed = (edfio.read_bdf if bdf else edfio.read_edf)(path)
        except Exception as exc:  # ValueError/IndexError/... for headers that do not parse
            raise InputError(f"{source}: not a readable EDF/BDF file ({exc})") from exc
    notes = [f"{'BDF' if bdf else 'EDF'} file: {w.message}" for w in caught]
    return parsed, "BDF" if bdf else "EDF", notes


def read_edf(path: PathLike) -> Recording:
    """An EDF(+) or BDF(+) file as a Recording in microvolts (see the module notes)."""
    source = str(path)
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{source}: no such file")
    parsed, kind, notes = _open(file, source)
    try:
        signals = list(parsed.signals)  # annotation signals are not among them
        labels = [str(s.label).strip() for s in signals]
        rates = [float(s.sampling_frequency) for s in signals]
        units = [str(s.physical_dimension).strip() for s in signals]
        counts = [int(s.samples_per_data_record) * int(parsed.num_data_records) for s in signals]
        data = [i for i in range(len(signals)) if counts[i] > 0 and rates[i] > 0]
        if not data:
            raise InputError(f"{source}: the {kind} file holds no samples")
        rate = _choose_rate([labels[i] for i in data], [rates[i] for i in data])
        dropped = [i for i in data if rates[i] != rate]
        if dropped:
            shown = ", ".join(f"{labels[i]} ({rates[i]:g} Hz)" for i in dropped)
            notes.append(f"signals at other rates than {rate:g} Hz were left out: {shown}")
        keep = [i for i in data if rates[i] == rate]
        samples = np.empty((counts[keep[0]], len(keep)), dtype=np.float64)
        for column, i in enumerate(keep):  # one call per signal (channels, not samples)
            samples[:, column] = signals[i].data
            scale = microvolt_scale(units[i])
            if scale is None:
                if canonical_name(labels[i]) is not None:
                    notes.append(
                        f"{labels[i]}: unit {units[i] or '(none)'!r} is not a voltage; "
                        "values are used as microvolts"
                    )
            elif scale != 1.0:
                samples[:, column] *= scale
        duration = float(parsed.duration)
        equipment = str(parsed.recording.equipment_code).strip() if _has_plus(parsed) else ""
    except InputError:
        raise
    except Exception as exc:  # a header that parses but whose data cannot be read back
        raise InputError(f"{source}: cannot read the signals of this {kind} file ({exc})") from exc
    converted = sorted({units[i] for i in keep if microvolt_scale(units[i]) not in (None, 1.0)})
    if converted:
        notes.append(f"converted {', '.join(converted)} to microvolts")
    meta: dict[str, object] = {
        "format": kind,
        "notes": notes,
        "equipment": equipment,
        "file_duration_s": duration,
        "units": tuple(units[i] for i in keep),
    }
    return Recording(samples, tuple(labels[i] for i in keep), rate, source, (), meta)


def _has_plus(parsed: Any) -> bool:
    """EDF+/BDF+ headers carry structured recording fields; plain EDF's may not parse."""
    try:
        parsed.recording  # noqa: B018  (edfio raises for a field that is not EDF+ formatted)
    except Exception:
        return False
    return True
