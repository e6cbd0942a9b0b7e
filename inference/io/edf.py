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
Annotation signals ("EDF Annotations", "BDF Annotations") are never data: their annotations
become the Recording's markers. A BioSemi "Status" channel is never data either: each change of
its trigger code (lower 16 bits) becomes a marker, and where the codes follow DEAP's original
recordings (a 4 starts each music video, a 5 follows about 60 s later) the file is split into
trials as DEAP's preprocessed files are (60 s from each 4, the 3 s before it as baseline).
Otherwise `trials` is empty and the pipeline uses the first seconds as the resting baseline.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from ..dsp.electrodes import canonical_name
from ..errors import InputError
from ..limits import MAX_CHANNELS, MAX_RECORDING_BYTES
from . import deap_files as deap
from .recording import Marker, Recording, Trial
from .safe_files import check_regular
from .units import microvolt_scale

PathLike = str | os.PathLike[str]

_BDF_MAGIC = b"\xffBIOSEMI"
_HEADER_BYTES = 256
_STATUS_LABELS = ("STATUS", "TRIGGER")
_TRIGGER_MASK = 0xFFFF  # BioSemi: trigger codes in bits 0-15, amplifier state above


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
    check_regular(file, "EDF/BDF", MAX_RECORDING_BYTES)
    parsed, kind, notes = _open(file, source)
    try:
        signals = list(parsed.signals)  # annotation signals are not among them
        labels = [str(s.label).strip() for s in signals]
        rates = [float(s.sampling_frequency) for s in signals]
        units = [str(s.physical_dimension).strip() for s in signals]
        counts = [int(s.samples_per_data_record) * int(parsed.num_data_records) for s in signals]
        status = next((i for i, lab in enumerate(labels) if lab.upper() in _STATUS_LABELS), None)
        data = [i for i in range(len(signals)) if counts[i] > 0 and rates[i] > 0 and i != status]
        rate, keep = _keep_one_rate(data, labels, rates, f"{source}: the {kind} file", notes)
        samples, voltage = _microvolts(signals, keep, labels, units, counts[keep[0]], notes)
        markers = [Marker(round(float(a.onset) * rate), str(a.text)) for a in _annotations(parsed)]
        codes = None
        if status is not None and rates[status] == rate:
            codes = np.round(signals[status].data[: len(samples)]).astype(np.int64) & _TRIGGER_MASK
            markers += _code_markers(codes)
        duration = float(parsed.duration)
        equipment = str(parsed.recording.equipment_code).strip() if _has_plus(parsed) else ""
    except InputError:
        raise
    except Exception as exc:  # a header that parses but whose data cannot be read back
        raise InputError(f"{source}: cannot read the signals of this {kind} file ({exc})") from exc
    converted = sorted({units[i] for i in keep if microvolt_scale(units[i]) not in (None, 1.0)})
    if converted:
        notes.append(f"converted {', '.join(converted)} to microvolts")
    trials = _deap_trials(codes, rate, len(samples)) if codes is not None else ()
    if trials:
        notes.append(
            f"Status codes follow DEAP's original recordings: {len(trials)} trials of "
            f"{deap.TRIAL_S:g} s from each video start (code {deap.STATUS_VIDEO_START})"
        )
    meta: dict[str, object] = {
        "format": kind,
        "notes": notes,
        "equipment": equipment,
        "file_duration_s": duration,
        "units": tuple(units[i] for i in keep),
        "unit": "uV" if voltage else None,  # None: no signal names a voltage, guess later
    }
    in_range = sorted(m for m in markers if 0 <= m.sample < len(samples))
    return Recording(
        samples, tuple(labels[i] for i in keep), rate, source, trials, meta, tuple(in_range)
    )


def _keep_one_rate(
    data: list[int], labels: list[str], rates: list[float], what: str, notes: list[str]
) -> tuple[float, list[int]]:
    """The EEG rate and the signals sampled at it; the others are named in a note."""
    if not data:
        raise InputError(f"{what} holds no samples")
    if len(data) > MAX_CHANNELS:
        raise InputError(f"{what} has {len(data)} signals; at most {MAX_CHANNELS} are read")
    rate = _choose_rate([labels[i] for i in data], [rates[i] for i in data])
    dropped = [i for i in data if rates[i] != rate]
    if dropped:
        shown = ", ".join(f"{labels[i]} ({rates[i]:g} Hz)" for i in dropped)
        notes.append(f"signals at other rates than {rate:g} Hz were left out: {shown}")
    return rate, [i for i in data if rates[i] == rate]


def _microvolts(
    signals: list[Any],
    keep: list[int],
    labels: list[str],
    units: list[str],
    n_samples: int,
    notes: list[str],
) -> tuple[np.ndarray, bool]:
    """The kept signals as one array in microvolts, and whether any of them names a voltage."""
    samples = np.empty((n_samples, len(keep)), dtype=np.float64)
    voltage = False
    for column, i in enumerate(keep):  # one call per signal (channels, not samples)
        samples[:, column] = signals[i].data
        scale = microvolt_scale(units[i])
        if scale is None:
            if canonical_name(labels[i]) is not None and units[i]:
                notes.append(
                    f"{labels[i]}: unit {units[i]!r} is not a voltage; values are used as-is"
                )
        else:
            voltage = True
            if scale != 1.0:
                samples[:, column] *= scale
    return samples, voltage


def _annotations(parsed: Any) -> list[Any]:
    try:
        return list(parsed.annotations)
    except Exception:  # plain EDF, or annotations that do not parse: no markers, not an error
        return []


def _code_markers(codes: np.ndarray) -> list[Marker]:
    """A marker wherever the trigger code changes to a non-zero value."""
    change = np.flatnonzero(np.diff(codes, prepend=0) != 0)
    return [Marker(int(i), f"code {int(codes[i])}") for i in change if codes[i] != 0]


def _deap_trials(codes: np.ndarray, rate: float, n: int) -> tuple[Trial, ...]:
    """Trials of DEAP's original recordings from their Status codes; () for any other layout."""
    starts = np.flatnonzero(np.diff(codes, prepend=0) != 0)
    video = starts[codes[starts] == deap.STATUS_VIDEO_START]
    after = starts[codes[starts] == deap.STATUS_VIDEO_START + 1]
    if video.size == 0 or after.size == 0:
        return ()
    following = np.searchsorted(after, video)
    paired = following < after.size
    spans = (after[following[paired]] - video[paired]) / rate
    if spans.size == 0 or abs(float(np.median(spans)) - deap.TRIAL_S) > 2.0:
        return ()  # code 4s that are not DEAP's one-minute videos
    length = round(deap.TRIAL_S * rate)
    base = round(deap.BASELINE_S * rate)
    return tuple(
        Trial(int(onset), min(int(onset) + length, n), deap.BASELINE_S, (), k + 1)
        for k, onset in enumerate(video)
        if onset >= base and onset + rate <= n
    )


def _has_plus(parsed: Any) -> bool:
    """EDF+/BDF+ headers carry structured recording fields; plain EDF's may not parse."""
    try:
        parsed.recording  # noqa: B018  (edfio raises for a field that is not EDF+ formatted)
    except Exception:
        return False
    return True
