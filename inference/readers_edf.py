"""EDF/EDF+ and BDF/BDF+ files (European/BioSemi Data Format) as Recordings, via pyEDFlib.

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
from collections import Counter
from pathlib import Path

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
_ANNOTATION_LABELS = ("EDF ANNOTATIONS", "BDF ANNOTATIONS")


def microvolt_scale(unit: str | None) -> float | None:
    """Factor from `unit` to microvolts, or None when the unit is not a voltage we know."""
    if unit is None:
        return None
    return _TO_MICROVOLTS.get(unit.strip().lower())


def _choose_rate(labels: list[str], rates: list[float]) -> float:
    """The rate most recognised EEG electrodes share (else most signals); ties: first in file."""
    eeg = [r for label, r in zip(labels, rates, strict=True) if canonical_name(label) is not None]
    return Counter(eeg or rates).most_common(1)[0][0]


def read_edf(path: PathLike) -> Recording:
    """An EDF(+) or BDF(+) file as a Recording in microvolts (see the module notes)."""
    source = str(path)
    try:
        import pyedflib
    except ImportError:
        raise InputError(
            f"{source}: reading EDF/BDF files needs pyEDFlib (pip install pyedflib)"
        ) from None
    if not Path(path).is_file():
        raise InputError(f"{source}: no such file")
    try:
        reader = pyedflib.EdfReader(source)
    except Exception as exc:  # OSError for format errors, a wrong size or a truncated file
        raise InputError(f"{source}: not a readable EDF/BDF file ({exc})") from exc
    try:
        labels = [str(label).strip() for label in reader.getSignalLabels()]
        rates = [float(r) for r in reader.getSampleFrequencies()]
        counts = [int(n) for n in reader.getNSamples()]
        units = [str(reader.getPhysicalDimension(i)).strip() for i in range(len(labels))]
        notes: list[str] = []
        data = [i for i, label in enumerate(labels) if label.upper() not in _ANNOTATION_LABELS]
        data = [i for i in data if counts[i] > 0 and rates[i] > 0]
        if not data:
            raise InputError(f"{source}: no data signals in this EDF/BDF file")
        rate = _choose_rate([labels[i] for i in data], [rates[i] for i in data])
        dropped = [i for i in data if rates[i] != rate]
        if dropped:
            shown = ", ".join(f"{labels[i]} ({rates[i]:g} Hz)" for i in dropped)
            notes.append(f"signals at other rates than {rate:g} Hz were left out: {shown}")
        keep = [i for i in data if rates[i] == rate]
        n = min(counts[i] for i in keep)
        if any(counts[i] != n for i in keep):
            notes.append(f"signals of unequal length were cut to the shortest ({n} samples)")
        columns = []
        for i in keep:  # one call per signal (channels, not samples)
            values = np.asarray(reader.readSignal(i, 0, n), dtype=np.float64)
            scale = microvolt_scale(units[i])
            if scale is None:
                if canonical_name(labels[i]) is not None:
                    notes.append(
                        f"{labels[i]}: unit {units[i] or '(none)'!r} is not a voltage; "
                        "values are used as microvolts"
                    )
            elif scale != 1.0:
                values *= scale
            columns.append(values)
        equipment = str(reader.getEquipment()).strip()
        duration = float(reader.getFileDuration())
    except InputError:
        raise
    except Exception as exc:  # a header that parses but whose data cannot be read back
        raise InputError(f"{source}: cannot read the signals of this EDF/BDF file ({exc})") from exc
    finally:
        reader.close()
    converted = sorted({units[i] for i in keep if microvolt_scale(units[i]) not in (None, 1.0)})
    if converted:
        notes.append(f"converted {', '.join(converted)} to microvolts")
    samples = np.column_stack(columns) if columns else np.zeros((0, 0))
    if samples.shape[0] == 0:
        raise InputError(f"{source}: the EDF/BDF file holds no samples")
    meta: dict[str, object] = {
        "format": "BDF" if Path(path).suffix.lower() == ".bdf" else "EDF",
        "notes": notes,
        "equipment": equipment,
        "file_duration_s": duration,
        "units": tuple(units[i] for i in keep),
    }
    return Recording(samples, tuple(labels[i] for i in keep), rate, source, (), meta)
